// One image: its config, history, references, layers (with the images sharing each) and the layer explorer,
// which pages through GET /imaged/images/{id}/layers/{index}/files.
import {getJson, imagePath, query} from './api.js';
import {esc, humanSize, isoTime, shortId} from './format.js';
import {$, kv, notify} from './ui.js';
import {currentImages, loadImages} from './images.js';

const PAGE = 200;
/** Inspections of other images, by ID: an image never changes, so an answer stays right for the page's life. */
const inspected = new Map();
let explorer = null;

const list = values => values && values.length ? '<pre class="mono">' + values.map(esc).join('\n') + '</pre>' : '<span class="none">—</span>';
const text = value => value ? '<span class="mono">' + esc(value) + '</span>' : '<span class="none">—</span>';
const keys = obj => obj ? Object.keys(obj) : [];

export async function showDetails(id) {
  const body = $('#details-body');
  $('#details-title').textContent = 'Image ' + shortId(id);
  body.innerHTML = '<p class="muted">Reading…</p>';
  let img, history;
  try {
    [img, history] = await Promise.all([getJson(imagePath(id, '/json')), getJson(imagePath(id, '/history'))]);
  } catch (e) {
    body.innerHTML = '';
    notify('Could not read image ' + id + '. ' + e.message);
    return;
  }
  const c = img.Config || {};
  const name = (img.RepoTags || [])[0] || shortId(img.Id);
  $('#details-title').textContent = name;
  body.innerHTML = '<div class="grid2"><div><h3>Summary</h3>' + kv([
    ['ID', text(img.Id)],
    ['Tags', list(img.RepoTags)],
    ['RepoDigests', list(img.RepoDigests)],
    ['Created', esc(img.Created || '')],
    ['Size', humanSize(img.Size) + ' <span class="muted">(' + img.Size + ' bytes)</span>'],
    ['Platform', esc([img.Os, img.Architecture, img.Variant].filter(Boolean).join('/'))],
    ['Author', text(img.Author)],
    ['Comment', text(img.Comment)],
  ]) + '</div><div><h3>Config</h3>' + kv([
    ['Entrypoint', list(c.Entrypoint)],
    ['Cmd', list(c.Cmd)],
    ['Env', list(c.Env)],
    ['Labels', list(keys(c.Labels).map(k => k + '=' + c.Labels[k]))],
    ['Exposed ports', list(keys(c.ExposedPorts))],
    ['Volumes', list(keys(c.Volumes))],
    ['User', text(c.User)],
    ['Working dir', text(c.WorkingDir)],
    ['Stop signal', text(c.StopSignal)],
  ]) + '</div></div>'
      + '<h3>Layers</h3><div id="layers-summary" class="muted">Reading the layers…</div>'
      + '<div class="table-wrap"><table id="layers-table"><thead><tr><th scope="col">#</th><th scope="col">Diff ID</th>'
      + '<th scope="col" class="num">Size</th><th scope="col" class="num">Files</th><th scope="col" class="num">Added</th>'
      + '<th scope="col" class="num">Changed</th><th scope="col" class="num">Deleted</th><th scope="col" class="num">Wasted</th>'
      + '<th scope="col">Shared with</th><th scope="col"></th></tr></thead><tbody></tbody></table></div>'
      + '<section id="explorer" aria-label="Layer explorer"></section>'
      + '<h3>History</h3><div class="table-wrap"><table id="history-table"><thead><tr><th scope="col">Created</th>'
      + '<th scope="col">Created by</th><th scope="col" class="num">Size</th><th scope="col">Comment</th></tr></thead><tbody>'
      + history.map(h => '<tr><td>' + esc(isoTime(h.Created)) + '</td><td class="mono">' + esc(h.CreatedBy) + '</td><td class="num">'
          + humanSize(h.Size) + '</td><td>' + esc(h.Comment) + '</td></tr>').join('')
      + '</tbody></table></div>';
  const diffIds = (img.RootFS && img.RootFS.Layers) || [];
  drawLayers(img, diffIds, null, null);
  let summary = null;
  try {
    summary = await getJson('/imaged/images/' + encodeURIComponent(img.Id) + '/layers/0/files' + query({limit: 1}));
    drawLayers(img, diffIds, summary, null);
  } catch (e) {
    $('#layers-summary').textContent = 'The layers could not be read. ' + e.message;
  }
  drawLayers(img, diffIds, summary, await sharing(img.Id, diffIds));
}

function drawLayers(img, diffIds, summary, shared) {
  if (summary) {
    $('#layers-summary').innerHTML = esc(diffIds.length + ' layers. Potential wasted space (files that a later layer overwrites or deletes, '
        + 'counted as dive does): ' + humanSize(summary.wastedBytes) + '; efficiency ' + (summary.efficiency * 100).toFixed(1) + '%.');
  }
  const rows = diffIds.map((d, i) => {
    const l = summary && summary.layers[i];
    const others = shared ? shared[i] : null;
    return '<tr data-layer-index="' + i + '"><td class="num">' + i + '</td><td class="mono" title="' + esc(d) + '">' + shortId(d) + '</td>'
        + '<td class="num">' + (l ? humanSize(l.size) : '') + '</td><td class="num">' + (l ? l.files : '') + '</td>'
        + '<td class="num">' + (l ? l.added : '') + '</td><td class="num">' + (l ? l.changed : '') + '</td>'
        + '<td class="num">' + (l ? l.deleted : '') + '</td><td class="num">' + (l ? humanSize(l.wastedBytes) : '') + '</td>'
        + '<td class="shared-with">' + (others === null ? '<span class="muted">…</span>' : others.length ? others.map(o => esc(o)).join(', ') : '<span class="none">no other image</span>') + '</td>'
        + '<td><button type="button" class="files" data-index="' + i + '">Files</button></td></tr>';
  });
  const tbody = $('#layers-table tbody');
  tbody.innerHTML = rows.join('');
  for (const b of tbody.querySelectorAll('button.files')) b.addEventListener('click', () => openExplorer(img.Id, Number(b.dataset.index)));
}

