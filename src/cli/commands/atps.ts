/**
 * `ppmid-relay atps ...`: the test automation API (docs/atps.md).
 *
 *   atps serve [--port 8090] [--host 127.0.0.1]
 *     HTTP server; OpenAPI document at /openapi.json.
 *   atps inject --profile rtds|generated --route ppmid|wan|hht [--fresh-home] [--seed S] [--gbt auto|never] FILE...
 *     Runs in process; prints one JSON object per input message. FILE as for
 *     `gbcs decode`: a file of hex lines, a hex string, or `-` for stdin.
 *     Exit status 1 when an input could not be read.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ATPS_ROUTES, Atps, type AtpsRoute } from '../../atps/api.ts';
import { defaultDeviceApps } from '../../atps/devices.ts';
import { startAtpsServer } from '../../atps/http.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { readInputs } from './gbcs.ts';

export function register(program: Command): void {
  const atps = program
    .command('atps')
    .description('test automation API: homes on virtual time, inject GBCS, backchannel, logs');

  atps
    .command('serve')
    .description('serve the test automation API over HTTP (OpenAPI at /openapi.json)')
    .option('--port <port>', 'TCP port', '8090')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (opts: { port: string; host: string }) => {
      const port = Number.parseInt(opts.port, 10);
      if (!(port >= 0 && port < 65536)) throw new ConfigError(`--port must be 0..65535, got ${opts.port}`);
      const { url } = await startAtpsServer({
        port,
        host: opts.host,
        atps: new Atps({ deviceApps: defaultDeviceApps }),
      });
      process.stderr.write(`ppmid-relay atps: listening on ${url} (OpenAPI: ${url}/openapi.json)\n`);
    });

  atps
    .command('inject')
    .description('inject GBCS messages into a home and print one JSON result per message')
    .requiredOption('--profile <profile>', 'rtds or generated')
    .requiredOption('--route <route>', 'ppmid, wan or hht')
    .option('--fresh-home', 'a new home for every message (default: one home for all)')
    .option('--seed <seed>', 'seed of the home', '1')
    .option('--gbt <mode>', 'auto: GBT blocks over the 1500-byte tunnel; never: one transfer', 'auto')
    .argument('<input...>', 'file of hex lines, hex string, or - for stdin')
    .action(
      async (
        inputs: string[],
        opts: { profile: string; route: string; freshHome?: boolean; seed: string; gbt: string },
      ) => {
        if (opts.profile !== 'rtds' && opts.profile !== 'generated')
          throw new ConfigError(`--profile must be rtds or generated, got ${opts.profile}`);
        if (!ATPS_ROUTES.includes(opts.route as AtpsRoute))
          throw new ConfigError(`--route must be ppmid, wan or hht, got ${opts.route}`);
        if (opts.gbt !== 'auto' && opts.gbt !== 'never') throw new ConfigError('--gbt must be auto or never');
        const api = new Atps({ deviceApps: defaultDeviceApps });
        const messages = readInputs(inputs, () => readFileSync(0, 'utf8'));
        const create = () =>
          api.createHome({ profile: opts.profile as 'rtds' | 'generated', seed: opts.seed });
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
          });
          const { chEvents: _events, ...out } = r;
          process.stdout.write(`${JSON.stringify(out)}\n`);
          if (opts.freshHome) api.deleteHome(id);
        }
        home = undefined;
        if (failed > 0) process.exitCode = 1;
      },
    );
}
