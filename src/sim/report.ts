/**
 * The simulator's report: figures and a one-sentence answer derived from
 * the arms' counts, `report.json` (everything, counts included, so shards
 * merge and runs compare), a CSV per series, and `report.html`: one
 * self-contained page (no network) with the question, the answer and its
 * number, the plots (Vega-Lite specifications rendered to SVG in Node by
 * Vega, headless: no canvas, no browser), the assumptions and the seed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { type ArmCounts, quantile, share } from './results.ts';
import type { Scenario } from './scenario.ts';

const DAY = 86_400_000;
/** CHF default uplink buffer size (src/devices/chf DEFAULT_CHF_CONFIG.uplinkCapacity): "today's" size. */
export const TODAY_UPLINK_CAPACITY = 256;

export interface PointResult {
  /** the sweep point ({} without a sweep) */
  point: Record<string, unknown>;
  scenario: Scenario;
  arms: Record<string, ArmCounts>;
}

export interface SimReport {
  format: 'ppmid-relay-sim/1';
  scenario: string;
  kind: Scenario['kind'];
  question: string;
  answer: { sentence: string; value: number; unit: string };
  seed: string;
  homes: number;
  days: number;
  shards: number[] | 'all';
  shardCount: number;
  partial: boolean;
  assumptions: string[];
  /** per point and arm: the derived figures */
  figures: Array<{ point: Record<string, unknown>; arm: string; figures: Record<string, number> }>;
  /** every series the plots draw, as rows (also written as CSV) */
  series: Record<string, Array<Record<string, string | number>>>;
  points: PointResult[];
  /**
   * What the whole run cost in this process: wall ms from start to report,
   * CPU ms of every thread (perf.json only; absent from report.json and from
   * a merged report)
   */
  elapsed?: { wallMs: number; cpuMs: number };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

/** The figures of one arm. */
export function armFigures(s: Scenario, c: ArmCounts): Record<string, number> {
  const homeDays = (c.homes * c.simulatedMs) / DAY;
  const all = c.byGroup.all ?? { orders: 0, applied: 0, onTime: 0, responded: 0, respondedOnTime: 0 };
  const f: Record<string, number> = {
    homes: c.homes,
    homeDays,
    orders: all.orders,
    appliedShare: share(all.applied, all.orders),
    onTimeShare: share(all.onTime, all.orders),
    respondedOnTimeShare: share(all.respondedOnTime, all.orders),
    onTimePer1000HomesPerDay: homeDays ? (all.onTime / homeDays) * 1000 : 0,
    medianAppliedLatencyS: quantile(c.appliedLatencyMs, 0.5) / 1000,
    p95AppliedLatencyS: quantile(c.appliedLatencyMs, 0.95) / 1000,
    localDeliveries: c.localDeliveries,
    chargesPence: c.localDeliveries * (s.localDeliveryPricePence ?? 0),
    hanAirtimeMsPerHomeDay: homeDays ? c.hanAirtimeMs / homeDays : 0,
    ppmidAirtimeMsPerHomeDay: homeDays ? c.ppmidAirtimeMs / homeDays : 0,
    uplinkP999DayMax: quantile(c.uplinkDayMax, 0.999),
    uplinkMaxDayMax: c.uplinkDayMax.length ? c.uplinkDayMax[c.uplinkDayMax.length - 1] : 0,
    lostAtToday: c.uplinkOfferHistogram.slice(TODAY_UPLINK_CAPACITY).reduce((a, b) => a + (b ?? 0), 0),
    attackSent: c.attackSent,
    attackRejectedAtMeter: c.attackRejectedAtMeter,
    chfDiscards: Object.values(c.chfDiscards).reduce((a, b) => a + b, 0),
    chmAlerts: Object.values(c.chmAlerts).reduce((a, b) => a + b, 0),
  };
  for (const [k, g] of Object.entries(c.byGroup))
    if (k !== 'all') {
      f[`orders[${k}]`] = g.orders;
      f[`onTimeShare[${k}]`] = share(g.onTime, g.orders);
    }
  const maxShare = c.series.attackAirtime.reduce((m, r) => Math.max(m, r.ppmidShare), 0);
  f.attackMaxPpmidAirtimeShare = maxShare;
  f.attackMaxChannelShare = c.series.attackAirtime.reduce((m, r) => Math.max(m, r.channelShare), 0);
  for (const [k, v] of Object.entries(c.dutyCycle)) f[`dutyCycle[${k}]`] = v;
  return f;
}

/** The one-sentence answer of a point (its arms' figures). */
export function answer(
  s: Scenario,
  figs: Record<string, Record<string, number>>,
): { sentence: string; value: number; unit: string } {
  const arms = s.arms.map((a) => a.name);
  const g = (arm: string, k: string) => figs[arm]?.[k] ?? 0;
  switch (s.kind) {
    case 'benefit': {
      const base = arms.find((a) => s.arms.find((x) => x.name === a)?.route === 'wan') ?? arms[0];
      const others = arms.filter((a) => a !== base);
      const best = others.reduce(
        (b, a) => (g(a, 'onTimeShare') > g(b, 'onTimeShare') ? a : b),
        others[0] ?? base,
      );
      const extra = g(best, 'onTimePer1000HomesPerDay') - g(base, 'onTimePer1000HomesPerDay');
      return {
        sentence: `With enhanced PPMIDs (${best}) ${pct(g(best, 'onTimeShare'))} of commands reached the meter within the target response time, against ${pct(g(base, 'onTimeShare'))} without (${base}): ${extra >= 0 ? '+' : ''}${extra.toFixed(1)} on-time commands per 1,000 homes per day.`,
        value: Math.round(extra * 10) / 10,
        unit: 'extra on-time commands per 1,000 homes per day',
      };
    }
    case 'buffers': {
      const a = arms[0];
      const need = g(a, 'uplinkP999DayMax');
      const lost = g(a, 'lostAtToday');
      const perK = g(a, 'homeDays') ? (lost / g(a, 'homeDays')) * 1000 : 0;
      return {
        sentence: `A CH uplink buffer of ${need} message${need === 1 ? '' : 's'} loses no response in 99.9 % of home-days; at today's ${TODAY_UPLINK_CAPACITY} messages ${lost} response${lost === 1 ? ' was' : 's were'} lost (${perK.toFixed(2)} per 1,000 home-days).`,
        value: need,
        unit: 'messages (99.9 % of home-days)',
      };
    }
    case 'attack': {
      const on = s.arms.find((x) => x.ch7 !== false)?.name ?? arms[0];
      const off = s.arms.find((x) => x.ch7 === false)?.name ?? arms[arms.length - 1];
      const offShare = g(off, 'attackMaxChannelShare');
      // CH-7 limits the PPMID, not the flood: the legitimate commands that PPMID relays share its limits.
      const during = 'attacked:during-flood';
      const n = g(on, `orders[${during}]`);
      const onOff = (k: string) =>
        `${pct(g(on, `onTimeShare[${k}]`))} with CH-7 on against ${pct(g(off, `onTimeShare[${k}]`))} off`;
      const cost =
        n > 0
          ? ` CH-7 limits the PPMID, not the flood: the ${n} legitimate command${n === 1 ? '' : 's'} ordered in that home while it flooded go through the same PPMID and wait behind its refused relays (TransferDataError, retried) until the flood ends, so ${onOff(during)} reached the meter on time; of that home's other commands ${onOff('attacked:outside-flood')}, in the other homes ${onOff('scope:other')}.`
          : ' No legitimate command was ordered in that home while it flooded.';
      return {
        sentence: `With CH-7 off the compromised PPMID's home HAN was busy up to ${pct(offShare)} of the time and ${pct(g(off, 'onTimeShare[scope:attacked]'))} of its legitimate commands reached the meter on time; with CH-7 on ${pct(g(on, 'attackMaxChannelShare'))} and ${pct(g(on, 'onTimeShare[scope:attacked]'))}.${cost}`,
        value: Math.round(offShare * 1000) / 10,
        unit: '% peak HAN airtime in the attacked home without CH-7',
      };
    }
    case 'han-load': {
      const base = arms.find((a) => s.arms.find((x) => x.name === a)?.route === 'wan');
      const with24 = arms.find((a) => s.arms.find((x) => x.name === a)?.route !== 'wan') ?? arms[0];
      const added = g(with24, 'hanAirtimeMsPerHomeDay') - (base ? g(base, 'hanAirtimeMsPerHomeDay') : 0);
      return {
        sentence: `PPMID relaying adds ${(added / 1000).toFixed(2)} s of HAN airtime per home-day (${with24}${base ? ` against ${base}` : ''}), ${((added / DAY) * 100).toPrecision(2)} % of a day; the PPMID itself transmits ${(g(with24, 'ppmidAirtimeMsPerHomeDay') / 1000).toFixed(2)} s.`,
        value: Math.round(added) / 1000,
        unit: 's of HAN airtime per home-day',
      };
    }
  }
}

function cdfRows(
  arm: string,
  sorted: number[],
  scale: number,
  key: string,
): Array<Record<string, string | number>> {
  const rows: Array<Record<string, string | number>> = [];
  if (sorted.length === 0) return rows;
  const steps = Math.min(200, sorted.length);
  for (let i = 1; i <= steps; i++) {
    const q = i / steps;
    rows.push({ arm, [key]: quantile(sorted, q) / scale, share: q });
  }
  return rows;
}

/** Builds the report from the points' counts. */
export function buildReport(
  s: Scenario,
  points: PointResult[],
  o: { seed: string; homes: number; days: number; shards: number[] | 'all'; shardCount: number },
): SimReport {
  const figures: SimReport['figures'] = [];
  const series: SimReport['series'] = {};
  const push = (name: string, rows: Array<Record<string, string | number>>) => {
    series[name] = [...(series[name] ?? []), ...rows];
  };
  let first: SimReport['answer'] | undefined;
  const sweepRows: Array<Record<string, string | number>> = [];
  for (const p of points) {
    const figs: Record<string, Record<string, number>> = {};
    for (const [arm, c] of Object.entries(p.arms)) {
      figs[arm] = armFigures(p.scenario, c);
      figures.push({ point: p.point, arm, figures: figs[arm] });
    }
    const ans = answer(p.scenario, figs);
    first ??= ans;
    if (s.sweep?.length) sweepRows.push({ ...flat(p.point), value: ans.value });
    if (points.length > 1) continue; // a sweep draws its headline, the single run its detail
    for (const [arm, c] of Object.entries(p.arms)) {
      const f = figs[arm];
      for (const [k, g] of Object.entries(c.byGroup))
        push('onTimeByGroup', [{ arm, group: k, onTimeShare: share(g.onTime, g.orders), orders: g.orders }]);
      push('latencyCdf', cdfRows(arm, c.appliedLatencyMs, 1000, 'latencyS'));
      push('uplinkDayMaxCdf', cdfRows(arm, c.uplinkDayMax, 1, 'messages'));
      push(
        'uplinkOffers',
        c.uplinkOfferHistogram
          .map((n, k) => ({ arm, waiting: k, offers: n ?? 0 }))
          .filter((r) => r.offers > 0),
      );
      push('airtime', [
        { arm, what: 'HAN total', msPerHomeDay: f.hanAirtimeMsPerHomeDay },
        { arm, what: 'PPMID', msPerHomeDay: f.ppmidAirtimeMsPerHomeDay },
      ]);
      push(
        'attackAirtime',
        c.series.attackAirtime.map((r) => ({ arm, ...r })),
      );
      push(
        'routes',
        Object.entries(c.routes).map(([route, n]) => ({ arm, route, commands: n })),
      );
    }
  }
  if (sweepRows.length) series.sweep = sweepRows;
  for (const k of Object.keys(series)) if (series[k].length === 0) delete series[k];
  const partial = points.some((p) => Object.values(p.arms).some((c) => c.partial));
  return {
    format: 'ppmid-relay-sim/1',
    scenario: s.name,
    kind: s.kind,
    question: s.question,
    answer: !first
      ? { sentence: 'no result', value: 0, unit: '' }
      : points.length > 1
        ? {
            ...first,
            sentence: `At ${JSON.stringify(points[0].point)}: ${first.sentence} (the sweep plot and table give every point of the grid)`,
          }
        : first,
    seed: o.seed,
    homes: o.homes,
    days: o.days,
    shards: o.shards,
    shardCount: o.shardCount,
    partial,
    assumptions: [
      `DCC target response time assumed: top-up ${s.targetSeconds['top-up']} s, register read ${s.targetSeconds['read-registers']} s (order to the meter applying it).`,
      `WAN: ${pct(s.wan.intermittentShare)} of homes intermittent (up ${s.wan.meanUpHours} h / down ${s.wan.meanDownHours} h on average, exponential), ${pct(s.wan.noneShare)} with none; the rest always up.`,
      `Workload: ${s.workload.topUpsPerHomeDay} top-ups and ${s.workload.readsPerHomeDay} register reads per home-day (Poisson).`,
      'Every hop is the real one: signed DUIS both ways, ACB MAC, delivery envelopes, APS-secured HAN frames, CH routing and buffers, the meters’ checks.',
      ...(o.shardCount > 1
        ? [
            `The estate ran as ${o.shardCount} slices, each with its own parties and the seed <seed>/shard-i-of-N.`,
          ]
        : []),
      ...(s.assumptions ?? []),
      ...(partial ? ['STOPPED EARLY: the figures cover the simulated time reached, not the whole run.'] : []),
    ],
    figures,
    series,
    points,
  };
}

function flat(o: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === 'number' ? v : String(v);
  return out;
}

/** The plots of a report, as Vega-Lite specifications (title, spec). */
export function plotSpecs(r: SimReport): Array<{ id: string; title: string; spec: TopLevelSpec }> {
  const out: Array<{ id: string; title: string; spec: TopLevelSpec }> = [];
  const data = (name: string) => ({ values: r.series[name] ?? [] });
  const has = (name: string) => (r.series[name]?.length ?? 0) > 0;
  const base = { width: 520, height: 260 } as const;
  if (has('sweep')) {
    const params = r.points[0] ? Object.keys(r.points[0].point) : [];
    out.push({
      id: 'sweep',
      title: `${r.answer.unit} over ${params.join(' × ')}`,
      spec: {
        ...base,
        data: data('sweep'),
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: params[0], type: 'quantitative' },
          y: { field: 'value', type: 'quantitative', title: r.answer.unit },
          ...(params[1] ? { color: { field: params[1], type: 'nominal' } } : {}),
        },
      },
    });
  }
  if (has('onTimeByGroup') && (r.kind === 'benefit' || r.kind === 'attack'))
    out.push({
      id: 'on-time',
      title: 'Commands applied at the meter within the target response time, by group',
      spec: {
        ...base,
        data: data('onTimeByGroup'),
        mark: 'bar',
        encoding: {
          y: { field: 'group', type: 'nominal' },
          x: { field: 'onTimeShare', type: 'quantitative', axis: { format: '%' }, title: 'on time' },
          color: { field: 'arm', type: 'nominal' },
          yOffset: { field: 'arm' },
        },
      },
    });
  if (has('latencyCdf') && r.kind !== 'buffers')
    out.push({
      id: 'latency-cdf',
      title: 'Order to meter: cumulative distribution of latency (s, log scale)',
      spec: {
        ...base,
        data: data('latencyCdf'),
        mark: 'line',
        encoding: {
          x: { field: 'latencyS', type: 'quantitative', scale: { type: 'log' }, title: 'seconds' },
          y: { field: 'share', type: 'quantitative', axis: { format: '%' } },
          color: { field: 'arm', type: 'nominal' },
        },
      },
    });
  if (r.kind === 'buffers' && has('uplinkDayMaxCdf'))
    out.push({
      id: 'buffer-cdf',
      title: 'Highest CH uplink buffer occupancy per home-day: cumulative distribution',
      spec: {
        ...base,
        data: data('uplinkDayMaxCdf'),
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'messages', type: 'quantitative' },
          y: { field: 'share', type: 'quantitative', axis: { format: '%' }, scale: { zero: false } },
          color: { field: 'arm', type: 'nominal' },
        },
      },
    });
  if (r.kind === 'buffers' && has('uplinkOffers'))
    out.push({
      id: 'buffer-offers',
      title: 'Messages offered to the uplink buffer by how many were already waiting',
      spec: {
        ...base,
        data: data('uplinkOffers'),
        mark: 'bar',
        encoding: {
          x: { field: 'waiting', type: 'quantitative', bin: { maxbins: 40 } },
          y: { aggregate: 'sum', field: 'offers', type: 'quantitative' },
        },
      },
    });
  if (r.kind === 'attack' && has('attackAirtime'))
    out.push({
      id: 'attack-airtime',
      title: 'Attacked home: HAN airtime share per minute (channel busy)',
      spec: {
        ...base,
        data: data('attackAirtime'),
        mark: 'line',
        encoding: {
          x: { field: 'minute', type: 'quantitative', title: 'minute of the run' },
          y: { field: 'channelShare', type: 'quantitative', axis: { format: '%' } },
          color: { field: 'arm', type: 'nominal' },
        },
      },
    });
  if ((r.kind === 'han-load' || r.kind === 'attack') && has('airtime'))
    out.push({
      id: 'airtime',
      title: 'HAN airtime per home-day (ms)',
      spec: {
        ...base,
        data: data('airtime'),
        mark: 'bar',
        encoding: {
          y: { field: 'arm', type: 'nominal' },
          x: { field: 'msPerHomeDay', type: 'quantitative' },
          color: { field: 'what', type: 'nominal' },
          yOffset: { field: 'what' },
        },
      },
    });
  if (has('routes') && r.kind === 'benefit')
    out.push({
      id: 'routes',
      title: 'Routes the supplier took (SU-1)',
      spec: {
        ...base,
        data: data('routes'),
        mark: 'bar',
        encoding: {
          y: { field: 'arm', type: 'nominal' },
          x: { field: 'commands', type: 'quantitative', stack: 'zero' },
          color: { field: 'route', type: 'nominal' },
        },
      },
    });
  return out;
}

