// Small shared pieces of the page: the notice line, the one dialog, progress lists for streamed operations.
import {esc} from './format.js';

export const $ = (sel, root = document) => root.querySelector(sel);

/** Shows an error (or, with kind 'info', a success) above the current view; errors stay until the next action. */
export function notify(message, kind = 'error') {
  const n = $('#notice');
  n.textContent = message;
  n.className = kind === 'info' ? 'info' : '';
  n.hidden = !message;
}

export function clearNotice() {
  notify('');
}

/**
 * Opens the dialog with the given form fields (HTML) and resolves with the form's values when OK is pressed and
 * `accept` (which may throw an Error to keep the dialog open with its message) succeeds; null when cancelled.
 */
export function dialog(title, bodyHtml, accept = async values => values, okLabel = 'OK') {
  const d = $('#dialog');
  $('#dialog-title').textContent = title;
  $('#dialog-body').innerHTML = bodyHtml;
  $('#dialog-error').textContent = '';
  $('#dialog-ok').textContent = okLabel;
  const form = $('#dialog-form');
  return new Promise(resolve => {
    const onSubmit = async ev => {
      if (ev.submitter && ev.submitter.value === 'cancel') {
        finish(null);
        return;
      }
      ev.preventDefault();
      const values = Object.fromEntries(new FormData(form).entries());
      $('#dialog-ok').disabled = true;
      try {
        const result = await accept(values);
        finish(result === undefined ? values : result);
        d.close();
      } catch (e) {
        $('#dialog-error').textContent = e.message;
      } finally {
        $('#dialog-ok').disabled = false;
      }
    };
    const onClose = () => finish(null);
    function finish(value) {
      form.removeEventListener('submit', onSubmit);
      d.removeEventListener('close', onClose);
      resolve(value);
    }
    form.addEventListener('submit', onSubmit);
    d.addEventListener('close', onClose);
    d.showModal();
    const first = d.querySelector('#dialog-body input, #dialog-body select');
    (first || $('#dialog-ok')).focus();
  });
}

/**
 * Renders the jsonmessage lines of a pull or push into `container`: one row per layer with a bar
 * (`.layer-progress[data-layer=<id>]`), status lines for the rest. Returns the handler for `api.stream`.
 */
export function progressView(container, title) {
  container.innerHTML = '<div class="progress-title"></div><div class="progress-list"></div><div class="stream-log"></div>';
  container.querySelector('.progress-title').textContent = title;
  const list = container.querySelector('.progress-list');
  const log = container.querySelector('.stream-log');
  const layers = new Map();
  return msg => {
    // a layer's lines carry progressDetail (empty or with current/total); "Pulling from" and the like do not
    if (msg.id && msg.status && msg.progressDetail) {
      let row = layers.get(msg.id);
      if (!row) {
        row = document.createElement('div');
        row.className = 'layer-progress';
        row.dataset.layer = msg.id;
        row.innerHTML = '<span class="mono"></span><progress max="1" value="0"></progress><span class="status"></span>';
        row.firstChild.textContent = msg.id;
        list.appendChild(row);
        layers.set(msg.id, row);
      }
      const bar = row.querySelector('progress');
      const d = msg.progressDetail || {};
      if (d.total > 0) {
        bar.max = d.total;
        bar.value = Math.min(d.current || 0, d.total);
      }
      if (/complete|already exists|Mounted from|Pushed|Layer already/i.test(msg.status)) {
        bar.max = 1;
        bar.value = 1;
      }
      row.dataset.status = msg.status;
      row.querySelector('.status').textContent = msg.status + (d.total > 0 ? ' ' + Math.round(100 * (d.current || 0) / d.total) + '%' : '');
      return;
    }
    const text = msg.errorDetail ? msg.errorDetail.message : (msg.status || msg.stream || (msg.aux ? JSON.stringify(msg.aux) : ''));
    if (!text) return;
    const line = document.createElement('div');
    if (msg.errorDetail || msg.error) line.className = 'error';
    line.textContent = (msg.id && msg.status ? msg.id + ': ' : '') + String(text).trim();
    log.appendChild(line);
  };
}

export function kv(pairs) {
  return '<dl class="kv">' + pairs.map(([k, v]) => '<dt>' + esc(k) + '</dt><dd>' + v + '</dd>').join('') + '</dl>';
}
