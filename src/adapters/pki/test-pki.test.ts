import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { csrClientCredentials } from './csr-credentials.ts';
import { createCsr, generateDeviceKeyPem, TestPki } from './test-pki.ts';

const P = '00DB1234567890A0';

describe('test PKI for the internet leg TLS (PP-1)', () => {
  it('issues a P-256 CA, a server certificate for 127.0.0.1/::1/localhost and client certificates CN = client id, all chaining to the CA', async () => {
    const pki = await TestPki.open();
    const ca = new X509Certificate(pki.caCertPem);
    assert.equal(ca.ca, true);
    assert.ok(ca.verify(ca.publicKey), 'self-signed');
    assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');

    const server = new X509Certificate(pki.server.certPem);
    assert.ok(server.checkIssued(ca) && server.verify(ca.publicKey));
    assert.equal(server.checkHost('localhost'), 'localhost');
    assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(server.checkIP('::1'), '::1');
    assert.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1']); // serverAuth (node reports the EKU here)
    assert.equal(server.ca, false);

    const creds = await pki.clientCredentials(P, 'PPMID');
    const client = new X509Certificate(creds.certPem);
    assert.ok(client.checkIssued(ca) && client.verify(ca.publicKey));
    assert.match(client.subject, new RegExp(`CN=${P}`));
    assert.match(client.subject, /OU=PPMID/);
    assert.deepEqual(client.keyUsage, ['1.3.6.1.5.5.7.3.2']); // clientAuth
    assert.match(creds.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    // cached: same credentials the second time; issueClient always makes new ones
    assert.equal((await pki.clientCredentials(P)).certPem, creds.certPem);
    const fresh = await pki.issueClient(P, { commonName: 'other' });
    assert.notEqual(new X509Certificate(fresh.certPem).serialNumber, client.serialNumber);
    assert.match(new X509Certificate(fresh.certPem).subject, /CN=other/);
  });

  it('persists to a directory and reuses everything on the next start (keys 0600)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ppmid-pki-'));
    try {
      const a = await TestPki.open({ dir });
      const ac = await a.clientCredentials(`supplier-${P}`);
      const b = await TestPki.open({ dir });
      assert.equal(b.caCertPem, a.caCertPem);
      assert.equal(b.server.certPem, a.server.certPem);
      assert.equal((await b.clientCredentials(`supplier-${P}`)).certPem, ac.certPem);
      assert.equal(readFileSync(join(dir, 'clients', `supplier-${P}.crt`), 'utf8'), ac.certPem);
      for (const f of ['ca.key', 'server.key', `clients/supplier-${P}.key`])
        assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('re-issues a persisted leaf that expires within a week; refuses an expired CA', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ppmid-pki-'));
    try {
      const now = Date.now();
      const a = await TestPki.open({ dir, leafDays: 3, now: () => now });
      const first = await a.clientCredentials(P);
      const b = await TestPki.open({ dir, now: () => now });
      assert.notEqual((await b.clientCredentials(P)).certPem, first.certPem);
      assert.notEqual(b.server.certPem, a.server.certPem);
      await assert.rejects(TestPki.open({ dir, now: () => now + 11 * 365 * 24 * 3600_000 }), { code: 'PKI' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two PKIs do not trust each other; client ids that cannot be file names or DNs are refused', async () => {
    const a = await TestPki.open();
    const b = await TestPki.open({ caName: 'other CA' });
    const cert = new X509Certificate((await b.clientCredentials(P)).certPem);
    assert.equal(cert.checkIssued(new X509Certificate(a.caCertPem)), false);
    for (const bad of ['../x', 'a/b', '', 'CN=x,O=y', 'x'.repeat(65)])
      await assert.rejects(a.clientCredentials(bad), { code: 'PKI' }, bad);
  });

  it('issue 13: signs a CSR for the device key (subject its own choice), refuses a bad one', async () => {
    const pki = await TestPki.open();
    const keyPem = generateDeviceKeyPem();
    const csr = await createCsr('someone-else', keyPem);
    const cert = new X509Certificate(await pki.signCsr(P, csr, 'PPMID'));
    assert.ok(cert.publicKey.equals(createPublicKey(keyPem)), 'the CSR key');
    assert.match(cert.subject, new RegExp(`CN=${P}`), 'the CA sets the subject, not the CSR');
    assert.ok(cert.checkIssued(new X509Certificate(pki.caCertPem)));
    // tampered (no proof of possession), not a CSR, another curve
    const b64 = csr.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const der = Buffer.from(b64, 'base64');
    der[der.length - 5] ^= 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    for (const bad of [tampered, 'nope', await createCsr(P, p384).catch(() => 'nope')])
      await assert.rejects(pki.signCsr(P, bad), { code: 'PKI' });
  });

  it('issue 13: a DCC user makes its own key and gets its DUIS TLS certificate by CSR, reused until it no longer fits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csr-creds-'));
    try {
      const pki = await TestPki.open();
      const a = await csrClientCredentials(pki, P, { unit: 'DCC User', dir });
      const cert = new X509Certificate(a.certPem);
      assert.ok(cert.publicKey.equals(createPublicKey(a.keyPem)), 'certifies the user key');
      assert.ok(cert.checkIssued(new X509Certificate(pki.caCertPem)));
      assert.match(cert.subject, new RegExp(`CN=${P}`));
      assert.equal(statSync(join(dir, `${P}.key`)).mode & 0o777, 0o600);
      assert.equal(readFileSync(join(dir, `${P}.key`), 'utf8'), a.keyPem);
      // the next start reuses key and certificate
      assert.deepEqual(await csrClientCredentials(pki, P, { dir }), a);
      // another CA: the same key, a new certificate of that CA
      const other = await TestPki.open({ caName: 'other CA' });
      const b = await csrClientCredentials(other, P, { dir });
      assert.equal(b.keyPem, a.keyPem);
      assert.notEqual(b.certPem, a.certPem);
      assert.ok(new X509Certificate(b.certPem).checkIssued(new X509Certificate(other.caCertPem)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
