/**
 * The billing calendar (pure): when the ESME's next billing date falls,
 * given the execution_time of its billing calendar (Blue Book class 22
 * single action schedule, 0-0:15.0.0.255 attribute 4, written by ECS30 /
 * ECS30a from DUIS 6.8, read by ECS26d / ECS26l): a list of { time, date }
 * in the catalogue's text form (`12:00:00`, `****-**-01`, `****-**-** dow=7`).
 *
 * Rules (Blue Book class 22 with wildcards; GBCS V3.1 gives the object, not
 * the rule) -- PROVISIONAL where marked:
 * - a date field given as `*` matches any value; day 254 (0xFE) is the last
 *   day of the month and 253 (0xFD) the one before; `dow=N` (1 Monday .. 7
 *   Sunday) must match too;
 * - the time is UTC (PROVISIONAL: this emulator keeps no local time); an
 *   entry whose hour is `**` never runs (PROVISIONAL); a minute or second
 *   given as `*` counts as 0.
 */

const DAY_MS = 86_400_000;
/** How far ahead the next billing date is searched: a year and a bit covers every annual entry. */
export const BILLING_HORIZON_DAYS = 400;

/** Where the billing calendar stands: null, not running; else the time after which the next billing date is sought. */
export interface BillingState {
  runningFrom: number | null;
}

export function defaultBillingState(): BillingState {
  return { runningFrom: null };
}

export interface ExecutionTime {
  time: string;
  date: string;
}

interface Pattern {
  year: number | null;
  month: number | null;
  day: number | null;
  dow: number | null;
  /** ms into the day */
  at: number;
}

function pattern(e: ExecutionTime): Pattern | null {
  const d = /^([0-9*]{4})-([0-9*]{2})-([0-9*]{2,3})(?:\s+dow=(\d+))?$/.exec(e.date.trim());
  const t = /^([0-9*]{2}):([0-9*]{2}):([0-9*]{2})/.exec(e.time.trim());
  if (!d || !t || t[1]!.includes('*')) return null;
  const f = (s: string) => (s.includes('*') ? null : Number(s));
  const z = (s: string) => (s.includes('*') ? 0 : Number(s));
  return {
    year: f(d[1]!),
    month: f(d[2]!),
    day: f(d[3]!),
    dow: d[4] === undefined ? null : Number(d[4]),
    at: ((Number(t[1]) * 60 + z(t[2]!)) * 60 + z(t[3]!)) * 1000,
  };
}

function matches(p: Pattern, dayStart: number): boolean {
  const d = new Date(dayStart);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  if (p.year !== null && p.year !== y) return false;
  if (p.month !== null && p.month !== m) return false;
  if (p.dow !== null && p.dow !== ((d.getUTCDay() + 6) % 7) + 1) return false;
  if (p.day === null) return true;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (p.day === 0xfe) return day === last;
  if (p.day === 0xfd) return day === last - 1;
  return p.day === day;
}

/** The first billing date strictly after `afterMs` (epoch ms), or null when none falls within the horizon. */
export function nextBillingDate(entries: readonly ExecutionTime[], afterMs: number): number | null {
  const patterns = entries.map(pattern).filter((p): p is Pattern => p !== null);
  if (patterns.length === 0) return null;
  const first = Math.floor(afterMs / DAY_MS) * DAY_MS;
  for (let k = 0; k <= BILLING_HORIZON_DAYS; k++) {
    const dayStart = first + k * DAY_MS;
    let best: number | null = null;
    for (const p of patterns) {
      const t = dayStart + p.at;
      if (t > afterMs && matches(p, dayStart) && (best === null || t < best)) best = t;
    }
    if (best !== null) return best;
  }
  return null;
}
