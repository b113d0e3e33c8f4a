import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import '../../gbcs/x509-runtime.ts';
import * as x509 from '@peculiar/x509';
import { CRL_VALIDITY_MS, issueCrl } from './crl.ts';
import { TestPki } from './test-pki.ts';

const T0 = Date.parse('2026-12-07T00:00:00Z');

describe('CRL of the test CA (issue 13, external broker)', () => {
  it('issueCrl: an X.509 CRL signed by the CA, one entry per revoked serial with its reason, CRL Number = thisUpdate', async () => {
    const pki = await TestPki.open({ now: () => T0 });
    const a = await pki.issueClient('00000000000000A1');
    const b = await pki.issueClient('00000000000000B2');
    const ca = new x509.X509Certificate(pki.caCertPem);
    const caKey = (pki as unknown as { caKey: CryptoKey }).caKey;
    const serial = (pem: string) => new X509Certificate(pem).serialNumber.toUpperCase();
    const pem = await issueCrl({
      caCert: ca,
      caKey,
      thisUpdate: T0,
      revoked: [
        { serial: serial(b.certPem), subject: 'b', reason: 'key-compromise', at: T0 - 1000 },
        { serial: serial(a.certPem), subject: 'a', reason: 'replaced', at: T0 - 2000 },
      ],
    });
    assert.match(pem, /^-----BEGIN X509 CRL-----\n/);
    const crl = new x509.X509Crl(pem);
    assert.equal(await crl.verify({ publicKey: ca.publicKey }), true);
    const other = await TestPki.open({ now: () => T0, caName: 'someone else' });
    assert.equal(await crl.verify({ publicKey: new x509.X509Certificate(other.caCertPem).publicKey }), false);
    assert.equal(crl.issuer, ca.subject);
    assert.equal(crl.thisUpdate.getTime(), T0);
    assert.equal(crl.nextUpdate?.getTime(), T0 + CRL_VALIDITY_MS);
    assert.deepEqual(
      crl.entries.map((e) => [e.serialNumber.toUpperCase(), e.reason, e.revocationDate.getTime()]),
      [
        [serial(a.certPem), x509.X509CrlReason.superseded, T0 - 2000],
        [serial(b.certPem), x509.X509CrlReason.keyCompromise, T0 - 1000],
      ],
    );
    const number = crl.getExtension('2.5.29.20');
    assert.ok(number);
    assert.equal(BigInt(`0x${Buffer.from(number.value).subarray(2).toString('hex')}`), BigInt(T0));
  });

  it('TestPki writes <dir>/ca.crl and crlFile on open (empty) and again after each revocation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ppmid-crl-'));
    try {
      const exported = join(dir, 'broker', 'ca.crl');
      const pki = await TestPki.open({ dir: join(dir, 'pki'), crlFile: exported });
      for (const f of [join(dir, 'pki', 'ca.crl'), exported]) {
        assert.ok(existsSync(f), f);
        assert.deepEqual(new x509.X509Crl(readFileSync(f, 'utf8')).entries, []);
      }
      const c = await pki.clientCredentials('00000000000000C3');
      pki.revoke(c.certPem, 'revoked');
      await pki.crlWritten();
      for (const f of [join(dir, 'pki', 'ca.crl'), exported]) {
        const crl = new x509.X509Crl(readFileSync(f, 'utf8'));
        assert.deepEqual(
          crl.entries.map((e) => e.serialNumber.toUpperCase()),
          [new X509Certificate(c.certPem).serialNumber.toUpperCase()],
          f,
        );
      }
      // another process of the data directory (a reopened CA) publishes the same list
      const again = await TestPki.open({ dir: join(dir, 'pki') });
      assert.equal(new x509.X509Crl(await again.crlWritten()).entries.length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
