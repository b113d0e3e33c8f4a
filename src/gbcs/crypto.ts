/**
 * GBCS cryptographic primitives (GBCS 6 and the facts in docs GBCS.md 3),
 * on node:crypto only:
 * - static-static ECDH P-256 giving Z, cached per key pair (SharedSecretCache, LRU);
 * - the KDF: first 16 bytes of SHA-256(00000001 || Z || OtherInfo);
 * - GMAC (AES-128-GCM over empty plaintext) cut to 12 bytes;
 * - ECDSA P-256/SHA-256 with raw r||s signatures (IEEE P1363);
 * - payload encryption (security header 0x31).
 * Pure functions plus an explicitly owned cache object: no globals.
 */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { LazyMap } from '../runtime/lazy-collections.ts';
import { GbcsDecryptFailedError, GbcsMalformedError } from './errors.ts';
import { MAC_LENGTH, SECURITY_CONTROL_ENCRYPTED } from './types.ts';

/** A P-256 key pair and its public point (uncompressed: 04 || x || y, 65 bytes). */
export interface P256KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  point: Buffer;
}

/**
 * A fresh random P-256 key pair (OpenSSL's EC key generation through
 * `createECDH`), as KeyObjects imported from its JWK, with the public point.
 *
 * Not `generateKeyPairSync('ec')`: on Node 20 its job object is freed by the
 * garbage collector, and its destructor takes the new key's lock; when a
 * collection runs inside an operation that holds that lock (exporting the
 * public key right after, as certificate issuing does), the process
 * deadlocks (seen: a 300-home and a 10,000-home estate set-up stopped with
 * the main thread waiting on that lock in ~KeyGenJob; a loop of
 * generateKeyPairSync + export as JWK stops after some 60,000 keys). The
 * keys are as real: imported with full validation, and the same point.
 * One ECDH object makes every key (`generateKeys()` draws a new one each
 * call); it keeps the last scalar it drew, as the KeyObject made from it does.
 */
export function generateP256KeyPair(): P256KeyPair {
  // One generator for the process: `generateKeys()` makes a new random key pair on each call; a new
  // ECDH object per key built the curve's group each time (about 10-20 us of a key's cost, issue 16).
  keyGenerator ??= createECDH('prime256v1');
  const point = keyGenerator.generateKeys();
  const d = keyGenerator.getPrivateKey();
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
  };
  // the scalar as 32 octets (RFC 7518 6.2.2.1: the full length, leading zeros kept)
  const d32 = d.length < 32 ? Buffer.concat([Buffer.alloc(32 - d.length), d]) : d;
  const privateKey = createPrivateKey({ key: { ...jwk, d: d32.toString('base64url') }, format: 'jwk' });
  d.fill(0);
  d32.fill(0);
  // The public half from the private KeyObject (the point it was imported with, checked there): a
  // second JWK import checked the point again, about 110 us of a key's 290 (issue 16: 10 keys a home).
  return { privateKey, publicKey: createPublicKey(privateKey), point };
}

let keyGenerator: ReturnType<typeof createECDH> | undefined;

/** SubjectPublicKeyInfo of a P-256 key up to the point (RFC 5480: id-ecPublicKey, prime256v1, BIT STRING of 66 bytes). */
export const P256_SPKI_PREFIX = Buffer.from('3059301306072A8648CE3D020106082A8648CE3D030107034200', 'hex');

/** The DER SubjectPublicKeyInfo of a P-256 public point (04 || x || y). */
export function p256SpkiOfPoint(point: Uint8Array): Uint8Array {
  if (point.length !== 65 || point[0] !== 0x04) throw new RangeError('not an uncompressed P-256 point');
  const out = new Uint8Array(P256_SPKI_PREFIX.length + 65);
  out.set(P256_SPKI_PREFIX);
  out.set(point, P256_SPKI_PREFIX.length);
  return out;
}

/**
 * The DER SubjectPublicKeyInfo of a P-256 public key, as `export({ format:
 * 'der', type: 'spki' })` writes it (the uncompressed point 04 || x || y),
 * built from the key's JWK coordinates: node's DER export cost about 130 us
 * a key, the JWK one about 15-35 (issue 16).
 */
