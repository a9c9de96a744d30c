// The disk view: GET /system/df (the numbers `docker system df` prints) and imaged's GET /imaged/disk (layers and
// blobs by size, what is shared, what a prune would free), with charts.
import {getJson} from './api.js';
import {esc, humanSize, shortId} from './format.js';
import {$, notify} from './ui.js';

const TOP = 15;

export async function showDisk() {
  const body = $('#disk-body');
  let df, report;
  try {
    [df, report] = await Promise.all([getJson('/system/df'), getJson('/imaged/disk?top=' + TOP)]);
  } catch (e) {
    notify('Could not read the disk usage. ' + e.message);
    return;
  }
  const images = df.Images || [];
  const total = df.LayersSize || 0;
  const shared = report.sharedBytes;
  const card = (title, value, note) => '<div class="card"><div class="muted">' + esc(title) + '</div><div class="big">' + esc(value)
      + '</div>' + (note ? '<div class="hint">' + esc(note) + '</div>' : '') + '</div>';
  const byName = i => ((i.RepoTags || []).find(t => t !== '<none>:<none>') || '<none> ' + shortId(i.Id));
  const top = [...images].sort((a, b) => b.Size - a.Size).slice(0, TOP);
  body.innerHTML = '<div class="cards" id="disk-cards">'
      + card('Images', String(images.length), report.danglingImages + ' dangling')
      + card('Stored (all layers once)', humanSize(total, 4), 'SIZE of docker system df')
      + card('Layers', String(report.layers), report.sharedLayers + ' used by several images')
      + card('Shared between images', humanSize(shared), 'bytes of the layers used by more than one image')
      + card('Blobs on disk', humanSize(report.blobsBytes), report.blobs + ' blobs (compressed layers, manifests), '
          + report.unreferencedBlobs + ' unreferenced (' + humanSize(report.unreferencedBytes) + ')')
      + card('Prune dangling frees', humanSize(report.pruneDanglingFrees), 'layers only dangling images use')
      + card('Prune unused frees', humanSize(report.pruneUnusedFrees, 4), 'imaged runs no containers: every image is unused')
      + '</div>'
      + '<h3>Stored bytes</h3>' + overall(Math.max(0, total - shared), shared)
      + '<h3>Largest images</h3>' + chart(top, byName)
      + '<h3>Largest layers</h3>' + layerChart(report.topLayers)
      + layerTable(report.topLayers, report.layers)
      + '<h3>Largest blobs</h3>' + blobTable(report.topBlobs, report.blobs)
      + '<h3>All images by size</h3><div class="table-wrap"><table id="disk-table"><thead><tr><th scope="col">Image</th>'
      + '<th scope="col">ID</th><th scope="col" class="num">Size</th><th scope="col" class="num">Shared</th>'
      + '<th scope="col" class="num">Own</th></tr></thead><tbody>'
      + [...images].sort((a, b) => b.Size - a.Size).slice(0, 500).map(i => '<tr><td>' + esc(byName(i)) + '</td><td class="mono">'
          + shortId(i.Id) + '</td><td class="num">' + humanSize(i.Size) + '</td><td class="num">' + humanSize(Math.max(0, i.SharedSize))
          + '</td><td class="num">' + humanSize(Math.max(0, i.Size - Math.max(0, i.SharedSize))) + '</td></tr>').join('')
      + '</tbody></table></div>';
}

/** Horizontal bars, one per layer, coloured by whether several images share it. */
function layerChart(layers) {
  if (!layers.length) return '<p class="muted">No layers.</p>';
  const max = Math.max(...layers.map(l => l.size), 1);
  const rowH = 22, labelW = 260, barW = 520, w = labelW + barW + 90;
  let svg = '<svg id="disk-layer-chart" role="img" aria-label="Largest layers by size" width="100%" style="max-width:' + w + 'px" viewBox="0 0 ' + w + ' ' + layers.length * rowH + '">';
  layers.forEach((l, n) => {
    const y = n * rowH;
    const bw = barW * l.size / max;
    const label = shortId(l.diffId) + ' · ' + l.images + (l.images === 1 ? ' image' : ' images');
    svg += '<text x="' + (labelW - 8) + '" y="' + (y + 15) + '" text-anchor="end" font-size="12">' + esc(label) + '</text>'
        + '<rect x="' + labelW + '" y="' + (y + 4) + '" width="' + bw.toFixed(1) + '" height="14" fill="var(' + (l.images > 1 ? '--shared' : '--unique') + ')"><title>'
        + esc(l.diffId + ': ' + humanSize(l.size) + ', used by ' + l.images) + '</title></rect>'
        + '<text x="' + (labelW + bw + 6).toFixed(1) + '" y="' + (y + 15) + '" font-size="12">' + esc(humanSize(l.size)) + '</text>';
  });
  return '<div class="chart">' + svg + '</svg><div class="legend"><span><span class="swatch" style="background:var(--unique)"></span>used by one image</span>'
      + '<span><span class="swatch" style="background:var(--shared)"></span>shared by several images</span></div></div>';
}

function layerTable(layers, count) {
  return '<p class="hint">The ' + layers.length + ' largest of ' + count + ' layers.</p><div class="table-wrap"><table id="disk-layers"><thead><tr>'
      + '<th scope="col">Diff ID</th><th scope="col" class="num">Size</th><th scope="col" class="num">Blob</th><th scope="col" class="num">Images</th>'
      + '<th scope="col">Used by</th></tr></thead><tbody>'
      + layers.map(l => '<tr data-chain-id="' + esc(l.chainId) + '" data-diff-id="' + esc(l.diffId) + '" data-size="' + l.size
          + '" data-images="' + l.images + '"><td class="mono" title="' + esc('chain ' + l.chainId) + '">' + esc(shortId(l.diffId))
          + '</td><td class="num">' + humanSize(l.size) + '</td><td class="num">' + humanSize(l.blobSize) + '</td><td class="num">' + l.images
          + '</td><td class="mono">' + l.imageIds.map(id => '<a href="#image/' + encodeURIComponent(id) + '">' + esc(shortId(id)) + '</a>').join(' ')
          + (l.images > l.imageIds.length ? ' …' : '') + '</td></tr>').join('')
      + '</tbody></table></div>';
}

function blobTable(blobs, count) {
  return '<p class="hint">The ' + blobs.length + ' largest of ' + count + ' blobs; an unreferenced one goes at the next prune or restart.</p>'
      + '<div class="table-wrap"><table id="disk-blobs"><thead><tr><th scope="col">Digest</th><th scope="col">Kind</th>'
      + '<th scope="col">Media type</th><th scope="col" class="num">Size</th><th scope="col">Referenced</th></tr></thead><tbody>'
      + blobs.map(b => '<tr data-digest="' + esc(b.digest) + '" data-size="' + b.size + '" data-kind="' + esc(b.kind) + '"><td class="mono" title="'
          + esc(b.digest) + '">' + esc(shortId(b.digest)) + '</td><td>' + esc(b.kind) + '</td><td class="mono">' + esc(b.mediaType)
          + '</td><td class="num">' + humanSize(b.size) + '</td><td>' + (b.referenced ? 'yes' : 'no') + '</td></tr>').join('')
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
