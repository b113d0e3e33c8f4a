/**
 * The supplier console's charts, derived from the supplier's command table
 * (pure: rows and time in, chart data out):
 *
 * - commands per route and state now (SU-1 x SU-2);
 * - delivery latency by route as a CDF: for each responded command, the time
 *   from its creation to its device response (over the WAN, CH-4, whatever
 *   route delivered it);
 * - commands per state over time: at the end of each time bucket, how many
 *   were open (created, not yet finished) and how many had ended responded,
 *   failed or expired so far.
 */
import { COMMAND_STATES, TERMINAL_STATES } from '../../supplier/command-states.ts';
import type { CommandState } from '../../supplier/model.ts';
import type { CommandCount, CommandTimes } from '../../supplier/store.ts';

/** `open` (every state that is not terminal), then each terminal state of the SU-2 table. */
export const OVER_TIME_SERIES = ['open', ...COMMAND_STATES.filter((s) => TERMINAL_STATES.has(s))] as const;
export type OverTimeSeries = 'open' | CommandState;

export interface LatencyCdf {
  route: string;
  /** Responded commands of the route in the sample. */
  n: number;
  /** Median and 90th percentile (seconds), null when none. */
  p50: number | null;
  p90: number | null;
  /** At most `maxPoints` points: x seconds, y share of the route's responded commands answered within x. */
  points: Array<{ x: number; y: number }>;
}

export interface SupplierStats {
  at: number;
  /** route ('none' before one is chosen) -> state -> commands */
  byRouteState: Record<string, Partial<Record<CommandState, number>>>;
  totals: Partial<Record<CommandState, number>>;
  /** Every command state in the SU-2 table's order (the console's legend follows it). */
  states: readonly CommandState[];
  /** How many of the newest commands the latency and over-time figures cover. */
  sample: number;
  latency: LatencyCdf[];
  overTime: { bucketMs: number; t: number[]; series: Partial<Record<OverTimeSeries, number[]>> };
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** The empirical CDF of `values` (seconds) from 0 at the smallest, thinned to at most `maxPoints` steps. */
export function cdf(values: readonly number[], maxPoints = 200): Array<{ x: number; y: number }> {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return [];
  const step = Math.max(1, Math.ceil(n / maxPoints));
  // the step starts on the axis at the smallest value, so even one command draws a line
  const out: Array<{ x: number; y: number }> = [{ x: s[0], y: 0 }];
  for (let i = step - 1; i < n; i += step) out.push({ x: s[i], y: (i + 1) / n });
  if (out[out.length - 1].y !== 1) out.push({ x: s[n - 1], y: 1 });
  return out;
}

export function supplierStats(
  counts: readonly CommandCount[],
  times: readonly CommandTimes[],
  now: number,
  o: { buckets?: number; maxPoints?: number } = {},
): SupplierStats {
  const byRouteState: SupplierStats['byRouteState'] = {};
  const totals: SupplierStats['totals'] = {};
  for (const c of counts) {
    const key = c.route ?? 'none';
    const r = byRouteState[key] ?? {};
    byRouteState[key] = r;
    r[c.state] = (r[c.state] ?? 0) + c.n;
    totals[c.state] = (totals[c.state] ?? 0) + c.n;
  }

  const perRoute = new Map<string, number[]>();
  for (const t of times)
    if (t.state === 'responded' && t.answeredAt !== null && t.route) {
      const l = perRoute.get(t.route) ?? [];
      l.push(Math.max(0, t.answeredAt - t.createdAt) / 1000);
      perRoute.set(t.route, l);
    }
  const latency: LatencyCdf[] = [...perRoute]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([route, v]) => {
      const s = v.sort((a, b) => a - b);
      return {
        route,
        n: s.length,
        p50: quantile(s, 0.5),
        p90: quantile(s, 0.9),
        points: cdf(s, o.maxPoints),
      };
    });

  const buckets = o.buckets ?? 40;
  const series = Object.fromEntries(OVER_TIME_SERIES.map((k) => [k, [] as number[]])) as Record<
    OverTimeSeries,
    number[]
  >;
  const t: number[] = [];
  let bucketMs = 0;
  if (times.length > 0) {
    const start = Math.min(...times.map((x) => x.createdAt));
    bucketMs = Math.max(1000, Math.ceil((now - start) / buckets / 1000) * 1000);
    for (let end = start + bucketMs; ; end += bucketMs) {
      const at = Math.min(end, now);
      t.push(at);
      const n: Partial<Record<OverTimeSeries, number>> = {};
      for (const x of times) {
        if (x.createdAt > at) continue;
        const k: OverTimeSeries = !x.terminal || x.updatedAt > at ? 'open' : x.state;
        n[k] = (n[k] ?? 0) + 1;
      }
      for (const k of OVER_TIME_SERIES) series[k]!.push(n[k] ?? 0);
      if (at >= now) break;
    }
  }
  return {
    at: now,
    byRouteState,
    totals,
    states: COMMAND_STATES,
    sample: times.length,
    latency,
    overTime: { bucketMs, t, series },
  };
}
