// Registries: search (GET /images/search), a repository's tags (imaged's GET /imaged/registries/tags), a
// reference's digest and platforms (GET /distribution/{name}/json), and pulling what was found through form#pull.
import {getJson, query} from './api.js';
import {esc, humanSize} from './format.js';
import {$, kv, notify} from './ui.js';
import {pull} from './pull.js';

function pullFromHere(reference, platform) {
  location.hash = '#images';
  const form = $('#pull');
  form.reference.value = reference;
  form.platform.value = platform || '';
  pull(reference, platform || '');
}

async function search(term) {
  const box = $('#search-results');
  box.innerHTML = '<p class="muted">Searching…</p>';
  let results;
  try {
    results = await getJson('/images/search' + query({term, limit: 25}));
  } catch (e) {
    box.innerHTML = '<p class="error">' + esc('The search failed. ' + e.message) + '</p>';
    return;
  }
  if (!results.length) {
    box.innerHTML = '<p class="muted">Nothing found for ' + esc(term) + '.</p>';
    return;
  }
  box.innerHTML = '<div class="table-wrap"><table id="search-table"><thead><tr><th scope="col">Name</th><th scope="col">Description</th>'
      + '<th scope="col" class="num">Stars</th><th scope="col">Official</th><th scope="col"></th></tr></thead><tbody>'
      + results.map(r => '<tr><td class="mono">' + esc(r.name) + '</td><td>' + esc(r.description) + '</td><td class="num">' + esc(r.star_count)
          + '</td><td>' + (r.is_official ? 'yes' : '') + '</td><td><button type="button" data-inspect="' + esc(r.name) + '">Platforms</button> '
          + '<button type="button" data-pull="' + esc(r.name) + '">Pull</button></td></tr>').join('')
      + '</tbody></table></div>';
  for (const b of box.querySelectorAll('button[data-inspect]')) b.addEventListener('click', () => inspect(b.dataset.inspect));
  for (const b of box.querySelectorAll('button[data-pull]')) b.addEventListener('click', () => pullFromHere(b.dataset.pull));
}

/** Whether a name carries a tag or digest (a port's colon is not a tag). */
function hasTagOrDigest(name) {
  return name.includes('@') || name.slice(name.lastIndexOf('/') + 1).includes(':');
}

async function listTags(name) {
  const box = $('#inspect-result');
  box.innerHTML = '<p class="muted">Asking the registry for the tags of ' + esc(name) + '…</p>';
  let answer;
  try {
    answer = await getJson('/imaged/registries/tags' + query({repository: name}));
  } catch (e) {
    box.innerHTML = '<p class="error">' + esc('Could not list the tags of ' + name + '. ' + e.message) + '</p>';
    return;
  }
  const tags = answer.tags || [];
  box.innerHTML = '<h3>Tags of <span class="mono">' + esc(answer.repository) + '</span></h3>'
      + (tags.length ? '<div class="table-wrap"><table id="tags-table"><thead><tr><th scope="col">Tag</th><th scope="col"></th></tr></thead><tbody>'
          + tags.map(t => '<tr data-tag="' + esc(t) + '"><td class="mono">' + esc(t) + '</td><td><button type="button" data-tag="' + esc(t)
              + '">Digest and platforms</button> <button type="button" data-pull-tag="' + esc(t) + '">Pull</button></td></tr>').join('')
          + '</tbody></table></div>' : '<p class="muted">The repository has no tags.</p>');
  for (const b of box.querySelectorAll('button[data-tag]')) b.addEventListener('click', () => inspect(name + ':' + b.dataset.tag));
  for (const b of box.querySelectorAll('button[data-pull-tag]')) b.addEventListener('click', () => pullFromHere(name + ':' + b.dataset.pullTag));
}

async function inspect(name) {
  const box = $('#inspect-result');
  $('#inspect-form').name.value = name;
  if (!hasTagOrDigest(name)) return listTags(name);
  box.innerHTML = '<p class="muted">Asking the registry…</p>';
  let info;
  const path = '/distribution/' + name.split('/').map(encodeURIComponent).join('/') + '/json';
  try {
    info = await getJson(path);
  } catch (e) {
    box.innerHTML = '<p class="error">' + esc('Could not read ' + name + ' from its registry. ' + e.message) + '</p>';
    return;
  }
  const d = info.Descriptor || {};
  const platforms = info.Platforms || [];
  const ref = name.includes('@') ? name : name.replace(/@.*$/, '');
  box.innerHTML = kv([
    ['Reference', '<span class="mono">' + esc(name) + '</span>'],
    ['Digest', '<span class="mono">' + esc(d.digest) + '</span>'],
    ['Media type', esc(d.mediaType)],
    ['Manifest size', humanSize(d.size)],
  ]) + '<h3>Platforms</h3><div class="table-wrap"><table id="platforms-table"><thead><tr><th scope="col">Platform</th><th scope="col"></th></tr></thead><tbody>'
      + platforms.map(p => {
        const text = [p.os, p.architecture, p.variant].filter(Boolean).join('/');
        return '<tr><td>' + esc(text) + '</td><td><button type="button" data-platform="' + esc(text) + '">Pull this platform</button></td></tr>';
      }).join('') + '</tbody></table></div>';
  for (const b of box.querySelectorAll('button[data-platform]')) b.addEventListener('click', () => pullFromHere(ref, b.dataset.platform));
}

export function initRegistries() {
  $('#search-form').addEventListener('submit', ev => {
    ev.preventDefault();
    search(ev.target.term.value.trim());
  });
  $('#inspect-form').addEventListener('submit', ev => {
    ev.preventDefault();
    inspect(ev.target.name.value.trim()).catch(e => notify(e.message));
  });
}
