/**
 * DER-style length fields as GBCS uses them (GBCS 7.2: lengths of the
 * ciphered content, other-information and content): `L` (< 128), `81 L` or
 * `82 LL LL`. The number of bytes used is kept so a decoded message can be
 * re-encoded byte for byte, even where a sender chose a longer form than
 * needed.
 */
import { GbcsMalformedError, GbcsTruncatedError } from './errors.ts';

/** How many bytes a length field occupies: 1 (`L`), 2 (`81 L`) or 3 (`82 LL LL`). */
export type LengthForm = 1 | 2 | 3;

/**
 * Reads a length at `offset`. Returns the length; the form (1..3) is `formOf(bytes[offset])`.
 * Throws typed errors on a truncated or unsupported form.
 */
export function readLength(b: Uint8Array, offset: number, what: string): number {
  if (offset >= b.length) throw new GbcsTruncatedError(`${what}: length missing`, offset);
  const f = b[offset];
  if (f < 0x80) return f;
  if (f === 0x81) {
    if (offset + 1 >= b.length) throw new GbcsTruncatedError(`${what}: length truncated`, offset);
    return b[offset + 1];
  }
  if (f === 0x82) {
    if (offset + 2 >= b.length) throw new GbcsTruncatedError(`${what}: length truncated`, offset);
    return (b[offset + 1] << 8) | b[offset + 2];
  }
  throw new GbcsMalformedError(`${what}: unsupported length form 0x${f.toString(16)}`, offset);
}

/** Bytes used by the length field whose first byte is `first` (call after readLength succeeded). */
export function formOf(first: number): LengthForm {
  return first < 0x80 ? 1 : first === 0x81 ? 2 : 3;
}

/** The shortest form that holds `len`. */
export function minimalForm(len: number): LengthForm {
  return len < 0x80 ? 1 : len < 0x100 ? 2 : 3;
}

/** Writes `len` in `form` (or the minimal form) at `offset`; returns the offset after it. */
export function writeLength(out: Uint8Array, offset: number, len: number, form?: LengthForm): number {
  const f = form !== undefined && form >= minimalForm(len) ? form : minimalForm(len);
  if (len > 0xffff) throw new RangeError(`length ${len} exceeds the 82 LL LL form`);
  if (f === 1) {
    out[offset] = len;
    return offset + 1;
  }
  if (f === 2) {
    out[offset] = 0x81;
    out[offset + 1] = len;
    return offset + 2;
  }
  out[offset] = 0x82;
  out[offset + 1] = len >> 8;
  out[offset + 2] = len & 0xff;
  return offset + 3;
}