export function p256Spki(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y)
    throw new RangeError(`not a P-256 public key (${jwk.kty} ${jwk.crv})`);
  const x = Buffer.from(jwk.x, 'base64url');
  const y = Buffer.from(jwk.y, 'base64url');
  if (x.length !== 32 || y.length !== 32) throw new RangeError('P-256 coordinates must be 32 bytes');
  const out = new Uint8Array(P256_SPKI_PREFIX.length + 65);
  out.set(P256_SPKI_PREFIX);
  out[P256_SPKI_PREFIX.length] = 0x04;
  out.set(x, P256_SPKI_PREFIX.length + 1);
  out.set(y, P256_SPKI_PREFIX.length + 33);
  return out;
}

/** A DER SubjectPublicKeyInfo as node writes it in PEM (`export({ type: 'spki', format: 'pem' })`). */
export function spkiPem(der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.length).toString('base64');
  return `-----BEGIN PUBLIC KEY-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PUBLIC KEY-----\n`;
}

/** A public key's SPKI PEM as `export({ type: 'spki', format: 'pem' })` writes it (P-256 from its coordinates). */
export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.asymmetricKeyType === 'ec' && pub.asymmetricKeyDetails?.namedCurve === 'prime256v1'
    ? spkiPem(p256Spki(pub))
    : pub.export({ type: 'spki', format: 'pem' }).toString();
}

const SPKI_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END PUBLIC KEY-----\r?\n?$/;

/**
 * A P-256 public key from its SPKI PEM, with its DER: a PEM holding exactly a
 * P-256 SPKI with an uncompressed point is read here and the key imported
 * from its coordinates (the point checked on the curve by the import), about
 * a quarter of what OpenSSL's PEM decoders cost (issue 16: the supplier reads
 * every PPMID's reporting key, SU-3); anything else is left to
 * `createPublicKey` (its key, and its error), with the DER node writes.
 */
