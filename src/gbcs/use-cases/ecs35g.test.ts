/**
 * ECS35g (0x00FD) against the later GBCS use-case file (c5d22f4e, pair
 * UCPAIR182, "Read Auxiliary Controller Event Log", SR 6.13, SME.C.NC):
 * the row's name, its one range get of class 7 0-17:99.98.2.255 attribute 2
 * (access selector 1, double-long-unsigned from / to, empty selected_values),
 * the entry's members in order and type; the RTDS ECS35g command and response
 * decode and re-encode byte for byte; a log written through the row reads back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { toHex } from '../../runtime/bytes.ts';
import { decodeMessage } from '../decode.ts';
import type { DlmsCommandRow } from './dlms-row.ts';
import type { Schema } from './dlms-schema.ts';
import { decodeCommand, decodeResponse, encodeCommand, encodeResponse, useCaseById } from './index.ts';

const rtds = (suffix: string) => {
  const m = rtdsMessages().find((x) => x.name.endsWith(suffix));
  assert.ok(m, suffix);
  return decodeMessage(m.bytes);
};

describe('ECS35g Read Auxiliary Controller Event Log (GBCS later use-case file)', () => {
  const row = useCaseById('ECS35g') as DlmsCommandRow;

  it('the row: name, code, SR, non-critical, one range get of the log buffer with the entry the file defines', () => {
    assert.equal(row.name, 'Read Auxiliary Controller Event Log');
    assert.equal(row.nameUnconfirmed, undefined);
    assert.equal(row.code, 0x00fd);
    assert.deepEqual(row.srvs, ['6.13']);
    assert.equal(row.critical, false);
    assert.equal(row.accesses.length, 1);
    const [a] = row.accesses;
    assert.deepEqual([a.kind, a.classId, a.obis, a.id], ['get-range', 7, '0-17:99.98.2.255', 2]);
    const buffer = a.schema as Extract<Schema, { t: 'compact-array' }>;
    const entry = buffer.of as Extract<Schema, { t: 'structure' }>;
    assert.deepEqual(
      Object.entries(entry.fields).map(([k, v]) => [k, v.t]),
      [
        ['time', 'double-long-unsigned'],
        ['switchNumberAndAction', 'long-unsigned'],
        ['outcome', 'enum'],
        ['hanCommandId', 'double-long-unsigned'],
      ],
    );
    // the same object and entry as ECS35f (V3.1 Read ALCS Event Log)
    const f = useCaseById('ECS35f') as DlmsCommandRow;
    assert.deepEqual(f.accesses, row.accesses);
  });

  it('the RTDS ECS35g command and response round-trip byte for byte; the range is selector 1 with an empty selection', () => {
    const cmd = rtds('ECS35g_6.13_SUCCESS_COMMAND_GBCS.HEX');
    assert.equal(cmd.messageCode, 0x00fd);
    const c = decodeCommand(row, cmd.content);
    const range = (c.fields as { alcsEventLog: { buffer: Record<string, unknown> } }).alcsEventLog.buffer;
    assert.deepEqual(range.selectedValues, []);
    assert.equal(typeof range.fromValue, 'number');
    assert.equal(typeof range.toValue, 'number');
    assert.equal(toHex(encodeCommand(row, c.fields, { header: c.header })), toHex(cmd.content));
    const rsp = rtds('ECS35g_6.13_SUCCESS_RESPONSE_GBCS.HEX');
    const r = decodeResponse(row, rsp.content, c.fields);
    assert.equal(toHex(encodeResponse(row, r.fields, { header: r.header })), toHex(rsp.content));
  });

  it('entries written through the row read back; a value outside its type is refused', () => {
    const entries = [
      { time: 0, switchNumberAndAction: 0x0211, outcome: 0, hanCommandId: 0xffff_ffff },
      { time: 0xffff_fffe, switchNumberAndAction: 0xffff, outcome: 2, hanCommandId: 0 },
    ];
    const header = { originatorCounter: 0x0000000300000007n };
    const bytes = encodeResponse(
      row,
      { alcsEventLog: { buffer: { result: 'success', value: entries } } },
      header,
    );
    const back = decodeResponse(row, bytes).fields as { alcsEventLog: { buffer: { value: unknown } } };
    assert.deepEqual(back.alcsEventLog.buffer.value, entries);
    assert.throws(() =>
      encodeResponse(
        row,
        {
          alcsEventLog: {
            buffer: { result: 'success', value: [{ ...entries[0], switchNumberAndAction: 0x1_0000 }] },
          },
        },
        header,
      ),
    );
  });
});
