/**
 * ASN.1 structures as named fields over the DER codec (der.ts): a small
 * schema language for the GBCS ASN.1 payloads (GBCS 7.2 and the ASN.1
 * module of the security, join, firmware and device-log use cases).
 *
 * `decodeAsn1(schema, bytes)` gives the named value and fails with a
 * GbcsFieldError (path, offset) when the bytes do not follow the schema;
 * `encodeAsn1(schema, value)` gives the DER bytes back (DER is canonical, so
 * decode then encode is byte-exact for every payload that decodes).
 *
 * Values are JSON-friendly (as the DLMS rows have them): INTEGER a number
 * (`bigInteger`: a bigint, given back as a decimal string by JSON and
 * accepted so), ENUMERATED a number, BOOLEAN, NULL null, OCTET STRING
 * upper-case hex, BIT STRING a text of `0`/`1` one character per bit (X.509
 * KeyUsage digitalSignature `1`, keyAgreement `00001`), GeneralizedTime /
 * UTCTime the DER text (`20150101000000Z`), SEQUENCE a record, SEQUENCE OF an
 * array, CHOICE a one-key record, `der` one whole DER element as hex (an
 * X.509 certificate or a PKCS#10 request: a named, self-describing value).
 */
import { toHex } from '../../runtime/bytes.ts';
import { GbcsError } from '../errors.ts';
import { type DerNode, type DerTagClass, decodeDer, der, encodeDer } from './der.ts';
import { GbcsFieldError, hexBytes } from './zcl-fields.ts';

export type Asn1Schema =
  | { readonly type: 'integer'; readonly unit?: string; readonly doc?: string }
  | { readonly type: 'bigInteger'; readonly doc?: string }
  | { readonly type: 'enumerated'; readonly doc?: string }
  | { readonly type: 'boolean' }
  | { readonly type: 'null' }
  | { readonly type: 'octets'; readonly size?: number; readonly doc?: string }
  | { readonly type: 'bits'; readonly doc?: string }
  | { readonly type: 'generalizedTime'; readonly doc?: string }
  | { readonly type: 'utcTime' }
  | { readonly type: 'der'; readonly doc?: string }
  | { readonly type: 'sequence'; readonly fields: readonly Asn1Field[] }
  | { readonly type: 'sequenceOf'; readonly of: Asn1Schema }
  | { readonly type: 'choice'; readonly alternatives: readonly Asn1Field[] };

export interface Asn1Field {
  readonly name: string;
  readonly schema: Asn1Schema;
  readonly optional?: true;
  /** [n] IMPLICIT (context class) */
  readonly tag?: number;
  readonly doc?: string;
}

/**
 * Where a received element used a longer length form than DER allows (RTDS
 * device responses send `82 00 9F`): its field path (`''` the root,
 * `executionOutcome.replacementOutcomes`) and its number of length octets.
 * Encoding with the same map gives the received bytes; without it, minimal DER.
 */
export type Asn1LengthForms = Record<string, number>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The value type of a schema (derived, never written again). */
export type Asn1Value<S extends Asn1Schema> = S extends { type: 'integer' | 'enumerated' }
  ? number
  : S extends { type: 'bigInteger' }
    ? bigint
    : S extends { type: 'boolean' }
      ? boolean
      : S extends { type: 'null' }
        ? null
        : S extends { type: 'octets' | 'der' | 'bits' }
          ? string
          : S extends { type: 'generalizedTime' | 'utcTime' }
            ? string
            : S extends { type: 'sequence'; fields: infer F extends readonly Asn1Field[] }
              ? Asn1FieldsOf<F>
              : S extends { type: 'sequenceOf'; of: infer O extends Asn1Schema }
                ? Asn1Value<O>[]
                : S extends { type: 'choice'; alternatives: infer A extends readonly Asn1Field[] }
                  ? {
                      [F in A[number] as F['name']]: { [K in F['name']]: Asn1Value<F['schema']> };
                    }[A[number]['name']]
                  : never;

export type Asn1FieldsOf<F extends readonly Asn1Field[]> = Simplify<
  { [X in F[number] as X extends { optional: true } ? never : X['name']]: Asn1Value<X['schema']> } & {
    [X in F[number] as X extends { optional: true } ? X['name'] : never]?: Asn1Value<X['schema']>;
  }
>;

const UNIVERSAL: Record<string, number | undefined> = {
  integer: 2,
  bigInteger: 2,
  enumerated: 10,
  boolean: 1,
  null: 5,
  octets: 4,
  bits: 3,
  generalizedTime: 24,
  utcTime: 23,
  sequence: 16,
  sequenceOf: 16,
};

