/**
 * GSME prepayment configuration: GCS05 (DUIS 2.1) sets it, GCS21b (DUIS
 * 4.13) reads it back.
 * - GCS05: Emergency Credit Setup, Set Overall Debt Cap, Set Low Credit
 *   Warning Level (with a From Date Time), Set Maximum Credit Limit (GBCS
 *   V3.1 use-case tables' order), then the friendly credit
 *   calendar (Publish Calendar, Day Profiles, Week Profiles, Seasons,
 *   Special Days; ZCL calendar type 3). Every component is checked before
 *   any is applied (a bad one changes nothing); each answers a Default
 *   Response SUCCESS.
 * - GCS21b: Read Attributes of the prepayment and price clusters, and the
 *   calendar's Get Day Profiles / Week Profiles / Seasons / Special Days
 *   answered by the matching Publish commands (disable default response,
 *   each with its request's ZCL sequence number), as the RTDS GCS21b
 *   SUCCESS response shows; a Get the meter holds nothing for (no calendar,
 *   RTDS GCS21b NOT_FOUND) answers Default Response NOT_FOUND, a Get with a
 *   hardware fault (`calendar.getSeasons`...) HARDWARE_FAILURE and the later
 *   ones are not run (RTDS GCS21b ERROR).
 */
import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import type { FriendlyCreditCalendar } from '../gsme.ts';
import { defaultResponse, faultedCommand, notRun, readRecords, ZCL, type ZclPart } from './gbz.ts';
import { type GsmeView, prepaymentTable, priceTable } from './index.ts';

/** ZCL Calendar Type of a friendly credit calendar. */
const FRIENDLY_CREDIT = 3;

/** The calendar commands GCS05 and GCS01a send, in GBCS order (one list for both). */
export const CALENDAR_PARTS: readonly ZclPart[] = [
  { cluster: 'calendar', command: 'publishCalendar', commandId: 0x00 },
  { cluster: 'calendar', command: 'publishDayProfile', commandId: 0x01 },
  { cluster: 'calendar', command: 'publishWeekProfile', commandId: 0x02 },
  { cluster: 'calendar', command: 'publishSeasons', commandId: 0x03 },
  { cluster: 'calendar', command: 'publishSpecialDays', commandId: 0x04 },
];

const GCS05_PARTS: readonly ZclPart[] = [
  { cluster: 'prepayment', command: 'emergencyCreditSetup', commandId: 0x03 },
  { cluster: 'prepayment', command: 'setOverallDebtCap', commandId: 0x0c },
  { cluster: 'prepayment', command: 'setLowCreditWarningLevel', commandId: 0x09 },
  { cluster: 'prepayment', command: 'setMaximumCreditLimit', commandId: 0x0b },
  ...CALENDAR_PARTS,
];

type Gcs05 = CommandFieldsOf<'GCS05'>;

/** The calendar commands GCS05 and GCS01a share (Publish Calendar, Day / Week Profiles, Seasons, Special Days). */
export type CalendarCommands = Pick<
  Gcs05,
  'calendar' | 'dayProfiles' | 'weekProfiles' | 'seasons' | 'specialDays'
>;

/**
 * The calendar a GCS05 (friendly credit, type 3) or GCS01a (delivered tariff switching table, type 0)
 * publishes, checked (type, one calendar id, references).
 */
