/**
 * `ppmid-relay up` (what `npm start` runs): starts the whole system with
 * embedded defaults and prints the URLs; Ctrl-C (SIGINT / SIGTERM) stops it
 * cleanly and exits 0. `--check` starts everything on ephemeral ports, runs
 * one top-up through a PPMID, prints the result and exits 0 or 1.
 * See docs/running.md.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../runtime/errors.ts';
import { configureLogging } from '../../runtime/logger.ts';
import { WORKLOAD_NAMES, type WorkloadName } from '../../sim/workload.ts';
import {
  PARTY_NAMES,
  type PartyName,
  PORT_NAMES,
  PORT_TABLE,
  type PortName,
  type SystemOptions,
} from '../../system/config.ts';
import { runSmokeCheck } from '../../system/smoke.ts';
import { type RunningSystem, startSystem } from '../../system/system.ts';
import { commandGroup } from '../main.ts';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number >= 0, got ${v}`);
  return n;
};

export interface UpFlags {
  dataDir?: string;
  homes?: number;
  wanMix?: string;
  seed?: string;
  host?: string;
  dspPort?: number;
  chmPort?: number;
  supplierPort?: number;
  mqttPort?: number;
  startPort?: number;
  portBase?: number;
  /** how the command names a port's option where not as `up` does (split-party `--port`) */
  portOptions?: SystemOptions['portOptions'];
  workload?: string;
  parties?: string;
  dspUrl?: string;
  supplierUrl?: string;
  wanUrl?: string;
  dspWanUrl?: string;
  chmWanUrl?: string;
  wanPort?: number;
  xsd?: boolean;
  check?: boolean;
  intermittentUp?: number;
  intermittentDown?: number;
  gsmePoll?: number;
  testApi?: boolean;
}

/** Adds the options every system-starting command shares. */
/**
 * The options of a process that runs parties of the system. `only` names the
 * ports this process listens on (default every port); `xsd` offers `--no-xsd`
 * (a process without the DSP has no XSD check to skip), so a command's help
 * lists nothing that would do nothing there.
 */
export function addSystemOptions(
  cmd: Command,
  opts: { only?: readonly PortName[]; xsd?: boolean } = {},
): Command {
  cmd
    .option('--data-dir <dir>', 'SQLite, keys, MQTT PKI and device state (default ./data, or PPMID_DATA_DIR)')
    .option('--homes <n>', 'homes in the estate (default 20)', int('--homes'))
    .option(
      '--wan-mix <mix>',
      'WAN classes, e.g. reliable=17,intermittent=2,none=1 (counts, or shares adding up to 1)',
    )
    .option('--seed <seed>', 'seed of the estate plan and every random draw (default ppmid-relay)')
    .option('--host <host>', 'address the servers listen on (default 127.0.0.1)')
    .option(
      '--port-base <n>',
      `every port from N on: ${PORT_NAMES.map((n) => `${PORT_TABLE[n].option.slice(2, -5)} N+${PORT_TABLE[n].offset}`).join(', ')} (a port option given wins)`,
      int('--port-base'),
    );
  for (const n of opts.only ?? PORT_NAMES) {
    const row = PORT_TABLE[n];
    cmd.option(
      `${row.option} <port>`,
      `${row.what} port (default ${row.default}; 0 = ephemeral)`,
      int(row.option),
    );
  }
  cmd
    .option(
      '--workload <name>',
      `orders placed at random premises: ${WORKLOAD_NAMES.join(' | ')} (default light)`,
    )
    .option(
      '--intermittent-up <ms>',
      'mean up period of an intermittent WAN (default 1200000)',
      int('--intermittent-up'),
    )
    .option(
      '--intermittent-down <ms>',
      'mean down period of an intermittent WAN (default 600000)',
      int('--intermittent-down'),
    )
    .option('--gsme-poll <ms>', 'GSME mailbox poll interval (default 1800000)', int('--gsme-poll'));
  if (opts.xsd ?? true) cmd.option('--no-xsd', 'skip DUIS XSD validation at the DSP');
  return cmd.option(
    '--test-api',
    'enable the test backchannels (estate WAN down/up) for operators (default off; PPMID_TEST_API=1)',
  );
}

