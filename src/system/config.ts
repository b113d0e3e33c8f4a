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

export const DEFAULT_PORTS = {
  dsp: 8079,
  start: 8080,
  chm: 8081,
  supplier: 8070,
  mqtt: 8883,
  wan: 8082,
} as const;
export type PortName = keyof typeof DEFAULT_PORTS;

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
  seed?: string | number;
  host?: string;
  /** Ports (0 = ephemeral). */
  ports?: Partial<Record<PortName, number>>;
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
  /** DSP-4: how often the DSP passes its local-delivery log to the CSP (default 1 h, aligned). */
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
  seed: string;
  host: string;
  ports: Record<PortName, number>;
  databaseUrl: string | undefined;
  mqttUrl: string | undefined;
  transport: 'network' | 'in-process';
  parties: Set<PartyName>;
  testApi: boolean;
}

export const DEFAULT_HOMES = 20;

export function resolveConfig(o: SystemOptions, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const homes = o.homes ?? DEFAULT_HOMES;
  if (!(Number.isInteger(homes) && homes >= 0))
    throw new SystemError('SYSTEM_CONFIG', '--homes must be >= 0');
  const wanMix =
    typeof o.wanMix === 'string' ? parseWanMix(o.wanMix, homes) : (o.wanMix ?? defaultWanMix(homes));
  const ports = { ...DEFAULT_PORTS, ...(o.ports ?? {}) };
  for (const [k, v] of Object.entries(ports))
    if (!(Number.isInteger(v) && v >= 0 && v <= 65535))
      throw new SystemError('SYSTEM_CONFIG', `--${k}-port must be 0..65535, got ${v}`);
  const parties = new Set<PartyName>(o.parties ?? PARTY_NAMES);
  return {
    dataDir: resolve(o.dataDir ?? env.PPMID_DATA_DIR ?? 'data'),
    ephemeral: o.ephemeral ?? false,
    homes,
    wanMix,
    seed: String(o.seed ?? 'ppmid-relay'),
    host: o.host ?? '127.0.0.1',
    ports,
    databaseUrl: o.databaseUrl ?? (env.DATABASE_URL || undefined),
    mqttUrl: o.mqttUrl ?? (env.MQTT_URL || undefined),
    transport: o.transport ?? 'network',
    parties,
    testApi: o.testApi ?? env.PPMID_TEST_API === '1',
  };
}
