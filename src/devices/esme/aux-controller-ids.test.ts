/**
 * Auxiliary controller identities and the one OBIS two GBCS versions reuse,
 * on the ESME (issue 11; gbcs/use-cases/cosem-objects.ts):
 * - typeAndIdentifier (alcsDeviceIdN, 0-0:94.44.0.2N): empty (no
 *   controller), FF (an APC), eight zero octets (an ALCS) or an HCALCS's
 *   EUI, as ECS61e and ECS61a read them back;
 * - 0-0:94.44.117.1: V3.1's ECS47 writes it as its long-unsigned, the later
 *   GBCS's ECS47a as controller 1's setting period start: one attribute, so
 *   each write replaces the other.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAttribute, hasAttribute } from './attribute-store.ts';
import { auxControllerType, isHcalcsId } from './hcalcs-driver.ts';
import { esmeTestRig, type Fields } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const ECS47 = 'ECS47Activate_7.5_SUCCESS_COMMAND_GBCS.HEX';
const ECS47A = 'ECS47a_7.13_ALCS_ACTIVATE_SUCCESS_COMMAND_GBCS.HEX';
const ECS61A = 'ECS61a_7.7_ALL_OPTIONALS_SUCCESS_COMMAND_GBCS.HEX';

function meter(attributes: Record<string, unknown> = {}) {
  const m = rig.meter({ initialState: { attributes } });
  const sendChanged = rig.changedSender(m, 1n << 41n);
  const send = (
    name: string,
    change: (f: Fields) => void = () => {},
    as?: { useCase: string; fields: Fields },
  ) => {
    const r = sendChanged(name, change, as);
    assert.equal(r.ev?.decision, 'accepted', `${name}: ${r.ev?.reason} ${JSON.stringify(r.ev?.detail)}`);
    assert.notEqual(r.ev?.reason, 'FAILED', `${name}: ${JSON.stringify(r.ev?.detail)}`);
    return r.fields;
  };
  return { esme: m.esme, send };
}

/** ECS61e (7.15): every controller's typeAndIdentifier and state information. */
const ECS61E_ALL = {
  useCase: 'ECS61e',
  fields: Object.fromEntries(
    [1, 2, 3, 4, 5].flatMap((k) => [
      [`alcsDeviceId${k}`, { value: null }],
      [`auxControllerStateInformation${k}`, { value: null }],
    ]),
  ),
};

const value = (f: Fields, object: string) => (f[object]?.value as { value?: unknown } | undefined)?.value;

describe('ESME auxiliary controller identities (typeAndIdentifier: none, APC, ALCS, HCALCS)', () => {
  it('the ESME classifies each identity as GBCS defines it', () => {
    assert.equal(auxControllerType(''), 'none');
    assert.equal(auxControllerType('FF'), 'apc');
    assert.equal(auxControllerType('0000000000000000'), 'alcs');
    assert.equal(auxControllerType('00DB123456789097'), 'hcalcs');
    for (const bad of ['00', 'FFFF', '00DB12345678909', 'ff', 42, undefined])
      assert.equal(auxControllerType(bad), undefined, String(bad));
    assert.equal(isHcalcsId('FF'), false);
    assert.equal(isHcalcsId(''), false);
    assert.equal(isHcalcsId('00DB123456789097'), true);
  });

  it('ECS61e (7.15) and ECS61a (7.7) read back an empty id, an APC FF, an ALCS and an HCALCS', () => {
    // the meter's fitted controllers are its physical configuration: its initial state
    const ids = ['', 'FF', '0000000000000000', '00DB123456789097', 'FF'];
    const { send } = meter(Object.fromEntries(ids.map((id, i) => [`alcsDeviceId${i + 1}.value`, id])));
    const e = send(ECS61A, () => {}, ECS61E_ALL);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((k) => value(e, `alcsDeviceId${k}`)),
      ids,
    );
    const a = send(ECS61A);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((k) => value(a, `alcsDeviceId${k}`)),
      ids,
    );
  });

  it('ECS46c (6.14.2) writes an HCALCS EUI and an ALCS id; ECS61e reads them', () => {
    const { send } = meter();
    send(ECS47, () => {}, {
      useCase: 'ECS46c',
      fields: {
        alcsDeviceId1: { value: '00DB123456789099' },
        alcsDeviceId2: { value: '0000000000000000' },
        alcsDeviceId3: { value: '0000000000000000' },
        alcsDeviceId4: { value: '0000000000000000' },
        alcsDeviceId5: { value: '0000000000000000' },
        // GBCS V3.1 ECS46c: the next calendar (channel 1) and its activation times (all zero: now)
        auxiliaryControllerSpecialDays: { entries: [] },
        auxiliaryControllerSchedule: { entries: [] },
        auxiliaryControllerScheduleActivation: { activationTime: '0000-00-00T00:00:00 dow=0' },
        auxiliaryControllerSpecialDaysActivation: { activationTime: '0000-00-00T00:00:00 dow=0' },
      },
    });
    const e = send(ECS61A, () => {}, ECS61E_ALL);
    assert.equal(value(e, 'alcsDeviceId1'), '00DB123456789099');
    assert.equal(value(e, 'alcsDeviceId3'), '0000000000000000');
  });
});

describe('ESME: 0-0:94.44.117.1 is one attribute for V3.1 ECS47 and the later ECS47a (controller 1)', () => {
  it('ECS47 then ECS47a for controller 1, then ECS47 again: each write replaces the other', () => {
    const { esme, send } = meter();
    const s = () => esme.stateView;
    send(ECS47);
    assert.equal(getAttribute(s(), 'alcsStateScriptSelector.value'), 30, 'RTDS ECS47Activate: 30');
    send(ECS47A, (f) => {
      // RTDS ECS47a commands controller 5: the same command for controller 1
      f.auxControllerSettingStart1 = f.auxControllerSettingStart5!;
      f.auxControllerSettingEnd1 = f.auxControllerSettingEnd5!;
      delete f.auxControllerSettingStart5;
      delete f.auxControllerSettingEnd5;
      f.alcsStateScripts = { execute: 0x1164 };
    });
    assert.equal(getAttribute(s(), 'auxControllerSettingStart1.value'), '2015-01-03T00:00:00');
    assert.equal(
      hasAttribute(s(), 'alcsStateScriptSelector.value'),
      false,
      'the V3.1 name no longer holds a value',
    );
    send(ECS47);
    assert.equal(getAttribute(s(), 'alcsStateScriptSelector.value'), 30);
    assert.equal(hasAttribute(s(), 'auxControllerSettingStart1.value'), false);
  });

  it('ECS47a for controller 5 leaves the ECS47 value alone (another OBIS)', () => {
    const { esme, send } = meter();
    send(ECS47);
    send(ECS47A);
    assert.equal(getAttribute(esme.stateView, 'alcsStateScriptSelector.value'), 30);
    assert.equal(getAttribute(esme.stateView, 'auxControllerSettingStart5.value'), '2015-01-03T00:00:00');
  });
});
