/**
 * The ESME's time-based and payment-based prepayment charges in virtual
 * time, through GBCS use cases (prepay-supply.ts, prepay-periodic.ts,
 * non-disablement.ts): the standing charge ECS01b sets (ECS24 reads it)
 * taken at each UTC midnight; time debt recovery ECS07 sets (ECS26a reads the
 * rates, ECS19 the registers); payment-based recovery of a CS01a top-up,
 * capped by ECS08a's debt recovery rate cap; the accumulated debt register
 * while the supply is disabled, repaid by the next top-up; the
 * Non-Disablement Calendar ECS08a writes. Accounting is catch-up: the clock
 * runs with no message, the next read brings the meter up to date, and the
 * events carry the time they happened.
 *
 * The RTDS time is Thursday 2015-01-01 00:00 UTC; the RTDS ESME holds
 * accumulated debt 187 000, time debts 203 000 / 243 000 and payment debt
 * 46 000 milli-pence (its ECS19 response), standing charge 20 000 a day.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, type GbcsMessage } from '../../gbcs/index.ts';
import { decodeDlmsData } from '../../gbcs/payload/dlms.ts';
import { type DlmsCommandRow, NON_DISABLEMENT_SCRIPT, useCaseById } from '../../gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { RTDS_TIME } from '../meter-common/time.ts';
import { PREPAY_SETTINGS } from './handlers/prepay-config.ts';
import { esmeTestRig, type Fields, rtdsFixture } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const ENVELOPE = 'ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX';
const NOW = '0000-00-00T00:00:00 dow=0';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** the RTDS ESME's prepayment registers (ECS19): balance, EC, accumulated debt, time debt 1, 2, payment debt */
const HELD = { accumulated: 187_000, time1: 203_000, time2: 243_000, payment: 46_000 };
/** ECS20a's range: every entry (restricting object the clock, GBCS V3.1 tables) */
const ALL_TIME = {
  restrictingObject: { classId: 1, logicalName: '0-0:94.44.100.255', attributeIndex: 2, dataIndex: 0 },
  fromValue: 0,
  toValue: 0xffffffff,
  selectedValues: [],
};
/** GBCS log time stamps: UTC seconds since 2000-01-01 */
const gbcsSeconds = (at: number) => (at - Date.UTC(2000, 0, 1)) / 1000;

type Read = { result: string; value?: unknown };

function meter(initialState: Record<string, unknown> = {}) {
  const m = rig.meter({ initialState: initialState as never });
  const send = rig.changedSender(m, 1n << 42n);
  const as = (useCase: string, fields: Fields) => send(ENVELOPE, () => {}, { useCase, fields });
  const value = (f: Fields, o: string, a: string) => (f[o]![a] as Read).value;
  const balance = () =>
    value(
      send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX').fields,
      'meterBalance',
      'currentCreditAmount',
    ) as number;
  const loadSwitch = () =>
    value(send('ECS45_7.4_SUCCESS_COMMAND_GBCS.HEX').fields, 'supplyState', 'controlState');
  /** ECS19's prepayment registers, decrypted as the supplier would */
  const registers = () => {
    const r = send('ECS19_4.3_SUCCESS_COMMAND_GBCS.HEX');
    const v = Object.values(r.fields as Fields)[0]!.getProtectedAttributes as {
      value: { protectedAttributes: string };
    };
    const message: GbcsMessage = r.message;
    const pt = decodeDlmsData(
      rig.profile.remote.decryptPayload(fromHex(v.value.protectedAttributes), message),
    ).value as { items: { items: { value?: unknown }[] }[] };
    const [balance, ec, accumulated, time1, time2, payment] = pt.items[0]!.items.map(
      (x) => x.value as number,
    );
    return { balance, ec, accumulated, time1, time2, payment };
  };
  const ecs26a = () => {
    const gets: Fields = {};
    for (const a of (useCaseById('ECS26a') as DlmsCommandRow).accesses) {
      gets[a.object] ??= {};
      gets[a.object]![a.member] = null;
    }
    return as('ECS26a', gets).fields;
  };
  const prepayment = (threshold = 0) =>
    send('ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS_COMMAND_GBCS.HEX', (f) => {
      f.prepaymentConfiguration!.disablementThreshold = threshold;
    });
  /** ECS20a: the payment-based debt payments log, every entry */
  const debtPayments = () => {
    const b = as('ECS20a', { debtPaymentLog: { buffer: ALL_TIME } }).fields.debtPaymentLog!.buffer as Read;
    assert.equal(b.result, 'success');
    return b.value as { time: number; amount: number }[];
  };
  const events = () => m.esme.stateView.eventLog;
  const alerts = () =>
    m.up
      .take()
      .map(decodeMessage)
      .filter((x) => x.cra === 'alert')
      .map((x) => toHex(x.content));
  return {
    ...m,
    send,
    as,
    value,
    balance,
    loadSwitch,
    registers,
    ecs26a,
    debtPayments,
    prepayment,
    events,
    alerts,
  };
}

