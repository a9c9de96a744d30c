// Starts the dashboard: one view at a time, chosen by the location's hash (#images, #image/<id>, #disk, ...).
import {getJson} from './api.js';
import {$} from './ui.js';
import {initImages, loadImages} from './images.js';
import {initPull} from './pull.js';
import {showDetails} from './details.js';
import {showDisk} from './disk.js';
import {initEvents, watch, watching} from './events.js';
import {initRegistries} from './registries.js';
import {initArchives} from './archives.js';

function route() {
  const hash = decodeURIComponent(location.hash.slice(1)) || 'images';
  const [view, arg] = hash.startsWith('image/') ? ['details', hash.slice('image/'.length)] : [hash, null];
  let found = false;
  for (const s of document.querySelectorAll('main > section')) {
    const on = s.dataset.view === view;
    s.hidden = !on;
    found = found || on;
  }
  if (!found) {
    location.hash = '#images';
    return;
  }
  for (const a of document.querySelectorAll('header nav a')) {
    if (a.dataset.view === view || (view === 'details' && a.dataset.view === 'images')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = 'imaged · ' + (view === 'details' ? 'image' : view);
  if (view === 'images') loadImages();
  else if (view === 'details') showDetails(arg);
  else if (view === 'disk') showDisk();
  else if (view === 'events' && !watching()) watch();
}

async function daemon() {
  try {
    const v = await getJson('/version');
    $('#daemon').textContent = 'imaged · Engine ' + v.Version + ' · API ' + v.ApiVersion + ' · ' + v.Os + '/' + v.Arch;
  } catch (e) {
    $('#daemon').textContent = e.message;
  }
}

initImages();
initPull();
initEvents();
initRegistries();
initArchives(loadImages);
window.addEventListener('hashchange', route);
route();
daemon();
document.documentElement.dataset.ready = 'true';
