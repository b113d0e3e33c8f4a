/**
 * `ppmid-relay dsp ...`: the DSP service's sub-commands (SECMP0038 DSP-1..DSP-6),
 * beside `dsp transform` / `dsp srs` (dsp.ts). Both files find-or-create the
 * `dsp` group, so the load order does not matter.
 *
 *   dsp serve --config FILE [--host 127.0.0.1] [--port 8079] [--no-xsd] [--tls]
 *             [--export-dir DIR] [--export-period-hours 24]
 *     Operators of <PPMID_DATA_DIR>/credentials guard the reports (Host
 *     checked, printed on the first start); --tls serves https with client
 *     certificates (the DCC User Interface, issue 13).
 *     The DUIS HTTP service (POST /api/v1/serviceS|serviceT|serviceD) and the
 *     report endpoints, on the store (DATABASE_URL, else SQLite under
 *     PPMID_DATA_DIR / ./data). No SM WAN is attached in this process: CV 1,
 *     3, 5, 7 are refused with E20 (unable to communicate with the device);
 *     local delivery (CV 2, 6), Pre-Commands (CV 4) and 8.13 work. The
 *     end-to-end wiring with the SM WAN model is the simulator's.
 *   dsp local-delivery-export [--date YYYYMMDD | --from T --to T] [--csp NAME] [--out DIR]
 *     DSP-4 files: with --out, one file per CSP (<DIR>/<csp>/local-delivery-<date>.csv);
 *     without, the CSV of one CSP (or all) on stdout.
 *   dsp charges [--date D | --from T --to T] [--user EUI] [--csv]
 *   dsp performance [--date D | --from T --to T] [--target-ms N] [--csv]
 *     DSP-5 reports (JSON by default).
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { TestPki } from '../../adapters/pki/index.ts';
import { migrate, openStore, type Store, storeOptionsFromEnv } from '../../adapters/store/index.ts';
import type { CspDownlink } from '../../dcc/contracts.ts';
import { loadDspConfig } from '../../dcc/dsp/config.ts';
import { fetchResponseTransport } from '../../dcc/dsp/delivery.ts';
import { MAX_DSP_WORKERS } from '../../dcc/dsp/dsp-workers.ts';
import {
  DSP_DEFAULT_PORT,
  DSP_PUBLIC_PATHS,
  DSP_TLS_CLIENT_ID,
  periodOf,
  startDspHttp,
} from '../../dcc/dsp/http.ts';
import { formatLocalDeliveryCsv } from '../../dcc/dsp/local-delivery-csv.ts';
import {
  LocalDeliveryExporter,
  localDeliveryCsps,
  queryLocalDeliveries,
  writeLocalDeliveryFile,
} from '../../dcc/dsp/local-delivery-log.ts';
import { chargesCsv, chargesReport, performanceCsv, performanceReport } from '../../dcc/dsp/reports.ts';
import { DspService } from '../../dcc/dsp/service.ts';
import { dspDb } from '../../dcc/dsp/tables.ts';
import { SecurityContext } from '../../gbcs/index.ts';
import { normaliseEui } from '../../runtime/bytes.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { tlsFetch } from '../../runtime/https-client.ts';
import { Logger } from '../../runtime/logger.ts';
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

const log = Logger.get('dsp:cli');

/**
 * The SM WAN port of a DSP process with no WAN attached: every command is
 * refused, so the DSP answers E20 at once instead of holding it for ever.
 */
export class NoSmWanAttached implements CspDownlink {
  sendCommand(): void {
    throw new Error('no SM WAN is attached to this DSP process');
  }
}

async function openDspStore(): Promise<Store> {
  const store = await openStore(storeOptionsFromEnv());
  await migrate(store);
  return store;
}

function port(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`--port ${s}: not a TCP port`);
  return n;
}

interface PeriodOpts {
  date?: string;
  from?: string;
  to?: string;
}

function period(o: PeriodOpts): { from: number; to: number } {
  return periodOf({ date: o.date, from: o.from, to: o.to }, Date.now());
}

