import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSystemKeys, SYSTEM_PARTIES } from './keys.ts';

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

  it('in memory without a directory', async () => {
    const k = await openSystemKeys({ devices: [] });
    assert.equal(k.dir, undefined);
    assert.ok(k.world.privateKey(SYSTEM_PARTIES.acb, 'ka'));
  });
});