export function systemOptionsFrom(f: UpFlags): SystemOptions {
  const workload = (f.workload ?? 'light') as WorkloadName;
  if (!WORKLOAD_NAMES.includes(workload))
    throw new ConfigError(
      `--workload must be one of ${WORKLOAD_NAMES.join(', ')}, got ${JSON.stringify(workload)}`,
    );
  const parties = f.parties
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) as PartyName[] | undefined;
  for (const p of parties ?? [])
    if (!PARTY_NAMES.includes(p)) throw new Error(`--parties: ${p} is not one of ${PARTY_NAMES.join(', ')}`);
  const ports: SystemOptions['ports'] = {};
  if (f.dspPort !== undefined) ports.dsp = f.dspPort;
  if (f.chmPort !== undefined) ports.chm = f.chmPort;
  if (f.supplierPort !== undefined) ports.supplier = f.supplierPort;
  if (f.mqttPort !== undefined) ports.mqtt = f.mqttPort;
  if (f.startPort !== undefined) ports.start = f.startPort;
  if (f.wanPort !== undefined) ports.wan = f.wanPort;
  return {
    ...(f.dataDir !== undefined ? { dataDir: f.dataDir } : {}),
    ...(f.homes !== undefined ? { homes: f.homes } : {}),
    ...(f.wanMix !== undefined ? { wanMix: f.wanMix } : {}),
    ...(f.seed !== undefined ? { seed: f.seed } : {}),
    ...(f.host !== undefined ? { host: f.host } : {}),
    ports,
    ...(f.portBase !== undefined ? { portBase: f.portBase } : {}),
    ...(f.portOptions ? { portOptions: f.portOptions } : {}),
    workload,
    ...(parties ? { parties } : {}),
    remote: {
      ...(f.dspUrl ? { dspUrl: f.dspUrl } : {}),
      ...(f.supplierUrl ? { supplierUrl: f.supplierUrl } : {}),
      ...(f.wanUrl ? { wanUrl: f.wanUrl } : {}),
      ...(f.dspWanUrl ? { dspWanUrl: f.dspWanUrl } : {}),
      ...(f.chmWanUrl ? { chmWanUrl: f.chmWanUrl } : {}),
    },
    ...(f.intermittentUp !== undefined || f.intermittentDown !== undefined
      ? {
          intermittent: {
            meanUpMs: f.intermittentUp ?? 20 * 60_000,
            meanDownMs: f.intermittentDown ?? 10 * 60_000,
          },
        }
      : {}),
    ...(f.gsmePoll !== undefined ? { gsmePollIntervalMs: f.gsmePoll } : {}),
    xsdValidation: f.xsd ?? true,
    ...(f.testApi ? { testApi: true } : {}),
  };
}

