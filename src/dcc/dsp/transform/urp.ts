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
 * The DSP checks the certificate before it builds anything: a GBCS
 * remote-party certificate (P-256 key, EUI in x500UniqueIdentifier), key
 * usage keyAgreement, whose EUI is the requesting user's (RequestID
 * originator) and whose role (OU) is the user's role where the DCC knows it.
 * Not yet checked (issue 17, open): its validity period at the DSP clock
 * (the RTDS certificates are not yet valid at the RTDS time, 2015-01-01) and
 * its issuer (an SMKI Organisation CA the DSP would have to be given). The
 * refusal is DSP_BODY_INVALID kind `credentials`, answered with DUIS E1
 * (errors.ts BODY_REFUSALS; PROVISIONAL: no DUIS text here words the code
 * for an invalid URP credential, E1 is the nearest worded one), before any
 * command, record or outbox row exists.
 */
import {
  type GbcsCertificate,
  GbcsError,
  parseGbcsCertificate,
  REMOTE_PARTY_ROLES,
} from '../../../gbcs/index.ts';
import type { Eui } from '../../../runtime/bytes.ts';
import { DspBodyInvalidError } from './errors.ts';

const PATH = 'KAPublicSecurityCredentials';

const refuse = (message: string, cause?: unknown) =>
  new DspBodyInvalidError(`Unknown Remote Party read: ${message}`, PATH, cause, 'credentials');

function roleName(ou: number | null | undefined): string {
  return ou == null ? 'none' : `${ou} (${REMOTE_PARTY_ROLES[ou] ?? 'unknown'})`;
}

/**
 * The requester's KA certificate from an Unknown Remote Party read, checked
 * against the requesting user (`requester`, and its role as the DCC knows
 * it). Throws DspBodyInvalidError (kind `credentials`) saying why.
 */
export function urpCertificate(
  der: Uint8Array,
  requester: Eui,
  requesterRole: number | null | undefined,
): GbcsCertificate {
  let cert: GbcsCertificate;
  try {
    cert = parseGbcsCertificate(der);
    void cert.publicKey; // the P-256 point check, made on first use
  } catch (e) {
    if (e instanceof GbcsError) throw refuse(`not a GBCS certificate (${e.message})`, e);
    throw e;
  }
  if (cert.usage !== 'ka')
    throw refuse('the certificate is not a Key Agreement certificate (keyUsage keyAgreement)');
  if (cert.kind !== 'remote-party')
    throw refuse(`the certificate is a device certificate (${cert.eui}), not a remote party's`);
  if (cert.eui !== requester)
    throw refuse(`the certificate is of ${cert.eui}, not of the requesting user ${requester}`);
  if (requesterRole != null && cert.role !== requesterRole)
    throw refuse(
      `the certificate's role ${roleName(cert.role)} is not the requesting user's role ${roleName(requesterRole)}`,
    );
  return cert;
}
