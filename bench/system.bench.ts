/**
 * The running system under a VirtualClock, in one process (src/system with
 * `transport: 'in-process'`: the same composition `ppmid-relay up` runs, with
 * the DUIS and internet ports wired in process; every GBCS, DUIS, envelope
 * and HAN byte is real):
 * - system.topupViaPpmid: end-to-end top-ups per wall-clock second through
 *   the whole chain: supplier -> DUIS (signed XML, CV 2) -> DSP (checks,
 *   transform, ACB MAC) -> envelope (ECDSA) -> in-process MQTT -> PPMID (PP-2)
 *   -> HAN (APS-secured ZCL tunnel) -> CH (CH-1) -> ESME (UTRN, MAC) ->
 *   response -> SM WAN -> DSP (DSP-6 match, signed DUIS response) ->
 *   supplier `responded`. Top-ups to different homes run concurrently; each
 *   home gets one every 6 virtual seconds at most (the CH-7 default: 10 a
 *   minute per PPMID).
 *   DUIS XSD validation is off here (measured in bench/dsp-service).
 * - system.estate: simulated home-hours per wall-clock second for an estate
 *   (100 homes; 20 with --quick) with the `busy` workload (top-ups and reads
 *   at random premises, routes chosen by the supplier, SU-1) and the default
 *   WAN mix (about 10 % intermittent, one home without WAN): TE-3 groundwork.
 * Setup (key issuing, provisioning every PPMID through SU-3) is not timed.
 */
import { VirtualClock } from '../src/runtime/clock.ts';
import { configureLogging } from '../src/runtime/logger.ts';
import type { CommandRecord } from '../src/supplier/model.ts';
import { type RunningSystem, startSystem } from '../src/system/system.ts';
import { pumpVirtual, pumpVirtualPromise } from '../test/e2e/harness.ts';
import type { BenchResult } from './harness.ts';

const pump = pumpVirtual;
const pumpPromise = pumpVirtualPromise;

async function virtualSystem(vc: VirtualClock, homes: number, wanMix?: string): Promise<RunningSystem> {
  const sys = await pumpPromise(
    vc,
    startSystem({
      clock: vc,
      transport: 'in-process',
      ephemeral: true,
      homes,
      ...(wanMix ? { wanMix } : {}),
      seed: 'bench',
      workload: 'none',
      xsdValidation: false,
      internetLatencyMs: 50,
    }),
  );
  const failures = await pumpPromise(vc, sys.provisioned);
  if (failures.length) throw new Error(`provisioning failed: ${JSON.stringify(failures.slice(0, 3))}`);
  return sys;
}

async function topups(quick: boolean): Promise<BenchResult> {
  const vc = new VirtualClock();
  const homes = quick ? 4 : 16;
  const sys = await virtualSystem(vc, homes, `reliable=${homes}`);
  try {
    const supplier = sys.supplier!;
    const estate = sys.estate!;
    const terminal = new Map<string, CommandRecord>();
    let latencySum = 0;
    supplier.subscribe((e) => {
      if (e.type === 'command' && ['responded', 'failed', 'expired'].includes(e.command.state)) {
        if (!terminal.has(e.command.id)) latencySum += vc.now() - e.command.createdAt;
        terminal.set(e.command.id, e.command);
      }
    });
    // CH-7 lets a PPMID relay 10 commands a minute (burst 5): a home gets at most one top-up per 6 s.
    const round = async () => {
      const roundStart = vc.now();
      const ids = await pumpPromise(
        vc,
        Promise.all(
          estate.homes.map((h) =>
            supplier.submit({
              premisesId: h.premisesId,
              order: { kind: 'top-up', value: 100, valueClass: 'pennies' },
              route: 'ppmid',
            }),
          ),
        ),
      );
      await pump(vc, () => ids.every((c) => terminal.has(c.id)) && vc.now() >= roundStart + 6_000);
      const bad = ids.map((c) => terminal.get(c.id)!).filter((c) => c.state !== 'responded');
      if (bad.length) throw new Error(`top-up ${bad[0].id} ${bad[0].state}: ${bad[0].reason}`);
      return ids.length;
    };
    await round(); // warm-up
    latencySum = 0;
    const budgetMs = quick ? 1_500 : 6_000;
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < budgetMs) n += await round();
    const wallMs = performance.now() - t0;
    return {
      name: 'system.topupViaPpmid',
      opsPerSec: (n / wallMs) * 1000,
      extra: {
        homes,
        topups: n,
        /** order to `responded`, virtual time (SM WAN latency model, HAN airtime, internet 50 ms a hop) */
        meanVirtualLatencyMs: Math.round(latencySum / n),
      },
    };
  } finally {
    await pumpPromise(vc, sys.stop());
  }
}

async function estateHours(quick: boolean): Promise<BenchResult> {
  const vc = new VirtualClock();
  const homes = quick ? 20 : 100;
  const hours = quick ? 0.5 : 2;
  const sys = await virtualSystem(vc, homes);
  try {
    const supplier = sys.supplier!;
    let submitted = 0;
    let responded = 0;
    supplier.subscribe((e) => {
      if (e.type === 'command' && e.hop.kind === 'created') submitted++;
      if (e.type === 'command' && e.hop.kind === 'responded') responded++;
    });
    const { Workload } = await import('../src/sim/workload.ts');
    const { InProcessSupplierPort } = await import('../src/system/ports.ts');
    const w = new Workload({
      clock: sys.clock,
      supplier: new InProcessSupplierPort(() => supplier),
      premises: sys.plan.homes.map((h) => h.premisesId),
      spec: 'busy',
      random: 'bench-workload',
    });
    w.start();
    const end = vc.now() + hours * 3_600_000;
    const t0 = performance.now();
    const events = await pump(vc, () => vc.now() >= end);
    const wallMs = performance.now() - t0;
    await pumpPromise(vc, w.stop());
    return {
      name: 'system.estate',
      opsPerSec: ((homes * hours) / wallMs) * 1000,
      extra: {
        unit: 'home-hours/s',
        homes,
        virtualHours: hours,
        wallSeconds: Math.round(wallMs / 100) / 10,
        clockEvents: events,
        ordersPlaced: submitted,
        responded,
      },
    };
  } finally {
    await pumpPromise(vc, sys.stop());
  }
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  if (!process.env.PPMID_LOG) configureLogging({ spec: 'error' });
  return [await topups(quick), await estateHours(quick)];
}
