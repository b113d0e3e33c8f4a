/**
 * Prepayment accounting (pure, prepay-accounting.ts): the price in force by
 * the RTDS ESME's tariff and calendar, price x energy with the Charge's
 * scalers, the order of debit, the thresholds and emergency credit run-down.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  availableCredit,
  belowDisablement,
  CREDIT_BELOW_DISABLEMENT,
  chargeIndexOfSelector,
  consumptionCost,
  costMillipence,
  crossings,
  debit,
  EMERGENCY_CREDIT_EXHAUSTED,
  LOW_CREDIT,
  priceInForce,
  primaryCalendar,
  scriptSelectorAt,
  wholeMillipence,
} from './prepay-accounting.ts';
import { RTDS_ESME_ATTRIBUTES } from './rtds-attributes.ts';
import { blockIndex, defaultTariff, touIndex } from './tariff.ts';

const tariff = defaultTariff();
const at = (iso: string) => Date.parse(iso);

describe('prepay accounting: the price in force (RTDS ESME tariff: weekdays 07:00 column 1, 23:00 column 2; weekends and special days TOU 1)', () => {
  const cases: [string, string, number][] = [
    ['a Monday 12:00 (selector 101: block 1 column 1, A1)', '2026-12-07T12:00:00Z', 2289],
    ['a Monday 23:30 (selector 102: block 1 column 2, A2)', '2026-12-07T23:30:00Z', 4002],
    ['a Monday 03:00 (before the first action: the day profile last one, 102)', '2026-12-07T03:00:00Z', 4002],
    ['a Monday 07:00:00 exactly (101 starts)', '2026-12-07T07:00:00Z', 2289],
    ['a Saturday 12:00 (day 2, selector 1: TOU rate 1)', '2026-12-05T12:00:00Z', 2121],
    ['2015-12-25, a Friday (special day: day 2)', '2015-12-25T12:00:00Z', 2121],
    ['2026-12-25, a Friday (the special day names 2015 only: a weekday)', '2026-12-25T12:00:00Z', 2289],
  ];
  for (const [name, iso, price] of cases)
    it(name, () => assert.equal(priceInForce(tariff, at(iso))?.chargePerUnit, price));

  it('selectors: 1..48 TOU rates, 101..108 block columns at block 1; others none', () => {
    assert.equal(chargeIndexOfSelector(1), touIndex(1));
    assert.equal(chargeIndexOfSelector(48), touIndex(48));
    assert.equal(chargeIndexOfSelector(103), blockIndex(1, 3));
    assert.equal(chargeIndexOfSelector(0), null);
    assert.equal(chargeIndexOfSelector(49), null);
    assert.equal(chargeIndexOfSelector(109), null);
  });

  it('a calendar naming no day profile charges nothing (null)', () => {
    const t = structuredClone(tariff);
    t.activityCalendar.weekProfileActive = [];
    assert.equal(priceInForce(t, at('2026-12-07T12:00:00Z')), null);
  });
});

describe('prepay accounting: cost = energy x price with the scalers (credit in milli-pence)', () => {
  const price = { index: '01', chargePerUnit: 2121, commodityScale: 3, priceScale: -5 };
  it('2121 x 10^-5 GBP per kWh: 1 kWh costs 2121 milli-pence, 500 Wh 1060.5', () => {
    assert.equal(costMillipence(1000, price), 2121);
    assert.equal(costMillipence(500, price), 1060.5);
  });
  it('price scale -4 is ten times dearer; commodity scale 0 prices each Wh', () => {
    assert.equal(costMillipence(1000, { ...price, priceScale: -4 }), 21210);
    assert.equal(costMillipence(2, { ...price, commodityScale: 0 }), 4242);
  });
  it('fractions of a milli-pence are carried, never lost', () => {
    let carry = 0;
    let total = 0;
    for (let i = 0; i < 4; i++) {
      const w = wholeMillipence(costMillipence(500, price), carry);
      total += w.amount;
      carry = w.carry;
    }
    assert.equal(total, 4242);
    assert.equal(carry, 0);
    assert.deepEqual(wholeMillipence(1060.5, 0), { amount: 1060, carry: 0.5 });
  });
});

describe('prepay accounting: order of debit and thresholds', () => {
  it('without emergency credit the meter balance is debited, below zero too', () => {
    assert.deepEqual(debit({ meterBalance: 100, emergencyCredit: null }, 300), {
      meterBalance: -200,
      emergencyCredit: null,
    });
  });
  it('with emergency credit: the meter balance to zero, then the emergency credit, then the meter balance', () => {
    const c = { meterBalance: 100, emergencyCredit: 500 };
    assert.deepEqual(debit(c, 50), { meterBalance: 50, emergencyCredit: 500 });
    assert.deepEqual(debit(c, 300), { meterBalance: 0, emergencyCredit: 300 });
    assert.deepEqual(debit(c, 800), { meterBalance: -200, emergencyCredit: 0 });
    assert.deepEqual(debit({ meterBalance: -10, emergencyCredit: 500 }, 20), {
      meterBalance: -10,
      emergencyCredit: 480,
    });
    assert.equal(availableCredit(c), 600);
    assert.equal(availableCredit({ meterBalance: 100, emergencyCredit: null }), 100);
  });
  it('emergency credit run-down: exhausted (0x81AA) once, when it reaches zero', () => {
    let c = { meterBalance: 0, emergencyCredit: 1000 } as const as {
      meterBalance: number;
      emergencyCredit: number;
    };
    const events: number[] = [];
    for (let i = 0; i < 5; i++) {
      const next = debit(c, 300);
      events.push(...crossings(c, next, { lowCredit: null }));
      c = next as typeof c;
    }
    assert.deepEqual(c, { meterBalance: -500, emergencyCredit: 0 });
    assert.deepEqual(events, [EMERGENCY_CREDIT_EXHAUSTED]);
  });
  it('low credit (0x810D) when the available credit falls below its threshold, once', () => {
    const t = { lowCredit: 1000 };
    const a = { meterBalance: 1200, emergencyCredit: null };
    const b = debit(a, 300);
    assert.deepEqual(crossings(a, b, t), [LOW_CREDIT]);
    assert.deepEqual(crossings(b, debit(b, 300), t), []);
    assert.deepEqual(crossings(a, debit(a, 200), t), [], 'at the threshold is not below it');
  });
  it('disablement: the available credit below the threshold (equal is not below)', () => {
    assert.equal(belowDisablement({ meterBalance: 0, emergencyCredit: null }, 0), false);
    assert.equal(belowDisablement({ meterBalance: -1, emergencyCredit: null }, 0), true);
    assert.equal(belowDisablement({ meterBalance: -1, emergencyCredit: 1 }, 0), false);
    assert.equal(belowDisablement({ meterBalance: 5000, emergencyCredit: null }, 10_000), true);
    assert.equal(CREDIT_BELOW_DISABLEMENT, 0x8f0f);
  });
});

describe('prepay accounting: block prices and the secondary calendar', () => {
  it('a block column split is charged at each block price; a TOU selector ignores the split', () => {
    const charge = tariff.primaryPriceCharge.unitChargeActive;
    // column 2: 1 kWh at A2 (4002) + 2 kWh at B2 (6969)
    assert.equal(consumptionCost(charge, 102, 3000, [1000, 2000, 0, 0]), 4002 + 2 * 6969);
    assert.equal(consumptionCost(charge, 1, 1000, null), 2121);
    assert.equal(consumptionCost(charge, 99, 1000, null), null, 'a selector that names no price');
  });

  it('the RTDS secondary calendar: selectors 201..204 are the secondary TOU rates 1..4', () => {
    assert.equal(chargeIndexOfSelector(201), touIndex(1));
    assert.equal(chargeIndexOfSelector(204), touIndex(4));
    assert.equal(chargeIndexOfSelector(205), null);
    const a = RTDS_ESME_ATTRIBUTES as Record<string, never>;
    const secondary = {
      seasons: a['activityCalendarSecondary.seasonProfileActive'],
      weeks: a['activityCalendarSecondary.weekProfileActive'],
      days: a['activityCalendarSecondary.dayProfileActive'],
      specialDays: a['specialDaysSecondary.entries'],
    };
    // a Monday in the spring season (week 01, day 1): 201 until 12:00, then 202
    assert.equal(scriptSelectorAt(secondary, at('2015-04-06T11:00:00Z')), 201);
    assert.equal(scriptSelectorAt(secondary, at('2015-04-06T12:00:00Z')), 202);
    // the fall season (week 02): a Monday is day 3 (203, then 204); Christmas day is day 4 (204 until 12:00)
    assert.equal(scriptSelectorAt(secondary, at('2015-10-05T13:00:00Z')), 204);
    assert.equal(scriptSelectorAt(secondary, at('2015-12-25T10:00:00Z')), 204);
    assert.equal(scriptSelectorAt(primaryCalendar(tariff), at('2015-12-25T10:00:00Z')), 1);
  });
});
