/**
 * A minimal DER reader and writer for the few structures GBCS certificates
 * need beyond what @peculiar/x509 exposes (the HardwareModuleName otherName
 * of device certificates, the x500UniqueIdentifier of remote-party
 * certificates). Strict and bounds-checked; errors are typed.
 */
import { GbcsMalformedError } from './errors.ts';

export interface Tlv {
  tag: number;
  /** offset of the tag in `bytes` */
  offset: number;
  /** offset of the value in `bytes` */
  start: number;
  /** offset after the value */
  end: number;
  value: Uint8Array;
}

/** Reads one TLV at `offset` of `b` (single-byte tags; definite lengths up to 4 bytes). */
export function readTlv(b: Uint8Array, offset: number): Tlv {
  if (offset + 2 > b.length) throw new GbcsMalformedError('DER: truncated TLV', offset);
  const tag = b[offset];
  let o = offset + 1;
  let len = b[o++];
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || o + n > b.length) throw new GbcsMalformedError('DER: bad length', offset + 1);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[o++];
  }
  if (o + len > b.length) throw new GbcsMalformedError('DER: value truncated', o);
  return { tag, offset, start: o, end: o + len, value: b.subarray(o, o + len) };
}

/** The TLVs contained in a constructed value. */
export function children(value: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let o = 0;
  while (o < value.length) {
    const t = readTlv(value, o);
    out.push(t);
    o = t.end;
  }
  return out;
}

function encodeLength(len: number): number[] {
  if (len < 0x80) return [len];
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** Encodes a TLV. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const head = [tag, ...encodeLength(n)];
  const out = new Uint8Array(head.length + n);
  out.set(head, 0);
  let o = head.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Encodes an OBJECT IDENTIFIER from dotted form. */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((s) => Number.parseInt(s, 10));
  const bytes: number[] = [arcs[0] * 40 + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const enc: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) enc.unshift(0x80 | (v & 0x7f));
    bytes.push(...enc);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

/** Decodes an OBJECT IDENTIFIER value (without tag/length) to dotted form. */
export function oidToString(v: Uint8Array): string {
  if (v.length === 0) return '';
  const arcs = [Math.floor(v[0] / 40), v[0] % 40];
  let acc = 0;
  for (let i = 1; i < v.length; i++) {
    acc = acc * 128 + (v[i] & 0x7f);
    if ((v[i] & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
    }
  }
  return arcs.join('.');
}
