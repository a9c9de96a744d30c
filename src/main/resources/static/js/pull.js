// form#pull: POST /images/create?fromImage=…, its JSON lines drawn as one bar per layer while they arrive.
import {query, stream} from './api.js';
import {$, clearNotice, notify, progressView} from './ui.js';
import {loadImages} from './images.js';

/** fromImage and tag as the docker CLI sends them: a reference without tag or digest pulls `latest`. */
export function pullParams(reference) {
  const ref = reference.trim();
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  if (ref.includes('@') || lastPart.includes(':')) return {fromImage: ref};
  return {fromImage: ref, tag: 'latest'};
}

export async function pull(reference, platform) {
  const box = $('#pull-progress');
  const onMessage = progressView(box, 'Pulling ' + reference + (platform ? ' for ' + platform : ''));
  box.dataset.state = 'running';
  clearNotice();
  let last = '';
  try {
    await stream('POST', '/images/create' + query({...pullParams(reference), platform}), msg => {
      if (msg.status && !msg.progressDetail) last = msg.status;
      onMessage(msg);
    });
    box.dataset.state = 'done';
    notify((last || 'Pulled ' + reference).replace(/^Status: /, ''), 'info');
  } catch (e) {
    box.dataset.state = 'failed';
    notify('The pull of ' + reference + ' failed. ' + e.message);
  }
  await loadImages();
}

export function initPull() {
  const form = $('#pull');
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      await pull(form.reference.value, form.platform.value.trim());
    } finally {
      button.disabled = false;
    }
  });
}
