/**
 * The CHM's reports, on screen (JSON) and as downloads (CSV), per the
 * assessment's 3.1.3 ("displayed in the Alerts Dashboard and appropriate
 * reports, both on the GUI and downloadable") and CSP-4:
 *
 * - alerts per CH per type per UTC day (3.1.3);
 * - standalone CHs (CSP-3) and CHs that ran isolated (A22);
 * - billing: local deliveries per DCC user per period (day or month, UTC),
 *   from the DSP's local-delivery logs (DSP-4, 3.1.4: "charging for local
 *   delivery messaging");
 * - performance exclusion list (PIA 5.1, A21): every SR whose command went
 *   out for local delivery via a PPMID, and every CH isolation period that
 *   overlaps the report period.
 *
 * CSV: RFC 4180 through the DSP-4 codec's writer; text cells that a
 * spreadsheet would read as a formula (leading = + - @) are prefixed with `'`.
 */
import { type CommandVariant, serviceRequest } from '../../duis/index.ts';
import { type LocalDeliveryTariff, localDeliveryCharge } from '../dsp/charges.ts';
import { formatCsv } from '../dsp/local-delivery-csv.ts';
import type { ChmAlert, ChmCh, ChmRepository, IsolationPeriod, LocalDeliveryRow } from './repository.ts';

type Cell = string | number | boolean | null | undefined;

/** A text cell made safe for spreadsheets (CSV injection). */
export function safeCell(v: Cell): Cell {
  return typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  return formatCsv([header, ...rows.map((r) => r.map(safeCell))]);
}

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? '' : new Date(ms).toISOString();

export function alertsCsv(alerts: readonly ChmAlert[]): string {
  return toCsv(
    [
      'id',
      'received_at',
      'alert_at',
      'chf',
      'originator',
      'alert_type',
      'alert_code',
      'name',
      'ppmid',
      'reason',
      'target',
      'critical',
      'verified',
      'signature',
      'mac',
      'counter',
      'message_code',
    ],
    alerts.map((a) => [
      a.id,
      iso(a.receivedAt),
      iso(a.alertAt),
      a.chf,
      a.originator,
      a.alertType,
      a.alertCode === null ? '' : `0x${a.alertCode.toString(16).toUpperCase().padStart(4, '0')}`,
      a.name,
      a.ppmid,
      a.reason,
      a.target,
      a.critical,
      a.verified,
      a.signature,
      a.mac,
      a.counter,
      `0x${a.messageCode.toString(16).toUpperCase().padStart(4, '0')}`,
    ]),
  );
}

export function chsCsv(chs: readonly ChmCh[]): string {
  return toCsv(
    [
      'chf',
      'mode',
      'mode_since',
      'standalone_since',
      'cleared',
      'cleared_by',
      'cleared_at',
      'ran_isolated',
      'ppmid_connected',
      'relay_rejected',
      'last_alert_at',
      'last_ppmid_connected_at',
    ],
    chs.map((c) => [
      c.chf,
      c.mode,
      iso(c.modeSince),
      iso(c.standaloneSince),
      c.cleared,
      c.clearedBy,
      iso(c.clearedAt),
      c.ranIsolated,
      c.ppmidConnected,
      c.relayRejected,
      iso(c.lastAlertAt),
      iso(c.lastPpmidConnectedAt),
    ]),
  );
}

export interface AlertsPerDayRow {
  day: string;
  chf: string;
  alertType: string;
  count: number;
}

export function alertsPerDayCsv(rows: readonly AlertsPerDayRow[]): string {
  return toCsv(
    ['day', 'chf', 'alert_type', 'count'],
    rows.map((r) => [r.day, r.chf, r.alertType, r.count]),
  );
}

export type BillingPeriod = 'day' | 'month';

export interface BillingRow {
  /** `YYYY-MM-DD` or `YYYY-MM` (UTC) */
  period: string;
  user: string;
  csp: string;
  /** SRs whose command was handed out for local delivery */
  localDeliveries: number;
  cv2: number;
  cv3: number;
  cv6: number;
  cv7: number;
  /** distinct CHs those SRs were for */
  chs: number;
  /** DSP-5 charges for those local deliveries at the tariff given (minor units); null without one */
  charges: number | null;
  currency: string | null;
}

function periodOf(at: number, p: BillingPeriod): string {
  const s = new Date(at).toISOString();
  return p === 'day' ? s.slice(0, 10) : s.slice(0, 7);
}

