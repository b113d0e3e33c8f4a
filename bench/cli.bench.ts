/**
 * The command line as a user meets it: `ppmid-relay --help` and `gbcs decode
 * --keystore <RTDS keystore> <one RTDS message>`, each a whole process
 * (`node bin/ppmid-relay.js ...`, the compiled dist/), run several times;
 * the median wall time and the median CPU time of the process (user +
 * system, from its start: Node's bootstrap, module loading, the key store,
 * the decode). `node -e 0` is measured alike, as the floor no Node command
 * goes below, and each command's ratio to it is reported. Goal (issue 14):
 * under 500 ms wall each on the 2-core CI machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, isStale } from '../scripts/build.mjs';
import { RTDS_KEYSTORE, RTDS_MESSAGES } from '../test/support/fixtures.ts';
import type { BenchResult } from './harness.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/ppmid-relay.js');
const REPORT = join(ROOT, 'bench/cpu-report.mjs');
const MESSAGE = join(RTDS_MESSAGES, '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs `node ...args` `runs` times (after one unmeasured run); median wall and CPU ms. */
function measureProcess(args: string[], runs: number): { wallMs: number; cpuMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'ppmid-bench-cli-'));
  const cpuFile = join(dir, 'cpu.json');
  const once = () => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', REPORT, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PPMID_BENCH_CPU_FILE: cpuFile },
    });
    const wallMs = performance.now() - t0;
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return { wallMs, cpuMs: (JSON.parse(readFileSync(cpuFile, 'utf8')) as { cpuMs: number }).cpuMs };
  };
  try {
    once(); // the file system cache warm, as for a user's second command
    const samples = Array.from({ length: runs }, once);
    return { wallMs: median(samples.map((s) => s.wallMs)), cpuMs: median(samples.map((s) => s.cpuMs)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function run({ quick }: { quick: boolean }): BenchResult[] {
  if (isStale()) build({ quiet: true }); // not in the measured runs
  const runs = quick ? 5 : 11;
  const floor = measureProcess(['-e', '0'], runs);
  const cases: Array<[string, string[]]> = [
    ['cli.help', [BIN, '--help']],
    ['cli.gbcsDecode', [BIN, 'gbcs', 'decode', '--keystore', RTDS_KEYSTORE, MESSAGE]],
  ];
  const out: BenchResult[] = [
    {
      name: 'cli.nodeFloor',
      opsPerSec: 1000 / floor.wallMs,
      extra: { wallMs: floor.wallMs, cpuMs: floor.cpuMs, runs },
    },
  ];
  for (const [name, args] of cases) {
    const m = measureProcess(args, runs);
    out.push({
      name,
      opsPerSec: 1000 / m.wallMs,
      extra: {
        wallMs: m.wallMs,
        cpuMs: m.cpuMs,
        wallVsNodeFloor: m.wallMs / floor.wallMs,
        cpuVsNodeFloor: m.cpuMs / floor.cpuMs,
        goalWallMs: 500,
        runs,
      },
    });
  }
  return out;
}
