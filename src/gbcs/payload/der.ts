/**
 * ASN.1 DER, generic tree (X.690 clause 8 and 10). GBCS carries ASN.1 DER
 * payloads for the security and device-log use cases (CS02x certificates,
 * CS03/CS04 join/unjoin, CS06 activate firmware, CS07, CS08, GCS28, GCS59,
 * GCS62, CCS08 ...), whose top-level element is not always a SEQUENCE (an
 * INTEGER, an OCTET STRING or a NULL also appear).
 *
 * Strict about lengths: definite form only (indefinite is refused with a
 * typed error), length and value must fit the input. Non-minimal length
 * forms are accepted but noted on the node (`nonMinimalLength`) and kept, so
 * decode then encode is byte-exact for every input that decodes.
 */

import { toHex } from '../../runtime/bytes.ts';
import { GbcsMalformedError, GbcsTruncatedError, GbcsUnsupportedError } from '../errors.ts';
import { PayloadWriter } from './io.ts';

export type DerTagClass = 'universal' | 'application' | 'context' | 'private';
const CLASS_BITS: Record<DerTagClass, number> = {
  universal: 0x00,
  application: 0x40,
  context: 0x80,
  private: 0xc0,
};
const BITS_CLASS: DerTagClass[] = ['universal', 'application', 'context', 'private'];

/** Universal tag numbers used here (X.680 8.4). */
export const DER_TAG = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OBJECT_IDENTIFIER: 6,
  ENUMERATED: 10,
  UTF8String: 12,
  SEQUENCE: 16,
  SET: 17,
  PrintableString: 19,
  T61String: 20,
  IA5String: 22,
  UTCTime: 23,
  GeneralizedTime: 24,
  VisibleString: 26,
  BMPString: 30,
} as const;

const UNIVERSAL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(DER_TAG).map(([k, v]) => [v, k.replace(/_/g, ' ')]),
);

/** Decoded view of a universal primitive's value. */
export type DerValue =
  | { kind: 'boolean'; value: boolean }
  | { kind: 'integer'; value: bigint }
  | { kind: 'enumerated'; value: bigint }
  | { kind: 'null' }
  | { kind: 'oid'; value: string }
  | { kind: 'bit-string'; unusedBits: number; bytes: Uint8Array }
  | { kind: 'octet-string'; bytes: Uint8Array }
  | { kind: 'string'; value: string }
  | { kind: 'time'; value: string };

export interface DerNode {
  tagClass: DerTagClass;
  constructed: boolean;
  tag: number;
  /** Offset of the identifier octet in the decoded input (0 for built nodes). */
  offset: number;
  /** Identifier + length octets. */
  headerLength: number;
  /** Content length. */
  length: number;
  /** Content octets (for constructed nodes: the encoded children). */
  value: Uint8Array;
  children?: DerNode[];
  /** Universal primitives: the typed value (read-only view; `value` is what encodes). */
  decoded?: DerValue;
  /** Set when the length used more octets than DER allows; kept to re-encode exactly. */
  nonMinimalLength?: number;
}

const MAX_DEPTH = 64;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes exactly one DER element filling `buf` (trailing bytes are an error). */
export function decodeDer(buf: Uint8Array): DerNode {
  const { node, end } = decodeDerAt(buf, 0, buf.length, 0);
  if (end !== buf.length)
    throw new GbcsMalformedError(`${buf.length - end} byte(s) after the DER element`, end);
  return node;
}

/** Decodes a sequence of DER elements filling `buf`. */
export function decodeDerAll(buf: Uint8Array): DerNode[] {
  const out: DerNode[] = [];
  let p = 0;
  while (p < buf.length) {
    const { node, end } = decodeDerAt(buf, p, buf.length, 0);
    out.push(node);
    p = end;
  }
  return out;
}

