/**
 * LazyKeyStoreDir reads an EUI's files on first lookup and answers exactly
 * as the whole directory loaded at once (RTDS keystore, every EUI and slot).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTDS_KEYSTORE } from '../../test/support/fixtures.ts';
import type { KeySlot } from './keystore.ts';
import { LazyKeyStoreDir, loadKeyStoreDir } from './keystore-dir.ts';

describe('LazyKeyStoreDir', () => {
  it('a lookup reads that EUI only', () => {
    const lazy = new LazyKeyStoreDir(RTDS_KEYSTORE);
    assert.equal(lazy.euisRead, 0);
    assert.equal(lazy.role('90B3D51F30010000'), 2);
    assert.ok(lazy.privateKey('00db1234567890a0', 'ka'), 'EUIs in either case');
    assert.equal(lazy.euisRead, 2);
    assert.equal(lazy.get('0000000000000001', 'ka'), undefined, 'an EUI without files');
    assert.equal(lazy.euisRead, 3);
  });

  it('answers as the whole directory loaded at once, for every EUI and slot', () => {
    const whole = loadKeyStoreDir(RTDS_KEYSTORE);
    const lazy = new LazyKeyStoreDir(RTDS_KEYSTORE);
    const slots: KeySlot[] = ['ka', 'ds', 'pp-ka'];
    for (const eui of whole.euis()) {
      assert.equal(lazy.role(eui), whole.role(eui), eui);
      for (const slot of slots) {
        const a = whole.get(eui, slot);
        const b = lazy.get(eui, slot);
        assert.equal(b?.certificate?.serialNumber, a?.certificate?.serialNumber, `${eui} ${slot}`);
        assert.equal(!!b?.privateKey, !!a?.privateKey, `${eui} ${slot}`);
        assert.equal(
          b?.publicKey?.export({ format: 'der', type: 'spki' }).toString('hex'),
          a?.publicKey?.export({ format: 'der', type: 'spki' }).toString('hex'),
          `${eui} ${slot}`,
        );
      }
    }
    assert.deepEqual(lazy.euis().sort(), whole.euis().sort());
    assert.deepEqual(lazy.remoteParties().sort(), whole.remoteParties().sort());
    assert.equal([...lazy.entries()].length, [...whole.entries()].length);
  });
});