/** What `up` prints once the servers listen. */
export function describeUrls(sys: RunningSystem): string {
  const u = sys.urls;
  const lines = [
    '',
    'ppmid-relay is up:',
    ...(u.start ? [`  start page            ${u.start}/`] : []),
    ...(u.supplier
      ? [`  supplier API          ${u.supplier}/api/v1/premises   (OpenAPI ${u.supplier}/openapi.json)`]
      : []),
    ...(u.supplierConsole ? [`  supplier console      ${u.supplierConsole}`] : []),
    ...(u.supplierReceive ? [`  supplier receive      ${u.supplierReceive}`] : []),
    ...(u.dsp ? [`  DSP (DUIS)            ${u.dsp}/api/v1/serviceS|serviceT|serviceD`] : []),
    ...(u.chmDashboard ? [`  CHM Alerts Dashboard  ${u.chmDashboard}`] : []),
    ...(u.mqtt ? [`  MQTT broker           ${u.mqtt}`] : []),
    ...(u.wanLink ? [`  WAN link              ${u.wanLink}`] : []),
    ...(sys.estate ? [`  estate                ${sys.plan.homes.length} homes`] : []),
    `  store                 ${sys.store.location}`,
    ...describeCredentials(sys),
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  return lines.join('\n');
}

/**
 * The operators' credentials (issue 13): printed once, when they are
 * created; afterwards where they are kept.
 */
export function describeCredentials(sys: RunningSystem): string[] {
  const ops = sys.operators;
  const dir = ops.dir;
  return [
    '',
    ...(ops.created.length
      ? [
          'operator credentials (created now, printed once; kept 0600 in the data directory):',
          ...ops.created.map((c) => `  ${c.name.padEnd(10)} ${c.role.padEnd(10)} ${c.token}`),
        ]
      : dir
        ? [`operator credentials: ${dir}/<name>.token`]
        : []),
    ...(dir
      ? [`  export TOKEN=$(cat ${dir}/operator.token)   # then curl -H "authorization: Bearer $TOKEN" ...`]
      : []),
    `test API (WAN backchannels): ${sys.config.testApi ? 'on (operators only)' : 'off (--test-api to enable)'}`,
  ];
}

/** Stops `sys` on SIGINT / SIGTERM and resolves when it has stopped. */
export function untilSignal(sys: RunningSystem): Promise<void> {
  return new Promise<void>((resolve) => {
    let n = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      n++;
      if (n > 1) {
        process.stderr.write(`${sig} again: exiting now\n`);
        process.exit(130);
      }
      process.stderr.write(`\n${sig}: stopping ...\n`);
      sys.stop().then(resolve, (err: unknown) => {
        process.stderr.write(`stop failed: ${String(err)}\n`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

export function register(program: Command): void {
  const up = commandGroup(program, 'up');
  addSystemOptions(up)
    .option(
      '--parties <list>',
      `run only these parties here (${PARTY_NAMES.join(',')}); the others at --dsp-url / --supplier-url`,
    )
    .option('--dsp-url <url>', 'DSP of another process (when this one runs the supplier without the DSP)')
    .option(
      '--supplier-url <url>',
      'supplier of another process (when this one runs the estate without the supplier)',
    )
    .option(
      '--wan-url <url>',
      'the SM WAN link of the estate process (when this one runs the DSP / CHM without the estate)',
    )
    .option(
      '--dsp-wan-url <url>',
      'the WAN link endpoint of the DSP process (when this one runs the estate without the DSP)',
    )
    .option('--chm-wan-url <url>', 'the WAN link endpoint of the CHM process (default: --dsp-wan-url)')
    .option('--check', 'smoke check: ephemeral ports, one top-up through a PPMID, print the result, exit 0/1')
    .action(async (f: UpFlags) => {
      if (!process.env.PPMID_LOG) configureLogging({ spec: 'warn,system=info,sim=info' });
      if (f.check) {
        if (f.homes === 0) throw new ConfigError('--check needs at least one home (--homes 1 or more)');
        const parties = f.parties?.split(',').map((x) => x.trim());
        if (parties && !(parties.includes('supplier') && parties.includes('estate')))
          throw new ConfigError('--check needs the supplier and the estate in this process (--parties)');
        const ok = await runSmokeCheck(systemOptionsFrom(f), (s) => process.stdout.write(s));
        process.exitCode = ok ? 0 : 1;
        return;
      }
      const sys = await startSystem(systemOptionsFrom(f));
      process.stdout.write(describeUrls(sys));
      void sys.provisioned.then((failures) => {
        if (!sys.estate) return;
        process.stdout.write(
          failures.length
            ? `${failures.length} PPMID(s) not provisioned: ${failures.map((x) => `${x.premisesId} (${x.error})`).join('; ')}\n`
            : `estate ready: ${sys.plan.homes.length} PPMIDs provisioned (SU-3) and relay-enabled\n`,
        );
      });
      await untilSignal(sys);
      process.exitCode = process.exitCode ?? 0;
    });
}
