/**
 * Tariff SRVs (switching tables, prices): DUIS 1.1.2 Update Import Tariff
 * (Secondary Element) -> ECS01c; 1.2.2 Update Price (Secondary Element) ->
 * ECS01d (the price part of ECS01c; no RTDS example). One declarative row per SRV (device-srs.ts `deviceSrv`);
 * the bytes are made by the use-case catalogue from the named fields.
 *
 * Facts used (GBCS ECS01c; read off the RTDS ECS01c IMMEDIATE, FUTURE_DATED
 * and CANCELLATION Pre-Commands next to the DUIS templates):
 * - the secondary price Charge 1-0:19.20.? `secondaryPriceCharge`: commodity
 *   1-20:1.8.0.255 (secondary element active import) value, commodity scale
 *   3, the DUIS PriceScale, four TOU entries indexed 01..04 (prices not given
 *   are 0, as in ECS01b's full table);
 * - the secondary activity calendar: seasons (name = SeasonName's ASCII,
 *   start = the DUIS Date at 00:00:00, week name = one byte), weeks (name =
 *   one byte, the seven referenced day ids), days (day id, schedule of
 *   start time and the Tariffication Script Table 0-0:10.0.100.255 with
 *   selector 200 + TOUTariffAction: 01 -> 201 ... 04 -> 204);
 * - special days: index 1..n in document order, the COSEM date, day id;
 * - then the three activation times (calendar, price, switching table
 *   activation), each the execution date-time: zero immediate, the date,
 *   all-FF to cancel (device future dating, alerts 8F66/8F67).
 */
import { type DeviceType, el, updatePricePrimaryElement } from '../../../duis/index.ts';
import { formatCosemDateTimeText } from '../../../gbcs/use-cases/cosem-text.ts';
import { toHex } from '../../../runtime/bytes.ts';
import {
  alt,
  attrInt,
  group,
  indexedValue,
  int,
  many,
  one,
  oneOf,
  str,
  timeOfDay,
  type ValueReader,
} from './body-reader.ts';
import { dayProfiles, weekProfiles as weekProfilesElement } from './calendar-body.ts';
import { deviceSrv } from './device-srs.ts';
import { cosemDate } from './duis-date.ts';
import { cosemExecutionDateTime } from './encoding.ts';
import { DspBodyInvalidError, DspDeviceTypeMismatchError, inconsistent } from './errors.ts';
import { type ElectricityPrices, type PrimaryPrices, primaryPrices } from './prices.ts';
import type { AnySrvTransform, BuildInput } from './rule.ts';
import { buildGcs01a, type GasTariff, gasTariffElements } from './tariff-gas.ts';
import { primaryElementCharges } from './use-cases.ts';

const ESME: DeviceType[] = ['ESME'];

/** The Tariffication Script Table the day profiles call (RTDS ECS01c). */
const TARIFFICATION_SCRIPTS = '0-0:10.0.100.255';
/** Secondary element TOU rate n is script selector 200 + n (RTDS ECS01c: 01 -> 201, 04 -> 204). */
const SECONDARY_SCRIPT_BASE = 200;
/** Commodity of the secondary price Charge: the secondary element's active import register value. */
const SECONDARY_IMPORT = '1-20:1.8.0.255';
/** Commodity scale of price charges (Wh, prices per kWh), as ECS01b (RTDS ECS01c: 3). */
const PRICE_COMMODITY_SCALE = 3;

// ---------------------------------------------------------------- DUIS value readers

/** A COSEM date text with a time appended (season start: midnight), as date-time text. */
function atMidnight(date: string): string {
  const [d, ...opts] = date.split(' ');
  return [`${d}T00:00:00`, ...opts].join(' ');
}

const ascii = (s: string): string => toHex(new TextEncoder().encode(s));
const byte = (n: number): string => toHex(Uint8Array.of(n));

