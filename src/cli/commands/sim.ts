/**
 * `ppmid-relay sim`: the estate simulator (TE-3). `sim run` runs a scenario
 * in virtual time through the same code as `ppmid-relay up` and writes a
 * report (report.html, report.json, CSVs); `sim scenarios` lists the
 * built-in ones; `sim merge` combines shard reports; `sim compare` shows two
 * reports side by side. See docs/sim.md.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../runtime/errors.ts';
import { configureLogging } from '../../runtime/logger.ts';
import { recordLastReport } from '../../sim/last-report.ts';
import { perfOf } from '../../sim/report.ts';
import { BUILT_IN_SCENARIOS, loadScenario } from '../../sim/scenario.ts';
import { compareReports, mergeReports, readReport, runScenario } from '../../sim/simulate.ts';
import { commandGroup } from '../main.ts';

function int(name: string, min = 0) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new ConfigError(
        `${name} must be a whole number${min > 0 ? ` of at least ${min}` : ''}, got ${JSON.stringify(v)}`,
      );
    return n;
  };
}

function parseShard(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2]))
    throw new Error(`--shard must be i/N with 0 <= i < N, got ${v}`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

function hms(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function register(program: Command): void {
  const sim = commandGroup(program, 'sim');

  sim
    .command('scenarios')
    .description('list the built-in scenarios and the question each answers')
    .action(() => {
      for (const s of Object.values(BUILT_IN_SCENARIOS))
        process.stdout.write(
          `${s.name.padEnd(10)} ${s.question}\n${''.padEnd(10)} arms: ${s.arms.map((a) => a.name).join(', ')}; default ${s.homes} homes, ${s.days} days\n`,
        );
    });

  sim
    .command('run')
    .description('run a scenario and write DIR/report.html, report.json, CSVs')
    .requiredOption('--scenario <name|file>', 'a built-in scenario (sim scenarios) or a JSON/YAML file')
    .option('--homes <n>', 'homes in the estate (default: the scenario’s)', int('--homes', 1))
    .option('--days <n>', 'simulated days (default: the scenario’s)', (v: string) => {
      const n = Number(v);
      if (!(n > 0) || !Number.isFinite(n))
        throw new ConfigError(`--days must be a number of days above 0, got ${JSON.stringify(v)}`);
      return n;
    })
    .option('--seed <seed>', 'seed (the same seed gives the same report.json)', 'ppmid-relay-sim')
    .option('--out <dir>', 'report directory', 'sim-report')
    .option(
      '--shard <i/N>',
      'run only slice i of N, i from 0 to N-1 (its own derived seed); combine with sim merge',
      parseShard,
    )
    .option(
      '--shards <N>',
      'cut the estate into N slices, all run here (what N --shard runs merge to)',
      int('--shards', 1),
    )
    .option(
      '--workers <N>',
      'worker threads running slices at once (with --shards N: both cores)',
      int('--workers', 1),
    )
    .option('--force', 'skip the memory-budget check')
    .option('--quiet', 'no progress bar')
    .action(
      async (f: {
        scenario: string;
        homes?: number;
        days?: number;
        seed: string;
        out: string;
        shard?: { index: number; count: number };
        shards?: number;
        workers?: number;
        force?: boolean;
        quiet?: boolean;
      }) => {
        if (!process.env.PPMID_LOG) configureLogging({ spec: 'error' });
        if (f.shard && f.shards) throw new Error('give --shard i/N or --shards N, not both');
        const scenario = loadScenario(f.scenario);
        const ac = new AbortController();
        const onSigint = () => {
          if (ac.signal.aborted) process.exit(130);
          process.stderr.write('\nstopping: writing what the run has (Ctrl-C again to quit at once)\n');
          ac.abort();
        };
        process.on('SIGINT', onSigint);
        const tty = process.stderr.isTTY && !f.quiet;
        try {
          const r = await runScenario(scenario, {
            homes: f.homes,
            days: f.days,
            seed: f.seed,
            out: f.out,
            force: f.force,
            workers: f.workers,
            signal: ac.signal,
            shardCount: f.shard?.count ?? f.shards ?? 1,
            ...(f.shard ? { shards: [f.shard.index] } : {}),
            onProgress: f.quiet
              ? undefined
              : (p) => {
                  const frac = p.totalMs ? Math.min(1, p.simulatedMs / p.totalMs) : 0;
                  const bar = p.totalMs ? `[${'#'.repeat(Math.round(frac * 20)).padEnd(20)}] ` : '';
                  const line = `${p.arm}: ${bar}${(p.simulatedMs / 3_600_000).toFixed(1)} h simulated, ${p.homes} homes, ${Math.round(p.eventsPerSec)} events/s${p.etaMs !== undefined ? `, ETA ${hms(p.etaMs)}` : ''}`;
                  process.stderr.write(tty ? `\r${line.padEnd(100)}` : `${line}\n`);
                },
          });
          if (tty) process.stderr.write('\n');
          // the running system's start page links the last report
          recordLastReport({
            dir: f.out,
            scenario: r.scenario,
            answer: r.answer.sentence,
            partial: r.partial,
          });
          const perf = perfOf(r);
          process.stdout.write(
            `${r.answer.sentence}\n${r.partial ? 'STOPPED EARLY: partial figures. ' : ''}report: ${f.out}/report.html (${perf.homeDaysPerWallSecond.toFixed(2)} home-days/s, ${perf.runCpuMsPerOrder.toFixed(1)} CPU ms per order)\n`,
          );
          if (r.partial) process.exitCode = 130;
        } finally {
          process.off('SIGINT', onSigint);
        }
      },
    );

  sim
    .command('merge')
    .description('merge the reports of shards (--shard i/N) of one run into one report')
    .argument('<dirs...>', 'shard report directories')
    .requiredOption('--out <dir>', 'merged report directory')
    .action(async (dirs: string[], f: { out: string }) => {
      const r = await mergeReports(dirs, f.out);
      recordLastReport({ dir: f.out, scenario: r.scenario, answer: r.answer.sentence, partial: r.partial });
      process.stdout.write(`${r.answer.sentence}\nreport: ${f.out}/report.html\n`);
      if (r.shards !== 'all') {
        // a partial merge is allowed (merging in stages), but never silently mistaken for the whole estate
        const have = r.shards;
        const missing = [...Array(r.shardCount).keys()].filter((i) => !have.includes(i));
        process.stderr.write(
          `note: only shard(s) ${have.join(', ')} of ${r.shardCount}: missing ${missing.join(', ')}; ` +
            'the figures cover those slices of the estate, not all of it\n',
        );
      }
    });

  sim
    .command('compare')
    .description('show two reports side by side')
    .argument('<a>', 'report directory A')
    .argument('<b>', 'report directory B')
    .action((a: string, b: string) => {
      process.stdout.write(compareReports(readReport(a), readReport(b), [a, b]));
    });
}
