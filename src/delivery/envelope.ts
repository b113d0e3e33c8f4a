/**
 * The supplier -> enhanced PPMID delivery envelope, version 1 (SECMP0038
 * PP-1, PP-2, SU-2). Pure codec: bytes in, typed values out; signing and
 * verification with node:crypto (ECDSA P-256 / SHA-256, r||s as in GBCS).
 *
 * It carries one DCC "Command for Local Delivery" (DUIS Command Variants
 * 2/3/6/7) byte for byte as the DSP returned it, bound by the supplier's
 * signature to one PPMID, one DUIS RequestID and a validity window.
 *
 * Layout (all integers big-endian; docs/ppmid.md has the same table):
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0  | 3  | magic `50 44 45` ("PDE", PPMID Delivery Envelope) |
 * | 3  | 1  | version `01` |
 * | 4  | 16 | envelope id (random, chosen by the supplier) |
 * | 20 | 8  | supplier id: the supplier's Remote Party EUI-64 |
 * | 28 | 8  | delivery key id: first 8 bytes of SHA-256(SPKI DER of the delivery public key) |
 * | 36 | 8  | target PPMID EUI-64 |
 * | 44 | 8  | DUIS RequestID originator EUI-64 |
 * | 52 | 8  | DUIS RequestID target EUI-64 |
 * | 60 | 8  | DUIS RequestID counter (u64) |
 * | 68 | 8  | created-at, ms since the Unix epoch (u64) |
 * | 76 | 8  | expires-at, ms since the Unix epoch (u64) |
 * | 84 | 2  | n = length of the GBCS message (1..65535) |
 * | 86 | n  | the GBCS message (Command for Local Delivery) |
 * | 86+n | 64 | ECDSA P-256 / SHA-256 signature r||s over bytes 0 .. 86+n-1 |
 *
 * The magic and version are inside the signed bytes, so a signature cannot
 * be moved to a status report (magic "PSR") or to another version.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { RequestId } from '../duis/request-id.ts';
import { ecdsaSign, ecdsaVerify, p256Spki } from '../gbcs/crypto.ts';
import { type Eui, euiFromBytes, fromHex, normaliseEui, readU64be, toHex, u64be } from '../runtime/bytes.ts';
import { DeliveryError } from './errors.ts';

export const ENVELOPE_MAGIC = Uint8Array.of(0x50, 0x44, 0x45);
export const ENVELOPE_VERSION = 1;
export const ENVELOPE_HEADER_LENGTH = 86;
export const ENVELOPE_SIGNATURE_LENGTH = 64;
export const ENVELOPE_ID_LENGTH = 16;
export const KEY_ID_LENGTH = 8;
/** Largest GBCS message an envelope can carry (u16 length). PP-2 refuses anything over the tunnel size (1500) later. */
export const ENVELOPE_MAX_GBCS = 0xffff;
/** Largest timestamp the codec accepts: 9999-12-31 (keeps ms values exact in a JS number). */
export const MAX_TIMESTAMP_MS = 253_402_300_799_999;

/** The fields the supplier chooses; the codec adds the key id and the signature. */
export interface EnvelopeFields {
  /** 32 hex digits (16 bytes). */
  envelopeId: string;
  /** The supplier's Remote Party EUI. */
  supplierId: Eui;
  /** The PPMID the envelope is for. */
  ppmid: Eui;
  /** The DUIS RequestID of the Service Request that produced the command (SU-2 correlation). */
  requestId: RequestId;
  createdAt: number;
  expiresAt: number;
  /** The Command for Local Delivery, byte-exact as the DSP returned it. */
  gbcs: Uint8Array;
}

export interface DeliveryEnvelope extends EnvelopeFields {
  version: number;
  /** 16 hex digits. */
  keyId: string;
  /** 64 bytes r||s. */
  signature: Uint8Array;
  /** The bytes the signature covers (a view of the input). */
  signedBytes: Uint8Array;
  /** The whole envelope as received (a view of the input). */
  bytes: Uint8Array;
}

/** The delivery key id of a public key: first 8 bytes of SHA-256 over its SPKI DER, 16 hex digits. */
export function deliveryKeyId(publicKey: KeyObject): string {
  // KeyObjects are immutable: the id of one is computed once (a party asks for its own and its peers' often)
  let id = keyIds.get(publicKey);
  if (id === undefined) {
    const pub = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
    // a P-256 key's SPKI from its coordinates (the same DER as node's export, at a fraction of its cost)
    const spki =
      pub.asymmetricKeyType === 'ec' && pub.asymmetricKeyDetails?.namedCurve === 'prime256v1'
        ? p256Spki(pub)
        : pub.export({ format: 'der', type: 'spki' });
    id = deliveryKeyIdOfSpki(spki);
    keyIds.set(publicKey, id);
  }
  return id;
}
const keyIds = new WeakMap<KeyObject, string>();