/** Decodes one element at `offset` inside `buf[..limit)`; returns the node and its end. */
export function decodeDerAt(
  buf: Uint8Array,
  offset: number,
  limit = buf.length,
  depth = 0,
): { node: DerNode; end: number } {
  if (depth > MAX_DEPTH) throw new GbcsUnsupportedError(`DER nested deeper than ${MAX_DEPTH}`, offset);
  let p = offset;
  const byte = (what: string) => {
    if (p >= limit) throw new GbcsTruncatedError(`DER ${what}`, p);
    return buf[p++];
  };
  const id = byte('identifier');
  const tagClass = BITS_CLASS[id >> 6];
  const constructed = (id & 0x20) !== 0;
  let tag = id & 0x1f;
  if (tag === 0x1f) {
    // high-tag-number form (X.690 8.1.2.4)
    tag = 0;
    let first = true;
    for (;;) {
      const at = p;
      const b = byte('tag number');
      if (first && b === 0x80) throw new GbcsMalformedError('DER tag number has a leading zero octet', at);
      first = false;
      tag = tag * 128 + (b & 0x7f);
      if (tag > 0x3fffffff) throw new GbcsUnsupportedError('DER tag number too large', at);
      if ((b & 0x80) === 0) break;
    }
    if (tag < 31) throw new GbcsMalformedError('DER high-tag-number form used for a tag below 31', offset);
  }
  const lenAt = p;
  const l0 = byte('length');
  let length: number;
  let nonMinimalLength: number | undefined;
  if (l0 < 0x80) {
    length = l0;
  } else if (l0 === 0x80) {
    throw new GbcsUnsupportedError('indefinite length is not DER', lenAt);
  } else if (l0 === 0xff) {
    throw new GbcsMalformedError('length octet 0xFF is reserved', lenAt);
  } else {
    const n = l0 & 0x7f;
    if (n > 4) throw new GbcsUnsupportedError(`DER length of ${n} octets`, lenAt);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + byte('length');
    const minimal = length < 0x80 ? 0 : Math.ceil(Math.log2(length + 1) / 8);
    if (n !== minimal) nonMinimalLength = n;
  }
  const headerLength = p - offset;
  if (p + length > limit) {
    throw new GbcsTruncatedError(`DER element announces ${length} byte(s), ${limit - p} left`, p);
  }
  const value = buf.slice(p, p + length);
  const node: DerNode = { tagClass, constructed, tag, offset, headerLength, length, value };
  if (nonMinimalLength !== undefined) node.nonMinimalLength = nonMinimalLength;
  if (constructed) {
    const children: DerNode[] = [];
    let q = p;
    while (q < p + length) {
      const c = decodeDerAt(buf, q, p + length, depth + 1);
      children.push(c.node);
      q = c.end;
    }
    node.children = children;
  } else if (tagClass === 'universal') {
    const decoded = decodeUniversal(tag, value, p);
    if (decoded) node.decoded = decoded;
  }
  return { node, end: p + length };
}

