/**
 * What the DSP's signed HTTP desks share (relay-registration.ts,
 * ch-time-desk.ts): DUIS has no Service Request for them, so a request is
 * authenticated by an ECDSA P-256 / SHA-256 signature (DER, base64) with the
 * user's XML-signing key over a canonical text: the method and path, then
 * every field, one a line.
 */
import { createSign, createVerify, type KeyObject } from 'node:crypto';
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import { DspServiceError } from './errors.ts';
import type { DspService } from './service.ts';

type DspUser = NonNullable<ReturnType<DspService['user']>>;

/** The text a user signs: `METHOD path`, then `name=value` per field, one a line. */
export function deskRequestText(
  method: string,
  path: string,
  fields: ReadonlyArray<[string, unknown]>,
): string {
  return [`${method} ${path}`, ...fields.map(([k, v]) => `${k}=${v}`), ''].join('\n');
}

/** Signs a desk text with the user's XML-signing private key (base64 DER). */
export function signDeskText(privateKey: KeyObject, text: string): string {
  const s = createSign('sha256');
  s.update(text);
  return s.sign(privateKey).toString('base64');
}

export const refuse = (status: number, code: ConstructorParameters<typeof DspServiceError>[0], msg: string) =>
  new DspServiceError(code, msg, { httpStatus: status });

/** An EUI-64 from the path or body, or 400. */
export function deskEui(s: unknown, what: string): Eui {
  try {
    if (typeof s !== 'string') throw new Error('not a string');
    return normaliseEui(s);
  } catch {
    throw refuse(400, 'DSP_CONFIG', `${what} ${JSON.stringify(s)} is not an EUI-64`);
  }
}

/** The body's `signedAt` and `signature`, or 400. */
export function signedFields(b: Record<string, unknown>): { signedAt: number; signature: Buffer } {
  if (typeof b.signedAt !== 'number' || !Number.isSafeInteger(b.signedAt))
    throw refuse(400, 'DSP_CONFIG', 'signedAt must be epoch milliseconds');
  if (typeof b.signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b.signature))
    throw refuse(400, 'DSP_CONFIG', 'signature must be base64');
  return { signedAt: b.signedAt, signature: Buffer.from(b.signature, 'base64') };
}

/** The DCC user whose XML-signing certificate verifies `signature` over `text`, or 401. */
export function verifiedUser(dsp: DspService, user: Eui, text: string, signature: Buffer): DspUser {
  const u = dsp.user(user);
  if (!u) throw refuse(401, 'DSP_UNKNOWN_USER', `${user} is not a DCC user of this DSP`);
  const verified = u.xmlSigningCertificates.some((pem) => {
    const v = createVerify('sha256');
    v.update(text);
    try {
      return v.verify(pem, signature);
    } catch {
      return false;
    }
  });
  if (!verified)
    throw refuse(401, 'DSP_UNKNOWN_USER', `no XML-signing certificate of ${user} verifies the signature`);
  return u;
}

/** 403 unless `signedAt` is within `windowMs` of `now`. */
export function checkSignedAt(now: number, signedAt: number, windowMs: number): void {
  if (Math.abs(now - signedAt) > windowMs)
    throw refuse(403, 'DSP_COUNTER_REPLAY', `signedAt ${signedAt} is outside ±5 min of the DSP clock`);
}
