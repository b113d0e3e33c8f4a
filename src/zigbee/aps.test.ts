import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../runtime/bytes.ts';
import {
  type ApsHeader,
  apsSecurityOverhead,
  decodeApsFrame,
  decodeApsHeader,
  decodeAuxSecurityHeader,
  encodeApsFrame,
  encodeApsHeader,
  encodeAuxSecurityHeader,
  euiFromOnAir,
  euiOnAir,
  secureApsFrame,
  unsecureApsFrame,
} from './aps.ts';
import {
  ZigbeeCounterExhaustedError,
  ZigbeeError,
  ZigbeeFragmentError,
  type ZigbeeFragmentMissingError,
  ZigbeeMalformedError,
  ZigbeeMicInvalidError,
  ZigbeeReassemblyTooLargeError,
  ZigbeeReplayError,
  ZigbeeTruncatedError,
  ZigbeeUnknownKeyError,
  ZigbeeUnsupportedError,
} from './errors.ts';
import {
  ApsReassembler,
  blockAckExtendedHeader,
  blockExtendedHeader,
  fragmentAsdu,
} from './fragmentation.ts';
import { decodeGsmeMailboxCommand } from './gsme-mailbox.ts';
import { FrameCounterGuard, OutgoingFrameCounter } from './replay.ts';
import { linkKeyFromInstallCode } from './security.ts';

const PPMID = '00DB1234567890A4';
const CHF = '00DB1234567890A2';
const LINK_KEY = linkKeyFromInstallCode(fromHex('83FED3407A939723A5C639B26916D505C3B5'));

const dataHeader = (counter: number, extended?: ApsHeader['extended']): ApsHeader => ({
  frameType: 'data',
  deliveryMode: 'unicast',
  security: false,
  ackRequest: true,
  destinationEndpoint: 1,
  clusterId: 0x0704,
  profileId: 0x0109,
  sourceEndpoint: 1,
  counter,
  ...(extended ? { extended } : {}),
});

describe('APS header', () => {
  const cases: Array<[string, ApsHeader]> = [
    ['40 01 0407 0901 01 33', dataHeader(0x33)],
    ['C0 01 0407 0901 01 33 01 19', dataHeader(0x33, { fragmentation: 'first', blockNumber: 25 })],
    ['C0 01 0407 0901 01 33 02 05', dataHeader(0x33, { fragmentation: 'subsequent', blockNumber: 5 })],
    [
      'A2 01 0407 0901 01 33 02 05 01',
      {
        frameType: 'ack',
        deliveryMode: 'unicast',
        ackFormat: false,
        security: true,
        ackRequest: false,
        destinationEndpoint: 1,
        clusterId: 0x0704,
        profileId: 0x0109,
        sourceEndpoint: 1,
        counter: 0x33,
        extended: { fragmentation: 'subsequent', blockNumber: 5, ackBitfield: 1 },
      },
    ],
    [
      '12 07',
      {
        frameType: 'ack',
        deliveryMode: 'unicast',
        ackFormat: true,
        security: false,
        ackRequest: false,
        counter: 7,
      },
    ],
    [
      '21 09',
      { frameType: 'command', deliveryMode: 'unicast', security: true, ackRequest: false, counter: 9 },
    ],
    [
      '0C 3412 0407 0901 01 05',
      {
        frameType: 'data',
        deliveryMode: 'group',
        security: false,
        ackRequest: false,
        groupAddress: 0x1234,
        clusterId: 0x0704,
        profileId: 0x0109,
        sourceEndpoint: 1,
        counter: 5,
      },
    ],
  ];
  for (const [hex, h] of cases)
    it(`${hex}`, () => {
      const b = fromHex(hex);
      assert.equal(toHex(encodeApsHeader(h)), toHex(b));
      assert.deepEqual(decodeApsHeader(b), { value: h, offset: b.length });
    });
  it('rejects inter-PAN, reserved delivery mode, bad extended header, truncation', () => {
    assert.throws(() => decodeApsHeader(fromHex('03')), ZigbeeUnsupportedError);
    assert.throws(() => decodeApsHeader(fromHex('0401040709010133')), ZigbeeMalformedError);
    assert.throws(() => decodeApsHeader(fromHex('C00104070901013300')), ZigbeeMalformedError);
    assert.throws(() => decodeApsHeader(fromHex('C001040709010133')), ZigbeeTruncatedError);
    assert.throws(() => decodeApsHeader(fromHex('4001040709')), ZigbeeTruncatedError);
  });
});

