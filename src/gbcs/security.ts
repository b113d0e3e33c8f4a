/**
 * GBCS message security: who MACs and who signs what (GBCS 6 and the facts in
 * docs GBCS.md 3), checking and applying MACs and signatures.
 *
 * - MAC (General Ciphering): key = KDF(Z, originator, T = CRA flag, Originator
 *   Counter, recipient), IV = header originator || invocation counter,
 *   AAD = `11 00 00 00 00 00` || the whole General Signing APDU, tag cut to 12.
 *   Z comes from static ECDH between the KA keys of the two MAC parties:
 *   a Command from a remote party is MAC'd by the ACB (ACB KA with the target
 *   device KA, GBCS 6.2.4) while KDF and IV use the header originator; a
 *   Command from a device (PPMID to GSME, PCS01/PCS02) and every Response or
 *   Alert is MAC'd between the originator's and the recipient's KA keys.
 *   Whichever side's private key the store holds is used.
 * - Signature: ECDSA P-256 over the APDU from byte 1 to the end of the content,
 *   by the header originator's DS key (also when the ACB originates on a
 *   user's behalf: checked on every RTDS message).
 *
 * A SecurityContext owns the key store, the ACB identity and the bounded
 * shared-secret cache; it holds no other state.
 */
import { createCipheriv, type KeyObject } from 'node:crypto';
import { fromHex } from '../runtime/bytes.ts';
import {
  decryptPayload as decryptWithContext,
  ecdsaSign,
  ecdsaVerify,
  encryptPayload as encryptWithContext,
  gcmIv,
  kdf,
  kdfOtherInfo,
  macEquals,
  type PayloadCryptoContext,
  SharedSecretCache,
} from './crypto.ts';
import { decodeMessage, readU64 } from './decode.ts';
import type { LengthForm } from './der.ts';
import { type ApduFields, encodeApdu, encodeGeneralCiphering } from './encode.ts';
import { GbcsMalformedError, GbcsUnknownKeyError } from './errors.ts';
import type { KeyStore } from './keystore.ts';
import {
  DEFAULT_ACB_EUI,
  type Eui,
  type GbcsMessage,
  MAC_LENGTH,
  SECURITY_CONTROL_AUTHENTICATED,
  SIGNATURE_LENGTH,
  TAG_GENERAL_SIGNING,
} from './types.ts';

/** Outcome of a MAC or signature check. */
export type CheckResult = 'valid' | 'invalid' | 'absent' | 'no-key';

export interface SecurityContextOptions {
  keyStore: KeyStore;
  /** EUI of the Access Control Broker that MACs Commands; default the RTDS test ACB 90B3D51F30000002 */
  acb?: Eui;
  /** capacity of the ECDH shared-secret LRU cache (pairs); default 4096 */
  sharedSecretCacheSize?: number;
  /** or a cache to share between contexts */
  sharedSecretCache?: SharedSecretCache;
}

/** The two parties whose KA keys make the MAC key of a message. */
export interface MacParties {
  a: Eui;
  b: Eui;
}

/** The ingredients of a message's MAC, before the shared secret. */
export interface MacInput {
  originator: Uint8Array;
  recipient: Uint8Array;
  counter: Uint8Array;
  craFlag: number;
  securityControl: number;
  invocationCounter: number;
  apdu: Uint8Array;
}

const AAD_PREFIX_LENGTH = 6;

/** Byte offsets inside a General Signing APDU (from `DF`). */
const APDU_CRA = 2;
const APDU_COUNTER = 3;
const APDU_ORIGINATOR = 12;
const APDU_RECIPIENT = 21;

export class SecurityContext {
  readonly keyStore: KeyStore;
  readonly acb: Eui;
  readonly cache: SharedSecretCache;

  constructor(opts: SecurityContextOptions) {
    this.keyStore = opts.keyStore;
    this.acb = (opts.acb ?? DEFAULT_ACB_EUI).toUpperCase();
    this.cache = opts.sharedSecretCache ?? new SharedSecretCache(opts.sharedSecretCacheSize ?? 4096);
  }

  /** Is this EUI a device (its certificates carry no remote-party role)? Unknown EUIs count as remote parties. */
  isDevice(eui: Eui): boolean {
    return this.keyStore.role(eui) === null;
  }

  /** Whose KA keys make the MAC key of a message with this CRA, originator and recipient. */
  macParties(craFlag: number, originator: Eui, recipient: Eui): MacParties {
    if (craFlag === 1 && !this.isDevice(originator)) return { a: this.acb, b: recipient };
    return { a: originator, b: recipient };
  }

  /** Z for two parties' KA keys using whichever private key the store holds; undefined = no key. */
  sharedSecret(a: Eui, b: Eui): Uint8Array | undefined {
    const ks = this.keyStore;
    const ea = ks.get(a, 'ka');
    const eb = ks.get(b, 'ka');
    if (ea?.privateKey && eb?.publicKey) return this.cache.get(ea.privateKey, eb.publicKey);
    if (eb?.privateKey && ea?.publicKey) return this.cache.get(eb.privateKey, ea.publicKey);
    return undefined;
  }

