/**
 * Little-endian field readers and writers for ZigBee frames (ZCL and APS
 * multi-byte fields are little-endian). Readers check bounds and throw
 * `ZigbeeTruncatedError` with the offset, so decoders never read past the end.
 */
import { ZigbeeMalformedError, ZigbeeTruncatedError } from './errors.ts';

export function need(data: Uint8Array, offset: number, n: number, what: string): void {
  if (offset < 0 || offset + n > data.length)
    throw new ZigbeeTruncatedError(
      `${what}: needs ${n} byte(s), ${Math.max(0, data.length - offset)} left`,
      offset,
    );
}

export function readU8(data: Uint8Array, offset: number, what: string): number {
  need(data, offset, 1, what);
  return data[offset];
}

export function readU16le(data: Uint8Array, offset: number, what: string): number {
  need(data, offset, 2, what);
  return data[offset] | (data[offset + 1] << 8);
}

export function readU32le(data: Uint8Array, offset: number, what: string): number {
  need(data, offset, 4, what);
  return (data[offset] | (data[offset + 1] << 8) | (data[offset + 2] << 16) | (data[offset + 3] << 24)) >>> 0;
}

/** ZCL boolean: 0x00 false, 0x01 true; anything else (0xFF is "invalid") is malformed. */
export function readBool(data: Uint8Array, offset: number, what: string): boolean {
  const v = readU8(data, offset, what);
  if (v === 0) return false;
  if (v === 1) return true;
  throw new ZigbeeMalformedError(
    `${what}: 0x${v.toString(16).padStart(2, '0')} is not a ZCL boolean`,
    offset,
  );
}

export function checkUint(v: number, bits: 8 | 16 | 32, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 2 ** bits - 1)
    throw new RangeError(`${what} must be an unsigned ${bits}-bit integer, got ${v}`);
}

/** A tiny append-only writer. Encoders validate ranges with RangeError (a programming error, not bad input). */
export class ByteWriter {
  private buf: Uint8Array;
  private len = 0;
  constructor(capacity = 32) {
    this.buf = new Uint8Array(capacity);
  }
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u8(v: number, what = 'u8'): this {
    checkUint(v, 8, what);
    this.ensure(1);
    this.buf[this.len++] = v;
    return this;
  }
  u16le(v: number, what = 'u16'): this {
    checkUint(v, 16, what);
    this.ensure(2);
    this.buf[this.len++] = v & 0xff;
    this.buf[this.len++] = v >>> 8;
    return this;
  }
  u32le(v: number, what = 'u32'): this {
    checkUint(v, 32, what);
    this.ensure(4);
    this.buf[this.len++] = v & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = v >>> 24;
    return this;
  }
  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  finish(): Uint8Array {
    // a writer sized exactly (a codec that counted its bytes first) hands over its buffer, no copy
    return this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
  }
}
