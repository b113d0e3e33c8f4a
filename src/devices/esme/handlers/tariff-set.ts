/**
 * ECS01a (DUIS 1.1.1) Set Tariff and Price on the ESME, primary element
 * (GBCS V3.1 use-case tables, row rows/esme-gbcs.ts): the passive switching
 * table (activity calendar seasons, weeks, day profiles), special days,
 * block thresholds of the eight TOU columns, currency unit, standing charge
 * and price matrix, each group with its own activation time:
 *
 * | group | becomes active (what ECS24 reads) | activation time (8F66 names it) |
 * |---|---|---|
 * | calendar | activityCalendar attrs 3-5 | activityCalendar attr 10 |
 * | special days | specialDays 0-0:11.0.0.255 | specialDaysActivation 0-0:94.44.128.29 attr 6 |
 * | currency unit | currencyUnit attr 2 | currencyUnit attr 6 |
 * | standing charge, price | the Charge's attr 5 | the Charge's attr 7 (as ECS01b) |
 * | block thresholds | blockThresholdsTou1..8 (16.0.x) | tariffThresholdMatrixActivation 0-0:63.1.1.255 attr 6 |
 *
 * Per group: zero or a time that has come activates now; a later time
 * future-dates it on the meter's clock (8F66 when it runs); all-FF cancels
 * the pending activation. The Charges share their pending activation with
 * ECS01b (one passive unit charge per Charge).
 *
 * Refused whole (malformed: nothing written, 8F1E) what GBCS's table bounds:
 * seasons / weeks 1..4, day profiles 1..16 of 1..48 actions each calling the
 * tariffication script table 0-0:10.0.100.255, special days 0..50, 1..3
 * thresholds per column; a week, season or special day naming a day or week
 * profile the command does not define; a unit charge index twice; an
 * activation time that is not a date-time.
 */