/** `hh:mm:ss` COSEM time text of seconds since midnight. */
const timeText = (s: number): string =>
  [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((v) => String(v).padStart(2, '0')).join(':');

// ---------------------------------------------------------------- body shapes (DUIS Schema V5.4)

const ELEC_SPECIAL_DAYS = group({
  days: many(
    'SpecialDay',
    group({ date: one('Date', cosemDate), dayName: one('ReferencedDayName', int(1, 16)) }),
    0,
    50,
  ),
});

function seasons() {
  return group({
    seasons: many(
      'Season',
      group({
        name: one('SeasonName', str(0, 8)),
        start: one('SeasonStartDate', cosemDate),
        week: one('ReferencedWeekName', int(1, 4)),
      }),
      1,
      4,
    ),
  });
}

/**
 * An ElecSwitchingTable: 1..16 day profiles of 1..48 ProfileSchedule entries (StartTime and `action`),
 * week profiles, seasons.
 */
function elecSwitchingTable<A extends ReturnType<typeof one>>(action: A) {
  return group({
    dayProfiles: dayProfiles(
      'DayProfile',
      group({
        name: one('DayName', int(1, 16)),
        schedule: many('ProfileSchedule', group({ start: one('StartTime', timeOfDay), action }), 1, 48),
      }),
      16,
    ),
    weekProfiles: weekProfilesElement(4, 16),
    seasons: one('Seasons', seasons()),
  });
}

/** ElecSwitchingTableSecondary: day profiles of TOU actions 1..4, week profiles, seasons. */
const SECONDARY_SWITCHING_TABLE = elecSwitchingTable(one('TOUTariffAction', int(1, 4)));

const PRICE_SECONDARY = group({
  priceScale: one('PriceScale', int(-128, 127)),
  prices: many('ElectricityPriceElement', indexedValue(int(-32768, 32767), 1, 4), 1, 4),
});

/** ElecSwitchingTablePrimary: day profiles of TOU actions 1..48 or block actions 1..8, week profiles, seasons. */
const PRIMARY_SWITCHING_TABLE = elecSwitchingTable(
  alt({ TOUTariffAction: int(1, 48), BlockTariffAction: int(1, 8) }),
);

/** ElecThresholdMatrix: Thresholds index 1..8 (all eight), each BlockThreshold index 1..3 (xs:unsignedInt). */
const THRESHOLD_MATRIX = group({
  columns: many(
    'Thresholds',
    group({
      index: attrInt('index', 1, 8),
      values: many('BlockThreshold', indexedValue(int(0, 0xffffffff), 1, 3), 1, 3),
    }),
    8,
    8,
  ),
});

/** PricePrimary (as 1.2.1's PriceElements): read by the 1.2.1 price reader (prices.ts). */
const PRICE_PRIMARY: ValueReader<PrimaryPrices> = (node) =>
  primaryPrices(updatePricePrimaryElement(el('UpdatePricePrimaryElement', [node])));

const ELEC_TARIFF_ELEMENTS = group({
  currency: one('CurrencyUnits', oneOf('GBP', 'ECB')),
  table: one('SwitchingTable', PRIMARY_SWITCHING_TABLE),
  specialDays: one('SpecialDays', ELEC_SPECIAL_DAYS),
  thresholds: one('ThresholdMatrix', THRESHOLD_MATRIX),
});

type DayProfile = { name: number; schedule: { start: number; action: number }[] };
type WeekProfile = { name: number; days: { index: number; value: number }[] };
type Season = { name: string; start: string; week: number };
type SwitchingTable<D> = {
  dayProfiles: { days: D[] };
  weekProfiles: { weeks: WeekProfile[] };
  seasons: { seasons: Season[] };
};
type SecondaryTariff = {
  table: SwitchingTable<DayProfile>;
  specialDays: { days: { date: string; dayName: number }[] };
  prices: { priceScale: number; prices: { index: number; value: number }[] };
};

// ---------------------------------------------------------------- fields

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** Each name once, and every reference to a name that the body defines. */
function checkNames(
  t: SwitchingTable<{ name: number }>,
  special: { date: string; dayName: number }[],
  path: string,
) {
  const dayNames = new Set<number>();
  for (const d of t.dayProfiles.days) {
    if (dayNames.has(d.name))
      throw new DspBodyInvalidError(`DayName ${d.name} given twice`, `${path}/DayProfiles`);
    dayNames.add(d.name);
  }
  const weekNames = new Set<number>();
  for (const w of t.weekProfiles.weeks) {
    if (weekNames.has(w.name))
      throw new DspBodyInvalidError(`WeekName ${w.name} given twice`, `${path}/WeekProfiles`);
    weekNames.add(w.name);
    const seen = new Set(w.days.map((d) => d.index));
    if (seen.size !== 7)
      throw new DspBodyInvalidError(
        `week ${w.name}: ReferencedDayName index 1..7 each once`,
        `${path}/WeekProfiles`,
      );
    for (const d of w.days)
      if (!dayNames.has(d.value))
        throw new DspBodyInvalidError(
          `week ${w.name} references day ${d.value}, not defined`,
          `${path}/WeekProfiles`,
        );
  }
  for (const s of t.seasons.seasons)
    if (!weekNames.has(s.week))
      throw new DspBodyInvalidError(
        `season ${s.name} references week ${s.week}, not defined`,
        `${path}/Seasons`,
      );
  for (const s of special)
    if (!dayNames.has(s.dayName))
      throw new DspBodyInvalidError(
        `special day ${s.date} references day ${s.dayName}, not defined`,
        'SpecialDays',
      );
}

function weekProfiles(t: SwitchingTable<unknown>) {
  return t.weekProfiles.weeks.map((w) => {
    const byIndex = new Map(w.days.map((d) => [d.index, d.value]));
    return {
      weekProfileName: byte(w.name),
      ...Object.fromEntries(WEEKDAYS.map((d, k) => [d, byIndex.get(k + 1)])),
    };
  });
}

function seasonProfiles(t: SwitchingTable<unknown>) {
  return t.seasons.seasons.map((s) => ({
    seasonProfileName: ascii(s.name),
    seasonStart: atMidnight(s.start),
    weekName: byte(s.week),
  }));
}

/** The passive day profiles: each switching time runs the tariffication script with the selector its action gives. */
function dayProfilesPassive<A>(
  t: SwitchingTable<{ name: number; schedule: { start: number; action: A }[] }>,
  selector: (action: A) => number,
) {
  return t.dayProfiles.days.map((d) => ({
    dayId: d.name,
    daySchedule: d.schedule.map((s) => ({
      startTime: timeText(s.start),
      scriptLogicalName: TARIFFICATION_SCRIPTS,
      scriptSelector: selector(s.action),
    })),
  }));
}

function specialDays(days: { date: string; dayName: number }[]) {
  return { entries: days.map((d, k) => ({ index: k + 1, specialDayDate: d.date, dayId: d.dayName })) };
}

type SecondaryPrices = { priceScale: number; prices: { index: number; value: number }[] };

/** The secondary price Charge (ECS01c, ECS01d): four TOU entries 01..04, prices not given 0. */
function secondaryPriceCharge(p: SecondaryPrices, when: string) {
  const prices = new Map<number, number>();
  for (const e of p.prices) {
    if (prices.has(e.index))
      throw new DspBodyInvalidError(`ElectricityPriceElement index ${e.index} given twice`, 'PriceElements');
    prices.set(e.index, e.value);
  }
  return {
    unitChargePassive: {
      chargePerUnitScaling: { commodityScale: PRICE_COMMODITY_SCALE, priceScale: p.priceScale },
      commodity: { classId: 3, logicalName: SECONDARY_IMPORT, attributeIndex: 2 },
      chargeTable: [1, 2, 3, 4].map((n) => ({ index: byte(n), chargePerUnit: prices.get(n) ?? 0 })),
    },
    unitChargeActivationTime: when,
  };
}

/** Only a twin element ESME has a secondary element (GBCS ECS01c/ECS01d): E11 for another ESME. */
function twinOnly<B>(srv: string, build: (i: BuildInput<B>) => unknown) {
  return (i: BuildInput<B>) => {
    if (i.esmeVariant !== 'twin')
      throw new DspDeviceTypeMismatchError(srv, `${i.esmeVariant} element ESME`, ['twin element ESME']);
    return build(i);
  };
}

/**
 * ECS01d (1.2.2, no RTDS example): the secondary price Charge and its
 * activation time, as the price part of ECS01c (RTDS).
 */
function buildEcs01d(i: BuildInput<{ prices: SecondaryPrices }>): unknown {
  const when = formatCosemDateTimeText(cosemExecutionDateTime(i.execution));
  return { secondaryPriceCharge: secondaryPriceCharge(i.body.prices, when) };
}

/** ECS01c: the secondary element's prices, calendar, special days and their activation (see the file comment). */
function buildEcs01c(i: BuildInput<SecondaryTariff>): unknown {
  const b = i.body;
  checkNames(b.table, b.specialDays.days, 'SwitchingTable');
  const when = formatCosemDateTimeText(cosemExecutionDateTime(i.execution));
  return {
    secondaryPriceCharge: secondaryPriceCharge(b.prices, when),
    activityCalendarSecondary: {
      seasonProfilePassive: seasonProfiles(b.table),
      weekProfilePassive: weekProfiles(b.table),
      dayProfilePassive: dayProfilesPassive(b.table, (action) => SECONDARY_SCRIPT_BASE + action),
      activatePassiveCalendarTime: when,
    },
    specialDaysSecondaryPassive: specialDays(b.specialDays.days),
    tariffSwitchingTableActivation: { activationTime: when },
  };
}

// ---------------------------------------------------------------- 1.1.1 primary element (ECS01a)

/**
 * Script selector of a primary element action (GBCS 7.3.7, INFERRED: no
 * RTDS ECS01a): TOU rate n is n, block tariff column t is 100 + t, as the
 * RTDS ESME's active primary calendar reads (ECS24: selectors 1, 101, 102),
 * alongside the secondary element's 200 + n (RTDS ECS01c).
 */
const PRIMARY_BLOCK_SCRIPT_BASE = 100;

type PrimaryTariff = {
  tariff:
    | {
        which: 'ElecTariffElements';
        value: {
          currency: 'GBP' | 'ECB';
          table: SwitchingTable<{
            name: number;
            schedule: { start: number; action: { which: string; value: unknown } }[];
          }>;
          specialDays: { days: { date: string; dayName: number }[] };
          thresholds: { columns: { index: number; values: { index: number; value: number }[] }[] };
        };
      }
    | { which: 'GasTariffElements'; value: GasTariff };
  prices: PrimaryPrices;
};

/** The eight columns' thresholds in column order, each in BlockThreshold index order 1..n (each index once, none missing). */
function thresholdColumns(
  columns: { index: number; values: { index: number; value: number }[] }[],
): number[][] {
  const byColumn = new Map<number, number[]>();
  for (const c of columns) {
    const path = `ThresholdMatrix/Thresholds[@index=${c.index}]`;
    if (byColumn.has(c.index))
      throw inconsistent(`Thresholds index ${c.index} given twice`, 'ThresholdMatrix');
    const sorted = [...c.values].sort((a, b) => a.index - b.index);
    if (sorted.some((v, k) => v.index !== k + 1))
      throw inconsistent('BlockThreshold indexes must be 1..n, each once', path);
    byColumn.set(
      c.index,
      sorted.map((v) => v.value),
    );
  }
  return [1, 2, 3, 4, 5, 6, 7, 8].map((n) => byColumn.get(n)!);
}

/**
 * ECS01a (GBCS V3.1 use-case tables; no RTDS example): the primary
 * element's passive calendar (as ECS01c's, with TOU rate n -> selector n and
 * block column t -> 100 + t on the Tariffication Script Table), special days
 * (index 1..n, the COSEM date, day id), the eight block threshold columns
 * (the DUIS values as given), the currency unit (GBP true, ECB false), the
 * standing charge and price matrix (as ECS01b), then every activation time
 * at the execution date-time (zero now, the date, all-FF cancel).
 */
/** GCS01a from the GasTariffElements and GasPriceElements (tariff-gas.ts). */
function buildGcs01aFromBody(i: BuildInput<PrimaryTariff>): unknown {
  const { tariff, prices } = i.body;
  if (tariff.which !== 'GasTariffElements')
    throw new DspBodyInvalidError('GCS01a needs GasTariffElements', 'ElecTariffElements');
  if (prices.fuel !== 'gas') throw new DspBodyInvalidError('GCS01a needs GasPriceElements', 'PriceElements');
  return buildGcs01a(i, tariff.value, prices);
}

function buildEcs01a(i: BuildInput<PrimaryTariff>): unknown {
  const { tariff, prices } = i.body;
  if (tariff.which !== 'ElecTariffElements')
    throw new DspBodyInvalidError('ECS01a needs ElecTariffElements', 'GasTariffElements');
  if (prices.fuel !== 'electricity')
    throw new DspBodyInvalidError('ECS01a needs ElectricityPriceElements', 'PriceElements');
  const b = tariff.value;
  checkNames(b.table, b.specialDays.days, 'SwitchingTable');
  const when = formatCosemDateTimeText(cosemExecutionDateTime(i.execution));
  const columns = thresholdColumns(b.thresholds.columns);
  return {
    activityCalendar: {
      seasonProfilePassive: seasonProfiles(b.table),
      weekProfilePassive: weekProfiles(b.table),
      dayProfilePassive: dayProfilesPassive(
        b.table,
        (action) =>
          (action.which === 'BlockTariffAction' ? PRIMARY_BLOCK_SCRIPT_BASE : 0) + Number(action.value),
      ),
      activatePassiveCalendarTime: when,
    },
    specialDaysPassive: specialDays(b.specialDays.days),
    ...Object.fromEntries(columns.map((t, k) => [`blockThresholdsPassiveTou${k + 1}`, { thresholds: t }])),
    currencyUnit: { valuePassive: b.currency === 'GBP', activationTime: when },
    ...primaryElementCharges(prices as ElectricityPrices, when),
    specialDaysActivation: { activationTime: when },
    tariffThresholdMatrixActivation: { activationTime: when },
  };
}

export const TARIFF_SRV_TRANSFORMS: readonly AnySrvTransform[] = [
  deviceSrv<PrimaryTariff>('1.1.1', {
    futureDating: 'device',
    body: {
      tariff: alt({ ElecTariffElements: ELEC_TARIFF_ELEMENTS, GasTariffElements: gasTariffElements }),
      prices: one('PriceElements', PRICE_PRIMARY),
    },
    useCases: [
      {
        useCase: 'ECS01a',
        targets: ESME,
        when: (b) => b.tariff.which === 'ElecTariffElements',
        whenText: 'ElecTariffElements',
        fields: buildEcs01a,
      },
      {
        useCase: 'GCS01a',
        targets: ['GSME'],
        when: (b) => b.tariff.which === 'GasTariffElements',
        whenText: 'GasTariffElements',
        fields: buildGcs01aFromBody,
      },
    ],
  }),
  deviceSrv<SecondaryTariff>('1.1.2', {
    futureDating: 'device',
    body: {
      table: one('SwitchingTable', SECONDARY_SWITCHING_TABLE),
      specialDays: one('SpecialDays', ELEC_SPECIAL_DAYS),
      prices: one('PriceElements', PRICE_SECONDARY),
    },
    useCases: [
      {
        useCase: 'ECS01c',
        targets: ESME,
        // only a twin element ESME has a secondary element
        whenText: 'twin element ESME',
        fields: twinOnly('1.1.2', buildEcs01c),
      },
    ],
  }),
  deviceSrv<{ prices: SecondaryPrices }>('1.2.2', {
    futureDating: 'device',
    body: { prices: one('PriceElements', PRICE_SECONDARY) },
    useCases: [
      {
        useCase: 'ECS01d',
        targets: ESME,
        whenText: 'twin element ESME',
        fields: twinOnly('1.2.2', buildEcs01d),
      },
    ],
  }),
];
