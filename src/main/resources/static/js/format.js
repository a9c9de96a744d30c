// Numbers and dates as the docker CLI prints them, so that the table matches `docker images`.

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units HumanSizeWithPrecision(size, 3), which `docker images` uses: decimal units, Go's %.3g. */
export function humanSize(bytes, precision = 3) {
  let size = Number(bytes);
  if (!Number.isFinite(size) || size < 0) return '';
  let i = 0;
  while (size >= 1000 && i < UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return formatG(size, precision) + UNITS[i];
}

/**
 * Go's fmt %.<p>g: p significant digits, ties rounded to even on the exact binary value (JavaScript's toPrecision
 * rounds ties up, so 1125 bytes would print 1.13kB where docker prints 1.12kB), trailing zeros dropped, exponent
 * form from 10^p on (999999 bytes is "1e+03kB" in docker too).
 */
export function formatG(x, p) {
  if (x === 0) return '0';
  // the exact decimal expansion of the double: 1 digit, point, 99 digits, exponent
  const [mant, expText] = x.toExponential(99).split('e');
  const digits = mant.replace('.', '');
  let exp = parseInt(expText, 10);
  const kept = digits.slice(0, p).split('').map(Number);
  const rest = digits.slice(p);
  const tie = rest[0] === '5' && /^50*$/.test(rest);
  const up = rest[0] > '5' || (rest[0] === '5' && !tie) || (tie && kept[p - 1] % 2 === 1);
  if (up) {
    let k = p - 1;
    while (k >= 0 && kept[k] === 9) kept[k--] = 0;
    if (k < 0) {
      kept.unshift(1);
      kept.pop();
      exp++;
    } else {
      kept[k]++;
    }
  }
  const s = kept.join('');
  if (exp < -4 || exp >= p) {
    let m = s[0] + (p > 1 ? '.' + s.slice(1) : '');
    m = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    return m + 'e' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  }
  let out;
  if (exp >= 0) {
    out = s.slice(0, exp + 1) + (s.length > exp + 1 ? '.' + s.slice(exp + 1) : '');
  } else {
    out = '0.' + '0'.repeat(-exp - 1) + s;
  }
  return out.includes('.') ? out.replace(/0+$/, '').replace(/\.$/, '') : out;
}

/** go-units HumanDuration + " ago", as the CREATED column. */
export function ago(epochSeconds, now = Date.now() / 1000) {
  if (!epochSeconds) return 'N/A';
  const seconds = Math.max(0, Math.floor(now - epochSeconds));
  const minutes = Math.round(seconds / 60), hours = Math.round(seconds / 3600);
  let d;
  if (seconds < 1) d = 'Less than a second';
  else if (seconds === 1) d = '1 second';
  else if (seconds < 60) d = seconds + ' seconds';
  else if (minutes === 1) d = 'About a minute';
  else if (minutes < 60) d = minutes + ' minutes';
  else if (hours === 1) d = 'About an hour';
  else if (hours < 48) d = hours + ' hours';
  else if (hours < 24 * 7 * 2) d = Math.floor(hours / 24) + ' days';
  else if (hours < 24 * 30 * 2) d = Math.floor(hours / 24 / 7) + ' weeks';
  else if (hours < 24 * 365 * 2) d = Math.floor(hours / 24 / 30) + ' months';
  else d = Math.floor(hours / 24 / 365) + ' years';
  return d + ' ago';
}

export function shortId(id) {
  return String(id || '').replace(/^sha256:/, '').slice(0, 12);
}

export function isoTime(epochSeconds) {
  return epochSeconds ? new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z') : '';
}

const ESCAPES = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};

/** Text made safe for innerHTML: every name and message comes from a registry or a user. */
export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, c => ESCAPES[c]);
}
