// The images table (one row per reference, as `docker images` prints them) and what can be done to a selected row.
import {call, getJson, imagePath, query, registryAuth, stream} from './api.js';
import {ago, esc, humanSize, shortId} from './format.js';
import {$, clearNotice, dialog, notify, progressView} from './ui.js';
import {saveImages} from './archives.js';

let images = [];
let rows = [];
let sort = {key: 'created', dir: -1};
let selectedKey = null;
let loading = null;
/** Rows drawn at once: a store of thousands stays quick; "Show more" draws the next ones. */
const ROWS_AT_ONCE = 500;
let shown = ROWS_AT_ONCE;

/** The last list read, for the other views (details, disk). */
export function currentImages() {
  return images;
}

/** Reads the list again (shared sizes included) and redraws the table. */
export function loadImages() {
  loading = (async () => {
    try {
      images = await getJson('/images/json' + query({'shared-size': 1}));
      rows = flatten(images);
      render();
    } catch (e) {
      notify('Could not list the images. ' + e.message);
    } finally {
      loading = null;
    }
  })();
  return loading;
}

/** One row per tag; an untagged image shows its digest references, or <none> when dangling. */
function flatten(list) {
  const out = [];
  for (const img of list) {
    const base = {id: img.Id, created: img.Created, size: img.Size, shared: img.SharedSize};
    const tags = (img.RepoTags || []).filter(t => t !== '<none>:<none>');
    if (tags.length) {
      for (const t of tags) {
        const i = t.lastIndexOf(':');
        out.push({...base, repository: t.slice(0, i), tag: t.slice(i + 1), reference: t, dangling: false, key: img.Id + ' ' + t});
      }
    } else if ((img.RepoDigests || []).some(d => d !== '<none>@<none>')) {
      for (const d of img.RepoDigests.filter(d => d !== '<none>@<none>')) {
        out.push({...base, repository: d.slice(0, d.indexOf('@')), tag: '<none>', reference: d, dangling: false, key: img.Id + ' ' + d});
      }
    } else {
      out.push({...base, repository: '<none>', tag: '<none>', reference: img.Id, dangling: true, key: img.Id});
    }
  }
  return out;
}

const compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

function visibleRows() {
  const text = $('#image-filter').value.trim().toLowerCase();
  const kind = $('#image-kind').value;
  let list = rows.filter(r => (kind === 'all' || (kind === 'dangling') === r.dangling)
      && (!text || r.reference.toLowerCase().includes(text) || r.id.includes(text.replace(/^sha256:/, ''))
          || (r.repository + ':' + r.tag).toLowerCase().includes(text)));
  const k = sort.key, dir = sort.dir;
  const value = r => k === 'id' ? r.id : k === 'dangling' ? (r.dangling ? 1 : 0) : r[k];
  list.sort((a, b) => {
    const x = value(a), y = value(b);
    // plain code-unit order: Intl's localeCompare costs much more over thousands of rows
    const c = typeof x === 'number' ? x - y : compare(String(x), String(y));
    return c !== 0 ? c * dir : compare(a.reference, b.reference);
  });
  return list;
}