describe('auxiliary security header', () => {
  it('encodes security control, frame counter LE and the source address reversed', () => {
    const b = encodeAuxSecurityHeader({
      securityLevel: 5,
      keyId: 'data',
      frameCounter: 0x01020304,
      sourceAddress: PPMID,
    });
    assert.equal(toHex(b), '2504030201A4907856341200DB'.replace('1200DB', '12DB00'));
    assert.deepEqual(decodeAuxSecurityHeader(b).value, {
      securityLevel: 5,
      keyId: 'data',
      frameCounter: 0x01020304,
      sourceAddress: PPMID,
    });
  });
  it('carries the key sequence number only with the network key', () => {
    const b = encodeAuxSecurityHeader({
      securityLevel: 0,
      keyId: 'network',
      frameCounter: 1,
      keySequenceNumber: 3,
    });
    assert.equal(toHex(b), '080100000003');
    assert.deepEqual(decodeAuxSecurityHeader(b).value, {
      securityLevel: 0,
      keyId: 'network',
      frameCounter: 1,
      keySequenceNumber: 3,
    });
  });
});

describe('APS link-key security (CH-9)', () => {
  const payload = fromHex('19010107000102030405060708090A');
  const secure = (fcnt = 1, extendedNonce = true) =>
    secureApsFrame({
      header: dataHeader(0x21),
      payload,
      linkKey: LINK_KEY,
      sourceEui: PPMID,
      frameCounter: fcnt,
      extendedNonce,
    });
  const keys = (eui: string) => (eui === PPMID ? LINK_KEY : undefined);

  it('secures with level 5 (ENC-MIC-32) and sends level 0 on air, payload encrypted', () => {
    const f = secure();
    const d = decodeApsFrame(f).value;
    assert.equal(d.header.security, true);
    assert.equal(d.aux?.securityLevel, 0, 'ZigBee overwrites the level with 0 on air');
    assert.equal(d.aux?.sourceAddress, PPMID);
    assert.equal(f.length, 8 + 13 + payload.length + 4);
    assert.equal(apsSecurityOverhead(), 17);
    assert.ok(!toHex(f).includes(toHex(payload)), 'payload is not sent in clear');
  });
  it('round-trips and reports the real level, the source and the counter', () => {
    const u = unsecureApsFrame(secure(77), { linkKeyFor: keys });
    assert.deepEqual(u.payload, payload);
    assert.equal(u.source, PPMID);
    assert.equal(u.aux.frameCounter, 77);
    assert.equal(u.aux.securityLevel, 5);
    assert.deepEqual(u.header, { ...dataHeader(0x21), security: true });
  });
  it('without extended nonce the network source builds the nonce', () => {
    const f = secure(5, false);
    assert.equal(f.length, 8 + 5 + payload.length + 4);
    assert.deepEqual(unsecureApsFrame(f, { linkKeyFor: keys, sourceEui: PPMID }).payload, payload);
    assert.throws(() => unsecureApsFrame(f, { linkKeyFor: keys }), ZigbeeMalformedError);
    assert.throws(
      () => unsecureApsFrame(f, { linkKeyFor: () => LINK_KEY, sourceEui: CHF }),
      ZigbeeMicInvalidError,
    );
  });
  it('detects tampering of header, aux header, ciphertext and MIC; a wrong key; a spoofed source', () => {
    const f = secure();
    for (const i of [0, 3, 9, 12, 25, f.length - 1]) {
      const t = f.slice();
      t[i] ^= 0x01;
      assert.throws(
        () => unsecureApsFrame(t, { linkKeyFor: keys }),
        (e: Error) =>
          e instanceof ZigbeeMicInvalidError ||
          e instanceof ZigbeeMalformedError ||
          e instanceof ZigbeeUnknownKeyError,
        `byte ${i}`,
      );
    }
    assert.throws(() => unsecureApsFrame(f, { linkKeyFor: () => new Uint8Array(16) }), ZigbeeMicInvalidError);
    assert.throws(() => unsecureApsFrame(f, { linkKeyFor: () => undefined }), ZigbeeUnknownKeyError);
    assert.throws(() => unsecureApsFrame(f, { linkKeyFor: keys, sourceEui: CHF }), ZigbeeMalformedError);
  });
  it('key-transport and key-load frames use the derived keys, MIC-only levels authenticate in clear', () => {
    for (const keyId of ['keyTransport', 'keyLoad'] as const) {
      const f = secureApsFrame({
        header: dataHeader(1),
        payload,
        linkKey: LINK_KEY,
        sourceEui: PPMID,
        frameCounter: 2,
        keyId,
      });
      assert.deepEqual(unsecureApsFrame(f, { linkKeyFor: keys }).payload, payload);
      assert.equal(unsecureApsFrame(f, { linkKeyFor: keys }).aux.keyId, keyId);
    }
    const m = secureApsFrame({
      header: dataHeader(1),
      payload,
      linkKey: LINK_KEY,
      sourceEui: PPMID,
      frameCounter: 2,
      securityLevel: 1,
    });
    assert.ok(toHex(m).includes(toHex(payload)));
    assert.deepEqual(unsecureApsFrame(m, { linkKeyFor: keys, securityLevel: 1 }).payload, payload);
    assert.throws(() => unsecureApsFrame(m, { linkKeyFor: keys }), ZigbeeMicInvalidError);
  });
  it('unsecured frames round-trip through encodeApsFrame / decodeApsFrame', () => {
    const f = encodeApsFrame(dataHeader(3), payload);
    assert.deepEqual(decodeApsFrame(f).value, { header: dataHeader(3), payload });
    assert.throws(() => unsecureApsFrame(f, { linkKeyFor: keys }), ZigbeeMalformedError);
  });
});

