import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { rtdsMessages } from '../../test/support/fixtures.ts';
import { fromHex, toHex } from '../runtime/bytes.ts';
import { SeededRandom } from '../runtime/random.ts';
import {
  DELIVERY_OUTCOMES,
  DeliveryError,
  decodeEnvelope,
  decodeStatusReport,
  deliveryKeyId,
  ENVELOPE_HEADER_LENGTH,
  type EnvelopeFields,
  envelopeToJson,
  generateSigningKeyPair,
  newEnvelopeId,
  outcomeCode,
  outcomeFromCode,
  PPMID_REASONS,
  reasonCode,
  reasonFromCode,
  type StatusReportFields,
  signEnvelope,
  signStatusReport,
  statusReportToJson,
  truncateUtf8,
  verifyEnvelopeSignature,
  verifyStatusReport,
} from './index.ts';

// The RTDS ECS17b command (4.1.1, supplier 90B3D51F30010000 -> ESME ...A0): the envelope carries it opaquely.
const GBCS = rtdsMessages().find((m) => m.file === 'ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX')!.bytes;

const supplierKey = generateSigningKeyPair();
const otherKey = generateSigningKeyPair();
const reportingKey = generateSigningKeyPair();

function fields(over: Partial<EnvelopeFields> = {}): EnvelopeFields {
  return {
    envelopeId: '00112233445566778899AABBCCDDEEFF',
    supplierId: '90B3D51F30010000',
    ppmid: '00DB1234567890A4',
    requestId: { originator: '90B3D51F30010000', target: '00DB1234567890A0', counter: 1000n },
    createdAt: Date.UTC(2026, 0, 1),
    expiresAt: Date.UTC(2026, 0, 2),
    gbcs: GBCS,
    ...over,
  };
}

function typedOnly(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DeliveryError, `untyped error: ${String(err)}`);
    assert.match(err.code, /^DELIVERY_/);
  }
}