const debtRate = (amount: number) => ({
  chargePerUnitScaling: { commodityScale: 0, priceScale: -2 },
  commodity: { classId: 0, logicalName: '0-0:0.0.0.0', attributeIndex: 0 },
  chargeTable: [{ index: '', chargePerUnit: amount }],
});

/** ECS07: time debt 1 at `rate1` (hundredths of a pound) per hour, time debt 2 none, the adjustments given. */
function ecs07(rate1: number, adjust: { time1?: number; time2?: number; payment?: number }, proportion = 0) {
  return {
    timeDebt1: {
      unitChargePassive: debtRate(rate1),
      period: 3600,
      activatePassiveUnitCharge: 0,
      updateTotalAmountRemaining: adjust.time1 ?? 0,
    },
    timeDebt2: {
      unitChargePassive: debtRate(0),
      period: 86400,
      activatePassiveUnitCharge: 0,
      updateTotalAmountRemaining: adjust.time2 ?? 0,
    },
    paymentDebt: { proportion, updateTotalAmountRemaining: adjust.payment ?? 0 },
  };
}

/** ECS08a: settings active now (debt recovery rate cap `capPounds` a week), the non-disablement calendar given. */
function ecs08a(capPounds: number, schedule: Array<{ selector: number; time: string }> = []): Fields {
  const values: Record<(typeof PREPAY_SETTINGS)[number], number> = {
    maxMeterBalance: 100_000_000,
    maxCreditThreshold: 10_000_000,
    debtRecoveryRateCap: capPounds,
    debtRecoveryRateCapPeriod: 604800,
    lowCreditThreshold: 0,
    emergencyCreditLimit: 0,
    emergencyCreditThreshold: 0,
  };
  const entries = (
    schedule.length ? schedule : [{ selector: NON_DISABLEMENT_SCRIPT.STOP, time: '00:00:00' }]
  ).map((e, k) => ({
    index: k + 1,
    enable: true,
    scriptLogicalName: '0-0:10.0.106.255',
    scriptSelector: e.selector,
    switchTime: e.time,
    validityWindow: 0xffff,
    execWeekdays: schedule.length ? '1111111' : '0000000',
    execSpecdays: '',
    beginDate: '****-**-**',
    endDate: '****-**-**',
  }));
  const f: Fields = {
    nonDisablementSpecialDays: { entries: [] },
    nonDisablementSchedule: { entries },
    nonDisablementSpecialDaysActivation: { activationTime: NOW },
    nonDisablementScheduleActivation: { activationTime: NOW },
  };
  for (const o of PREPAY_SETTINGS) f[o] = { valuePassive: values[o], activationTime: NOW };
  return f;
}

