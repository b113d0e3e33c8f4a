/**
 * DUIS 1.1.1 Update Import Tariff (Primary Element) to a GSME -> GCS01a
 * (GBCS V3.1 use-case tables and GCS01a message template; no RTDS example).
 * The GasTariffElements (DUIS Schema V5.4: SwitchingTable of 1-4 day
 * profiles, each one TOUTariffAction 1..4 or BlockTariff for the whole day,
 * 1-2 week profiles, 1-3 seasons; 0-20 special days; ThresholdMatrix of 1-3
 * BlockThreshold) and the 1.2.1 GasPriceElements become, in the row's order:
 * - the tariff switching table (ZCL Calendar Type 0, delivered calendar):
 *   Publish Calendar, one Publish Day Profile per day (one entry from
 *   minute 0: TOU action n -> price tier n; BlockTariff -> tier 0, the block
 *   tariff's tier, PROVISIONAL), one Publish Week Profile per week, Publish
 *   Seasons, Publish Special Days; Issuer Calendar ID = the Issuer Event ID
 *   (as GCS05's friendly credit calendar);
 * - Publish Tariff Information and Publish Price Matrix as GCS01b builds them
 *   from the same price elements (use-cases.ts `gasPriceComponents`);
 * - Publish Block Thresholds (block tariff only: sub-payload control 1, one
 *   record for tier 0 with the thresholds in index order 1..n).
 * Every Start Time is the execution time (0 now, the UTCTime future-dated,
 * 0xFFFFFFFF cancel); the Price Matrix's cancel time is GCS01b's.
 * A body mixing TOU and block (the day actions against the price elements),
 * or whose NumberOfThresholds differs from the thresholds given, is refused.
 */
import { alt, empty, group, indexedValue, int, many, one, type ValueReader } from './body-reader.ts';
import {
  dayProfiles,
  gasSeasons,
  gasSpecialDays,
  publishSeasons,
  publishWeekProfiles,
  weekProfiles,
} from './calendar-body.ts';
import type { ZclDateValue } from './duis-date.ts';
import { zigbeeExecutionTime } from './encoding.ts';
import { DspBodyInvalidError, inconsistent } from './errors.ts';
import type { GasPrices } from './prices.ts';
import type { BuildInput } from './rule.ts';
import { gasPriceComponents } from './use-cases.ts';

/** ZCL Calendar Type of the tariff switching table (delivered calendar; the GSME's GCS21f reads type 0). */
const DELIVERED = 0;
/** Calendar Time Reference: local time (PROVISIONAL, as GCS05's calendar). */
const LOCAL_TIME = 2;
/** Price tier of a day running the block tariff (PROVISIONAL: the block matrix is tier 0's). */
const BLOCK_TIER = 0;
/** GasThresholdType: xs:unsignedLong up to 2^48 - 1 (the ZCL uint48 threshold). */
const UINT48_MAX = 281474976710655;

/** sr:GasTariffElements (XSD sequence order). */
export const GAS_TARIFF_ELEMENTS = group({
  table: one(
    'SwitchingTable',
    group({
      dayProfiles: dayProfiles(
        'DayProfile',
        group({
          name: one('DayName', int(1, 4)),
          action: alt({ TOUTariffAction: int(1, 4), BlockTariff: empty }),
        }),
        4,
      ),
      weekProfiles: weekProfiles(2, 4),
      seasons: gasSeasons('Seasons'),
    }),
  ),
  specialDays: gasSpecialDays(4),
  thresholds: one(
    'ThresholdMatrix',
    group({
      values: many('BlockThreshold', indexedValue(int(0, UINT48_MAX), 1, 3), 1, 3),
    }),
  ),
});

export interface GasTariff {
  table: {
    dayProfiles: { days: { name: number; action: { which: string; value: unknown } }[] };
    weekProfiles: { weeks: { name: number; days: { index: number; value: number }[] }[] };
    seasons: { seasons: { start: ZclDateValue; week: number }[] };
  };
  specialDays: { days: { date: ZclDateValue; day: number }[] };
  thresholds: { values: { index: number; value: number }[] };
}

export const gasTariffElements: ValueReader<GasTariff> = GAS_TARIFF_ELEMENTS as ValueReader<GasTariff>;

