/**
 * XSD simple-type values as DUIS uses them: base64Binary, hexBinary,
 * dateTime, boolean, integers, EUIs. Parsers throw DuisSchemaError with the
 * element path; formatters produce the canonical lexical form.
 */
import { type Eui, euiToDuis, normaliseEui, toHex } from '../runtime/bytes.ts';
import { DuisSchemaError } from './errors.ts';

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** xs:base64Binary: whitespace (incl. CR, as in DCC-signed values) is ignored; padding is required. */
export function parseBase64(text: string, path: string): Uint8Array {
  const clean = text.replace(/[\s]/g, '');
  if (clean.length % 4 !== 0 || !B64.test(clean)) throw new DuisSchemaError('not valid base64', path);
  const out = new Uint8Array(Buffer.from(clean, 'base64'));
  // Reject non-canonical trailing bits so that one value has one encoding.
  if (Buffer.from(out).toString('base64') !== clean) throw new DuisSchemaError('non-canonical base64', path);
  return out;
}

export function formatBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** xs:hexBinary. */
export function parseHexBinary(text: string, path: string): Uint8Array {
  const t = text.trim();
  if (t.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(t)) throw new DuisSchemaError('not valid hexBinary', path);
  return new Uint8Array(Buffer.from(t, 'hex'));
}

export function formatHexBinary(b: Uint8Array): string {
  return toHex(b);
}

const DATE_TIME = /^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;

/**
 * xs:dateTime to a Date. A value without a time zone is taken as UTC (DUIS
 * values carry `Z`; the schema allows an untimed value, which GB time rules
 * would otherwise make ambiguous).
 */
export function parseDateTime(text: string, path: string): Date {
  const t = text.trim();
  const m = DATE_TIME.exec(t);
  if (!m) throw new DuisSchemaError(`"${t}" is not an xs:dateTime`, path);
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const ms = frac ? Math.round(Number(`0${frac}`) * 1000) : 0;
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (
    Number(mo) < 1 ||
    Number(mo) > 12 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 24 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    throw new DuisSchemaError(`"${t}" is not a valid date and time`, path);
  }
  let offsetMin = 0;
  if (tz && tz !== 'Z')
    offsetMin = (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
  const v = new Date(base - offsetMin * 60_000);
  if (Number.isNaN(v.getTime())) throw new DuisSchemaError(`"${t}" is out of range`, path);
  return v;
}

/** Canonical DUIS form: UTC with milliseconds, e.g. `2022-08-17T15:45:42.790Z`. */
export function formatDateTime(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new DuisSchemaError('invalid Date', 'dateTime');
  return d.toISOString();
}

export function parseBoolean(text: string, path: string): boolean {
  const t = text.trim();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw new DuisSchemaError(`"${t}" is not an xs:boolean`, path);
}

/** An xs:integer-family value within [min, max]. */
export function parseInteger(text: string, path: string, min: number, max: number): number {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new DuisSchemaError(`"${t}" is not an integer`, path);
  const v = Number(t);
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new DuisSchemaError(`${t} is outside ${min}..${max}`, path);
  }
  return v;
}

/** DUIS `EUI` type (8 hex pairs joined by `-`) to the canonical 16-digit form. */
export function parseEui(text: string, path: string): Eui {
  const t = text.trim();
  if (!/^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){7}$/.test(t))
    throw new DuisSchemaError(`"${t}" is not a DUIS EUI`, path);
  return normaliseEui(t);
}

export function formatEui(eui: Eui): string {
  return euiToDuis(eui);
}
