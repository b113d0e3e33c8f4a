/**
 * `ppmid-relay supplier set-ch-time --premises ID [--supplier-url URL]
 *  [--token T | --data-dir DIR] [--wait-s N]` (issue 15): orders the
 * PROVISIONAL Set CH Time for a premises without WAN through the supplier's
 * API (`POST /api/v1/premises/{id}/commands` `{order: {kind: 'ch-time'},
 * route: 'ppmid'}`), as an operator (the bearer token of `--token`,
 * `PPMID_TOKEN`, or `<data-dir>/credentials/operator.token`). The supplier
 * gets the command from the DCC (its DSP: in process, or the DSP's signed
 * route `POST /api/v1/dsp/users/{user}/ch-time/{chf}`) and delivers it
 * through the premises' PPMID. Prints the command (JSON); with `--wait-s`,
 * polls until the PPMID reported it or it ended, then prints it again.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, PpmidRelayError } from '../../runtime/errors.ts';

interface Opts {
  premises: string;
  supplierUrl: string;
  token?: string;
  dataDir?: string;
  waitS?: string;
}

/** The operator's bearer token: `--token`, `PPMID_TOKEN`, or `<data-dir>/credentials/operator.token`. */
export function tokenOf(o: { token?: string; dataDir?: string }): string {
  if (o.token) return o.token;
  if (process.env.PPMID_TOKEN) return process.env.PPMID_TOKEN;
  const dir = resolve(o.dataDir ?? process.env.PPMID_DATA_DIR ?? 'data');
  try {
    return readFileSync(join(dir, 'credentials', 'operator.token'), 'utf8').trim();
  } catch {
    throw new ConfigError(
      `no operator token: give --token, PPMID_TOKEN or a data directory with credentials/operator.token (${dir})`,
    );
  }
}

interface CommandView {
  id: string;
  state: string;
  terminal?: boolean;
  ppmid?: { status?: string } | null;
}

export function addSetChTime(group: Command): void {
  group
    .command('set-ch-time')
    .description(
      'order the PROVISIONAL Set CH Time for a premises without WAN (SECMP0038 3.1.1): issued by the DCC, delivered through the PPMID; prints the command',
    )
    .requiredOption('--premises <id>', 'the premises (its CH gets the time)')
    .option('--supplier-url <url>', 'the supplier service', 'http://127.0.0.1:8070')
    .option(
      '--token <token>',
      'an operator token (default PPMID_TOKEN, else <data-dir>/credentials/operator.token)',
    )
    .option('--data-dir <dir>', 'where credentials/operator.token is (default PPMID_DATA_DIR or ./data)')
    .option('--wait-s <n>', 'wait up to N seconds until the PPMID reported the command or it ended')
    .action(async (o: Opts) => {
      const auth = { authorization: `Bearer ${tokenOf(o)}` };
      const base = o.supplierUrl.replace(/\/+$/, '');
      const res = await fetch(`${base}/api/v1/premises/${encodeURIComponent(o.premises)}/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ order: { kind: 'ch-time' }, route: 'ppmid' }),
      });
      const text = await res.text();
      if (!res.ok)
        throw new PpmidRelayError(
          'SUPPLIER_REFUSED',
          `the supplier refused Set CH Time (HTTP ${res.status}): ${text}`,
        );
      let c = JSON.parse(text) as CommandView;
      process.stdout.write(`${JSON.stringify(c)}\n`);
      const waitS = o.waitS === undefined ? 0 : Number(o.waitS);
      if (!(waitS >= 0)) throw new ConfigError('--wait-s must be a number of seconds');
      const until = Date.now() + waitS * 1000;
      while (waitS > 0 && !c.terminal && c.ppmid?.status !== 'forwarded' && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 250));
        const g = await fetch(`${base}/api/v1/commands/${encodeURIComponent(c.id)}`, { headers: auth });
        if (!g.ok) throw new PpmidRelayError('SUPPLIER_REFUSED', `GET command ${c.id}: HTTP ${g.status}`);
        c = ((await g.json()) as { command: CommandView }).command;
      }
      if (waitS > 0) process.stdout.write(`${JSON.stringify(c)}\n`);
    });
}
