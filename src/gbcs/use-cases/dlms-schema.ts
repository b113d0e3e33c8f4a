/**
 * Typed shapes of DLMS/COSEM Data (Green Book A-XDR) as the use-case
 * catalogue declares them: each schema says which Data type sits where and
 * names every element, and the TypeScript type of its value is derived from
 * the schema (ValueOf), never written again (STYLE.md: declarative tables).
 *
 * Values are JSON-friendly and exact: integers are numbers (64-bit ones
 * bigints), octet-strings upper-case hex unless the schema says they are an
 * OBIS code (`A-B:C.D.E.F`), a COSEM date-time / date / time (the text form
 * of cosem-text.ts), an EUI-64 (hex) or ASCII text; bit-strings are strings
 * of `0`/`1`, one character per bit. decodeData/encodeData are exact inverses
 * on every value that matches the schema, so encode(decode(bytes)) === bytes.
 */
import { fromHex, toHex } from '../../runtime/bytes.ts';
import type { DlmsData, DlmsTypeDescription } from '../payload/dlms.ts';
import { formatObis, parseObis } from '../payload/dlms.ts';
import {
  formatCosemDate,
  formatCosemDateTimeText,
  formatCosemTime,
  parseCosemDateText,
  parseCosemDateTimeText,
  parseCosemTimeText,
} from './cosem-text.ts';
import { UseCaseShapeError } from './errors.ts';

/** Units GBCS gives a value (on the catalogue listing and the CLI). */
export type Unit =
  | 'Wh'
  | 'kWh'
  | 'varh'
  | 'W'
  | 'V'
  | 'A'
  | 's'
  | 'min'
  | 'pennies'
  | 'pence/kWh'
  | 'pence/day'
  | 'percent';

interface Meta {
  /** GBCS unit of the value (after `scaler`, when given). */
  unit?: Unit;
  /** Decimal power of ten that turns the raw integer into `unit`. */
  scaler?: number;
  /** Short description (shown in listings). */
  doc?: string;
}

export type IntType =
  | 'integer'
  | 'long'
  | 'double-long'
  | 'unsigned'
  | 'long-unsigned'
  | 'double-long-unsigned'
  | 'enum'
  | 'bcd';

export type OctetsAs = 'hex' | 'obis' | 'date-time' | 'date' | 'time' | 'ascii';

export type Schema =
  | ({ t: IntType; names?: Readonly<Record<number, string>> } & Meta)
  | ({ t: 'long64' | 'long64-unsigned' } & Meta)
  | ({ t: 'boolean' } & Meta)
  /** `size`: exactly that many octets; `sizes`: one of those lengths (a GBCS octet-string(n) whose value may be shorter) */
  | ({ t: 'octet-string'; as: OctetsAs; size?: number; sizes?: readonly number[] } & Meta)
  | ({ t: 'bit-string'; size?: number } & Meta)
  | ({ t: 'visible-string' | 'utf8-string' } & Meta)
  | ({ t: 'null' } & Meta)
  | ({ t: 'structure'; fields: Readonly<Record<string, Schema>>; optionalTail?: number } & Meta)
  /** `count`: exactly that many elements (an array inside a compact-array's type description must have one) */
  | ({ t: 'array'; of: Schema; count?: number } & Meta)
  | ({ t: 'compact-array'; of: Schema } & Meta)
  /** Either null (absent) or the inner shape (e.g. a selective-access descriptor). */
  | ({ t: 'nullable'; of: Schema } & Meta);

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The value type of a schema. `D` bounds the recursion: the catalogue's
 * shapes are at most a few levels deep, and the bound keeps the wide
 * `Schema` union (a generic row) from expanding forever.
 */
export type ValueOf<S, D extends unknown[] = []> = D['length'] extends 10
  ? unknown
  : S extends { t: IntType }
    ? number
    : S extends { t: 'long64' | 'long64-unsigned' }
      ? bigint
      : S extends { t: 'boolean' }
        ? boolean
        : S extends { t: 'octet-string' | 'bit-string' | 'visible-string' | 'utf8-string' }
          ? string
          : S extends { t: 'null' }
            ? null
            : S extends { t: 'structure'; fields: infer F }
              ? Simplify<{ -readonly [K in keyof F]: ValueOf<F[K], [...D, 0]> }>
              : S extends { t: 'array' | 'compact-array'; of: infer E }
                ? ValueOf<E, [...D, 0]>[]
                : S extends { t: 'nullable'; of: infer E }
                  ? ValueOf<E, [...D, 0]> | null
                  : never;