/** CSP-4 billing: local deliveries per DCC user per period (and CSP). */
export async function billingReport(
  repo: ChmRepository,
  q: { from?: number; to?: number; period?: BillingPeriod; tariff?: LocalDeliveryTariff },
): Promise<BillingRow[]> {
  const tariff = q.tariff;
  const chargeOf = (r: LocalDeliveryRow) => {
    const cls = serviceRequest(r.srv)?.class;
    return tariff && cls ? localDeliveryCharge(tariff, cls, r.cv as CommandVariant) : 0;
  };
  const period = q.period ?? 'month';
  const rows = await repo.localDeliveries({ from: q.from, to: q.to });
  const by = new Map<string, BillingRow & { chSet: Set<string> }>();
  for (const r of rows) {
    const key = `${periodOf(r.at, period)}|${r.userEui}|${r.csp}`;
    let b = by.get(key);
    if (!b) {
      b = {
        period: periodOf(r.at, period),
        user: r.userEui,
        csp: r.csp,
        localDeliveries: 0,
        cv2: 0,
        cv3: 0,
        cv6: 0,
        cv7: 0,
        chs: 0,
        charges: tariff ? 0 : null,
        currency: tariff?.currency ?? null,
        chSet: new Set(),
      };
      by.set(key, b);
    }
    b.localDeliveries++;
    if (r.cv === 2) b.cv2++;
    else if (r.cv === 3) b.cv3++;
    else if (r.cv === 6) b.cv6++;
    else if (r.cv === 7) b.cv7++;
    b.chSet.add(r.chf);
    if (b.charges !== null) b.charges += chargeOf(r);
  }
  return [...by.values()]
    .map(({ chSet, ...b }) => ({ ...b, chs: chSet.size }))
    .sort(
      (a, b) =>
        a.period.localeCompare(b.period) || a.user.localeCompare(b.user) || a.csp.localeCompare(b.csp),
    );
}

export function billingCsv(rows: readonly BillingRow[]): string {
  return toCsv(
    ['period', 'user', 'csp', 'local_deliveries', 'cv2', 'cv3', 'cv6', 'cv7', 'chs', 'charges', 'currency'],
    rows.map((r) => [
      r.period,
      r.user,
      r.csp,
      r.localDeliveries,
      r.cv2,
      r.cv3,
      r.cv6,
      r.cv7,
      r.chs,
      r.charges,
      r.currency,
    ]),
  );
}

export interface PerformanceExclusion {
  kind: 'ppmid-delivered-sr' | 'isolated-ch';
  chf: string;
  requestId: string | null;
  user: string | null;
  srv: string | null;
  cv: number | null;
  /** the SR's hand-out time, or the isolation period's start */
  from: number;
  /** the isolation period's end (null while it lasts); null for an SR */
  to: number | null;
  reason: string;
}

/** PIA 5.1 / A21: what performance measures must leave out in [from, to). */
export async function performanceExclusions(
  repo: ChmRepository,
  q: { from?: number; to?: number },
): Promise<PerformanceExclusion[]> {
  const deliveries: LocalDeliveryRow[] = await repo.localDeliveries({ from: q.from, to: q.to });
  const periods: IsolationPeriod[] = await repo.isolationPeriods({ overlapFrom: q.from, overlapTo: q.to });
  const out: PerformanceExclusion[] = [
    ...deliveries.map((d) => ({
      kind: 'ppmid-delivered-sr' as const,
      chf: d.chf,
      requestId: d.requestId,
      user: d.userEui,
      srv: d.srv,
      cv: d.cv,
      from: d.at,
      to: null,
      reason: 'command handed out for local delivery via a PPMID (DSP-5, PIA 5.1)',
    })),
    ...periods.map((p) => ({
      kind: 'isolated-ch' as const,
      chf: p.chf,
      requestId: null,
      user: null,
      srv: null,
      cv: null,
      from: p.startedAt,
      to: p.endedAt,
      reason: 'CH isolated in standalone mode (A21)',
    })),
  ];
  return out.sort((a, b) => a.from - b.from || a.kind.localeCompare(b.kind));
}

export function performanceCsv(rows: readonly PerformanceExclusion[]): string {
  return toCsv(
    ['kind', 'chf', 'request_id', 'user', 'srv', 'cv', 'from', 'to', 'reason'],
    rows.map((r) => [r.kind, r.chf, r.requestId, r.user, r.srv, r.cv, iso(r.from), iso(r.to), r.reason]),
  );
}