export function readPublicKeyPem(pem: string): { key: KeyObject; spki: Uint8Array } {
  const m = SPKI_PEM.exec(pem);
  const der = m ? Buffer.from(m[1].replace(/\r?\n/g, ''), 'base64') : undefined;
  if (
    der &&
    der.length === P256_SPKI_PREFIX.length + 65 &&
    der.subarray(0, P256_SPKI_PREFIX.length).equals(P256_SPKI_PREFIX) &&
    der[P256_SPKI_PREFIX.length] === 0x04 &&
    spkiPem(der) === pem.replace(/\r\n/g, '\n').replace(/\n?$/, '\n')
  ) {
    const x = der.subarray(P256_SPKI_PREFIX.length + 1, P256_SPKI_PREFIX.length + 33).toString('base64url');
    const y = der.subarray(P256_SPKI_PREFIX.length + 33).toString('base64url');
    return { key: createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' }), spki: der };
  }
  const key = createPublicKey(pem);
  const spki =
    key.type === 'public' &&
    key.asymmetricKeyType === 'ec' &&
    key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
      ? p256Spki(key)
      : key.export({ type: 'spki', format: 'der' });
  return { key, spki };
}

/** KDF transaction type T (GBCS.md 3). */
export const KDF_COMMAND = 0x01;
export const KDF_RESPONSE = 0x02;
export const KDF_ALERT = 0x03;
export const KDF_PAYLOAD_ENCRYPTION = 0x04;

/** AlgorithmID of the KDF OtherInfo (the GBCS ECDH/AES-GCM suite). */
const KDF_ALGORITHM_ID = Uint8Array.of(0x60, 0x85, 0x74, 0x06, 0x08, 0x03, 0x00);
const KDF_ROUND_ONE = Uint8Array.of(0x00, 0x00, 0x00, 0x01);

/**
 * The 33-byte KDF OtherInfo: AlgorithmID (7) || originator (8) || 09 || T ||
 * counter (8) || recipient (8). Originator/recipient/counter are 8-byte views.
 */
export function kdfOtherInfo(
  originator: Uint8Array,
  t: number,
  counter: Uint8Array,
  recipient: Uint8Array,
  out: Uint8Array = new Uint8Array(33),
): Uint8Array {
  out.set(KDF_ALGORITHM_ID, 0);
  out.set(originator.subarray(0, 8), 7);
  out[15] = 0x09;
  out[16] = t;
  out.set(counter.subarray(0, 8), 17);
  out.set(recipient.subarray(0, 8), 25);
  return out;
}

/** KDF (NIST SP 800-56A concatenation, one round): first 16 bytes of SHA-256(00000001 || Z || OtherInfo). */
export function kdf(z: Uint8Array, otherInfo: Uint8Array): Buffer {
  return createHash('sha256').update(KDF_ROUND_ONE).update(z).update(otherInfo).digest().subarray(0, 16);
}

/** The 12-byte IV: system title (8) || 4-byte invocation counter (always 0 in GBCS). */
export function gcmIv(systemTitle: Uint8Array, invocationCounter = 0): Buffer {
  const iv = Buffer.alloc(12);
  iv.set(systemTitle.subarray(0, 8), 0);
  iv.writeUInt32BE(invocationCounter >>> 0, 8);
  return iv;
}

/** GMAC: AES-128-GCM with empty plaintext; returns the full 16-byte tag. */
export function gmac(key: Uint8Array, iv: Uint8Array, aad: Uint8Array): Buffer {
  const c = createCipheriv('aes-128-gcm', key, iv);
  c.setAAD(aad);
  c.final();
  return c.getAuthTag();
}

/** Constant-time-ish comparison of a received MAC with a computed tag prefix. */
export function macEquals(received: Uint8Array, computed: Uint8Array): boolean {
  if (received.length !== MAC_LENGTH || computed.length < MAC_LENGTH) return false;
  let d = 0;
  for (let i = 0; i < MAC_LENGTH; i++) d |= received[i] ^ computed[i];
  return d === 0;
}

/** Static-static ECDH: Z = x-coordinate of privateKey * publicKey (32 bytes). */
export function ecdhSharedSecret(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  return diffieHellman({ privateKey, publicKey });
}

/** ECDSA P-256 / SHA-256 signature as raw r||s (64 bytes, IEEE P1363). */
export function ecdsaSign(data: Uint8Array, privateKey: KeyObject): Buffer {
  return nodeSign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
}

/** Verifies an r||s ECDSA P-256 / SHA-256 signature. Never throws for a bad signature. */
export function ecdsaVerify(data: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  if (signature.length !== 64) return false;
  try {
    return nodeVerify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/**
 * A bounded LRU cache of ECDH shared secrets per (private key, public key)
 * pair. Z depends only on the pair, so the per-message cost of a MAC is then
 * one SHA-256 and one GMAC. KeyObjects are identified by object identity
 * (callers keep their KeyObjects, e.g. in a KeyStore).
 */
/** An id per KeyObject, one numbering for every cache (a WeakMap per cache was about 0.2 KB each, issue 16). */
const keyObjectIds = new WeakMap<KeyObject, number>();
let nextKeyObjectId = 1;

export class SharedSecretCache {
  readonly capacity: number;
  hits = 0;
  misses = 0;
  /** made on first use: most devices of an estate compute no shared secret for a long time (issue 16) */
  private readonly map: Map<number, Buffer> = new LazyMap();

  constructor(capacity = 4096) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`cache capacity must be >= 1`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.map.size;
  }

  private idOf(k: KeyObject): number {
    let id = keyObjectIds.get(k);
    if (id === undefined) {
      if (nextKeyObjectId >= 0x4000000) throw new RangeError('SharedSecretCache: more than 2^26 keys seen');
      id = nextKeyObjectId++;
      keyObjectIds.set(k, id);
    }
    return id;
  }

  /** Z for the pair, computed once and then served from the cache (LRU eviction). */
  get(privateKey: KeyObject, publicKey: KeyObject): Buffer {
    // Two ids below 2^26 each fit exactly in a double key.
    const key = this.idOf(privateKey) * 0x4000000 + this.idOf(publicKey);
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.hits++;
      // refresh recency: Map keeps insertion order
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    this.misses++;
    const z = ecdhSharedSecret(privateKey, publicKey);
    this.map.set(key, z);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as number;
      this.map.delete(oldest);
    }
    return z;
  }

  clear(): void {
    this.map.clear();
  }
}

/**
 * The header fields the payload-encryption key and IV depend on. In payload
 * encryption the Supplementary Originator Counter and Supplementary Remote
 * Party ID replace counter and recipient when present (GBCS.md 3).
 */
export interface PayloadCryptoContext {
  /** 8-byte originator system title */
  originator: Uint8Array;
  /** 8-byte recipient (or Supplementary Remote Party ID) */
  recipient: Uint8Array;
  /** 8-byte counter (or Supplementary Originator Counter) */
  counter: Uint8Array;
  /** ECDH Z between the originator's and the recipient's KA keys */
  z: Uint8Array;
}

/** Length of the security header `31 00 00 00 00`. */
const ENC_HEADER = 5;

/**
 * Decrypts a protected payload `31 <invocation counter 4> ciphertext tag(12)`.
 * Key = KDF(Z, T=04), IV = originator || invocation counter, AAD = `31`.
 * Throws GbcsDecryptFailedError if the tag does not verify.
 */
export function decryptPayload(protectedPayload: Uint8Array, ctx: PayloadCryptoContext): Buffer {
  if (protectedPayload.length < ENC_HEADER + MAC_LENGTH)
    throw new GbcsMalformedError('encrypted payload shorter than header and tag', 0);
  if (protectedPayload[0] !== SECURITY_CONTROL_ENCRYPTED)
    throw new GbcsMalformedError(
      `encrypted payload security header 0x${protectedPayload[0].toString(16)} is not 0x31`,
      0,
    );
  const ic =
    ((protectedPayload[1] << 24) |
      (protectedPayload[2] << 16) |
      (protectedPayload[3] << 8) |
      protectedPayload[4]) >>>
    0;
  const key = kdf(ctx.z, kdfOtherInfo(ctx.originator, KDF_PAYLOAD_ENCRYPTION, ctx.counter, ctx.recipient));
  const iv = gcmIv(ctx.originator, ic);
  const tagStart = protectedPayload.length - MAC_LENGTH;
  const d = createDecipheriv('aes-128-gcm', key, iv, { authTagLength: MAC_LENGTH });
  d.setAAD(protectedPayload.subarray(0, 1));
  d.setAuthTag(protectedPayload.subarray(tagStart));
  const body = d.update(protectedPayload.subarray(ENC_HEADER, tagStart));
  try {
    d.final();
  } catch {
    throw new GbcsDecryptFailedError();
  }
  return body;
}

/** Encrypts a payload into `31 00000000 ciphertext tag(12)` (the mirror of decryptPayload). */
export function encryptPayload(
  plaintext: Uint8Array,
  ctx: PayloadCryptoContext,
  invocationCounter = 0,
): Buffer {
  const key = kdf(ctx.z, kdfOtherInfo(ctx.originator, KDF_PAYLOAD_ENCRYPTION, ctx.counter, ctx.recipient));
  const iv = gcmIv(ctx.originator, invocationCounter);
  const c = createCipheriv('aes-128-gcm', key, iv, { authTagLength: MAC_LENGTH });
  const header = Buffer.alloc(ENC_HEADER);
  header[0] = SECURITY_CONTROL_ENCRYPTED;
  header.writeUInt32BE(invocationCounter >>> 0, 1);
  c.setAAD(header.subarray(0, 1));
  const body = c.update(plaintext);
  c.final();
  return Buffer.concat([header, body, c.getAuthTag()]);
}

/**
 * Candidate payload-encrypted blocks in a content: a `31 00 00 00 00` security
 * header whose length is announced just before it, by a DLMS octet-string
 * (`09 L`, `09 81 L`, `09 82 LL LL`) or a GBZ component length (u16 BE).
 * Candidates are only that: decryption authenticates (a wrong guess fails the
 * GCM tag), so none is ever taken for plaintext by mistake.
 */
export function findProtectedBlocks(content: Uint8Array): Array<{ offset: number; length: number }> {
  const out: Array<{ offset: number; length: number }> = [];
  const n = content.length;
  for (let i = 2; i + ENC_HEADER + MAC_LENGTH <= n; i++) {
    if (
      content[i] !== SECURITY_CONTROL_ENCRYPTED ||
      content[i + 1] !== 0 ||
      content[i + 2] !== 0 ||
      content[i + 3] !== 0 ||
      content[i + 4] !== 0
    )
      continue;
    const lens = new Set<number>();
    if (content[i - 2] === 0x09 && content[i - 1] < 0x80) lens.add(content[i - 1]);
    if (i >= 3 && content[i - 3] === 0x09 && content[i - 2] === 0x81) lens.add(content[i - 1]);
    if (i >= 4 && content[i - 4] === 0x09 && content[i - 3] === 0x82)
      lens.add((content[i - 2] << 8) | content[i - 1]);
    lens.add((content[i - 2] << 8) | content[i - 1]);
    for (const len of lens)
      if (len >= ENC_HEADER + MAC_LENGTH && i + len <= n) out.push({ offset: i, length: len });
  }
  return out;
}
