/**
 * Certification path checks a GBCS device makes on a certificate it is asked
 * to trust (GBCS 13.3.3: Update Security Credentials): the certificate is
 * signed by an issuing CA of the path, and that CA certificate is signed by
 * the Root public key of the device's root Trust Anchor cell. ECDSA P-256 /
 * SHA-256 only (the GBCS suite). Pure: no state, typed errors.
 *
 * Also `recoverP256PublicKeys`: the public keys that can have made a given
 * ECDSA signature (SEC 1 4.1.6). The RTDS key store ships no Root
 * certificate; the RTDS profile gives its devices the Root public key
 * recovered from the Root's signature on the RTDS issuing CA certificate
 * (security/rtds-root.ts).
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { fromHex, toHex } from '../runtime/bytes.ts';
import { children, readTlv } from './asn1.ts';
import { GbcsMalformedError } from './errors.ts';

const OID_SKI = '551d0e';
const OID_AKI = '551d23';

/** The parts of an X.509 certificate a path check reads. */
export interface CertParts {
  der: Uint8Array;
  tbs: Uint8Array;
  /** DER ECDSA-Sig-Value */
  signature: Uint8Array;
  issuerName: string;
  subjectName: string;
  /** subjectKeyIdentifier, upper-case hex ('' if absent) */
  ski: string;
  /** authorityKeyIdentifier keyIdentifier, upper-case hex ('' if absent) */
  aki: string;
  publicKey: KeyObject;
}

