/**
 * ZigBee security primitives (SECMP0038 CH-9: PPMID-CH traffic protected
 * with APS link-key security, key derived from the install code held in the
 * CHF Device Log). node:crypto only:
 *   - install code CRC-16 (CRC-16/X-25, as ZigBee install codes use, stored
 *     little-endian in the last two bytes);
 *   - the Matyas-Meyer-Oseas hash on AES-128 (ZigBee spec B.6, "AES-MMO");
 *   - the keyed hash HMAC-MMO (ZigBee spec B.1.4) and the key-transport /
 *     key-load / verify-key derivations (ZigBee spec 4.5.3);
 *   - CCM* (ZigBee spec Annex A / B.1.2) with the 13-byte ZigBee nonce.
 */
import { type Cipher, createCipheriv } from 'node:crypto';
import { ZigbeeInstallCodeError, ZigbeeMalformedError, ZigbeeMicInvalidError } from './errors.ts';

const BLOCK = 16;

/** CRC-16/X-25 (reflected poly 0x1021 = 0x8408, init 0xFFFF, final XOR 0xFFFF). */
export function installCodeCrc16(data: Uint8Array): number {
  let crc = 0xffff;
  for (let i = 0; i < data.length; i++) {
    crc ^= data[i];
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return (crc ^ 0xffff) & 0xffff;
}

/** Install code lengths SE allows, without the 2-byte CRC (ZSE: 6, 8, 12 or 16 bytes). */
export const INSTALL_CODE_LENGTHS = [6, 8, 12, 16] as const;

/** Whether `installCodeWithCrc` is an install code of an allowed length followed by its CRC-16 (little-endian). */
export function isInstallCodeWithCrc(installCodeWithCrc: Uint8Array): boolean {
  const n = installCodeWithCrc.length - 2;
  if (!(INSTALL_CODE_LENGTHS as readonly number[]).includes(n)) return false;
  return (
    installCodeCrc16(installCodeWithCrc.subarray(0, n)) ===
    (installCodeWithCrc[n] | (installCodeWithCrc[n + 1] << 8))
  );
}

/** Checks the install code (code || CRC-16 little-endian) and returns it unchanged. Throws ZigbeeInstallCodeError. */
export function checkInstallCode(installCodeWithCrc: Uint8Array): Uint8Array {
  const n = installCodeWithCrc.length - 2;
  if (!(INSTALL_CODE_LENGTHS as readonly number[]).includes(n))
    throw new ZigbeeInstallCodeError(
      `install code must be 6, 8, 12 or 16 bytes plus a 2-byte CRC, got ${installCodeWithCrc.length} bytes`,
    );
  const want = installCodeCrc16(installCodeWithCrc.subarray(0, n));
  const got = installCodeWithCrc[n] | (installCodeWithCrc[n + 1] << 8);
  if (want !== got)
    throw new ZigbeeInstallCodeError(
      `install code CRC is ${hex4(got)} (little-endian on the label), expected ${hex4(want)}`,
    );
  return installCodeWithCrc;
}

/** Appends the little-endian CRC-16 to a bare install code (for tests and provisioning tools). */
export function withInstallCodeCrc(code: Uint8Array): Uint8Array {
  const crc = installCodeCrc16(code);
  const out = new Uint8Array(code.length + 2);
  out.set(code);
  out[code.length] = crc & 0xff;
  out[code.length + 1] = crc >>> 8;
  return out;
}

/** The preconfigured link key of a device: AES-MMO hash of its install code including the CRC. */
export function linkKeyFromInstallCode(installCodeWithCrc: Uint8Array): Uint8Array {
  return mmoHash(checkInstallCode(installCodeWithCrc));
}

function aesEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return new Uint8Array(c.update(block));
}

/**
 * Matyas-Meyer-Oseas hash over AES-128 (ZigBee spec B.6): pad M with a 1 bit,
 * zeros and the bit length (16 bits when M is shorter than 2^16 bits;
 * otherwise 32 bits followed by 16 zero bits), then Hash_j = E(Hash_{j-1}, M_j)
 * XOR M_j starting from an all-zero Hash_0.
 */
