/**
 * ZigBee OTA Upgrade (cluster 0x0019) as the firmware distribution uses it
 * (docs/chf.md "Firmware distribution"): the OTA Upgrade Image file and the
 * Image Block Response frames that carry it over the HAN. Pure, bytes in and
 * out.
 *
 * The file: the ZigBee OTA header (56 bytes, no optional fields: file
 * identifier 0x0BEEF11E, header version 0x0100, header length, field control
 * 0, manufacturer code, image type, file version, stack version 2, 32-byte
 * header string, total image size, all little-endian), the manufacturer image,
 * and **PROVISIONAL** a 32-byte trailer: SHA-256 of header and manufacturer
 * image (GBCS 11.2 has the image hash the device checks and that CS06 names;
 * its exact layout and the manufacturer's signature are not modelled here).
 * Image type: the GBCS DeviceType the image is for (0 GSME, 1 ESME, 2 CHF, ...;
 * **PROVISIONAL**, ZigBee leaves image types to the manufacturer).
 */
import { createHash } from 'node:crypto';

export const OTA_FILE_IDENTIFIER = 0x0beef11e;
export const OTA_HEADER_LENGTH = 56;
const HASH_LENGTH = 32;
/** ZCL command id of Image Block Response (server to client). */
export const OTA_IMAGE_BLOCK_RESPONSE = 0x05;

export class OtaImageError extends Error {
  override readonly name = 'OtaImageError';
}

export interface OtaImage {
  manufacturerCode: number;
  imageType: number;
  /** 4 bytes, as a u32 */
  fileVersion: number;
  headerString: string;
  /** the manufacturer image (the firmware itself) */
  image: Uint8Array;
  /** SHA-256 of header and manufacturer image, hex upper case (the trailer, checked) */
  hash: string;
  /** total file size */
  size: number;
}

/** The file version as GBCS firmware versions are written (4 bytes, hex upper case). */
export function fileVersionHex(v: number): string {
  return v.toString(16).toUpperCase().padStart(8, '0');
}

export function encodeOtaImage(o: {
  manufacturerCode: number;
  imageType: number;
  fileVersion: number;
  headerString?: string;
  image: Uint8Array;
}): Uint8Array {
  const total = OTA_HEADER_LENGTH + o.image.length + HASH_LENGTH;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, OTA_FILE_IDENTIFIER, true);
  v.setUint16(4, 0x0100, true);
  v.setUint16(6, OTA_HEADER_LENGTH, true);
  v.setUint16(8, 0, true);
  v.setUint16(10, o.manufacturerCode, true);
  v.setUint16(12, o.imageType, true);
  v.setUint32(14, o.fileVersion >>> 0, true);
  v.setUint16(18, 0x0002, true);
  out.set(new TextEncoder().encode((o.headerString ?? '').slice(0, 32)), 20);
  v.setUint32(52, total, true);
  out.set(o.image, OTA_HEADER_LENGTH);
  out.set(sha256(out.subarray(0, OTA_HEADER_LENGTH + o.image.length)), OTA_HEADER_LENGTH + o.image.length);
  return out;
}

/** True when the bytes start with the OTA file identifier (a file, not a GBCS message). */
export function isOtaImage(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) === OTA_FILE_IDENTIFIER
  );
}

/** Parses and verifies a file: header fields, total size, trailer hash. Throws OtaImageError. */
export function decodeOtaImage(bytes: Uint8Array): OtaImage {
  if (bytes.length < OTA_HEADER_LENGTH + HASH_LENGTH)
    throw new OtaImageError(`file of ${bytes.length} bytes`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== OTA_FILE_IDENTIFIER) throw new OtaImageError('not an OTA file identifier');
  if (v.getUint16(6, true) !== OTA_HEADER_LENGTH) throw new OtaImageError('header length');
  if (v.getUint16(8, true) !== 0) throw new OtaImageError('optional header fields are not supported');
  const size = v.getUint32(52, true);
  if (size !== bytes.length) throw new OtaImageError(`total image size ${size}, file ${bytes.length}`);
  const body = bytes.length - HASH_LENGTH;
  const want = sha256(bytes.subarray(0, body));
  const got = bytes.subarray(body);
  if (!want.every((b, i) => b === got[i])) throw new OtaImageError('image hash does not verify');
  const hs = bytes.subarray(20, 52);
  const end = hs.indexOf(0);
  return {
    manufacturerCode: v.getUint16(10, true),
    imageType: v.getUint16(12, true),
    fileVersion: v.getUint32(14, true),
    headerString: new TextDecoder().decode(end < 0 ? hs : hs.subarray(0, end)),
    image: bytes.slice(OTA_HEADER_LENGTH, body),
    hash: Buffer.from(want).toString('hex').toUpperCase(),
    size,
  };
}

