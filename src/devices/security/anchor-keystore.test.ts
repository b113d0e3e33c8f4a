import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestPki, type KeySlot, MemoryKeyStore } from '../../gbcs/index.ts';
import {
  type DeviceCredentials,
  peerFromKeyStore,
  TrustAnchors,
  trustAnchorsFromKeyStore,
} from './credentials.ts';

/** What a device's key store held before it was a view: a MemoryKeyStore filled with its keys, cells, then peers. */
function filledStore(own: DeviceCredentials, ta: TrustAnchors): MemoryKeyStore {
  const ks = new MemoryKeyStore();
  if (own.kaCertificate) ks.addCertificate(own.kaCertificate, 'ka');
  ks.addPrivateKey(own.eui, 'ka', own.kaPrivateKey);
  ks.addCertificate(own.dsCertificate, 'ds');
  ks.addPrivateKey(own.eui, 'ds', own.dsPrivateKey);
  for (const [, a] of ta.cellEntries()) {
    if (a.ka) ks.addCertificate(a.ka, 'ka');
    if (a.ds) ks.addCertificate(a.ds, 'ds');
    if (a.prepaymentKa) ks.addCertificate(a.prepaymentKa, 'pp-ka');
  }
  for (const p of ta.peerEntries()) {
    ks.addCertificate(p.ka, 'ka');
    if (p.ds) ks.addCertificate(p.ds, 'ds');
  }
  return ks;
}

describe('a device key store over its trust anchors (TrustAnchors.toKeyStore)', () => {
  it('answers as the store filled with its own keys, its cells and its peers', async () => {
    const pki = await createTestPki();
    const supplier = '90B3D51F30010000';
    const acb = '90B3D51F30000002';
    const other = '90B3D51F30030000';
    await pki.addRemoteParty(supplier, 2, { prepayment: true });
    await pki.addRemoteParty(acb, 4);
    await pki.addRemoteParty(other, 3);
    const esme = '00DB1234567890A0';
    const ppmid = '00DB1234567890A4';
    const stranger = '00DB1234567890A9';
    await pki.addDevice(esme);
    await pki.addDevice(ppmid);
    await pki.addDevice(stranger);
    const w = pki.store;
    const ta = trustAnchorsFromKeyStore(w, [supplier, acb, other], null);
    ta.addPeer(peerFromKeyStore(w, ppmid, 'PPMID'));
    for (const withKaCert of [true, false]) {
      const own: DeviceCredentials = {
        eui: esme,
        kaPrivateKey: w.privateKey(esme, 'ka')!,
        kaCertificate: withKaCert ? w.certificate(esme, 'ka')! : null,
        dsPrivateKey: w.privateKey(esme, 'ds')!,
        dsCertificate: w.certificate(esme, 'ds')!,
      };
      const view = ta.toKeyStore(own);
      const ref = filledStore(own, ta);
      for (const eui of [
        esme,
        supplier,
        acb,
        other,
        ppmid,
        stranger,
        esme.toLowerCase(),
        supplier.toLowerCase(),
      ])
        for (const slot of ['ka', 'ds', 'pp-ka'] as KeySlot[]) {
          const at = `${eui} ${slot} (own KA certificate: ${withKaCert})`;
          assert.equal(view.get(eui, slot) === undefined, ref.get(eui, slot) === undefined, at);
          assert.equal(view.certificate(eui, slot), ref.certificate(eui, slot), at);
          assert.equal(view.privateKey(eui, slot), ref.privateKey(eui, slot), at);
          const [a, b] = [view.publicKey(eui, slot), ref.publicKey(eui, slot)];
          assert.equal(a === undefined, b === undefined, at);
          if (a && b) assert.ok(a.equals(b), at);
          assert.equal(view.role(eui), ref.role(eui), at);
        }
      assert.deepEqual(new Set(view.euis()), new Set(ref.euis()));
      assert.deepEqual(new Set(view.remoteParties()), new Set(ref.remoteParties()));
      const keys = (s: Iterable<{ eui: string; slot: string }>) =>
        new Set([...s].map((e) => `${e.eui}/${e.slot}`));
      assert.deepEqual(keys(view.entries()), keys(ref.entries()));
    }
  });

  it('refuses a certificate whose key usage does not fit its slot, as a MemoryKeyStore does', async () => {
    const pki = await createTestPki();
    const esme = '00DB1234567890A0';
    await pki.addDevice(esme);
    const w = pki.store;
    const own: DeviceCredentials = {
      eui: esme,
      kaPrivateKey: w.privateKey(esme, 'ka')!,
      kaCertificate: w.certificate(esme, 'ds')!,
      dsPrivateKey: w.privateKey(esme, 'ds')!,
      dsCertificate: w.certificate(esme, 'ds')!,
    };
    assert.throws(() => new TrustAnchors().toKeyStore(own), /does not fit slot ka/);
  });
});