export function calendarOf(f: CalendarCommands, calendarType = FRIENDLY_CREDIT): FriendlyCreditCalendar {
  const cal = f.calendar;
  const id = cal.issuerCalendarId;
  const all = [cal, ...f.dayProfiles, ...f.weekProfiles, f.seasons, f.specialDays];
  if (all.some((c) => c.issuerCalendarId !== id))
    throw new CommandContentError('the calendar commands carry different Issuer Calendar IDs');
  for (const c of [cal, ...f.dayProfiles, f.specialDays])
    if (c.calendarType !== calendarType)
      throw new CommandContentError(
        `calendar type ${c.calendarType}: this use case publishes type ${calendarType}`,
      );
  const days = f.dayProfiles.map((d) => ({
    dayId: d.dayId,
    entries: d.scheduleEntries.map((e) => ({
      startTime: e.startTime,
      priceTierOrSwitch: e.priceTierOrSwitch,
    })),
  }));
  const dayIds = new Set(days.map((d) => d.dayId));
  const weeks = f.weekProfiles.map((w) => ({
    weekId: w.weekId,
    days: [
      w.dayIdRefMonday,
      w.dayIdRefTuesday,
      w.dayIdRefWednesday,
      w.dayIdRefThursday,
      w.dayIdRefFriday,
      w.dayIdRefSaturday,
      w.dayIdRefSunday,
    ],
  }));
  const weekIds = new Set(weeks.map((w) => w.weekId));
  if (
    cal.numberOfDayProfiles !== days.length ||
    cal.numberOfWeekProfiles !== weeks.length ||
    cal.numberOfSeasons !== f.seasons.seasons.length
  )
    throw new CommandContentError('Publish Calendar counts differ from the profiles published');
  for (const w of weeks)
    if (w.days.some((d) => !dayIds.has(d)))
      throw new CommandContentError(`week ${w.weekId} refers to a day not published`);
  for (const s of f.seasons.seasons)
    if (!weekIds.has(s.weekIdRef)) throw new CommandContentError(`a season refers to week ${s.weekIdRef}`);
  for (const d of f.specialDays.specialDays)
    if (!dayIds.has(d.dayIdRef)) throw new CommandContentError(`a special day refers to day ${d.dayIdRef}`);
  return {
    issuerEventId: cal.issuerEventId,
    issuerCalendarId: id,
    days,
    weeks,
    seasons: f.seasons.seasons.map((s) => ({
      seasonStartDate: { ...s.seasonStartDate },
      weekIdRef: s.weekIdRef,
    })),
    specialDays: f.specialDays.specialDays.map((d) => ({
      specialDayDate: { ...d.specialDayDate },
      dayIdRef: d.dayIdRef,
    })),
  };
}

/** GCS05: the prepayment settings and the friendly credit calendar (see the file comment). */
export function updatePrepayConfiguration(call: UseCaseCall<Gcs05>, d: GsmeView): HandlerResult {
  const faulted = faultedCommand(GCS05_PARTS, d.gbzFaults());
  if (faulted) return faulted;
  const f = call.fields;
  const calendar = calendarOf(f);
  const s = d.state;
  s.emergencyCredit = {
    ...s.emergencyCredit,
    limit: f.emergencyCreditSetup.emergencyCreditLimit,
    threshold: f.emergencyCreditSetup.emergencyCreditThreshold,
  };
  s.maxMeterBalance = f.maximumCreditLimit.maximumCreditLevel;
  s.prepaymentSettings = {
    ...s.prepaymentSettings,
    lowCreditWarningLevel: f.lowCreditWarningLevel.lowCreditWarningLevel,
    maxCreditPerTopUp: f.maximumCreditLimit.maximumCreditPerTopUp,
    overallDebtCap: f.overallDebtCap.overallDebtCap,
  };
  s.friendlyCreditCalendar = calendar;
  s.friendlyCredit = { ...s.friendlyCredit, calendarId: calendar.issuerCalendarId };
  const sent = [
    ...GCS05_PARTS.slice(0, 5),
    ...f.dayProfiles.map(() => GCS05_PARTS[5]!),
    ...f.weekProfiles.map(() => GCS05_PARTS[6]!),
    ...GCS05_PARTS.slice(7),
  ];
  return {
    response: { components: sent.map((p) => defaultResponse(p.cluster, p.commandId, ZCL.success)) },
    outcome: 'applied',
    detail: { prepaymentSettings: s.prepaymentSettings, friendlyCreditCalendar: calendar.issuerCalendarId },
  };
}

type Attrs = { attributes?: Array<{ id: number; name?: string }> };