function addServe(dsp: Command): void {
  const serve = dsp
    .command('serve')
    .description(
      'run the DUIS HTTP service (POST /api/v1/serviceS|T|D) and the DSP-4/5 report endpoints. Stand-alone: --config (no SM WAN: CV 1/3/5/7 answer E20). Split deployment: --split --wan-url (the DSP process of "up --parties dsp")',
    )
    .option('--config <file>', '[stand-alone] DSP configuration (JSON: keys, users, inventory, tariff)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port (0: any free port)', String(DSP_DEFAULT_PORT))
    .option('--no-xsd', 'do not validate requests against the DUIS XSD (xmllint)')
    .option(
      '--export-dir <dir>',
      '[stand-alone] write DSP-4 local-delivery files here at the end of every period (--split: <data-dir>/dsp-local-delivery, hourly)',
    )
    .option('--export-period-hours <n>', '[stand-alone] export period in hours', '24')
    .option(
      '--tls',
      '[stand-alone] serve the DCC User Interface on https with client certificates (the test CA of <PPMID_DATA_DIR>/keys/duis-tls; CN = the user EUI) and POST Responses to https receive URLs with the DSP certificate',
    )
    .option(
      '--workers <n>',
      '[stand-alone] worker threads for the XSD, XML-signature and Response-signing work (the DSP state stays on one thread; default 0: all on one thread; e.g. the number of cores)',
    );
  addSplitOptions(serve, 'dsp').action(
    async (
      o: SplitFlags & {
        config?: string;
        host: string;
        port: string;
        xsd: boolean;
        exportDir?: string;
        exportPeriodHours: string;
        tls?: boolean;
        workers?: string;
      },
    ) => {
      if (o.split) {
        refuseStandAlone(o, ['config', 'exportDir', 'tls', 'workers']);
        await runSplitParty('dsp', o);
        return;
      }
      refuseSplitOnly(o);
      if (o.dataDir !== undefined)
        throw new ConfigError(
          '--data-dir belongs to --split mode (stand-alone: PPMID_DATA_DIR / DATABASE_URL)',
        );
      if (!o.config) throw new ConfigError('dsp serve needs --config (stand-alone) or --split');
      const workers = o.workers === undefined ? 0 : Number(o.workers);
      if (!Number.isInteger(workers) || workers < 0 || workers > MAX_DSP_WORKERS)
        throw new ConfigError(`--workers ${o.workers}: a whole number 0..${MAX_DSP_WORKERS}`);
      const cfg = loadDspConfig(o.config);
      // issue 13: the operators of <data-dir>/credentials guard the reports (DUIS stays signed and public)
      const ops = standAloneGuard({ host: o.host, publicPaths: DSP_PUBLIC_PATHS });
      const dataDir = resolve(process.env.PPMID_DATA_DIR ?? 'data');
      const pki = o.tls
        ? await TestPki.open({
            dir: join(dataDir, 'keys', 'duis-tls'),
            caName: 'ppmid-relay DCC User Interface test CA',
          })
        : undefined;
      const receiveFetch = pki
        ? tlsFetch({ ...(await pki.clientCredentials(DSP_TLS_CLIENT_ID, 'DCC')), caPem: pki.caCertPem })
        : undefined;
      const store = await openDspStore();
      const clock = new SystemClock();
      const dsp = await DspService.open({
        clock,
        store,
        security: new SecurityContext({ keyStore: cfg.keyStore, acb: cfg.acb }),
        xmlSigner: cfg.xmlSigner,
        downlink: new NoSmWanAttached(),
        transport: fetchResponseTransport(receiveFetch ? { fetch: receiveFetch } : {}),
        xsdValidation: o.xsd && cfg.xsdValidation !== false,
        tariff: cfg.tariff,
        responseTimeoutMs: cfg.responseTimeoutMs,
        wanCoverage: cfg.wanCoverage,
      });
      for (const u of cfg.users) dsp.registerUser(u);
      for (const d of cfg.inventory) dsp.setInventoryDevice(d);
      for (const [meter, supplier] of Object.entries(cfg.registration ?? {}))
        dsp.registration.set(meter, supplier, clock.now());
      await dsp.flush();
      let exporter: LocalDeliveryExporter | undefined;
      if (o.exportDir) {
        const hours = Number(o.exportPeriodHours);
        if (!(hours > 0)) throw new ConfigError('--export-period-hours must be > 0');
        exporter = new LocalDeliveryExporter(clock, dsp, { dir: o.exportDir, periodMs: hours * 3600_000 });
        exporter.start();
      }
      const http = await startDspHttp({
        dsp,
        host: o.host,
        port: port(o.port),
        workers,
        guard: ops.guard,
        ...(pki
          ? { tls: { certPem: pki.server.certPem, keyPem: pki.server.keyPem, clientCaPem: pki.caCertPem } }
          : {}),
      });
      process.stdout.write(ops.describe());
      process.stdout.write(
        `DSP listening on ${http.url} (store ${store.location}; XSD validation ${dsp.xsdValidation ? 'on' : 'off'}; TLS ${pki ? `on, CA ${pki.dir}/ca.crt` : 'off'}; ${workers > 0 ? `${workers} worker threads` : 'one thread'}; no SM WAN attached)\n`,
      );
      const stop = async () => {
        exporter?.stop();
        receiveFetch?.close();
        await http.close();
        await dsp.close();
        await exporter?.idle();
        await store.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      log.info('DSP service started', { url: http.url });
    },
  );
}

function addExport(dsp: Command): void {
  dsp
    .command('local-delivery-export')
    .description('DSP-4: the local-delivery log as CSV, per CSP (files with --out, else stdout)')
    .option('--date <date>', 'one UTC day (YYYYMMDD or YYYY-MM-DD)')
    .option('--from <time>', 'period start (date or ISO 8601)')
    .option('--to <time>', 'period end, exclusive')
    .option('--csp <name>', 'only this CSP')
    .option('--out <dir>', 'write <dir>/<csp>/local-delivery-<date>.csv files')
    .action(async (o: PeriodOpts & { csp?: string; out?: string }) => {
      const { from, to } = period(o);
      requireExistingStore(undefined);
      const store = await openDspStore();
      try {
        const db = dspDb(store.db);
        if (o.out) {
          const csps = o.csp ? [o.csp] : await localDeliveryCsps(db, from, to);
          for (const csp of csps) {
            const records = await queryLocalDeliveries(db, { from, to, csp });
            process.stdout.write(`${writeLocalDeliveryFile(o.out, csp, from, to - from, records)}\n`);
          }
        } else {
          process.stdout.write(
            formatLocalDeliveryCsv(await queryLocalDeliveries(db, { from, to, csp: o.csp })),
          );
        }
      } finally {
        await store.close();
      }
    });
}

function addReports(dsp: Command): void {
  dsp
    .command('charges')
    .description('DSP-5: local-delivery charges per user (JSON, or CSV with --csv)')
    .option('--date <date>', 'one UTC day')
    .option('--from <time>', 'period start')
    .option('--to <time>', 'period end, exclusive')
    .option('--user <eui>', 'only this user')
    .option('--currency <code>', 'currency of an empty report', 'GBP')
    .option('--csv', 'CSV instead of JSON')
    .action(async (o: PeriodOpts & { user?: string; currency: string; csv?: boolean }) => {
      requireExistingStore(undefined);
      const store = await openDspStore();
      try {
        const r = await chargesReport(dspDb(store.db), {
          ...period(o),
          currency: o.currency,
          user: o.user === undefined ? undefined : normaliseEui(o.user),
        });
        process.stdout.write(o.csv ? chargesCsv(r) : `${JSON.stringify(r, null, 2)}\n`);
      } finally {
        await store.close();
      }
    });
  dsp
    .command('performance')
    .description('DSP-5: measured and excluded Service Requests (JSON, or CSV with --csv)')
    .option('--date <date>', 'one UTC day')
    .option('--from <time>', 'period start')
    .option('--to <time>', 'period end, exclusive')
    .option('--target-ms <n>', 'target response time of a measured request', '30000')
    .option('--csv', 'CSV instead of JSON')
    .action(async (o: PeriodOpts & { targetMs: string; csv?: boolean }) => {
      const targetMs = Number(o.targetMs);
      if (!(targetMs > 0)) throw new ConfigError('--target-ms must be > 0');
      requireExistingStore(undefined);
      const store = await openDspStore();
      try {
        const r = await performanceReport(dspDb(store.db), { ...period(o), targetMs });
        process.stdout.write(o.csv ? performanceCsv(r) : `${JSON.stringify(r, null, 2)}\n`);
      } finally {
        await store.close();
      }
    });
}

export function register(program: Command): void {
  const dsp = commandGroup(program, 'dsp');
  addServe(dsp);
  addExport(dsp);
  addReports(dsp);
}
