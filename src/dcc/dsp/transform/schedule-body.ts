/**
 * The parts of a DUIS schedule body that become a COSEM schedule (class 10)
 * and special days table (class 11), shared by the SRVs that write one
 * (6.14.2 / 6.14.3 auxiliary loads, 2.1 the Non-Disablement Calendar):
 * DaysOfWeekApplicability as exec_weekdays, the special days a schedule
 * entry applies to as exec_specdays, a switch time as COSEM time text.
 */
import { group, many, one, oneOf } from './body-reader.ts';
import { DspBodyInvalidError } from './errors.ts';

const pad = (v: number, w: number) => String(v).padStart(w, '0');

export const WEEK = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
export const daysOfWeek = group({
  days: many('DayOfWeekApplicability', group({ day: one('DayOfWeekID', oneOf(...WEEK)) }), 0, 7),
});

/** `hh:mm:ss` COSEM time text of seconds since midnight. */
export const timeText = (s: number): string =>
  [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((v) => pad(v, 2)).join(':');

export function weekdays(w: { days: { day: string }[] } | undefined, path: string): string {
  const set = new Set<string>();
  for (const d of w?.days ?? []) {
    if (set.has(d.day)) throw new DspBodyInvalidError(`${d.day} given twice`, path);
    set.add(d.day);
  }
  return WEEK.map((d) => (set.has(d) ? '1' : '0')).join('');
}

export interface SpecialDay {
  id: number;
  date: string;
}

/** The special days table: one entry per definition, in identifier order (each identifier once). */
export function specialDays(defs: SpecialDay[], path: string): SpecialDay[] {
  const sorted = [...defs].sort((a, b) => a.id - b.id);
  sorted.forEach((d, k) => {
    if (k > 0 && sorted[k - 1].id === d.id)
      throw new DspBodyInvalidError(`special day ${d.id} defined twice`, path);
  });
  return sorted;
}

/** exec_specdays: one bit per special day definition, set where `ids` lists it. */
export function specdays(ids: number[], defs: SpecialDay[], path: string): string {
  const known = new Set(defs.map((d) => d.id));
  const set = new Set<number>();
  for (const id of ids) {
    if (!known.has(id)) throw new DspBodyInvalidError(`special day ${id} is not defined`, path);
    if (set.has(id)) throw new DspBodyInvalidError(`special day ${id} given twice`, path);
    set.add(id);
  }
  return defs.map((d) => (set.has(d.id) ? '1' : '0')).join('');
}
