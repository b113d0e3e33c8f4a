import assert from 'node:assert/strict';
import { createPublicKey, diffieHellman } from 'node:crypto';
import { describe, it } from 'node:test';
import { ecdsaSign, ecdsaVerify, generateP256KeyPair } from './crypto.ts';
import { p256Spki } from './pki.ts';

describe('generateP256KeyPair', () => {
  it('gives real, distinct P-256 pairs whose public key and point belong to the private key', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const k = generateP256KeyPair();
      assert.equal(k.privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
      assert.ok(createPublicKey(k.privateKey).equals(k.publicKey), `pair ${i}`);
      assert.deepEqual(Buffer.from(p256Spki(k.publicKey)).subarray(-65), k.point);
      seen.add(k.point.toString('hex'));
    }
    assert.equal(seen.size, 300);
    const [a, b] = [generateP256KeyPair(), generateP256KeyPair()];
    const data = Buffer.from('GBCS');
    assert.ok(ecdsaVerify(data, ecdsaSign(data, a.privateKey), a.publicKey));
    assert.ok(!ecdsaVerify(data, ecdsaSign(data, a.privateKey), b.publicKey));
    assert.deepEqual(
      diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }),
      diffieHellman({ privateKey: b.privateKey, publicKey: a.publicKey }),
    );
  });
});
