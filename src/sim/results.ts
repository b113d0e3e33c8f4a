/**
 * What an arm run counts (plain data: it goes into report.json and merges
 * across slices), how slices merge, and the figures derived from counts.
 * Every count is additive; distributions are kept whole (sorted samples, a
 * histogram), so a merge of slices equals one run over the same slices.
 */

export interface GroupCounts {
  orders: number;
  /** applied at the meter (ESME/GSME accepted it) */
  applied: number;
  /** applied within the target response time */
  onTime: number;
  /** the supplier received the response (over the WAN: CH-4) */
  responded: number;
  respondedOnTime: number;
}

export interface ArmCounts {
  homes: number;
  events: number;
  simulatedMs: number;
  partial: boolean;
  setupCpuMs: number;
  runCpuMs: number;
  wallMs: number;
  heapBytes: number;
  /** `all`, `kind:<order>`, `wan:<class>`, `scope:attacked|other`, `attacked:during-flood|outside-flood` */
  byGroup: Record<string, GroupCounts>;
  /** order to applied at the meter, sorted */
  appliedLatencyMs: number[];
  routes: Record<string, number>;
  /** SRs handed out for local delivery (CV 2/3: DSP-4 logs, DSP-5 charges) */
  localDeliveries: number;
  /** [k] = messages offered to a CH uplink buffer while k were waiting */
  uplinkOfferHistogram: number[];
  /** each home-day's highest uplink buffer occupancy, sorted */
  uplinkDayMax: number[];
  hanAirtimeMs: number;
  ppmidAirtimeMs: number;
  dutyCycle: Record<string, number>;
  chfDiscards: Record<string, number>;
  chmAlerts: Record<string, number>;
  attackSent: number;
  attackRejectedAtMeter: number;
  series: {
    attackAirtime: Array<{ minute: number; home: string; ppmidShare: number; channelShare: number }>;
  };
}

export function emptyCounts(): ArmCounts {
  return {
    homes: 0,
    events: 0,
    simulatedMs: 0,
    partial: false,
    setupCpuMs: 0,
    runCpuMs: 0,
    wallMs: 0,
    heapBytes: 0,
    byGroup: {},
    appliedLatencyMs: [],
    routes: {},
    localDeliveries: 0,
    uplinkOfferHistogram: [],
    uplinkDayMax: [],
    hanAirtimeMs: 0,
    ppmidAirtimeMs: 0,
    dutyCycle: {},
    chfDiscards: {},
    chmAlerts: {},
    attackSent: 0,
    attackRejectedAtMeter: 0,
    series: { attackAirtime: [] },
  };
}

function addRecord(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function mergeSorted(a: number[], b: number[]): number[] {
  return [...a, ...b].sort((x, y) => x - y);
}

/** Merges the counts of two slices of the same estate (same arm, same days). */
export function mergeCounts(a: ArmCounts, b: ArmCounts): ArmCounts {
  const byGroup: Record<string, GroupCounts> = {};
  for (const src of [a.byGroup, b.byGroup])
    for (const [k, g] of Object.entries(src)) {
      byGroup[k] ??= { orders: 0, applied: 0, onTime: 0, responded: 0, respondedOnTime: 0 };
      const t = byGroup[k];
      t.orders += g.orders;
      t.applied += g.applied;
      t.onTime += g.onTime;
      t.responded += g.responded;
      t.respondedOnTime += g.respondedOnTime;
    }
  const hist: number[] = [];
  for (let i = 0; i < Math.max(a.uplinkOfferHistogram.length, b.uplinkOfferHistogram.length); i++)
    hist.push((a.uplinkOfferHistogram[i] ?? 0) + (b.uplinkOfferHistogram[i] ?? 0));
  return {
    homes: a.homes + b.homes,
    events: a.events + b.events,
    simulatedMs:
      a.homes === 0 ? b.simulatedMs : b.homes === 0 ? a.simulatedMs : Math.min(a.simulatedMs, b.simulatedMs),
    partial: a.partial || b.partial,
    setupCpuMs: a.setupCpuMs + b.setupCpuMs,
    runCpuMs: a.runCpuMs + b.runCpuMs,
    wallMs: Math.max(a.wallMs, b.wallMs),
    heapBytes: Math.max(a.heapBytes, b.heapBytes),
    byGroup,
    appliedLatencyMs: mergeSorted(a.appliedLatencyMs, b.appliedLatencyMs),
    routes: addRecord(a.routes, b.routes),
    localDeliveries: a.localDeliveries + b.localDeliveries,
    uplinkOfferHistogram: hist,
    uplinkDayMax: mergeSorted(a.uplinkDayMax, b.uplinkDayMax),
    hanAirtimeMs: a.hanAirtimeMs + b.hanAirtimeMs,
    ppmidAirtimeMs: a.ppmidAirtimeMs + b.ppmidAirtimeMs,
    dutyCycle: addRecord(a.dutyCycle, b.dutyCycle),
    chfDiscards: addRecord(a.chfDiscards, b.chfDiscards),
    chmAlerts: addRecord(a.chmAlerts, b.chmAlerts),
    attackSent: a.attackSent + b.attackSent,
    attackRejectedAtMeter: a.attackRejectedAtMeter + b.attackRejectedAtMeter,
    series: { attackAirtime: [...a.series.attackAirtime, ...b.series.attackAirtime] },
  };
}

/** The q-quantile (0..1) of sorted samples (nearest rank); 0 when empty. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function share(n: number, d: number): number {
  return d === 0 ? 0 : n / d;
}
