/**
 * The ALCS calendar (pure): when the ALCS schedule (0-0:12.0.2.255, Blue Book
 * class 10, written by ECS46c / SR 6.14.2, read by ECS61a / SR 7.7) switches
 * which switch on or off, given the ALCS special days table (0-0:11.0.3.255).
 * Entries are the catalogue's named values (cosem-objects.ts
 * `scheduleEntries`, `specialDays`); a switching is an enabled entry whose
 * script is an ALCS state script of the scheduled-switch kind
 * (gbcs/use-cases/alcs-scripts.ts: switch N in the high byte, 0x01 on,
 * 0x02 off). Other entries (another script table, a controller script) are
 * not ALCS switchings and are skipped.
 *
 * Rules (Blue Book class 10; the GBCS V3.1 use-case tables give the objects,
 * not the execution rules) -- PROVISIONAL where marked:
 * - an entry runs on a day inside [beginDate, endDate]; a field given as `*`
 *   takes the day's own value, so `****-06-21`..`****-09-21` is every summer
 *   and a range whose begin is after its end wraps over the year end;
 * - on a special day (a special days entry whose date matches, `*` fields
 *   matching anything) an entry runs when its execSpecdays bit for that day id
 *   is set (bit 0 = day id 1, PROVISIONAL); on any other day when its
 *   execWeekdays bit for the weekday is set (bit 0 = Monday);
 * - switchTime is the time of day in the meter's local time, which is UTC
 *   in this emulator (PROVISIONAL: no daylight saving); an entry whose hour is
 *   not specified (`**`) never runs (PROVISIONAL), a minute or second not
 *   specified counts as 0;
 * - entries due at the same instant run in index order (the last one sets a
 *   switch that two of them touch).
 */
import { decodeAlcsScript } from '../../gbcs/use-cases/alcs-scripts.ts';

/** The script table every ALCS switching entry names (ECS47's, 0-0:10.0.103.255). */
export const ALCS_SCRIPT_TABLE = '0-0:10.0.103.255';

export interface ScheduleEntry {
  index: number;
  enable: boolean;
  scriptLogicalName: string;
  scriptSelector: number;
  switchTime: string;
  validityWindow: number;
  execWeekdays: string;
  execSpecdays: string;
  beginDate: string;
  endDate: string;
}

export interface SpecialDay {
  index: number;
  specialDayDate: string;
  dayId: number;
}

/** One switch changed by the calendar: switch `n` on or off at `at` (epoch ms), by schedule entry `entry` running `script`. */
export interface Switching {
  at: number;
  n: number;
  on: boolean;
  entry: number;
  script: number;
}

const DAY_MS = 86_400_000;
/** How far ahead (and back) the calendar is searched: a year and a bit covers every annual entry. */
export const CALENDAR_HORIZON_DAYS = 400;

type Ymd = [number | null, number | null, number | null];

function parseDate(text: string): Ymd | null {
  const m = /^([0-9*]{4})-([0-9*]{2})-([0-9*]{2})/.exec(text.trim());
  if (!m) return null;
  const f = (s: string) => (s.includes('*') ? null : Number(s));
  return [f(m[1]!), f(m[2]!), f(m[3]!)];
}

/** Seconds into the day of `switchTime`, or null when the entry has no hour (never runs). */
function timeOfDay(text: string): number | null {
  const m = /^([0-9*]{2}):([0-9*]{2}):([0-9*]{2})/.exec(text.trim());
  if (!m || m[1]!.includes('*')) return null;
  const n = (s: string) => (s.includes('*') ? 0 : Number(s));
  const h = Number(m[1]);
  const mi = n(m[2]!);
  const se = n(m[3]!);
  if (h > 23 || mi > 59 || se > 59) return null;
  return h * 3600 + mi * 60 + se;
}

const key = (y: number, m: number, d: number) => y * 10_000 + m * 100 + d;

/** Whether the UTC day `[y, m, d]` is inside the entry's date range (`*` fields take the day's value). */
function inRange(day: [number, number, number], begin: Ymd, end: Ymd): boolean {
  const fill = (v: Ymd): number => key(v[0] ?? day[0], v[1] ?? day[1], v[2] ?? day[2]);
  const k = key(...day);
  const b = fill(begin);
  const e = fill(end);
  return b <= e ? b <= k && k <= e : k >= b || k <= e;
}

function matches(day: [number, number, number], date: Ymd): boolean {
  return date.every((v, i) => v === null || v === day[i]);
}

/** The switchings of one entry, or null when it is no ALCS switching. */
function switchOf(e: ScheduleEntry): { n: number; on: boolean } | null {
  if (!e.enable || e.scriptLogicalName !== ALCS_SCRIPT_TABLE) return null;
  const s = decodeAlcsScript(e.scriptSelector);
  return s?.kind === 'scheduledSwitch' ? { n: s.n, on: s.action === 'activate' } : null;
}

/** The ALCS switchings of the UTC day starting at `dayStart` (epoch ms, midnight), in time then index order. */
export function switchingsOfDay(
  dayStart: number,
  entries: readonly ScheduleEntry[],
  specialDays: readonly SpecialDay[],
): Switching[] {
  const d = new Date(dayStart);
  const day: [number, number, number] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  const special = specialDays.find((s) => {
    const date = parseDate(s.specialDayDate);
    return date !== null && matches(day, date);
  });
  const weekday = (d.getUTCDay() + 6) % 7; // Monday 0
  const out: Switching[] = [];
  for (const e of [...entries].sort((a, b) => a.index - b.index)) {
    const sw = switchOf(e);
    const t = timeOfDay(e.switchTime);
    const begin = parseDate(e.beginDate);
    const end = parseDate(e.endDate);
    if (!sw || t === null || !begin || !end || !inRange(day, begin, end)) continue;
    const runs = special ? e.execSpecdays[special.dayId - 1] === '1' : e.execWeekdays[weekday] === '1';
    if (runs)
      out.push({ at: dayStart + t * 1000, n: sw.n, on: sw.on, entry: e.index, script: e.scriptSelector });
  }
  return out.sort((a, b) => a.at - b.at);
}

const midnight = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;

/** The switchings at the first instant after `after` at which the calendar switches anything (empty: none within the horizon). */
export function nextSwitchings(
  entries: readonly ScheduleEntry[],
  specialDays: readonly SpecialDay[],
  after: number,
): Switching[] {
  if (!entries.some((e) => switchOf(e))) return [];
  for (let i = 0, day = midnight(after); i <= CALENDAR_HORIZON_DAYS; i++, day += DAY_MS) {
    const due = switchingsOfDay(day, entries, specialDays).filter((s) => s.at > after);
    if (due.length) return due.filter((s) => s.at === due[0]!.at);
  }
  return [];
}

/** The state the calendar last gave switch `n` at or before `at` (undefined: none within the horizon). */
export function calendarState(
  entries: readonly ScheduleEntry[],
  specialDays: readonly SpecialDay[],
  n: number,
  at: number,
): boolean | undefined {
  if (!entries.some((e) => switchOf(e)?.n === n)) return undefined;
  for (let i = 0, day = midnight(at); i <= CALENDAR_HORIZON_DAYS; i++, day -= DAY_MS) {
    const last = switchingsOfDay(day, entries, specialDays)
      .filter((s) => s.n === n && s.at <= at)
      .at(-1);
    if (last) return last.on;
  }
  return undefined;
}
