/**
 * Configuration of the supplier service: the thresholds of the route planner
 * (SECMP0038 SU-1, decision C7: "from the supplier's own delivery history per
 * premises; thresholds are configuration") and command expiry (SU-2). Every
 * key here is documented in docs/supplier.md with its default.
 */
import { SupplierError } from './errors.ts';

/** How a command travels: WAN only (CV 1/5), race WAN and PPMID (CV 3/7), PPMID only (CV 2/6), DCC-only (CV 8). */
export type Route = 'wan' | 'race' | 'ppmid' | 'dcc';
export const ROUTES: readonly Route[] = ['wan', 'race', 'ppmid', 'dcc'];

/**
 * What the supplier knows of a premises' SM WAN (SU-1): `reliable`,
 * `intermittent` and `absent` from its delivery history; `none` from the
 * installation (the CH was installed without an SM WAN, DUIS 8.14.2) while
 * nothing has come over the WAN since. `none` and `absent` route alike (PPMID only).
 */
export type WanClass = 'reliable' | 'intermittent' | 'absent' | 'none';
export const WAN_CLASSES: readonly WanClass[] = ['reliable', 'intermittent', 'absent', 'none'];

export interface WanClassificationConfig {
  /** T: a WAN command counts as answered in time when its device response arrives within this (ms). */
  answerWithinMs: number;
  /** N: look at the last N WAN commands of the premises ... */
  windowCommands: number;
  /** D: ... sent in the last D days. */
  windowDays: number;
  /** Fewer decided WAN commands than this in the window: no evidence against the WAN, class `reliable`. */
  minSamples: number;
  /** Share (0..1] of decided WAN commands answered within T at or above which the WAN is `reliable`; below: `intermittent`. */
  reliableShare: number;
  /**
   * X: `absent` when a WAN command has waited this long (ms) for its answer
   * and no response of any kind came over the WAN since it was sent.
   */
  absentAfterMs: number;
}

export interface ExpiryConfig {
  /** Expiry (ms after creation) of a command by route. */
  byRoute: Record<Route, number>;
  /** Per Service Reference Variant overrides (e.g. `{"2.2": 172800000}`), before the route's. */
  bySrv: Record<string, number>;
}

/**
 * SU-2 `response-overdue`: how long after the DSP accepted a command (it went
 * `in-flight`) its device response is overdue. The command then raises an
 * alert and stops holding its device's queue (docs/supplier.md "Command
 * states"). 0: never overdue (the route's commands wait for their expiry).
 */
export interface OverdueConfig {
  byRoute: Record<Route, number>;
}

export interface SupplierConfig {
  wan: WanClassificationConfig;
  expiry: ExpiryConfig;
  overdue: OverdueConfig;
  /**
   * Send at most one command at a time per target device (later ones wait,
   * in counter order). GBCS devices accept a command only if its Originator
   * Counter is above the last one they accepted from the originator (GBCS
   * 4.3.1 anti-replay): a command held on the PPMID route while a later one
   * overtakes it on the WAN would be rejected as a replay. Default true.
   */
  serialisePerDevice: boolean;
  /** First Originator Counter when the store holds none (default 2^32: GBCS counters are u64). */
  initialCounter: bigint;
}

const HOUR = 3600_000;

export const DEFAULT_WAN_CLASSIFICATION: Readonly<WanClassificationConfig> = Object.freeze({
  answerWithinMs: 10 * 60_000,
  windowCommands: 20,
  windowDays: 14,
  minSamples: 3,
  reliableShare: 0.9,
  absentAfterMs: 24 * HOUR,
});

export const DEFAULT_EXPIRY: Readonly<ExpiryConfig> = Object.freeze({
  byRoute: Object.freeze({ wan: 6 * HOUR, race: 48 * HOUR, ppmid: 48 * HOUR, dcc: 5 * 60_000 }),
  bySrv: Object.freeze({}),
});

