/**
 * A tiny benchmark harness: each case runs a warm-up, then timed batches until
 * a time budget is spent, and reports operations per second. Figures are
 * printed, never asserted (performance is measured, not tested).
 */
export interface BenchResult {
  name: string;
  opsPerSec: number;
  /** CPU time (user + system, this process) per operation over the timed batches, ms: load on the machine does not inflate it as it does wall time. */
  cpuMsPerOp?: number;
  /** Extra figures worth printing (ratios, latencies...). */
  extra?: Record<string, number | string>;
}

export interface BenchCase {
  name: string;
  /** Runs one batch of operations and returns how many it did. */
  batch: () => number;
  warmupMs?: number;
  budgetMs?: number;
}

export function measure(c: BenchCase): BenchResult {
  const warm = c.warmupMs ?? 300;
  const budget = c.budgetMs ?? 1500;
  let t0 = performance.now();
  while (performance.now() - t0 < warm) c.batch();
  let ops = 0;
  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < budget) {
    ops += c.batch();
    elapsed = performance.now() - t0;
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    name: c.name,
    opsPerSec: (ops / elapsed) * 1000,
    cpuMsPerOp: (cpu.user + cpu.system) / 1000 / ops,
  };
}

/** A bench module exports `run()` returning its results; `bench/run.ts` lists the modules. */
export type BenchModule = { run: (opts: { quick: boolean }) => Promise<BenchResult[]> | BenchResult[] };

/**
 * Several cases measured in alternating rounds (warm-up first, then `rounds`
 * rounds of `budgetMs` each, the order reversed every other round), so that
 * a ratio between them is not skewed by load changing between one case's
 * window and the next's. Each result sums its case's rounds.
 */
export function measureInterleaved(cases: BenchCase[], rounds: number): BenchResult[] {
  const acc = cases.map(() => ({ ops: 0, ms: 0, cpuUs: 0 }));
  for (const c of cases) {
    const t0 = performance.now();
    while (performance.now() - t0 < (c.warmupMs ?? 300)) c.batch();
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? cases.map((_, i) => i) : cases.map((_, i) => cases.length - 1 - i);
    for (const i of order) {
      const c = cases[i];
      const budget = c.budgetMs ?? 300;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      let ops = 0;
      let elapsed = 0;
      while (elapsed < budget) {
        ops += c.batch();
        elapsed = performance.now() - t0;
      }
      const cpu = process.cpuUsage(cpu0);
      acc[i].ops += ops;
      acc[i].ms += elapsed;
      acc[i].cpuUs += cpu.user + cpu.system;
    }
  }
  return cases.map((c, i) => ({
    name: c.name,
    opsPerSec: (acc[i].ops / acc[i].ms) * 1000,
    cpuMsPerOp: acc[i].cpuUs / 1000 / acc[i].ops,
  }));
}
