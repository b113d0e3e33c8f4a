/**
 * ECS08a (DUIS 2.1) on the ESME, read back with ECS26a (4.13): the
 * prepayment settings' passive values become active now (activation time
 * zero) or at their activation time (8F66 then); all-FF cancels; values GBCS
 * does not allow are refused whole and change nothing. The row's objects are
 * GBCS's (V3.1 use-case tables); no RTDS example exists, so commands are
 * built from named fields in the envelope of the RTDS ECS04a command (a
 * critical supplier command) and responses read by named fields.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../gbcs/index.ts';
import { parseObis } from '../../gbcs/payload/dlms.ts';
import {
  COSEM_OBJECTS,
  type DlmsCommandRow,
  NON_DISABLEMENT_SCRIPT,
  useCaseById,
} from '../../gbcs/use-cases/index.ts';
import { toHex } from '../../runtime/bytes.ts';
import { PREPAY_SETTINGS } from './handlers/prepay-config.ts';
import { esmeTestRig, type Fields } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const BASE = 'ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX';
const NOW = '0000-00-00T00:00:00 dow=0';
const CANCEL = '****-**-**T**:**:**.**';
const AT = '2030-01-15T09:00:00';

const VALUES: Record<(typeof PREPAY_SETTINGS)[number], number> = {
  maxMeterBalance: 25_000_000,
  maxCreditThreshold: 10_000_000,
  debtRecoveryRateCap: 20,
  debtRecoveryRateCapPeriod: 604800,
  lowCreditThreshold: 300_000,
  emergencyCreditLimit: 1_500_000,
  emergencyCreditThreshold: 250_000,
};

/** ECS08a fields: every setting at `VALUES` activating at `at`, two special days, two schedule entries. */
function ecs08a(at = NOW, change: (f: Fields) => void = () => {}): Fields {
  const f: Fields = {
    nonDisablementSpecialDays: {
      entries: [
        { index: 1, specialDayDate: '****-12-25', dayId: 1 },
        { index: 2, specialDayDate: '2027-04-02', dayId: 2 },
      ],
    },
    nonDisablementSchedule: {
      entries: [NON_DISABLEMENT_SCRIPT.START, NON_DISABLEMENT_SCRIPT.STOP].map((sel, k) => ({
        index: k + 1,
        enable: true,
        scriptLogicalName: '0-0:10.0.106.255',
        scriptSelector: sel,
        switchTime: k === 0 ? '18:00:00' : '08:00:00',
        validityWindow: 0xffff,
        execWeekdays: '1111100',
        execSpecdays: k === 0 ? '11' : '00',
        beginDate: '2026-01-01',
        endDate: '2027-12-31',
      })),
    },
    nonDisablementSpecialDaysActivation: { activationTime: at },
    nonDisablementScheduleActivation: { activationTime: at },
  };
  for (const o of PREPAY_SETTINGS) f[o] = { valuePassive: VALUES[o], activationTime: at };
  change(f);
  return f;
}

function meter() {
  const m = rig.meter();
  const send = rig.changedSender(m, 1n << 42n);
  const read = () => {
    const row = useCaseById('ECS26a') as DlmsCommandRow;
    const gets: Fields = {};
    for (const a of row.accesses) {
      gets[a.object] ??= {};
      gets[a.object]![a.member] = null;
    }
    return send(BASE, () => {}, { useCase: 'ECS26a', fields: gets }).fields;
  };
  const update = (f: Fields) => send(BASE, () => {}, { useCase: 'ECS08a', fields: f });
  return { ...m, read, update };
}

/**
 * Where ECS26a reads each ECS08a setting once active (GBCS V3.1 use-case tables): the class 9000 active
 * value, the active account (0-0:19.0.0.255) or the emergency credit (0-0:19.10.1.255).
 */
const IN_FORCE: Record<string, [string, string]> = {
  maxMeterBalance: ['maxMeterBalance', 'valueActive'],
  maxCreditThreshold: ['maxCreditThreshold', 'valueActive'],
  debtRecoveryRateCap: ['accountActive', 'maxProvision'],
  debtRecoveryRateCapPeriod: ['accountActive', 'maxProvisionPeriod'],
  lowCreditThreshold: ['accountActive', 'lowCreditThreshold'],
  emergencyCreditLimit: ['emergencyCredit', 'presetCreditAmount'],
  emergencyCreditThreshold: ['emergencyCredit', 'creditAvailableThreshold'],
};
const active = (r: Fields, o: string) => {
  const [object, member] = IN_FORCE[o]!;
  return r[object]![member] as { result: string; value?: unknown };
};