/** Each name once, every reference defined, the day actions of the price elements' kind. */
function check(t: GasTariff, prices: GasPrices): number[] {
  const at = 'GasTariffElements/SwitchingTable';
  const unique = (names: number[], what: string) => {
    if (new Set(names).size !== names.length) throw new DspBodyInvalidError(`a ${what} is defined twice`, at);
    return new Set(names);
  };
  const days = unique(
    t.table.dayProfiles.days.map((d) => d.name),
    'DayName',
  );
  const weeks = unique(
    t.table.weekProfiles.weeks.map((w) => w.name),
    'WeekName',
  );
  for (const w of t.table.weekProfiles.weeks) {
    if (new Set(w.days.map((d) => d.index)).size !== 7)
      throw new DspBodyInvalidError(`week ${w.name}: ReferencedDayName index 1..7 each once`, at);
    for (const d of w.days)
      if (!days.has(d.value)) throw new DspBodyInvalidError(`week ${w.name} refers to day ${d.value}`, at);
  }
  for (const s of t.table.seasons.seasons)
    if (!weeks.has(s.week)) throw new DspBodyInvalidError(`a season refers to week ${s.week}`, at);
  for (const s of t.specialDays.days)
    if (!days.has(s.day))
      throw new DspBodyInvalidError(`a special day refers to day ${s.day}`, 'GasTariffElements/SpecialDays');
  const want = prices.kind === 'tou' ? 'TOUTariffAction' : 'BlockTariff';
  for (const d of t.table.dayProfiles.days) {
    if (d.action.which !== want)
      throw inconsistent(`day ${d.name} runs ${d.action.which}, the price elements are ${prices.kind}`, at);
    if (want === 'TOUTariffAction' && !prices.prices.has(d.action.value as number))
      throw inconsistent(`day ${d.name} runs TOU rate ${d.action.value}, which has no TOUPrice`, at);
  }
  const sorted = [...t.thresholds.values].sort((a, b) => a.index - b.index);
  if (sorted.some((v, k) => v.index !== k + 1))
    throw inconsistent('BlockThreshold indexes must be 1..n, each once', 'GasTariffElements/ThresholdMatrix');
  if (prices.kind === 'block' && sorted.length !== prices.numberOfThresholds)
    throw inconsistent(
      `${sorted.length} BlockThreshold given, NumberOfThresholds ${prices.numberOfThresholds}`,
      'GasTariffElements/ThresholdMatrix',
    );
  return sorted.map((v) => v.value);
}

/** GCS01a (see the file comment). */
export function buildGcs01a(i: BuildInput<unknown>, t: GasTariff, prices: GasPrices): unknown {
  const thresholds = check(t, prices);
  const issuerEventId = i.issuerEventId();
  const start = zigbeeExecutionTime(i.execution);
  const head = { providerId: 0, issuerEventId, issuerCalendarId: issuerEventId };
  const one = { commandIndex: 0, totalNumberOfCommands: 1 };
  const { days } = t.table.dayProfiles;
  const { weeks } = t.table.weekProfiles;
  const { seasons } = t.table.seasons;
  const price = gasPriceComponents(prices, issuerEventId, i.execution);
  return {
    calendar: {
      ...head,
      startTime: start,
      calendarType: DELIVERED,
      calendarTimeReference: LOCAL_TIME,
      calendarName: '',
      numberOfSeasons: seasons.length,
      numberOfWeekProfiles: weeks.length,
      numberOfDayProfiles: days.length,
    },
    dayProfiles: days.map((d) => ({
      ...head,
      dayId: d.name,
      totalNumberOfScheduleEntries: 1,
      ...one,
      calendarType: DELIVERED,
      scheduleEntries: [
        {
          startTime: 0,
          priceTierOrSwitch: d.action.which === 'TOUTariffAction' ? (d.action.value as number) : BLOCK_TIER,
        },
      ],
    })),
    weekProfiles: publishWeekProfiles(head, weeks),
    seasons: publishSeasons(head, seasons),
    specialDays: {
      ...head,
      startTime: start,
      calendarType: DELIVERED,
      totalNumberOfSpecialDays: t.specialDays.days.length,
      ...one,
      specialDays: t.specialDays.days.map((d) => ({ specialDayDate: d.date, dayIdRef: d.day })),
    },
    tariffInformation: price.tariffInformation,
    ...(prices.kind === 'block'
      ? {
          blockThresholds: {
            providerId: 0,
            issuerEventId,
            startTime: start,
            issuerTariffId: price.tariffInformation.issuerTariffId,
            ...one,
            subPayloadControl: 1,
            tiers: [
              {
                tierNumberOfBlockThresholds: (BLOCK_TIER << 4) | thresholds.length,
                blockThresholds: thresholds,
              },
            ],
          },
        }
      : {}),
    priceMatrix: price.priceMatrix,
  };
}