describe('APS fragmentation and reassembly', () => {
  const asdu = Uint8Array.from({ length: 1505 }, (_, i) => (i * 7) & 0xff);
  it('splits 1505 bytes into 25 blocks of 61, the first announcing the total', () => {
    const blocks = fragmentAsdu(asdu, 61);
    assert.equal(blocks.length, 25);
    assert.equal(blocks[24].payload.length, 1505 - 24 * 61);
    assert.deepEqual(blockExtendedHeader(blocks[0]), { fragmentation: 'first', blockNumber: 25 });
    assert.deepEqual(blockExtendedHeader(blocks[7]), { fragmentation: 'subsequent', blockNumber: 7 });
    assert.deepEqual(blockAckExtendedHeader(7), {
      fragmentation: 'subsequent',
      blockNumber: 7,
      ackBitfield: 1,
    });
    assert.throws(() => fragmentAsdu(new Uint8Array(300), 1), RangeError);
  });
  it('reassembles in order, reversed, shuffled and with duplicates', () => {
    const blocks = fragmentAsdu(asdu, 61);
    const orders = [
      blocks,
      [...blocks].reverse(),
      blocks.map((_b, i) => blocks[(i * 11) % 25]),
      [...blocks.slice(0, 5), blocks[2], ...blocks.slice(5), blocks[0]],
    ];
    for (const order of orders) {
      const r = new ApsReassembler({ maxSize: 1505 });
      const statuses = order.map((b) => r.add(blockExtendedHeader(b), b.payload));
      assert.ok(statuses.includes('complete'));
      assert.deepEqual(r.finish(), asdu);
    }
    const r = new ApsReassembler({ maxSize: 1505 });
    r.add(blockExtendedHeader(blocks[0]), blocks[0].payload);
    assert.equal(r.add(blockExtendedHeader(blocks[0]), blocks[0].payload), 'duplicate');
  });
  it('reports missing blocks with a typed error', () => {
    const blocks = fragmentAsdu(asdu, 61);
    const r = new ApsReassembler({ maxSize: 2000 });
    for (const b of blocks)
      if (b.blockNumber !== 3 && b.blockNumber !== 20) r.add(blockExtendedHeader(b), b.payload);
    assert.equal(r.complete, false);
    assert.deepEqual(r.missing(), [3, 20]);
    assert.throws(
      () => r.finish(),
      (e: ZigbeeFragmentMissingError) => e.code === 'ZIGBEE_FRAGMENT_MISSING' && e.missing.join() === '3,20',
    );
    const early = new ApsReassembler({ maxSize: 2000 });
    early.add(blockExtendedHeader(blocks[4]), blocks[4].payload);
    assert.deepEqual(early.missing(), [0, 1, 2, 3]);
  });
  it('refuses out-of-range blocks, conflicting totals or bytes, and oversize transfers', () => {
    const blocks = fragmentAsdu(asdu, 61);
    const r = new ApsReassembler({ maxSize: 2000 });
    r.add(blockExtendedHeader(blocks[0]), blocks[0].payload);
    assert.throws(
      () => r.add({ fragmentation: 'subsequent', blockNumber: 25 }, blocks[1].payload),
      ZigbeeFragmentError,
    );
    assert.throws(
      () => r.add({ fragmentation: 'subsequent', blockNumber: 0 }, blocks[1].payload),
      ZigbeeFragmentError,
    );
    assert.throws(
      () => r.add({ fragmentation: 'first', blockNumber: 24 }, blocks[0].payload),
      ZigbeeFragmentError,
    );
    r.add(blockExtendedHeader(blocks[1]), blocks[1].payload);
    assert.throws(() => r.add(blockExtendedHeader(blocks[1]), blocks[2].payload), ZigbeeFragmentError);
    const small = new ApsReassembler({ maxSize: 1000 });
    assert.throws(() => {
      for (const b of blocks) small.add(blockExtendedHeader(b), b.payload);
    }, ZigbeeReassemblyTooLargeError);
    const late = new ApsReassembler({ maxSize: 2000 });
    late.add(blockExtendedHeader(blocks[9]), blocks[9].payload);
    assert.throws(
      () => late.add({ fragmentation: 'first', blockNumber: 5 }, blocks[0].payload),
      ZigbeeFragmentError,
    );
  });
  it('carries real secured fragments end to end', () => {
    const counter = new OutgoingFrameCounter();
    const frames = fragmentAsdu(asdu, 61).map((b) =>
      secureApsFrame({
        header: dataHeader(0x44, blockExtendedHeader(b)),
        payload: b.payload,
        linkKey: LINK_KEY,
        sourceEui: PPMID,
        frameCounter: counter.next(),
      }),
    );
    assert.ok(
      frames.every((f) => f.length <= 90),
      'every fragment fits a 127-byte PHY frame with MAC/NWK overheads',
    );
    const guard = new FrameCounterGuard();
    const r = new ApsReassembler({ maxSize: 1505 });
    for (const f of frames.reverse()) {
      const u = unsecureApsFrame(f, { linkKeyFor: () => LINK_KEY });
      r.add(u.header.extended!, u.payload);
      if (guard.isFresh(u.source, u.aux.frameCounter)) guard.accept(u.source, u.aux.frameCounter);
    }
    assert.deepEqual(r.finish(), asdu);
  });
});

