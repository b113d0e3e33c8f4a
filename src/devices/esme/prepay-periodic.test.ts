/**
 * The time-based and payment-based charges (pure, prepay-periodic.ts) and
 * the Non-Disablement Calendar (pure, non-disablement.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NON_DISABLEMENT_SCRIPT } from '../../gbcs/use-cases/index.ts';
import {
  inNonDisablementPeriod,
  type NonDisablementEntry,
  nonDisablementSwitches,
} from './non-disablement.ts';
import { boundaries, DAY_MS, HOUR_MS, splitTopUp, timeDebtDue, unitChargeAmount } from './prepay-periodic.ts';
import { RTDS_TARIFF } from './tariff.ts';

const T0 = Date.UTC(2015, 0, 1); // Thursday
const rate = (amount: number, priceScale = -2) => ({
  chargePerUnitScaling: { commodityScale: 0, priceScale },
  commodity: { classId: 0, logicalName: '0-0:0.0.0.0', attributeIndex: 0 },
  chargeTable: [{ index: '', chargePerUnit: amount }],
});

describe('prepay periodic: amounts and boundaries', () => {
  it('a unit charge in milli-pence: the RTDS standing charge 20000 at -5 is 20 000; 12 at -2 is 12 000', () => {
    assert.equal(unitChargeAmount(RTDS_TARIFF.standingCharge.unitChargeActive), 20_000);
    assert.equal(unitChargeAmount(rate(12)), 12_000);
    assert.equal(unitChargeAmount(undefined), 0);
    assert.equal(unitChargeAmount({ ...rate(1), chargeTable: [] }), 0);
  });

  it('boundaries in (from, to]: each midnight and each period end, once, in order', () => {
    const b = boundaries(T0 + 22 * HOUR_MS, T0 + DAY_MS + HOUR_MS, [HOUR_MS, DAY_MS, 0]);
    assert.deepEqual(
      b.map((t) => (t - T0) / HOUR_MS),
      [23, 24, 25],
    );
    assert.deepEqual(boundaries(T0, T0, [HOUR_MS]), []);
    assert.deepEqual(boundaries(T0 - 1, T0, []), [T0], 'a boundary at `to` is in');
  });

  it('a time debt is due at its period end only, no more than it holds', () => {
    const d = { rate: rate(12), periodMs: HOUR_MS, remaining: 20_000 };
    assert.equal(timeDebtDue(d, T0 + HOUR_MS), 12_000);
    assert.equal(timeDebtDue(d, T0 + HOUR_MS + 1), 0);
    assert.equal(timeDebtDue({ ...d, remaining: 5_000 }, T0), 5_000);
    assert.equal(timeDebtDue({ ...d, remaining: 0 }, T0), 0);
    assert.equal(timeDebtDue({ ...d, periodMs: DAY_MS }, T0 + HOUR_MS), 0);
  });
});

describe('prepay periodic: a top-up split with payment-based debt recovery', () => {
  const cap = { capMillipence: 200_000, capPeriodMs: 7 * DAY_MS };
  it('the proportion, at most the register', () => {
    assert.deepEqual(splitTopUp(1_000_000, T0, 2500, 1_000_000, null, null), {
      toDebt: 250_000,
      toCredit: 750_000,
      window: null,
    });
    assert.equal(splitTopUp(1_000_000, T0, 2500, 40_000, null, null).toDebt, 40_000);
    assert.equal(splitTopUp(1_000_000, T0, 0, 40_000, null, null).toDebt, 0);
  });

  it('the cap limits what a week recovers; a new week starts a new window', () => {
    const a = splitTopUp(500_000, T0, 2500, 1_000_000, cap, null);
    assert.deepEqual(a, { toDebt: 125_000, toCredit: 375_000, window: { start: T0, recovered: 125_000 } });
    const b = splitTopUp(500_000, T0 + DAY_MS, 2500, 1_000_000, cap, a.window);
    assert.deepEqual(b, { toDebt: 75_000, toCredit: 425_000, window: { start: T0, recovered: 200_000 } });
    const c = splitTopUp(500_000, T0 + 2 * DAY_MS, 2500, 1_000_000, cap, b.window);
    assert.equal(c.toDebt, 0);
    const d = splitTopUp(500_000, T0 + 7 * DAY_MS, 2500, 1_000_000, cap, c.window);
    assert.deepEqual(d.window, { start: T0 + 7 * DAY_MS, recovered: 125_000 });
  });
});

describe('non-disablement calendar (pure)', () => {
  const entry = (k: number, selector: number, time: string, over: Partial<NonDisablementEntry> = {}) => ({
    index: k,
    enable: true,
    scriptSelector: selector,
    switchTime: time,
    execWeekdays: '1111100',
    execSpecdays: '0',
    beginDate: '****-**-**',
    endDate: '****-**-**',
    ...over,
  });
  const cal = {
    entries: [
      entry(1, NON_DISABLEMENT_SCRIPT.START, '18:00:00'),
      entry(2, NON_DISABLEMENT_SCRIPT.STOP, '08:00:00', { execWeekdays: '1111111', execSpecdays: '1' }),
    ],
    specialDays: [{ specialDayDate: '****-01-02' }],
  };
  it('from a START to the next STOP, on the weekdays the entry runs (Monday first)', () => {
    // Thursday 1 January 18:00 starts; Friday 2 January is a special day: only the STOP runs (08:00)
    assert.equal(inNonDisablementPeriod(cal, T0 + 17 * HOUR_MS), false);
    assert.equal(inNonDisablementPeriod(cal, T0 + 18 * HOUR_MS), true);
    assert.equal(inNonDisablementPeriod(cal, T0 + DAY_MS + 7 * HOUR_MS), true);
    assert.equal(inNonDisablementPeriod(cal, T0 + DAY_MS + 8 * HOUR_MS), false);
    assert.equal(inNonDisablementPeriod(cal, T0 + DAY_MS + 19 * HOUR_MS), false, 'special day: no START');
    // Saturday 3 January: the START does not run on a weekend day
    assert.equal(inNonDisablementPeriod(cal, T0 + 2 * DAY_MS + 19 * HOUR_MS), false);
  });

  it('switches in a span, in order; outside begin/end dates nothing runs; disabled entries never', () => {
    assert.deepEqual(
      nonDisablementSwitches(cal, T0, T0 + DAY_MS + 12 * HOUR_MS).map((s) => [
        (s.at - T0) / HOUR_MS,
        s.start,
      ]),
      [
        [8, false],
        [18, true],
        [32, false],
      ],
    );
    const ended = { ...cal, entries: cal.entries.map((e) => ({ ...e, endDate: '2014-12-31' })) };
    assert.deepEqual(nonDisablementSwitches(ended, T0, T0 + 3 * DAY_MS), []);
    const off = { ...cal, entries: cal.entries.map((e) => ({ ...e, enable: false })) };
    assert.equal(inNonDisablementPeriod(off, T0 + 20 * HOUR_MS), false);
  });
});