describe('ESME: ECS08a Update Prepayment Configuration (GBCS V3.1 tables), read back by ECS26a', () => {
  it('activation now: every setting active, the calendar as written; the top-up check takes the new maximum balance', () => {
    const { update, read, esme } = meter();
    const r = update(ecs08a());
    assert.equal(r.ev?.reason, 'OK');
    assert.ok(
      Object.values(r.fields).every((o) =>
        Object.values(o).every((x) => (x as { result: string }).result === 'success'),
      ),
    );
    const back = read();
    for (const o of [
      'maxMeterBalance',
      'maxCreditThreshold',
      'debtRecoveryRateCap',
      'debtRecoveryRateCapPeriod',
      'lowCreditThreshold',
      'emergencyCreditLimit',
      'emergencyCreditThreshold',
    ] as const)
      assert.deepEqual(active(back, o), { result: 'success', value: VALUES[o] }, o);
    assert.equal(esme.stateView.maxMeterBalance, VALUES.maxMeterBalance);
    const sched = back.nonDisablementScheduleActive!.entries as {
      result: string;
      value: { scriptSelector: number }[];
    };
    assert.deepEqual(
      sched.value.map((e) => e.scriptSelector),
      [NON_DISABLEMENT_SCRIPT.START, NON_DISABLEMENT_SCRIPT.STOP],
    );
    assert.deepEqual(back.nonDisablementSpecialDaysActive!.entries, {
      result: 'success',
      value: (ecs08a().nonDisablementSpecialDays as { entries: unknown }).entries,
    });
  });

  it('a future activation: nothing active until then, then each setting with its 8F66; all-FF cancels', () => {
    const { update, read, esme, clock, up } = meter();
    const at = Date.UTC(2030, 0, 15, 9);
    const r = update(ecs08a(AT));
    assert.equal(r.ev?.reason, 'SCHEDULED');
    assert.equal(esme.pendingFutureDated().length, PREPAY_SETTINGS.length);
    assert.deepEqual(active(read(), 'emergencyCreditLimit'), { result: 'object-unavailable' });
    up.take();
    clock.runUntil(at);
    const alerts = up
      .take()
      .map(decodeMessage)
      .filter((m) => m.cra === 'alert' && m.messageCode === 0x00cc);
    assert.equal(alerts.length, PREPAY_SETTINGS.length);
    // each 8F66 names the ECS08a Message Code and its object's activation time (class 9000 attribute 6)
    const refs = alerts.map((a) => toHex(a.content));
    for (const o of PREPAY_SETTINGS)
      assert.ok(
        refs.some(
          (h) => h.includes(`00DE`) && h.includes(`2328${toHex(parseObis(COSEM_OBJECTS[o].obis))}06`),
        ),
        o,
      );
    assert.deepEqual(active(read(), 'emergencyCreditLimit'), {
      result: 'success',
      value: VALUES.emergencyCreditLimit,
    });

    const m2 = meter();
    m2.update(ecs08a(AT));
    m2.update(ecs08a(CANCEL));
    assert.equal(m2.esme.pendingFutureDated().length, 0);
    m2.clock.runUntil(at);
    assert.deepEqual(active(m2.read(), 'emergencyCreditLimit'), { result: 'object-unavailable' });
  });

  it('values GBCS does not allow are refused whole: nothing written', () => {
    const entry0 = (f: Fields) => (f.nonDisablementSchedule!.entries as Record<string, unknown>[])[0]!;
    const bad: [string, (f: Fields) => void][] = [
      [
        'cap period not a week',
        (f) => {
          f.debtRecoveryRateCapPeriod!.valuePassive = 86400;
        },
      ],
      [
        'exec_specdays not one bit per special day',
        (f) => {
          entry0(f).execSpecdays = '1';
        },
      ],
      [
        'not the disconnect control script table',
        (f) => {
          entry0(f).scriptLogicalName = '0-0:10.0.103.255';
        },
      ],
    ];
    for (const [what, change] of bad) {
      const { update, read, esme } = meter();
      const before = esme.stateView.maxMeterBalance;
      const r = update(ecs08a(NOW, change));
      assert.notEqual(r.ev?.reason, 'OK', what);
      assert.equal(esme.stateView.maxMeterBalance, before, what);
      const back = read();
      assert.deepEqual(active(back, 'emergencyCreditLimit'), { result: 'object-unavailable' }, what);
    }
  });
});
