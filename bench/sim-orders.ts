/**
 * CPU per order in an order-heavy estate (not a benchmark: `bench/run.ts`
 * runs `*.bench.ts` only):
 *   node --import tsx bench/sim-orders.ts [HOMES] [ORDERS_PER_HOME_HOUR] [HOURS] [WARM_HOURS]
 * builds the sim bench's estate on dist/ (bench/sim-modules.ts; default 10
 * homes), lets it settle for a quarter day, runs the workload (half top-ups,
 * half register reads; default 2 orders per home-hour) for WARM_HOURS
 * (default 4), then measures HOURS (default 8) and prints the CPU ms per
 * order created in them (the quiet share of those hours included: about 0.3
 * ms per order at the defaults). With `PROFILE=FILE` the measured hours' CPU
 * profile (100 us sampling) is written to FILE.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadSimModules, provisionedEstate } from './sim-modules.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sim = await loadSimModules();
const { VirtualClock, configureLogging, pumpPromise, pumpUntil, Workload, InProcessSupplierPort } = sim;
configureLogging({ spec: 'error' });
const [homesArg = '10', rateArg = '2', hoursArg = '8', warmArg = '4'] = process.argv.slice(2);
const homes = Number(homesArg);
const rate = Number(rateArg);
const HOUR = 3_600_000;
const vc = new VirtualClock();
const sys = await provisionedEstate(sim, vc, homes);
let end = vc.now() + 6 * HOUR;
await pumpUntil(vc, () => vc.now() >= end);
let orders = 0;
sys.supplier!.subscribe((e) => {
  if (e.type === 'command' && e.hop.kind === 'created') orders++;
});
const w = new Workload({
  clock: sys.clock,
  supplier: new InProcessSupplierPort(() => sys.supplier!),
  premises: sys.plan.homes.map((h) => h.premisesId),
  spec: { topUpsPerHomeHour: rate / 2, readsPerHomeHour: rate / 2, topUpPennies: [100, 3000] },
  random: 'bench-sim-orders',
});
w.start();
end = vc.now() + Number(warmArg) * HOUR;
await pumpUntil(vc, () => vc.now() >= end);
gc();
orders = 0;
const session = process.env.PROFILE ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}
const c0 = process.cpuUsage();
end = vc.now() + Number(hoursArg) * HOUR;
await pumpUntil(vc, () => vc.now() >= end);
const c = process.cpuUsage(c0);
if (session) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(process.env.PROFILE!, JSON.stringify(profile));
  session.disconnect();
}
process.stdout.write(
  `${((c.user + c.system) / 1000 / orders).toFixed(3)} CPU ms per order (${orders} orders, ${homes} homes, ${rate} per home-hour)\n`,
);
await pumpPromise(vc, w.stop());
process.exit(0);