/** Renders a Vega-Lite specification to SVG (Vega's SVG string renderer, headless). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function esc(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
  );
}

function csv(rows: Array<Record<string, string | number>>): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => {
    const s = v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${cols.join(',')}\n${rows.map((r) => cols.map((c) => cell(r[c])).join(',')).join('\n')}\n`;
}

/** The report page: self-contained HTML (inline SVG and CSS, no script, no network). */
export async function reportHtml(r: SimReport): Promise<string> {
  const plots = plotSpecs(r);
  const figs: string[] = [];
  for (const p of plots)
    figs.push(
      `<figure class="plot" id="plot-${p.id}"><figcaption>${esc(p.title)}</figcaption>${await renderSvg(p.spec)}</figure>`,
    );
  const keys = [
    'homes',
    'orders',
    'onTimeShare',
    'appliedShare',
    'respondedOnTimeShare',
    'onTimePer1000HomesPerDay',
    'medianAppliedLatencyS',
    'p95AppliedLatencyS',
    'localDeliveries',
    'chargesPence',
    'uplinkP999DayMax',
    'lostAtToday',
    'hanAirtimeMsPerHomeDay',
    'ppmidAirtimeMsPerHomeDay',
    'attackSent',
    'chfDiscards',
    'chmAlerts',
  ];
  const rows = r.figures
    .map(
      (f) =>
        `<tr><td>${esc(Object.keys(f.point).length ? JSON.stringify(f.point) : '')}</td><td>${esc(f.arm)}</td>${keys
          .map((k) => `<td>${fmt(f.figures[k])}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ppmid-relay sim: ${esc(r.scenario)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#222;padding:0 1rem}
.answer{font-size:1.25rem;background:#eef6ee;border-left:4px solid #2a7;padding:.75rem 1rem}
.partial{background:#fdecea;border-left:4px solid #c33;padding:.5rem 1rem}
figure.plot{display:inline-block;margin:1rem 1rem 1rem 0;vertical-align:top}
figcaption{font-weight:600;margin-bottom:.25rem}
table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:right}
td:nth-child(-n+2),th:nth-child(-n+2){text-align:left}
</style></head><body>
<h1>${esc(r.scenario)}: ${esc(r.kind)}</h1>
<p class="question"><strong>Question.</strong> ${esc(r.question)}</p>
<p class="answer" id="answer">${esc(r.answer.sentence)}</p>
${r.partial ? '<p class="partial">This run was stopped early: the figures cover the simulated time it reached.</p>' : ''}
<p>Seed <code id="seed">${esc(r.seed)}</code> · ${r.homes} homes · ${r.days} days${r.shardCount > 1 ? ` · ${r.shardCount} slices (${esc(JSON.stringify(r.shards))})` : ''}</p>
<section id="plots">${figs.join('\n')}</section>
<h2>Figures</h2>
<table><thead><tr><th>point</th><th>arm</th>${keys.map((k) => `<th>${esc(k)}</th>`).join('')}</tr></thead>
<tbody>${rows}</tbody></table>
<h2>Assumptions</h2>
<ul>${r.assumptions.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>
<p>Data: <a href="report.json">report.json</a> · ${Object.keys(r.series)
    .map((n) => `<a href="${esc(n)}.csv">${esc(n)}.csv</a>`)
    .join(' · ')}</p>
</body></html>
`;
}

function fmt(v: number | undefined): string {
  if (v === undefined) return '';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) < 1 ? v.toFixed(3) : v.toFixed(1);
}

const PERF_KEYS = new Set(['setupCpuMs', 'runCpuMs', 'wallMs', 'heapBytes', 'elapsed']);

/** What the run cost (CPU, wall, memory): not part of report.json, which a seed determines. */
export function perfOf(r: SimReport): Record<string, number> {
  let setup = 0;
  let run = 0;
  let wall = 0;
  let heap = 0;
  let orders = 0;
  let homeDays = 0;
  let events = 0;
  let homes = 0;
  for (const p of r.points)
    for (const c of Object.values(p.arms)) {
      setup += c.setupCpuMs ?? 0;
      run += c.runCpuMs ?? 0;
      wall += c.wallMs ?? 0;
      heap = Math.max(heap, c.heapBytes ?? 0);
      orders += c.byGroup.all?.orders ?? 0;
      homeDays += (c.homes * c.simulatedMs) / DAY;
      events += c.events;
      homes += c.homes;
    }
  // the run's own wall time when this process ran it (slices in parallel on workers, or one after
  // the other); a merged report has only its slices' (the longest slice of each arm, arms added up)
  if (r.elapsed) wall = r.elapsed.wallMs;
  return {
    setupCpuMsPerHome: homes ? setup / homes : 0,
    runCpuMsPerOrder: orders ? run / orders : 0,
    runCpuMsPerHomeDay: homeDays ? run / homeDays : 0,
    homeDaysPerWallSecond: wall ? homeDays / (wall / 1000) : 0,
    ordersPerWallSecond: wall ? orders / (wall / 1000) : 0,
    events,
    wallSeconds: wall / 1000,
    peakHeapMB: heap / 1e6,
    ...(r.elapsed ? { processCpuSeconds: r.elapsed.cpuMs / 1000 } : {}),
  };
}

/** Writes report.json, a CSV per series and report.html into `dir`. */
export async function writeReport(dir: string, r: SimReport): Promise<void> {
  mkdirSync(dir, { recursive: true });
  // report.json is a pure function of (scenario, homes, days, seed): wall-clock figures go to perf.json
  writeFileSync(
    join(dir, 'report.json'),
    `${JSON.stringify(r, (k, v) => (PERF_KEYS.has(k) ? undefined : v), 1)}\n`,
  );
  writeFileSync(join(dir, 'perf.json'), `${JSON.stringify(perfOf(r), null, 1)}\n`);
  for (const [name, rows] of Object.entries(r.series)) writeFileSync(join(dir, `${name}.csv`), csv(rows));
  writeFileSync(join(dir, 'report.html'), await reportHtml(r));
}