export function mmoHash(message: Uint8Array): Uint8Array {
  const bits = message.length * 8;
  if (bits >= 2 ** 32) throw new RangeError('MMO hash input must be shorter than 2^32 bits');
  const long = bits >= 0x10000;
  const trailer = long ? 6 : 2;
  let padded = message.length + 1 + trailer;
  padded += (BLOCK - (padded % BLOCK)) % BLOCK;
  const m = new Uint8Array(padded);
  m.set(message);
  m[message.length] = 0x80;
  if (long) {
    const p = padded - 6;
    m[p] = bits >>> 24;
    m[p + 1] = (bits >>> 16) & 0xff;
    m[p + 2] = (bits >>> 8) & 0xff;
    m[p + 3] = bits & 0xff;
  } else {
    m[padded - 2] = bits >>> 8;
    m[padded - 1] = bits & 0xff;
  }
  let h: Uint8Array = new Uint8Array(BLOCK);
  for (let o = 0; o < padded; o += BLOCK) {
    const block = m.subarray(o, o + BLOCK);
    const e = aesEncryptBlock(h, block);
    for (let i = 0; i < BLOCK; i++) e[i] ^= block[i];
    h = e;
  }
  return h;
}

/** HMAC over the MMO hash with a 16-byte block (ZigBee spec B.1.4, FIPS 198); longer keys are hashed first. */
export function hmacMmo(key: Uint8Array, message: Uint8Array): Uint8Array {
  const k0 = new Uint8Array(BLOCK);
  k0.set(key.length > BLOCK ? mmoHash(key) : key);
  const inner = new Uint8Array(BLOCK + message.length);
  const outer = new Uint8Array(BLOCK * 2);
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = k0[i] ^ 0x36;
    outer[i] = k0[i] ^ 0x5c;
  }
  inner.set(message, BLOCK);
  outer.set(mmoHash(inner), BLOCK);
  return mmoHash(outer);
}

/** ZigBee keyed hash of one input byte (ZigBee spec 4.5.3). */
export function keyedHash(key: Uint8Array, input: number): Uint8Array {
  return hmacMmo(key, Uint8Array.of(input));
}

/** Key-transport key: protects APS Transport-Key commands (keyed hash with 0x00). */
export function keyTransportKey(linkKey: Uint8Array): Uint8Array {
  return keyedHash(linkKey, 0x00);
}

/** Key-load key: protects APS commands that load a link key (keyed hash with 0x02). */
export function keyLoadKey(linkKey: Uint8Array): Uint8Array {
  return keyedHash(linkKey, 0x02);
}

/** Verify key: used by the Trust Center link-key verification (keyed hash with 0x03). */
export function verifyKey(linkKey: Uint8Array): Uint8Array {
  return keyedHash(linkKey, 0x03);
}

/** ZigBee security levels (security control bits 0-2). */
export const SecurityLevel = {
  None: 0,
  Mic32: 1,
  Mic64: 2,
  Mic128: 3,
  Enc: 4,
  EncMic32: 5,
  EncMic64: 6,
  EncMic128: 7,
} as const;
export type SecurityLevel = (typeof SecurityLevel)[keyof typeof SecurityLevel];

/** MIC length M in bytes for a security level. */
export function micLength(level: number): 0 | 4 | 8 | 16 {
  return ([0, 4, 8, 16] as const)[level & 3];
}

/** Whether a security level encrypts (levels 4-7). */
export function levelEncrypts(level: number): boolean {
  return (level & 4) !== 0;
}

/**
 * The 13-byte CCM* nonce as ZigBee builds it (ZigBee spec 4.5.2.2): source
 * IEEE address (8 bytes, little-endian as on air) || frame counter (u32 LE)
 * || security control byte (with the real security level in bits 0-2).
 * `sourceEui` is the printed (big-endian) form, as GBCS and the Device Log
 * hold it; it is reversed here.
 */
export function zigbeeNonce(
  sourceEuiBe: Uint8Array,
  frameCounter: number,
  securityControl: number,
): Uint8Array {
  if (sourceEuiBe.length !== 8) throw new RangeError('source address must be 8 bytes');
  const n = new Uint8Array(13);
  for (let i = 0; i < 8; i++) n[i] = sourceEuiBe[7 - i];
  n[8] = frameCounter & 0xff;
  n[9] = (frameCounter >>> 8) & 0xff;
  n[10] = (frameCounter >>> 16) & 0xff;
  n[11] = frameCounter >>> 24;
  n[12] = securityControl;
  return n;
}

export interface CcmStarInput {
  key: Uint8Array;
  /** 13 bytes (L = 2). */
  nonce: Uint8Array;
  /** Authenticated, not encrypted (the frame header and auxiliary header). */
  aad: Uint8Array;
  /** MIC length M: 0, 4, 8 or 16. */
  micLength: 0 | 4 | 8 | 16;
}

