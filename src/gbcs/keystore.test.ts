/**
 * parseGbcsCertificate reads certificates with the project's own DER reader;
 * this checks it against @peculiar/x509 (a full X.509 parser) field for field
 * on every RTDS certificate and on freshly issued test-PKI ones, and the
 * HolderKeyStore view against what one party may hold.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import './x509-runtime.ts';
import * as x509 from '@peculiar/x509';
import { fixturesDir } from '../devices/home/profiles.ts';
import {
  type GbcsCertificate,
  HolderKeyStore,
  type MemoryKeyStore,
  parseGbcsCertificate,
} from './keystore.ts';
import { createTestPki } from './pki.ts';

const RTDS = join(fixturesDir(), 'rtds', 'keystore');

function sameAsX509(c: GbcsCertificate, pem: string): void {
  const ref = new x509.X509Certificate(pem);
  const ku = ref.getExtension(x509.KeyUsagesExtension)!;
  assert.equal(c.usage, ku.usages & x509.KeyUsageFlags.keyAgreement ? 'ka' : 'ds');
  assert.equal(c.serialNumber, ref.serialNumber.toUpperCase());
  assert.equal(c.notBefore.getTime(), ref.notBefore.getTime());
  assert.equal(c.notAfter.getTime(), ref.notAfter.getTime());
  assert.deepEqual(c.publicKey.export({ type: 'spki', format: 'der' }), Buffer.from(ref.publicKey.rawData));
  assert.equal(c.subject, ref.subject);
  assert.equal(c.issuer, ref.issuer);
  const ou = ref.subjectName.getField('OU')[0];
  const uid = ref.subjectName.getField('2.5.4.45')[0];
  if (c.kind === 'remote-party') assert.equal(uid?.toUpperCase().replace(/^#/, ''), `030900${c.eui}`);
  else
    assert.ok(
      Buffer.from(ref.getExtension('2.5.29.17')!.value).toString('hex').toUpperCase().includes(c.eui),
    );
  assert.equal(c.role, c.kind === 'device' ? null : Number(ou));
}

describe('parseGbcsCertificate', () => {
  const pems = readdirSync(RTDS).filter((f) => f.endsWith('.pem'));
  it(`reads every RTDS certificate as @peculiar/x509 does (${pems.length} files)`, () => {
    let n = 0;
    for (const f of pems) {
      const text = readFileSync(join(RTDS, f), 'utf8');
      if (!text.includes('BEGIN CERTIFICATE')) continue;
      const c = parseGbcsCertificate(text);
      sameAsX509(c, text);
      n++;
    }
    assert.ok(n > 100, `${n} certificates`);
  });

  it('reads the test PKI certificates (written by its own DER writer) as @peculiar/x509 does', async () => {
    const pki = await createTestPki();
    const party = await pki.addRemoteParty('90B3D51F40010000', 2, { prepayment: true });
    const dev = await pki.addDevice('00DB9999000000A0');
    for (const k of [party.ka, party.ds, party.ppKa!, dev.ka, dev.ds]) {
      sameAsX509(k.certificate, k.certificatePem);
      const again = parseGbcsCertificate(k.certificatePem);
      assert.deepEqual(
        { eui: again.eui, usage: again.usage, role: again.role, kind: again.kind },
        {
          eui: k.certificate.eui,
          usage: k.certificate.usage,
          role: k.certificate.role,
          kind: k.certificate.kind,
        },
      );
      const ref = new x509.X509Certificate(k.certificatePem);
      assert.equal(
        ref.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId,
        pki.issuingCa.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
      );
    }
    assert.equal(party.ds.certificate.role, 2);
    assert.equal(dev.ka.certificate.kind, 'device');
  });

  it('refuses what is not a certificate, with a typed error', () => {
    assert.throws(() => parseGbcsCertificate('hello'), /certificate:/);
    assert.throws(() => parseGbcsCertificate(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01)), /certificate:/);
  });

  it('refuses a key that is not P-256 when parsing; makes the KeyObject on first use only', () => {
    const pem = readFileSync(join(RTDS, pems[0]), 'utf8');
    const der = parseGbcsCertificate(pem).der;
    const p256 = Buffer.from('06082a8648ce3d030107', 'hex'); // OID prime256v1
    const at = Buffer.from(der).indexOf(p256);
    assert.ok(at > 0);
    const other = Uint8Array.from(der);
    other[at + p256.length - 1] = 0x06; // 1.2.840.10045.3.1.6: another curve
    assert.throws(() => parseGbcsCertificate(other), /not on P-256/);
    const c = parseGbcsCertificate(pem);
    // a getter of the certificate class: the KeyObject is made when first read
    assert.equal(
      Object.getOwnPropertyDescriptor(Object.getPrototypeOf(c), 'publicKey')?.get !== undefined,
      true,
    );
    assert.equal(c.publicKey, c.publicKey, 'made once');
  });
});

describe('HolderKeyStore', async () => {
  const pki = await createTestPki();
  await pki.addRemoteParty('90B3D51F40010000', 2);
  await pki.addDevice('00DB9999000000A0');
  await pki.addDevice('00DB9999000000A2');
  const world: MemoryKeyStore = pki.store;

  it('sees every certificate and only its holders private keys', () => {
    const chf = new HolderKeyStore(world, ['00db9999000000a2']);
    assert.ok(chf.privateKey('00DB9999000000A2', 'ka'));
    assert.equal(chf.privateKey('00DB9999000000A0', 'ka'), undefined);
    assert.equal(chf.get('00DB9999000000A0', 'ds')?.privateKey, undefined);
    assert.ok(chf.certificate('00DB9999000000A0', 'ds'));
    assert.equal(chf.role('90B3D51F40010000'), 2);
    assert.deepEqual(chf.remoteParties(), ['90B3D51F40010000']);
    for (const e of chf.entries()) if (e.eui !== '00DB9999000000A2') assert.equal(e.privateKey, undefined);
  });

  it('is a view: keys issued later are seen', async () => {
    const chf = new HolderKeyStore(world, ['00DB9999000000A2']);
    await pki.addDevice('00DB9999000000B0');
    assert.ok(chf.certificate('00DB9999000000B0', 'ka'));
    assert.equal(chf.privateKey('00DB9999000000B0', 'ka'), undefined);
  });
});