describe('ESME standing charge (ECS01b sets it, ECS24 reads it): taken at each UTC midnight in prepayment', () => {
  it('two midnights take two days at the standing charge in force, read back by ECS82; reading again takes nothing more', () => {
    const t = meter();
    t.prepayment();
    const set = t.send('ECS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX', (f) => {
      const u = f.standingCharge!.unitChargePassive as { chargeTable: { chargePerUnit: number }[] };
      u.chargeTable[0]!.chargePerUnit = 15_000;
      f.standingCharge!.unitChargeActivationTime = NOW;
    });
    assert.equal(set.ev?.reason, 'OK');
    const tariff = t.send('ECS24_4.11.1_SUCCESS_COMMAND_GBCS.HEX').fields;
    const standing = t.value(tariff, 'standingCharge', 'unitChargeActive') as {
      chargePerUnitScaling: { priceScale: number };
      chargeTable: { chargePerUnit: number }[];
    };
    assert.equal(standing.chargeTable[0]!.chargePerUnit, 15_000);
    assert.equal(standing.chargePerUnitScaling.priceScale, -5);
    const start = t.balance();
    t.clock.advance(2 * DAY + HOUR);
    assert.equal(t.balance(), start - 2 * 15_000);
    assert.equal(t.balance(), start - 2 * 15_000, 'a second read in the same day takes nothing');
  });

  it('a credit-mode meter is not charged the standing charge', () => {
    const t = meter();
    const start = t.balance();
    t.clock.advance(3 * DAY);
    assert.equal(t.balance(), start);
  });

  it('the credit runs out at a midnight with no message: 0x8F0F logged and alerted as of that midnight; while disabled the standing charge goes to the accumulated debt register (ECS19), the next top-up repays it', () => {
    const t = meter({ paymentMode: 'prepayment', meterBalance: 30_000 });
    t.clock.advance(3 * DAY + 5 * HOUR);
    assert.equal(t.esme.stateView.supply, 'disabled', 'a look at the meter brings it up to date');
    const sent = t.alerts();
    assert.equal(sent.length, 1);
    // the GCA's date-time is that midnight (COSEM date-time 2015-01-03 00:00:00)
    assert.match(sent[0]!, /128F0F090C07DF0103/);
    assert.equal(t.loadSwitch(), 0, 'disabled');
    const off = t.events().filter((e) => e.code === 0x8f0f);
    assert.deepEqual(
      off.map((e) => new Date(e.at).toISOString()),
      ['2015-01-03T00:00:00.000Z'],
      'disabled at the second midnight (30 000 - 2 x 20 000 < 0)',
    );
    const r = t.registers();
    assert.equal(r.balance, -10_000);
    assert.equal(r.accumulated, HELD.accumulated + 20_000, "the third day's standing charge");
    // the RTDS top-up (10 pounds): the accumulated debt first, the rest to the balance
    const up = t.deliver(rtdsFixture('CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX', 'COMMAND'));
    assert.equal(up.ev?.reason, 'OK');
    const after = t.registers();
    assert.equal(after.accumulated, 0);
    assert.equal(after.balance, -10_000 + 1_000_000 - (HELD.accumulated + 20_000));
    assert.equal(t.loadSwitch(), 2, 'armed');
  });
});

describe('ESME debt recovery (ECS07 sets, ECS26a and ECS19 read back)', () => {
  it('time debt 1 at 0.12 GBP an hour: each hour end takes it from the balance and the register, never more than the register holds', () => {
    const t = meter();
    t.prepayment();
    // leave 20 000 in time debt 1: one hour 12 000, the next the last 8 000
    const r = t.as('ECS07', ecs07(12, { time1: 20_000 - HELD.time1 }) as unknown as Fields);
    assert.equal(r.ev?.reason, 'OK');
    const cfg = t.ecs26a();
    assert.deepEqual((cfg.timeDebt1!.unitChargeActive as Read).value, debtRate(12));
    assert.equal((cfg.timeDebt1!.period as Read).value, 3600);
    const before = t.registers();
    assert.equal(before.time1, 20_000);
    t.clock.advance(HOUR + 1000);
    const one = t.registers();
    assert.equal(one.time1, 8_000);
    assert.equal(one.balance, before.balance - 12_000);
    t.clock.advance(3 * HOUR);
    const done = t.registers();
    assert.equal(done.time1, 0);
    assert.equal(done.balance, before.balance - 20_000);
    assert.equal(done.time2, HELD.time2, 'time debt 2 has no rate');
  });

  it('payment-based: 25 % of a CS01a top-up to the payment debt, capped by the ECS08a debt recovery rate cap (2 GBP a week)', () => {
    const t = meter();
    t.prepayment();
    t.as('ECS07', ecs07(0, { payment: 500_000 }, 2500) as unknown as Fields);
    assert.equal((t.ecs26a().paymentDebt!.proportion as Read).value, 2500);
    assert.equal(t.as('ECS08a', ecs08a(2)).ev?.reason, 'OK');
    assert.equal((t.ecs26a().accountActive!.maxProvision as Read).value, 2);
    const before = t.registers();
    t.deliver(rtdsFixture('CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX', 'COMMAND'));
    const after = t.registers();
    // 25 % of 1 000 000 is 250 000; the cap leaves 200 000
    assert.equal(after.payment, before.payment - 200_000);
    assert.equal(after.accumulated, 0);
    assert.equal(after.balance, before.balance + 1_000_000 - 200_000 - HELD.accumulated);
    // ECS20a: the payment recorded against the payment debt, at the top-up's time
    assert.deepEqual(t.debtPayments(), [{ time: gbcsSeconds(RTDS_TIME), amount: 200_000 }]);
  });

  it('payment-based without a cap: the proportion of the top-up, no more than the register holds', () => {
    const t = meter();
    t.prepayment();
    t.as('ECS07', ecs07(0, {}, 5000) as unknown as Fields);
    const before = t.registers();
    t.deliver(rtdsFixture('CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX', 'COMMAND'));
    const after = t.registers();
    assert.equal(after.payment, 0, '50 % is 500 000; the register held 46 000');
    assert.deepEqual(t.debtPayments(), [{ time: gbcsSeconds(RTDS_TIME), amount: HELD.payment }]);
    assert.equal(after.balance, before.balance + 1_000_000 - HELD.payment - HELD.accumulated);
  });
});