/** Whether `n` can be the encoding of field `f` (its tag). */
function matches(f: Asn1Field, n: DerNode): boolean {
  if (f.tag !== undefined) return n.tagClass === 'context' && n.tag === f.tag;
  return schemaMatches(f.schema, n);
}

function schemaMatches(s: Asn1Schema, n: DerNode): boolean {
  if (s.type === 'der') return true;
  if (s.type === 'choice') return s.alternatives.some((a) => matches(a, n));
  return n.tagClass === 'universal' && n.tag === UNIVERSAL[s.type];
}

function fail(detail: string, path: string, n: DerNode | undefined, base: number): never {
  throw new GbcsFieldError(detail, path, n ? n.offset + base : undefined);
}

// Decoding and encoding are synchronous: these hold the length-form map of the call in progress.
let forms: Asn1LengthForms | undefined;
let rootPath = '';

function formKey(path: string): string {
  return path === rootPath ? '' : path.slice(rootPath.length + 1);
}

function noteLengthForm(n: DerNode, path: string, base: number): void {
  if (n.nonMinimalLength === undefined) return;
  if (!n.constructed) fail('non-minimal DER length on a primitive element', path, n, base);
  if (forms) forms[formKey(path)] = n.nonMinimalLength;
}

function decodeNode(s: Asn1Schema, n: DerNode, path: string, base: number, implicit: boolean): unknown {
  noteLengthForm(n, path, base);
  const want = UNIVERSAL[s.type];
  if (!implicit && want !== undefined && !(n.tagClass === 'universal' && n.tag === want))
    fail(`expected ${s.type}, found ${describe(n)}`, path, n, base);
  switch (s.type) {
    case 'integer':
    case 'enumerated':
    case 'bigInteger': {
      if (n.constructed || n.value.length === 0) fail(`${s.type} needs content octets`, path, n, base);
      let x = 0n;
      for (const b of n.value) x = (x << 8n) | BigInt(b);
      if (n.value[0] & 0x80) x -= 1n << BigInt(8 * n.value.length);
      if (
        n.value.length > 1 &&
        ((n.value[0] === 0 && !(n.value[1] & 0x80)) || (n.value[0] === 0xff && n.value[1] & 0x80))
      )
        fail('non-minimal INTEGER encoding', path, n, base);
      if (s.type === 'bigInteger') return x;
      if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < BigInt(Number.MIN_SAFE_INTEGER))
        fail(`${x} is beyond a safe integer`, path, n, base);
      return Number(x);
    }
    case 'boolean':
      if (n.value.length !== 1 || (n.value[0] !== 0 && n.value[0] !== 0xff))
        fail('DER BOOLEAN is 00 or FF', path, n, base);
      return n.value[0] === 0xff;
    case 'null':
      if (n.value.length !== 0) fail('NULL with content', path, n, base);
      return null;
    case 'octets':
      if (n.constructed) fail('constructed OCTET STRING is not DER', path, n, base);
      if (s.size !== undefined && n.value.length !== s.size)
        fail(`${n.value.length} octets, expected ${s.size}`, path, n, base);
      return toHex(n.value);
    case 'bits': {
      const v = n.value;
      if (n.constructed || v.length === 0 || v[0] > 7 || (v.length === 1 && v[0] !== 0))
        fail('malformed BIT STRING', path, n, base);
      if (v.length > 1 && v[v.length - 1] & ((1 << v[0]) - 1))
        fail('BIT STRING unused bits are not zero (DER)', path, n, base);
      let bits = '';
      for (let i = 1; i < v.length; i++) bits += v[i].toString(2).padStart(8, '0');
      return bits.slice(0, bits.length - v[0]);
    }
    case 'generalizedTime':
    case 'utcTime': {
      const t = String.fromCharCode(...n.value);
      const re = s.type === 'generalizedTime' ? /^\d{14}Z$/ : /^\d{12}Z$/;
      if (!re.test(t)) fail(`time ${JSON.stringify(t)} is not DER`, path, n, base);
      return t;
    }
    case 'der':
      return toHex(encodeDer(n));
    case 'sequence': {
      if (!n.constructed || !n.children) fail('expected a constructed SEQUENCE', path, n, base);
      const out: Record<string, unknown> = {};
      let i = 0;
      const kids = n.children;
      for (const f of s.fields) {
        const c = kids[i];
        if (c && matches(f, c)) {
          out[f.name] = decodeField(f, c, `${path}.${f.name}`, base);
          i++;
        } else if (!f.optional) {
          fail(
            c ? `expected ${f.name}, found ${describe(c)}` : `${f.name} missing`,
            `${path}.${f.name}`,
            c ?? n,
            base,
          );
        }
      }
      if (i < kids.length) fail(`${kids.length - i} element(s) after the last field`, path, kids[i], base);
      return out;
    }
    case 'sequenceOf': {
      if (!n.constructed || !n.children) fail('expected a constructed SEQUENCE OF', path, n, base);
      return n.children.map((c, i) => decodeNode(s.of, c, `${path}[${i}]`, base, false));
    }
    case 'choice': {
      const alt = s.alternatives.find((a) => matches(a, n));
      if (!alt) fail(`no alternative matches ${describe(n)}`, path, n, base);
      return { [alt.name]: decodeField(alt, n, `${path}.${alt.name}`, base) };
    }
  }
}

