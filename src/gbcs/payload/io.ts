/**
 * Cursor-style byte reader and growable writer shared by the payload codecs.
 * Every read is bounds-checked and fails with a typed GBCS error carrying the
 * absolute offset in the payload, so a decoder never throws an untyped error.
 */
import { GbcsMalformedError, GbcsTruncatedError } from '../errors.ts';

export class PayloadReader {
  pos: number;
  readonly end: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new GbcsTruncatedError(
        `${what}: needs ${n} byte(s), ${Math.max(0, this.remaining)} left`,
        this.pos,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }

  peek(what: string): number {
    this.need(1, what);
    return this.buf[this.pos];
  }

  u16(what: string): number {
    this.need(2, what);
    const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1];
    this.pos += 2;
    return v;
  }

  u16le(what: string): number {
    this.need(2, what);
    const v = this.buf[this.pos] | (this.buf[this.pos + 1] << 8);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  u64(what: string): bigint {
    const hi = BigInt(this.u32(what));
    const lo = BigInt(this.u32(what));
    return (hi << 32n) | lo;
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  view(n: number, what: string): DataView {
    this.need(n, what);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return v;
  }

  /**
   * A-XDR length (DLMS Green Book, BER-style): one byte below 0x80, else
   * 0x80|n followed by n big-endian bytes. Non-minimal forms are refused so that
   * every payload that decodes re-encodes to the same bytes.
   */
  axdrLength(what: string): number {
    const at = this.pos;
    const first = this.u8(what);
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n === 0) throw new GbcsMalformedError(`${what}: indefinite length not allowed in A-XDR`, at);
    if (n > 4) throw new GbcsMalformedError(`${what}: length of ${n} length octets is too large`, at);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.u8(what);
    if (v < 0x80 || (n > 1 && v < 2 ** (8 * (n - 1)))) {
      throw new GbcsMalformedError(`${what}: non-minimal length encoding`, at);
    }
    return v;
  }
}

export class PayloadWriter {
  private buf = new Uint8Array(64);
  private len = 0;

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number): this {
    this.grow(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }

  u16le(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }

  u32(v: number): this {
    return this.u8(v >>> 24)
      .u8(v >>> 16)
      .u8(v >>> 8)
      .u8(v);
  }

  u64(v: bigint): this {
    const x = BigInt.asUintN(64, v);
    return this.u32(Number(x >> 32n)).u32(Number(x & 0xffffffffn));
  }

  bytes(b: Uint8Array): this {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Minimal A-XDR length. */
  axdrLength(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
      throw new RangeError(`A-XDR length out of range: ${n}`);
    if (n < 0x80) return this.u8(n);
    const octets: number[] = [];
    let v = n;
    while (v > 0) {
      octets.unshift(v & 0xff);
      v = Math.floor(v / 256);
    }
    this.u8(0x80 | octets.length);
    for (const o of octets) this.u8(o);
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
