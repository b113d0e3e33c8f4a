/**
 * The one ZCL field codec (ZCL rev. 6 2.6.2 data types as cluster commands
 * carry them: little-endian, no type octets). A ZCL command payload is
 * declared as a list of fields (zcl-se.ts); `decodeZclFields` reads exactly
 * those fields from the payload and `encodeZclFields` writes them back, byte
 * for byte. Every failure is a typed GbcsFieldError carrying the field path
 * and the offset where reading stopped.
 *
 * A field list may end with:
 * - optional scalar fields (`optional: true`): absent when the payload ends
 *   before them (e.g. Display Message's Extended Message Control);
 * - a repeated group (`records`) or a list of scalars (`list`) that runs to the
 *   end of the payload (e.g. Publish Price Matrix's price entries);
 * - `bytes`: the raw rest of the payload (a named, opaque field).
 */
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { GbcsError, GbcsMalformedError } from '../errors.ts';
import { PayloadReader, PayloadWriter } from './io.ts';

/** Fixed-size ZCL data types (ZCL 2.6.2) used in SE command payloads. */
export type ZclScalarType =
  | 'uint8'
  | 'uint16'
  | 'uint24'
  | 'uint32'
  | 'uint48'
  | 'int8'
  | 'int16'
  | 'int24'
  | 'int32'
  | 'int48'
  | 'enum8'
  | 'enum16'
  | 'map8'
  | 'map16'
  | 'map32'
  | 'bool'
  /** UTCTime: seconds since 2000-01-01T00:00:00Z (uint32); GBCS uses 0 for "now" and 0xFFFFFFFF for "cancel" in places */
  | 'utc'
  /** ZCL Date (year - 1900, month, day of month, day of week; 0xFF not specified) */
  | 'date'
  | 'attributeId';

export interface ZclScalarField {
  readonly name: string;
  readonly type: ZclScalarType;
  /** unit of the value (`m3`, `pence`, `seconds` ...); `scaledBy` names the field holding the power-of-ten divisor where there is one */
  readonly unit?: string;
  readonly scaledBy?: string;
  readonly optional?: true;
  readonly doc?: string;
}

export interface ZclStringField {
  readonly name: string;
  /** `octstr` one length octet then bytes (value: upper-case hex); `string` the same, read as Latin-1 text */
  readonly type: 'octstr' | 'string';
  readonly maxLength?: number;
  readonly optional?: true;
  readonly doc?: string;
}

export interface ZclListField {
  readonly name: string;
  readonly type: 'list';
  readonly of: ZclScalarType;
  /**
   * Without it the list runs to the end of the payload; with it the count is
   * `fields[countFrom] & countMask` of an earlier field of the same record
   * (Publish Block Thresholds: the low nibble of Tier/NumberOfBlockThresholds).
   */
  readonly countFrom?: string;
  readonly countMask?: number;
  readonly unit?: string;
  readonly doc?: string;
}

export interface ZclRecordsField {
  readonly name: string;
  readonly type: 'records';
  readonly fields: readonly ZclField[];
  readonly doc?: string;
}

/** The raw rest of the payload (value: upper-case hex). */
export interface ZclBytesField {
  readonly name: string;
  readonly type: 'bytes';
  readonly doc?: string;
}

export type ZclField = ZclScalarField | ZclStringField | ZclListField | ZclRecordsField | ZclBytesField;

/** A ZCL Date (ZCL 2.6.2.20); null = not specified (0xFF). */
export interface ZclDate {
  year: number | null;
  month: number | null;
  day: number | null;
  dayOfWeek: number | null;
}

type ScalarValue<T extends ZclScalarType> = T extends 'bool' ? boolean : T extends 'date' ? ZclDate : number;

/** The value type of one field. */
export type ZclFieldValue<F extends ZclField> = F extends ZclScalarField
  ? ScalarValue<F['type']>
  : F extends ZclStringField
    ? string
    : F extends ZclListField
      ? ScalarValue<F['of']>[]
      : F extends ZclRecordsField
        ? ZclFieldsOf<F['fields']>[]
        : string;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The record type of a field list (derived from the table, never written again). */
export type ZclFieldsOf<S extends readonly ZclField[]> = Simplify<
  {
    [F in S[number] as F extends { optional: true } ? never : F['name']]: ZclFieldValue<F>;
  } & {
    [F in S[number] as F extends { optional: true } ? F['name'] : never]?: ZclFieldValue<F>;
  }
>;

/** A field that does not fit its declaration: where (path) and at which byte of the payload. */
export class GbcsFieldError extends GbcsMalformedError {
  constructor(
    /** what is wrong, without the path */
    readonly detail: string,
    /** e.g. `command.publishPriceMatrix.entries[2].price` */
    readonly path: string,
    offset?: number,
  ) {
    super(`${path}: ${detail}`, offset);
  }

  /** A GbcsError's message without its `(at offset N)` suffix (the offset is carried apart). */
  static detailOf(e: Error): string {
    return e.message.replace(/ \(at offset \d+\)$/, '');
  }

