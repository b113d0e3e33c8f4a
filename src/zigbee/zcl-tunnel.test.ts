import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../runtime/bytes.ts';
import { ZigbeeError, ZigbeeMalformedError, ZigbeeTruncatedError, ZigbeeUnsupportedError } from './errors.ts';
import {
  decodeGsmeMailboxCommand,
  encodeGsmeMailboxCommand,
  type GsmeMailboxCommand,
} from './gsme-mailbox.ts';
import {
  decodeTunnelCommand,
  decodeTunnelFrame,
  encodeTunnelCommand,
  encodeTunnelFrame,
  TransferDataStatus,
  TUNNEL_ATTR_CLOSE_TUNNEL_TIMEOUT,
  TUNNEL_COMMANDS,
  TUNNELING_CLUSTER_ID,
  type TunnelCommand,
  TunnelStatus,
  tunnelCommandId,
} from './tunnel.ts';
import {
  decodeDefaultResponse,
  decodeZclHeader,
  encodeDefaultResponse,
  encodeZclHeader,
  isDefaultResponseFrame,
  ZCL_STATUS_SUCCESS,
  type ZclHeader,
} from './zcl.ts';

describe('ZCL frame header', () => {
  const cases: Array<[string, ZclHeader]> = [
    [
      '19 2A 01',
      {
        frameType: 'cluster',
        direction: 's2c',
        disableDefaultResponse: true,
        transactionSequenceNumber: 0x2a,
        commandId: 1,
      },
    ],
    [
      '01 00 02',
      {
        frameType: 'cluster',
        direction: 'c2s',
        disableDefaultResponse: false,
        transactionSequenceNumber: 0,
        commandId: 2,
      },
    ],
    [
      '00 07 0B',
      {
        frameType: 'global',
        direction: 'c2s',
        disableDefaultResponse: false,
        transactionSequenceNumber: 7,
        commandId: 0x0b,
      },
    ],
    [
      '0D 34 12 FF 05',
      {
        frameType: 'cluster',
        manufacturerCode: 0x1234,
        direction: 's2c',
        disableDefaultResponse: false,
        transactionSequenceNumber: 0xff,
        commandId: 5,
      },
    ],
  ];
  for (const [hex, h] of cases)
    it(`${hex} <-> ${JSON.stringify(h)}`, () => {
      assert.equal(toHex(encodeZclHeader(h)), hex.replace(/ /g, ''));
      assert.deepEqual(decodeZclHeader(fromHex(hex)), { value: h, offset: fromHex(hex).length });
    });
  it('round-trips every header (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          frameType: fc.constantFrom('global' as const, 'cluster' as const),
          direction: fc.constantFrom('c2s' as const, 's2c' as const),
          disableDefaultResponse: fc.boolean(),
          transactionSequenceNumber: fc.integer({ min: 0, max: 255 }),
          commandId: fc.integer({ min: 0, max: 255 }),
          manufacturerCode: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
        }),
        (r) => {
          const h: ZclHeader = { ...r };
          if (h.manufacturerCode === undefined) delete h.manufacturerCode;
          assert.deepEqual(decodeZclHeader(encodeZclHeader(h)).value, h);
        },
      ),
    );
  });
  it('rejects reserved frame types and bits, and truncation, with typed errors', () => {
    assert.throws(() => decodeZclHeader(fromHex('020001')), ZigbeeMalformedError);
    assert.throws(() => decodeZclHeader(fromHex('210001')), ZigbeeMalformedError);
    assert.throws(() => decodeZclHeader(fromHex('0534')), ZigbeeTruncatedError);
    assert.throws(() => decodeZclHeader(fromHex('')), ZigbeeTruncatedError);
  });
});

describe('ZCL Default Response (2.5.12)', () => {
  it('answers a TransferData (s2c 0x01) with SUCCESS: 18 <tsn> 0B 01 00, round trip', () => {
    // frame control 0x10: global, client to server (the CH answers as tunnel client), default response disabled
    const bytes = encodeDefaultResponse({
      direction: 'c2s',
      transactionSequenceNumber: 0x2a,
      commandId: 0x01,
      status: ZCL_STATUS_SUCCESS,
    });
    assert.equal(toHex(bytes), '102A0B0100');
    assert.ok(isDefaultResponseFrame(bytes));
    assert.deepEqual(decodeDefaultResponse(bytes), {
      direction: 'c2s',
      transactionSequenceNumber: 0x2a,
      commandId: 1,
      status: 0,
    });
    const s2c = encodeDefaultResponse({
      direction: 's2c',
      transactionSequenceNumber: 1,
      commandId: 2,
      status: 0x81,
    });
    assert.equal(toHex(s2c), '18010B0281');
    assert.equal(decodeDefaultResponse(s2c).status, 0x81);
  });

  it('is told apart from tunnel commands; malformed ones are typed errors', () => {
    const tunnel = encodeTunnelFrame(
      { dir: 's2c', cmd: 'TransferData', tunnelId: 1, data: fromHex('DD') },
      {
        transactionSequenceNumber: 0x0b,
      },
    );
    assert.equal(isDefaultResponseFrame(tunnel), false);
    assert.throws(() => decodeDefaultResponse(tunnel), ZigbeeMalformedError);
    assert.throws(() => decodeDefaultResponse(fromHex('102A0B01')), ZigbeeMalformedError);
    assert.throws(() => decodeDefaultResponse(fromHex('102A0B010000')), ZigbeeMalformedError);
    assert.equal(isDefaultResponseFrame(fromHex('10')), false);
  });
});

