/**
 * The Non-Disablement Calendar in force (pure): when the ESME must not
 * disable the supply for lack of credit. ECS08a writes it (schedule
 * 0-1:12.0.1.255 class 10, special days 0-1:11.0.2.255 class 11) and ECS26a
 * reads it (0-0:12.0.1.255 / 0-0:11.0.2.255; the meter keeps one copy:
 * handlers/prepay-config.ts).
 *
 * Each schedule entry runs the disconnect control script table's
 * NON_DISABLEMENT_SCRIPT START (a non-disablement period begins) or STOP
 * (it ends) at its switch_time (UTC) on the days it runs, between its
 * begin_date and end_date (`*` fields not specified): a special day (the
 * calendar's own special days table) runs the entries whose exec_specdays
 * bit for that special day is set; any other day runs the entries whose
 * exec_weekdays bit (Monday first, Blue Book) is set. A non-disablement
 * period is in force from a START to the next STOP.
 *
 * PROVISIONAL: the selector values (cosem-objects.ts NON_DISABLEMENT_SCRIPT,
 * this project's choice), the special day replacing the weekday (Blue Book
 * exec_specdays reading), the bit of exec_specdays as the special day's
 * position in the table, two entries at the same instant: the later one in
 * the table wins; the calendar looks back 8 days for the last switch (no
 * switch in that time: no period in force).
 */
import { NON_DISABLEMENT_SCRIPT } from '../../gbcs/use-cases/index.ts';
import { dateMatches } from './prepay-accounting.ts';

export interface NonDisablementEntry {
  index: number;
  enable: boolean;
  scriptSelector: number;
  switchTime: string;
  execWeekdays: string;
  execSpecdays: string;
  beginDate: string;
  endDate: string;
}

export interface NonDisablementCalendar {
  entries: readonly NonDisablementEntry[];
  specialDays: readonly { specialDayDate: string }[];
}

const DAY_MS = 86_400_000;
const LOOK_BACK_DAYS = 8;

function secondsOf(time: string): number | null {
  const m = /^(\d\d):(\d\d)(?::(\d\d))?/.exec(time);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0) : null;
}

/** `date` (`YYYY-MM-DD`, `*` unspecified) as a bound of the day `day`: -1 before it, 0 on it or unspecified, 1 after. */
function compareDay(date: string, day: string): number {
  if (date.length !== 10 || date.includes('*')) {
    // a bound with unspecified fields: only its specified fields compare, field by field
    const [y, m, d] = date.split('-');
    const [dy, dm, dd] = day.split('-');
    for (const [a, b] of [
      [y, dy],
      [m, dm],
      [d, dd],
    ] as const) {
      if (!a || !b || a.includes('*')) continue;
      if (a !== b) return a < b ? -1 : 1;
    }
    return 0;
  }
  return date < day ? -1 : date > day ? 1 : 0;
}

/** Whether `entry` runs on the UTC day starting at `dayStart`. */
function runsOn(cal: NonDisablementCalendar, e: NonDisablementEntry, dayStart: number): boolean {
  if (!e.enable) return false;
  const day = new Date(dayStart).toISOString().slice(0, 10);
  if (compareDay(e.beginDate, day) > 0 || compareDay(e.endDate, day) < 0) return false;
  const special = cal.specialDays.findIndex((d) => dateMatches(d.specialDayDate, dayStart));
  if (special >= 0) return e.execSpecdays[special] === '1';
  const monday0 = (new Date(dayStart).getUTCDay() + 6) % 7;
  return e.execWeekdays[monday0] === '1';
}

/** The switches (START true / STOP false) of the calendar in [from, to], in time order (table order at one instant). */
export function nonDisablementSwitches(
  cal: NonDisablementCalendar,
  from: number,
  to: number,
): Array<{ at: number; start: boolean }> {
  const out: Array<{ at: number; start: boolean }> = [];
  if (cal.entries.length === 0 || to < from) return out;
  for (let day = Math.floor(from / DAY_MS) * DAY_MS; day <= to; day += DAY_MS)
    for (const e of cal.entries) {
      const sel = e.scriptSelector;
      if (sel !== NON_DISABLEMENT_SCRIPT.START && sel !== NON_DISABLEMENT_SCRIPT.STOP) continue;
      const sec = secondsOf(e.switchTime);
      if (sec === null || !runsOn(cal, e, day)) continue;
      const at = day + sec * 1000;
      if (at >= from && at <= to) out.push({ at, start: sel === NON_DISABLEMENT_SCRIPT.START });
    }
  // stable: entries of one instant stay in table order
  return out.sort((a, b) => a.at - b.at);
}

/** Whether a non-disablement period is in force at `at`: the last switch at or before it was a START. */
export function inNonDisablementPeriod(cal: NonDisablementCalendar, at: number): boolean {
  const last = nonDisablementSwitches(cal, at - LOOK_BACK_DAYS * DAY_MS, at).at(-1);
  return last?.start ?? false;
}