export interface OtaBlock {
  sequence: number;
  manufacturerCode: number;
  imageType: number;
  fileVersion: number;
  offset: number;
  data: Uint8Array;
}

/** ZCL Image Block Response, status SUCCESS (frame control: cluster specific, server to client, no default response). */
export function encodeOtaBlock(b: OtaBlock): Uint8Array {
  if (b.data.length > 255) throw new RangeError('OTA block data over 255 bytes');
  const out = new Uint8Array(3 + 1 + 2 + 2 + 4 + 4 + 1 + b.data.length);
  const v = new DataView(out.buffer);
  out[0] = 0x19;
  out[1] = b.sequence & 0xff;
  out[2] = OTA_IMAGE_BLOCK_RESPONSE;
  out[3] = 0x00;
  v.setUint16(4, b.manufacturerCode, true);
  v.setUint16(6, b.imageType, true);
  v.setUint32(8, b.fileVersion >>> 0, true);
  v.setUint32(12, b.offset, true);
  out[16] = b.data.length;
  out.set(b.data, 17);
  return out;
}

/** Reads an Image Block Response; null for any other OTA frame. Throws OtaImageError when truncated. */
export function decodeOtaBlock(asdu: Uint8Array): OtaBlock | null {
  if (asdu.length < 3 || asdu[2] !== OTA_IMAGE_BLOCK_RESPONSE || (asdu[0]! & 0x03) !== 0x01) return null;
  if (asdu.length < 17 || asdu[3] !== 0)
    throw new OtaImageError('Image Block Response truncated or not SUCCESS');
  const v = new DataView(asdu.buffer, asdu.byteOffset, asdu.byteLength);
  const n = asdu[16]!;
  if (asdu.length !== 17 + n) throw new OtaImageError('Image Block Response data size');
  return {
    sequence: asdu[1]!,
    manufacturerCode: v.getUint16(4, true),
    imageType: v.getUint16(6, true),
    fileVersion: v.getUint32(8, true),
    offset: v.getUint32(12, true),
    data: asdu.slice(17),
  };
}

/** Splits a file into Image Block Responses of `blockSize` bytes. */
export function otaBlocks(file: Uint8Array, blockSize = 48): OtaBlock[] {
  const h = decodeOtaImageHeaderOnly(file);
  const out: OtaBlock[] = [];
  for (let off = 0, seq = 0; off < file.length; off += blockSize, seq++)
    out.push({ ...h, sequence: seq, offset: off, data: file.slice(off, off + blockSize) });
  return out;
}

function decodeOtaImageHeaderOnly(file: Uint8Array): {
  manufacturerCode: number;
  imageType: number;
  fileVersion: number;
} {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  return {
    manufacturerCode: v.getUint16(10, true),
    imageType: v.getUint16(12, true),
    fileVersion: v.getUint32(14, true),
  };
}

/**
 * Reassembles one file from its blocks (in order; a block at another offset
 * than expected restarts nothing and is refused). `add` returns the whole
 * file once the last byte arrived.
 */
export class OtaReceiver {
  private parts: Uint8Array[] = [];
  private received = 0;
  private total: number | null = null;
  private version: number | null = null;

  add(b: OtaBlock): Uint8Array | null {
    if (b.offset === 0) {
      this.parts = [];
      this.received = 0;
      this.total = null;
      this.version = b.fileVersion;
    }
    if (b.fileVersion !== this.version || b.offset !== this.received)
      throw new OtaImageError(`block at ${b.offset}, expected ${this.received} of version ${this.version}`);
    this.parts.push(b.data);
    this.received += b.data.length;
    if (this.total === null && this.received >= OTA_HEADER_LENGTH) {
      const head = concat(this.parts);
      this.total = new DataView(head.buffer).getUint32(52, true);
    }
    if (this.total !== null && this.received >= this.total) {
      const file = concat(this.parts).subarray(0, this.total);
      this.parts = [];
      this.received = 0;
      this.total = null;
      this.version = null;
      return file;
    }
    return null;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function sha256(b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(b).digest());
}
