/**
 * Unit tests of the codec pieces: DER lengths, other-information, date-time,
 * typed errors with offsets, peekRouting, GBT split/reassembly, key store
 * loading.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTDS_KEYSTORE, rtdsMessages } from '../../test/support/fixtures.ts';
import { bytesEqual, fromHex } from '../runtime/bytes.ts';
import {
  decode,
  decodeGbt,
  decodeMessage,
  decodeOtherInformation,
  ENVELOPE_GBT,
  ENVELOPE_GENERAL_CIPHERING,
  encode,
  encodeApdu,
  encodeGbtFragment,
  euiToBigInt,
  GbcsMalformedError,
  GbcsTruncatedError,
  GbcsUnsupportedError,
  GbtReassembler,
  loadKeyStoreDirWithReport,
  peekRouting,
  RoutingInfo,
  readLength,
  reassembleGbt,
  splitGbt,
  writeLength,
} from './index.ts';

const messages = rtdsMessages();
const ecs17b = messages.find((m) => m.name.endsWith('ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX'))!;

describe('DER lengths', () => {
  it('reads and writes the three forms, keeping a longer form when asked', () => {
    const out = new Uint8Array(3);
    for (const [len, form, hex] of [
      [5, 1, '05'],
      [0x95, 2, '8195'],
      [0x25a, 3, '82025A'],
      [5, 3, '820005'],
    ] as const) {
      const end = writeLength(out, 0, len, form);
      assert.equal(Buffer.from(out.subarray(0, end)).toString('hex').toUpperCase(), hex);
      assert.equal(readLength(out, 0, 'x'), len);
    }
    assert.throws(() => readLength(fromHex('83000001'), 0, 'x'), GbcsMalformedError);
    assert.throws(() => readLength(fromHex('82'), 0, 'x'), GbcsTruncatedError);
  });
});

describe('decode: fields of the RTDS ECS17b command', () => {
  const m = decodeMessage(ecs17b.bytes);
  it('header', () => {
    assert.equal(m.envelope, 'general-ciphering');
    assert.equal(m.cra, 'command');
    assert.equal(m.originatorCounter, 1000n);
    assert.equal(m.originator, '90B3D51F30010000');
    assert.equal(m.recipient, '00DB1234567890A0');
    assert.equal(m.messageCode, 0x0027);
    assert.equal(m.dateTime, null);
    assert.equal(m.signatureField, 'null');
    assert.equal(m.mac?.length, 12);
    assert.equal(m.content[0], 0xd9);
    assert.equal(m.layout.cipheredLengthForm, 2);
  });
  it('fields are views into the input (no copies)', () => {
    assert.equal(m.content.buffer, ecs17b.bytes.buffer);
    assert.equal(m.apdu.buffer, ecs17b.bytes.buffer);
  });
});

describe('decode: other-information and date-time seen in RTDS', () => {
  it('has every other-information length 2, 10, 18, 26, 424, 425 and date-times', () => {
    const lengths = new Set<number>();
    let dated = 0;
    for (const x of messages) {
      const m = decodeMessage(x.bytes);
      const oi = m.otherInfo;
      lengths.add(
        2 +
          (oi.supplementaryRemotePartyId ? 8 : 0) +
          (oi.supplementaryRemotePartyCounter !== null ? 8 : 0) +
          (oi.supplementaryOriginatorCounter !== null ? 8 : 0) +
          (oi.certificate?.length ?? 0),
      );
      if (m.dateTime) {
        dated++;
        assert.ok(m.dateTime.year >= 2000 && m.dateTime.year < 2100);
        assert.ok(m.dateTime.month >= 1 && m.dateTime.month <= 12);
      }
    }
    assert.deepEqual(
      [...lengths].sort((a, b) => a - b),
      [2, 10, 18, 26, 424, 425],
    );
    assert.ok(dated > 50);
  });
  it('a certificate right after the Supplementary Remote Party Counter (CS02 URP)', () => {
    const x = messages.find((m) => m.name.endsWith('GCS16b_4.14_URP_SUCCESS_COMMAND_GBCS.HEX'))!;
    const oi = decodeMessage(x.bytes).otherInfo;
    assert.equal(oi.supplementaryRemotePartyId, '90B3D51F30030000');
    assert.equal(oi.supplementaryRemotePartyCounter, 0x44cn);
    assert.equal(oi.supplementaryOriginatorCounter, null);
    assert.equal(oi.certificate?.[0], 0x30);
  });
  it('rejects impossible lengths with the offset', () => {
    assert.throws(
      () => decodeOtherInformation(fromHex('0027AABB'), 40),
      (e: GbcsMalformedError) => e.offset === 40,
    );
    assert.throws(() => decodeOtherInformation(fromHex('00'), 0), GbcsMalformedError);
  });
});

describe('typed errors carry the offset where decoding stopped', () => {
  it('truncation at every length gives a typed error', () => {
    for (let n = 0; n < ecs17b.bytes.length; n++) {
      assert.throws(
        () => decode(ecs17b.bytes.subarray(0, n)),
        (e: unknown) => e instanceof GbcsTruncatedError || e instanceof GbcsMalformedError,
        `length ${n}`,
      );
    }
  });
  it('unknown tag at 0; bad CRA at its offset; trailing bytes', () => {
    assert.throws(
      () => decode(fromHex('AB00')),
      (e: GbcsMalformedError) => e.offset === 0,
    );
    const bad = ecs17b.bytes.slice();
    bad[16] = 7; // CRA flag of the APDU (DF at 14)
    assert.throws(
      () => decode(bad),
      (e: GbcsMalformedError) => e.code === 'GBCS_MALFORMED' && e.offset === 16,
    );
    const pre = messages.find((m) => m.kind === 'PRECOMMAND')!;
    const longer = Uint8Array.of(...pre.bytes, 0x00, 0x01);
    assert.throws(
      () => decode(longer),
      (e: GbcsMalformedError) => e.offset === pre.bytes.length + 1,
    );
  });
  it('a General Ciphering header with a filled field is unsupported', () => {
    const bad = ecs17b.bytes.slice();
    bad[3] = 1;
    assert.throws(() => decode(bad), GbcsUnsupportedError);
  });
});

describe('peekRouting (GBCS 10.8.2)', () => {
  it('reuses the caller object and gives bigint/hex forms lazily', () => {
    const info = new RoutingInfo();
    const r = peekRouting(ecs17b.bytes, info);
    assert.equal(r, info);
    assert.equal(r.envelope, ENVELOPE_GENERAL_CIPHERING);
    assert.equal(r.targetEui, '00DB1234567890A0');
    assert.equal(r.target, euiToBigInt('00DB1234567890A0'));
    const routes = new Map([[euiToBigInt('00DB1234567890A0'), 'esme']]);
    assert.equal(routes.get(r.target), 'esme');
    assert.equal(r.targetHi, 0x00db1234);
    assert.equal(r.targetLo, 0x567890a0);
    assert.equal(r.messageCode, 0x27);
  });
  it('rejects E0 and junk with typed errors', () => {
    assert.throws(() => peekRouting(fromHex('E0800001000003AABBCC')), GbcsMalformedError);
    assert.throws(() => peekRouting(new Uint8Array(0)), GbcsTruncatedError);
    assert.throws(() => peekRouting(ecs17b.bytes.subarray(0, 30)), GbcsTruncatedError);
  });
});

describe('GBT (GBCS 7.2.11)', () => {
  const big = messages.reduce((a, b) => (b.bytes.length > a.bytes.length ? b : a));

  it('split and reassemble give back the message, in any order', () => {
    for (const size of [1, 7, 100, 128, 200, big.bytes.length, big.bytes.length + 5]) {
      const blocks = splitGbt(big.bytes, { blockSize: size });
      assert.equal(blocks.length, Math.ceil(big.bytes.length / size));
      assert.ok(bytesEqual(reassembleGbt(blocks), big.bytes));
      assert.ok(bytesEqual(reassembleGbt([...blocks].reverse()), big.bytes));
    }
  });

  it('fragments decode, route and re-encode byte for byte', () => {
    const blocks = splitGbt(big.bytes, { blockSize: 150 });
    const first = decodeGbt(blocks[0]);
    assert.equal(first.blockNumber, 1);
    assert.equal(first.lastBlock, false);
    assert.equal(decodeGbt(blocks.at(-1)!).lastBlock, true);
    const m = decodeMessage(big.bytes);
    assert.equal(first.routing?.recipient, m.recipient);
    assert.equal(first.routing?.originatorCounter, m.originatorCounter);
    const r = peekRouting(blocks[1]);
    assert.equal(r.envelope, ENVELOPE_GBT);
    assert.equal(r.targetEui, m.recipient);
    assert.equal(r.messageCode, m.messageCode);
    for (const b of blocks) assert.ok(bytesEqual(encode(decode(b)), b));
  });

  it('bare E0 blocks (no routing header) round-trip too', () => {
    const blocks = splitGbt(ecs17b.bytes, { blockSize: 50, routingHeader: false });
    assert.equal(blocks[0][0], 0xe0);
    assert.ok(bytesEqual(reassembleGbt(blocks), ecs17b.bytes));
    const f = decodeGbt(blocks[0]);
    assert.ok(bytesEqual(encodeGbtFragment(f), blocks[0]));
  });

  it('a missing block leaves the message incomplete; conflicting duplicates are malformed', () => {
    const blocks = splitGbt(big.bytes, { blockSize: 300 });
    assert.throws(() => reassembleGbt(blocks.slice(1)), GbcsMalformedError);
    const r = new GbtReassembler();
    assert.equal(r.add(blocks[0]), null);
    assert.equal(r.add(blocks[0]), null, 'an identical repeat is ignored');
    const f = decodeGbt(blocks[0]);
    const changed = encodeGbtFragment({ ...f, blockData: Uint8Array.from(f.blockData, (x) => x ^ 1) });
    assert.throws(() => r.add(changed), GbcsMalformedError);
  });

  it('reassembly is bounded', () => {
    const r = new GbtReassembler({ maxStreams: 2, maxMessageBytes: 100 });
    const blocks = splitGbt(big.bytes, { blockSize: 60 });
    r.add(blocks[0]);
    assert.throws(() => r.add(blocks[1]), GbcsUnsupportedError);
    const r2 = new GbtReassembler({ maxStreams: 2 });
    const first = decodeGbt(splitGbt(ecs17b.bytes, { blockSize: 10 })[0]);
    for (let counter = 1n; counter <= 5n; counter++)
      r2.add({ ...first, routing: { ...first.routing!, originatorCounter: counter } });
    assert.equal(r2.pending, 2);
  });
});

describe('encodeApdu', () => {
  it('builds the same APDU as the RTDS command from its fields', () => {
    const m = decodeMessage(ecs17b.bytes);
    const apdu = encodeApdu(
      {
        cra: 'command',
        originatorCounter: m.originatorCounter,
        originator: m.originator,
        recipient: m.recipient,
        otherInfo: { messageCode: m.messageCode },
        content: m.content,
        signature: null,
      },
      { contentLengthForm: m.layout.contentLengthForm },
    );
    assert.ok(bytesEqual(apdu, m.apdu));
  });
  it('rejects out-of-range values', () => {
    const f = {
      cra: 'command' as const,
      originatorCounter: -1n,
      originator: '90B3D51F30010000',
      recipient: '00DB1234567890A0',
      otherInfo: { messageCode: 1 },
      content: new Uint8Array(1),
    };
    assert.throws(() => encodeApdu(f), RangeError);
    assert.throws(() => encodeApdu({ ...f, originatorCounter: 1n, originator: 'nope' }), RangeError);
  });
});

describe('key store (RTDS layout)', () => {
  const { store, report } = loadKeyStoreDirWithReport(RTDS_KEYSTORE);
  it('loads every file but one mislabelled certificate, and says why', () => {
    assert.equal(report.loaded.length + report.skipped.length, 436);
    assert.deepEqual(
      report.skipped.map((s) => s.name),
      ['90b3d51f30000007-ka.pem'],
    );
    assert.match(report.skipped[0].reason, /90B3D51F30030000/);
  });
  it('EUIs, key usages and roles from the certificates', () => {
    assert.equal(store.euis().length, 211);
    const acb = store.get('90B3D51F30000002', 'ka')!;
    assert.equal(acb.certificate?.usage, 'ka');
    assert.equal(acb.certificate?.kind, 'remote-party');
    assert.equal(store.role('90B3D51F30000002'), 4);
    assert.equal(store.role('90B3D51F30010000'), 2);
    assert.equal(store.role('90B3D51F30020000'), 3);
    assert.equal(store.role('90B3D51F30000007'), 6);
    assert.equal(store.role('00DB1234567890A0'), null, 'a device');
    assert.equal(store.certificate('00DB1234567890A0', 'ds')?.usage, 'ds');
    assert.equal(store.certificate('00DB1234567890A0', 'ka')?.eui, '00DB1234567890A0');
    assert.ok(store.privateKey('00DB1234567890A0', 'ka'));
    assert.equal(store.privateKey('00DB1234567890A1', 'ka'), undefined);
    assert.ok(store.get('90B3D51F30010000', 'pp-ka')?.privateKey);
    assert.ok(store.publicKey('FFFFFFFFFFFFFFFE', 'ka'), 'a bare public key');
    let devices = 0;
    for (const e of store.entries()) if (e.certificate?.kind === 'device') devices++;
    assert.equal(devices, 400);
  });
});