import { COSEM_OBJECTS, type CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import {
  allResults,
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import type { EsmeServices } from '../services.ts';
import type { EsmeTariff, UnitCharge } from '../tariff.ts';
import {
  type ActivationGroup,
  activationOutcome,
  type FutureDatedRun,
  groupActivation,
  runActivations,
  runGroupActivation,
} from './future-dated.ts';
import { chargeActivation, runChargeActivation } from './prices.ts';

type Fields = CommandFieldsOf<'ECS01a'>;
type Calendar = EsmeTariff['activityCalendar'];

/** The tariffication script table every day profile action calls (GBCS V3.1 tables, ECS01a: a constant). */
const TARIFF_SCRIPTS = COSEM_OBJECTS.tariffBlockCounterMatrixReset.obis;
const COLUMNS = [1, 2, 3, 4, 5, 6, 7, 8] as const;
const passiveThresholds = (n: (typeof COLUMNS)[number]) => `blockThresholdsPassiveTou${n}` as const;
const activeThresholds = (n: (typeof COLUMNS)[number]) => `blockThresholdsTou${n}` as const;

function bounded(what: string, n: number, min: number, max: number): void {
  if (n < min || n > max) throw new CommandContentError(`${what}: ${n} (GBCS ${min}..${max})`);
}

/** The passive switching table and special days a command writes (ECS01a, ECS01c: one shape). */
export interface PassiveCalendar {
  seasonProfilePassive: readonly { seasonProfileName: string; weekName: string }[];
  weekProfilePassive: readonly ({ weekProfileName: string } & Record<Weekday, number>)[];
  dayProfilePassive: readonly { dayId: number; daySchedule: readonly { scriptLogicalName: string }[] }[];
}
type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';
const WEEKDAYS: readonly Weekday[] = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
];

/**
 * What GBCS's table bounds in a switching table and its special days (ECS01a, ECS01c): seasons / weeks 1..4,
 * day profiles 1..16 of 1..48 actions each calling the tariffication script table, special days 0..50, every
 * week, season and special day naming a profile the command defines; else the command is malformed.
 */
export function checkCalendar(
  c: PassiveCalendar,
  specialDays: readonly { index: number; dayId: number }[],
): void {
  bounded('season profiles', c.seasonProfilePassive.length, 1, 4);
  bounded('week profiles', c.weekProfilePassive.length, 1, 4);
  bounded('day profiles', c.dayProfilePassive.length, 1, 16);
  bounded('special days', specialDays.length, 0, 50);
  const days = new Set<number>();
  for (const d of c.dayProfilePassive) {
    if (days.has(d.dayId)) throw new CommandContentError(`day profile ${d.dayId} twice`);
    days.add(d.dayId);
    bounded(`day profile ${d.dayId} actions`, d.daySchedule.length, 1, 48);
    for (const a of d.daySchedule)
      if (a.scriptLogicalName !== TARIFF_SCRIPTS)
        throw new CommandContentError(
          `day profile ${d.dayId}: script ${a.scriptLogicalName}, not ${TARIFF_SCRIPTS}`,
        );
  }
  const weeks = new Set<string>();
  for (const w of c.weekProfilePassive) {
    if (weeks.has(w.weekProfileName))
      throw new CommandContentError(`week profile ${w.weekProfileName} twice`);
    weeks.add(w.weekProfileName);
    for (const d of WEEKDAYS.map((k) => w[k]))
      if (!days.has(d))
        throw new CommandContentError(`week profile ${w.weekProfileName}: day ${d} not defined`);
  }
  for (const s of c.seasonProfilePassive)
    if (!weeks.has(s.weekName))
      throw new CommandContentError(`season ${s.seasonProfileName}: week ${s.weekName} not defined`);
  for (const e of specialDays)
    if (!days.has(e.dayId))
      throw new CommandContentError(`special day ${e.index}: day ${e.dayId} not defined`);
}

function check(f: Fields): void {
  checkCalendar(f.activityCalendar, f.specialDaysPassive.entries);
  for (const n of COLUMNS)
    bounded(`TOU ${n} block thresholds`, f[passiveThresholds(n)].thresholds.length, 1, 3);
}

/** The meter's own tariff with `part` replaced (copy on write: the tariff may be the shared RTDS one). */
function replace(esme: EsmeServices, part: Partial<EsmeTariff>): void {
  esme.state.tariff = { ...esme.state.tariff, ...structuredClone(part) };
}

/** What a pending group keeps (JSON) and how it becomes active. */
const GROUPS = {
  calendar: {
    key: `Calendar ${COSEM_OBJECTS.activityCalendar.obis}`,
    apply: (esme: EsmeServices, d: Record<string, unknown>) =>
      replace(esme, { activityCalendar: d.calendar as Calendar }),
    alert: ['activityCalendar', COSEM_OBJECTS.activityCalendar.attributes.activatePassiveCalendarTime[0]],
  },
  specialDays: {
    key: `SpecialDays ${COSEM_OBJECTS.specialDaysPassive.obis}`,
    apply: (esme: EsmeServices, d: Record<string, unknown>) =>
      replace(esme, { specialDays: { entries: d.entries as EsmeTariff['specialDays']['entries'] } }),
    alert: ['specialDaysActivation', COSEM_OBJECTS.specialDaysActivation.attributes.activationTime[0]],
  },
  currencyUnit: {
    key: `CurrencyUnit ${COSEM_OBJECTS.currencyUnit.obis}`,
    apply: (esme: EsmeServices, d: Record<string, unknown>) =>
      replace(esme, { currencyUnit: { valueActive: Boolean(d.value) } }),
    alert: ['currencyUnit', COSEM_OBJECTS.currencyUnit.attributes.activationTime[0]],
  },
  thresholds: {
    key: `ThresholdMatrix ${COSEM_OBJECTS.tariffThresholdMatrixActivation.obis}`,
    apply: (esme: EsmeServices, d: Record<string, unknown>) => {
      const t = d.thresholds as number[][];
      replace(esme, Object.fromEntries(COLUMNS.map((n) => [activeThresholds(n), { thresholds: t[n - 1] }])));
    },
    alert: [
      'tariffThresholdMatrixActivation',
      COSEM_OBJECTS.tariffThresholdMatrixActivation.attributes.activationTime[0],
    ],
  },
} as const satisfies Record<string, ActivationGroup>;
type Group = keyof typeof GROUPS;

export function setTariffAndPrice(call: UseCaseCall<Fields>, esme: EsmeServices): HandlerResult {
  const f = call.fields;
  check(f);
  const c = f.activityCalendar;
  const calendar: Calendar = {
    seasonProfileActive: c.seasonProfilePassive,
    weekProfileActive: c.weekProfilePassive,
    dayProfileActive: c.dayProfilePassive,
  };
  const charge = (object: 'standingCharge' | 'primaryPriceCharge') => {
    const a = chargeActivation(
      esme,
      object,
      f[object] as { unitChargePassive: UnitCharge; unitChargeActivationTime: string },
    );
    return { ...a, data: { group: 'charge', ...a.data } };
  };
  // in the order of the row's activation times (GBCS 19.2.1)
  const activations = [
    groupActivation(GROUPS, esme, 'calendar', c.activatePassiveCalendarTime, { calendar }),
    groupActivation(GROUPS, esme, 'specialDays', f.specialDaysActivation.activationTime, {
      entries: f.specialDaysPassive.entries,
    }),
    groupActivation(GROUPS, esme, 'currencyUnit', f.currencyUnit.activationTime, {
      value: f.currencyUnit.valuePassive,
    }),
    charge('standingCharge'),
    charge('primaryPriceCharge'),
    groupActivation(GROUPS, esme, 'thresholds', f.tariffThresholdMatrixActivation.activationTime, {
      thresholds: COLUMNS.map((n) => f[passiveThresholds(n)].thresholds),
    }),
  ];
  const done = runActivations(call, esme, activations);
  return { response: allResults(f, 'success'), outcome: activationOutcome(done), detail: done };
}

/** A pending ECS01a group activates: 8F66 naming the group's activation time attribute. */
export function runTariffActivation(entry: FutureDatedEntry, esme: EsmeServices): FutureDatedRun {
  const name = entry.data.group as Group | 'charge';
  if (name === 'charge') return runChargeActivation(entry, esme);
  return runGroupActivation(GROUPS, entry, esme, 'ECS01a');
}