function decodeUniversal(tag: number, v: Uint8Array, at: number): DerValue | undefined {
  switch (tag) {
    case DER_TAG.BOOLEAN:
      if (v.length !== 1) throw new GbcsMalformedError('BOOLEAN must be one octet', at);
      return { kind: 'boolean', value: v[0] !== 0 };
    case DER_TAG.INTEGER:
    case DER_TAG.ENUMERATED:
      if (v.length === 0) throw new GbcsMalformedError('INTEGER with no content octets', at);
      return { kind: tag === DER_TAG.INTEGER ? 'integer' : 'enumerated', value: twosComplement(v) };
    case DER_TAG.NULL:
      if (v.length !== 0) throw new GbcsMalformedError('NULL with content octets', at);
      return { kind: 'null' };
    case DER_TAG.OBJECT_IDENTIFIER:
      return { kind: 'oid', value: decodeOid(v, at) };
    case DER_TAG.BIT_STRING:
      if (v.length === 0) throw new GbcsMalformedError('BIT STRING with no unused-bits octet', at);
      if (v[0] > 7 || (v.length === 1 && v[0] !== 0))
        throw new GbcsMalformedError('BIT STRING bad unused-bits', at);
      return { kind: 'bit-string', unusedBits: v[0], bytes: v.slice(1) };
    case DER_TAG.OCTET_STRING:
      return { kind: 'octet-string', bytes: v };
    case DER_TAG.UTF8String:
      try {
        return { kind: 'string', value: UTF8.decode(v) };
      } catch {
        throw new GbcsMalformedError('UTF8String is not valid UTF-8', at);
      }
    case DER_TAG.PrintableString:
    case DER_TAG.IA5String:
    case DER_TAG.VisibleString:
    case DER_TAG.T61String: {
      let s = '';
      for (const c of v) s += String.fromCharCode(c);
      return { kind: 'string', value: s };
    }
    case DER_TAG.UTCTime:
    case DER_TAG.GeneralizedTime: {
      let s = '';
      for (const c of v) s += String.fromCharCode(c);
      if (!/^\d{10,14}(\.\d+)?(Z|[+-]\d{4})?$/.test(s))
        throw new GbcsMalformedError(`bad time value ${JSON.stringify(s)}`, at);
      return { kind: 'time', value: s };
    }
    default:
      return undefined;
  }
}

function twosComplement(v: Uint8Array): bigint {
  let x = 0n;
  for (const b of v) x = (x << 8n) | BigInt(b);
  if (v[0] & 0x80) x -= 1n << BigInt(8 * v.length);
  return x;
}

