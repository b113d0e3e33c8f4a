/**
 * Exact text forms of COSEM date-time (12 bytes), date (5) and time (4)
 * (Blue Book 4.1.6.1), so that a named field reads as a time and still
 * re-encodes to the same bytes:
 *
 *   date-time  `2019-07-01T00:00:00` + `.hh` when hundredths are not 0
 *              + ` dow=N` / ` dev=N` / ` status=0xNN` when specified
 *   date       `2019-07-01` + ` dow=N` when specified
 *   time       `00:30:00` + `.hh` when hundredths are not 0
 *
 * A field that is "not specified" (0xFF, 0xFFFF; deviation 0x8000) prints as
 * `*` characters; other special values (0xFD, 0xFE: DST begin/end, last day)
 * print as their numbers. Throws RangeError on text it cannot read.
 */

const pad = (v: number, w: number, none: number) => (v === none ? '*'.repeat(w) : String(v).padStart(w, '0'));

function dateText(b: Uint8Array, o: number): string {
  return `${pad((b[o]! << 8) | b[o + 1]!, 4, 0xffff)}-${pad(b[o + 2]!, 2, 0xff)}-${pad(b[o + 3]!, 2, 0xff)}`;
}

function timeText(b: Uint8Array, o: number): string {
  let t = `${pad(b[o]!, 2, 0xff)}:${pad(b[o + 1]!, 2, 0xff)}:${pad(b[o + 2]!, 2, 0xff)}`;
  if (b[o + 3] !== 0) t += `.${pad(b[o + 3]!, 2, 0xff)}`;
  return t;
}

export function formatCosemDateTimeText(b: Uint8Array): string {
  let t = `${dateText(b, 0)}T${timeText(b, 5)}`;
  if (b[4] !== 0xff) t += ` dow=${b[4]}`;
  const dev = (b[9]! << 8) | b[10]!;
  if (dev !== 0x8000) t += ` dev=${dev >= 0x8000 ? dev - 0x10000 : dev}`;
  if (b[11] !== 0xff) t += ` status=0x${b[11]!.toString(16).toUpperCase().padStart(2, '0')}`;
  return t;
}

export function formatCosemDate(b: Uint8Array): string {
  return b[4] === 0xff ? dateText(b, 0) : `${dateText(b, 0)} dow=${b[4]}`;
}

export function formatCosemTime(b: Uint8Array): string {
  return timeText(b, 0);
}

function num(s: string, none: number, max: number, what: string): number {
  if (/^\*+$/.test(s)) return none;
  if (!/^\d+$/.test(s)) throw new RangeError(`bad ${what} ${JSON.stringify(s)}`);
  const v = Number(s);
  if (v > max) throw new RangeError(`${what} ${v} out of range`);
  return v;
}

const DATE_RE = /^([0-9*]{4,5})-([0-9*]{2,3})-([0-9*]{2,3})$/;
const TIME_RE = /^([0-9*]{2,3}):([0-9*]{2,3}):([0-9*]{2,3})(?:\.([0-9*]{2,3}))?$/;

function writeDate(out: Uint8Array, o: number, text: string): void {
  const m = DATE_RE.exec(text);
  if (!m) throw new RangeError(`not a COSEM date: ${JSON.stringify(text)}`);
  const y = num(m[1]!, 0xffff, 0xffff, 'year');
  out[o] = y >> 8;
  out[o + 1] = y & 0xff;
  out[o + 2] = num(m[2]!, 0xff, 255, 'month');
  out[o + 3] = num(m[3]!, 0xff, 255, 'day');
}

function writeTime(out: Uint8Array, o: number, text: string): void {
  const m = TIME_RE.exec(text);
  if (!m) throw new RangeError(`not a COSEM time: ${JSON.stringify(text)}`);
  out[o] = num(m[1]!, 0xff, 255, 'hour');
  out[o + 1] = num(m[2]!, 0xff, 255, 'minute');
  out[o + 2] = num(m[3]!, 0xff, 255, 'second');
  out[o + 3] = m[4] === undefined ? 0 : num(m[4], 0xff, 255, 'hundredths');
}

function options(parts: string[], allowed: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of parts) {
    const [k, v] = p.split('=');
    if (!k || v === undefined || !allowed.includes(k) || m.has(k))
      throw new RangeError(`unexpected ${JSON.stringify(p)}`);
    m.set(k, v);
  }
  return m;
}

export function parseCosemDateTimeText(text: string): Uint8Array {
  const [main, ...rest] = text.trim().split(/\s+/);
  const [d, t] = (main ?? '').split('T');
  if (!d || !t) throw new RangeError(`not a COSEM date-time: ${JSON.stringify(text)}`);
  const out = new Uint8Array(12);
  writeDate(out, 0, d);
  writeTime(out, 5, t);
  const o = options(rest, ['dow', 'dev', 'status']);
  out[4] = o.has('dow') ? num(o.get('dow')!, 0xff, 255, 'day of week') : 0xff;
  let dev = 0x8000;
  if (o.has('dev')) {
    const v = Number(o.get('dev'));
    if (!Number.isInteger(v) || v < -32768 || v > 32767 || v === -32768)
      throw new RangeError('bad deviation');
    dev = v & 0xffff;
  }
  out[9] = dev >> 8;
  out[10] = dev & 0xff;
  if (o.has('status')) {
    const v = Number(o.get('status'));
    if (!Number.isInteger(v) || v < 0 || v > 254) throw new RangeError('bad clock status');
    out[11] = v;
  } else out[11] = 0xff;
  return out;
}

export function parseCosemDateText(text: string): Uint8Array {
  const [d, ...rest] = text.trim().split(/\s+/);
  const out = new Uint8Array(5);
  writeDate(out, 0, d ?? '');
  const o = options(rest, ['dow']);
  out[4] = o.has('dow') ? num(o.get('dow')!, 0xff, 254, 'day of week') : 0xff;
  return out;
}

export function parseCosemTimeText(text: string): Uint8Array {
  const out = new Uint8Array(4);
  writeTime(out, 0, text.trim());
  return out;
}
