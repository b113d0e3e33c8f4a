/**
 * ECS01a (DUIS 1.1.1) on the ESME, read back with ECS24 (4.11.1): the
 * primary element's passive switching table, special days, block
 * thresholds, currency unit and prices become active now (activation times
 * zero) or at their activation times on the meter's clock (an 8F66 per
 * group then); all-FF cancels; a command GBCS's table does not allow is
 * refused whole and changes nothing. The row is GBCS V3.1's use-case table
 * (no RTDS example): commands are built from named fields in the envelope
 * of the RTDS ECS01b command (a critical supplier command), responses read
 * by named fields.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../gbcs/index.ts';
import { parseObis } from '../../gbcs/payload/dlms.ts';
import { COSEM_OBJECTS, type DlmsCommandRow, useCaseById } from '../../gbcs/use-cases/index.ts';
import { toHex } from '../../runtime/bytes.ts';
import { blockIndex, defaultTariff, touIndex } from './tariff.ts';
import { esmeTestRig, type Fields } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const BASE = 'ECS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX';
const NOW = '0000-00-00T00:00:00 dow=0';
const CANCEL = '****-**-**T**:**:**.**';
const AT = '2030-01-15T09:00:00';
const SCRIPTS = '0-0:10.0.100.255';
const COLUMNS = [1, 2, 3, 4, 5, 6, 7, 8] as const;

const CALENDAR = {
  seasonProfilePassive: [
    {
      seasonProfileName: toHex(new TextEncoder().encode('winter')),
      seasonStart: '****-10-01T00:00:00',
      weekName: '01',
    },
    {
      seasonProfileName: toHex(new TextEncoder().encode('summer')),
      seasonStart: '****-04-01T00:00:00',
      weekName: '02',
    },
  ],
  weekProfilePassive: [
    {
      weekProfileName: '01',
      monday: 1,
      tuesday: 1,
      wednesday: 1,
      thursday: 1,
      friday: 1,
      saturday: 3,
      sunday: 3,
    },
    {
      weekProfileName: '02',
      monday: 2,
      tuesday: 2,
      wednesday: 2,
      thursday: 2,
      friday: 2,
      saturday: 3,
      sunday: 3,
    },
  ],
  dayProfilePassive: [
    {
      dayId: 1,
      daySchedule: [
        { startTime: '00:00:00', scriptLogicalName: SCRIPTS, scriptSelector: 1 },
        { startTime: '16:00:00', scriptLogicalName: SCRIPTS, scriptSelector: 2 },
        { startTime: '19:00:00', scriptLogicalName: SCRIPTS, scriptSelector: 1 },
      ],
    },
    { dayId: 2, daySchedule: [{ startTime: '00:00:00', scriptLogicalName: SCRIPTS, scriptSelector: 1 }] },
    { dayId: 3, daySchedule: [{ startTime: '00:00:00', scriptLogicalName: SCRIPTS, scriptSelector: 3 }] },
  ],
};
const SPECIAL_DAYS = [
  { index: 1, specialDayDate: '****-12-25', dayId: 3 },
  { index: 2, specialDayDate: '2031-01-01', dayId: 3 },
];
const thresholds = (n: number) => (n <= 2 ? [2000 * n, 5000 * n] : [0xffffffff]);

/** The 80-entry price table: TOU rate n at 1000 + n, block b of column t at 3000 + 10 b + t. */
function prices() {
  const table: { index: string; chargePerUnit: number }[] = [];
  for (let n = 1; n <= 48; n++) table.push({ index: touIndex(n), chargePerUnit: 1000 + n });
  for (let b = 1; b <= 4; b++)
    for (let t = 1; t <= 8; t++) table.push({ index: blockIndex(b, t), chargePerUnit: 3000 + 10 * b + t });
  return table;
}

