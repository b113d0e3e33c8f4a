/**
 * `ppmid-relay sim`: runs a scenario (every sweep point, every arm, the
 * slices this process owns), merges slices, writes the report; merges
 * shard directories; compares two reports. See docs/sim.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../runtime/errors.ts';
import { buildReport, type PointResult, type SimReport, writeReport } from './report.ts';
import { type ArmCounts, emptyCounts, mergeCounts } from './results.ts';
import { type ArmRunOptions, processCpuMs, runArm, sliceHomes } from './runner.ts';
import { type Arm, type Scenario, sweepPoints } from './scenario.ts';
import type { SliceMessage, SliceRequest } from './slice-worker.ts';

/**
 * Memory a home costs while it runs (bytes): measured with `npm run bench
 * -- --only sim` (heap after set-up, 1,000 homes), rounded up. The budget
 * check refuses a run that cannot fit before it starts.
 */
export const BYTES_PER_HOME = 400_000;
export const BASE_BYTES = 150_000_000;

export interface SimRunOptions {
  homes?: number;
  days?: number;
  seed?: string;
  /** the slices this process runs (`--shard i/N`: [i]; default every slice of `shardCount`) */
  shards?: number[];
  shardCount?: number;
  out: string;
  signal?: AbortSignal;
  onProgress?: ArmRunOptions['onProgress'];
  /** skip the memory-budget check */
  force?: boolean;
  /** worker threads running slices at once (default 1: slices run in this thread, one after the other) */
  workers?: number;
}

/** Refuses a run whose largest slice would not fit the heap (before anything starts). */
export function checkMemoryBudget(
  homesPerSlice: number,
  heapLimit = getHeapStatistics().heap_size_limit,
): void {
  const need = BASE_BYTES + homesPerSlice * BYTES_PER_HOME;
  if (need > heapLimit)
    throw new ConfigError(
      `a slice of ${homesPerSlice} homes needs about ${Math.ceil(need / 1e6)} MB of heap but this process has ${Math.floor(heapLimit / 1e6)} MB: run more slices (--shard i/N, or --shards N) or raise node's --max-old-space-size (--force runs anyway)`,
    );
}

export async function runScenario(s: Scenario, o: SimRunOptions): Promise<SimReport> {
  const homes = o.homes ?? s.homes;
  const days = o.days ?? s.days;
  const seed = o.seed ?? 'ppmid-relay-sim';
  const count = o.shardCount ?? 1;
  const mine = o.shards ?? [...Array(count).keys()];
  for (const i of mine)
    if (!(Number.isInteger(i) && i >= 0 && i < count))
      throw new ConfigError(`--shard ${i}/${count} is out of range`);
  if (!o.force) checkMemoryBudget(sliceHomes(homes, { index: 0, count }));
  const wall0 = performance.now();
  const cpu0 = processCpuMs();
  const grid = sweepPoints(s);
  // every (sweep point, arm, slice) of the run, in report order
  const tasks: SliceTask[] = [];
  for (const [p, { scenario }] of grid.entries())
    for (const arm of scenario.arms) for (const index of mine) tasks.push({ point: p, scenario, arm, index });
  const done = new Map<SliceTask, ArmCounts>();
  if ((o.workers ?? 1) > 1 && tasks.length > 1)
    for (const [t, c] of await runSlicesInWorkers(tasks, { homes, days, seed, count }, o)) done.set(t, c);
  else
    for (const t of tasks) {
      if (o.signal?.aborted) break;
      done.set(
        t,
        await runArm(t.scenario, t.arm, {
          homes,
          days,
          seed,
          slice: { index: t.index, count },
          signal: o.signal,
          onProgress: o.onProgress,
        }),
      );
    }
  const points: PointResult[] = [];
  for (const [p, { point, scenario }] of grid.entries()) {
    const ran = tasks.filter((t) => t.point === p && done.has(t));
    // a run stopped early: the points it reached
    if (ran.length === 0 && p > 0) break;
    const arms: Record<string, ArmCounts> = {};
    // slices merge in slice order whichever finished first, so the report is the same
    for (const arm of scenario.arms)
      arms[arm.name] = ran
        .filter((t) => t.arm === arm)
        .map((t) => done.get(t) as ArmCounts)
        .reduce(mergeCounts, emptyCounts());
    points.push({ point, scenario, arms });
  }
  const report = buildReport(s, points, {
    seed,
    homes,
    days,
    shards: o.shards ? mine : 'all',
    shardCount: count,
  });
  report.elapsed = { wallMs: performance.now() - wall0, cpuMs: processCpuMs() - cpu0 };
  await writeReport(o.out, report);
  return report;
}

