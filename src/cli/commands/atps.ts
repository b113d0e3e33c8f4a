/**
 * `ppmid-relay atps ...`: the test automation API (docs/atps.md).
 *
 *   atps serve [--port 8090] [--host 127.0.0.1]
 *     HTTP server; OpenAPI document at /openapi.json.
 *   atps inject --profile rtds|generated --route ppmid|wan|hht|ppmid-inbox [--fresh-home] [--seed S]
 *               [--gbt auto|never] [--tamper MODE] [--ttl-ms MS] FILE...
 *     Runs in process; prints one JSON object per input message. FILE as for
 *     `gbcs decode`: a file of hex lines, a hex string, or `-` for stdin
 *     (base64 with --base64).
 *     `ppmid-inbox` wraps each message in an envelope signed with the home's
 *     supplier delivery key (spoiled as --tamper says) and hands it to the
 *     PPMID's internet inbox (PP-2). Exit status 1 when an input could not be read.
 *   atps customer --profile rtds|generated (--utrn UTRN | --value POUNDS) [--repeat N] [--emergency-credit]
 *     A fresh home; the customer types the UTRN on the PPMID (PCS01 to the
 *     GSME through the CH mailbox) N times, then optionally asks for
 *     emergency credit (PCS02); one JSON object per action.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ATPS_ROUTES, Atps, type AtpsRoute, type InjectOptions } from '../../atps/api.ts';
import { defaultDeviceApps } from '../../atps/devices.ts';
import { ATPS_PUBLIC_PATHS, startAtpsServer } from '../../atps/http.ts';
import { INBOX_TAMPERS, type InboxTamper } from '../../devices/ppmid/atps.ts';
import { ESME_VARIANTS } from '../../gbcs/use-cases/index.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { readInputs } from '../inputs.ts';
import { commandGroup } from '../main.ts';
import { standAloneGuard } from '../operators.ts';

export function register(program: Command): void {
  const atps = commandGroup(program, 'atps');

  atps
    .command('serve')
    .description('serve the test automation API over HTTP (OpenAPI at /openapi.json)')
    .option('--port <port>', 'TCP port', '8090')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--data-dir <dir>',
      'where the operator credentials live (<dir>/credentials; default PPMID_DATA_DIR or ./data)',
    )
    .action(async (opts: { port: string; host: string; dataDir?: string }) => {
      const port = Number.parseInt(opts.port, 10);
      if (!(port >= 0 && port < 65536)) throw new ConfigError(`--port must be 0..65535, got ${opts.port}`);
      // issue 13: operators only (bearer token or session), Host checked, as every control plane
      const ops = standAloneGuard({
        host: opts.host,
        publicPaths: ATPS_PUBLIC_PATHS,
        ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      });
      const { url } = await startAtpsServer({
        port,
        host: opts.host,
        atps: new Atps({ deviceApps: defaultDeviceApps }),
        guard: ops.guard,
      });
      process.stdout.write(ops.describe());
      process.stdout.write(`ppmid-relay atps: listening on ${url} (OpenAPI: ${url}/openapi.json)\n`);
    });

  atps
    .command('inject')
    .description('inject GBCS messages into a home and print one JSON result per message')
    .requiredOption('--profile <profile>', 'rtds or generated')
    .requiredOption('--route <route>', 'ppmid, wan, hht or ppmid-inbox')
    .option('--fresh-home', 'a new home for every message (default: one home for all)')
    .option('--seed <seed>', 'seed of the home', '1')
    .option('--gbt <mode>', 'auto: GBT blocks over the 1500-byte tunnel; never: one transfer', 'auto')
    .option('--tamper <mode>', `ppmid-inbox: spoil the envelope (${INBOX_TAMPERS.join(', ')})`, 'none')
    .option('--ttl-ms <ms>', 'ppmid-inbox: envelope validity from now (default 1 hour)')
    .option('--base64', 'messages given as text are base64, not hex')
    .option('--hcalcs', "the home has the profile's HCALCS, driven by the ESME's ALCS commands")
    .option('--esme-variant <variant>', `the home's ESME: ${ESME_VARIANTS.join(', ')}`, 'single')
    .argument('<input...>', 'file of hex lines, hex string, or - for stdin')
    .action(
      async (
        inputs: string[],
        opts: {
          profile: string;
          route: string;
          freshHome?: boolean;
          seed: string;
          gbt: string;
          tamper: string;
          ttlMs?: string;
          base64?: boolean;
          hcalcs?: boolean;
          esmeVariant: string;
        },
      ) => {
        if (opts.profile !== 'rtds' && opts.profile !== 'generated')
          throw new ConfigError(`--profile must be rtds or generated, got ${opts.profile}`);
        if (!ATPS_ROUTES.includes(opts.route as AtpsRoute))
          throw new ConfigError(`--route must be ${ATPS_ROUTES.join(', ')}, got ${opts.route}`);
        if (opts.gbt !== 'auto' && opts.gbt !== 'never') throw new ConfigError('--gbt must be auto or never');
        const esmeVariant = ESME_VARIANTS.find((v) => v === opts.esmeVariant);
        if (!esmeVariant)
          throw new ConfigError(
            `--esme-variant must be ${ESME_VARIANTS.join(', ')}, got ${opts.esmeVariant}`,
          );
        if (!INBOX_TAMPERS.includes(opts.tamper as InboxTamper))
          throw new ConfigError(`--tamper must be one of ${INBOX_TAMPERS.join(', ')}, got ${opts.tamper}`);
        const ttlMs = opts.ttlMs === undefined ? undefined : Number.parseInt(opts.ttlMs, 10);
        if (ttlMs !== undefined && !(ttlMs > 0)) throw new ConfigError('--ttl-ms must be a positive integer');
        if (opts.route !== 'ppmid-inbox' && (opts.tamper !== 'none' || ttlMs !== undefined))
          throw new ConfigError('--tamper and --ttl-ms are for --route ppmid-inbox');
        const inbox: InjectOptions['inbox'] = {
          tamper: opts.tamper as InboxTamper,
          ...(ttlMs !== undefined ? { ttlMs } : {}),
        };
        const api = new Atps({ deviceApps: defaultDeviceApps });
        const messages = readInputs(inputs, () => readFileSync(0, 'utf8'), { base64: opts.base64 });
        const create = () =>
          api.createHome({
            profile: opts.profile as 'rtds' | 'generated',
            seed: opts.seed,
            ...(opts.hcalcs ? { hcalcs: true } : {}),
            ...(esmeVariant !== 'single' ? { esmeVariant } : {}),
          });
        let home = opts.freshHome ? undefined : (await create()).id;
        let failed = 0;
        for (const m of messages) {
          if (!m.bytes) {
            failed++;
            process.stdout.write(`${JSON.stringify({ source: m.source, error: m.error })}\n`);
            continue;
          }
          const id = home ?? (await create()).id;
          const [r] = api.inject(id, opts.route as AtpsRoute, m.bytes, {
            source: m.source,
            gbt: opts.gbt as 'auto' | 'never',
            ...(opts.route === 'ppmid-inbox' ? { inbox } : {}),
          });
          const { chEvents: _events, statusReportDetails: _details, envelope: _envelope, ...out } = r;
          process.stdout.write(`${JSON.stringify(out)}\n`);
          if (opts.freshHome) api.deleteHome(id);
        }
        home = undefined;
        if (failed > 0) process.exitCode = 1;
      },
    );

  atps
    .command('customer')
    .description(
      "a fresh home's customer at the PPMID: type a UTRN (PCS01 to the GSME), emergency credit (PCS02)",
    )
    .requiredOption('--profile <profile>', 'rtds or generated')
    .option('--utrn <utrn>', 'the UTRN to type (20 digits)')
    .option('--value <pounds>', 'type a UTRN of this value that the ATPS issues as the supplier')
    .option('--repeat <n>', 'type it this many times (the GSME refuses a UTRN already used)', '1')
    .option('--emergency-credit', 'then ask for emergency credit')
    .option('--seed <seed>', 'seed of the home', '1')
    .action(
      async (opts: {
        profile: string;
        utrn?: string;
        value?: string;
        repeat: string;
        emergencyCredit?: boolean;
        seed: string;
      }) => {
        if (opts.profile !== 'rtds' && opts.profile !== 'generated')
          throw new ConfigError(`--profile must be rtds or generated, got ${opts.profile}`);
        const repeat = Number.parseInt(opts.repeat, 10);
        if (!(repeat >= 0 && repeat <= 100)) throw new ConfigError('--repeat must be 0..100');
        if ((opts.utrn === undefined) === (opts.value === undefined) && repeat > 0)
          throw new ConfigError('give one of --utrn or --value');
        const value = opts.value === undefined ? undefined : Number(opts.value);
        if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= 8191))
          throw new ConfigError(`--value must be a whole number 0..8191, got ${JSON.stringify(opts.value)}`);
        const api = new Atps({ deviceApps: defaultDeviceApps });
        const { id } = await api.createHome({ profile: opts.profile, seed: opts.seed });
        let utrn = opts.utrn;
        if (utrn === undefined && value !== undefined) utrn = api.issueUtrn(id, { value }).utrn;
        const print = (action: string, r: { detail?: unknown }) =>
          process.stdout.write(`${JSON.stringify({ action, ...(r.detail as object) })}\n`);
        for (let i = 0; i < repeat && utrn !== undefined; i++)
          print('ppmid-utrn', api.backchannel(id, { action: 'ppmid-utrn', utrn }));
        if (opts.emergencyCredit)
          print('ppmid-emergency-credit', api.backchannel(id, { action: 'ppmid-emergency-credit' }));
      },
    );
}
