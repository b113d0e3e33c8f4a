/**
 * `ppmid-relay chm ...`: the CSP's Communications Hub Manager (SECMP0038
 * CSP-2, CSP-3, CSP-4) on the command line.
 *
 *   chm serve [--port 8081] [--host 127.0.0.1] [--data-dir DIR] [--keystore DIR] [--demo N]
 *     Starts the CHM HTTP server (Alerts Dashboard, JSON API, SSE, OpenAPI)
 *     on the store (DATABASE_URL, else SQLite under --data-dir / PPMID_DATA_DIR / ./data).
 *     Without --demo no SM WAN is attached: alerts, reports and DSP-4 imports
 *     work; Block / Unblock answer 503 CHM_NO_WAN. --demo N runs N simulated
 *     homes (real CHFs and PPMIDs behind the SM WAN model, on the system
 *     clock, one of them on an intermittent WAN) so the dashboard has live CHs.
 *   chm import-dsp-log FILE... [--data-dir DIR]
 *     Loads DSP-4 local-delivery log files (the DSP's CSV). Exit 1 if any failed.
 *   chm report billing|performance|alerts-per-day|standalone [--csv] [--from T] [--to T]
 *                [--period day|month] [--data-dir DIR]
 *     Prints a report as a table (default) or CSV.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { migrate } from '../../adapters/store/migrate.ts';
import { openStore, type Store, storeOptionsFromEnv } from '../../adapters/store/open.ts';
import { Chm, DEFAULT_WAN_PROVIDER_EUI } from '../../dcc/chm/chm.ts';
import { ChmError } from '../../dcc/chm/errors.ts';
import { connectPpmid, createChmEstate } from '../../dcc/chm/estate.ts';
import { CHM_DEFAULT_PORT, CHM_PUBLIC_PATHS, parseTime, startChmServer } from '../../dcc/chm/http.ts';
import {
  alertsPerDayCsv,
  type BillingPeriod,
  billingCsv,
  billingReport,
  chsCsv,
  performanceCsv,
  performanceExclusions,
} from '../../dcc/chm/reports.ts';
import { fixturesDir } from '../../devices/home/profiles.ts';
import { MemoryKeyStore } from '../../gbcs/keystore.ts';
import { loadKeyStoreDir } from '../../gbcs/keystore-dir.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { errorText } from '../errors.ts';
import { commandGroup } from '../main.ts';
import { standAloneGuard } from '../operators.ts';
import { requireExistingStore } from '../report-store.ts';
import {
  addSplitOptions,
  refuseSplitOnly,
  refuseStandAlone,
  runSplitParty,
  type SplitFlags,
} from '../split-party.ts';

async function openChmStore(dataDir: string | undefined): Promise<Store> {
  const env = storeOptionsFromEnv();
  const store = await openStore({ ...env, dataDir: dataDir ?? env.dataDir });
  await migrate(store);
  return store;
}

function port(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`--port ${s}: not a TCP port`);
  return n;
}

function table(header: string[], rows: unknown[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return `${cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

export function register(program: Command): void {
  const chm = commandGroup(program, 'chm');

  const serve = chm
    .command('serve')
    .description(
      'start the CHM HTTP server (dashboard, JSON API, SSE, OpenAPI). Stand-alone: --keystore or --demo N (without an SM WAN Block/Unblock answer 503). Split deployment: --split --wan-url (the CHM process of "up --parties chm")',
    )
    .option('--port <port>', 'TCP port', String(CHM_DEFAULT_PORT))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--data-dir <dir>',
      'directory of the SQLite store (unless DATABASE_URL is set); --split: also keys, PKI',
    )
    .option(
      '--keystore <dir>',
      '[stand-alone] GBCS key store (RTDS layout) with the WAN provider and CH certificates',
    )
    .option('--demo <homes>', '[stand-alone] run N simulated homes behind the SM WAN model');
  addSplitOptions(serve, 'chm').action(
    async (
      o: SplitFlags & { port: string; host: string; dataDir?: string; keystore?: string; demo?: string },
    ) => {
      if (o.split) {
        refuseStandAlone(o, ['keystore', 'demo']);
        await runSplitParty('chm', o);
        return;
      }
      refuseSplitOnly(o);
      const store = await openChmStore(o.dataDir);
      const clock = new SystemClock();
      let c: Chm;
      let stopDemo = () => {};
      if (o.demo !== undefined) {
        const homes = Number(o.demo);
        if (!Number.isInteger(homes) || homes < 1 || homes > 200)
          throw new ConfigError(`--demo ${o.demo}: number of homes 1..200`);
        const estate = await createChmEstate({
          clock,
          store,
          homes,
          seed: 'chm-demo',
          // home 1 has an intermittent WAN (minutes, so it shows in a demo)
          availability: (i) =>
            i === 1 ? { kind: 'intermittent', meanUpMs: 120_000, meanDownMs: 30_000 } : { kind: 'always' },
        });
        c = estate.chm;
        const timers = estate.homes.map((h, i) => setTimeout(() => connectPpmid(h), 500 + i * 700));
        stopDemo = () => {
          for (const t of timers) clearTimeout(t);
        };
        process.stdout.write(
          `demo estate: ${homes} homes (${estate.homes.map((h) => h.chf).join(', ')}), WAN provider ${estate.profile.wanProvider}\n`,
        );
      } else {
        const dir = o.keystore ?? join(fixturesDir(), 'rtds', 'keystore');
        const keyStore = existsSync(dir) ? loadKeyStoreDir(dir) : new MemoryKeyStore();
        if (!existsSync(dir)) process.stderr.write(`no key store at ${dir}: alerts cannot be verified\n`);
        c = new Chm({ clock, store, keyStore, wanProvider: DEFAULT_WAN_PROVIDER_EUI });
        process.stdout.write(
          'no SM WAN attached: Block / Unblock answer 503 (use --demo N for a simulated estate)\n',
        );
      }
      const ops = standAloneGuard({ dataDir: o.dataDir, host: o.host, publicPaths: CHM_PUBLIC_PATHS });
      const server = await startChmServer({ chm: c, host: o.host, port: port(o.port), guard: ops.guard });
      process.stdout.write(ops.describe());
      process.stdout.write(`CHM Alerts Dashboard on ${server.url}/ (store ${store.location})\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      stopDemo();
      await server.close();
      await c.whenIdle();
      await store.close();
    },
  );

  chm
    .command('import-dsp-log')
    .description('load DSP-4 local-delivery log files (CSV) into the CHM store')
    .argument('<files...>', 'DSP-4 CSV files')
    .option('--data-dir <dir>', 'directory of the SQLite store (unless DATABASE_URL is set)')
    .action(async (files: string[], o: { dataDir?: string }) => {
      const store = await openChmStore(o.dataDir);
      try {
        const c = new Chm({ clock: new SystemClock(), store, keyStore: new MemoryKeyStore() });
        for (const f of files) {
          try {
            const r = await c.importDspLog(basename(f), readFileSync(f, 'utf8'));
            process.stdout.write(
              r.alreadyImported
                ? `${f}: already loaded (import ${r.id})\n`
                : `${f}: ${r.rows} rows, ${r.added} added, ${r.duplicates} duplicates\n`,
            );
          } catch (e) {
            if (!(e instanceof ChmError) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
            process.stderr.write(`${f}: ${errorText(e)}\n`);
            process.exitCode = 1;
          }
        }
      } finally {
        await store.close();
      }
    });

  chm
    .command('report')
    .description('print a CHM report: billing | performance | alerts-per-day | standalone')
    .argument('<kind>', 'billing | performance | alerts-per-day | standalone')
    .option('--csv', 'CSV instead of a table')
    .option('--from <time>', 'period start: YYYY-MM-DD, ISO 8601 or epoch ms')
    .option('--to <time>', 'period end (exclusive)')
    .option('--period <p>', 'billing period: day | month', 'month')
    .option('--data-dir <dir>', 'directory of the SQLite store (unless DATABASE_URL is set)')
    .action(
      async (
        kind: string,
        o: { csv?: boolean; from?: string; to?: string; period: string; dataDir?: string },
      ) => {
        if (!['billing', 'performance', 'alerts-per-day', 'standalone'].includes(kind))
          throw new ConfigError(
            `unknown report ${JSON.stringify(kind)} (billing | performance | alerts-per-day | standalone)`,
          );
        if (o.period !== 'day' && o.period !== 'month') throw new ConfigError('--period is day or month');
        let from: number | undefined;
        let to: number | undefined;
        try {
          from = parseTime(o.from, '--from');
          to = parseTime(o.to, '--to');
        } catch (e) {
          throw new ConfigError((e as Error).message);
        }
        requireExistingStore(o.dataDir);
        const store = await openChmStore(o.dataDir);
        try {
          const c = new Chm({ clock: new SystemClock(), store, keyStore: new MemoryKeyStore() });
          let out: string;
          if (kind === 'billing') {
            const rows = await billingReport(c.repo, { from, to, period: o.period as BillingPeriod });
            out = o.csv
              ? billingCsv(rows)
              : table(
                  ['period', 'user', 'csp', 'local deliveries', 'cv2', 'cv3', 'cv6', 'cv7', 'chs'],
                  rows.map((r) => [
                    r.period,
                    r.user,
                    r.csp,
                    r.localDeliveries,
                    r.cv2,
                    r.cv3,
                    r.cv6,
                    r.cv7,
                    r.chs,
                  ]),
                );
          } else if (kind === 'performance') {
            const rows = await performanceExclusions(c.repo, { from, to });
            out = o.csv
              ? performanceCsv(rows)
              : table(
                  ['kind', 'chf', 'request id', 'user', 'srv', 'from', 'to'],
                  rows.map((r) => [r.kind, r.chf, r.requestId, r.user, r.srv, iso(r.from), iso(r.to)]),
                );
          } else if (kind === 'alerts-per-day') {
            const rows = await c.repo.alertsPerDay({ from, to });
            out = o.csv
              ? alertsPerDayCsv(rows)
              : table(
                  ['day', 'chf', 'alert type', 'count'],
                  rows.map((r) => [r.day, r.chf, r.alertType, r.count]),
                );
          } else {
            const rows = await c.standaloneChs();
            out = o.csv
              ? chsCsv(rows)
              : table(
                  ['chf', 'mode', 'standalone since', 'cleared', 'cleared by'],
                  rows.map((r) => [r.chf, r.mode, iso(r.standaloneSince), r.cleared, r.clearedBy]),
                );
          }
          process.stdout.write(out);
        } finally {
          await store.close();
        }
      },
    );
}
