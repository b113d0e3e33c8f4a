import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { verifyCertificationPath } from '../gbcs/cert-path.ts';
import { openSystemKeys, SYSTEM_PARTIES } from './keys.ts';

const spki = (k: { export(o: { type: 'spki'; format: 'der' }): Buffer }) =>
  k.export({ type: 'spki', format: 'der' }).toString('hex');

describe('system keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ppmid-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are created once under the data directory and reused; new devices get keys', async () => {
    const k1 = await openSystemKeys({ dir: join(dir, 'keys'), devices: ['00DB12345A000000'] });
    assert.ok(k1.world.privateKey('00DB12345A000000', 'ka'));
    assert.ok(k1.world.privateKey(SYSTEM_PARTIES.supplier, 'pp-ka'), 'the supplier prepayment key (UTRNs)');
    assert.equal(k1.world.role(SYSTEM_PARTIES.wanProvider), 6);
    assert.equal(k1.xml.supplier.signer.certificate.subjectEui, SYSTEM_PARTIES.supplier);
    assert.equal(k1.xml.dsp.signer.certificate.subjectEui, SYSTEM_PARTIES.acb);
    const r1 = k1.reportingKey('00DB12345A000004');

    const k2 = await openSystemKeys({
      dir: join(dir, 'keys'),
      devices: ['00DB12345A000000', '00DB12345A000010'],
    });
    const pem = (k: typeof k1, eui: string) =>
      k.world.certificate(eui, 'ds')?.publicKey.export({ type: 'spki', format: 'pem' });
    assert.equal(pem(k2, '00DB12345A000000'), pem(k1, '00DB12345A000000'), 'same device keys');
    assert.ok(k2.world.privateKey('00DB12345A000010', 'ds'), 'keys for the new device');
    assert.equal(k2.supplierDeliveryKey.keyId, k1.supplierDeliveryKey.keyId);
    assert.equal(k2.reportingKey('00DB12345A000004').keyId, r1.keyId);

    const k3 = await openSystemKeys({ dir: join(dir, 'keys'), devices: ['00DB12345A000010'] });
    assert.equal(pem(k3, '00DB12345A000010'), pem(k2, '00DB12345A000010'), 'appended keys persisted');
    // What one party holds: every certificate, its own private keys only.
    const supplier = k3.holding([SYSTEM_PARTIES.supplier]);
    assert.ok(supplier.privateKey(SYSTEM_PARTIES.supplier, 'ds'));
    assert.equal(supplier.privateKey(SYSTEM_PARTIES.acb, 'ka'), undefined);
    assert.ok(supplier.certificate('00DB12345A000000', 'ka'));
  });

  it('keep the test PKI root with the keys: reused (not regenerated) when devices are added (issue 12)', async () => {
    const d = join(dir, 'root-keys');
    const k1 = await openSystemKeys({ dir: d, devices: ['00DB12345B000000'] });
    assert.ok(existsSync(join(d, 'ca', 'root.pem')) && existsSync(join(d, 'ca', 'issuing-ca.key')));
    const k2 = await openSystemKeys({ dir: d, devices: ['00DB12345B000000', '00DB12345B000010'] });
    assert.equal(spki(k2.rootPublicKey), spki(k1.rootPublicKey), 'the same Root after a restart');
    // the added device's certificate chains to that Root through the saved issuing CA
    const nw = await k2.issueRemoteParty('90B3D51F30020009', 3);
    const added = k2.world.certificate('00DB12345B000010', 'ds')!;
    assert.equal(verifyCertificationPath(added.der, nw.path, k1.rootPublicKey), null);
    const first = k2.world.certificate('00DB12345B000000', 'ds')!;
    assert.equal(verifyCertificationPath(first.der, nw.path, k1.rootPublicKey), null);
    assert.equal(verifyCertificationPath(nw.ds.certificate.der, nw.path, k1.rootPublicKey), null);
    assert.equal(nw.ds.certificate.role, 3);
    assert.equal(k2.world.certificate('90B3D51F30020009', 'ds'), undefined, 'not added to the world');
    // a Root from another PKI does not verify them (the check can fail)
    const other = await openSystemKeys({ devices: [] });
    assert.match(verifyCertificationPath(added.der, nw.path, other.rootPublicKey) ?? '', /./);
  });

  it('migrate a key directory from before issue 12 (no ca/): a Root is created and saved once', async () => {
    const d = join(dir, 'old-keys');
    const k1 = await openSystemKeys({ dir: d, devices: ['00DB12345C000000'] });
    rmSync(join(d, 'ca'), { recursive: true });
    const k2 = await openSystemKeys({ dir: d, devices: ['00DB12345C000000', '00DB12345C000010'] });
    assert.ok(existsSync(join(d, 'ca', 'root.key')), 'saved');
    assert.notEqual(
      spki(k2.rootPublicKey),
      spki(k1.rootPublicKey),
      'a new Root (the old one was never saved)',
    );
    const k3 = await openSystemKeys({ dir: d, devices: ['00DB12345C000010'] });
    assert.equal(spki(k3.rootPublicKey), spki(k2.rootPublicKey), 'created once, then reused');
    const p = await k3.issueRemoteParty('90B3D51F30020009', 3);
    const added = k3.world.certificate('00DB12345C000010', 'ka')!;
    assert.equal(verifyCertificationPath(added.der, p.path, k3.rootPublicKey), null);
  });

  it('in memory without a directory', async () => {
    const k = await openSystemKeys({ devices: [] });
    assert.equal(k.dir, undefined);
    assert.ok(k.world.privateKey(SYSTEM_PARTIES.acb, 'ka'));
  });
});
