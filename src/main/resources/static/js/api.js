// The one way the dashboard talks to imaged: same-origin fetch of the Docker API, errors worded for a person,
// and the JSON-lines streams (pull, push, load, events) read as they arrive.

/** An answer the page can show as it is: `message` is for a person, `detail` is the daemon's own words. */
export class ApiError extends Error {
  constructor(message, status, detail) {
    super(message);
    this.status = status;
    this.detail = detail;
  }
}

const WORDS = {
  400: 'imaged did not accept the request',
  401: 'the registry did not accept the credentials',
  403: 'refused',
  404: 'not found',
  409: 'conflict',
  500: 'imaged could not do it',
  501: 'not supported by imaged',
  502: 'the registry could not be reached',
  503: 'imaged is busy or shutting down',
};

/** Builds a path with each segment of an image name encoded (names hold slashes, which stay separators). */
export function imagePath(name, suffix = '') {
  return '/images/' + name.split('/').map(encodeURIComponent).join('/') + suffix;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

async function send(method, path, {headers = {}, body, signal} = {}) {
  let response;
  try {
    response = await fetch(path, {method, headers, body, signal});
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError('imaged cannot be reached: is it still running? (' + e.message + ')', 0, e.message);
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

/** The daemon's {"message": ...}, prefixed with what its status means. */
async function errorOf(response) {
  let detail = '';
  try {
    const text = await response.text();
    try {
      detail = JSON.parse(text).message || text;
    } catch {
      detail = text;
    }
  } catch {
    // the body could not be read: the status alone says something
  }
  detail = String(detail || response.statusText).trim();
  const words = WORDS[response.status] || ('HTTP ' + response.status);
  return new ApiError(words.charAt(0).toUpperCase() + words.slice(1) + ': ' + detail, response.status, detail);
}

export async function getJson(path, options) {
  const r = await send('GET', path, options);
  return r.json();
}

export async function call(method, path, options) {
  const r = await send(method, path, options);
  const text = await r.text();
  return text ? JSON.parse(text) : null;
}

/**
 * Sends a request whose answer is JSON lines (pull, push, load, events) and calls `onMessage` for each line as it
 * arrives. A line with `errorDetail` ends the operation with that error: the HTTP status was already 200.
 */
export async function stream(method, path, onMessage, options = {}) {
  const r = await send(method, path, options);
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let failure = null;
  const handle = line => {
    if (!line.trim()) return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      msg = {stream: line};
    }
    if (msg.errorDetail || msg.error) {
      failure = failure || new ApiError((msg.errorDetail && msg.errorDetail.message) || msg.error, 200, msg.error);
    }
    onMessage(msg);
  };
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, {stream: true});
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      handle(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  }
  handle(buffered + decoder.decode());
  if (failure) throw failure;
}

/** X-Registry-Auth as the docker CLI sends it: base64url of the JSON credentials (nothing is stored). */
export function registryAuth(credentials) {
  const bytes = new TextEncoder().encode(JSON.stringify(credentials || {}));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_');
}
