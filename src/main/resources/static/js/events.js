// Live events: GET /events, streamed, with the daemon's own filters.
import {query, stream} from './api.js';
import {esc, isoTime} from './format.js';
import {$} from './ui.js';

const MAX_ROWS = 500;
let controller = null;

function filters(form) {
  const f = {};
  for (const key of ['type', 'event', 'image']) {
    const v = form[key].value.trim();
    if (v) f[key] = [v];
  }
  return f;
}

export function watching() {
  return controller !== null;
}

export async function watch() {
  const form = $('#events-form');
  stop();
  const mine = new AbortController();
  controller = mine;
  const tbody = $('#events-table tbody');
  tbody.innerHTML = '';
  $('#events-state').textContent = 'Watching…';
  $('#events-stop').disabled = false;
  try {
    await stream('GET', '/events' + query({filters: filters(form)}), e => {
      const attrs = (e.Actor && e.Actor.Attributes) || {};
      const tr = document.createElement('tr');
      tr.innerHTML = '<td>' + esc(isoTime(e.time)) + '</td><td>' + esc(e.Type) + '</td><td>' + esc(e.Action) + '</td><td class="mono">'
          + esc(attrs.name || (e.Actor && e.Actor.ID) || '') + '</td><td class="mono">'
          + esc(Object.entries(attrs).filter(([k]) => k !== 'name').map(([k, v]) => k + '=' + v).join(' ')) + '</td>';
      tbody.prepend(tr);
      while (tbody.rows.length > MAX_ROWS) tbody.lastElementChild.remove();
    }, {signal: mine.signal});
    if (controller === mine) $('#events-state').textContent = 'The stream ended.';
  } catch (e) {
    if (e.name !== 'AbortError') $('#events-state').textContent = 'The stream stopped: ' + e.message;
  } finally {
    if (controller === mine) {
      controller = null;
      $('#events-stop').disabled = true;
    }
  }
}

export function stop() {
  if (controller) {
    const c = controller;
    controller = null;
    c.abort();
    $('#events-state').textContent = 'Stopped.';
    $('#events-stop').disabled = true;
  }
}

export function initEvents() {
  $('#events-form').addEventListener('submit', ev => {
    ev.preventDefault();
    watch();
  });
  $('#events-stop').addEventListener('click', stop);
}
