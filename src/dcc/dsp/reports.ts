/**
 * SECMP0038 DSP-5 reports, as JSON-ready values and CSV (RFC 4180, the
 * helpers of local-delivery-csv.ts):
 *
 * - Charges: local-delivery messaging charged per user per period, by SR
 *   class and Command Variant (amounts fixed at issue time, dsp_charges).
 * - Performance-measure exclusion (5.1, A21): every device Service Request
 *   of the period whose command the DSP issued, either measured (sent only
 *   over the SM WAN to a CH that was not isolated) or excluded with its
 *   reason: `local-delivery` (CV 2/6: delivered by the PPMID),
 *   `local-delivery-race` (CV 3/7: both routes carried it and the DSP cannot
 *   tell which copy the meter applied), `ch-isolated` (the CH ran isolated at
 *   request or response time). Measured requests are counted against a
 *   target response time (configurable; the DCC's own targets are not
 *   restated here).
 */
import { DspServiceError } from './errors.ts';
import { formatCsv } from './local-delivery-csv.ts';
import type { DspDb } from './tables.ts';

export interface ChargeLine {
  user: string;
  srClass: string;
  cv: number;
  count: number;
  /** minor units */
  amount: number;
}

export interface ChargesReport {
  from: string;
  to: string;
  currency: string;
  lines: ChargeLine[];
  /** per user: count and amount */
  totals: Array<{ user: string; count: number; amount: number }>;
}

export async function chargesReport(
  db: DspDb,
  q: { from: number; to: number; user?: string; currency: string },
): Promise<ChargesReport> {
  let sel = db
    .selectFrom('dsp_charges')
    .select((eb) => [
      'user_eui',
      'sr_class',
      'cv',
      'currency',
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>('amount').as('total'),
    ])
    .where('at', '>=', q.from)
    .where('at', '<', q.to);
  if (q.user !== undefined) sel = sel.where('user_eui', '=', q.user);
  const rows = await sel
    .groupBy(['user_eui', 'sr_class', 'cv', 'currency'])
    .orderBy('user_eui')
    .orderBy('sr_class')
    .orderBy('cv')
    .execute();
  const currencies = new Set(rows.map((r) => r.currency));
  if (currencies.size > 1)
    throw new DspServiceError(
      'DSP_UNSUPPORTED',
      `charges in several currencies (${[...currencies].join(', ')}): one report per currency is not implemented`,
      { httpStatus: 501 },
    );
  const lines: ChargeLine[] = rows.map((r) => ({
    user: r.user_eui,
    srClass: r.sr_class,
    cv: Number(r.cv),
    count: Number(r.n),
    amount: Number(r.total ?? 0),
  }));
  const byUser = new Map<string, { user: string; count: number; amount: number }>();
  for (const l of lines) {
    const t = byUser.get(l.user) ?? { user: l.user, count: 0, amount: 0 };
    t.count += l.count;
    t.amount += l.amount;
    byUser.set(l.user, t);
  }
  return {
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    currency: rows[0]?.currency ?? q.currency,
    lines,
    totals: [...byUser.values()],
  };
}

export function chargesCsv(r: ChargesReport): string {
  return formatCsv([
    ['period_from', 'period_to', 'user', 'sr_class', 'cv', 'count', 'amount', 'currency'],
    ...r.lines.map((l) => [r.from, r.to, l.user, l.srClass, l.cv, l.count, l.amount, r.currency]),
  ]);
}

export type ExclusionReason = 'local-delivery' | 'local-delivery-race' | 'ch-isolated';

export interface PerformanceRow {
  requestId: string;
  user: string;
  srv: string;
  cv: number;
  state: string;
  createdAt: string;
  respondedAt: string | null;
  responseMs: number | null;
  measured: boolean;
  exclusion: ExclusionReason | null;
}

export interface PerformanceReport {
  from: string;
  to: string;
  targetMs: number;
  summary: {
    measured: number;
    measuredResponded: number;
    measuredWithinTarget: number;
    excluded: number;
    excludedByReason: Record<ExclusionReason, number>;
  };
  rows: PerformanceRow[];
}

/** The exclusion reason of a request, or null if it counts in the DCC's performance measures. */
export function exclusionReason(r: { cv: number; chIsolated: boolean }): ExclusionReason | null {
  if (r.cv === 2 || r.cv === 6) return 'local-delivery';
  if (r.cv === 3 || r.cv === 7) return 'local-delivery-race';
  if (r.chIsolated) return 'ch-isolated';
  return null;
}

export async function performanceReport(
  db: DspDb,
  q: { from: number; to: number; targetMs?: number },
): Promise<PerformanceReport> {
  const targetMs = q.targetMs ?? 30_000;
  const rows = await db
    .selectFrom('dsp_requests')
    .select(['request_id', 'user_eui', 'srv', 'cv', 'state', 'created_at', 'responded_at', 'ch_isolated'])
    .where('created_at', '>=', q.from)
    .where('created_at', '<', q.to)
    .where('cv', 'in', [1, 2, 3, 5, 6, 7])
    .where('state', '!=', 'pre-command-issued')
    .orderBy('created_at')
    .orderBy('request_id')
    .execute();
  const excludedByReason: Record<ExclusionReason, number> = {
    'local-delivery': 0,
    'local-delivery-race': 0,
    'ch-isolated': 0,
  };
  let measured = 0;
  let measuredResponded = 0;
  let measuredWithinTarget = 0;
  const out: PerformanceRow[] = rows.map((r) => {
    const cv = Number(r.cv);
    const exclusion = exclusionReason({ cv, chIsolated: Number(r.ch_isolated) === 1 });
    const created = Number(r.created_at);
    const responded = r.responded_at === null ? null : Number(r.responded_at);
    const responseMs = responded === null ? null : responded - created;
    if (exclusion) excludedByReason[exclusion]++;
    else {
      measured++;
      if (responseMs !== null) {
        measuredResponded++;
        if (responseMs <= targetMs) measuredWithinTarget++;
      }
    }
    return {
      requestId: r.request_id,
      user: r.user_eui,
      srv: r.srv,
      cv,
      state: r.state,
      createdAt: new Date(created).toISOString(),
      respondedAt: responded === null ? null : new Date(responded).toISOString(),
      responseMs,
      measured: exclusion === null,
      exclusion,
    };
  });
  return {
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    targetMs,
    summary: {
      measured,
      measuredResponded,
      measuredWithinTarget,
      excluded: out.length - measured,
      excludedByReason,
    },
    rows: out,
  };
}

export function performanceCsv(r: PerformanceReport): string {
  return formatCsv([
    [
      'request_id',
      'user',
      'srv',
      'cv',
      'state',
      'created_at',
      'responded_at',
      'response_ms',
      'measured',
      'exclusion_reason',
    ],
    ...r.rows.map((x) => [
      x.requestId,
      x.user,
      x.srv,
      x.cv,
      x.state,
      x.createdAt,
      x.respondedAt,
      x.responseMs,
      x.measured ? 1 : 0,
      x.exclusion,
    ]),
  ]);
}