/** GCS21b: the prepayment configuration and the friendly credit calendar (see the file comment). */
export function readPrepayConfiguration(
  call: UseCaseCall<Record<string, Attrs>>,
  d: GsmeView,
): HandlerResult {
  const faults = d.gbzFaults();
  const prep = readRecords(
    'prepayment',
    call.fields.readPrepayment?.attributes ?? [],
    prepaymentTable(d.state),
    faults,
  );
  const price = readRecords('price', call.fields.readPrice?.attributes ?? [], priceTable(d.state), faults);
  if (prep.failed || price.failed)
    return {
      response: {
        components: [
          { cluster: 'prepayment', command: 'readAttributesResponse', fields: { records: prep.records } },
          { cluster: 'price', command: 'readAttributesResponse', fields: { records: price.records } },
        ],
      },
      outcome: 'failed',
    };
  const cal = calendarAnswers(d.state.friendlyCreditCalendar, FRIENDLY_CREDIT, faults);
  const groups: unknown[][] = [
    [{ cluster: 'prepayment', command: 'readAttributesResponse', fields: { records: prep.records } }],
    [{ cluster: 'price', command: 'readAttributesResponse', fields: { records: price.records } }],
    ...cal.groups,
  ];
  const failed = cal.failed;
  // each answer carries the ZCL sequence number of the command component it answers (RTDS GCS21b)
  const seq = ((call.header as { components?: Array<{ sequence?: number }> }).components ?? []).map(
    (x, i) => x.sequence ?? i,
  );
  return {
    response: { components: groups.flat() },
    outcome: failed ? 'failed' : 'read',
    header: { components: groups.flatMap((g, i) => g.map(() => ({ sequence: seq[i] ?? i }))) },
  };
}

/**
 * The calendar's Get Day Profiles / Week Profiles / Seasons / Special Days answered from calendar `c`
 * (GCS21b: the friendly credit calendar; GCS21f: the tariff switching table): one group of answers per
 * Get, in that order (see the file comment).
 */
export function calendarAnswers(
  c: FriendlyCreditCalendar | null | undefined,
  calendarType: number,
  faults: ReadonlySet<string>,
): { groups: unknown[][]; failed: boolean } {
  const head = c && { providerId: 0, issuerEventId: c.issuerEventId, issuerCalendarId: c.issuerCalendarId };
  const one = { commandIndex: 0, totalNumberOfCommands: 1 };
  const publish = (command: string, fields: Record<string, unknown>) => ({
    cluster: 'calendar',
    command,
    fields,
  });
  // each Get answers its Publish commands, NOT_FOUND when the meter holds none of them (no calendar, or
  // none of that kind), HARDWARE_FAILURE with a fault on it (the later Gets are not run)
  const gets: ReadonlyArray<{ command: string; commandId: number; answers: () => unknown[] }> = [
    {
      command: 'getDayProfiles',
      commandId: 0x01,
      answers: () =>
        (c?.days ?? []).map((day) =>
          publish('publishDayProfile', {
            ...head,
            dayId: day.dayId,
            totalNumberOfScheduleEntries: day.entries.length,
            ...one,
            calendarType,
            scheduleEntries: day.entries,
          }),
        ),
    },
    {
      command: 'getWeekProfiles',
      commandId: 0x02,
      answers: () =>
        (c?.weeks ?? []).map((w) =>
          publish('publishWeekProfile', {
            ...head,
            weekId: w.weekId,
            dayIdRefMonday: w.days[0],
            dayIdRefTuesday: w.days[1],
            dayIdRefWednesday: w.days[2],
            dayIdRefThursday: w.days[3],
            dayIdRefFriday: w.days[4],
            dayIdRefSaturday: w.days[5],
            dayIdRefSunday: w.days[6],
          }),
        ),
    },
    {
      command: 'getSeasons',
      commandId: 0x03,
      answers: () =>
        c?.seasons.length ? [publish('publishSeasons', { ...head, ...one, seasons: c.seasons })] : [],
    },
    {
      command: 'getSpecialDays',
      commandId: 0x04,
      answers: () =>
        c?.specialDays.length
          ? [
              publish('publishSpecialDays', {
                ...head,
                startTime: 0,
                calendarType,
                totalNumberOfSpecialDays: c.specialDays.length,
                ...one,
                specialDays: c.specialDays,
              }),
            ]
          : [],
    },
  ];
  const groups: unknown[][] = [];
  let failed = false;
  for (const g of gets) {
    if (failed) groups.push([notRun('calendar')]);
    else if (faults.has(`calendar.${g.command}`)) {
      failed = true;
      groups.push([defaultResponse('calendar', g.commandId, ZCL.hardwareFailure)]);
    } else {
      const a = g.answers();
      groups.push(a.length ? a : [defaultResponse('calendar', g.commandId, ZCL.notFound)]);
    }
  }
  return { groups, failed };
}
