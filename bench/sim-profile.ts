/**
 * CPU profiles of the estate simulator's phases, one file each (not a
 * benchmark: `bench/run.ts` runs `*.bench.ts` only):
 *   node --import tsx bench/sim-profile.ts OUT_DIR [HOMES]
 * writes OUT_DIR/setup.cpuprofile, quiet.cpuprofile (a quarter day without
 * orders) and busy.cpuprofile (the sim bench's 5 orders per home-day), with
 * the CPU figures of bench/sim.bench.ts. Open them in Chrome DevTools. Runs
 * the compiled dist/ modules, as the bench does (bench/sim-modules.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { loadSimModules, provisionedEstate } from './sim-modules.ts';

const sim = await loadSimModules();
const { VirtualClock, configureLogging, pumpPromise, pumpUntil, Workload, InProcessSupplierPort } = sim;
const [out = 'out/sim-profile', homesArg = '100'] = process.argv.slice(2);
const homes = Number(homesArg);
mkdirSync(out, { recursive: true });
configureLogging({ spec: 'error' });
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });

async function phase<T>(name: string, ops: () => number, body: () => Promise<T>): Promise<T> {
  const c0 = process.cpuUsage();
  await session.post('Profiler.start');
  const r = await body();
  const { profile } = await session.post('Profiler.stop');
  const c = process.cpuUsage(c0);
  writeFileSync(join(out, `${name}.cpuprofile`), JSON.stringify(profile));
  const n = ops();
  process.stdout.write(`${name}: ${((c.user + c.system) / 1000 / n).toFixed(3)} CPU ms per op (${n} ops)\n`);
  return r;
}

const DAY = 86_400_000;
const vc = new VirtualClock();
const sys = await phase(
  'setup',
  () => homes,
  async () => {
    return provisionedEstate(sim, vc, homes);
  },
);
await phase(
  'quiet',
  () => homes / 4,
  async () => {
    const end = vc.now() + DAY / 4;
    await pumpUntil(vc, () => vc.now() >= end);
  },
);
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
await phase(
  'busy',
  () => orders,
  async () => {
    const end = vc.now() + DAY / 4;
    await pumpUntil(vc, () => vc.now() >= end);
  },
);
await pumpPromise(vc, w.stop());
await pumpPromise(vc, sys.stop());
session.disconnect();