/**
 * For each layer, the other images whose layer stack starts with the same layers up to it (they share that layer
 * on disk). Only images with a shared size above 0 can share anything, so only those are inspected.
 */
async function sharing(id, diffIds) {
  if (!currentImages().length) await loadImages();
  const candidates = currentImages().filter(i => i.Id !== id && i.SharedSize > 0);
  const limit = 400;
  const todo = candidates.slice(0, limit).filter(i => !inspected.has(i.Id));
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const i = todo[next++];
      try {
        const info = await getJson(imagePath(i.Id, '/json'));
        inspected.set(i.Id, (info.RootFS && info.RootFS.Layers) || []);
      } catch {
        inspected.set(i.Id, []); // removed meanwhile
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const names = new Map(currentImages().map(i => [i.Id, ((i.RepoTags || [])[0] || shortId(i.Id))]));
  const out = diffIds.map(() => []);
  for (const c of candidates.slice(0, limit)) {
    const other = inspected.get(c.Id) || [];
    for (let i = 0; i < diffIds.length && i < other.length && other[i] === diffIds[i]; i++) out[i].push(names.get(c.Id));
  }
  if (candidates.length > limit) out.forEach(o => o.push('(only the first ' + limit + ' of ' + candidates.length + ' images sharing layers were checked)'));
  return out;
}

async function openExplorer(id, index) {
  explorer = {id, index, offset: 0, contains: ''};
  const box = $('#explorer');
  box.innerHTML = '<h3 id="explorer-title">Layer ' + index + ' files</h3>'
      + '<form class="bar" id="explorer-form"><label>Path contains <input name="contains" type="search" spellcheck="false"></label>'
      + '<button type="submit">Filter</button><span class="spacer"></span>'
      + '<button type="button" id="explorer-prev">← Previous</button><span id="explorer-range" class="muted"></span>'
      + '<button type="button" id="explorer-next">Next →</button></form>'
      + '<div id="explorer-summary"></div>'
      + '<div class="table-wrap"><table id="files-table"><thead><tr><th scope="col">Change</th><th scope="col">Path</th>'
      + '<th scope="col">Type</th><th scope="col" class="num">Size</th><th scope="col">Mode</th><th scope="col">Note</th>'
      + '</tr></thead><tbody></tbody></table></div>';
  $('#explorer-form').addEventListener('submit', ev => {
    ev.preventDefault();
    explorer.contains = ev.target.contains.value;
    explorer.offset = 0;
    drawFiles();
  });
  $('#explorer-prev').addEventListener('click', () => {
    explorer.offset = Math.max(0, explorer.offset - PAGE);
    drawFiles();
  });
  $('#explorer-next').addEventListener('click', () => {
    explorer.offset += PAGE;
    drawFiles();
  });
  await drawFiles();
  box.scrollIntoView({block: 'start'});
  $('#explorer-title').focus?.();
}

const CHANGE_WORDS = {ADDED: 'added', CHANGED: 'changed', DELETED: 'deleted'};

async function drawFiles() {
  const e = explorer;
  let page;
  try {
    page = await getJson('/imaged/images/' + encodeURIComponent(e.id) + '/layers/' + e.index + '/files'
        + query({offset: e.offset, limit: PAGE, contains: e.contains}));
  } catch (err) {
    $('#explorer-summary').innerHTML = '<p class="error">' + esc(err.message) + '</p>';
    return;
  }
  const l = page.layer;
  $('#explorer-summary').innerHTML = '<p>' + esc(l.files + ' entries: ' + l.added + ' added, ' + l.changed + ' changed, ' + l.deleted
      + ' deleted (hiding ' + humanSize(l.removedBytes) + ' of lower layers). ' + humanSize(l.wastedBytes)
      + ' of this layer is overwritten or deleted by later layers.') + '</p>';
  $('#explorer-range').textContent = page.total === 0 ? 'no entries'
      : (page.offset + 1) + '–' + (page.offset + page.files.length) + ' of ' + page.total;
  $('#explorer-prev').disabled = page.offset === 0;
  $('#explorer-next').disabled = page.offset + page.files.length >= page.total;
  $('#files-table tbody').innerHTML = page.files.map(f => {
    const note = f.change === 'DELETED' ? (f.type === 'opaque' ? 'opaque directory: hides ' : 'whiteout: hides ') + humanSize(f.removedBytes)
        : (f.superseded ? 'wasted: a later layer overwrites or deletes it' : '') + (f.linkTarget ? '→ ' + f.linkTarget : '');
    return '<tr class="' + (f.superseded ? 'superseded' : '') + '" data-path="' + esc(f.path) + '"><td class="change-' + f.change + '">'
        + CHANGE_WORDS[f.change] + '</td><td class="mono path">/' + esc(f.path) + '</td><td>' + esc(f.type) + '</td>'
        + '<td class="num">' + (f.type === 'file' ? humanSize(f.size) : '') + '</td><td class="mono">' + (f.mode || 0).toString(8).padStart(4, '0')
        + '</td><td>' + esc(note) + '</td></tr>';
  }).join('');
}