/** Draws the whole table as one string: a few thousand rows stay quick, no per-row DOM work. */
function render() {
  const started = performance.now();
  const list = visibleRows();
  const now = Date.now() / 1000;
  const count = Math.min(list.length, shown);
  const html = new Array(count);
  for (let i = 0; i < count; i++) {
    const r = list[i];
    const none = '<span class="none">&lt;none&gt;</span>';
    html[i] = '<tr tabindex="0" data-key="' + esc(r.key) + '" data-image-id="' + esc(r.id) + '" data-reference="' + esc(r.reference)
        + '" aria-selected="' + (r.key === selectedKey) + '">'
        + '<td>' + (r.repository === '<none>' ? none : esc(r.repository)) + '</td>'
        + '<td>' + (r.tag === '<none>' ? none : esc(r.tag)) + '</td>'
        + '<td class="mono" title="' + esc(r.id) + '">' + shortId(r.id) + '</td>'
        + '<td title="' + esc(new Date(r.created * 1000).toISOString()) + '">' + ago(r.created, now) + '</td>'
        + '<td class="num size">' + humanSize(r.size) + '</td>'
        + '<td class="num shared">' + (r.shared >= 0 ? humanSize(r.shared) : 'N/A') + '</td>'
        + '<td>' + (r.dangling ? 'yes' : '') + '</td></tr>';
  }
  $('#images-table tbody').innerHTML = html.join('');
  const more = $('#images-more');
  more.hidden = list.length <= count;
  more.querySelector('span').textContent = 'Showing ' + count + ' of ' + list.length + ' rows.';
  const n = new Set(list.map(r => r.id)).size;
  $('#image-count').textContent = list.length + (list.length === 1 ? ' row' : ' rows') + ', ' + n + (n === 1 ? ' image' : ' images')
      + (list.length !== rows.length ? ' (of ' + rows.length + ' rows)' : '');
  for (const th of document.querySelectorAll('#images-table th')) {
    const b = th.querySelector('button');
    th.setAttribute('aria-sort', b && b.dataset.sort === sort.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none');
  }
  if (selectedKey && !rows.some(r => r.key === selectedKey)) select(null);
  else updateSelectionBar();
  // how long filtering, sorting and drawing took, for anyone checking that a big store stays quick
  $('#images-table').dataset.renderMs = String(Math.round(performance.now() - started));
}

function selectedRow() {
  return rows.find(r => r.key === selectedKey) || null;
}

function select(key) {
  selectedKey = key;
  for (const tr of document.querySelectorAll('#images-table tbody tr[aria-selected="true"]')) tr.setAttribute('aria-selected', 'false');
  if (key) {
    const tr = document.querySelector('#images-table tbody tr[data-key="' + CSS.escape(key) + '"]');
    if (tr) tr.setAttribute('aria-selected', 'true');
  }
  updateSelectionBar();
}

function updateSelectionBar() {
  const r = selectedRow();
  for (const b of document.querySelectorAll('#selection-bar button')) b.disabled = !r;
  $('#selection').textContent = r ? 'Selected: ' + (r.dangling ? shortId(r.id) + ' (dangling)' : r.reference) + ' — ' + humanSize(r.size)
      : 'Select an image (click a row, or move to it with Tab and press Enter).';
  $('#selection').className = r ? '' : 'muted';
}

export function openDetails(id) {
  location.hash = '#image/' + encodeURIComponent(id);
}

async function tag(r) {
  const result = await dialog('Tag ' + (r.dangling ? shortId(r.id) : r.reference),
      '<label>Repository <input name="repo" required spellcheck="false" placeholder="registry.example:5000/team/app"></label>'
      + '<label>Tag <input name="tag" spellcheck="false" placeholder="latest"></label>',
      async v => {
        await call('POST', imagePath(r.id, '/tag') + query({repo: v.repo.trim(), tag: v.tag.trim() || 'latest'}));
      }, 'Tag');
  if (result) {
    notify('Tagged ' + shortId(r.id) + ' as ' + result.repo.trim() + ':' + (result.tag.trim() || 'latest'), 'info');
    await loadImages();
  }
}

async function push(r) {
  if (r.dangling || r.tag === '<none>') {
    notify('Only a tagged image can be pushed: tag it first with the registry\'s name (e.g. registry.example:5000/team/app:1).');
    return;
  }
  const first = r.repository.split('/')[0];
  const server = r.repository.includes('/') && /[.:]|^localhost$/.test(first) ? first : 'docker.io';
  const creds = await dialog('Push ' + r.reference,
      '<p class="hint">Credentials for ' + esc(server) + ' go to imaged in the X-Registry-Auth header of this one request; '
      + 'the page keeps nothing. Leave empty for a registry without login.</p>'
      + '<label>User <input name="username" autocomplete="off" spellcheck="false"></label>'
      + '<label>Password <input name="password" type="password" autocomplete="off"></label>', undefined, 'Push');
  if (!creds) return;
  const auth = creds.username ? {username: creds.username, password: creds.password, serveraddress: server} : {};
  const box = $('#action-progress');
  const onMessage = progressView(box, 'Pushing ' + r.reference);
  let pushed = null;
  try {
    await stream('POST', imagePath(r.repository, '/push') + query({tag: r.tag}), msg => {
      if (msg.aux && msg.aux.Digest) pushed = msg.aux;
      onMessage(msg);
    }, {headers: {'X-Registry-Auth': registryAuth(auth)}});
    notify('Pushed ' + r.reference + (pushed ? ' (' + pushed.Digest + ')' : ''), 'info');
    box.dataset.done = 'pushed';
  } catch (e) {
    notify('The push of ' + r.reference + ' failed. ' + e.message);
    box.dataset.done = 'failed';
  }
  await loadImages();
}

/** The images among the Deleted entries of an answer (which also names the layers that went with them). */
function deletedImages(entries) {
  const ids = new Set(images.map(i => i.Id));
  return entries.filter(i => i.Deleted && ids.has(i.Deleted)).length;
}

async function remove(r) {
  const choice = r.dangling ? '<input type="hidden" name="what" value="image">'
      : '<label><span>Remove</span><select name="what"><option value="reference">the reference ' + esc(r.reference) + '</option>'
        + '<option value="image">the image ' + shortId(r.id) + ' (by ID: all its references)</option></select></label>';
  let name = r.dangling ? r.id : r.reference;
  const out = await dialog('Remove ' + (r.dangling ? shortId(r.id) : r.reference),
      '<p class="hint">Removing a reference untags it; the image goes with its last reference. Docker refuses to remove '
      + 'an image by ID while several references name it, unless forced.</p>' + choice
      + '<label><span>Force</span><span><input type="checkbox" name="force" value="1"> remove even so</span></label>',
      async v => {
        name = v.what === 'image' ? r.id : r.reference;
        return call('DELETE', imagePath(name) + query({force: v.force ? 1 : ''}));
      }, 'Remove');
  if (!out) return;
  const untagged = out.filter(i => i.Untagged).length, deleted = deletedImages(out);
  notify('Removed ' + name + ': ' + untagged + (untagged === 1 ? ' reference' : ' references') + ' untagged, '
      + deleted + (deleted === 1 ? ' image' : ' images') + ' deleted.', 'info');
  select(null);
  await loadImages();
}

async function prune(dangling) {
  const affected = dangling ? images.filter(i => !(i.RepoTags || []).some(t => t !== '<none>:<none>')) : images;
  const what = dangling ? 'dangling images (no tag)' : 'images not used by a container (with imaged: every image)';
  const ok = await dialog(dangling ? 'Prune dangling images' : 'Prune unused images',
      '<p>Removes all ' + esc(what) + ': ' + affected.length + ' now listed.</p>', undefined, 'Prune');
  if (!ok) return;
  try {
    const report = await call('POST', '/images/prune' + query({filters: {dangling: [String(dangling)]}}));
    const n = deletedImages(report.ImagesDeleted || []);
    notify('Pruned ' + n + (n === 1 ? ' image' : ' images') + ', reclaimed ' + humanSize(report.SpaceReclaimed) + '.', 'info');
  } catch (e) {
    notify('Prune failed. ' + e.message);
  }
  select(null);
  await loadImages();
}

async function act(action) {
  const r = selectedRow();
  if (!r) return;
  clearNotice();
  try {
    if (action === 'details') openDetails(r.id);
    else if (action === 'tag') await tag(r);
    else if (action === 'push') await push(r);
    else if (action === 'remove') await remove(r);
    else if (action === 'save') await saveImages([r.dangling ? r.id : r.reference], $('#action-progress'));
  } catch (e) {
    notify(e.message);
  }
}

export function initImages() {
  const tbody = $('#images-table tbody');
  // a double click opens the details only when both clicks hit the same row (two quick clicks on two rows select)
  let clicks = [null, null];
  tbody.addEventListener('click', ev => {
    const tr = ev.target.closest('tr');
    if (!tr) return;
    clicks = [clicks[1], tr.dataset.key];
    select(tr.dataset.key);
  });
  tbody.addEventListener('dblclick', ev => {
    const tr = ev.target.closest('tr');
    if (tr && clicks[0] === tr.dataset.key && clicks[1] === tr.dataset.key) openDetails(tr.dataset.imageId);
  });
  tbody.addEventListener('keydown', ev => {
    const tr = ev.target.closest('tr');
    if (!tr) return;
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      if (ev.key === 'Enter' && tr.dataset.key === selectedKey) openDetails(tr.dataset.imageId);
      else select(tr.dataset.key);
    } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      const next = ev.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
      if (next) next.focus();
    } else if (ev.key === 'Delete') {
      select(tr.dataset.key);
      act('remove');
    }
  });
  for (const b of document.querySelectorAll('#images-table th button')) {
    b.addEventListener('click', () => {
      const key = b.dataset.sort;
      sort = {key, dir: sort.key === key ? -sort.dir : (key === 'repository' || key === 'tag' || key === 'id' ? 1 : -1)};
      render();
    });
  }
  let timer;
  $('#image-filter').addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      shown = ROWS_AT_ONCE;
      render();
    }, 120);
  });
  $('#image-kind').addEventListener('change', () => {
    shown = ROWS_AT_ONCE;
    render();
  });
  $('#images-more-next').addEventListener('click', () => {
    shown += ROWS_AT_ONCE;
    render();
  });
  $('#images-more-all').addEventListener('click', () => {
    shown = Infinity;
    render();
  });
  $('#refresh-images').addEventListener('click', () => loadImages());
  $('#prune-dangling').addEventListener('click', () => prune(true));
  $('#prune-unused').addEventListener('click', () => prune(false));
  for (const b of document.querySelectorAll('#selection-bar button')) b.addEventListener('click', () => act(b.dataset.action));
}

/** Waits for a list read in flight (tests and other views). */
export function loaded() {
  return loading || Promise.resolve();
}