function decodeOid(v: Uint8Array, at: number): string {
  if (v.length === 0) throw new GbcsMalformedError('OBJECT IDENTIFIER with no content', at);
  const arcs: bigint[] = [];
  let cur = 0n;
  let fresh = true;
  for (let i = 0; i < v.length; i++) {
    const b = v[i];
    if (fresh && b === 0x80) throw new GbcsMalformedError('OID arc with a leading 0x80 octet', at + i);
    fresh = false;
    cur = (cur << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(cur);
      cur = 0n;
      fresh = true;
    }
  }
  if (!fresh) throw new GbcsTruncatedError('OID ends inside an arc', at + v.length);
  const first = arcs[0];
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

// ---------------------------------------------------------------- encode

function encodeHeader(w: PayloadWriter, n: DerNode, length: number): void {
  const cls = CLASS_BITS[n.tagClass] | (n.constructed ? 0x20 : 0);
  if (n.tag < 31) {
    w.u8(cls | n.tag);
  } else {
    const groups: number[] = [];
    let t = n.tag;
    do {
      groups.unshift(t & 0x7f);
      t = Math.floor(t / 128);
    } while (t > 0);
    w.u8(cls | 0x1f);
    groups.forEach((g, i) => {
      w.u8(i < groups.length - 1 ? g | 0x80 : g);
    });
  }
  const octets: number[] = [];
  let l = length;
  while (l > 0) {
    octets.unshift(l & 0xff);
    l = Math.floor(l / 256);
  }
  const count = n.nonMinimalLength ?? (length < 0x80 ? 0 : octets.length);
  if (count === 0) {
    w.u8(length);
  } else {
    while (octets.length < count) octets.unshift(0);
    w.u8(0x80 | count);
    for (const o of octets) w.u8(o);
  }
}

/**
 * Encodes a node. Constructed nodes with `children` are encoded from the
 * children (so an edited tree re-encodes); otherwise `value` is used.
 */
export function encodeDer(n: DerNode): Uint8Array {
  const w = new PayloadWriter();
  writeNode(w, n);
  return w.finish();
}

function writeNode(w: PayloadWriter, n: DerNode): void {
  let content = n.value;
  if (n.constructed && n.children) {
    const inner = new PayloadWriter();
    for (const c of n.children) writeNode(inner, c);
    content = inner.finish();
  }
  encodeHeader(w, n, content.length);
  w.bytes(content);
}

// ---------------------------------------------------------------- builders

function prim(tag: number, value: Uint8Array, decoded?: DerValue): DerNode {
  const n: DerNode = {
    tagClass: 'universal',
    constructed: false,
    tag,
    offset: 0,
    headerLength: 0,
    length: value.length,
    value,
  };
  if (decoded) n.decoded = decoded;
  return n;
}

function cons(tagClass: DerTagClass, tag: number, children: DerNode[]): DerNode {
  const value = concatNodes(children);
  return {
    tagClass,
    constructed: true,
    tag,
    offset: 0,
    headerLength: 0,
    length: value.length,
    value,
    children,
  };
}

function concatNodes(children: DerNode[]): Uint8Array {
  const w = new PayloadWriter();
  for (const c of children) writeNode(w, c);
  return w.finish();
}

function integerBytes(v: bigint): Uint8Array {
  const out: number[] = [];
  let x = v;
  for (;;) {
    out.unshift(Number(x & 0xffn));
    const sign = out[0] & 0x80;
    x >>= 8n;
    if ((x === 0n && !sign) || (x === -1n && sign)) break;
  }
  return Uint8Array.from(out);
}

function oidBytes(oid: string): Uint8Array {
  if (!/^\d+(\.\d+)+$/.test(oid)) throw new RangeError(`bad OID ${oid}`);
  const arcs = oid.split('.').map((s) => BigInt(s));
  if (arcs[0] > 2n || (arcs[0] < 2n && arcs[1] > 39n)) throw new RangeError(`bad OID ${oid}`);
  const all = [arcs[0] * 40n + arcs[1], ...arcs.slice(2)];
  const out: number[] = [];
  for (const a of all) {
    const g: number[] = [];
    let x = a;
    do {
      g.unshift(Number(x & 0x7fn));
      x >>= 7n;
    } while (x > 0n);
    g.forEach((b, i) => {
      out.push(i < g.length - 1 ? b | 0x80 : b);
    });
  }
  return Uint8Array.from(out);
}

/** Builders for encoding (supplier/DCC command builders, device emulators). */
export const der = {
  integer: (v: bigint | number) => {
    const b = BigInt(v);
    return prim(DER_TAG.INTEGER, integerBytes(b), { kind: 'integer', value: b });
  },
  enumerated: (v: bigint | number) => {
    const b = BigInt(v);
    return prim(DER_TAG.ENUMERATED, integerBytes(b), { kind: 'enumerated', value: b });
  },
  boolean: (v: boolean) => prim(DER_TAG.BOOLEAN, Uint8Array.of(v ? 0xff : 0), { kind: 'boolean', value: v }),
  null: () => prim(DER_TAG.NULL, new Uint8Array(0), { kind: 'null' }),
  octetString: (b: Uint8Array) => prim(DER_TAG.OCTET_STRING, b, { kind: 'octet-string', bytes: b }),
  bitString: (bytes: Uint8Array, unusedBits = 0) =>
    prim(DER_TAG.BIT_STRING, Uint8Array.from([unusedBits, ...bytes]), {
      kind: 'bit-string',
      unusedBits,
      bytes,
    }),
  oid: (oid: string) => prim(DER_TAG.OBJECT_IDENTIFIER, oidBytes(oid), { kind: 'oid', value: oid }),
  utf8: (s: string) => prim(DER_TAG.UTF8String, new TextEncoder().encode(s), { kind: 'string', value: s }),
  printable: (s: string) =>
    prim(DER_TAG.PrintableString, Buffer.from(s, 'latin1'), { kind: 'string', value: s }),
  generalizedTime: (s: string) =>
    prim(DER_TAG.GeneralizedTime, Buffer.from(s, 'latin1'), { kind: 'time', value: s }),
  utcTime: (s: string) => prim(DER_TAG.UTCTime, Buffer.from(s, 'latin1'), { kind: 'time', value: s }),
  sequence: (...children: DerNode[]) => cons('universal', DER_TAG.SEQUENCE, children),
  set: (...children: DerNode[]) => cons('universal', DER_TAG.SET, children),
  /** [n] EXPLICIT / constructed context tag around children. */
  context: (tag: number, ...children: DerNode[]) => cons('context', tag, children),
  /** [n] IMPLICIT primitive context tag holding raw content octets. */
  contextPrimitive: (tag: number, value: Uint8Array): DerNode => ({
    tagClass: 'context',
    constructed: false,
    tag,
    offset: 0,
    headerLength: 0,
    length: value.length,
    value,
  }),
};

/** `2015-01-01T00:00:00Z` style text for a GeneralizedTime/UTCTime string. */
export function formatDerTime(s: string, utcTime = false): string {
  const m = (
    utcTime ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?/
  ).exec(s);
  if (!m) return s;
  // X.509 (RFC 5280 4.1.2.5.1): UTCTime years 50..99 are 19xx, 00..49 are 20xx
  const y = utcTime ? (Number(m[1]) >= 50 ? `19${m[1]}` : `20${m[1]}`) : m[1];
  return `${y}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${s.endsWith('Z') ? 'Z' : ''}`;
}

/** Short text for one node (without children). */
export function describeDerNode(n: DerNode): string {
  const name =
    n.tagClass === 'universal'
      ? (UNIVERSAL_NAMES[n.tag] ?? `UNIVERSAL ${n.tag}`)
      : n.tagClass === 'context'
        ? `[${n.tag}]`
        : `[${n.tagClass.toUpperCase()} ${n.tag}]`;
  if (n.children)
    return `${name} (${n.children.length} element${n.children.length === 1 ? '' : 's'}, ${n.length} bytes)`;
  const d = n.decoded;
  if (!d) return n.value.length ? `${name} ${toHex(n.value)}` : name;
  switch (d.kind) {
    case 'boolean':
      return `${name} ${d.value}`;
    case 'integer':
    case 'enumerated':
      return `${name} ${d.value}${d.value > 9n || d.value < 0n ? ` (0x${toHex(n.value)})` : ''}`;
    case 'null':
      return name;
    case 'oid':
      return `${name} ${d.value}${OID_NAMES[d.value] ? ` (${OID_NAMES[d.value]})` : ''}`;
    case 'bit-string':
      return `${name} unused ${d.unusedBits}${d.bytes.length ? ` ${toHex(d.bytes)}` : ''}`;
    case 'octet-string':
      return `${name}(${d.bytes.length})${d.bytes.length ? ` ${toHex(d.bytes)}` : ''}`;
    case 'string':
      return `${name} ${JSON.stringify(d.value)}`;
    case 'time':
      return `${name} ${formatDerTime(d.value, n.tag === DER_TAG.UTCTime)}`;
  }
}

/** A few OIDs that appear in GBCS certificates (RFC 5480, RFC 5280, X.520). */
const OID_NAMES: Record<string, string> = {
  '1.2.840.10045.2.1': 'id-ecPublicKey',
  '1.2.840.10045.3.1.7': 'prime256v1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '2.5.4.3': 'commonName',
  '2.5.4.11': 'organizationalUnitName',
  '2.5.4.45': 'uniqueIdentifier',
  '2.5.29.14': 'subjectKeyIdentifier',
  '2.5.29.15': 'keyUsage',
  '2.5.29.17': 'subjectAltName',
  '2.5.29.19': 'basicConstraints',
  '2.5.29.32': 'certificatePolicies',
  '2.5.29.35': 'authorityKeyIdentifier',
};

/** Tree lines, two spaces per level. */
export function renderDer(n: DerNode, indent = 0): string[] {
  const lines = [`${'  '.repeat(indent)}${describeDerNode(n)}`];
  if (n.children) for (const c of n.children) lines.push(...renderDer(c, indent + 1));
  return lines;
}
