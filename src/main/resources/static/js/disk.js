// The disk view: GET /system/df, with what is shared between images, what a prune would free, and a chart.
import {getJson} from './api.js';
import {esc, humanSize, shortId} from './format.js';
import {$, notify} from './ui.js';

const TOP = 15;

export async function showDisk() {
  const body = $('#disk-body');
  let df;
  try {
    df = await getJson('/system/df');
  } catch (e) {
    notify('Could not read the disk usage. ' + e.message);
    return;
  }
  const images = df.Images || [];
  const unique = images.reduce((s, i) => s + Math.max(0, i.Size - Math.max(0, i.SharedSize)), 0);
  const total = df.LayersSize || 0;
  const shared = Math.max(0, total - unique);
  const dangling = images.filter(i => !(i.RepoTags || []).some(t => t !== '<none>:<none>'));
  // a dangling image's own (unshared) bytes go with it; what it shares stays for the others
  const danglingFrees = dangling.reduce((s, i) => s + Math.max(0, i.Size - Math.max(0, i.SharedSize)), 0);
  const card = (title, value, note) => '<div class="card"><div class="muted">' + esc(title) + '</div><div class="big">' + esc(value)
      + '</div>' + (note ? '<div class="hint">' + esc(note) + '</div>' : '') + '</div>';
  const byName = i => ((i.RepoTags || []).find(t => t !== '<none>:<none>') || '<none> ' + shortId(i.Id));
  const top = [...images].sort((a, b) => b.Size - a.Size).slice(0, TOP);
  body.innerHTML = '<div class="cards" id="disk-cards">'
      + card('Images', String(images.length), dangling.length + ' dangling')
      + card('Stored (all layers once)', humanSize(total, 4), 'SIZE of docker system df')
      + card('Shared between images', humanSize(shared), 'layers used by more than one image')
      + card('Prune dangling frees', humanSize(danglingFrees), 'about: the dangling images\' own layers')
      + card('Prune unused frees', humanSize(total, 4), 'imaged runs no containers: every image is unused')
      + '</div>'
      + '<h3>Stored bytes</h3>' + overall(unique, shared)
      + '<h3>Largest images</h3>' + chart(top, byName)
      + '<h3>All images by size</h3><div class="table-wrap"><table id="disk-table"><thead><tr><th scope="col">Image</th>'
      + '<th scope="col">ID</th><th scope="col" class="num">Size</th><th scope="col" class="num">Shared</th>'
      + '<th scope="col" class="num">Own</th></tr></thead><tbody>'
      + [...images].sort((a, b) => b.Size - a.Size).slice(0, 500).map(i => '<tr><td>' + esc(byName(i)) + '</td><td class="mono">'
          + shortId(i.Id) + '</td><td class="num">' + humanSize(i.Size) + '</td><td class="num">' + humanSize(Math.max(0, i.SharedSize))
          + '</td><td class="num">' + humanSize(Math.max(0, i.Size - Math.max(0, i.SharedSize))) + '</td></tr>').join('')
      + '</tbody></table></div>';
}

/** One bar: the bytes only one image uses against the bytes several share. */
function overall(unique, shared) {
  const total = unique + shared || 1;
  const w = 600;
  const u = Math.round(w * unique / total);
  return '<div class="chart"><svg role="img" aria-label="' + esc(humanSize(unique) + ' used by one image, ' + humanSize(shared) + ' shared')
      + '" width="100%" viewBox="0 0 ' + w + ' 24" preserveAspectRatio="none" height="24">'
      + '<rect x="0" y="0" width="' + u + '" height="24" fill="var(--unique)"/>'
      + '<rect x="' + u + '" y="0" width="' + (w - u) + '" height="24" fill="var(--shared)"/></svg>'
      + '<div class="legend"><span><span class="swatch" style="background:var(--unique)"></span>used by one image '
      + esc(humanSize(unique)) + '</span><span><span class="swatch" style="background:var(--shared)"></span>shared '
      + esc(humanSize(shared)) + '</span></div></div>';
}

/** Horizontal bars, one per image: its own bytes, then the bytes it shares. */
function chart(images, name) {
  if (!images.length) return '<p class="muted">No images.</p>';
  const max = Math.max(...images.map(i => i.Size), 1);
  const rowH = 22, labelW = 260, barW = 520, w = labelW + barW + 90;
  let svg = '<svg role="img" aria-label="Largest images by size" width="100%" style="max-width:' + w + 'px" viewBox="0 0 ' + w + ' ' + images.length * rowH + '">';
  images.forEach((i, n) => {
    const y = n * rowH;
    const sharedBytes = Math.max(0, i.SharedSize);
    const own = Math.max(0, i.Size - sharedBytes);
    const ow = barW * own / max, sw = barW * sharedBytes / max;
    const label = name(i);
    svg += '<text x="' + (labelW - 8) + '" y="' + (y + 15) + '" text-anchor="end" font-size="12">' + esc(label.length > 40 ? '…' + label.slice(-39) : label) + '</text>'
        + '<rect x="' + labelW + '" y="' + (y + 4) + '" width="' + ow.toFixed(1) + '" height="14" fill="var(--unique)"><title>'
        + esc(label + ': ' + humanSize(own) + ' own') + '</title></rect>'
        + '<rect x="' + (labelW + ow).toFixed(1) + '" y="' + (y + 4) + '" width="' + sw.toFixed(1) + '" height="14" fill="var(--shared)"><title>'
        + esc(label + ': ' + humanSize(sharedBytes) + ' shared') + '</title></rect>'
        + '<text x="' + (labelW + ow + sw + 6).toFixed(1) + '" y="' + (y + 15) + '" font-size="12">' + esc(humanSize(i.Size)) + '</text>';
  });
  return '<div class="chart">' + svg + '</svg><div class="legend"><span><span class="swatch" style="background:var(--unique)"></span>own layers</span>'
      + '<span><span class="swatch" style="background:var(--shared)"></span>layers shared with other images</span></div></div>';
}
