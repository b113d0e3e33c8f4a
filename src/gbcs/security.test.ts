/**
 * Unit tests of GBCS security: KDF and GMAC against an RTDS fixture, ECDSA,
 * signing and MAC-wrapping that reproduce the RTDS bytes, payload
 * decryption, the shared-secret cache, UTRNs.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { RTDS_KEYSTORE, rtdsMessages } from '../../test/support/fixtures.ts';
import { bytesEqual, fromHex, toHex } from '../runtime/bytes.ts';
import {
  type CheckResult,
  DEFAULT_ACB_EUI,
  decodeMessage,
  ecdhSharedSecret,
  ecdsaSign,
  ecdsaVerify,
  encodeApdu,
  GbcsDecryptFailedError,
  GbcsUnknownKeyError,
  gcmIv,
  generateUtrn,
  gmac,
  kdf,
  kdfOtherInfo,
  loadKeyStoreDir,
  MemoryKeyStore,
  SecurityContext,
  SharedSecretCache,
  signApdu,
  utrnCheckDigit,
  verifyUtrn,
} from './index.ts';

const store = loadKeyStoreDir(RTDS_KEYSTORE);
const ctx = new SecurityContext({ keyStore: store });
const messages = rtdsMessages();
const byName = (suffix: string) => {
  const m = messages.find((x) => x.name.endsWith(suffix));
  if (!m) throw new Error(`fixture ${suffix} not found`);
  return m;
};

const ESME = '00DB1234567890A0';
const SUPPLIER = '90B3D51F30010000';

describe('KDF and GMAC (GBCS.md 3) against RTDS ECS17b', () => {
  const m = byName('ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX');
  const msg = decodeMessage(m.bytes);

  it('Z is symmetric: ACB private x ESME public = ESME private x ACB public', () => {
    const z1 = ecdhSharedSecret(store.privateKey(DEFAULT_ACB_EUI, 'ka')!, store.publicKey(ESME, 'ka')!);
    const z2 = ecdhSharedSecret(store.privateKey(ESME, 'ka')!, store.publicKey(DEFAULT_ACB_EUI, 'ka')!);
    assert.equal(z1.length, 32);
    assert.ok(bytesEqual(z1, z2));
  });

  it('KDF + GMAC reproduce the MAC on the wire, step by step', () => {
    const z = ecdhSharedSecret(store.privateKey(DEFAULT_ACB_EUI, 'ka')!, store.publicKey(ESME, 'ka')!);
    const a = msg.apdu;
    const otherInfo = kdfOtherInfo(a.subarray(12, 20), 0x01, a.subarray(3, 11), a.subarray(21, 29));
    assert.equal(toHex(otherInfo), `60857406080300${SUPPLIER}0901${'00000000000003E8'}${ESME}`);
    const key = kdf(z, otherInfo);
    assert.equal(key.length, 16);
    const aad = new Uint8Array(6 + a.length);
    aad[0] = 0x11;
    aad.set(a, 6);
    const tag = gmac(key, gcmIv(a.subarray(12, 20)), aad);
    assert.equal(toHex(tag.subarray(0, 12)), toHex(msg.mac!));
    // and a one-bit change of the AAD gives another tag
    aad[aad.length - 1] ^= 1;
    assert.notEqual(toHex(gmac(key, gcmIv(a.subarray(12, 20)), aad).subarray(0, 12)), toHex(msg.mac!));
  });
});

describe('ECDSA P-256 r||s', () => {
  it('sign/verify round trip; a changed byte or another key fails', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const data = fromHex('DF0901000000000000000108');
    const sig = ecdsaSign(data, privateKey);
    assert.equal(sig.length, 64);
    assert.ok(ecdsaVerify(data, sig, publicKey));
    assert.ok(!ecdsaVerify(data, sig, other.publicKey));
    const bad = Uint8Array.from(data);
    bad[3] ^= 1;
    assert.ok(!ecdsaVerify(bad, sig, publicKey));
    assert.ok(!ecdsaVerify(data, sig.subarray(0, 63), publicKey), 'wrong length is false, not a throw');
  });

  it('signing an RTDS Pre-Command gives a Command APDU that verifies', () => {
    const pre = byName('ECS01c_1.1.2_IMMEDIATE_SUCCESS_PRECOMMAND_GBCS.HEX');
    const signed = ctx.sign(pre.bytes);
    assert.equal(signed.length, pre.bytes.length + 65);
    const msg = decodeMessage(signed);
    assert.equal(msg.signatureField, 'present');
    assert.equal(ctx.verifySignature(msg), 'valid');
    // the command's APDU is the pre-command plus a signature field
    const cmd = decodeMessage(byName('ECS01c_1.1.2_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX').bytes);
    assert.ok(bytesEqual(cmd.signedData, msg.signedData));
  });

  it('signApdu replaces an existing signature', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cmd = decodeMessage(byName('ECS01c_1.1.2_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX').bytes);
    const resigned = decodeMessage(signApdu(cmd.apdu, privateKey));
    assert.ok(ecdsaVerify(resigned.signedData, resigned.signature!, publicKey));
    assert.equal(ctx.verifySignature(resigned), 'invalid');
  });

  it('signing without the DS private key is GBCS_UNKNOWN_KEY', () => {
    const resp = byName('ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX');
    const apdu = decodeMessage(resp.bytes).apdu;
    assert.throws(() => ctx.sign(apdu), GbcsUnknownKeyError);
  });
});

describe('MAC wrapping reproduces the RTDS bytes', () => {
  it('wrap(apdu) equals every RTDS General Ciphering message with keys', () => {
    let n = 0;
    for (const m of messages) {
      if (m.bytes[0] !== 0xdd || m.useCase === 'PCS01' || m.useCase === 'PCS02') continue;
      const msg = decodeMessage(m.bytes);
      const wrapped = ctx.wrap(msg.apdu, { cipheredLengthForm: msg.layout.cipheredLengthForm });
      assert.ok(bytesEqual(wrapped, m.bytes), m.name);
      n++;
    }
    assert.ok(n > 390, `${n} messages`);
  });

  it('wrap without keys is GBCS_UNKNOWN_KEY; verify says no-key', () => {
    const m = decodeMessage(byName('PCS01_NA_SUCCESS_COMMAND_GBCS.HEX').bytes);
    assert.throws(() => ctx.wrap(m.apdu), GbcsUnknownKeyError);
    assert.equal(ctx.verifyMac(m), 'no-key');
  });

  it('a fresh command built from fields, signed and wrapped, verifies', () => {
    const apdu = encodeApdu({
      cra: 'command',
      originatorCounter: 0x1000n,
      originator: SUPPLIER,
      recipient: ESME,
      otherInfo: { messageCode: 0x0027 },
      content: fromHex('D9200000100001'),
    });
    const signed = ctx.sign(apdu);
    const wire = ctx.wrap(signed);
    const v = ctx.decodeVerify(wire);
    assert.deepEqual([v.mac, v.signature], ['valid', 'valid'] as CheckResult[]);
    // the ESME can check it with its own private key only (no ACB private key)
    const esmeStore = new MemoryKeyStore();
    esmeStore.addPrivateKey(ESME, 'ka', store.privateKey(ESME, 'ka')!);
    esmeStore.addCertificate(store.certificate(DEFAULT_ACB_EUI, 'ka')!);
    esmeStore.addCertificate(store.certificate(SUPPLIER, 'ds')!);
    esmeStore.addCertificate(store.certificate(SUPPLIER, 'ka')!);
    const esme = new SecurityContext({ keyStore: esmeStore });
    const ev = esme.decodeVerify(wire);
    assert.deepEqual([ev.mac, ev.signature], ['valid', 'valid'] as CheckResult[]);
  });
});

describe('seal: building protected messages in one go', () => {
  const fields = {
    cra: 'command' as const,
    originatorCounter: 0x2000n,
    originator: SUPPLIER,
    recipient: ESME,
    otherInfo: { messageCode: 0x0008 },
    content: fromHex('D9200020000001'),
  };
  it('a non-critical command: null signature field, ACB MAC', () => {
    const v = ctx.decodeVerify(ctx.seal(fields));
    assert.equal(v.message.signatureField, 'null');
    assert.deepEqual([v.mac, v.signature], ['valid', 'absent'] as CheckResult[]);
  });
  it('a critical command: signed and MAC-wrapped', () => {
    const v = ctx.decodeVerify(ctx.seal(fields, { sign: true }));
    assert.deepEqual([v.mac, v.signature], ['valid', 'valid'] as CheckResult[]);
  });
  it('a response to a critical command from the ESME cannot be signed without its DS key', () => {
    assert.throws(
      () =>
        ctx.seal(
          { ...fields, cra: 'response', originator: ESME, recipient: SUPPLIER },
          { sign: true, mac: false },
        ),
      GbcsUnknownKeyError,
    );
  });
  it('a response is MAC-wrapped between the device and the recipient', () => {
    const wire = ctx.seal({ ...fields, cra: 'response', originator: ESME, recipient: SUPPLIER });
    assert.equal(ctx.decodeVerify(wire).mac, 'valid');
  });
  it('wrapping a Pre-Command adds the null signature field', () => {
    const pre = byName('ECS01c_1.1.2_IMMEDIATE_SUCCESS_PRECOMMAND_GBCS.HEX');
    const v = ctx.decodeVerify(ctx.wrap(pre.bytes));
    assert.equal(v.message.signatureField, 'null');
    assert.equal(v.mac, 'valid');
  });
});

describe('payload encryption (security header 0x31)', () => {
  function protectedBlock(content: Uint8Array): Uint8Array {
    // ECS17b response: DLMS octet-string 09 <len> 31 00000000 ...
    for (let i = 2; i < content.length - 5; i++)
      if (content[i - 2] === 0x09 && content[i] === 0x31 && content[i + 1] === 0 && content[i + 4] === 0)
        return content.subarray(i, i + content[i - 1]);
    throw new Error('no protected block');
  }
  const resp = decodeMessage(byName('ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX').bytes);
  const block = protectedBlock(resp.content);

  it('decrypts the RTDS ECS17b response to DLMS data', () => {
    const plain = ctx.decryptPayload(block, resp);
    assert.equal(plain.length, block.length - 17);
    assert.equal(plain[0], 0x02, 'a DLMS structure');
  });

  it('encrypt is the mirror of decrypt (same bytes)', () => {
    const plain = ctx.decryptPayload(block, resp);
    assert.ok(bytesEqual(ctx.encryptPayload(plain, resp), block));
  });

  it('a changed ciphertext byte is GBCS_DECRYPT_FAILED', () => {
    const bad = Uint8Array.from(block);
    bad[8] ^= 1;
    assert.throws(() => ctx.decryptPayload(bad, resp), GbcsDecryptFailedError);
  });

  it('uses the Supplementary Remote Party ID and Originator Counter when present (RTDS URP responses)', () => {
    const urp = decodeMessage(byName('GCS16b_4.14_URP_SUCCESS_RESPONSE_GBCS.HEX').bytes);
    const c = urp.content;
    let at = -1;
    for (let i = 0; i < c.length - 5; i++)
      if (c[i] === 0x31 && c[i + 1] === 0 && c[i + 2] === 0 && c[i + 3] === 0 && c[i + 4] === 0) {
        at = i;
        break;
      }
    const len = (c[at - 2] << 8) | c[at - 1];
    const plain = ctx.decryptPayload(c.subarray(at, at + len), urp);
    assert.equal(plain.length, len - 17);
  });
});

describe('SharedSecretCache (bounded LRU)', () => {
  it('serves repeated pairs from the cache and never grows past capacity', () => {
    const cache = new SharedSecretCache(2);
    const keys = Array.from({ length: 4 }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    const z01 = cache.get(keys[0].privateKey, keys[1].publicKey);
    assert.ok(bytesEqual(cache.get(keys[0].privateKey, keys[1].publicKey), z01));
    assert.equal(cache.hits, 1);
    cache.get(keys[0].privateKey, keys[2].publicKey);
    cache.get(keys[0].privateKey, keys[1].publicKey); // refresh 0-1
    cache.get(keys[0].privateKey, keys[3].publicKey); // evicts 0-2 (least recently used)
    assert.equal(cache.size, 2);
    const misses = cache.misses;
    cache.get(keys[0].privateKey, keys[1].publicKey);
    assert.equal(cache.misses, misses, '0-1 still cached');
    cache.get(keys[0].privateKey, keys[2].publicKey);
    assert.equal(cache.misses, misses + 1, '0-2 was evicted');
    assert.equal(cache.size, 2);
  });

  it('the context cache size is configurable', () => {
    const small = new SecurityContext({ keyStore: store, sharedSecretCacheSize: 3 });
    for (const m of messages) small.verifyMac(decodeMessage(m.bytes));
    assert.ok(small.cache.size <= 3);
    assert.throws(() => new SharedSecretCache(0), RangeError);
  });
});

describe('UTRN (GBCS.md 5a)', () => {
  const counter = 0x0000000300000000n;
  const RTDS_UTRN = '73946144332040217315';

  it('the RTDS CS01a UTRN is generated and verifies', () => {
    const cs01a = decodeMessage(byName('CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX').bytes);
    assert.equal(cs01a.originatorCounter, counter);
    assert.ok(toHex(cs01a.content).includes(Buffer.from(RTDS_UTRN, 'ascii').toString('hex').toUpperCase()));
    assert.equal(
      generateUtrn(ctx, { supplier: SUPPLIER, device: ESME, counter, value: 10, valueClass: 'pounds' }),
      RTDS_UTRN,
    );
    assert.deepEqual(verifyUtrn(ctx, RTDS_UTRN, SUPPLIER, ESME, counter), {
      valid: true,
      value: 10,
      valueClass: 'pounds',
    });
  });

  it('a wrong digit, a wrong counter or another device fail', () => {
    const wrongDigit = `${RTDS_UTRN.slice(0, 5)}${(Number(RTDS_UTRN[5]) + 1) % 10}${RTDS_UTRN.slice(6)}`;
    assert.equal(verifyUtrn(ctx, wrongDigit, SUPPLIER, ESME, counter).valid, false);
    assert.equal(verifyUtrn(ctx, RTDS_UTRN, SUPPLIER, ESME, counter + 1n).reason, 'mac');
    assert.equal(verifyUtrn(ctx, RTDS_UTRN, SUPPLIER, ESME, 0x0000000400000000n).reason, 'counter');
    assert.equal(verifyUtrn(ctx, RTDS_UTRN, SUPPLIER, '00DB1234567890A1', counter).reason, 'mac');
    assert.equal(verifyUtrn(ctx, '1234', SUPPLIER, ESME, counter).reason, 'format');
  });

  it('every single-digit change is caught by the check digit or the MAC', () => {
    for (let i = 0; i < 20; i++)
      for (let d = 0; d < 10; d++) {
        if (Number(RTDS_UTRN[i]) === d) continue;
        const u = RTDS_UTRN.slice(0, i) + d + RTDS_UTRN.slice(i + 1);
        assert.equal(verifyUtrn(ctx, u, SUPPLIER, ESME, counter).valid, false, u);
      }
  });

  it('check digit of the RTDS PPTD', () => {
    assert.equal(utrnCheckDigit(RTDS_UTRN.slice(0, 19)), 5);
  });
});
