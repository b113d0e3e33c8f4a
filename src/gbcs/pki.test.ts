/**
 * The generated test PKI: certificates look like the RTDS ones to the
 * parser, and messages signed and MAC'd with fresh keys verify end to end.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fromHex } from '../runtime/bytes.ts';
import {
  createTestPki,
  encodeApdu,
  generateUtrn,
  keyStoreFromFiles,
  MemoryKeyStore,
  parseGbcsCertificate,
  SecurityContext,
  TestPki,
  verifyUtrn,
} from './index.ts';
import { keyIdentifier, p256Spki } from './pki.ts';

const ACB = '90B3D51F40000002';
const SUPPLIER = '90B3D51F40010000';
const ESME = '00DB9999000000A0';

describe('createTestPki (generated profile)', async () => {
  const pki = await createTestPki();
  const acb = await pki.addRemoteParty(ACB, 4);
  const supplier = await pki.addRemoteParty(SUPPLIER, 2, { prepayment: true });
  const esme = await pki.addDevice(ESME);

  it('certificates parse like GBCS ones: EUI, usage, role, kind', () => {
    assert.equal(acb.ka.certificate.eui, ACB);
    assert.equal(acb.ka.certificate.role, 4);
    assert.equal(acb.ka.certificate.kind, 'remote-party');
    assert.equal(acb.ds.certificate.usage, 'ds');
    assert.equal(supplier.ppKa?.certificate.usage, 'ka');
    assert.equal(esme.ka.certificate.kind, 'device');
    assert.equal(esme.ka.certificate.role, null);
    assert.equal(esme.ds.certificate.eui, ESME);
    assert.equal(esme.ka.certificate.subject, '');
    const again = parseGbcsCertificate(esme.ka.certificatePem);
    assert.equal(again.eui, ESME);
    assert.ok(pki.store.privateKey(ESME, 'ka'));
    assert.equal(pki.store.role(SUPPLIER), 2);
  });

  it('certificates chain to the issuing CA and the root', async () => {
    assert.ok(await esme.ka.certificate.x509.verify({ publicKey: pki.issuingCa.certificate.publicKey }));
    assert.ok(await pki.issuingCa.certificate.verify({ publicKey: pki.root.certificate.publicKey }));
    assert.ok(!(await esme.ka.certificate.x509.verify({ publicKey: pki.root.certificate.publicKey })));
  });

  it('a critical command signed by the supplier and MAC-wrapped for the ACB verifies at the ESME', () => {
    const ctx = new SecurityContext({ keyStore: pki.store, acb: ACB });
    const wire = ctx.wrap(
      ctx.sign(
        encodeApdu({
          cra: 'command',
          originatorCounter: 0x100000n,
          originator: SUPPLIER,
          recipient: ESME,
          otherInfo: { messageCode: 0x0008 },
          content: fromHex('D9200010000001'),
        }),
      ),
    );
    // the ESME holds only its own private keys and the others' certificates
    const esmeStore = new MemoryKeyStore();
    esmeStore.addPrivateKey(ESME, 'ka', esme.ka.privateKey);
    for (const k of [acb.ka, supplier.ds, supplier.ka]) esmeStore.addCertificate(k.certificate);
    const v = new SecurityContext({ keyStore: esmeStore, acb: ACB }).decodeVerify(wire);
    assert.equal(v.mac, 'valid');
    assert.equal(v.signature, 'valid');
    // and the RTDS ACB would not accept it
    const wrongAcb = new SecurityContext({ keyStore: esmeStore, acb: SUPPLIER }).decodeVerify(wire);
    assert.notEqual(wrongAcb.mac, 'valid');
  });

  it('keystore files in the RTDS layout load back', () => {
    const files = TestPki.keystoreFiles([...Object.values(esme), acb.ka, acb.ds, supplier.ppKa!]);
    const { store, report } = keyStoreFromFiles(files);
    assert.equal(report.skipped.length, 0);
    assert.equal(store.euis().length, 3);
    assert.ok(store.get(SUPPLIER, 'pp-ka')?.privateKey);
  });

  it('UTRNs with generated prepayment keys', () => {
    const ctx = new SecurityContext({ keyStore: pki.store });
    const req = {
      supplier: SUPPLIER,
      device: ESME,
      counter: 0x0000000500000001n,
      value: 2500,
      valueClass: 'pennies' as const,
    };
    const utrn = generateUtrn(ctx, req);
    assert.match(utrn, /^\d{20}$/);
    assert.deepEqual(verifyUtrn(ctx, utrn, SUPPLIER, ESME, req.counter), {
      valid: true,
      value: 2500,
      valueClass: 'pennies',
    });
  });
});

describe('p256Spki', () => {
  it('writes the bytes node exports as DER SubjectPublicKeyInfo, for any P-256 key', () => {
    for (let i = 0; i < 50; i++) {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      assert.deepEqual(Buffer.from(p256Spki(publicKey)), publicKey.export({ format: 'der', type: 'spki' }));
    }
  });

  it('refuses a key that is not P-256', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    assert.throws(() => p256Spki(publicKey), RangeError);
  });
});

describe('keyIdentifier: GBCS subjectKeyIdentifier (RFC 5280 method 2, 8 octets)', () => {
  const dir = new URL('../../../shared/fixtures/rtds/keystore/', import.meta.url);
  const pems = readdirSync(dir).filter((f) => f.endsWith('.pem'));
  const skiOf = (cert: X509Certificate): string | undefined =>
    // The SKI extension: OID 2.5.29.14, OCTET STRING wrapping OCTET STRING (8).
    /0603551d0e040a0408([0-9a-f]{16})/.exec(cert.raw.toString('hex'))?.[1];

  it('equals the SKI of every RTDS certificate that carries one', () => {
    let checked = 0;
    for (const name of pems) {
      const text = readFileSync(new URL(name, dir), 'utf8');
      if (!text.includes('BEGIN CERTIFICATE')) continue;
      const cert = new X509Certificate(text);
      const expected = skiOf(cert);
      if (expected === undefined) continue;
      const spki = new Uint8Array(cert.publicKey.export({ format: 'der', type: 'spki' }));
      assert.equal(Buffer.from(keyIdentifier(spki)).toString('hex'), expected, name);
      checked++;
    }
    assert.ok(checked >= 10, `only ${checked} RTDS certificates carry an 8-octet SKI`);
  });

  it('is what the generated test PKI writes into its certificates', async () => {
    const pki = await createTestPki();
    const device = await pki.addDevice(ESME);
    const cert = new X509Certificate(device.ds.certificatePem);
    const spki = new Uint8Array(cert.publicKey.export({ format: 'der', type: 'spki' }));
    assert.equal(skiOf(cert), Buffer.from(keyIdentifier(spki)).toString('hex'));
  });
});