describe('delivery envelope v1 (PP-2)', () => {
  it('round-trips every field and verifies with the supplier delivery key', () => {
    const bytes = signEnvelope(fields(), supplierKey.privateKey);
    assert.equal(bytes.length, ENVELOPE_HEADER_LENGTH + GBCS.length + 64);
    assert.equal(toHex(bytes.subarray(0, 4)), '50444501');
    const env = decodeEnvelope(bytes);
    assert.equal(env.envelopeId, '00112233445566778899AABBCCDDEEFF');
    assert.equal(env.supplierId, '90B3D51F30010000');
    assert.equal(env.ppmid, '00DB1234567890A4');
    assert.deepEqual(env.requestId, {
      originator: '90B3D51F30010000',
      target: '00DB1234567890A0',
      counter: 1000n,
    });
    assert.equal(env.createdAt, Date.UTC(2026, 0, 1));
    assert.equal(env.expiresAt, Date.UTC(2026, 0, 2));
    assert.deepEqual(env.gbcs, GBCS);
    assert.equal(env.keyId, supplierKey.keyId);
    assert.equal(env.keyId, deliveryKeyId(supplierKey.privateKey));
    assert.equal(verifyEnvelopeSignature(env, [supplierKey.publicKey]), 'valid');
    assert.equal(verifyEnvelopeSignature(env, [otherKey.publicKey, supplierKey.publicKey]), 'valid');
    assert.equal(verifyEnvelopeSignature(env, [otherKey.publicKey]), 'unknown-key');
    const json = envelopeToJson(env);
    assert.equal(json.gbcs, toHex(GBCS));
    assert.deepEqual(json.requestId, {
      originator: '90B3D51F30010000',
      target: '00DB1234567890A0',
      counter: '1000',
    });
  });

  it('a signature by another key with the right key id does not verify (forgery)', () => {
    const good = signEnvelope(fields(), supplierKey.privateKey);
    const forged = signEnvelope(fields(), otherKey.privateKey);
    // keep the forged signature but claim the supplier's key id
    forged.set(fromHex(supplierKey.keyId), 28);
    assert.equal(verifyEnvelopeSignature(decodeEnvelope(forged), [supplierKey.publicKey]), 'invalid');
    assert.equal(verifyEnvelopeSignature(decodeEnvelope(good), [supplierKey.publicKey]), 'valid');
  });

  it('tampering with any byte of the envelope breaks the signature or the decoding', () => {
    const bytes = signEnvelope(fields(), supplierKey.privateKey);
    for (let i = 0; i < bytes.length; i++) {
      const t = bytes.slice();
      t[i] ^= 0x01;
      let verdict: string;
      try {
        verdict = verifyEnvelopeSignature(decodeEnvelope(t), [supplierKey.publicKey]);
      } catch (err) {
        assert.ok(err instanceof DeliveryError, `byte ${i}: untyped ${String(err)}`);
        continue;
      }
      assert.notEqual(verdict, 'valid', `byte ${i} flipped and still valid`);
    }
  });

  it('truncation, trailing bytes, wrong magic and unknown versions are typed errors', () => {
    const bytes = signEnvelope(fields(), supplierKey.privateKey);
    for (let n = 0; n < bytes.length; n++) {
      assert.throws(
        () => decodeEnvelope(bytes.subarray(0, n)),
        (e: unknown) => e instanceof DeliveryError && e.code === 'DELIVERY_TRUNCATED',
        `length ${n}`,
      );
    }
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    assert.throws(() => decodeEnvelope(longer), { code: 'DELIVERY_MALFORMED' });
    const v2 = bytes.slice();
    v2[3] = 2;
    assert.throws(() => decodeEnvelope(v2), { code: 'DELIVERY_UNSUPPORTED_VERSION' });
    const magic = bytes.slice();
    magic[0] = 0x51;
    assert.throws(() => decodeEnvelope(magic), { code: 'DELIVERY_MALFORMED' });
    assert.throws(() => decodeEnvelope(GBCS), { code: 'DELIVERY_MALFORMED' });
  });

  it('the encoder refuses values it cannot carry (typed)', () => {
    const k = supplierKey.privateKey;
    assert.throws(() => signEnvelope(fields({ envelopeId: 'XYZ' }), k), { code: 'DELIVERY_INVALID_FIELD' });
    assert.throws(() => signEnvelope(fields({ supplierId: 'nope' }), k), { code: 'DELIVERY_INVALID_FIELD' });
    assert.throws(() => signEnvelope(fields({ gbcs: new Uint8Array(0) }), k), {
      code: 'DELIVERY_INVALID_FIELD',
    });
    assert.throws(() => signEnvelope(fields({ gbcs: new Uint8Array(65536) }), k), {
      code: 'DELIVERY_INVALID_FIELD',
    });
    assert.throws(() => signEnvelope(fields({ expiresAt: -1 }), k), { code: 'DELIVERY_INVALID_FIELD' });
    assert.throws(() => signEnvelope(fields(), supplierKey.publicKey), { code: 'DELIVERY_INVALID_FIELD' });
  });

  it('carries a GBCS message up to 65535 bytes', () => {
    const big = new Uint8Array(65535).fill(0xab);
    const env = decodeEnvelope(signEnvelope(fields({ gbcs: big }), supplierKey.privateKey));
    assert.equal(env.gbcs.length, 65535);
    assert.equal(verifyEnvelopeSignature(env, [supplierKey.publicKey]), 'valid');
  });

  it('envelope ids from seeded randomness are deterministic', () => {
    assert.equal(newEnvelopeId(new SeededRandom(7)), newEnvelopeId(new SeededRandom(7)));
    assert.match(newEnvelopeId(new SeededRandom(7)), /^[0-9A-F]{32}$/);
  });

  it('fast-check: random bytes and mutated envelopes never give an untyped error', () => {
    const good = signEnvelope(fields(), supplierKey.privateKey);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => typedOnly(() => decodeEnvelope(b))),
      { seed: 4242, numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(good.length),
        (edits, cut) => {
          const t = good.slice(0, Math.max(cut, 1));
          for (const [i, v] of edits) if (i < t.length) t[i] = v;
          typedOnly(() => {
            const env = decodeEnvelope(t);
            const v = verifyEnvelopeSignature(env, [supplierKey.publicKey]);
            if (v === 'valid') assert.deepEqual(t, good);
          });
        },
      ),
      { seed: 99, numRuns: 1500 },
    );
  });
});

