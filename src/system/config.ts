/**
 * Configuration of a running system (`ppmid-relay up` and the separate-party
 * commands): defaults, and what the command line and the environment
 * (`DATABASE_URL`, `MQTT_URL`, `PPMID_DATA_DIR`) change. See docs/running.md.
 */
import { resolve } from 'node:path';
import type { SmWanConfig } from '../dcc/wan/sm-wan.ts';
import type { ChfConfig } from '../devices/chf/chf.ts';
import type { PpmidOptions } from '../devices/ppmid/index.ts';
import type { Clock } from '../runtime/clock.ts';
import type { EstateOptions } from '../sim/estate.ts';
import { defaultWanMix, parseWanMix, type WanMix } from '../sim/plan.ts';
import type { WorkloadName, WorkloadSpec } from '../sim/workload.ts';
import type { SupplierConfigInput } from '../supplier/config.ts';
import { SystemError } from './ports.ts';

/** The parties a process runs (all of them by default; ARCHITECTURE "Scaling out"). */
export type PartyName = 'dsp' | 'chm' | 'supplier' | 'estate';
export const PARTY_NAMES: readonly PartyName[] = ['dsp', 'chm', 'supplier', 'estate'];

export type PortName = 'start' | 'supplier' | 'dsp' | 'chm' | 'wan' | 'mqtt';

/**
 * Every port a system listens on: its default, what listens there (for
 * messages), the option that moves it, and its place in the block of
 * `--port-base N` (N, N+1, ... in this order).
 */
export const PORT_TABLE: Readonly<
  Record<PortName, { default: number; offset: number; what: string; option: string }>
> = {
  start: { default: 8080, offset: 0, what: 'start page', option: '--start-port' },
  supplier: { default: 8070, offset: 1, what: 'supplier HTTP (API, console)', option: '--supplier-port' },
  dsp: { default: 8079, offset: 2, what: 'DSP DUIS HTTP', option: '--dsp-port' },
  chm: { default: 8081, offset: 3, what: 'CHM HTTP (Alerts Dashboard)', option: '--chm-port' },
  wan: { default: 8082, offset: 4, what: 'WAN link HTTP', option: '--wan-port' },
  mqtt: { default: 8883, offset: 5, what: 'MQTT broker', option: '--mqtt-port' },
};
export const PORT_NAMES = Object.keys(PORT_TABLE) as PortName[];
export const DEFAULT_PORTS: Readonly<Record<PortName, number>> = Object.fromEntries(
  PORT_NAMES.map((n) => [n, PORT_TABLE[n].default]),
) as Record<PortName, number>;

export interface SystemOptions {
  /** Time source (default the system clock); a VirtualClock needs `transport: 'in-process'`. */
  clock?: Clock;
  /** Where SQLite, keys, the MQTT PKI and device state live (default `./data`). */
  dataDir?: string;
  /** Keep keys and PPMID state in memory only (tests, benchmarks). Default false. */
  ephemeral?: boolean;
  homes?: number;
  /** `reliable=17,intermittent=2,none=1`, or a mix. Default: about 10 % intermittent, one with no WAN. */
  wanMix?: string | WanMix;
  /** Share of homes (0..1) with an HCALCS driven by their ESME (sim/plan.ts); default 0. */
  hcalcsShare?: number;
  seed?: string | number;
  host?: string;
  /** Ports (0 = ephemeral); each one given wins over `portBase`. */
  ports?: Partial<Record<PortName, number>>;
  /** Every port from this one on, in PORT_TABLE order (start page N, supplier N+1, ... MQTT N+5). */
  portBase?: number;
  /** How the command that starts the system names a port's option, where not as in PORT_TABLE (messages). */
  portOptions?: Partial<Record<PortName, string>>;
  /** `postgres://…` (or `sqlite:<file>`); default SQLite under the data directory. */
  databaseUrl?: string;
  /** An external broker; default the embedded one (TLS, per-PPMID client certificates). */
  mqttUrl?: string;
  /** MQTT protocol level for `mqttUrl` (default 5; 4 for the embedded broker of another process). */
  mqttProtocolVersion?: 4 | 5;
  /**
   * `network` (default): DUIS over HTTP between supplier and DSP, MQTT
   * between supplier and PPMIDs. `in-process`: the same parties wired by
   * direct calls and the in-process internet (virtual time: tests, benchmarks).
   */
  transport?: 'network' | 'in-process';
  /** One-way latency of the in-process internet (ms, default 50). */
  internetLatencyMs?: number;
  /** The parties this process runs; the others are reached at `remote` URLs. */
  parties?: PartyName[];
  remote?: {
    /** The DSP's DUIS base URL (for the supplier) */
    dspUrl?: string;
    /** The supplier's base URL (for the estate) */
    supplierUrl?: string;
    /** The CSP WAN link of the estate process (for the DSP and CHM) */
    wanUrl?: string;
    /** The DSP's and CHM's WAN endpoints (for the estate) */
    dspWanUrl?: string;
    chmWanUrl?: string;
  };
  /** Up/down means of intermittent homes (ms). Default 20 min up / 10 min down (the demo sees both). */
  intermittent?: { meanUpMs: number; meanDownMs: number };
  wan?: Partial<SmWanConfig>;
  gsmePollIntervalMs?: number;
  chf?: Partial<ChfConfig>;
  /** The HAN of every home (band, duty-cycle thresholds, PHY), e.g. `{ band: 'subGHz' }` (C4). */
  han?: EstateOptions['han'];
  ppmid?: Pick<PpmidOptions, 'retry' | 'maxOutbox'>;
  supplier?: SupplierConfigInput;
  /** Validate DUIS requests against the XSD at the DSP (default true). */
  xsdValidation?: boolean;
  workload?: WorkloadName | WorkloadSpec;
  /** Provision every PPMID through SU-3 at start (default true). */
  provision?: boolean;
  /**
   * `none` homes never have a WAN, not even at installation (SECMP0038 3.1.1):
   * the supplier gets the DSP's no-WAN commissioning policy, the PPMID is
   * paired by the installer and its 8.11 and Set CH Time travel through it
   * (sim/estate.ts, supplier/no-wan.ts). Default false.
   */
  noWanInstallation?: boolean;
  /** DSP-4: how often the DSP passes its local-delivery log to the CSP (default 5 min, aligned), so CSP billing fills by itself. */
  dspLogPeriodMs?: number;
  /** PPMIDs provisioned at once (default 8). */
  provisionConcurrency?: number;
  /**
   * The test API: the estate's backchannels (WAN down/up, faults) answer,
   * for operators only. Default off (`--test-api`, `PPMID_TEST_API=1`).
   */
  testApi?: boolean;
}