describe('ESME Non-Disablement Calendar (ECS08a writes it, ECS26a reads it)', () => {
  it('credit runs out inside a non-disablement period: the supply stays on until its STOP, then is disabled (0x8F0F as of the STOP)', () => {
    const t = meter();
    t.prepayment();
    const r = t.as(
      'ECS08a',
      ecs08a(0, [
        { selector: NON_DISABLEMENT_SCRIPT.START, time: '18:00:00' },
        { selector: NON_DISABLEMENT_SCRIPT.STOP, time: '08:00:00' },
      ]),
    );
    assert.equal(r.ev?.reason, 'OK');
    const sched = t.ecs26a().nonDisablementScheduleActive!.entries as Read;
    assert.equal((sched.value as unknown[]).length, 2);
    // leave 10 000: the midnight's standing charge (20 000) takes it below zero at 2015-01-02 00:00
    t.as('ECS04a', { meterBalance: { updateAmount: 10_000 - t.balance() } });
    t.clock.advance(DAY + 2 * HOUR);
    assert.equal(t.balance(), -10_000);
    assert.equal(t.loadSwitch(), 1, 'inside the period (from 18:00): still on');
    t.clock.advance(7 * HOUR);
    assert.equal(t.loadSwitch(), 0, 'after the 08:00 STOP: disabled');
    assert.deepEqual(
      t
        .events()
        .filter((e) => e.code === 0x8f0f)
        .map((e) => new Date(e.at).toISOString()),
      ['2015-01-02T08:00:00.000Z'],
    );
  });

  it('outside any period the same credit disables at the midnight', () => {
    const t = meter();
    t.prepayment();
    t.as('ECS08a', ecs08a(0));
    t.as('ECS04a', { meterBalance: { updateAmount: 10_000 - t.balance() } });
    t.clock.advance(DAY + 2 * HOUR);
    assert.equal(t.loadSwitch(), 0);
    assert.deepEqual(
      t
        .events()
        .filter((e) => e.code === 0x8f0f)
        .map((e) => new Date(e.at).toISOString()),
      [new Date(RTDS_TIME + DAY).toISOString()],
    );
  });
});

describe('ESME twin element: the secondary element consumption at the secondary price (ECS24b reads it)', () => {
  it('charged by the secondary calendar: 00:00 rate 1 (10 000 milli-pence per kWh), 12:00 rate 2 (11 000), from the one credit', () => {
    const m = rig.meter({ variant: 'twin', initialState: { paymentMode: 'prepayment' } as never });
    const send = rig.changedSender(m, 1n << 42n);
    const read = send('ECS24b_4.11.2_SUCCESS_COMMAND_GBCS.HEX').fields;
    const price = (read.secondaryPriceCharge!.unitChargeActive as Read).value as {
      chargeTable: { index: string; chargePerUnit: number }[];
    };
    assert.deepEqual(
      price.chargeTable.map((e) => e.chargePerUnit),
      [10_000, 11_000, 12_000, 13_000],
    );
    const balance = () =>
      (send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX').fields.meterBalance!.currentCreditAmount as Read).value;
    const start = balance() as number;
    m.esme.backchannel.consumeSecondary(2000);
    assert.equal(balance(), start - 20_000);
    m.clock.advance(13 * HOUR);
    m.esme.backchannel.consumeSecondary(1000);
    assert.equal(balance(), start - 20_000 - 11_000);
    assert.equal(m.esme.stateView.registers.secondaryActiveImportWh, 10 + 3000);
    assert.equal(m.esme.stateView.registers.activeImportWh, 10, 'the primary element consumed nothing');
  });

  it('a credit-mode twin meter is not charged for the secondary element', () => {
    const m = rig.meter({ variant: 'twin' });
    const before = m.esme.stateView.meterBalance;
    m.esme.backchannel.consumeSecondary(5000);
    assert.equal(m.esme.stateView.meterBalance, before);
  });
});