/** The key id of a DER SubjectPublicKeyInfo: the first 8 bytes of its SHA-256, as hex. */
export function deliveryKeyIdOfSpki(spki: Uint8Array): string {
  return toHex(createHash('sha256').update(spki).digest().subarray(0, KEY_ID_LENGTH));
}

/** Notes the key id of `keys` (a key pair's halves) from their SPKI when the caller has the DER already. */
export function rememberDeliveryKeyId(spki: Uint8Array, ...keys: KeyObject[]): string {
  const id = deliveryKeyIdOfSpki(spki);
  for (const k of keys) keyIds.set(k, id);
  return id;
}

/** A public key with its key id computed once (callers that verify often keep these). */
export interface IdentifiedKey {
  keyId: string;
  publicKey: KeyObject;
}

export function identifiedKey(key: KeyObject): IdentifiedKey {
  return { keyId: deliveryKeyId(key), publicKey: key.type === 'private' ? createPublicKey(key) : key };
}

/** Throws unless `key` is a P-256 EC key (delivery keys and reporting keys are P-256 only). */
export function assertP256(key: KeyObject, what: string): void {
  const curve = key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
  if (curve !== 'prime256v1')
    throw new DeliveryError(
      'DELIVERY_INVALID_FIELD',
      `${what} must be an EC P-256 key (got ${key.asymmetricKeyType} ${curve ?? ''})`,
    );
}

function checkTimestamp(v: number, name: string): void {
  if (!Number.isSafeInteger(v) || v < 0 || v > MAX_TIMESTAMP_MS)
    throw new DeliveryError(
      'DELIVERY_INVALID_FIELD',
      `${name} must be an integer ms timestamp in 0..${MAX_TIMESTAMP_MS}`,
    );
}

function eui(v: string, name: string): Uint8Array {
  try {
    return fromHex(normaliseEui(v));
  } catch {
    throw new DeliveryError('DELIVERY_INVALID_FIELD', `${name} is not an EUI-64: ${JSON.stringify(v)}`);
  }
}

/** The signed part of an envelope (header + GBCS), without the signature. */
export function encodeEnvelopeBody(f: EnvelopeFields, keyId: string): Uint8Array {
  if (!/^[0-9A-Fa-f]{32}$/.test(f.envelopeId))
    throw new DeliveryError('DELIVERY_INVALID_FIELD', 'envelopeId must be 32 hex digits');
  if (!/^[0-9A-Fa-f]{16}$/.test(keyId))
    throw new DeliveryError('DELIVERY_INVALID_FIELD', 'keyId must be 16 hex digits');
  if (f.gbcs.length < 1 || f.gbcs.length > ENVELOPE_MAX_GBCS)
    throw new DeliveryError(
      'DELIVERY_INVALID_FIELD',
      `GBCS message length ${f.gbcs.length} outside 1..${ENVELOPE_MAX_GBCS}`,
    );
  checkTimestamp(f.createdAt, 'createdAt');
  checkTimestamp(f.expiresAt, 'expiresAt');
  if (f.requestId.counter < 0n || f.requestId.counter > 0xffffffffffffffffn)
    throw new DeliveryError('DELIVERY_INVALID_FIELD', 'requestId.counter outside u64');
  const out = new Uint8Array(ENVELOPE_HEADER_LENGTH + f.gbcs.length);
  out.set(ENVELOPE_MAGIC, 0);
  out[3] = ENVELOPE_VERSION;
  out.set(fromHex(f.envelopeId), 4);
  out.set(eui(f.supplierId, 'supplierId'), 20);
  out.set(fromHex(keyId), 28);
  out.set(eui(f.ppmid, 'ppmid'), 36);
  out.set(eui(f.requestId.originator, 'requestId.originator'), 44);
  out.set(eui(f.requestId.target, 'requestId.target'), 52);
  out.set(u64be(f.requestId.counter), 60);
  out.set(u64be(BigInt(f.createdAt)), 68);
  out.set(u64be(BigInt(f.expiresAt)), 76);
  out[84] = f.gbcs.length >> 8;
  out[85] = f.gbcs.length & 0xff;
  out.set(f.gbcs, ENVELOPE_HEADER_LENGTH);
  return out;
}

/** Builds and signs an envelope with the supplier's delivery private key (`keyId`: its id, if already known). */
export function signEnvelope(f: EnvelopeFields, deliveryPrivateKey: KeyObject, keyId?: string): Uint8Array {
  if (deliveryPrivateKey.type !== 'private')
    throw new DeliveryError('DELIVERY_INVALID_FIELD', 'signEnvelope needs the delivery PRIVATE key');
  assertP256(deliveryPrivateKey, 'the delivery key');
  const body = encodeEnvelopeBody(f, keyId ?? deliveryKeyId(deliveryPrivateKey));
  const sig = ecdsaSign(body, deliveryPrivateKey);
  const out = new Uint8Array(body.length + ENVELOPE_SIGNATURE_LENGTH);
  out.set(body, 0);
  out.set(sig, body.length);
  return out;
}