function decodeField(f: Asn1Field, n: DerNode, path: string, base: number): unknown {
  return decodeNode(f.schema, n, path, base, f.tag !== undefined);
}

function describe(n: DerNode): string {
  return n.tagClass === 'universal'
    ? `universal tag ${n.tag}`
    : `[${n.tagClass === 'context' ? '' : `${n.tagClass} `}${n.tag}]`;
}

/** Decodes a DER payload by its schema. `base` shifts error offsets (the payload's offset in a message). */
export function decodeAsn1<const S extends Asn1Schema>(
  schema: S,
  bytes: Uint8Array,
  path = 'payload',
  base = 0,
): Asn1Value<S> {
  if (!forms) rootPath = path;
  let root: DerNode;
  try {
    root = decodeDer(bytes);
  } catch (e) {
    if (e instanceof GbcsError)
      throw new GbcsFieldError(GbcsFieldError.detailOf(e), path, (e.offset ?? 0) + base);
    throw e;
  }
  if (!schemaMatches(schema, root))
    fail(`expected ${schema.type}, found ${describe(root)}`, path, root, base);
  return decodeNode(schema, root, path, base, false) as Asn1Value<S>;
}

/** decodeAsn1, plus the elements whose length form was not minimal (to re-encode the same bytes). */
export function decodeAsn1Detailed<const S extends Asn1Schema>(
  schema: S,
  bytes: Uint8Array,
  path = 'payload',
  base = 0,
): { value: Asn1Value<S>; lengthForms: Asn1LengthForms } {
  const lengthForms: Asn1LengthForms = {};
  forms = lengthForms;
  rootPath = path;
  try {
    return { value: decodeAsn1(schema, bytes, path, base), lengthForms };
  } finally {
    forms = undefined;
  }
}

// ---------------------------------------------------------------- encode

function retag(n: DerNode, cls: DerTagClass, tag: number): DerNode {
  return { ...n, tagClass: cls, tag };
}

let encodeForms: Asn1LengthForms | undefined;

function buildNode(s: Asn1Schema, v: unknown, path: string): DerNode {
  const n = buildNodeBare(s, v, path);
  const octets = encodeForms?.[formKey(path)];
  if (octets !== undefined && n.constructed) n.nonMinimalLength = octets;
  return n;
}

/** The field names of a sequence schema, read once per schema (schemas are constants). */
const fieldNames = new WeakMap<Asn1Schema, ReadonlySet<string>>();

function fieldNamesOf(s: Extract<Asn1Schema, { type: 'sequence' }>): ReadonlySet<string> {
  let names = fieldNames.get(s);
  if (!names) {
    names = new Set(s.fields.map((f) => f.name));
    fieldNames.set(s, names);
  }
  return names;
}

function needs(what: string, path: string): never {
  throw new GbcsFieldError(`needs ${what}`, path);
}