/** Splits a DER certificate into the parts a path check needs (GbcsMalformedError if it is not one). */
export function certParts(der: Uint8Array): CertParts {
  try {
    const cert = readTlv(der, 0);
    const [tbsT, , sigT] = children(der.subarray(cert.start, cert.end));
    if (!tbsT || !sigT || sigT.tag !== 0x03) throw new GbcsMalformedError('certificate: not a Certificate');
    const body = der.subarray(cert.start, cert.end);
    const tbs = body.subarray(tbsT.offset, tbsT.end);
    const sigBits = body.subarray(sigT.start, sigT.end);
    const f = children(body.subarray(tbsT.start, tbsT.end));
    const i = f[0]?.tag === 0xa0 ? 1 : 0;
    const tbsBody = body.subarray(tbsT.start, tbsT.end);
    const issuer = f[i + 2]!;
    const subject = f[i + 4]!;
    const spki = f[i + 5]!;
    let ski = '';
    let aki = '';
    const extsT = f.find((t) => t.tag === 0xa3);
    if (extsT) {
      const seq = readTlv(tbsBody.subarray(extsT.start, extsT.end), 0);
      const extsBody = tbsBody.subarray(extsT.start, extsT.end).subarray(seq.start, seq.end);
      for (const e of children(extsBody)) {
        const parts = children(extsBody.subarray(e.start, e.end));
        const ext = extsBody.subarray(e.start, e.end);
        const oid = toHex(ext.subarray(parts[0]!.start, parts[0]!.end)).toLowerCase();
        const valT = parts[parts.length - 1]!;
        const val = ext.subarray(valT.start, valT.end);
        if (oid === OID_SKI) {
          const o = readTlv(val, 0);
          ski = toHex(val.subarray(o.start, o.end));
        } else if (oid === OID_AKI) {
          const s = readTlv(val, 0);
          for (const k of children(val.subarray(s.start, s.end)))
            if (k.tag === 0x80) aki = toHex(val.subarray(s.start, s.end).subarray(k.start, k.end));
        }
      }
    }
    return {
      der,
      tbs,
      signature: sigBits.subarray(1),
      issuerName: toHex(tbsBody.subarray(issuer.offset, issuer.end)),
      subjectName: toHex(tbsBody.subarray(subject.offset, subject.end)),
      ski,
      aki,
      publicKey: createPublicKey({
        key: Buffer.from(tbsBody.subarray(spki.offset, spki.end)),
        format: 'der',
        type: 'spki',
      }),
    };
  } catch (e) {
    if (e instanceof GbcsMalformedError) throw e;
    throw new GbcsMalformedError(`certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function signedBy(c: CertParts, key: KeyObject): boolean {
  try {
    return verify('sha256', c.tbs, { key, dsaEncoding: 'der' }, c.signature);
  } catch {
    return false;
  }
}

/** Why a certificate was not issued by any of some CA certificates (null: one issued it). */
export type IssuerFailure = 'malformed' | 'unknown-issuer' | 'bad-signature';

/**
 * Whether one of `issuers` (CA certificates, DER) issued `certificate`: its
 * subject is the certificate's issuer name (and its key identifier the
 * certificate's AKI where present) and its key verifies the certificate's
 * signature (ECDSA P-256 / SHA-256). Validity periods are the caller's.
 */
export function issuedByOneOf(certificate: Uint8Array, issuers: readonly Uint8Array[]): IssuerFailure | null {
  let leaf: CertParts;
  let cas: CertParts[];
  try {
    leaf = certParts(certificate);
    cas = issuers.map(certParts);
  } catch {
    return 'malformed';
  }
  const named = cas.filter((c) => c.subjectName === leaf.issuerName && (!leaf.aki || c.ski === leaf.aki));
  if (named.length === 0) return 'unknown-issuer';
  return named.some((c) => signedBy(leaf, c.publicKey)) ? null : 'bad-signature';
}

/** Why a certificate does not chain to the Root, or null when it does. */
export type PathFailure =
  | 'no-root-key'
  | 'malformed'
  | 'no-issuer-in-path'
  | 'issuer-not-signed-by-root'
  | 'bad-signature';

/**
 * Checks that `certificate` is signed by one of `path` (issuer name and key
 * identifier match) and that this issuer is signed by `rootKey`. No validity
 * periods (GBCS devices do not check them, GBCS.md 7).
 */
export function verifyCertificationPath(
  certificate: Uint8Array,
  path: readonly Uint8Array[],
  rootKey: KeyObject | null,
): PathFailure | null {
  if (!rootKey) return 'no-root-key';
  let leaf: CertParts;
  let cas: CertParts[];
  try {
    leaf = certParts(certificate);
    cas = path.map(certParts);
  } catch {
    return 'malformed';
  }
  const issuer = cas.find((c) => c.subjectName === leaf.issuerName && (!leaf.aki || c.ski === leaf.aki));
  if (!issuer) return 'no-issuer-in-path';
  if (!signedBy(issuer, rootKey)) return 'issuer-not-signed-by-root';
  if (!signedBy(leaf, issuer.publicKey)) return 'bad-signature';
  return null;
}

// ---------------------------------------------------------------- P-256 public key recovery (SEC 1 4.1.6)

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const A = P - 3n;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const G: Point = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};
type Point = { x: bigint; y: bigint } | null;

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
function inv(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}
function powMod(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  let x = mod(b, m);
  while (e > 0n) {
    if (e & 1n) r = (r * x) % m;
    x = (x * x) % m;
    e >>= 1n;
  }
  return r;
}
function add(p: Point, q: Point): Point {
  if (!p) return q;
  if (!q) return p;
  if (p.x === q.x && mod(p.y + q.y, P) === 0n) return null;
  const l =
    p.x === q.x && p.y === q.y
      ? mod((3n * p.x * p.x + A) * inv(2n * p.y, P), P)
      : mod((q.y - p.y) * inv(q.x - p.x, P), P);
  const x = mod(l * l - p.x - q.x, P);
  return { x, y: mod(l * (p.x - x) - p.y, P) };
}
function mul(k: bigint, p: Point): Point {
  let r: Point = null;
  let q = p;
  let e = mod(k, N);
  while (e > 0n) {
    if (e & 1n) r = add(r, q);
    q = add(q, q);
    e >>= 1n;
  }
  return r;
}

function derSignature(sig: Uint8Array): { r: bigint; s: bigint } {
  const seq = readTlv(sig, 0);
  const [rT, sT] = children(sig.subarray(seq.start, seq.end));
  const body = sig.subarray(seq.start, seq.end);
  const big = (t: typeof rT) => BigInt(`0x${toHex(body.subarray(t!.start, t!.end)) || '0'}`);
  return { r: big(rT), s: big(sT) };
}

/** An uncompressed P-256 point (04 || X || Y) as a public KeyObject. */
export function p256PublicKey(uncompressed: Uint8Array): KeyObject {
  if (uncompressed.length !== 65 || uncompressed[0] !== 0x04)
    throw new GbcsMalformedError('P-256 point: expected 65 bytes 04||X||Y');
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64(uncompressed.subarray(1, 33)), y: b64(uncompressed.subarray(33)) },
    format: 'jwk',
  });
}

/**
 * The public keys (uncompressed points, hex) that verify `signature` (DER
 * ECDSA-Sig-Value, SHA-256) over `data`: usually two, each checked with a
 * real verification before it is returned.
 */
export function recoverP256PublicKeys(data: Uint8Array, signature: Uint8Array): string[] {
  const { r, s } = derSignature(signature);
  if (r <= 0n || r >= N || s <= 0n || s >= N) return [];
  const e = BigInt(`0x${createHash('sha256').update(data).digest('hex')}`);
  const alpha = mod(r * r * r + A * r + B, P);
  const beta = powMod(alpha, (P + 1n) / 4n, P);
  if ((beta * beta) % P !== alpha) return [];
  const out: string[] = [];
  for (const y of [beta, P - beta]) {
    const R: Point = { x: r, y };
    const rInv = inv(r, N);
    const Q = add(mul(mod(s * rInv, N), R), mul(mod(-e * rInv, N), G));
    if (!Q) continue;
    const hex = `04${Q.x.toString(16).padStart(64, '0')}${Q.y.toString(16).padStart(64, '0')}`.toUpperCase();
    if (verify('sha256', data, { key: p256PublicKey(fromHex(hex)), dsaEncoding: 'der' }, signature))
      out.push(hex);
  }
  return out;
}