/** One slice of one arm at one sweep point. */
interface SliceTask {
  point: number;
  scenario: Scenario;
  arm: Arm;
  index: number;
}

/**
 * Runs `tasks` (every sweep point, arm and slice of the run) on `o.workers`
 * worker threads (both cores), each worker taking the next task as it
 * finishes one: no arm waits for the slowest slice of the one before, and a
 * worker loads the modules once. Resolves with the counts of the tasks that
 * ran. Ctrl-C (`signal`) asks every worker to stop and keeps what they
 * counted. A worker measures its own thread's CPU; the process's CPU over
 * the pool (V8's helper threads and this thread included) is spread over
 * the tasks in proportion, so perf.json's CPU is the process's, counted once.
 */
async function runSlicesInWorkers(
  tasks: SliceTask[],
  r: { homes: number; days: number; seed: string; count: number },
  o: SimRunOptions,
): Promise<Map<SliceTask, ArmCounts>> {
  const ts = import.meta.url.endsWith('.ts');
  const file = new URL(ts ? './slice-worker.ts' : './slice-worker.js', import.meta.url);
  const results = new Map<SliceTask, ArmCounts>();
  const queue = [...tasks];
  const live = new Set<Worker>();
  const stopAll = () => {
    for (const w of live) w.postMessage({ type: 'stop' });
  };
  o.signal?.addEventListener('abort', stopAll);
  const cpu0 = processCpuMs();
  const lane = async (): Promise<void> => {
    if (queue.length === 0 || o.signal?.aborted) return;
    // the sources run through tsx (tests, benchmarks): the worker registers tsx's loader, then loads
    // the slice worker; the command runs the compiled dist/ directly
    const w = ts
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(file.href)}); });`,
          { eval: true },
        )
      : new Worker(file);
    live.add(w);
    let current: { task: SliceTask; resolve: (c: ArmCounts) => void; reject: (e: Error) => void } | undefined;
    w.on('message', (m: SliceMessage) => {
      if (!current) return;
      if (m.type === 'progress')
        o.onProgress?.({ ...m.progress, arm: `${m.progress.arm} [slice ${current.task.index}]` });
      else if (m.type === 'done') current.resolve(m.counts);
      else current.reject(new Error(`slice ${current.task.index}: ${m.message}`));
    });
    w.on('error', (e) => current?.reject(e));
    w.on('exit', (code) =>
      current?.reject(new Error(`slice ${current.task.index}: worker exited (${code})`)),
    );
    try {
      for (;;) {
        const task = queue.shift();
        if (task === undefined || o.signal?.aborted) return;
        const counts = await new Promise<ArmCounts>((resolve, reject) => {
          current = { task, resolve, reject };
          const req: SliceRequest = {
            type: 'run',
            scenario: task.scenario,
            arm: task.arm,
            options: {
              homes: r.homes,
              days: r.days,
              seed: r.seed,
              slice: { index: task.index, count: r.count },
            },
            logSpec: process.env.PPMID_LOG ?? 'error',
          };
          w.postMessage(req);
        });
        current = undefined;
        results.set(task, counts);
      }
    } finally {
      current = undefined;
      live.delete(w);
      await w.terminate();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.workers ?? 1, tasks.length) }, lane));
  } finally {
    o.signal?.removeEventListener('abort', stopAll);
  }
  const threads = [...results.values()].reduce((a, c) => a + c.setupCpuMs + c.runCpuMs, 0);
  const scale = threads > 0 ? (processCpuMs() - cpu0) / threads : 1;
  for (const c of results.values()) {
    c.setupCpuMs *= scale;
    c.runCpuMs *= scale;
  }
  return results;
}

export function readReport(dir: string): SimReport {
  const f = join(dir, 'report.json');
  if (!existsSync(f)) throw new ConfigError(`${dir} holds no report.json`);
  const r = JSON.parse(readFileSync(f, 'utf8')) as SimReport;
  if (r.format !== 'ppmid-relay-sim/1') throw new ConfigError(`${f} is not a ppmid-relay sim report`);
  return r;
}

/** Merges shard reports of one run (same scenario, seed, homes, days, shard count) into one report. */
export async function mergeReports(dirs: string[], out: string): Promise<SimReport> {
  if (dirs.length === 0) throw new ConfigError('sim merge needs at least one report directory');
  const rs = dirs.map(readReport);
  const a = rs[0];
  const seen = new Set<number>();
  for (const [i, r] of rs.entries()) {
    for (const k of ['scenario', 'seed', 'homes', 'days', 'shardCount'] as const)
      if (r[k] !== a[k])
        throw new ConfigError(
          `${dirs[i]}: ${k} is ${JSON.stringify(r[k])}, ${dirs[0]} has ${JSON.stringify(a[k])}`,
        );
    const shards = r.shards === 'all' ? [...Array(r.shardCount).keys()] : r.shards;
    for (const sh of shards) {
      if (seen.has(sh)) throw new ConfigError(`${dirs[i]}: shard ${sh} is in two of the reports`);
      seen.add(sh);
    }
  }
  const scenario = a.points[0]?.scenario;
  if (!scenario) throw new ConfigError(`${dirs[0]}: the report has no results`);
  const points: PointResult[] = a.points.map((p, pi) => {
    const arms: Record<string, ArmCounts> = {};
    for (const arm of Object.keys(p.arms)) {
      let m = emptyCounts();
      for (const r of rs) m = mergeCounts(m, r.points[pi].arms[arm]);
      arms[arm] = m;
    }
    return { point: p.point, scenario: p.scenario, arms };
  });
  const all = seen.size === a.shardCount;
  const report = buildReport(scenarioOf(a, scenario), points, {
    seed: a.seed,
    homes: a.homes,
    days: a.days,
    shards: all ? 'all' : [...seen].sort((x, y) => x - y),
    shardCount: a.shardCount,
  });
  await writeReport(out, report);
  return report;
}

function scenarioOf(r: SimReport, pointScenario: Scenario): Scenario {
  // the sweep grid lives in the points: the top-level scenario is the first point's, with its name
  return { ...pointScenario, name: r.scenario, ...(r.points.length > 1 ? { sweep: sweepOf(r) } : {}) };
}

function sweepOf(r: SimReport): Scenario['sweep'] {
  const params = Object.keys(r.points[0].point);
  return params.map((param) => ({
    param,
    values: [...new Set(r.points.map((p) => p.point[param]))] as Array<number | string | boolean>,
  }));
}

/** Two reports side by side: the answer and each arm's figures, with the difference. */
export function compareReports(a: SimReport, b: SimReport, names = ['A', 'B']): string {
  const lines: string[] = [];
  lines.push(`${names[0]}: ${a.scenario} seed ${a.seed}, ${a.homes} homes, ${a.days} days`);
  lines.push(`${names[1]}: ${b.scenario} seed ${b.seed}, ${b.homes} homes, ${b.days} days`);
  lines.push('');
  lines.push(`answer ${names[0]}: ${a.answer.sentence}`);
  lines.push(`answer ${names[1]}: ${b.answer.sentence}`);
  lines.push(
    `value: ${a.answer.value} vs ${b.answer.value} ${a.answer.unit} (${signed(b.answer.value - a.answer.value)})`,
  );
  lines.push('');
  const key = (f: SimReport['figures'][number]) => `${JSON.stringify(f.point)} ${f.arm}`;
  const bf = new Map(b.figures.map((f) => [key(f), f]));
  for (const fa of a.figures) {
    const fb = bf.get(key(fa));
    lines.push(`${fa.arm}${Object.keys(fa.point).length ? ` at ${JSON.stringify(fa.point)}` : ''}:`);
    for (const [k, va] of Object.entries(fa.figures)) {
      const vb = fb?.figures[k];
      if (vb === undefined && va === 0) continue;
      if (va === 0 && vb === 0) continue;
      lines.push(
        `  ${k.padEnd(36)} ${num(va).padStart(12)} ${vb === undefined ? '-'.padStart(12) : num(vb).padStart(12)}${vb === undefined ? '' : `  ${signed(vb - va)}`}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}
function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${num(v)}`;
}
