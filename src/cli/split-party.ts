/**
 * `--split` mode of the parties' own serve commands (`dsp serve`, `chm serve`,
 * `supplier serve`): the party runs as one process of a split deployment
 * (ARCHITECTURE "Scaling out", issue 6) through `startSystem({ parties: [party] })`,
 * exactly as `ppmid-relay up --parties <party>` would: the shared data
 * directory (keys, MQTT PKI, SQLite) or DATABASE_URL, the WAN link to the
 * estate process (`--wan-url`), DUIS over HTTP (`--dsp-url`, `--supplier-url`).
 * Without `--split` the commands keep their stand-alone behaviour (own key
 * files and configuration, no SM WAN). See docs/running.md "Separate processes".
 */
import type { Command } from 'commander';
import { ConfigError } from '../runtime/errors.ts';
import { configureLogging } from '../runtime/logger.ts';
import type { PartyName, SystemOptions } from '../system/config.ts';
import { startSystem } from '../system/system.ts';
import { describeUrls, systemOptionsFrom, type UpFlags, untilSignal } from './commands/up.ts';

export type SplitParty = Extract<PartyName, 'dsp' | 'chm' | 'supplier'>;

/** The options of `--split` mode that the stand-alone mode does not have. */
export interface SplitFlags {
  split?: boolean;
  host?: string;
  port?: string;
  dataDir?: string;
  homes?: string;
  wanMix?: string;
  seed?: string;
  startPort?: string;
  wanPort?: string;
  mqttPort?: string;
  wanUrl?: string;
  supplierUrl?: string;
  dspUrl?: string;
  xsd?: boolean;
}

/** Split-only flags: given without `--split` they are refused (they would be silently ignored). */
const SPLIT_ONLY: Array<keyof SplitFlags> = [
  'homes',
  'wanMix',
  'seed',
  'startPort',
  'wanPort',
  'mqttPort',
  'wanUrl',
  'supplierUrl',
];

const has = (cmd: Command, long: string) => cmd.options.some((o) => o.long === long);

/** Adds `--split` and the options of a split-deployment process (those `cmd` does not have yet). */
export function addSplitOptions(cmd: Command, party: SplitParty): Command {
  cmd.option(
    '--split',
    `run as the ${party} process of a split deployment (startSystem, like "up --parties ${party}"): shared --data-dir / DATABASE_URL, keys and MQTT PKI`,
  );
  if (!has(cmd, '--data-dir'))
    cmd.option('--data-dir <dir>', '[--split] SQLite, keys, MQTT PKI (default ./data, or PPMID_DATA_DIR)');
  cmd
    .option('--homes <n>', '[--split] homes in the estate plan (same in every process; default 20)')
    .option('--wan-mix <mix>', '[--split] WAN classes of the estate plan (same in every process)')
    .option('--seed <seed>', '[--split] seed of the estate plan (same in every process)')
    .option('--start-port <port>', '[--split] start page port (default 0 = ephemeral)');
  if (party === 'dsp' || party === 'chm')
    cmd
      .option(
        '--wan-url <url>',
        '[--split] the SM WAN link of the estate process, e.g. http://127.0.0.1:8082',
      )
      .option(
        '--wan-port <port>',
        `[--split] this ${party} process's WAN link endpoint (give the estate --${party}-wan-url; default 8082)`,
      );
  if (party === 'dsp')
    cmd.option(
      '--supplier-url <url>',
      '[--split] the supplier of another process (its Receive Response Service), e.g. http://127.0.0.1:8070',
    );
  if (party === 'supplier')
    cmd.option(
      '--mqtt-port <port>',
      '[--split] embedded MQTT broker TLS port (default 8883; MQTT_URL: external)',
    );
  return cmd;
}

/** Refuses split-only options without `--split`. */
export function refuseSplitOnly(o: SplitFlags): void {
  for (const k of SPLIT_ONLY)
    if (o[k] !== undefined)
      throw new ConfigError(
        `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} belongs to --split mode (add --split)`,
      );
}

/** Refuses stand-alone options in `--split` mode (the system's keys and configuration are used). */
export function refuseStandAlone<T extends object>(o: T, names: Array<keyof T & string>): void {
  const r = o as Record<string, unknown>;
  for (const n of names)
    if (r[n] !== undefined && !(Array.isArray(r[n]) && (r[n] as unknown[]).length === 0))
      throw new ConfigError(
        `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is a stand-alone option; --split takes the keys of <data-dir>/keys`,
      );
}

const num = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`--${name} ${v}: not a TCP port`);
  return n;
};

/** The system options of a split party process (exported for tests). */
export function splitSystemFlags(party: SplitParty, o: SplitFlags): UpFlags {
  const homes = o.homes === undefined ? undefined : Number(o.homes);
  if (homes !== undefined && !(Number.isInteger(homes) && homes >= 0))
    throw new ConfigError(`--homes ${o.homes}: a whole number >= 0`);
  const own = num('port', o.port);
  return {
    parties: party,
    workload: 'none',
    ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
    ...(homes !== undefined ? { homes } : {}),
    ...(o.wanMix !== undefined ? { wanMix: o.wanMix } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.host !== undefined ? { host: o.host } : {}),
    ...(party === 'dsp' ? { dspPort: own } : party === 'chm' ? { chmPort: own } : { supplierPort: own }),
    portOptions: { [party]: '--port' },
    startPort: num('start-port', o.startPort) ?? 0,
    ...(o.wanPort !== undefined ? { wanPort: num('wan-port', o.wanPort) } : {}),
    ...(o.mqttPort !== undefined ? { mqttPort: num('mqtt-port', o.mqttPort) } : {}),
    ...(o.wanUrl !== undefined ? { wanUrl: o.wanUrl } : {}),
    ...(o.supplierUrl !== undefined ? { supplierUrl: o.supplierUrl } : {}),
    // The DSP of a split deployment serves the DCC User Interface on https (issue 13): the
    // stand-alone default (http, `dsp serve` without TLS) becomes https here.
    ...(party === 'supplier' && o.dspUrl !== undefined
      ? { dspUrl: o.dspUrl === 'http://127.0.0.1:8079' ? 'https://127.0.0.1:8079' : o.dspUrl }
      : {}),
    ...(o.xsd !== undefined ? { xsd: o.xsd } : {}),
  };
}

/** Runs `party` as a process of a split deployment until SIGINT / SIGTERM (exit 0). */
export async function runSplitParty(
  party: SplitParty,
  o: SplitFlags,
  extra: Partial<SystemOptions> = {},
): Promise<void> {
  if (!process.env.PPMID_LOG) configureLogging({ spec: 'warn,system=info,wan-link=info' });
  if ((party === 'dsp' || party === 'chm') && !o.wanUrl)
    throw new ConfigError(`${party} serve --split needs --wan-url (the SM WAN link of the estate process)`);
  const sys = await startSystem({ ...systemOptionsFrom(splitSystemFlags(party, o)), ...extra });
  process.stdout.write(describeUrls(sys));
  await untilSignal(sys);
  process.exitCode = process.exitCode ?? 0;
}