// ---------------------------------------------------------------- builders (rows use these)

const int =
  <T extends IntType>(t: T) =>
  (meta: Meta & { names?: Readonly<Record<number, string>> } = {}) =>
    ({ t, ...meta }) as { t: T } & Meta;

export const s = {
  i8: int('integer'),
  i16: int('long'),
  i32: int('double-long'),
  u8: int('unsigned'),
  u16: int('long-unsigned'),
  u32: int('double-long-unsigned'),
  enum: int('enum'),
  i64: (meta: Meta = {}) => ({ t: 'long64', ...meta }) as const,
  u64: (meta: Meta = {}) => ({ t: 'long64-unsigned', ...meta }) as const,
  bool: (meta: Meta = {}) => ({ t: 'boolean', ...meta }) as const,
  hex: (size?: number, meta: Meta = {}) => ({ t: 'octet-string', as: 'hex', size, ...meta }) as const,
  obis: (meta: Meta = {}) => ({ t: 'octet-string', as: 'obis', size: 6, ...meta }) as const,
  /** 12-byte COSEM date-time. */
  dateTime: (meta: Meta = {}) => ({ t: 'octet-string', as: 'date-time', size: 12, ...meta }) as const,
  /** 5-byte COSEM date. */
  date: (meta: Meta = {}) => ({ t: 'octet-string', as: 'date', size: 5, ...meta }) as const,
  /** 4-byte COSEM time. */
  time: (meta: Meta = {}) => ({ t: 'octet-string', as: 'time', size: 4, ...meta }) as const,
  /** EUI-64 (system title, device id): 8 bytes as hex. */
  eui: (meta: Meta = {}) => ({ t: 'octet-string', as: 'hex', size: 8, ...meta }) as const,
  /** Octets as hex whose length is one of `sizes` (e.g. GBCS typeAndIdentifier: empty, 0xFF or an 8-octet id). */
  hexOfSizes: (sizes: readonly number[], meta: Meta = {}) =>
    ({ t: 'octet-string', as: 'hex', sizes, ...meta }) as const,
  ascii: (size?: number, meta: Meta = {}) => ({ t: 'octet-string', as: 'ascii', size, ...meta }) as const,
  bits: (size?: number, meta: Meta = {}) => ({ t: 'bit-string', size, ...meta }) as const,
  visible: (meta: Meta = {}) => ({ t: 'visible-string', ...meta }) as const,
  utf8: (meta: Meta = {}) => ({ t: 'utf8-string', ...meta }) as const,
  null: () => ({ t: 'null' }) as const,
  struct: <F extends Record<string, Schema>>(fields: F, meta: Meta & { optionalTail?: number } = {}) =>
    ({ t: 'structure', fields, ...meta }) as { t: 'structure'; fields: F } & Meta,
  array: <E extends Schema>(of: E, meta: Meta & { count?: number } = {}) =>
    ({ t: 'array', of, ...meta }) as { t: 'array'; of: E; count?: number },
  compact: <E extends Schema>(of: E, meta: Meta = {}) =>
    ({ t: 'compact-array', of, ...meta }) as { t: 'compact-array'; of: E },
  nullable: <E extends Schema>(of: E) => ({ t: 'nullable', of }) as { t: 'nullable'; of: E },
};

// ---------------------------------------------------------------- decode

const INT_RANGE: Record<IntType, [number, number]> = {
  integer: [-128, 127],
  long: [-32768, 32767],
  'double-long': [-(2 ** 31), 2 ** 31 - 1],
  unsigned: [0, 255],
  'long-unsigned': [0, 0xffff],
  'double-long-unsigned': [0, 2 ** 32 - 1],
  enum: [0, 255],
  bcd: [0, 255],
};

function bitsText(bitLength: number, bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bitLength; i++) out += (bytes[i >> 3] >> (7 - (i & 7))) & 1 ? '1' : '0';
  return out;
}

