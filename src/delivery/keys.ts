/**
 * Key helpers for the internet leg: the supplier's delivery key (signs
 * envelopes) and the PPMID's reporting key (signs status reports). Both are
 * ECDSA P-256 keys from node:crypto, separate from every GBCS key (a GBCS
 * KA/DS key is used only for GBCS, GBCS 4.3).
 */
import type { KeyObject } from 'node:crypto';
import { generateP256KeyPair, p256SpkiOfPoint } from '../gbcs/crypto.ts';
import { toHex } from '../runtime/bytes.ts';
import type { SeededRandom } from '../runtime/random.ts';
import { rememberDeliveryKeyId } from './envelope.ts';

export interface SigningKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** 16 hex digits (deliveryKeyId of the public key) */
  keyId: string;
}

/** A fresh P-256 key pair (a supplier's delivery key, or a PPMID's reporting key). */
export function generateSigningKeyPair(): SigningKeyPair {
  // not generateKeyPairSync: it can deadlock with the key's next use (gbcs/crypto.ts)
  const { privateKey, publicKey, point } = generateP256KeyPair();
  const keyId = rememberDeliveryKeyId(p256SpkiOfPoint(point), publicKey, privateKey);
  return { privateKey, publicKey, keyId };
}

/** A 16-byte envelope id, 32 hex digits, from seeded randomness (deterministic runs) . */
export function newEnvelopeId(random: SeededRandom): string {
  return toHex(random.bytes(16));
}