/** ECS01a fields: every group activating at `at` (the calendar at `calendarAt`). */
function ecs01a(at = NOW, change: (f: Fields) => void = () => {}): Fields {
  const f: Fields = {
    activityCalendar: { ...structuredClone(CALENDAR), activatePassiveCalendarTime: at },
    specialDaysPassive: { entries: structuredClone(SPECIAL_DAYS) },
    currencyUnit: { valuePassive: false, activationTime: at },
    standingCharge: {
      unitChargePassive: {
        chargePerUnitScaling: { commodityScale: 0, priceScale: -5 },
        commodity: { classId: 0, logicalName: '0-0:0.0.0.0', attributeIndex: 0 },
        chargeTable: [{ index: '', chargePerUnit: 23456 }],
      },
      unitChargeActivationTime: at,
    },
    primaryPriceCharge: {
      unitChargePassive: {
        chargePerUnitScaling: { commodityScale: 3, priceScale: -5 },
        commodity: { classId: 3, logicalName: '1-0:1.8.0.255', attributeIndex: 2 },
        chargeTable: prices(),
      },
      unitChargeActivationTime: at,
    },
    specialDaysActivation: { activationTime: at },
    tariffThresholdMatrixActivation: { activationTime: at },
  };
  for (const n of COLUMNS) f[`blockThresholdsPassiveTou${n}`] = { thresholds: thresholds(n) };
  change(f);
  return f;
}

function meter() {
  const m = rig.meter();
  const send = rig.changedSender(m, 1n << 42n);
  const read = () => {
    const row = useCaseById('ECS24') as DlmsCommandRow;
    const gets: Fields = {};
    for (const a of row.accesses) gets[a.object] = { ...gets[a.object], [a.member]: null };
    const r = send(BASE, () => {}, { useCase: 'ECS24', fields: gets });
    return Object.fromEntries(
      Object.entries(r.fields).map(([o, attrs]) => [
        o,
        Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, (v as { value?: unknown }).value])),
      ]),
    ) as Record<string, Record<string, unknown>>;
  };
  const set = (f: Fields) => send(BASE, () => {}, { useCase: 'ECS01a', fields: f });
  return { ...m, read, set };
}

/** The tariff ECS01a (fields `f`) makes active, as ECS24 reads it. */
function expectedActive(f: Fields) {
  const c = f.activityCalendar as typeof CALENDAR;
  return {
    activityCalendar: {
      seasonProfileActive: c.seasonProfilePassive,
      weekProfileActive: c.weekProfilePassive,
      dayProfileActive: c.dayProfilePassive,
    },
    specialDays: { entries: SPECIAL_DAYS },
    currencyUnit: { valueActive: false },
    standingCharge: {
      unitChargeActive: (f.standingCharge as { unitChargePassive: unknown }).unitChargePassive,
    },
    primaryPriceCharge: {
      unitChargeActive: (f.primaryPriceCharge as { unitChargePassive: unknown }).unitChargePassive,
    },
    ...Object.fromEntries(COLUMNS.map((n) => [`blockThresholdsTou${n}`, { thresholds: thresholds(n) }])),
  };
}

function assertActive(read: Record<string, Record<string, unknown>>, want: Record<string, unknown>) {
  for (const [o, attrs] of Object.entries(want))
    assert.deepEqual(read[o], { ...read[o], ...(attrs as object) }, o);
}

