/**
 * Unknown Remote Party reads (DUIS ReadLogFutureDatableAndURPCredentials:
 * SRs 4.4.2, 4.4.3, 4.6.1, 4.8.1, 4.10, 4.14, 4.17 with
 * KAPublicSecurityCredentials). The requester is not a remote party the
 * device knows, so GBCS has the ACB originate the command, with the
 * requester as Supplementary Remote Party (its EUI and RequestID counter)
 * and the requester's KA certificate in the General Ciphering header
 * (other-information); the device encrypts the protected response for that
 * certificate's key (RTDS ECS21b and GCS16b URP commands).
 *
 * The DSP checks the certificate as the DCC would, before it builds
 * anything (the device cannot: it holds no cell for the party):
 * - an X.509 certificate the project's DER reader parses (`malformed`);
 * - its key on P-256, uncompressed (`not-p256`);
 * - key usage keyAgreement and nothing else (`not-key-agreement`; GBCS: one
 *   usage per key);
 * - a remote party's (EUI in x500UniqueIdentifier), of the requesting user
 *   (RequestID originator), in the user's role (OU) where the DCC knows it
 *   (`not-remote-party`, `not-requester`, `wrong-role`);
 * - issued by an SMKI Organisation CA the DSP trusts (TransformContext
 *   `smkiOrgCas`): issuer name and key identifier, ECDSA P-256 signature
 *   (`unknown-issuer`, `bad-signature`);
 * - valid at the DSP clock, notBefore <= now <= notAfter (`not-yet-valid`,
 *   `expired`).
 * A failure is DspUrpCredentialError (DspBodyInvalidError kind
 * `credentials`, with the typed `reason`; the DSP service counts
 * `urp.refused.<reason>`), answered with DUIS E1 (errors.ts BODY_REFUSALS;
 * PROVISIONAL: no DUIS text here words the code for an invalid URP
 * credential, E1 is the nearest worded one), before any command, record or
 * outbox row exists: the device receives nothing. Not checked: revocation
 * (no SMKI CRL here) and the Org CA's own chain to the SMKI Root (the DSP
 * trusts the Org CA certificates it is given).
 */
import { issuedByOneOf } from '../../../gbcs/cert-path.ts';
import {
  type GbcsCertificate,
  GbcsError,
  parseGbcsCertificate,
  REMOTE_PARTY_ROLES,
} from '../../../gbcs/index.ts';
import type { Eui } from '../../../runtime/bytes.ts';
import { DspBodyInvalidError } from './errors.ts';

const PATH = 'KAPublicSecurityCredentials';

/** Why an Unknown Remote Party read's certificate is refused. */
export type UrpRefusalReason =
  | 'malformed'
  | 'not-p256'
  | 'not-key-agreement'
  | 'not-remote-party'
  | 'not-requester'
  | 'wrong-role'
  | 'unknown-issuer'
  | 'bad-signature'
  | 'not-yet-valid'
  | 'expired'
  /** the ACB itself asks (every device knows the ACB) */
  | 'acb-requester';

/** An Unknown Remote Party read's KAPublicSecurityCredentials refused (DUIS E1, kind `credentials`), with why. */
export class DspUrpCredentialError extends DspBodyInvalidError {
  constructor(
    readonly reason: UrpRefusalReason,
    message: string,
    cause?: unknown,
  ) {
    super(`Unknown Remote Party read: ${message}`, PATH, cause, 'credentials');
  }
}

const refuse = (reason: UrpRefusalReason, message: string, cause?: unknown) =>
  new DspUrpCredentialError(reason, message, cause);

function roleName(ou: number | null | undefined): string {
  return ou == null ? 'none' : `${ou} (${REMOTE_PARTY_ROLES[ou] ?? 'unknown'})`;
}

/** What the DCC checks the certificate against: its clock and the Organisation CAs it trusts. */
export interface UrpTrust {
  /** the DSP's time, epoch ms */
  now: number;
  /** SMKI Organisation CA certificates (DER) */
  orgCas: readonly Uint8Array[];
}

/** keyUsage flags as @peculiar/x509 numbers them (RFC 5280 bit n = 1 << n). */
const KEY_AGREEMENT = 16;
const OID_KEY_USAGE = '2.5.29.15';

/** The certificate's keyUsage flags (its full X.509 parse; a URP read is rare, the parse is cheap next to it). */
function keyUsages(cert: GbcsCertificate): number {
  let ext: { usages?: number } | undefined;
  try {
    ext = cert.x509.extensions.find((e) => e.type === OID_KEY_USAGE) as { usages?: number } | undefined;
  } catch (e) {
    throw refuse(
      'malformed',
      `not a well-formed X.509 certificate (${e instanceof Error ? e.message : String(e)})`,
      e,
    );
  }
  return ext?.usages ?? 0;
}

const ISSUER_FAILURE = {
  malformed: ['malformed', 'the certificate or an Organisation CA certificate is malformed'],
  'unknown-issuer': [
    'unknown-issuer',
    'the certificate is not issued by an SMKI Organisation CA the DCC trusts',
  ],
  'bad-signature': [
    'bad-signature',
    "the certificate's signature does not verify with the key of the Organisation CA it names",
  ],
} as const;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The requester's KA certificate from an Unknown Remote Party read, checked
 * against the DCC's trust (`trust`) and the requesting user (`requester`,
 * and its role as the DCC knows it). Throws DspUrpCredentialError saying why.
 */
export function urpCertificate(
  der: Uint8Array,
  requester: Eui,
  requesterRole: number | null | undefined,
  trust: UrpTrust,
): GbcsCertificate {
  let cert: GbcsCertificate;
  try {
    cert = parseGbcsCertificate(der);
    void cert.publicKey; // the P-256 point check, made on first use
  } catch (e) {
    if (!(e instanceof GbcsError)) throw e;
    const curve = /P-256|prime256v1|EC key/.test(e.message);
    throw refuse(curve ? 'not-p256' : 'malformed', `not a GBCS certificate (${e.message})`, e);
  }
  if (cert.usage !== 'ka' || keyUsages(cert) !== KEY_AGREEMENT)
    throw refuse(
      'not-key-agreement',
      'the certificate is not a Key Agreement certificate (keyUsage keyAgreement only)',
    );
  if (cert.kind !== 'remote-party')
    throw refuse(
      'not-remote-party',
      `the certificate is a device certificate (${cert.eui}), not a remote party's`,
    );
  if (cert.eui !== requester)
    throw refuse(
      'not-requester',
      `the certificate is of ${cert.eui}, not of the requesting user ${requester}`,
    );
  if (requesterRole != null && cert.role !== requesterRole)
    throw refuse(
      'wrong-role',
      `the certificate's role ${roleName(cert.role)} is not the requesting user's role ${roleName(requesterRole)}`,
    );
  const issuer = issuedByOneOf(der, trust.orgCas);
  if (issuer) throw refuse(ISSUER_FAILURE[issuer][0], ISSUER_FAILURE[issuer][1]);
  if (trust.now < cert.notBefore.getTime())
    throw refuse(
      'not-yet-valid',
      `the certificate is not valid before ${cert.notBefore.toISOString()} (DCC time ${iso(trust.now)})`,
    );
  if (trust.now > cert.notAfter.getTime())
    throw refuse(
      'expired',
      `the certificate expired at ${cert.notAfter.toISOString()} (DCC time ${iso(trust.now)})`,
    );
  return cert;
}