/** With a 13-byte nonce the length field is L = 2 bytes: messages up to 65535 bytes. */
export const CCM_STAR_MAX_MESSAGE = 0xffff;

function checkCcm(i: CcmStarInput): void {
  if (i.key.length !== 16) throw new RangeError('CCM* key must be 16 bytes');
  if (i.nonce.length !== 13) throw new RangeError('CCM* nonce must be 13 bytes');
}

/** Counter-mode keystream for CCM* with M = 0 (encryption only): A_i = 0x01 || nonce || i (i from 1). */
function ctrOnly(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): Uint8Array {
  const iv = new Uint8Array(16);
  iv[0] = 0x01; // flags: L - 1
  iv.set(nonce, 1);
  iv[15] = 1;
  const c = createCipheriv('aes-128-ctr', key, iv);
  return new Uint8Array(c.update(data));
}

/**
 * CCM* encryption-and-authentication (ZigBee spec Annex A). With M > 0 this is
 * standard CCM, so node:crypto 'aes-128-ccm' computes it; with M = 0 it is
 * counter mode only. To authenticate without encrypting (levels 1-3) pass an
 * empty plaintext and put everything in `aad`. Returns ciphertext || MIC.
 */
export function ccmStarEncrypt(i: CcmStarInput & { plaintext: Uint8Array }): Uint8Array {
  const out = new Uint8Array(i.plaintext.length + i.micLength);
  ccmStarEncryptInto(i, out, 0);
  return out;
}

/** `ccmStarEncrypt` writing ciphertext || MIC into `out` at `offset` (a frame built in one buffer). */
export function ccmStarEncryptInto(
  i: CcmStarInput & { plaintext: Uint8Array },
  out: Uint8Array,
  offset: number,
): void {
  checkCcm(i);
  const n = i.plaintext.length;
  if (n > CCM_STAR_MAX_MESSAGE) throw new RangeError('CCM* message longer than 65535 bytes');
  if (offset + n + i.micLength > out.length) throw new RangeError('CCM* output does not fit the buffer');
  if (i.micLength === 0) {
    out.set(ctrOnly(i.key, i.nonce, i.plaintext), offset);
    return;
  }
  const aes = aesContexts(i.key);
  const s = keystream(aes, i.nonce, n);
  const t = cbcMac(aes, i.nonce, i.aad, i.plaintext, i.micLength);
  for (let k = 0; k < n; k++) out[offset + k] = i.plaintext[k] ^ s[16 + k];
  for (let k = 0; k < i.micLength; k++) out[offset + n + k] = t[k] ^ s[k];
}

/**
 * The AES-128 engine of one key, kept loaded as a radio keeps its key in its
 * AES block: a CBC context for CCM's CBC-MAC and an ECB context for its
 * counter-mode keystream, so a frame costs two AES calls and no key schedule.
 * CCM (RFC 3610, ZigBee spec Annex A.2 and A.3) is composed here from those
 * node:crypto AES calls; tested equal to node's 'aes-128-ccm' (security.test.ts).
 */
interface AesContexts {
  key: Uint8Array;
  cbc: Cipher;
  /** the CBC context's chaining value (its last output block): the IV of its next call */
  chain: Uint8Array;
  ecb: Cipher;
}

const aesByKey = new WeakMap<Uint8Array, AesContexts>();

