/**
 * The Root public key of the RTDS test PKI, for the root Trust Anchor cell of
 * RTDS-profile devices (test-only key material, docs/devices.md).
 *
 * The RTDS key store ships no Root (OU 00, CN ZA) certificate. The RTDS
 * CS02b/CS02g commands carry the issuing CA certificate (OU 07, CN Z1, SKI
 * 4F5688D7EC933BE2) in their certification path, signed by ZA (AKI
 * 48CF1B32697C4669). ECDSA public key recovery (gbcs/cert-path.ts,
 * `recoverP256PublicKeys`) on that signature gives two candidate keys that
 * both verify it; this is the first. No other ZA-signed certificate exists
 * in ../shared to tell them apart: either makes the same decisions on every
 * certificate there. rtds-root.test.ts recomputes it from the RTDS message.
 */
import type { KeyObject } from 'node:crypto';
import { p256PublicKey } from '../../gbcs/cert-path.ts';
import { fromHex } from '../../runtime/bytes.ts';

export const RTDS_ROOT_PUBLIC_KEY_HEX =
  '048A0D3609DB97D2664ECF41E1D10026D8BE5D2FC46BA433A706B1F1565DFFFFF0AFC9F9E2A72DC6FAD44ADB8183D2B45A4DA59B7D36C6B5419AFD72F2B7CEE6D4';

let key: KeyObject | null = null;

/** The RTDS Root public key (one KeyObject, made on first use). */
export function rtdsRootPublicKey(): KeyObject {
  key ??= p256PublicKey(fromHex(RTDS_ROOT_PUBLIC_KEY_HEX));
  return key;
}