  /** The 12-byte MAC for the given ingredients and shared secret. */
  static computeMac(z: Uint8Array, m: MacInput): Uint8Array {
    const key = kdf(z, kdfOtherInfo(m.originator, m.craFlag, m.counter, m.recipient));
    const iv = gcmIv(m.originator, m.invocationCounter);
    // AAD = security control byte, 5 zero bytes, then the APDU: fed in two parts (no copy of the APDU)
    const prefix = new Uint8Array(AAD_PREFIX_LENGTH);
    prefix[0] = m.securityControl;
    const c = createCipheriv('aes-128-gcm', key, iv);
    c.setAAD(prefix);
    c.setAAD(m.apdu);
    c.final();
    return c.getAuthTag().subarray(0, MAC_LENGTH);
  }

  /** Checks the MAC of a decoded message: `absent` for General Signing, `no-key` if neither private key is held. */
  verifyMac(msg: GbcsMessage): CheckResult {
    if (msg.mac === null) return 'absent';
    const p = this.macParties(msg.craFlag, msg.originator, msg.recipient);
    const z = this.sharedSecret(p.a, p.b);
    if (z === undefined) return 'no-key';
    const a = msg.apdu;
    const computed = SecurityContext.computeMac(z, {
      originator: a.subarray(APDU_ORIGINATOR, APDU_ORIGINATOR + 8),
      recipient: a.subarray(APDU_RECIPIENT, APDU_RECIPIENT + 8),
      counter: a.subarray(APDU_COUNTER, APDU_COUNTER + 8),
      craFlag: msg.craFlag,
      securityControl: msg.layout.securityControl,
      invocationCounter: msg.layout.invocationCounter,
      apdu: a,
    });
    return macEquals(msg.mac, computed) ? 'valid' : 'invalid';
  }

  /**
   * The EUI whose DS key signs this message: the header originator. When the
   * ACB originates a Command on a user's behalf (Supplementary Remote Party
   * ID present) the ACB itself signs: every such RTDS message verifies with
   * the ACB DS key and none with the user's.
   */
  signerOf(msg: Pick<GbcsMessage, 'originator'>): Eui {
    return msg.originator;
  }

  /** Checks the signature: `absent` for a null or missing field, `no-key` if the signer's DS key is unknown. */
  verifySignature(msg: GbcsMessage): CheckResult {
    if (msg.signature === null) return 'absent';
    const key = this.keyStore.publicKey(this.signerOf(msg), 'ds');
    if (!key) return 'no-key';
    return ecdsaVerify(msg.signedData, msg.signature, key) ? 'valid' : 'invalid';
  }

  /** Decodes and checks MAC and signature. Decoding errors are thrown (typed). */
  decodeVerify(bytes: Uint8Array): VerifiedMessage {
    const message = decodeMessage(bytes);
    return { message, mac: this.verifyMac(message), signature: this.verifySignature(message) };
  }

  /**
   * Signs a Pre-Command (or re-signs an APDU): returns the APDU with
   * `40` + r||s by `signer`'s DS private key (default: the business originator).
   */
  sign(apdu: Uint8Array, signer?: Eui): Uint8Array {
    const msg = decodeApduForSecurity(apdu);
    const who = signer ?? this.signerOf(msg);
    const key = this.keyStore.privateKey(who, 'ds');
    if (!key) throw new GbcsUnknownKeyError(`no DS private key for ${who}`, who);
    return signApdu(apdu, key);
  }

  /**
   * Wraps a General Signing APDU in General Ciphering with its MAC, using the
   * MAC parties of its CRA, originator and recipient. An APDU without a
   * signature field (a Pre-Command) gets the null field `00` first. Throws
   * GbcsUnknownKeyError if neither party's private KA key is held.
   */
  wrap(apdu: Uint8Array, layout?: { cipheredLengthForm?: LengthForm }): Uint8Array {
    let msg = decodeApduForSecurity(apdu);
    if (msg.signatureField === 'absent') {
      // a General Ciphering message always has a signature field: `00` when unsigned
      const withNull = new Uint8Array(apdu.length + 1);
      withNull.set(apdu, 0);
      apdu = withNull;
      msg = decodeApduForSecurity(apdu);
    }
    const p = this.macParties(msg.craFlag, msg.originator, msg.recipient);
    const z = this.sharedSecret(p.a, p.b);
    if (z === undefined)
      throw new GbcsUnknownKeyError(`no KA private key for ${p.a} or ${p.b} (MAC of a ${msg.cra})`, p.a);
    const mac = SecurityContext.computeMac(z, {
      originator: apdu.subarray(APDU_ORIGINATOR, APDU_ORIGINATOR + 8),
      recipient: apdu.subarray(APDU_RECIPIENT, APDU_RECIPIENT + 8),
      counter: apdu.subarray(APDU_COUNTER, APDU_COUNTER + 8),
      craFlag: apdu[APDU_CRA],
      securityControl: SECURITY_CONTROL_AUTHENTICATED,
      invocationCounter: 0,
      apdu,
    });
    return encodeGeneralCiphering(apdu, mac, layout?.cipheredLengthForm);
  }