  /** The same error seen from an enclosing payload: offset shifted by `base`, path kept. */
  shifted(base: number): GbcsFieldError {
    return new GbcsFieldError(
      this.detail,
      this.path,
      this.offset === undefined ? undefined : this.offset + base,
    );
  }
}

const SIZE: Record<ZclScalarType, number> = {
  uint8: 1,
  uint16: 2,
  uint24: 3,
  uint32: 4,
  uint48: 6,
  int8: 1,
  int16: 2,
  int24: 3,
  int32: 4,
  int48: 6,
  enum8: 1,
  enum16: 2,
  map8: 1,
  map16: 2,
  map32: 4,
  bool: 1,
  utc: 4,
  date: 4,
  attributeId: 2,
};

export function zclScalarSize(t: ZclScalarType): number {
  return SIZE[t];
}

function isSigned(t: ZclScalarType): boolean {
  return t.startsWith('int');
}

/** The inclusive range of an integer type. */
export function zclScalarRange(t: ZclScalarType): [number, number] {
  const bits = SIZE[t] * 8;
  return isSigned(t) ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

function readScalar(r: PayloadReader, t: ZclScalarType, path: string): number | boolean | ZclDate {
  const n = SIZE[t];
  if (r.remaining < n) throw new GbcsFieldError(`${t} needs ${n} byte(s), ${r.remaining} left`, path, r.pos);
  if (t === 'date') {
    const b = r.bytes(4, path);
    const opt = (x: number) => (x === 0xff ? null : x);
    return {
      year: b[0] === 0xff ? null : 1900 + b[0],
      month: opt(b[1]),
      day: opt(b[2]),
      dayOfWeek: opt(b[3]),
    };
  }
  if (t === 'bool') {
    const at = r.pos;
    const v = r.u8(path);
    if (v > 1) throw new GbcsFieldError(`boolean octet 0x${v.toString(16)}`, path, at);
    return v === 1;
  }
  let v = 0;
  for (let i = 0; i < n; i++) v += r.buf[r.pos + i] * 2 ** (8 * i);
  r.pos += n;
  if (isSigned(t) && v >= 2 ** (8 * n - 1)) v -= 2 ** (8 * n);
  return v;
}

function writeScalar(w: PayloadWriter, t: ZclScalarType, v: unknown, path: string): void {
  if (t === 'date') {
    const d = v as ZclDate;
    if (!d || typeof d !== 'object') throw new GbcsFieldError('needs a ZCL date', path);
    const opt = (x: number | null, lo: number, hi: number, what: string) => {
      if (x === null) return 0xff;
      if (!Number.isInteger(x) || x < lo || x > hi)
        throw new GbcsFieldError(`${what} ${x} out of range`, path);
      return x;
    };
    w.u8(d.year === null ? 0xff : opt(d.year, 1900, 2154, 'year') - 1900);
    w.u8(opt(d.month, 0, 254, 'month'))
      .u8(opt(d.day, 0, 254, 'day'))
      .u8(opt(d.dayOfWeek, 0, 254, 'day of week'));
    return;
  }
  if (t === 'bool') {
    if (typeof v !== 'boolean') throw new GbcsFieldError('needs a boolean', path);
    w.u8(v ? 1 : 0);
    return;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new GbcsFieldError(`${t} needs an integer`, path);
  const [lo, hi] = zclScalarRange(t);
  if (v < lo || v > hi) throw new GbcsFieldError(`${v} outside ${t} range ${lo}..${hi}`, path);
  let x = v < 0 ? v + 2 ** (8 * SIZE[t]) : v;
  for (let i = 0; i < SIZE[t]; i++) {
    w.u8(x % 256);
    x = Math.floor(x / 256);
  }
}

/** Octets as the named fields carry them: upper-case hex text. */
export function hexBytes(x: unknown, path: string): Uint8Array {
  if (typeof x !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(x))
    throw new GbcsFieldError('needs hex octets', path);
  return fromHex(x);
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

function listCount(f: ZclListField, record: Record<string, unknown>, path: string): number {
  const n = record[f.countFrom!];
  if (typeof n !== 'number') throw new GbcsFieldError(`count field ${f.countFrom} missing`, path);
  return f.countMask === undefined ? n : n & f.countMask;
}

function readFields(r: PayloadReader, fields: readonly ZclField[], path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const p = `${path}.${f.name}`;
    if ('optional' in f && f.optional && r.atEnd()) continue;
    switch (f.type) {
      case 'octstr':
      case 'string': {
        const at = r.pos;
        if (r.atEnd()) throw new GbcsFieldError('length octet missing', p, at);
        const n = r.u8(p);
        if (n === 0xff) throw new GbcsFieldError('invalid (0xFF) string length', p, at);
        if (f.maxLength !== undefined && n > f.maxLength)
          throw new GbcsFieldError(`${n} octets, at most ${f.maxLength}`, p, at);
        if (r.remaining < n) throw new GbcsFieldError(`announces ${n} octet(s), ${r.remaining} left`, p, at);
        const b = r.bytes(n, p);
        out[f.name] = f.type === 'string' ? latin1(b) : toHex(b);
        break;
      }
      case 'list': {
        const items: unknown[] = [];
        if (f.countFrom !== undefined) {
          const n = listCount(f, out, p);
          for (let i = 0; i < n; i++) items.push(readScalar(r, f.of, `${p}[${i}]`));
        } else {
          const size = SIZE[f.of];
          if (r.remaining % size !== 0)
            throw new GbcsFieldError(`${r.remaining} byte(s) left, not a whole number of ${f.of}`, p, r.pos);
          while (!r.atEnd()) items.push(readScalar(r, f.of, `${p}[${items.length}]`));
        }
        out[f.name] = items;
        break;
      }
      case 'records': {
        const items: unknown[] = [];
        while (!r.atEnd()) items.push(readFields(r, f.fields, `${p}[${items.length}]`));
        out[f.name] = items;
        break;
      }
      case 'bytes':
        out[f.name] = toHex(r.bytes(r.remaining, p));
        break;
      default:
        out[f.name] = readScalar(r, f.type, p);
    }
  }
  return out;
}

function writeFields(
  w: PayloadWriter,
  fields: readonly ZclField[],
  v: Record<string, unknown>,
  path: string,
): void {
  if (!v || typeof v !== 'object') throw new GbcsFieldError('needs an object of fields', path);
  let absent: string | undefined;
  for (const f of fields) {
    const p = `${path}.${f.name}`;
    const x = v[f.name];
    if (x === undefined) {
      if ('optional' in f && f.optional) {
        absent = f.name;
        continue;
      }
      throw new GbcsFieldError('missing', p);
    }
    if (absent !== undefined)
      throw new GbcsFieldError(`present while the earlier optional field ${absent} is absent`, p);
    switch (f.type) {
      case 'octstr':
      case 'string': {
        let b: Uint8Array;
        if (f.type === 'string') {
          if (typeof x !== 'string') throw new GbcsFieldError('needs a string', p);
          b = new Uint8Array(x.length);
          for (let i = 0; i < x.length; i++) {
            const c = x.charCodeAt(i);
            if (c > 0xff) throw new GbcsFieldError('character above U+00FF', p);
            b[i] = c;
          }
        } else {
          b = hexBytes(x, p);
        }
        if (b.length > (f.maxLength ?? 254)) throw new GbcsFieldError(`${b.length} octets is too long`, p);
        w.u8(b.length).bytes(b);
        break;
      }
      case 'list':
        if (!Array.isArray(x)) throw new GbcsFieldError('needs a list', p);
        if (f.countFrom !== undefined && x.length !== listCount(f, v, p))
          throw new GbcsFieldError(`${x.length} item(s), ${f.countFrom} says ${listCount(f, v, p)}`, p);
        x.forEach((e, i) => {
          writeScalar(w, f.of, e, `${p}[${i}]`);
        });
        break;
      case 'records':
        if (!Array.isArray(x)) throw new GbcsFieldError('needs a list', p);
        x.forEach((e, i) => {
          writeFields(w, f.fields, e as Record<string, unknown>, `${p}[${i}]`);
        });
        break;
      case 'bytes':
        w.bytes(hexBytes(x, p));
        break;
      default:
        writeScalar(w, f.type, x, p);
    }
  }
  const known = new Set(fields.map((f) => f.name));
  for (const k of Object.keys(v)) {
    if (!known.has(k) && v[k] !== undefined)
      throw new GbcsFieldError('is not a field of this command', `${path}.${k}`);
  }
}

/**
 * Reads the declared fields from a ZCL payload; bytes left over are an error.
 * Offsets in errors are relative to `base` (the payload's offset in the GBZ payload).
 */
export function decodeZclFields<const S extends readonly ZclField[]>(
  fields: S,
  payload: Uint8Array,
  path = 'fields',
  base = 0,
): ZclFieldsOf<S> {
  const r = new PayloadReader(payload);
  try {
    const out = readFields(r, fields, path);
    if (!r.atEnd()) throw new GbcsFieldError(`${r.remaining} byte(s) after the last field`, path, r.pos);
    return out as ZclFieldsOf<S>;
  } catch (e) {
    if (e instanceof GbcsFieldError) throw new GbcsFieldError(e.detail, e.path, (e.offset ?? r.pos) + base);
    if (e instanceof GbcsError)
      throw new GbcsFieldError(GbcsFieldError.detailOf(e), path, (e.offset ?? r.pos) + base);
    throw e;
  }
}

/** Writes the declared fields; a missing, extra or out-of-range value is a GbcsFieldError naming its path. */
export function encodeZclFields<const S extends readonly ZclField[]>(
  fields: S,
  values: ZclFieldsOf<S>,
  path = 'fields',
): Uint8Array {
  const w = new PayloadWriter();
  writeFields(w, fields, values as Record<string, unknown>, path);
  return w.finish();
}