describe('ESME: ECS01a Set Tariff and Price (GBCS V3.1 tables), read back by ECS24', () => {
  it('activation now: calendar, special days, thresholds, currency unit and prices active at once', () => {
    const { set, read, esme } = meter();
    const f = ecs01a();
    const r = set(f);
    assert.equal(r.ev?.reason, 'OK');
    assert.equal(Object.keys(r.fields).length, 15, 'a result per object set');
    assert.ok(
      Object.values(r.fields).every((o) =>
        Object.values(o).every((x) => (x as { result: string }).result === 'success'),
      ),
    );
    assertActive(read(), expectedActive(f));
    assert.equal(esme.pendingFutureDated().length, 0);
  });

  it('future-dated: the RTDS tariff until the activation time, then every group with its 8F66', () => {
    const { set, read, esme, clock, up } = meter();
    const f = ecs01a(AT);
    const r = set(f);
    assert.equal(r.ev?.reason, 'SCHEDULED');
    assert.equal(esme.pendingFutureDated().length, 6);
    const rtds = defaultTariff();
    assertActive(read(), {
      activityCalendar: rtds.activityCalendar,
      specialDays: rtds.specialDays,
      currencyUnit: rtds.currencyUnit,
      primaryPriceCharge: rtds.primaryPriceCharge,
      blockThresholdsTou1: rtds.blockThresholdsTou1,
    });
    up.take();
    clock.runUntil(Date.UTC(2030, 0, 15, 9));
    const alerts = up
      .take()
      .map(decodeMessage)
      .filter((m) => m.cra === 'alert' && m.messageCode === 0x00cc)
      .map((m) => toHex(m.content));
    assert.equal(alerts.length, 6);
    // each 8F66 names ECS01a (0x0019) and its group's activation time attribute (class, OBIS, attribute)
    const ref = (o: keyof typeof COSEM_OBJECTS, attr: number) =>
      `${COSEM_OBJECTS[o].classId.toString(16).padStart(4, '0').toUpperCase()}${toHex(parseObis(COSEM_OBJECTS[o].obis))}${attr.toString(16).padStart(2, '0').toUpperCase()}`;
    for (const [o, attr] of [
      ['activityCalendar', 10],
      ['specialDaysActivation', 6],
      ['currencyUnit', 6],
      ['standingCharge', 7],
      ['primaryPriceCharge', 7],
      ['tariffThresholdMatrixActivation', 6],
    ] as const)
      assert.ok(
        alerts.some((h) => h.includes('8F66') && h.includes(`0019`) && h.includes(ref(o, attr))),
        `8F66 for ${o} attr ${attr}`,
      );
    assertActive(read(), expectedActive(f));
    assert.equal(esme.pendingFutureDated().length, 0);
  });

  it('all-FF cancels the pending groups: the earlier tariff stays', () => {
    const { set, read, esme, clock, up } = meter();
    set(ecs01a(AT));
    const r = set(ecs01a(CANCEL));
    assert.equal(r.ev?.reason, 'CANCELLED');
    assert.equal(esme.pendingFutureDated().length, 0);
    up.take();
    clock.runUntil(Date.UTC(2030, 0, 16));
    assert.equal(up.take().filter((b) => decodeMessage(b).messageCode === 0x00cc).length, 0);
    assert.deepEqual(read().currencyUnit, { valueActive: true });
  });

  const refused: [string, (f: Fields) => void][] = [
    [
      'a week naming an undefined day profile',
      (f) => ((f.activityCalendar as typeof CALENDAR).weekProfilePassive[0]!.sunday = 9),
    ],
    [
      'a season naming an undefined week',
      (f) => ((f.activityCalendar as typeof CALENDAR).seasonProfilePassive[1]!.weekName = '04'),
    ],
    [
      'a special day naming an undefined day',
      (f) => ((f.specialDaysPassive as { entries: typeof SPECIAL_DAYS }).entries[0]!.dayId = 7),
    ],
    [
      'an action calling another script table',
      (f) =>
        ((f.activityCalendar as typeof CALENDAR).dayProfilePassive[1]!.daySchedule[0]!.scriptLogicalName =
          '0-0:10.0.106.255'),
    ],
    [
      'five seasons',
      (f) => {
        const c = f.activityCalendar as typeof CALENDAR;
        c.seasonProfilePassive.push(...c.seasonProfilePassive, c.seasonProfilePassive[0]!);
      },
    ],
    [
      'four block thresholds in a column',
      (f) => (f.blockThresholdsPassiveTou3 = { thresholds: [1, 2, 3, 4] }),
    ],
    [
      'a price index twice',
      (f) => {
        const p = (f.primaryPriceCharge as { unitChargePassive: { chargeTable: unknown[] } })
          .unitChargePassive.chargeTable;
        p.push(p[0]);
      },
    ],
    [
      'an activation time not a date-time',
      (f) => ((f.currencyUnit as { activationTime: string }).activationTime = '2030-13-45T09:00:00'),
    ],
  ];
  for (const [what, change] of refused)
    it(`refused whole: ${what}; nothing changes`, () => {
      const { set, read, esme } = meter();
      const before = read();
      const r = set(ecs01a(NOW, change));
      assert.notEqual(r.ev?.reason, 'OK');
      assert.deepEqual(read(), before);
      assert.equal(esme.pendingFutureDated().length, 0);
    });
});
