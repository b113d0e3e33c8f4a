import assert from 'node:assert/strict';
import { createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  ecdsaSign,
  ecdsaVerify,
  generateP256KeyPair,
  p256SpkiOfPoint,
  publicKeyPem,
  readPublicKeyPem,
  spkiPem,
} from './crypto.ts';
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

describe('SPKI PEM of P-256 keys (issue 16: read and written without OpenSSL PEM codecs)', () => {
  it('writes and reads what node writes and reads', () => {
    for (let i = 0; i < 50; i++) {
      const k = generateP256KeyPair();
      const nodePem = k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const nodeDer = k.publicKey.export({ type: 'spki', format: 'der' });
      assert.equal(publicKeyPem(k.publicKey), nodePem);
      assert.equal(publicKeyPem(k.privateKey), nodePem);
      assert.equal(spkiPem(p256SpkiOfPoint(k.point)), nodePem);
      const r = readPublicKeyPem(nodePem);
      assert.ok(r.key.equals(k.publicKey));
      assert.deepEqual(Buffer.from(r.spki), nodeDer);
      // CRLF line ends: the same key
      assert.ok(readPublicKeyPem(nodePem.replace(/\n/g, '\r\n')).key.equals(k.publicKey));
    }
  });

  it('leaves other keys and layouts to node, and refuses what node refuses', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const rsaPem = rsa.export({ type: 'spki', format: 'pem' }).toString();
    assert.equal(publicKeyPem(rsa), rsaPem);
    const r = readPublicKeyPem(rsaPem);
    assert.equal(r.key.asymmetricKeyType, 'rsa');
    assert.deepEqual(Buffer.from(r.spki), rsa.export({ type: 'spki', format: 'der' }));
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
    assert.equal(
      readPublicKeyPem(p384.export({ type: 'spki', format: 'pem' }).toString()).key.asymmetricKeyDetails
        ?.namedCurve,
      'secp384r1',
    );
    // a point off the curve, in an otherwise well-formed P-256 SPKI: refused by the import's check
    const k = generateP256KeyPair();
    const bad = Buffer.from(p256SpkiOfPoint(k.point));
    bad[bad.length - 1] ^= 1;
    assert.throws(() => readPublicKeyPem(spkiPem(bad)));
    assert.throws(() => createPublicKey(spkiPem(bad)));
    assert.throws(() => readPublicKeyPem('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'));
  });
});
