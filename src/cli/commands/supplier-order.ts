/**
 * `ppmid-relay supplier order --premises ID --srv SRV [--body FILE|-]
 *  [--target EUI] [--route wan|race|ppmid] [--supplier-url URL]
 *  [--token T | --data-dir DIR] [--wait-s N]` (issue 17): orders any Service
 * Request the DSP answers through the supplier's API (`POST
 * /api/v1/premises/{id}/commands` `{order: {kind: 'duis', srv, body}}`), as
 * an operator. `--body` is a JSON file (or `-` for stdin) mirroring the DUIS
 * body (docs/supplier.md "Any Service Request"); no `--body`: an empty body.
 * The body is checked here first, as the supplier checks it (SRV table, DUIS
 * Schema V5.4, the field named). `--list` prints the SRVs that may be ordered
 * (the SRV table's, src/supplier/duis-order.ts); so does `--help`.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, PpmidRelayError } from '../../runtime/errors.ts';
import { checkedDuisBody, orderableSrvs } from '../../supplier/duis-order.ts';
import { tokenOf } from './supplier-ch-time.ts';

interface Opts {
  premises?: string;
  srv?: string;
  body?: string;
  target?: string;
  route?: string;
  supplierUrl: string;
  token?: string;
  dataDir?: string;
  waitS?: string;
  list?: boolean;
}

/** One line per orderable SRV: srv, class, targets, Command Variants, name. */
export function orderableSrvLines(): string[] {
  return orderableSrvs().map(
    (o) =>
      `${o.srv.padEnd(7)} ${o.class.padEnd(12)} ${(o.targets.join(',') || 'DCC').padEnd(32)} CV ${o.commandVariants.join(',').padEnd(8)} ${o.localDelivery ? 'PPMID ok ' : 'WAN only '} ${o.name}`,
  );
}

function readBody(path: string | undefined): unknown {
  if (path === undefined) return null;
  const text = readFileSync(path === '-' ? 0 : path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`--body ${path}: not JSON (${(err as Error).message})`);
  }
}

interface CommandView {
  id: string;
  state: string;
  terminal?: boolean;
}

export function addOrder(group: Command): void {
  group
    .command('order')
    .description(
      'order any Service Request the DSP answers (srv + a JSON body mirroring the DUIS body) through the supplier API; routed by SU-1; prints the command',
    )
    .option('--premises <id>', 'the premises')
    .option('--srv <srv>', 'the Service Reference Variant, e.g. 6.13 (--list shows them)')
    .option('--body <file>', 'JSON body file mirroring the DUIS body, - for stdin (default: empty body)')
    .option('--target <eui>', 'the device (default: the first of the premises the SR may address)')
    .option('--route <route>', 'force wan, race or ppmid (default: the route planner decides)')
    .option('--supplier-url <url>', 'the supplier service', 'http://127.0.0.1:8070')
    .option(
      '--token <token>',
      'an operator token (default PPMID_TOKEN, else <data-dir>/credentials/operator.token)',
    )
    .option('--data-dir <dir>', 'where credentials/operator.token is (default PPMID_DATA_DIR or ./data)')
    .option('--wait-s <n>', 'wait up to N seconds until the command ends')
    .option('--list', 'print the Service Requests that may be ordered (the SRV table) and exit')
    .addHelpText(
      'after',
      () => `\nService Requests that may be ordered:\n${orderableSrvLines().join('\n')}\n`,
    )
    .action(async (o: Opts) => {
      if (o.list) {
        process.stdout.write(`${orderableSrvLines().join('\n')}\n`);
        return;
      }
      if (!o.premises || !o.srv) throw new ConfigError('--premises and --srv are required (or --list)');
      if (o.route !== undefined && !['wan', 'race', 'ppmid'].includes(o.route))
        throw new ConfigError('--route must be wan, race or ppmid');
      const body = readBody(o.body);
      checkedDuisBody(o.srv, body);
      const auth = { authorization: `Bearer ${tokenOf(o)}` };
      const base = o.supplierUrl.replace(/\/+$/, '');
      const res = await fetch(`${base}/api/v1/premises/${encodeURIComponent(o.premises)}/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({
          order: { kind: 'duis', srv: o.srv, body },
          ...(o.target ? { target: o.target } : {}),
          ...(o.route ? { route: o.route } : {}),
        }),
      });
      const text = await res.text();
      if (!res.ok)
        throw new PpmidRelayError(
          'SUPPLIER_REFUSED',
          `the supplier refused SR ${o.srv} (HTTP ${res.status}): ${text}`,
        );
      let c = JSON.parse(text) as CommandView;
      process.stdout.write(`${JSON.stringify(c)}\n`);
      const waitS = o.waitS === undefined ? 0 : Number(o.waitS);
      if (!(waitS >= 0)) throw new ConfigError('--wait-s must be a number of seconds');
      const until = Date.now() + waitS * 1000;
      while (waitS > 0 && !c.terminal && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 250));
        const g = await fetch(`${base}/api/v1/commands/${encodeURIComponent(c.id)}`, { headers: auth });
        if (!g.ok) throw new PpmidRelayError('SUPPLIER_REFUSED', `GET command ${c.id}: HTTP ${g.status}`);
        c = ((await g.json()) as { command: CommandView }).command;
      }
      if (waitS > 0) process.stdout.write(`${JSON.stringify(c)}\n`);
    });
}