  /**
   * Builds a message from fields in one go: the APDU, signed by the
   * originator's DS key when `sign` (critical commands, alerts, responses to
   * critical commands), then MAC-wrapped in General Ciphering when `mac`
   * (default true). Unsigned APDUs carry the null signature field.
   */
  seal(fields: ApduFields, opts: { sign?: boolean; mac?: boolean } = {}): Uint8Array {
    let apdu = encodeApdu({ ...fields, signature: null });
    if (opts.sign) apdu = this.sign(apdu);
    return (opts.mac ?? true) ? this.wrap(apdu) : apdu;
  }

  /**
   * The payload-encryption context of a message (GBCS.md 3): Z between the
   * originator's KA key and the KA key of the Supplementary Remote Party (when
   * present: the real business party behind the ACB) or else the recipient.
   */
  payloadContext(msg: GbcsMessage): PayloadCryptoContext {
    const party = msg.otherInfo.supplementaryRemotePartyId ?? msg.recipient;
    const z = this.sharedSecret(msg.originator, party);
    if (z === undefined)
      throw new GbcsUnknownKeyError(
        `no KA private key for ${msg.originator} or ${party} (payload encryption)`,
        party,
      );
    return payloadCryptoContext(msg, z);
  }

  /** Decrypts a protected payload (`31 ...`) carried in `msg`. Throws GbcsUnknownKeyError or GbcsDecryptFailedError. */
  decryptPayload(protectedPayload: Uint8Array, msg: GbcsMessage): Uint8Array {
    return decryptWithContext(protectedPayload, this.payloadContext(msg));
  }

  /** Encrypts a payload for `msg`'s parties: `31 00000000 ciphertext tag`. */
  encryptPayload(plaintext: Uint8Array, msg: GbcsMessage): Uint8Array {
    return encryptWithContext(plaintext, this.payloadContext(msg));
  }
}

export interface VerifiedMessage {
  message: GbcsMessage;
  mac: CheckResult;
  signature: CheckResult;
}

/**
 * The payload-encryption KDF/IV fields: originator, and the Supplementary
 * Remote Party ID and Supplementary Originator Counter in place of recipient
 * and counter when present (GBCS.md 3; checked on the RTDS URP responses:
 * with only the ID present, the header counter stays).
 */
export function payloadCryptoContext(msg: GbcsMessage, z: Uint8Array): PayloadCryptoContext {
  const a = msg.apdu;
  const oi = msg.otherInfo;
  return {
    originator: a.subarray(APDU_ORIGINATOR, APDU_ORIGINATOR + 8),
    recipient:
      oi.supplementaryRemotePartyId !== null
        ? fromHex(oi.supplementaryRemotePartyId)
        : a.subarray(APDU_RECIPIENT, APDU_RECIPIENT + 8),
    counter:
      oi.supplementaryOriginatorCounter !== null
        ? u64(oi.supplementaryOriginatorCounter)
        : a.subarray(APDU_COUNTER, APDU_COUNTER + 8),
    z,
  };
}

function u64(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v);
  return out;
}

/** Parses a General Signing APDU (possibly a Pre-Command) for signing or wrapping. */
function decodeApduForSecurity(apdu: Uint8Array): GbcsMessage {
  if (apdu[0] !== TAG_GENERAL_SIGNING)
    throw new GbcsMalformedError('expected a General Signing APDU (DF)', 0);
  return decodeMessage(apdu);
}

/**
 * Signs a General Signing APDU with `privateKey`: the signature covers bytes
 * 1 .. end of content; any existing signature field (absent, `00`, or `40`+64)
 * is replaced by `40` + r||s.
 */
export function signApdu(apdu: Uint8Array, privateKey: KeyObject): Uint8Array {
  const msg = decodeApduForSecurity(apdu);
  const sig = ecdsaSign(msg.signedData, privateKey);
  const end = 1 + msg.signedData.length;
  const out = new Uint8Array(end + 1 + SIGNATURE_LENGTH);
  out.set(apdu.subarray(0, end), 0);
  out[end] = SIGNATURE_LENGTH;
  out.set(sig, end + 1);
  return out;
}

/** Reads the 8-byte counter of an APDU (exported for helpers). */
export function apduCounter(apdu: Uint8Array): bigint {
  return readU64(apdu, APDU_COUNTER);
}
