/**
 * The test CA's revocation list as an X.509 CRL (RFC 5280 section 5), for a
 * broker the project does not run itself (issue 13: `MQTT_URL` = Mosquitto
 * or another external broker). The CA signs it with its own key (ECDSA
 * P-256, SHA-256); each entry carries the revoked certificate's serial, the
 * revocation time and a reason code; the CRL Number grows with `thisUpdate`
 * (milliseconds), so CRLs written by different processes of one data
 * directory stay ordered. Mosquitto reads it with `crlfile` and re-reads it
 * on SIGHUP (docs/running.md "An external broker and revocation").
 *
 * Pure: the list and the times in, the PEM out.
 */
// tsyringe (under @peculiar/x509) needs the Reflect metadata API; this shim must load first.
import '../../gbcs/x509-runtime.ts';
import * as x509 from '@peculiar/x509';
import type { RevokedCertificate } from './revocations.ts';

/** How long a CRL is valid: a broker refuses every client once `nextUpdate` has passed without a newer one. */
export const CRL_VALIDITY_MS = 30 * 24 * 3600_000;

const CRL_NUMBER_OID = '2.5.29.20';

const REASON: Record<RevokedCertificate['reason'], x509.X509CrlReason> = {
  replaced: x509.X509CrlReason.superseded,
  revoked: x509.X509CrlReason.unspecified,
  'key-compromise': x509.X509CrlReason.keyCompromise,
};

export interface CrlInput {
  caCert: x509.X509Certificate;
  caKey: CryptoKey;
  revoked: readonly RevokedCertificate[];
  /** Issue time (ms); also the CRL Number. */
  thisUpdate: number;
  /** Default `thisUpdate + CRL_VALIDITY_MS`. */
  nextUpdate?: number;
}

/** A DER INTEGER (positive) for a non-negative bigint. */
function derPositiveInteger(n: bigint): ArrayBuffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let body = Buffer.from(hex, 'hex');
  if (body[0] & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  const der = Buffer.concat([Buffer.from([0x02, body.length]), body]);
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.length) as ArrayBuffer;
}

/** Signs a CRL of `revoked` with the CA's key; PEM (`-----BEGIN X509 CRL-----`). */
export async function issueCrl(o: CrlInput): Promise<string> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: o.caCert.subject,
    thisUpdate: new Date(o.thisUpdate),
    nextUpdate: new Date(o.nextUpdate ?? o.thisUpdate + CRL_VALIDITY_MS),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    signingKey: o.caKey,
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(o.caCert.publicKey),
      new x509.Extension(
        CRL_NUMBER_OID,
        false,
        derPositiveInteger(BigInt(Math.max(0, Math.floor(o.thisUpdate)))),
      ),
    ],
    entries: [...o.revoked]
      .sort((a, b) => a.at - b.at || a.serial.localeCompare(b.serial))
      .map((r) => ({
        serialNumber: r.serial.toLowerCase(),
        revocationDate: new Date(r.at),
        reason: REASON[r.reason] ?? x509.X509CrlReason.unspecified,
      })),
  });
  // the PEM label OpenSSL (and so Mosquitto) reads is `X509 CRL` (RFC 7468 section 6)
  const b64 = Buffer.from(crl.rawData)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN X509 CRL-----\n${b64}\n-----END X509 CRL-----\n`;
}
