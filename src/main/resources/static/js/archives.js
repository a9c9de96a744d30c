// Save (GET /images/get, streamed into a download) and load (POST /images/load, with upload progress).
import {ApiError, imagePath} from './api.js';
import {humanSize} from './format.js';
import {$, clearNotice, notify} from './ui.js';

/** Downloads the archive of `names` as a .tar file, showing the bytes received on the way. */
export async function saveImages(names, box) {
  box.innerHTML = '<div class="progress-title"></div><progress></progress> <span class="bytes"></span>';
  box.querySelector('.progress-title').textContent = 'Saving ' + names.join(', ');
  box.dataset.state = 'running';
  const path = names.length === 1 ? imagePath(names[0], '/get') : '/images/get?' + names.map(n => 'names=' + encodeURIComponent(n)).join('&');
  let response;
  try {
    response = await fetch(path);
  } catch (e) {
    throw new ApiError('imaged cannot be reached: is it still running? (' + e.message + ')', 0);
  }
  if (!response.ok) {
    let detail = '';
    try {
      detail = (await response.json()).message;
    } catch {
      detail = response.statusText;
    }
    box.dataset.state = 'failed';
    throw new ApiError('The save failed: ' + detail, response.status, detail);
  }
  const reader = response.body.getReader();
  const parts = [];
  let received = 0;
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.length;
    box.querySelector('.bytes').textContent = humanSize(received) + ' received';
  }
  const blob = new Blob(parts, {type: 'application/x-tar'});
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = names.join('_').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) + '.tar';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60000);
  const bar = box.querySelector('progress');
  bar.max = 1;
  bar.value = 1;
  box.querySelector('.bytes').textContent = humanSize(received) + ' saved as ' + a.download;
  box.dataset.state = 'done';
  box.dataset.bytes = String(received);
  return received;
}

/** Uploads an archive to POST /images/load; XMLHttpRequest because fetch cannot report upload progress. */
export function loadArchive(file, box) {
  box.innerHTML = '<div class="progress-title"></div><progress max="1" value="0"></progress> <span class="bytes"></span><div class="stream-log"></div>';
  box.querySelector('.progress-title').textContent = 'Loading ' + file.name;
  box.dataset.state = 'running';
  const bar = box.querySelector('progress');
  const log = box.querySelector('.stream-log');
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/images/load');
    xhr.setRequestHeader('Content-Type', 'application/x-tar');
    xhr.upload.onprogress = ev => {
      if (ev.lengthComputable) {
        bar.max = ev.total;
        bar.value = ev.loaded;
        box.querySelector('.bytes').textContent = humanSize(ev.loaded) + ' of ' + humanSize(ev.total) + ' sent';
      }
    };
    xhr.onerror = () => reject(new ApiError('imaged cannot be reached: is it still running?', 0));
    xhr.onload = () => {
      if (xhr.status !== 200) {
        let detail = xhr.responseText;
        try {
          detail = JSON.parse(xhr.responseText).message;
        } catch {
          // plain text
        }
        box.dataset.state = 'failed';
        reject(new ApiError('The load failed: ' + detail, xhr.status, detail));
        return;
      }
      const loaded = [];
      let error = null;
      for (const line of xhr.responseText.split('\n')) {
        if (!line.trim()) continue;
        let msg;
        try {
          msg = JSON.parse(line);
        } catch {
          msg = {stream: line};
        }
        const text = msg.errorDetail ? msg.errorDetail.message : (msg.stream || msg.status || '');
        if (msg.errorDetail || msg.error) error = text;
        else if (/^Loaded image/.test(String(text))) loaded.push(String(text).trim());
        if (text) {
          const div = document.createElement('div');
          div.textContent = String(text).trim();
          if (msg.errorDetail) div.className = 'error';
          log.appendChild(div);
        }
      }
      bar.max = 1;
      bar.value = 1;
      box.dataset.state = error ? 'failed' : 'done';
      if (error) reject(new ApiError('The load failed: ' + error, 200, error));
      else resolve(loaded);
    };
    xhr.send(file);
  });
}

export function initArchives(onLoaded) {
  $('#save-form').addEventListener('submit', async ev => {
    ev.preventDefault();
    clearNotice();
    const names = ev.target.names.value.split(/\s+/).filter(Boolean);
    try {
      const bytes = await saveImages(names, $('#save-progress'));
      notify('Saved ' + names.join(', ') + ' (' + humanSize(bytes) + ').', 'info');
    } catch (e) {
      notify(e.message);
    }
  });
  $('#load-form').addEventListener('submit', async ev => {
    ev.preventDefault();
    clearNotice();
    const file = ev.target.archive.files[0];
    if (!file) return;
    try {
      const loaded = await loadArchive(file, $('#load-progress'));
      notify(loaded.length ? loaded.join('\n') : 'Loaded ' + file.name, 'info');
    } catch (e) {
      notify(e.message);
    }
    onLoaded();
  });
}