export const DEFAULT_OVERDUE: Readonly<OverdueConfig> = Object.freeze({
  // wan: far past T (answerWithinMs, 10 min); race/ppmid: the response waits for the WAN (CH-4), so longer.
  byRoute: Object.freeze({ wan: 1 * HOUR, race: 2 * HOUR, ppmid: 2 * HOUR, dcc: 0 }),
});

export function defaultSupplierConfig(): SupplierConfig {
  return {
    wan: { ...DEFAULT_WAN_CLASSIFICATION },
    expiry: { byRoute: { ...DEFAULT_EXPIRY.byRoute }, bySrv: { ...DEFAULT_EXPIRY.bySrv } },
    overdue: { byRoute: { ...DEFAULT_OVERDUE.byRoute } },
    serialisePerDevice: true,
    initialCounter: 1n << 32n,
  };
}

export type SupplierConfigInput = {
  wan?: Partial<WanClassificationConfig>;
  expiry?: { byRoute?: Partial<Record<Route, number>>; bySrv?: Record<string, number> };
  overdue?: { byRoute?: Partial<Record<Route, number>> };
  serialisePerDevice?: boolean;
  initialCounter?: bigint;
};

function positive(v: number, name: string, integer = true): void {
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v))))
    throw new SupplierError(
      'SUPPLIER_CONFIG',
      `${name} must be a positive ${integer ? 'integer' : 'number'}`,
    );
}

/** Defaults merged with `input`, checked. Throws SUPPLIER_CONFIG. */
export function supplierConfig(input: SupplierConfigInput = {}): SupplierConfig {
  const c = defaultSupplierConfig();
  Object.assign(c.wan, input.wan ?? {});
  Object.assign(c.expiry.byRoute, input.expiry?.byRoute ?? {});
  Object.assign(c.expiry.bySrv, input.expiry?.bySrv ?? {});
  Object.assign(c.overdue.byRoute, input.overdue?.byRoute ?? {});
  if (input.serialisePerDevice !== undefined) c.serialisePerDevice = input.serialisePerDevice;
  if (input.initialCounter !== undefined) c.initialCounter = input.initialCounter;
  const w = c.wan;
  positive(w.answerWithinMs, 'wan.answerWithinMs');
  positive(w.windowCommands, 'wan.windowCommands');
  positive(w.windowDays, 'wan.windowDays', false);
  positive(w.absentAfterMs, 'wan.absentAfterMs');
  if (!(Number.isInteger(w.minSamples) && w.minSamples >= 0))
    throw new SupplierError('SUPPLIER_CONFIG', 'wan.minSamples must be an integer >= 0');
  if (!(w.reliableShare > 0 && w.reliableShare <= 1))
    throw new SupplierError('SUPPLIER_CONFIG', 'wan.reliableShare must be in (0, 1]');
  if (w.absentAfterMs < w.answerWithinMs)
    throw new SupplierError('SUPPLIER_CONFIG', 'wan.absentAfterMs must be at least wan.answerWithinMs');
  for (const [k, v] of Object.entries(c.expiry.byRoute)) positive(v, `expiry.byRoute.${k}`);
  for (const [k, v] of Object.entries(c.expiry.bySrv)) positive(v, `expiry.bySrv.${k}`);
  for (const [k, v] of Object.entries(c.overdue.byRoute))
    if (v !== 0) positive(v, `overdue.byRoute.${k} (0 = never)`);
  if (c.initialCounter < 0n || c.initialCounter >= 0xffffffffffffffffn)
    throw new SupplierError('SUPPLIER_CONFIG', 'initialCounter must be a u64 below 2^64-1');
  return c;
}

/** Expiry of a command: SRV override, else the route's. */
export function expiryMsFor(config: SupplierConfig, srv: string, route: Route): number {
  return config.expiry.bySrv[srv] ?? config.expiry.byRoute[route];
}

/** When a command that went in flight at `at` becomes `response-overdue` (undefined: never). */
export function overdueAtFor(
  config: SupplierConfig,
  route: Route | undefined,
  at: number,
): number | undefined {
  const ms = route ? config.overdue.byRoute[route] : 0;
  return ms > 0 ? at + ms : undefined;
}
