/**
 * Certification path checks (GBCS 13.3.3) and P-256 public key recovery:
 * the RTDS Root public key given to RTDS-profile devices
 * (devices/security/rtds-root.ts) is recomputed from the Root's signature on
 * the issuing CA certificate the RTDS CS02b commands carry; RTDS replacement
 * certificates chain to it, a Z2-issued one and a tampered CA do not; the
 * generated test PKI's certificates chain to its root.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { rtdsMessages } from '../../test/support/fixtures.ts';
import { RTDS_ROOT_PUBLIC_KEY_HEX, rtdsRootPublicKey } from '../devices/security/rtds-root.ts';
import { fromHex } from '../runtime/bytes.ts';
import { certParts, recoverP256PublicKeys, verifyCertificationPath } from './cert-path.ts';
import { decodeMessage } from './index.ts';
import { createTestPki } from './pki.ts';
import { decodeCommand } from './use-cases/index.ts';

type Update = {
  replacements: Array<{ replacementCertificate: string }>;
  certificationPathCertificates: string[];
};
function update(suffix: string): Update {
  const m = rtdsMessages().find((x) => x.name.endsWith(suffix))!;
  const d = decodeMessage(m.bytes);
  return decodeCommand(
    d.messageCode === 0x0126 ? 'CS02gLoadControllerBySupplier' : 'CS02bSupplierBySupplier',
    d.content,
  ).fields as Update;
}

describe('certification path (GBCS 13.3.3)', () => {
  const ok = update('CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX');
  const path = ok.certificationPathCertificates.map((h) => fromHex(h));

  it("the RTDS Root public key is one of the keys recovered from ZA's signature on Z1", () => {
    const z1 = certParts(path[0]!);
    const keys = recoverP256PublicKeys(z1.tbs, z1.signature);
    assert.equal(keys.length, 2);
    assert.equal(keys[0], RTDS_ROOT_PUBLIC_KEY_HEX);
  });

  it('RTDS replacement certificates chain to the Root through Z1', () => {
    for (const r of ok.replacements)
      assert.equal(
        verifyCertificationPath(fromHex(r.replacementCertificate), path, rtdsRootPublicKey()),
        null,
      );
  });

  it('no Root key, a certificate from another CA, a tampered CA, a wrong Root: refused', () => {
    const cert = fromHex(ok.replacements[0]!.replacementCertificate);
    assert.equal(verifyCertificationPath(cert, path, null), 'no-root-key');
    const z2 = update('CS02bSupplierBySupplier_6.15.1_IMMEDIATE_ERROR_COMMAND_GBCS.HEX');
    assert.equal(
      verifyCertificationPath(fromHex(z2.replacements[1]!.replacementCertificate), path, rtdsRootPublicKey()),
      'no-issuer-in-path',
    );
    const tampered = update('CS02gLoadControllerBySupplier_6.15.1_IMMEDIATE_ERROR_COMMAND_GBCS.HEX');
    assert.equal(
      verifyCertificationPath(
        cert,
        tampered.certificationPathCertificates.map((h) => fromHex(h)),
        rtdsRootPublicKey(),
      ),
      'issuer-not-signed-by-root',
    );
    assert.equal(
      verifyCertificationPath(cert, path, certParts(path[0]!).publicKey),
      'issuer-not-signed-by-root',
    );
  });

  it('the generated test PKI: a party certificate chains to its root', async () => {
    const pki = await createTestPki();
    const k = await pki.addRemoteParty('90B3D51F30010000', 2);
    const ca = new Uint8Array(pki.issuingCa.certificate.rawData);
    const root = new X509Certificate(pki.root.certificatePem).publicKey;
    assert.equal(verifyCertificationPath(k.ds.certificate.der, [ca], root), null);
    assert.equal(verifyCertificationPath(k.ds.certificate.der, [], root), 'no-issuer-in-path');
  });
});