describe('frame counters', () => {
  it('accepts strictly increasing counters per source and rejects replays', () => {
    const g = new FrameCounterGuard();
    g.accept(PPMID, 5);
    g.accept(CHF, 1);
    g.accept(PPMID, 6);
    assert.throws(() => g.accept(PPMID, 6), ZigbeeReplayError);
    assert.throws(
      () => g.check(PPMID, 2),
      (e: ZigbeeReplayError) => e.code === 'ZIGBEE_REPLAY' && e.lastAccepted === 6,
    );
    assert.equal(g.isFresh(CHF, 2), true);
    g.reset(PPMID);
    g.accept(PPMID, 0);
    assert.deepEqual(g.snapshot(), { [PPMID]: 0, [CHF]: 1 });
  });
  it('never sends 0xFFFFFFFF', () => {
    const c = new OutgoingFrameCounter(0xfffffffe);
    assert.equal(c.next(), 0xfffffffe);
    assert.throws(() => c.next(), ZigbeeCounterExhaustedError);
  });
});

describe('robustness: any bytes give a value or a typed ZigbeeError', () => {
  const typed = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(
        e instanceof ZigbeeError,
        `untyped ${e instanceof Error ? e.constructor.name : typeof e}: ${String(e)}`,
      );
    }
  };
  it('APS frames, secured frames, mailbox commands (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        typed(() => decodeApsFrame(b));
        typed(() => unsecureApsFrame(b, { linkKeyFor: () => LINK_KEY }));
        typed(() => unsecureApsFrame(b, { linkKeyFor: () => LINK_KEY, sourceEui: PPMID }));
        typed(() => decodeGsmeMailboxCommand(b));
      }),
      { numRuns: 2000 },
    );
  });
  it('mutations of a valid secured frame (property)', () => {
    const f = secureApsFrame({
      header: dataHeader(1, { fragmentation: 'first', blockNumber: 3 }),
      payload: fromHex('0102030405'),
      linkKey: LINK_KEY,
      sourceEui: PPMID,
      frameCounter: 9,
    });
    // The security control field follows the APS header. On air its security
    // level subfield is 0 and the receiver overwrites it with nwkSecurityLevel
    // before verifying (ZigBee 4.4.1.2), so those 3 bits are the only ones a
    // change to which still verifies; every other altered byte must fail.
    const scAt = decodeApsHeader(f, 0).offset;
    assert.equal(f[scAt] & 7, 0, 'the level is sent as 0');
    const levelBitsOnly = (i: number, x: number) => i === scAt && (x & ~7) === 0;
    for (let x = 1; x <= 7; x++) {
      const t = f.slice();
      t[scAt] ^= x;
      assert.deepEqual(unsecureApsFrame(t, { linkKeyFor: () => LINK_KEY }).payload, fromHex('0102030405'));
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: f.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.integer({ min: 0, max: f.length }),
        (i, x, cut) => {
          const t = f.slice(0, cut === f.length ? f.length : Math.max(cut, 1));
          if (i < t.length) t[i] ^= x;
          typed(() => unsecureApsFrame(t, { linkKeyFor: () => LINK_KEY }));
          // nothing altered verifies (but the on-air level, which the receiver overwrites)
          if (t.length === f.length && !levelBitsOnly(i, x))
            assert.throws(() => unsecureApsFrame(t, { linkKeyFor: () => LINK_KEY }), ZigbeeError);
        },
      ),
      { numRuns: 1000 },
    );
    // Exhaustively too: every single-byte change of the full frame outside the level bits fails.
    for (let i = 0; i < f.length; i++)
      for (let x = 1; x <= 255; x++) {
        if (levelBitsOnly(i, x)) continue;
        const t = f.slice();
        t[i] ^= x;
        assert.throws(
          () => unsecureApsFrame(t, { linkKeyFor: () => LINK_KEY }),
          ZigbeeError,
          `byte ${i} ^ ${x}`,
        );
      }
  });
  it('reassembler fed random extended headers never fails untyped', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            first: fc.boolean(),
            n: fc.integer({ min: 0, max: 255 }),
            len: fc.integer({ min: 0, max: 80 }),
          }),
          { maxLength: 40 },
        ),
        (blocks) => {
          const r = new ApsReassembler({ maxSize: 1600 });
          for (const b of blocks)
            typed(() =>
              r.add(
                { fragmentation: b.first ? 'first' : 'subsequent', blockNumber: b.n },
                new Uint8Array(b.len).fill(b.n),
              ),
            );
          typed(() => r.finish());
        },
      ),
      { numRuns: 500 },
    );
  });
  it('CCM* refuses oversized input with a typed error', () => {
    assert.throws(
      () =>
        unsecureApsFrame(fromHex(`40010407090101332504030201A4907856341200DB${'00'.repeat(70_000)}`), {
          linkKeyFor: () => LINK_KEY,
        }),
      ZigbeeMalformedError,
    );
  });
});

describe('EUIs on air', () => {
  it('reverses the printed EUI (any case or separators) to the order ZigBee sends, and reads it back canonical', () => {
    assert.deepEqual([...euiOnAir('00DB1234567890A1')], [0xa1, 0x90, 0x78, 0x56, 0x34, 0x12, 0xdb, 0x00]);
    assert.deepEqual(
      [...euiOnAir('00-db-12-34-56-78-90-a1')],
      [0xa1, 0x90, 0x78, 0x56, 0x34, 0x12, 0xdb, 0x00],
    );
    for (const eui of ['0000000000000000', 'FFFFFFFFFFFFFFFF', '0123456789ABCDEF', 'FEDCBA9876543210']) {
      const frame = new Uint8Array([0xee, ...euiOnAir(eui), 0xee]);
      assert.equal(euiFromOnAir(frame, 1), eui);
    }
    assert.throws(() => euiOnAir('00DB1234567890AG'), RangeError);
  });
});
