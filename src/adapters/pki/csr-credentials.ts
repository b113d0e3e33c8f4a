/**
 * A DCC user's own TLS identity for the DCC User Interface (issue 13), made
 * as a device makes its own (SU-3): the user generates its P-256 key, sends
 * the CA a PKCS#10 request, and keeps the certificate the CA answers. The
 * private key never reaches the CA.
 *
 * With a `dir`, `<clientId>.key` (0600) and `<clientId>.crt` live there and
 * are reused while the certificate is of this CA, valid for a week more and
 * for this very key; otherwise a new CSR is sent.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCsr, generateDeviceKeyPem, type PemCredentials, type TestPki } from './test-pki.ts';

const WEEK_MS = 7 * 24 * 3600_000;

/** The certificate is this CA's, still valid a while, and certifies `keyPem`'s public key. */
function usable(certPem: string, keyPem: string, caPem: string, now: number): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    const mine = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    return (
      cert.checkIssued(ca) &&
      cert.verify(ca.publicKey) &&
      Date.parse(cert.validTo) > now + WEEK_MS &&
      Buffer.compare(cert.publicKey.export({ type: 'spki', format: 'der' }), mine) === 0
    );
  } catch {
    return false;
  }
}

export async function csrClientCredentials(
  pki: TestPki,
  clientId: string,
  o: { unit?: string; dir?: string; now?: () => number } = {},
): Promise<PemCredentials> {
  const now = o.now ?? Date.now;
  const keyFile = o.dir ? join(o.dir, `${clientId}.key`) : undefined;
  const certFile = o.dir ? join(o.dir, `${clientId}.crt`) : undefined;
  if (o.dir) mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  let keyPem: string;
  if (keyFile && existsSync(keyFile)) keyPem = readFileSync(keyFile, 'utf8');
  else {
    keyPem = generateDeviceKeyPem();
    if (keyFile) writeFileSync(keyFile, keyPem, { mode: 0o600 });
  }
  if (certFile && existsSync(certFile)) {
    const certPem = readFileSync(certFile, 'utf8');
    if (usable(certPem, keyPem, pki.caCertPem, now())) return { certPem, keyPem };
  }
  const certPem = await pki.signCsr(clientId, await createCsr(clientId, keyPem), o.unit);
  if (certFile) writeFileSync(certFile, certPem, { mode: 0o600 });
  return { certPem, keyPem };
}