function bitsBytes(text: string, path: string): Uint8Array {
  if (!/^[01]*$/.test(text)) throw new UseCaseShapeError(`a bit-string is a text of 0 and 1`, path);
  const out = new Uint8Array(Math.ceil(text.length / 8));
  for (let i = 0; i < text.length; i++) if (text[i] === '1') out[i >> 3] |= 0x80 >> (i & 7);
  return out;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

function octetsValue(sc: { as: OctetsAs }, v: Uint8Array): string | undefined {
  switch (sc.as) {
    case 'hex':
      return toHex(v);
    case 'obis':
      return v.length === 6 ? formatObis(v) : undefined;
    case 'date-time':
      return v.length === 12 ? formatCosemDateTimeText(v) : undefined;
    case 'date':
      return v.length === 5 ? formatCosemDate(v) : undefined;
    case 'time':
      return v.length === 4 ? formatCosemTime(v) : undefined;
    case 'ascii':
      return latin1(v);
  }
}

/**
 * Where a value sits, built only when an error needs it (the hot path
 * allocates no path strings): `key` is `.name` or `[i]`, `index` the
 * element's position in its DLMS container.
 */
interface Trail {
  up: Trail | null;
  key: string;
  index: number;
}

function trailPath(base: string, t: Trail | null): string {
  const keys: string[] = [];
  for (let x = t; x; x = x.up) keys.push(x.key);
  return base + keys.reverse().join('');
}

function trailAt(base: readonly number[], t: Trail | null): number[] {
  const at: number[] = [];
  for (let x = t; x; x = x.up) at.push(x.index);
  return [...base, ...at.reverse()];
}

/**
 * Matches a decoded Data against its schema. Throws UseCaseShapeError with
 * the field path (`path`) and the index path inside the Data (`at`, used to
 * compute the byte offset) at the first element that does not match.
 */
export function decodeData(sc: Schema, d: DlmsData, path: string, at: number[]): unknown {
  return decodeIn(sc, d, path, at, null);
}

function decodeIn(
  sc: Schema,
  d: DlmsData,
  base: string,
  baseAt: readonly number[],
  trail: Trail | null,
): unknown {
  const fail = (why: string): never => {
    throw new UseCaseShapeError(why, trailPath(base, trail), trailAt(baseAt, trail));
  };
  switch (sc.t) {
    case 'nullable':
      if (d.type === 'null') return null;
      return decodeIn(sc.of, d, base, baseAt, trail);
    case 'null':
      return d.type === 'null' ? null : fail(`expected null, found ${d.type}`);
    case 'structure': {
      if (d.type !== 'structure') return fail(`expected structure, found ${d.type}`);
      const names = Object.keys(sc.fields);
      const min = names.length - (sc.optionalTail ?? 0);
      if (d.items.length < min || d.items.length > names.length)
        return fail(`expected a structure of ${names.length} elements, found ${d.items.length}`);
      const out: Record<string, unknown> = {};
      for (let i = 0; i < d.items.length; i++) {
        const n = names[i] as string;
        out[n] = decodeIn(sc.fields[n] as Schema, d.items[i] as DlmsData, base, baseAt, {
          up: trail,
          key: `.${n}`,
          index: i,
        });
      }
      return out;
    }
    case 'array': {
      if (d.type !== 'array') return fail(`expected array, found ${d.type}`);
      if (sc.count !== undefined && d.items.length !== sc.count)
        return fail(`expected an array of ${sc.count} elements, found ${d.items.length}`);
      const out = new Array<unknown>(d.items.length);
      for (let i = 0; i < d.items.length; i++)
        out[i] = decodeIn(sc.of, d.items[i] as DlmsData, base, baseAt, {
          up: trail,
          key: `[${i}]`,
          index: i,
        });
      return out;
    }
    case 'compact-array': {
      if (d.type !== 'compact-array') return fail(`expected compact-array, found ${d.type}`);
      const want = describeSchema(sc.of, trailPath(base, trail));
      if (!sameDescription(want, d.description))
        return fail('compact-array type description does not match the use case');
      const out = new Array<unknown>(d.elements.length);
      for (let i = 0; i < d.elements.length; i++)
        out[i] = decodeIn(sc.of, d.elements[i] as DlmsData, base, baseAt, {
          up: trail,
          key: `[${i}]`,
          index: i,
        });
      return out;
    }
    case 'boolean':
      if (d.type !== 'boolean') return fail(`expected boolean, found ${d.type}`);
      if (d.raw !== undefined) return fail(`boolean TRUE must be 0xFF, found 0x${d.raw.toString(16)}`);
      return d.value;
    case 'long64':
    case 'long64-unsigned':
      if (d.type !== sc.t) return fail(`expected ${sc.t}, found ${d.type}`);
      return d.value;
    case 'octet-string': {
      if (d.type !== 'octet-string') return fail(`expected octet-string, found ${d.type}`);
      if (sc.size !== undefined && d.value.length !== sc.size)
        return fail(`expected ${sc.size} bytes, found ${d.value.length}`);
      if (sc.sizes !== undefined && !sc.sizes.includes(d.value.length))
        return fail(`expected ${sc.sizes.join(' or ')} bytes, found ${d.value.length}`);
      const v = octetsValue(sc, d.value);
      return v === undefined ? fail(`${d.value.length} bytes are no ${sc.as}`) : v;
    }
    case 'bit-string': {
      if (d.type !== 'bit-string') return fail(`expected bit-string, found ${d.type}`);
      if (sc.size !== undefined && d.bitLength !== sc.size)
        return fail(`expected ${sc.size} bits, found ${d.bitLength}`);
      // bits beyond bitLength must be zero, or the text form would lose them
      const rest = d.bitLength & 7;
      if (rest !== 0 && (d.bytes[d.bytes.length - 1] as number) & (0xff >> rest))
        return fail('bit-string has non-zero padding bits');
      return bitsText(d.bitLength, d.bytes);
    }
    case 'visible-string':
    case 'utf8-string':
      if (d.type !== sc.t) return fail(`expected ${sc.t}, found ${d.type}`);
      return d.value;
    default:
      if (d.type !== sc.t) return fail(`expected ${sc.t}, found ${d.type}`);
      return (d as { value: number }).value;
  }
}

// ---------------------------------------------------------------- encode

/** Builds the Data of a value; throws UseCaseShapeError (field path) when the value does not fit. */
/** The shape error of encodeData at `path` (a function, not a closure made per call). */
function failAt(path: string, why: string): never {
  throw new UseCaseShapeError(why, path);
}

export function encodeData(sc: Schema, v: unknown, path: string): DlmsData {
  switch (sc.t) {
    case 'nullable':
      return v === null || v === undefined ? { type: 'null' } : encodeData(sc.of, v, path);
    case 'null':
      return v === null || v === undefined ? { type: 'null' } : failAt(path, 'expected null');
    case 'structure': {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return failAt(path, 'expected an object');
      const o = v as Record<string, unknown>;
      const names = Object.keys(sc.fields);
      for (const k of Object.keys(o))
        if (!(k in sc.fields) && o[k] !== undefined) failAt(path, `unknown field ${JSON.stringify(k)}`);
      const items: DlmsData[] = [];
      const min = names.length - (sc.optionalTail ?? 0);
      for (let i = 0; i < names.length; i++) {
        const n = names[i] as string;
        if (o[n] === undefined) {
          if (i >= min) break;
          failAt(path, `missing field ${n}`);
        }
        items.push(encodeData(sc.fields[n] as Schema, o[n], `${path}.${n}`));
      }
      return { type: 'structure', items };
    }
    case 'array':
      if (!Array.isArray(v)) return failAt(path, 'expected an array');
      if (sc.count !== undefined && v.length !== sc.count)
        return failAt(path, `expected an array of ${sc.count} elements, found ${v.length}`);
      return { type: 'array', items: v.map((x, i) => encodeData(sc.of, x, `${path}[${i}]`)) };
    case 'compact-array':
      if (!Array.isArray(v)) return failAt(path, 'expected an array');
      return {
        type: 'compact-array',
        description: describeSchema(sc.of, path),
        elements: v.map((x, i) => encodeData(sc.of, x, `${path}[${i}]`)),
      };
    case 'boolean':
      return typeof v === 'boolean' ? { type: 'boolean', value: v } : failAt(path, 'expected a boolean');
    case 'long64':
    case 'long64-unsigned': {
      let b: bigint;
      try {
        b = typeof v === 'bigint' ? v : BigInt(v as string | number);
      } catch {
        return failAt(path, 'expected an integer');
      }
      const ok = sc.t === 'long64' ? BigInt.asIntN(64, b) === b : BigInt.asUintN(64, b) === b;
      return ok ? { type: sc.t, value: b } : failAt(path, `${b} is out of range for ${sc.t}`);
    }
    case 'octet-string': {
      if (typeof v !== 'string') return failAt(path, 'expected a string');
      let bytes: Uint8Array;
      try {
        bytes = octetsBytes(sc.as, v);
      } catch (e) {
        return failAt(path, e instanceof Error ? e.message : String(e));
      }
      if (sc.size !== undefined && bytes.length !== sc.size)
        failAt(path, `expected ${sc.size} bytes, got ${bytes.length}`);
      if (sc.sizes !== undefined && !sc.sizes.includes(bytes.length))
        failAt(path, `expected ${sc.sizes.join(' or ')} bytes, got ${bytes.length}`);
      return { type: 'octet-string', value: bytes };
    }
    case 'bit-string': {
      if (typeof v !== 'string') return failAt(path, 'expected a string of 0 and 1');
      if (sc.size !== undefined && v.length !== sc.size)
        failAt(path, `expected ${sc.size} bits, got ${v.length}`);
      return { type: 'bit-string', bitLength: v.length, bytes: bitsBytes(v, path) };
    }
    case 'visible-string':
    case 'utf8-string':
      return typeof v === 'string' ? { type: sc.t, value: v } : failAt(path, 'expected a string');
    default: {
      if (typeof v !== 'number' || !Number.isInteger(v)) return failAt(path, 'expected an integer');
      const [lo, hi] = INT_RANGE[sc.t];
      if (v < lo || v > hi) failAt(path, `${v} is out of range for ${sc.t} (${lo}..${hi})`);
      return { type: sc.t, value: v } as DlmsData;
    }
  }
}

function octetsBytes(as: OctetsAs, v: string): Uint8Array {
  switch (as) {
    case 'hex':
      if (!/^([0-9a-fA-F]{2})*$/.test(v)) throw new RangeError('expected hex');
      return fromHex(v);
    case 'obis':
      return parseObis(v);
    case 'date-time':
      return parseCosemDateTimeText(v);
    case 'date':
      return parseCosemDateText(v);
    case 'time':
      return parseCosemTimeText(v);
    case 'ascii': {
      const out = new Uint8Array(v.length);
      for (let i = 0; i < v.length; i++) {
        const c = v.charCodeAt(i);
        if (c > 0xff) throw new RangeError('text outside latin-1');
        out[i] = c;
      }
      return out;
    }
  }
}

// ---------------------------------------------------------------- compact-array descriptions

/** The TypeDescription a compact-array of this element schema carries (Green Book 4.1.6.1). */
export function describeSchema(sc: Schema, path: string): DlmsTypeDescription {
  switch (sc.t) {
    case 'structure':
      return { type: 'structure', items: Object.values(sc.fields).map((x) => describeSchema(x, path)) };
    case 'array':
      if (sc.count === undefined)
        throw new UseCaseShapeError('an array inside a compact-array needs its element count', path);
      return { type: 'array', count: sc.count, element: describeSchema(sc.of, path) };
    case 'compact-array':
    case 'nullable':
      throw new UseCaseShapeError(`${sc.t} inside a compact-array is not catalogued`, path);
    default:
      return { type: sc.t };
  }
}

function sameDescription(a: DlmsTypeDescription, b: DlmsTypeDescription): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'structure' && b.type === 'structure')
    return a.items.length === b.items.length && a.items.every((x, i) => sameDescription(x, b.items[i]!));
  if (a.type === 'array' && b.type === 'array')
    return a.count === b.count && sameDescription(a.element, b.element);
  return true;
}

// ---------------------------------------------------------------- listings

/** Flat list of the leaf fields of a schema (path, type, unit), for the catalogue listing. */
export function schemaLeaves(
  sc: Schema,
  path: string,
): { path: string; type: string; unit?: string; scaler?: number }[] {
  switch (sc.t) {
    case 'structure':
      return Object.entries(sc.fields).flatMap(([k, x]) => schemaLeaves(x, path ? `${path}.${k}` : k));
    case 'array':
    case 'compact-array':
      return schemaLeaves(sc.of, `${path}[]`);
    case 'nullable':
      return schemaLeaves(sc.of, path).map((l) => ({ ...l, type: `${l.type}|null` }));
    default: {
      const type = sc.t === 'octet-string' && sc.as !== 'hex' ? sc.as : sc.t;
      const out: { path: string; type: string; unit?: string; scaler?: number } = { path, type };
      if (sc.unit) out.unit = sc.unit;
      if (sc.scaler !== undefined) out.scaler = sc.scaler;
      return [out];
    }
  }
}
