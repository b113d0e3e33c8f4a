/**
 * `npm run bench [-- --json] [-- --only PREFIX] [-- --quick]`: prints each
 * benchmark's figure. Each area adds a `bench/<area>.bench.ts`.
 */
import { readdirSync } from 'node:fs';
import type { BenchModule, BenchResult } from './harness.ts';

/** Every `bench/*.bench.ts` exports `run()`; modules run in name order. */
const modules: Array<[string, () => Promise<BenchModule>]> = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.bench.ts'))
  .sort()
  .map((f) => [
    f.replace(/\.bench\.ts$/, ''),
    () => import(new URL(f, import.meta.url).href) as Promise<BenchModule>,
  ]);

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;

function print(r: BenchResult): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ name: r.name, opsPerSec: Math.round(r.opsPerSec), ...(r.cpuMsPerOp === undefined ? {} : { cpuMsPerOp: r.cpuMsPerOp }), ...r.extra })}\n`,
    );
  } else {
    const extra = r.extra
      ? `  ${Object.entries(r.extra)
          .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`)
          .join(' ')}`
      : '';
    const cpu = r.cpuMsPerOp === undefined ? '' : `  cpu=${Number(r.cpuMsPerOp.toPrecision(3))} ms/op`;
    process.stdout.write(
      `${r.name.padEnd(28)} ${Math.round(r.opsPerSec).toLocaleString('en-GB').padStart(14)} ops/s${cpu}${extra}\n`,
    );
  }
}

for (const [name, load] of modules) {
  if (only && !name.startsWith(only)) continue;
  const mod = await load();
  for (const r of await mod.run({ quick })) print(r);
}
if (modules.length === 0) process.stdout.write('no benchmarks registered yet\n');
