/**
 * Known-answer tests for ZigBee security (SECMP0038 CH-9). Vectors are the
 * published ones:
 *  - install code `83FED3407A939723A5C639B26916D505` + CRC `C3B5` -> link key
 *    `66B6900981E1EE3CA4206B6B861C02BB`: the ZigBee Base Device Behavior
 *    install-code example, also used by the ZigBee BDB certification test
 *    CS-ICK-TC-01B;
 *  - MMO hash: ZigBee Specification (05-3474) Annex C.5.1 - C.5.6;
 *  - keyed hash (HMAC-MMO): Annex C.6.1 and C.6.2;
 *  - CCM*: Annex C.4 (key C0..CF, nonce A0..A7 03 02 01 00 06, a = 00..07,
 *    m = 08..1E, M = 8), which is also the CCM* formal specification vector (2.5).
 */
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../runtime/bytes.ts';
import { ZigbeeInstallCodeError, ZigbeeMicInvalidError } from './errors.ts';
import {
  ccmStarDecrypt,
  ccmStarEncrypt,
  checkInstallCode,
  hmacMmo,
  installCodeCrc16,
  keyedHash,
  keyLoadKey,
  keyTransportKey,
  linkKeyFromInstallCode,
  mmoHash,
  verifyKey,
  withInstallCodeCrc,
  zigbeeNonce,
} from './security.ts';

const seq = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);

describe('install code -> link key (CH-9)', () => {
  const code = fromHex('83FED3407A939723A5C639B26916D505');
  it('CRC-16/X-25 of the BDB example is 0xB5C3, sent little-endian as C3 B5', () => {
    assert.equal(installCodeCrc16(code), 0xb5c3);
    assert.equal(toHex(withInstallCodeCrc(code)), '83FED3407A939723A5C639B26916D505C3B5');
  });
  it('derives the published link key by AES-MMO over code || CRC', () => {
    assert.equal(
      toHex(linkKeyFromInstallCode(fromHex('83FED3407A939723A5C639B26916D505C3B5'))),
      '66B6900981E1EE3CA4206B6B861C02BB',
    );
  });
  it('rejects a wrong CRC, a CRC in the wrong byte order and a bad length', () => {
    assert.throws(
      () => linkKeyFromInstallCode(fromHex('83FED3407A939723A5C639B26916D505B5C3')),
      ZigbeeInstallCodeError,
    );
    assert.throws(
      () => linkKeyFromInstallCode(fromHex('93FED3407A939723A5C639B26916D505C3B5')),
      ZigbeeInstallCodeError,
    );
    assert.throws(
      () => checkInstallCode(withInstallCodeCrc(seq(10))),
      (e: ZigbeeInstallCodeError) => {
        return e.code === 'ZIGBEE_INSTALL_CODE_INVALID';
      },
    );
  });
  it('accepts every SE install code length (6, 8, 12, 16)', () => {
    for (const n of [6, 8, 12, 16])
      assert.equal(linkKeyFromInstallCode(withInstallCodeCrc(seq(n))).length, 16);
  });
});

describe('MMO hash (ZigBee spec Annex C.5)', () => {
  const cases: Array<[string, Uint8Array, string]> = [
    ['C.5.1 one byte C0', fromHex('C0'), 'AE3A102A28D43EE0D4A09E22788B206C'],
    ['C.5.2 C0..CF', fromHex('C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF'), 'A7977E88BC0B61E8210827109A228F2D'],
    ['C.5.3 8191 bytes (16-bit length padding)', seq(8191), '24EC2FE75BBFFCB34789BC0610E7F165'],
    ['C.5.4 8192 bytes (32-bit length padding)', seq(8192), 'DC6B0687F09F8607131C170B3BD31591'],
    ['C.5.5 8201 bytes', seq(8201), '72C9B15E178AA843E4A16C58E33643A3'],
    ['C.5.6 8202 bytes', seq(8202), 'BC9828D59B2AA323DAF20BE5F2E66511'],
  ];
  for (const [name, m, h] of cases) it(name, () => assert.equal(toHex(mmoHash(m)), h));
});

describe('keyed hash HMAC-MMO (ZigBee spec Annex C.6)', () => {
  it('C.6.1 key 40..4F, message C0', () => {
    assert.equal(
      toHex(keyedHash(fromHex('404142434445464748494A4B4C4D4E4F'), 0xc0)),
      '4512807BF94CB3400F0E2C25FB76E999',
    );
  });
  it('C.6.2 32-byte key 40..5F (hashed first), message C0..CF', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i);
    assert.equal(
      toHex(hmacMmo(key, fromHex('C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF'))),
      'A3B0079984BF1557F74A0D6387E0A11A',
    );
  });
  it('key-transport, key-load and verify keys are the keyed hashes with 00, 02, 03', () => {
    const lk = fromHex('66B6900981E1EE3CA4206B6B861C02BB');
    assert.deepEqual(keyTransportKey(lk), keyedHash(lk, 0));
    assert.deepEqual(keyLoadKey(lk), keyedHash(lk, 2));
    assert.deepEqual(verifyKey(lk), keyedHash(lk, 3));
    assert.notDeepEqual(keyTransportKey(lk), keyLoadKey(lk));
  });
});