function buildNodeBare(s: Asn1Schema, v: unknown, path: string): DerNode {
  switch (s.type) {
    case 'integer':
    case 'enumerated':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) needs('an integer', path);
      return s.type === 'integer' ? der.integer(v as number) : der.enumerated(v as number);
    case 'bigInteger': {
      if (typeof v !== 'bigint' && !(typeof v === 'string' && /^-?\d+$/.test(v)) && !Number.isSafeInteger(v))
        needs('an integer', path);
      return der.integer(BigInt(v as bigint | string | number));
    }
    case 'boolean':
      if (typeof v !== 'boolean') needs('a boolean', path);
      return der.boolean(v as boolean);
    case 'null':
      if (v !== null) needs('null', path);
      return der.null();
    case 'octets': {
      const b = hexBytes(v, path);
      if (s.size !== undefined && b.length !== s.size) needs(`${s.size} octets`, path);
      return der.octetString(b);
    }
    case 'bits': {
      if (typeof v !== 'string' || !/^[01]*$/.test(v))
        needs('a text of 0 and 1 (one character per bit)', path);
      const bits = v as string;
      const bytes = new Uint8Array(Math.ceil(bits.length / 8));
      for (let i = 0; i < bits.length; i++) if (bits[i] === '1') bytes[i >> 3] |= 0x80 >> (i & 7);
      return der.bitString(bytes, bytes.length * 8 - bits.length);
    }
    case 'generalizedTime':
      if (typeof v !== 'string' || !/^\d{14}Z$/.test(v)) needs('a GeneralizedTime YYYYMMDDHHMMSSZ', path);
      return der.generalizedTime(v as string);
    case 'utcTime':
      if (typeof v !== 'string' || !/^\d{12}Z$/.test(v)) needs('a UTCTime YYMMDDHHMMSSZ', path);
      return der.utcTime(v as string);
    case 'der':
      try {
        return decodeDer(hexBytes(v, path));
      } catch (e) {
        throw new GbcsFieldError(e instanceof Error ? e.message : String(e), path);
      }
    case 'sequence': {
      if (!v || typeof v !== 'object') needs('a record', path);
      const rec = v as Record<string, unknown>;
      const known = fieldNamesOf(s);
      for (const k of Object.keys(rec))
        if (!known.has(k) && rec[k] !== undefined)
          throw new GbcsFieldError('is not a field of this structure', `${path}.${k}`);
      const kids: DerNode[] = [];
      for (const f of s.fields) {
        const x = rec[f.name];
        if (x === undefined) {
          if (f.optional) continue;
          throw new GbcsFieldError('missing', `${path}.${f.name}`);
        }
        kids.push(buildField(f, x, `${path}.${f.name}`));
      }
      return der.sequence(...kids);
    }
    case 'sequenceOf':
      if (!Array.isArray(v)) needs('a list', path);
      return der.sequence(...(v as unknown[]).map((x, i) => buildNode(s.of, x, `${path}[${i}]`)));
    case 'choice': {
      const keys = v && typeof v === 'object' ? Object.keys(v) : [];
      if (keys.length !== 1) needs(`one of ${s.alternatives.map((a) => a.name).join(', ')}`, path);
      const alt = s.alternatives.find((a) => a.name === keys[0]);
      if (!alt) needs(`one of ${s.alternatives.map((a) => a.name).join(', ')}`, path);
      return buildField(alt!, (v as Record<string, unknown>)[keys[0]], `${path}.${keys[0]}`);
    }
  }
}

function buildField(f: Asn1Field, v: unknown, path: string): DerNode {
  const n = buildNode(f.schema, v, path);
  return f.tag === undefined ? n : retag(n, 'context', f.tag);
}

/** Encodes a named value by its schema (DER; `lengthForms` from decodeAsn1Detailed keeps a received length form). */
export function encodeAsn1<const S extends Asn1Schema>(
  schema: S,
  value: Asn1Value<S>,
  path = 'payload',
  lengthForms?: Asn1LengthForms,
): Uint8Array {
  encodeForms = lengthForms;
  rootPath = path;
  try {
    return encodeDer(buildNode(schema, value, path));
  } finally {
    encodeForms = undefined;
  }
}

/**
 * The length forms of a device that writes every constructed length of 128
 * to 255 with two octets (`82 00 nn`) and every other one minimally, as the
 * RTDS devices' ASN.1 responses and alerts do: pass the result to
 * encodeAsn1 (or a use-case header's `lengthForms`). Elements inside a `der`
 * value (a certificate) keep their own encoding.
 */
export function twoOctetLengthForms<const S extends Asn1Schema>(
  schema: S,
  value: Asn1Value<S>,
): Asn1LengthForms {
  const out: Asn1LengthForms = {};
  const key = (path: string) => (path === 'payload' ? '' : path.slice('payload.'.length));
  const constructed = (content: number, path: string): number => {
    if (content >= 128 && content <= 255) {
      out[key(path)] = 2;
      return 4 + content;
    }
    return 1 + (content < 128 ? 1 : content < 256 ? 2 : content < 65536 ? 3 : 4) + content;
  };
  const size = (s: Asn1Schema, v: unknown, path: string): number => {
    switch (s.type) {
      case 'sequence': {
        const rec = v as Record<string, unknown>;
        let n = 0;
        for (const f of s.fields)
          if (rec[f.name] !== undefined) n += size(f.schema, rec[f.name], `${path}.${f.name}`);
        return constructed(n, path);
      }
      case 'sequenceOf':
        return constructed(
          (v as unknown[]).reduce<number>((n, x, i) => n + size(s.of, x, `${path}[${i}]`), 0),
          path,
        );
      case 'choice': {
        const k = Object.keys(v as object)[0]!;
        const alt = s.alternatives.find((a) => a.name === k)!;
        return size(alt.schema, (v as Record<string, unknown>)[k], `${path}.${k}`);
      }
      default:
        return encodeDer(buildNodeBare(s, v, path)).length;
    }
  };
  size(schema, value, 'payload');
  return out;
}