describe('Tunneling cluster 0x0704 commands (HAN.md table)', () => {
  const data = fromHex('DD000000000000');
  const all: Array<[TunnelCommand, string]> = [
    [
      {
        dir: 'c2s',
        cmd: 'RequestTunnel',
        protocolId: 6,
        manufacturerCode: 0xffff,
        flowControlSupport: false,
        maxIncomingTransferSize: 1500,
      },
      '06FFFF00DC05',
    ],
    [{ dir: 'c2s', cmd: 'CloseTunnel', tunnelId: 0x0102 }, '0201'],
    [{ dir: 'c2s', cmd: 'TransferData', tunnelId: 7, data }, '0700DD000000000000'],
    [
      { dir: 'c2s', cmd: 'TransferDataError', tunnelId: 7, status: TransferDataStatus.DataOverflow },
      '070002',
    ],
    [{ dir: 'c2s', cmd: 'AckTransferData', tunnelId: 7, bytesLeft: 1000 }, '0700E803'],
    [{ dir: 'c2s', cmd: 'ReadyData', tunnelId: 7, octetsLeft: 1500 }, '0700DC05'],
    [{ dir: 'c2s', cmd: 'GetSupportedTunnelProtocols', protocolOffset: 3 }, '03'],
    [
      {
        dir: 's2c',
        cmd: 'RequestTunnelResponse',
        tunnelId: 9,
        status: TunnelStatus.Success,
        maxIncomingTransferSize: 1500,
      },
      '090000DC05',
    ],
    [{ dir: 's2c', cmd: 'TransferData', tunnelId: 9, data }, '0900DD000000000000'],
    [
      { dir: 's2c', cmd: 'TransferDataError', tunnelId: 9, status: TransferDataStatus.NoSuchTunnel },
      '090000',
    ],
    [{ dir: 's2c', cmd: 'AckTransferData', tunnelId: 9, bytesLeft: 0 }, '09000000'],
    [{ dir: 's2c', cmd: 'ReadyData', tunnelId: 9, octetsLeft: 0x0201 }, '09000102'],
    [
      {
        dir: 's2c',
        cmd: 'SupportedTunnelProtocolsResponse',
        listComplete: true,
        protocols: [
          { manufacturerCode: 0xffff, protocolId: 6 },
          { manufacturerCode: 0x1234, protocolId: 200 },
        ],
      },
      '0102FFFF063412C8',
    ],
    [{ dir: 's2c', cmd: 'TunnelClosureNotification', tunnelId: 9 }, '0900'],
  ];
  it('the table has every command of both directions, ids 0x00..0x06 each', () => {
    assert.equal(TUNNELING_CLUSTER_ID, 0x0704);
    assert.equal(TUNNEL_ATTR_CLOSE_TUNNEL_TIMEOUT, 0x0000);
    for (const dir of ['c2s', 's2c'])
      assert.deepEqual(
        TUNNEL_COMMANDS.filter((c) => c.dir === dir).map((c) => c.id),
        [0, 1, 2, 3, 4, 5, 6],
      );
    assert.equal(all.length, TUNNEL_COMMANDS.length);
  });
  for (const [cmd, hex] of all) {
    it(`${cmd.dir} ${cmd.cmd} (0x0${tunnelCommandId(cmd)}) <-> ${hex}`, () => {
      const payload = encodeTunnelCommand(cmd);
      assert.equal(toHex(payload), hex);
      assert.deepEqual(decodeTunnelCommand(cmd.dir, tunnelCommandId(cmd), payload).value, cmd);
      const frame = encodeTunnelFrame(cmd, { transactionSequenceNumber: 0x42 });
      const decoded = decodeTunnelFrame(frame);
      assert.deepEqual(decoded.value.command, cmd);
      assert.equal(decoded.value.header.direction, cmd.dir);
      assert.equal(decoded.value.header.transactionSequenceNumber, 0x42);
      assert.equal(decoded.offset, frame.length);
    });
  }
  it('the direction bit disambiguates overlapping ids (0x01 is CloseTunnel c2s, TransferData s2c)', () => {
    assert.equal(decodeTunnelCommand('c2s', 1, fromHex('0900')).value.cmd, 'CloseTunnel');
    assert.equal(decodeTunnelCommand('s2c', 1, fromHex('0900')).value.cmd, 'TransferData');
    // PPMID -> CHF tunnel data is server-to-client: frame control 0x19 (cluster, s2c, no default response).
    const f = encodeTunnelFrame(
      { dir: 's2c', cmd: 'TransferData', tunnelId: 1, data },
      { transactionSequenceNumber: 1 },
    );
    assert.equal(toHex(f.subarray(0, 3)), '190101');
  });
  it('rejects bad enums, booleans, trailing and missing bytes, unknown ids, with typed errors', () => {
    const bad: Array<[() => unknown, new (...a: never[]) => ZigbeeError]> = [
      [() => decodeTunnelCommand('s2c', 0, fromHex('090005DC05')), ZigbeeMalformedError],
      [() => decodeTunnelCommand('c2s', 3, fromHex('070003')), ZigbeeMalformedError],
      [() => decodeTunnelCommand('c2s', 0, fromHex('06FFFF02DC05')), ZigbeeMalformedError],
      [() => decodeTunnelCommand('c2s', 1, fromHex('090000')), ZigbeeMalformedError],
      [() => decodeTunnelCommand('c2s', 0, fromHex('06FFFF00DC')), ZigbeeTruncatedError],
      [() => decodeTunnelCommand('s2c', 5, fromHex('0102FFFF06')), ZigbeeTruncatedError],
      [() => decodeTunnelCommand('c2s', 7, fromHex('00')), ZigbeeUnsupportedError],
      [() => decodeTunnelFrame(fromHex('000101')), ZigbeeUnsupportedError],
      [() => decodeTunnelFrame(fromHex('0D3412010900')), ZigbeeUnsupportedError],
    ];
    for (const [f, E] of bad) assert.throws(f, E);
  });
  it('decodes arbitrary bytes to a value or a typed error, never anything else (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        try {
          decodeTunnelFrame(b);
        } catch (e) {
          assert.ok(e instanceof ZigbeeError, String(e));
        }
      }),
    );
  });
});