describe('CCM* (ZigBee spec Annex C.4)', () => {
  const key = fromHex('C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF');
  const nonce = fromHex('A0A1A2A3A4A5A6A70302010006');
  const aad = fromHex('0001020304050607');
  const m = fromHex('08090A0B0C0D0E0F101112131415161718191A1B1C1D1E');
  const c = '1A55A36ABB6C610D066B3375649CEF10D4664ECAD854A80A895CC1D8FF9469';
  it('encrypts and authenticates to the published ciphertext || MIC (M = 8)', () => {
    assert.equal(toHex(ccmStarEncrypt({ key, nonce, aad, plaintext: m, micLength: 8 })), c);
  });
  it('decrypts the published vector and rejects tampering with a typed error', () => {
    assert.deepEqual(ccmStarDecrypt({ key, nonce, aad, ciphertextAndMic: fromHex(c), micLength: 8 }), m);
    const bad = fromHex(c);
    bad[3] ^= 1;
    assert.throws(
      () => ccmStarDecrypt({ key, nonce, aad, ciphertextAndMic: bad, micLength: 8 }),
      ZigbeeMicInvalidError,
    );
    assert.throws(
      () =>
        ccmStarDecrypt({
          key,
          nonce,
          aad: fromHex('0001020304050606'),
          ciphertextAndMic: fromHex(c),
          micLength: 8,
        }),
      ZigbeeMicInvalidError,
    );
  });
  it('level 5 (M = 4) and M = 0 (encryption only) round-trip; M = 4 tag is a prefix-independent MIC', () => {
    const e4 = ccmStarEncrypt({ key, nonce, aad, plaintext: m, micLength: 4 });
    assert.equal(e4.length, m.length + 4);
    assert.deepEqual(ccmStarDecrypt({ key, nonce, aad, ciphertextAndMic: e4, micLength: 4 }), m);
    // CCM* counter-mode blocks are the same whatever M: the ciphertexts agree.
    assert.equal(toHex(e4.subarray(0, m.length)), c.slice(0, m.length * 2));
    const e0 = ccmStarEncrypt({ key, nonce, aad, plaintext: m, micLength: 0 });
    assert.equal(toHex(e0), c.slice(0, m.length * 2));
    assert.deepEqual(ccmStarDecrypt({ key, nonce, aad, ciphertextAndMic: e0, micLength: 0 }), m);
  });
  it("equals node's aes-128-ccm over every AAD and message length a frame has, keys and contexts reused", () => {
    // seeded inputs; the same key is used again and again (its cached AES contexts carry state between calls)
    let x = 0x2545f491;
    const next = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) & 0xff;
    };
    const bytes = (n: number) => Uint8Array.from({ length: n }, next);
    const keys = [bytes(16), bytes(16), key];
    for (let t = 0; t < 600; t++) {
      const k = keys[t % keys.length];
      const iv = bytes(13);
      const a = bytes(t % 7 === 0 ? 0 : next() % 70);
      const p = bytes(t % 5 === 0 ? 0 : next() % 120);
      const M = ([4, 8, 16] as const)[t % 3];
      const ref = createCipheriv('aes-128-ccm', k, iv, { authTagLength: M });
      ref.setAAD(a, { plaintextLength: p.length });
      const want = Buffer.concat([ref.update(p), ref.final(), ref.getAuthTag()]);
      const got = ccmStarEncrypt({ key: k, nonce: iv, aad: a, plaintext: p, micLength: M });
      assert.equal(toHex(got), toHex(want), `case ${t}`);
      assert.deepEqual(ccmStarDecrypt({ key: k, nonce: iv, aad: a, ciphertextAndMic: got, micLength: M }), p);
      const bad = got.slice();
      bad[t % bad.length] ^= 0x80;
      assert.throws(
        () => ccmStarDecrypt({ key: k, nonce: iv, aad: a, ciphertextAndMic: bad, micLength: M }),
        ZigbeeMicInvalidError,
      );
    }
    // a long AAD (the 0xFFFE-prefixed length form) and a key changed in place
    const a = bytes(0xff10);
    const k = bytes(16);
    const ref = createCipheriv('aes-128-ccm', k, nonce, { authTagLength: 8 });
    ref.setAAD(a, { plaintextLength: m.length });
    const want = Buffer.concat([ref.update(m), ref.final(), ref.getAuthTag()]);
    assert.equal(toHex(ccmStarEncrypt({ key: k, nonce, aad: a, plaintext: m, micLength: 8 })), toHex(want));
    k.set(key);
    assert.equal(toHex(ccmStarEncrypt({ key: k, nonce, aad, plaintext: m, micLength: 8 })), c);
  });
  it('builds the ZigBee nonce: EUI reversed, counter LE, security control', () => {
    assert.equal(
      toHex(zigbeeNonce(fromHex('00DB1234567890A4'), 0x01020304, 0x25)),
      'A490785634 12DB00 04030201 25'.replace(/ /g, ''),
    );
  });
});
