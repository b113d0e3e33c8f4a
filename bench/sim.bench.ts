/**
 * The estate simulator's costs (issue 16 Performance), through the whole
 * chain (src/system in process under a VirtualClock: signed DUIS both ways,
 * ACB MAC, envelopes, APS-secured HAN, device checks, SQLite persistence):
 * - sim.setup: set-up CPU per home (keys, the estate, SU-3 provisioning of
 *   every PPMID through the supplier, DSP and WAN) and heap per home after it;
 * - sim.quiet: CPU per quiet home-day (no orders: GSME polls, WAN models);
 * - sim.busy: the `busy` mix scaled to 5 orders per home-day (1/3 top-ups,
 *   2/3 register reads, routes by SU-1): orders and simulated home-days per
 *   wall second, CPU ms per order.
 * 1,000 homes (100 with --quick; SIM_BENCH_HOMES=N to choose). One process,
 * one core: slices run as processes (`sim run --shard i/N`). It runs the
 * compiled dist/ modules, as `sim run` does (bench/sim-modules.ts).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BenchResult } from './harness.ts';
import { loadSimModules, provisionedEstate } from './sim-modules.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const DAY = 86_400_000;

function cpuMs(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const sim = await loadSimModules();
  const { VirtualClock, configureLogging, pumpPromise, pumpUntil, Workload, InProcessSupplierPort } = sim;
  if (!process.env.PPMID_LOG) configureLogging({ spec: 'error' });
  const homes = Number(process.env.SIM_BENCH_HOMES ?? (quick ? 100 : 1000));
  const vc = new VirtualClock();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const sys = await provisionedEstate(sim, vc, homes);
  const setupCpu = cpuMs(c0);
  const setupWall = performance.now() - t0;
  gc();
  const heapPerHome = (process.memoryUsage().heapUsed - heap0) / homes;
  const out: BenchResult[] = [
    {
      name: 'sim.setup',
      opsPerSec: (homes / setupWall) * 1000,
      extra: { unit: 'homes/s', homes, cpuMsPerHome: setupCpu / homes, heapKBPerHome: heapPerHome / 1024 },
    },
  ];
  try {
    // quiet: no orders for a simulated day
    const quietDays = quick ? 0.25 : 1;
    let c = process.cpuUsage();
    let t = performance.now();
    let end = vc.now() + quietDays * DAY;
    let r = await pumpUntil(vc, () => vc.now() >= end);
    out.push({
      name: 'sim.quiet',
      opsPerSec: ((homes * quietDays) / (performance.now() - t)) * 1000,
      extra: {
        unit: 'home-days/s',
        homes,
        cpuMsPerHomeDay: cpuMs(c) / (homes * quietDays),
        eventsPerHomeDay: r.events / (homes * quietDays),
      },
    });
    // busy: 5 orders per home-day
    let orders = 0;
    sys.supplier!.subscribe((e) => {
      if (e.type === 'command' && e.hop.kind === 'created') orders++;
    });
    const w = new Workload({
      clock: sys.clock,
      supplier: new InProcessSupplierPort(() => sys.supplier!),
      premises: sys.plan.homes.map((h) => h.premisesId),
      spec: { topUpsPerHomeHour: 5 / 3 / 24, readsPerHomeHour: 10 / 3 / 24, topUpPennies: [100, 3000] },
      random: 'bench-sim-workload',
    });
    w.start();
    const busyDays = quick ? 0.1 : 0.25;
    c = process.cpuUsage();
    t = performance.now();
    end = vc.now() + busyDays * DAY;
    r = await pumpUntil(vc, () => vc.now() >= end);
    const wall = performance.now() - t;
    const cpu = cpuMs(c);
    await pumpPromise(vc, w.stop());
    gc();
    out.push({
      name: 'sim.busy',
      opsPerSec: (orders / wall) * 1000,
      extra: {
        unit: 'orders/s',
        homes,
        orders,
        cpuMsPerOrder: cpu / orders,
        homeDaysPerSec: ((homes * busyDays) / wall) * 1000,
        heapKBPerHomeAfter: (process.memoryUsage().heapUsed - heap0) / homes / 1024,
      },
    });
  } finally {
    await pumpPromise(vc, sys.stop());
  }
  return out;
}
