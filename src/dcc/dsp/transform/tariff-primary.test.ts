/**
 * 1.1.1 Update Import Tariff (Primary Element) to an ESME -> ECS01a (GBCS
 * V3.1 use-case tables; no DCC template or RTDS example): XSD-valid bodies
 * (the calendar and special days of the 1.1.2 template, with the primary
 * element's currency, threshold matrix and price elements) decode back
 * through the catalogue to the values given; immediate, future-dated and
 * cancellation carry the execution date-time in every activation time; bad
 * bodies are typed refusals. To a GSME -> GCS01a (GasTariffElements and
 * GasPriceElements, TOU and block): the calendar, prices and thresholds given.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsContext } from '../../../../test/support/dsp-transform.ts';
import {
  GAS_THRESHOLDS,
  PRIMARY_THRESHOLDS,
  tariffPrimaryElec,
  tariffPrimaryGas,
} from '../../../../test/support/tariff-bodies.ts';
import { xsdShapedRequest } from '../../../../test/support/xsd-shaped.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../../duis/xsd-inprocess.ts';
import { decodeMessage } from '../../../gbcs/index.ts';
import { decodeCommand } from '../../../gbcs/use-cases/index.ts';
import { DspTransformError } from './errors.ts';
import { transformServiceRequest } from './index.ts';

const ESME = '00DB1234567890A0';
const body = tariffPrimaryElec;
const THRESHOLDS = PRIMARY_THRESHOLDS;
const request = (b: string, counter = 5000, target = ESME) =>
  xsdShapedRequest({ srv: '1.1.1', cv: 4, target, counter, body: b });

type Fields = Record<string, Record<string, unknown>>;

describe('1.1.1 Update Import Tariff (Primary Element): ECS01a from XSD-shaped bodies', () => {
  it('immediate, future-dated and cancellation: the calendar, special days, thresholds, currency and prices given', () => {
    for (const [at, activation, kind] of [
      ['', '0000-00-00T00:00:00 dow=0', 'immediate'],
      ['<sr:ExecutionDateTime>2030-01-15T09:00:00Z</sr:ExecutionDateTime>', '2030-01-15T09:00:00', 'at'],
      [
        '<sr:ExecutionDateTime>3000-12-31T00:00:00Z</sr:ExecutionDateTime>',
        '****-**-**T**:**:**.**',
        'cancel',
      ],
    ] as const) {
      const xml = request(body(at));
      const v = validateAgainstDuisXsdInProcess(xml);
      assert.ok(v.valid, v.errors.join('; '));
      const r = transformServiceRequest(parseDuisRequest(xml), rtdsContext({ variant: 'single' }));
      assert.equal(r.kind, 'pre-command');
      assert.equal(r.useCase, 'ECS01a');
      assert.equal(r.execution.kind, kind);
      const m = decodeMessage(r.gbcs);
      assert.equal(m.messageCode, 0x0019);
      const f = decodeCommand(m.messageCode, m.content).fields as Fields;
      const cal = f.activityCalendar as {
        seasonProfilePassive: { seasonProfileName: string; seasonStart: string; weekName: string }[];
        weekProfilePassive: { weekProfileName: string; saturday: number }[];
        dayProfilePassive: { dayId: number; daySchedule: { startTime: string; scriptSelector: number }[] }[];
      };
      assert.deepEqual(cal.seasonProfilePassive[0], {
        seasonProfileName: '77696E746572', // "winter"
        seasonStart: '2014-10-27T00:00:00',
        weekName: '01',
      });
      assert.deepEqual(
        cal.dayProfilePassive.map((d) => [
          d.dayId,
          d.daySchedule.map((s) => [s.startTime, s.scriptSelector]),
        ]),
        [
          [
            1,
            [
              ['00:00:00', 1],
              ['07:00:00', 4],
              ['19:00:00', 3],
            ],
          ],
          [
            2,
            [
              ['06:00:00', 4],
              ['18:00:00', 3],
              ['23:00:00', 1],
            ],
          ],
          [3, [['00:00:00', 102]]],
        ],
      );
      assert.equal(cal.weekProfilePassive[1]!.saturday, 3);
      assert.deepEqual(f.specialDaysPassive, {
        entries: [
          { index: 1, specialDayDate: '2015-05-01', dayId: 3 },
          { index: 2, specialDayDate: '****-12-25', dayId: 1 },
        ],
      });
      assert.deepEqual(f.blockThresholdsPassiveTou2, { thresholds: [2000, 9000] });
      assert.deepEqual(f.blockThresholdsPassiveTou8, { thresholds: [8000] });
      assert.deepEqual(f.currencyUnit, { valuePassive: true, activationTime: activation });
      const standing = f.standingCharge as { unitChargePassive: { chargeTable: unknown[] } };
      assert.deepEqual(standing.unitChargePassive.chargeTable, [{ index: '', chargePerUnit: 2500 }]);
      const price = f.primaryPriceCharge as {
        unitChargePassive: { chargeTable: { index: string; chargePerUnit: number }[] };
      };
      assert.equal(price.unitChargePassive.chargeTable.length, 80);
      assert.deepEqual(price.unitChargePassive.chargeTable.slice(0, 4), [
        { index: '01', chargePerUnit: 1500 },
        { index: '02', chargePerUnit: 0 },
        { index: '03', chargePerUnit: 0 },
        { index: '04', chargePerUnit: 3100 },
      ]);
      for (const o of ['specialDaysActivation', 'tariffThresholdMatrixActivation'])
        assert.deepEqual(f[o], { activationTime: activation }, o);
      assert.equal(
        (f.activityCalendar as { activatePassiveCalendarTime: string }).activatePassiveCalendarTime,
        activation,
      );
    }
  });

  it('ECB is the currency unit false', () => {
    const r = transformServiceRequest(parseDuisRequest(request(body('', 'ECB'), 5001)), rtdsContext({}));
    const m = decodeMessage(r.gbcs);
    assert.equal(
      (decodeCommand(m.messageCode, m.content).fields as Fields).currencyUnit!.valuePassive,
      false,
    );
  });

  it('refused (typed, HTTP 400): a BlockThreshold index missing, a week naming an undefined day', () => {
    const gap = THRESHOLDS.replace('<sr:BlockThreshold index="2">9000', '<sr:BlockThreshold index="3">9000');
    const undefinedDay = body().replace(
      '<sr:ReferencedDayName index="7">3<',
      '<sr:ReferencedDayName index="7">9<',
    );
    for (const [k, b] of [body('', 'GBP', gap), undefinedDay].entries())
      assert.throws(
        () => transformServiceRequest(parseDuisRequest(request(b, 5010 + k)), rtdsContext({})),
        (e: unknown) => e instanceof DspTransformError && e.httpStatus === 400,
        `case ${k}`,
      );
  });
});

const GSME = '00DB123456789094';
const ANY = { year: null, dayOfWeek: null };
/** 2030-01-15T09:00:00Z as ZigBee UTCTime (seconds since 2000-01-01T00:00:00Z). */
const ZIGBEE_2030 = (Date.UTC(2030, 0, 15, 9) - Date.UTC(2000, 0, 1)) / 1000;