/**
 * Decodes an envelope (no signature check: see `verifyEnvelopeSignature`).
 * Throws `DeliveryError` (DELIVERY_MALFORMED / _TRUNCATED / _UNSUPPORTED_VERSION).
 */
export function decodeEnvelope(bytes: Uint8Array): DeliveryEnvelope {
  if (bytes.length < 4)
    throw new DeliveryError('DELIVERY_TRUNCATED', `envelope of ${bytes.length} byte(s)`, 0);
  if (bytes[0] !== ENVELOPE_MAGIC[0] || bytes[1] !== ENVELOPE_MAGIC[1] || bytes[2] !== ENVELOPE_MAGIC[2])
    throw new DeliveryError(
      'DELIVERY_MALFORMED',
      `not a delivery envelope (magic ${toHex(bytes.subarray(0, 3))})`,
      0,
    );
  if (bytes[3] !== ENVELOPE_VERSION)
    throw new DeliveryError(
      'DELIVERY_UNSUPPORTED_VERSION',
      `envelope version ${bytes[3]} (this codec reads 1)`,
      3,
    );
  if (bytes.length < ENVELOPE_HEADER_LENGTH)
    throw new DeliveryError(
      'DELIVERY_TRUNCATED',
      `envelope header needs ${ENVELOPE_HEADER_LENGTH} bytes, got ${bytes.length}`,
      bytes.length,
    );
  const n = (bytes[84] << 8) | bytes[85];
  if (n === 0) throw new DeliveryError('DELIVERY_MALFORMED', 'empty GBCS message', 84);
  const total = ENVELOPE_HEADER_LENGTH + n + ENVELOPE_SIGNATURE_LENGTH;
  if (bytes.length < total)
    throw new DeliveryError(
      'DELIVERY_TRUNCATED',
      `envelope announces ${total} bytes, got ${bytes.length}`,
      bytes.length,
    );
  if (bytes.length > total)
    throw new DeliveryError(
      'DELIVERY_MALFORMED',
      `${bytes.length - total} byte(s) after the signature`,
      total,
    );
  const createdAt = readU64be(bytes, 68);
  const expiresAt = readU64be(bytes, 76);
  if (createdAt > BigInt(MAX_TIMESTAMP_MS))
    throw new DeliveryError('DELIVERY_MALFORMED', 'created-at after year 9999', 68);
  if (expiresAt > BigInt(MAX_TIMESTAMP_MS))
    throw new DeliveryError('DELIVERY_MALFORMED', 'expires-at after year 9999', 76);
  const signedEnd = ENVELOPE_HEADER_LENGTH + n;
  return {
    version: bytes[3],
    envelopeId: toHex(bytes.subarray(4, 20)),
    supplierId: euiFromBytes(bytes, 20),
    keyId: toHex(bytes.subarray(28, 36)),
    ppmid: euiFromBytes(bytes, 36),
    requestId: {
      originator: euiFromBytes(bytes, 44),
      target: euiFromBytes(bytes, 52),
      counter: readU64be(bytes, 60),
    },
    createdAt: Number(createdAt),
    expiresAt: Number(expiresAt),
    gbcs: bytes.subarray(ENVELOPE_HEADER_LENGTH, signedEnd),
    signature: bytes.subarray(signedEnd, total),
    signedBytes: bytes.subarray(0, signedEnd),
    bytes,
  };
}

export type EnvelopeSignatureCheck = 'valid' | 'unknown-key' | 'invalid';

/**
 * Checks the envelope's signature against the supplier's provisioned delivery
 * public keys (more than one during a key rotation). `unknown-key`: the key id
 * names none of them; `invalid`: the named key does not verify the signature.
 */
export function verifyEnvelopeSignature(
  env: DeliveryEnvelope,
  keys: readonly (KeyObject | IdentifiedKey)[],
): EnvelopeSignatureCheck {
  for (const k of keys) {
    const ik = 'keyId' in k ? k : identifiedKey(k);
    if (ik.keyId === env.keyId)
      return ecdsaVerify(env.signedBytes, env.signature, ik.publicKey) ? 'valid' : 'invalid';
  }
  return 'unknown-key';
}

/** A JSON-safe view (bigint and bytes as strings) for logs, the CLI and the test automation API. */
export function envelopeToJson(env: DeliveryEnvelope): Record<string, unknown> {
  return {
    version: env.version,
    envelopeId: env.envelopeId,
    supplierId: env.supplierId,
    keyId: env.keyId,
    ppmid: env.ppmid,
    requestId: {
      originator: env.requestId.originator,
      target: env.requestId.target,
      counter: env.requestId.counter.toString(),
    },
    createdAt: new Date(env.createdAt).toISOString(),
    expiresAt: new Date(env.expiresAt).toISOString(),
    gbcsLength: env.gbcs.length,
    gbcs: toHex(env.gbcs),
    signature: toHex(env.signature),
  };
}
