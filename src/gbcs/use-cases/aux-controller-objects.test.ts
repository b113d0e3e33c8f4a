/**
 * Issue 11: the catalogue's auxiliary controller facts (cosem-objects.ts).
 * - typeAndIdentifier (alcsDeviceIdN, 0-0:94.44.0.2N attribute 2) is an
 *   octet-string(8) whose value may be empty (no controller), FF (an APC),
 *   eight zero octets (an ALCS) or an HCALCS's EUI-64 (GBCS later use-case
 *   table, ECS61e): every one round-trips, other lengths are refused both ways.
 * - 0-0:94.44.117.1 attribute 2 is V3.1 ECS47's long-unsigned and the later
 *   GBCS's AuxiliaryController[1] settingPeriodStartDateTime (ECS47a): the
 *   only OBIS two named objects share, declared in OBIS_REUSED_ACROSS_VERSIONS;
 *   each row encodes and decodes it as its own version's type.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { bytesEqual, toHex } from '../../runtime/bytes.ts';
import { decodeMessage } from '../decode.ts';
import {
  AUX_CONTROLLER_ID_SIZES,
  COSEM_OBJECTS,
  decodeCommand,
  decodeResponse,
  encodeCommand,
  encodeResponse,
  OBIS_REUSED_ACROSS_VERSIONS,
  sharedAttributeNames,
} from './index.ts';

const header = { originatorCounter: 0x0000000300000001n };
const rtds = (suffix: string) => {
  const m = rtdsMessages().find((x) => x.name.endsWith(suffix));
  assert.ok(m, suffix);
  return decodeMessage(m.bytes);
};

const ECS61E_CMD = Object.fromEntries(
  [1, 2, 3, 4, 5].flatMap((k) => [
    [`alcsDeviceId${k}`, { value: null }],
    [`auxControllerStateInformation${k}`, { value: null }],
  ]),
);

function ecs61eResponse(ids: string[]) {
  return Object.fromEntries(
    [1, 2, 3, 4, 5].flatMap((k) => [
      [`alcsDeviceId${k}`, { value: { result: 'success', value: ids[k - 1] } }],
      [`auxControllerStateInformation${k}`, { value: { result: 'success', value: `controller ${k}` } }],
    ]),
  );
}

describe('auxiliary controller typeAndIdentifier (alcsDeviceIdN): none, APC, ALCS, HCALCS', () => {
  it('the object is an octet-string of 0, 1 or 8 octets at 0-0:94.44.0.2N', () => {
    assert.deepEqual(AUX_CONTROLLER_ID_SIZES, [0, 1, 8]);
    for (const n of [1, 2, 3, 4, 5] as const) {
      const o = COSEM_OBJECTS[`alcsDeviceId${n}`];
      assert.equal(o.obis, `0-0:94.44.0.${20 + n}`);
      assert.equal(o.classId, 1);
      const [id, sc] = o.attributes.value;
      assert.equal(id, 2);
      assert.equal(sc.t, 'octet-string');
      assert.deepEqual((sc as { sizes?: readonly number[] }).sizes, [0, 1, 8]);
    }
  });

  it('ECS61e response: empty, FF, eight zeros and an EUI round-trip, with their DLMS octet-string lengths', () => {
    const ids = ['', 'FF', '0000000000000000', '00DB123456789097', 'FF'];
    const bytes = encodeResponse('ECS61e', ecs61eResponse(ids), header);
    const back = decodeResponse('ECS61e', bytes, ECS61E_CMD).fields as Record<
      string,
      { value: { value: unknown } }
    >;
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((k) => back[`alcsDeviceId${k}`]!.value.value),
      ids,
    );
    assert.ok(bytesEqual(encodeResponse('ECS61e', back, header), bytes), 're-encodes to the same bytes');
    // the octet-strings on the wire: 09 00, 09 01 FF, 09 08 00.., 09 08 EUI
    const hex = toHex(bytes);
    for (const w of ['0900', '0901FF', '09080000000000000000', '090800DB123456789097'])
      assert.ok(hex.includes(w), `${w} in ${hex}`);
  });

  it('ECS61a (RTDS response): the ALCS zeros and the HCALCS EUI decode as before', () => {
    const m = rtds('ECS61a_7.7_ALL_OPTIONALS_SUCCESS_RESPONSE_GBCS.HEX');
    const f = decodeResponse('ECS61a', m.content).fields as unknown as Record<
      string,
      { value: { value: unknown } }
    >;
    assert.equal(f.alcsDeviceId1!.value.value, '0000000000000000');
    assert.equal(f.alcsDeviceId2!.value.value, '00DB123456789097');
  });

  it('other lengths are refused: on encode (2 and 9 octets) and on decode', () => {
    for (const bad of ['FFFF', '00DB12345678909700'])
      assert.throws(
        () => encodeResponse('ECS61e', ecs61eResponse([bad, '', '', '', '']), header),
        /expected 0 or 1 or 8 bytes/,
      );
    const good = encodeResponse('ECS61e', ecs61eResponse(['FF', '', '', '', '']), header);
    // widen the first id, 09 01 FF, to two octets 09 02 FF FF
    const hex = toHex(good).replace('0901FF', '0902FFFF');
    const bad = Uint8Array.from(hex.match(/../g)!.map((h) => Number.parseInt(h, 16)));
    assert.throws(() => decodeResponse('ECS61e', bad, ECS61E_CMD), /expected 0 or 1 or 8 bytes, found 2/);
  });

  it('ECS46c command: an HCALCS EUI and ALCS zeros round-trip; FF too (an APC id a V3.1 command cannot mean, but the type holds)', () => {
    const ids = ['00DB123456789099', '0000000000000000', 'FF', '', '0000000000000000'];
    const cmd = {
      ...Object.fromEntries(ids.map((v, i) => [`alcsDeviceId${i + 1}`, { value: v }])),
      // GBCS V3.1 ECS46c: the next calendar (channel 1) and its activation times (all zero: now)
      auxiliaryControllerSpecialDays: { entries: [] },
      auxiliaryControllerSchedule: { entries: [] },
      auxiliaryControllerScheduleActivation: { activationTime: '0000-00-00T00:00:00 dow=0' },
      auxiliaryControllerSpecialDaysActivation: { activationTime: '0000-00-00T00:00:00 dow=0' },
    };
    const bytes = encodeCommand('ECS46c', cmd, header);
    assert.deepEqual(decodeCommand('ECS46c', bytes).fields, cmd);
  });
});

describe('0-0:94.44.117.1: one OBIS, two GBCS versions (V3.1 ECS47, later ECS47a)', () => {
  it('the only OBIS two named catalogue objects share is the declared one', () => {
    const by = new Map<string, string[]>();
    for (const [name, o] of Object.entries(COSEM_OBJECTS))
      by.set(`${o.classId}/${o.obis}`, [...(by.get(`${o.classId}/${o.obis}`) ?? []), name]);
    const shared = [...by].filter(([, v]) => v.length > 1).map(([k, v]) => [k, v.sort()]);
    assert.deepEqual(
      shared,
      OBIS_REUSED_ACROSS_VERSIONS.map((r) => [
        `${COSEM_OBJECTS[r.v31].classId}/${r.obis}`,
        [r.v31, r.later].sort(),
      ]),
    );
    for (const r of OBIS_REUSED_ACROSS_VERSIONS) {
      assert.equal(COSEM_OBJECTS[r.v31].obis, r.obis);
      assert.equal(COSEM_OBJECTS[r.later].obis, r.obis);
    }
    assert.deepEqual(sharedAttributeNames('alcsStateScriptSelector', 'value'), [
      'auxControllerSettingStart1.value',
    ]);
    assert.deepEqual(sharedAttributeNames('auxControllerSettingStart1', 'value'), [
      'alcsStateScriptSelector.value',
    ]);
    assert.deepEqual(sharedAttributeNames('auxControllerSettingStart2', 'value'), []);
  });

  it('RTDS ECS47 (7.5) writes it as a long-unsigned, the ECS47 row decodes and re-encodes it byte for byte', () => {
    const m = rtds('ECS47Activate_7.5_SUCCESS_COMMAND_GBCS.HEX');
    const d = decodeCommand('ECS47', m.content);
    assert.deepEqual(d.fields, {
      alcsStateScriptSelector: { value: 30 },
      alcsStateScripts: { execute: 0x0111 },
    });
    assert.ok(bytesEqual(encodeCommand('ECS47', d.fields, { header: d.header }), m.content));
  });

  it('ECS47a for controller 1 writes it as a date-time; the ECS47 row refuses those bytes, the ECS47a row round-trips them', () => {
    const cmd = {
      auxControllerSettingStart1: { value: '2026-06-01T10:00:00' },
      auxControllerSettingEnd1: { value: '2026-06-01T11:00:00' },
      alcsStateScripts: { execute: 0x1164 },
    };
    const bytes = encodeCommand('ECS47a', cmd, header);
    const back = decodeCommand('ECS47a', bytes);
    assert.deepEqual(back.fields, cmd);
    assert.ok(toHex(bytes).includes(`0001${'00005E2C7501'}02`), 'class 1, 0-0:94.44.117.1, attribute 2');
    // the same OBIS read as V3.1's ECS47 row: its type (long-unsigned) does not match a date-time
    assert.throws(() => decodeCommand('ECS47', bytes));
  });
});