describe('1.1.1 Update Import Tariff (Primary Element): GCS01a from XSD-shaped GasTariffElements', () => {
  const run = (b: string, counter: number) => {
    const xml = request(b, counter, GSME);
    const v = validateAgainstDuisXsdInProcess(xml);
    assert.ok(v.valid, v.errors.join('; '));
    const r = transformServiceRequest(parseDuisRequest(xml), rtdsContext({}));
    assert.equal(r.kind, 'pre-command');
    assert.equal(r.useCase, 'GCS01a');
    const m = decodeMessage(r.gbcs);
    assert.equal(m.messageCode, 0x006b);
    return { r, f: decodeCommand(m.messageCode, m.content).fields as Fields & Record<string, unknown> };
  };

  it('TOU, immediate: the tariff switching table (type 0), special day, tariff information and price matrix', () => {
    const { r, f } = run(tariffPrimaryGas(), 5100);
    assert.equal(r.execution.kind, 'immediate');
    const id = f.calendar!.issuerCalendarId;
    assert.equal(f.calendar!.calendarType, 0);
    assert.equal(f.calendar!.startTime, 0);
    assert.deepEqual(
      [f.calendar!.numberOfDayProfiles, f.calendar!.numberOfWeekProfiles, f.calendar!.numberOfSeasons],
      [2, 1, 1],
    );
    const days = f.dayProfiles as unknown as {
      dayId: number;
      calendarType: number;
      scheduleEntries: unknown;
    }[];
    assert.deepEqual(
      days.map((d) => [d.dayId, d.calendarType, d.scheduleEntries]),
      [
        [1, 0, [{ startTime: 0, priceTierOrSwitch: 2 }]],
        [2, 0, [{ startTime: 0, priceTierOrSwitch: 1 }]],
      ],
    );
    const week = (f.weekProfiles as unknown as Record<string, number>[])[0]!;
    assert.deepEqual(
      [week.weekId, week.dayIdRefMonday, week.dayIdRefFriday, week.dayIdRefSaturday, week.dayIdRefSunday],
      [1, 1, 1, 2, 2],
    );
    assert.deepEqual(f.seasons!.seasons, [{ seasonStartDate: { ...ANY, month: 1, day: 1 }, weekIdRef: 1 }]);
    assert.deepEqual(f.specialDays!.specialDays, [
      { specialDayDate: { ...ANY, month: 12, day: 25 }, dayIdRef: 2 },
    ]);
    assert.equal(f.specialDays!.calendarType, 0);
    assert.equal(id, f.tariffInformation!.issuerEventId);
    const ti = f.tariffInformation!;
    assert.deepEqual(
      [
        ti.tariffTypeChargingScheme,
        ti.numberOfPriceTiersInUse,
        ti.numberOfBlockThresholdsInUse,
        ti.currency,
        ti.standingCharge,
      ],
      [0x00, 4, 0, 826, 22465],
    );
    assert.equal(f.blockThresholds, undefined);
    assert.deepEqual(f.priceMatrix!.entries, [
      { tierBlockId: 1, price: 9600 },
      { tierBlockId: 2, price: 10200 },
      { tierBlockId: 3, price: 10750 },
      { tierBlockId: 4, price: 11000 },
    ]);
  });

  it('block, future-dated and cancelled: BlockTariff days tier 0, the thresholds, every Start Time the execution time', () => {
    for (const [at, start, matrix, counter] of [
      ['<sr:ExecutionDateTime>2030-01-15T09:00:00Z</sr:ExecutionDateTime>', ZIGBEE_2030, ZIGBEE_2030, 5101],
      ['<sr:ExecutionDateTime>3000-12-31T00:00:00Z</sr:ExecutionDateTime>', 0xffffffff, 0xfffffffe, 5102],
    ] as const) {
      const { f } = run(tariffPrimaryGas(at, 'block'), counter);
      const times = [
        f.calendar!.startTime,
        f.specialDays!.startTime,
        f.tariffInformation!.startTime,
        f.blockThresholds!.startTime,
      ];
      assert.deepEqual(times, [start, start, start, start]);
      assert.equal(f.priceMatrix!.startTime, matrix);
      assert.deepEqual(
        (f.dayProfiles as unknown as { scheduleEntries: unknown }[]).map((d) => d.scheduleEntries),
        [[{ startTime: 0, priceTierOrSwitch: 0 }], [{ startTime: 0, priceTierOrSwitch: 0 }]],
      );
      assert.equal(f.tariffInformation!.tariffTypeChargingScheme, 0x10);
      assert.equal(f.tariffInformation!.numberOfBlockThresholdsInUse, 3);
      assert.deepEqual(f.blockThresholds!.tiers, [
        { tierNumberOfBlockThresholds: 3, blockThresholds: GAS_THRESHOLDS },
      ]);
      assert.deepEqual(f.priceMatrix!.entries, [
        { tierBlockId: 0, price: 9600 },
        { tierBlockId: 1, price: 10200 },
        { tierBlockId: 2, price: 10750 },
        { tierBlockId: 3, price: 11000 },
      ]);
    }
  });

  it('refused (typed, HTTP 400): TOU days with block prices, thresholds not NumberOfThresholds, a TOU rate without a price, an undefined day', () => {
    const tou = tariffPrimaryGas();
    const bad = [
      tariffPrimaryGas('', 'block').replace(
        '<sr:BlockTariff/>',
        '<sr:TOUTariffAction>1</sr:TOUTariffAction>',
      ),
      tariffPrimaryGas('', 'block', [1000, 2000]),
      tou.replace('<sr:TOUPrice index="2">10200</sr:TOUPrice>', ''),
      tou.replace('<sr:ReferencedDayName index="7">2<', '<sr:ReferencedDayName index="7">3<'),
    ];
    for (const [k, b] of bad.entries())
      assert.throws(
        () => transformServiceRequest(parseDuisRequest(request(b, 5110 + k, GSME)), rtdsContext({})),
        (e: unknown) => e instanceof DspTransformError && e.httpStatus === 400,
        `case ${k}`,
      );
  });
});