export interface ResolvedConfig {
  dataDir: string;
  ephemeral: boolean;
  homes: number;
  wanMix: WanMix;
  hcalcsShare: number;
  seed: string;
  host: string;
  ports: Record<PortName, number>;
  /** the option that moves each port, as the starting command names it */
  portOptions: Record<PortName, string>;
  databaseUrl: string | undefined;
  mqttUrl: string | undefined;
  transport: 'network' | 'in-process';
  parties: Set<PartyName>;
  testApi: boolean;
}

export const DEFAULT_HOMES = 20;

/** DSP-4 -> CSP-4 in a running system: the DSP's local-delivery log reaches the CHM every 5 minutes. */
export const DEFAULT_DSP_LOG_PERIOD_MS = 5 * 60_000;

export function resolveConfig(o: SystemOptions, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const homes = o.homes ?? DEFAULT_HOMES;
  if (!(Number.isInteger(homes) && homes >= 0))
    throw new SystemError('SYSTEM_CONFIG', '--homes must be >= 0');
  const wanMix =
    typeof o.wanMix === 'string' ? parseWanMix(o.wanMix, homes) : (o.wanMix ?? defaultWanMix(homes));
  const base = o.portBase;
  if (base !== undefined && !(Number.isInteger(base) && base >= 1 && base + PORT_NAMES.length - 1 <= 65535))
    throw new SystemError(
      'SYSTEM_CONFIG',
      `--port-base must be 1..${65536 - PORT_NAMES.length}, got ${base}`,
    );
  const ports = Object.fromEntries(
    PORT_NAMES.map((n) => [
      n,
      o.ports?.[n] ?? (base === undefined ? DEFAULT_PORTS[n] : base + PORT_TABLE[n].offset),
    ]),
  ) as Record<PortName, number>;
  for (const n of PORT_NAMES) {
    const v = ports[n];
    if (!(Number.isInteger(v) && v >= 0 && v <= 65535))
      throw new SystemError('SYSTEM_CONFIG', `${PORT_TABLE[n].option} must be 0..65535, got ${v}`);
  }
  const parties = new Set<PartyName>(o.parties ?? PARTY_NAMES);
  return {
    dataDir: resolve(o.dataDir ?? env.PPMID_DATA_DIR ?? 'data'),
    ephemeral: o.ephemeral ?? false,
    homes,
    wanMix,
    hcalcsShare: o.hcalcsShare ?? 0,
    seed: String(o.seed ?? 'ppmid-relay'),
    host: o.host ?? '127.0.0.1',
    ports,
    portOptions: Object.fromEntries(
      PORT_NAMES.map((n) => [n, o.portOptions?.[n] ?? PORT_TABLE[n].option]),
    ) as Record<PortName, string>,
    databaseUrl: o.databaseUrl ?? (env.DATABASE_URL || undefined),
    mqttUrl: o.mqttUrl ?? (env.MQTT_URL || undefined),
    transport: o.transport ?? 'network',
    parties,
    testApi: o.testApi ?? env.PPMID_TEST_API === '1',
  };
}

/**
 * The ports this process will listen on (network transport): each party's
 * HTTP server, the embedded MQTT broker unless MQTT_URL names another one,
 * the WAN link of a split deployment, and the start page. Ephemeral (0)
 * ports are left out: they cannot collide.
 */
export function listenedPorts(c: ResolvedConfig): PortName[] {
  if (c.transport !== 'network') return [];
  const has = (p: PartyName) => c.parties.has(p);
  const out: PortName[] = ['start'];
  if (has('supplier')) out.push('supplier');
  if (has('dsp')) out.push('dsp');
  if (has('chm')) out.push('chm');
  const split = has('estate') ? !has('dsp') || !has('chm') : has('dsp') || has('chm');
  if (split) out.push('wan');
  if ((has('supplier') || has('estate')) && !c.mqttUrl) out.push('mqtt');
  return out.filter((n) => c.ports[n] !== 0);
}