function aesContexts(key: Uint8Array): AesContexts {
  let c = aesByKey.get(key);
  if (c && bytesEq(c.key, key)) return c;
  const cbc = createCipheriv('aes-128-cbc', key, new Uint8Array(BLOCK));
  cbc.setAutoPadding(false);
  const ecb = createCipheriv('aes-128-ecb', key, null);
  ecb.setAutoPadding(false);
  c = { key: key.slice(), cbc, chain: new Uint8Array(BLOCK), ecb };
  aesByKey.set(key, c);
  return c;
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * The input blocks of one AES call (keystream counters, CBC-MAC blocks), written
 * whole before each call and read by it only: one buffer reused, not a new
 * (off-heap, above 64 bytes) array per frame and direction.
 */
let aesInput = new Uint8Array(32 * BLOCK);
/** `aesInput`'s views by block count (a frame's AES calls take whole views: none made per call). */
let aesInputViews: Uint8Array[] = [];

function aesInputOf(bytes: number): Uint8Array {
  if (aesInput.length < bytes) {
    aesInput = new Uint8Array(Math.max(bytes, aesInput.length * 2));
    aesInputViews = [];
  }
  const b = bytes / BLOCK;
  let v = aesInputViews[b];
  if (!v) {
    v = aesInput.subarray(0, bytes);
    aesInputViews[b] = v;
  }
  return v;
}

/** S_0 || S_1 ... : E(A_i) with A_i = flags (L - 1) || nonce || i, enough for `n` message bytes. */
function keystream(aes: AesContexts, nonce: Uint8Array, n: number): Uint8Array {
  const blocks = 1 + Math.ceil(n / BLOCK);
  // every byte of every block is written below
  const a = aesInputOf(blocks * BLOCK);
  for (let b = 0; b < blocks; b++) {
    const o = b * BLOCK;
    a[o] = 0x01;
    a.set(nonce, o + 1);
    a[o + 14] = b >>> 8;
    a[o + 15] = b & 0xff;
  }
  return aes.ecb.update(a);
}

/**
 * CCM's authentication tag T: the first M bytes of the returned block (the
 * last CBC-MAC block over B_0, the encoded `aad` and the message; the
 * context's chaining value, valid until its next call).
 */
function cbcMac(aes: AesContexts, nonce: Uint8Array, aad: Uint8Array, m: Uint8Array, M: number): Uint8Array {
  const la = aad.length === 0 ? 0 : aad.length < 0xff00 ? 2 : 6;
  const aBlocks = Math.ceil((la + aad.length) / BLOCK);
  const mBlocks = Math.ceil(m.length / BLOCK);
  const x = aesInputOf((1 + aBlocks + mBlocks) * BLOCK);
  x.fill(0, BLOCK); // the length encoding's and the padding's zero bytes (B_0 is written whole)
  x[0] = (aad.length > 0 ? 0x40 : 0) | (((M - 2) / 2) << 3) | 0x01;
  x.set(nonce, 1);
  x[14] = m.length >>> 8;
  x[15] = m.length & 0xff;
  let o = BLOCK;
  if (la === 2) {
    x[o] = aad.length >>> 8;
    x[o + 1] = aad.length & 0xff;
  } else if (la === 6) {
    x[o] = 0xff;
    x[o + 1] = 0xfe;
    x[o + 2] = aad.length >>> 24;
    x[o + 3] = (aad.length >>> 16) & 0xff;
    x[o + 4] = (aad.length >>> 8) & 0xff;
    x[o + 5] = aad.length & 0xff;
  }
  x.set(aad, o + la);
  o = (1 + aBlocks) * BLOCK;
  x.set(m, o);
  // the CBC context goes on from its last block: undo that chaining so this MAC starts from a zero IV
  for (let k = 0; k < BLOCK; k++) x[k] ^= aes.chain[k];
  const y = aes.cbc.update(x);
  const last = y.length - BLOCK;
  const chain = aes.chain;
  for (let k = 0; k < BLOCK; k++) chain[k] = y[last + k];
  // T: the first M bytes of the last block, which the context keeps as its chaining value
  return chain;
}

/** CCM* decryption-and-verification. Throws ZigbeeMicInvalidError when the MIC does not verify. */
export function ccmStarDecrypt(i: CcmStarInput & { ciphertextAndMic: Uint8Array }): Uint8Array {
  checkCcm(i);
  if (i.ciphertextAndMic.length > CCM_STAR_MAX_MESSAGE + i.micLength)
    throw new ZigbeeMalformedError('secured payload longer than CCM* allows (65535 bytes)');
  if (i.micLength === 0) return ctrOnly(i.key, i.nonce, i.ciphertextAndMic);
  const n = i.ciphertextAndMic.length - i.micLength;
  if (n < 0) throw new ZigbeeMicInvalidError('secured payload is shorter than its MIC');
  const aes = aesContexts(i.key);
  const s = keystream(aes, i.nonce, n);
  const m = new Uint8Array(n);
  for (let k = 0; k < n; k++) m[k] = i.ciphertextAndMic[k] ^ s[16 + k];
  const t = cbcMac(aes, i.nonce, i.aad, m, i.micLength);
  // U = T xor S_0 against the received MIC, every byte looked at (constant time, as timingSafeEqual)
  let diff = 0;
  for (let k = 0; k < i.micLength; k++) diff |= t[k] ^ s[k] ^ i.ciphertextAndMic[n + k];
  if (diff !== 0) throw new ZigbeeMicInvalidError('CCM* MIC does not verify');
  return m;
}

function hex4(v: number): string {
  return v.toString(16).toUpperCase().padStart(4, '0');
}