describe('status report v1 (PP-2 outcome reports)', () => {
  const base: StatusReportFields = {
    envelopeId: '00112233445566778899AABBCCDDEEFF',
    envelopeIdIsDigest: false,
    ppmid: '00DB1234567890A4',
    supplierId: '90B3D51F30010000',
    requestId: { originator: '90B3D51F30010000', target: '00DB1234567890A0', counter: 1000n },
    at: Date.UTC(2026, 0, 1, 0, 0, 5),
    outcome: 'forwarded',
    reason: null,
    attempts: 2,
    sequence: 17,
    detail: 'HAN transfer completed',
    creditRead: null,
  };

  it('round-trips every outcome and reason and verifies with the reporting key', () => {
    for (const outcome of DELIVERY_OUTCOMES) {
      for (const reason of [null, ...PPMID_REASONS]) {
        const bytes = signStatusReport({ ...base, outcome, reason }, reportingKey.privateKey);
        const r = decodeStatusReport(bytes);
        assert.equal(r.outcome, outcome);
        assert.equal(r.reason, reason);
        assert.equal(verifyStatusReport(r, reportingKey.publicKey), true);
      }
    }
    const r = decodeStatusReport(signStatusReport(base, reportingKey.privateKey));
    assert.deepEqual(
      {
        ...r,
        signature: undefined,
        signedBytes: undefined,
        bytes: undefined,
        keyId: undefined,
        version: undefined,
      },
      {
        ...base,
        signature: undefined,
        signedBytes: undefined,
        bytes: undefined,
        keyId: undefined,
        version: undefined,
      },
    );
    assert.equal(r.keyId, reportingKey.keyId);
    assert.equal(verifyStatusReport(r, otherKey.publicKey), false);
    assert.deepEqual(statusReportToJson(r).requestId, {
      originator: '90B3D51F30010000',
      target: '00DB1234567890A0',
      counter: '1000',
    });
  });

  it('absent supplier and RequestID (an unreadable envelope: digest instead of id)', () => {
    const r = decodeStatusReport(
      signStatusReport(
        {
          ...base,
          envelopeIdIsDigest: true,
          supplierId: null,
          requestId: null,
          outcome: 'rejected',
          reason: 'envelope-malformed',
        },
        reportingKey.privateKey,
      ),
    );
    assert.equal(r.envelopeIdIsDigest, true);
    assert.equal(r.supplierId, null);
    assert.equal(r.requestId, null);
    assert.equal(r.reason, 'envelope-malformed');
  });

  it('detail is cut to 255 UTF-8 bytes on a character boundary', () => {
    const long = 'é'.repeat(200);
    assert.equal(truncateUtf8(long).length, 254);
    const r = decodeStatusReport(signStatusReport({ ...base, detail: long }, reportingKey.privateKey));
    assert.equal(r.detail, 'é'.repeat(127));
  });

  it('tampering with any byte breaks the signature or the decoding', () => {
    const bytes = signStatusReport(base, reportingKey.privateKey);
    for (let i = 0; i < bytes.length; i++) {
      const t = bytes.slice();
      t[i] ^= 0x80;
      try {
        assert.equal(verifyStatusReport(decodeStatusReport(t), reportingKey.publicKey), false, `byte ${i}`);
      } catch (err) {
        assert.ok(err instanceof DeliveryError, `byte ${i}: ${String(err)}`);
      }
    }
  });

  it('an envelope signature cannot pass as a report signature (domain separation by magic)', () => {
    const env = signEnvelope(fields(), reportingKey.privateKey);
    assert.throws(() => decodeStatusReport(env), { code: 'DELIVERY_MALFORMED' });
  });

  describe("credit read (flag bit3: the PPMID's HAN read of the meter after a relayed top-up)", () => {
    const credit = { meter: '00DB1234567890A0', creditRemaining: 1_234_500, readAt: base.at + 5_000 };
    const withCredit = { ...base, creditRead: credit };

    it('round-trips, is signed with the rest, and shows in the JSON view', () => {
      const bytes = signStatusReport({ ...withCredit, detail: 'read é' }, reportingKey.privateKey);
      assert.equal(bytes[4] & 0x08, 0x08);
      assert.equal(bytes.length, 86 + 'read é'.length + 1 + 20 + 64);
      const r = decodeStatusReport(bytes);
      assert.deepEqual(r.creditRead, credit);
      assert.equal(r.detail, 'read é');
      assert.equal(verifyStatusReport(r, reportingKey.publicKey), true);
      assert.deepEqual(statusReportToJson(r).creditRead, {
        meter: '00DB1234567890A0',
        creditRemaining: 1_234_500,
        readAt: new Date(credit.readAt).toISOString(),
      });
      // a meter in debt reads negative (i32)
      const debt = decodeStatusReport(
        signStatusReport(
          { ...base, creditRead: { ...credit, creditRemaining: -2_000_000_000 } },
          reportingKey.privateKey,
        ),
      );
      assert.equal(debt.creditRead?.creditRemaining, -2_000_000_000);
      // absent: no flag, no bytes, null
      const none = decodeStatusReport(signStatusReport(base, reportingKey.privateKey));
      assert.equal(none.creditRead, null);
      assert.equal(none.bytes.length, 86 + base.detail.length + 64);
    });

    it('every byte of the credit read is covered by the signature', () => {
      const bytes = signStatusReport(withCredit, reportingKey.privateKey);
      const start = 86 + base.detail.length;
      for (let i = start; i < start + 20; i++) {
        const t = bytes.slice();
        t[i] ^= 0x01;
        try {
          assert.equal(verifyStatusReport(decodeStatusReport(t), reportingKey.publicKey), false, `byte ${i}`);
        } catch (err) {
          assert.ok(err instanceof DeliveryError, `byte ${i}: ${String(err)}`);
        }
      }
      // a forger who clears the flag and strips the field cannot keep the signature
      const stripped = new Uint8Array(bytes.length - 20);
      stripped.set(bytes.subarray(0, start));
      stripped.set(bytes.subarray(start + 20), start);
      stripped[4] &= ~0x08;
      assert.equal(verifyStatusReport(decodeStatusReport(stripped), reportingKey.publicKey), false);
    });

    it('truncated: every cut inside the credit read or the signature is a typed error', () => {
      const bytes = signStatusReport(withCredit, reportingKey.privateKey);
      for (let n = 86 + base.detail.length; n < bytes.length; n++)
        assert.throws(() => decodeStatusReport(bytes.subarray(0, n)), { code: 'DELIVERY_TRUNCATED' }, `${n}`);
      // the flag set on a report that carries no field: 20 bytes missing
      const plain = signStatusReport(base, reportingKey.privateKey).slice();
      plain[4] |= 0x08;
      assert.throws(() => decodeStatusReport(plain), { code: 'DELIVERY_TRUNCATED' });
    });

    it('bad flag combinations are refused, by the encoder and the decoder', () => {
      for (const outcome of DELIVERY_OUTCOMES.filter((o) => o !== 'forwarded')) {
        assert.throws(() => signStatusReport({ ...withCredit, outcome }, reportingKey.privateKey), {
          code: 'DELIVERY_INVALID_FIELD',
        });
        const t = signStatusReport(withCredit, reportingKey.privateKey).slice();
        t[69] = outcomeCode(outcome);
        assert.throws(() => decodeStatusReport(t), { code: 'DELIVERY_MALFORMED', offset: 4 }, outcome);
      }
      assert.throws(
        () => signStatusReport({ ...withCredit, envelopeIdIsDigest: true }, reportingKey.privateKey),
        { code: 'DELIVERY_INVALID_FIELD' },
      );
      const digest = signStatusReport(withCredit, reportingKey.privateKey).slice();
      digest[4] &= ~0x01;
      assert.throws(() => decodeStatusReport(digest), { code: 'DELIVERY_MALFORMED', offset: 4 });
      for (const creditRemaining of [2 ** 31, -(2 ** 31) - 1, 1.5])
        assert.throws(
          () =>
            signStatusReport(
              { ...base, creditRead: { ...credit, creditRemaining } },
              reportingKey.privateKey,
            ),
          { code: 'DELIVERY_INVALID_FIELD' },
        );
      assert.throws(
        () => signStatusReport({ ...base, creditRead: { ...credit, readAt: -1 } }, reportingKey.privateKey),
        { code: 'DELIVERY_INVALID_FIELD' },
      );
      // the next bit up stays reserved
      const reserved = signStatusReport(base, reportingKey.privateKey).slice();
      reserved[4] |= 0x10;
      assert.throws(() => decodeStatusReport(reserved), { code: 'DELIVERY_MALFORMED', offset: 4 });
    });
  });

  it('wire codes are index + 1 and stable', () => {
    assert.equal(outcomeCode('accepted-queued'), 1);
    assert.equal(outcomeCode('rejected'), 5);
    assert.equal(outcomeFromCode(0), undefined);
    assert.equal(reasonCode(null), 0);
    assert.equal(reasonCode('envelope-malformed'), 1);
    assert.equal(reasonFromCode(0), null);
    assert.equal(reasonFromCode(250), undefined);
    assert.equal(new Set(PPMID_REASONS).size, PPMID_REASONS.length);
  });

  it('fast-check: random bytes never give an untyped error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => typedOnly(() => decodeStatusReport(b))),
      { seed: 7, numRuns: 2000 },
    );
    const good = signStatusReport(base, reportingKey.privateKey);
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (i, v) => {
        const t = good.slice();
        t[i] = v;
        typedOnly(() => decodeStatusReport(t));
      }),
      { seed: 8, numRuns: 1000 },
    );
  });
});
