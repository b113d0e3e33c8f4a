/**
 * Body shapes shared by the DUIS calendars (DUIS Schema V5.4): the tariff
 * switching tables (1.1.1 gas, 1.1.x electricity) and the gas
 * Non-Disablement Calendar (2.1) have the same DayProfiles / WeekProfiles /
 * Seasons / SpecialDays structure, with different bounds and day contents;
 * the two gas calendars become the same ZCL Publish Week Profile and Publish
 * Seasons commands.
 */
import { group, indexedValue, int, many, one, type ValueReader } from './body-reader.ts';
import { type ZclDateValue, zclGasDate } from './duis-date.ts';

/** DayProfiles: 1..`max` `element` day profiles, each read by `day`. */
export function dayProfiles<T>(element: string, day: ValueReader<T>, max: number) {
  return one('DayProfiles', group({ days: many(element, day, 1, max) }));
}

/** WeekProfiles: 1..`weeks` WeekProfile, each a WeekName 1..`weeks` and the seven ReferencedDayName 1..`maxDay` (index 1..7). */
export function weekProfiles(weeks: number, maxDay: number) {
  return one(
    'WeekProfiles',
    group({
      weeks: many(
        'WeekProfile',
        group({
          name: one('WeekName', int(1, weeks)),
          days: many('ReferencedDayName', indexedValue(int(1, maxDay), 1, 7), 7, 7),
        }),
        1,
        weeks,
      ),
    }),
  );
}

/** A gas calendar's seasons (in element `name`): 1..3 Season, each a ZCL SeasonStartDate and ReferencedWeekName 1..2. */
export function gasSeasons(name: string) {
  return one(
    name,
    group({
      seasons: many(
        'Season',
        group({ start: one('SeasonStartDate', zclGasDate), week: one('ReferencedWeekName', int(1, 2)) }),
        1,
        3,
      ),
    }),
  );
}

/** A gas calendar's SpecialDays: 0..20 SpecialDay, each a ZCL Date and ReferencedDayName 1..`maxDay`. */
export function gasSpecialDays(maxDay: number) {
  return one(
    'SpecialDays',
    group({
      days: many(
        'SpecialDay',
        group({ date: one('Date', zclGasDate), day: one('ReferencedDayName', int(1, maxDay)) }),
        0,
        20,
      ),
    }),
  );
}

/** A week profile as `weekProfiles` reads it. */
interface WeekProfileValue {
  name: number;
  days: { index: number; value: number }[];
}

/** The day id a week profile names for day `n` of the week (1 Monday .. 7 Sunday; the reader requires all seven). */
const weekday = (w: WeekProfileValue, n: number) => w.days.find((d) => d.index === n)!.value;

/** A ZCL Publish Week Profile per week profile of a gas calendar, each with the calendar's `head` fields. */
export function publishWeekProfiles<H extends object>(head: H, weeks: readonly WeekProfileValue[]) {
  return weeks.map((w) => ({
    ...head,
    weekId: w.name,
    dayIdRefMonday: weekday(w, 1),
    dayIdRefTuesday: weekday(w, 2),
    dayIdRefWednesday: weekday(w, 3),
    dayIdRefThursday: weekday(w, 4),
    dayIdRefFriday: weekday(w, 5),
    dayIdRefSaturday: weekday(w, 6),
    dayIdRefSunday: weekday(w, 7),
  }));
}

/** The ZCL Publish Seasons of a gas calendar's seasons: one command (index 0 of 1) with the calendar's `head` fields. */
export function publishSeasons<H extends object>(
  head: H,
  seasons: readonly { start: ZclDateValue; week: number }[],
) {
  return {
    ...head,
    commandIndex: 0,
    totalNumberOfCommands: 1,
    seasons: seasons.map((s) => ({ seasonStartDate: s.start, weekIdRef: s.week })),
  };
}
