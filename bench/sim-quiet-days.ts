/**
 * CPU and clock events per quiet home-day, day by day (not a benchmark:
 * `bench/run.ts` runs `*.bench.ts` only):
 *   node --import tsx bench/sim-quiet-days.ts [HOMES] [DAYS]
 * builds the sim bench's estate on dist/ (bench/sim-modules.ts), lets it
 * settle for a quarter day, then runs DAYS quiet days (no orders) and prints
 * each day's CPU ms and clock events per home-day, and the heap after it.
 * With `TIMERS=1` it also prints, per day, which clock events ran (labels
 * with EUIs and numbers folded) and their CPU (measuring each event adds
 * its own cost to the total). With `PROFILE=FILE` the last day's CPU
 * profile is written to FILE (open it in Chrome DevTools).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadSimModules, provisionedEstate } from './sim-modules.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sim = await loadSimModules();
const { VirtualClock, configureLogging, pumpUntil } = sim;
configureLogging({ spec: 'error' });
const [homesArg = '20', daysArg = '2'] = process.argv.slice(2);
const homes = Number(homesArg);
const days = Number(daysArg);
const DAY = 86_400_000;
const vc = new VirtualClock();
await provisionedEstate(sim, vc, homes);
let end = vc.now() + DAY / 4;
await pumpUntil(vc, () => vc.now() >= end);

const counts = new Map<string, { n: number; us: number }>();
if (process.env.TIMERS) {
  type Ev = { label?: string };
  const clock = vc as unknown as { heap: { peek(): Ev | undefined }; dropCancelled(): void; step(): boolean };
  const step = clock.step.bind(vc);
  clock.step = () => {
    clock.dropCancelled();
    const label = (clock.heap.peek()?.label ?? '(none)').replace(/[0-9A-F]{16}/g, 'EUI').replace(/\d+/g, 'N');
    const t0 = process.cpuUsage();
    const r = step();
    const c = process.cpuUsage(t0);
    const e = counts.get(label) ?? { n: 0, us: 0 };
    e.n++;
    e.us += c.user + c.system;
    counts.set(label, e);
    return r;
  };
}
for (let d = 1; d <= days; d++) {
  gc();
  counts.clear();
  const session = process.env.PROFILE && d === days ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  const c0 = process.cpuUsage();
  end = vc.now() + DAY;
  const r = await pumpUntil(vc, () => vc.now() >= end);
  const c = process.cpuUsage(c0);
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(process.env.PROFILE!, JSON.stringify(profile));
    session.disconnect();
  }
  gc();
  process.stdout.write(
    `day ${d}: ${((c.user + c.system) / 1000 / homes).toFixed(3)} CPU ms and ${(r.events / homes).toFixed(1)} clock events per quiet home-day, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MB (${homes} homes)\n`,
  );
  for (const [k, v] of [...counts].sort((a, b) => b[1].us - a[1].us))
    process.stdout.write(
      `  ${(v.n / homes).toFixed(2).padStart(7)} per home-day, ${(v.us / 1000 / homes).toFixed(3).padStart(7)} ms  ${k}\n`,
    );
}
process.exit(0);