describe('GSME mailbox tunnel commands', () => {
  const msg = fromHex('DF0901000000000000000108');
  const cases: Array<[GsmeMailboxCommand, string]> = [
    [{ cmd: 'Get' }, '01'],
    [{ cmd: 'GetResponse', messagesWaiting: 0 }, '0200'],
    [{ cmd: 'GetResponse', messagesWaiting: 0, message: msg }, '0200DF0901000000000000000108'],
    [{ cmd: 'GetResponse', messagesWaiting: 3, message: msg }, '0203DF0901000000000000000108'],
    [{ cmd: 'Put', message: msg }, '03DF0901000000000000000108'],
  ];
  for (const [c, hex] of cases)
    it(`${c.cmd} <-> ${hex}`, () => {
      assert.equal(toHex(encodeGsmeMailboxCommand(c)), hex);
      assert.deepEqual(decodeGsmeMailboxCommand(fromHex(hex)).value, c);
    });
  it('rejects unknown commands, GET with bytes, empty PUT, waiting messages with none carried', () => {
    assert.throws(() => decodeGsmeMailboxCommand(fromHex('04')), ZigbeeMalformedError);
    assert.throws(() => decodeGsmeMailboxCommand(fromHex('0100')), ZigbeeMalformedError);
    assert.throws(() => decodeGsmeMailboxCommand(fromHex('03')), ZigbeeTruncatedError);
    assert.throws(() => decodeGsmeMailboxCommand(fromHex('0202')), ZigbeeTruncatedError);
    assert.throws(() => decodeGsmeMailboxCommand(fromHex('')), ZigbeeTruncatedError);
    assert.throws(() => encodeGsmeMailboxCommand({ cmd: 'GetResponse', messagesWaiting: 2 }), RangeError);
  });
  it('nests inside a TransferData (GSME PUT as client-to-server tunnel data)', () => {
    const put = encodeGsmeMailboxCommand({ cmd: 'Put', message: msg });
    const f = encodeTunnelFrame(
      { dir: 'c2s', cmd: 'TransferData', tunnelId: 4, data: put },
      { transactionSequenceNumber: 9 },
    );
    const t = decodeTunnelFrame(f).value.command;
    assert.equal(t.cmd, 'TransferData');
    if (t.cmd === 'TransferData')
      assert.deepEqual(decodeGsmeMailboxCommand(t.data).value, { cmd: 'Put', message: msg });
  });
});
