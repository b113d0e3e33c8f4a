/** Small byte helpers shared by every codec. Pure. */

/** ASCII of the 16 upper-case hex digits. */
const HEX_DIGITS = Uint8Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));
/** Where toHex writes the digits' ASCII before reading them as one string (grown on demand). */
let hexScratch = Buffer.allocUnsafe(128);

/**
 * Upper-case hex, no separators, as one flat string: the digits are written
 * as ASCII into a scratch buffer and read as latin1. Appending two digits a
 * byte kept a rope of one cons cell per byte wherever the text was stored
 * (about 16 bytes of heap per byte of input: a meter's event log of response
 * hex grew by some 20 KB a home-day, a 16-byte certificate serial held about
 * 500 bytes, an EUI 220: Map keys, certificates, device tables; measured in
 * heap snapshots, issue 16), and was slower (8 bytes: about 120 -> 70 ns).
 */
export function toHex(b: Uint8Array): string {
  const n = b.length * 2;
  if (n > hexScratch.length) hexScratch = Buffer.allocUnsafe(Math.max(n, hexScratch.length * 2));
  const out = hexScratch;
  for (let i = 0, j = 0; i < b.length; i++, j += 2) {
    const x = b[i];
    out[j] = HEX_DIGITS[x >> 4];
    out[j + 1] = HEX_DIGITS[x & 15];
  }
  return out.toString('latin1', 0, n);
}

/** Parses hex (any case; spaces, colons and dashes ignored). Throws RangeError on odd length or bad digits. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/[\s:-]/g, '');
  if (clean.length % 2 !== 0) throw new RangeError(`hex string has odd length ${clean.length}`);
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new RangeError('hex string has a non-hex character');
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** 8-byte big-endian unsigned. */
export function u64be(v: bigint): Uint8Array {
  if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`u64 out of range: ${v}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v);
  return out;
}

export function readU64be(b: Uint8Array, offset: number): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(offset);
}

/** An EUI-64 as 16 upper-case hex digits (the form GBCS prints). */
export type Eui = string;

export function euiFromBytes(b: Uint8Array, offset = 0): Eui {
  return toHex(b.subarray(offset, offset + 8));
}

const CANONICAL_EUI = /^[0-9A-F]{16}$/;

/** Accepts `00DB1234567890A0`, `00-DB-12-...` or `00:db:...`; returns the canonical 16-digit form. */
export function normaliseEui(s: string): Eui {
  if (s.length === 16 && CANONICAL_EUI.test(s)) return s; // already canonical (the hot case: every HAN frame)
  const clean = s.replace(/[\s:-]/g, '').toUpperCase();
  if (!/^[0-9A-F]{16}$/.test(clean)) throw new RangeError(`not an EUI-64: ${JSON.stringify(s)}`);
  return clean;
}

/** DUIS form: `00-DB-12-34-56-78-90-A0`. */
export function euiToDuis(eui: Eui): string {
  const e = normaliseEui(eui);
  return `${e.slice(0, 2)}-${e.slice(2, 4)}-${e.slice(4, 6)}-${e.slice(6, 8)}-${e.slice(8, 10)}-${e.slice(10, 12)}-${e.slice(12, 14)}-${e.slice(14)}`;
}
