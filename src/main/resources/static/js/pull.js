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

/**
 * The failure of a pull that had started (an errorDetail after the 200) in a person's words, followed by the
 * daemon's own. The stream's errors are Docker's strings; the common ones get an explanation.
 */
export function explainPullError(e, layers) {
  if (!e || e.status !== 200) return e ? e.message : '';
  const detail = String(e.message || '');
  const rules = [
    [/verification failed/i, 'The registry sent a layer whose bytes do not match its digest (damaged or altered on the way), so imaged threw it away and kept nothing of this pull.'],
    [/does not match the image configuration/i, 'The image is inconsistent: a layer is not the one its configuration names.'],
    [/unexpected EOF|connection (reset|closed)|timed? ?out/i, 'The registry stopped sending a layer before its end; trying again may work.'],
    [/blob unknown|BLOB_UNKNOWN|404|not found/i, 'The registry lacks a layer that the image\'s manifest lists.'],
    [/toomanyrequests|429/i, 'The registry is limiting requests: wait a moment and try again.'],
    [/unauthorized|denied|401|403/i, 'The registry refused to hand out a layer: credentials may be needed.'],
    [/no space left/i, 'The disk of imaged\'s data root is full.'],
  ];
  const rule = rules.find(([re]) => re.test(detail));
  const stage = layers > 0 ? 'It stopped while fetching the layers' : 'It stopped after it had started';
  return (rule ? rule[1] : stage + '.') + ' (imaged said: ' + detail + ')';
}

export async function pull(reference, platform) {
  const box = $('#pull-progress');
  const onMessage = progressView(box, 'Pulling ' + reference + (platform ? ' for ' + platform : ''));
  box.dataset.state = 'running';
  delete box.dataset.error;
  clearNotice();
  let last = '';
  const layers = new Set();
  try {
    await stream('POST', '/images/create' + query({...pullParams(reference), platform}), msg => {
      if (msg.status && !msg.progressDetail) last = msg.status;
      if (msg.id && msg.status === 'Pulling fs layer') layers.add(msg.id);
      onMessage(msg);
    });
    box.dataset.state = 'done';
    notify((last || 'Pulled ' + reference).replace(/^Status: /, ''), 'info');
  } catch (e) {
    box.dataset.state = 'failed';
    box.dataset.error = e.status === 200 ? 'stream' : 'status';
    notify('The pull of ' + reference + ' failed. ' + explainPullError(e, layers.size));
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
