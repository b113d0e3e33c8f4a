/**
 * Body shapes shared by the DUIS calendars (DUIS Schema V5.4): the tariff
 * switching tables (1.1.1 gas, 1.1.x electricity) and the gas
 * Non-Disablement Calendar (2.1) have the same DayProfiles / WeekProfiles /
 * Seasons / SpecialDays structure, with different bounds and day contents.
 */
import { group, indexedValue, int, many, one, type ValueReader } from './body-reader.ts';
import { zclGasDate } from './duis-date.ts';

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
