/**
 * The e2e tests' system: `startSystem` (src/system, the code `ppmid-relay up`
 * runs) in this process, in real time, with real HTTP (DUIS, the supplier
 * API, the CHM API) and real MQTT over TLS (embedded broker, per-PPMID client
 * certificates) on ephemeral loopback ports, and a fast SM WAN model (fixed
 * 20 ms transit) so a test takes seconds. Every server and client is closed
 * by `stop()`; nothing sleeps: tests await events (test/support/wait.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { VirtualClock } from '../../src/runtime/clock.ts';
import { pumpPromise, pumpUntil } from '../../src/sim/pump.ts';
import { TERMINAL_STATES } from '../../src/supplier/command-states.ts';
import type { CommandRecord } from '../../src/supplier/model.ts';
import type { SystemOptions } from '../../src/system/config.ts';
import { type RunningSystem, startSystem } from '../../src/system/system.ts';
import { authHeadersFor, trustSystem } from '../support/auth.ts';
import { withTimeout } from '../support/wait.ts';

export interface E2eSystem {
  sys: RunningSystem;
  dir: string;
  stop(): Promise<void>;
}

export async function startE2eSystem(o: Partial<SystemOptions> = {}): Promise<E2eSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'ppmid-e2e-'));
  const sys = await startSystem({
    dataDir: dir,
    homes: 2,
    wanMix: 'reliable=2',
    seed: 'e2e',
    ports: { dsp: 0, chm: 0, supplier: 0, mqtt: 0, start: 0 },
    workload: 'none',
    ...o,
    wan: { latency: { kind: 'fixed', ms: 20 }, retryIntervalMs: 1_000, ...(o.wan ?? {}) },
  });
  trustSystem(sys);
  try {
    const failures = await withTimeout(sys.provisioned, 120_000, 'every PPMID provisioned (SU-3)');
    if (failures.length) throw new Error(`PPMIDs not provisioned: ${JSON.stringify(failures)}`);
  } catch (err) {
    await sys.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    sys,
    dir,
    async stop() {
      await sys.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** JSON over HTTP to one of the system's servers. */
export async function http<T = unknown>(
  base: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  if (!base) throw new Error(`no server for ${method} ${path}`);
  const url = new URL(path, base);
  const res = await fetch(url, {
    method,
    headers: {
      ...authHeadersFor(url),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Resolves with the command once `pred` holds for it (checked now and on every supplier event). */
export function awaitCommand(
  sys: RunningSystem,
  id: string,
  pred: (c: CommandRecord) => boolean = (c) => TERMINAL_STATES.has(c.state),
  timeoutMs = 90_000,
): Promise<CommandRecord> {
  let off: (() => void) | undefined;
  const p = new Promise<CommandRecord>((resolve, reject) => {
    const s = sys.supplier;
    if (!s) return reject(new Error('no supplier running'));
    off = s.subscribe((e) => {
      if (e.type === 'command' && e.command.id === id && pred(e.command)) resolve(e.command);
    });
    s.command(id).then((r) => {
      if (r && pred(r.command)) resolve(r.command);
    }, reject);
  });
  return withTimeout(p, timeoutMs, `command ${id} to reach the awaited state`).finally(() => off?.());
}

/** The ESME's accepted and rejected commands with a given Originator Counter. */
export function esmeDecisions(
  events: readonly { kind: string; decision?: string; reason?: string; originatorCounter?: bigint }[],
  counter: bigint,
): { accepted: number; rejected: string[] } {
  const mine = events.filter((e) => e.kind === 'command' && e.originatorCounter === counter);
  return {
    accepted: mine.filter((e) => e.decision === 'accepted').length,
    rejected: mine.filter((e) => e.decision === 'rejected').map((e) => e.reason ?? '?'),
  };
}

// ---------------------------------------------------------------- virtual time

/**
 * Virtual time for a whole system (src/sim/pump.ts, the simulator's loop):
 * steps `vc` one event at a time, letting promise chains settle between
 * events, until `until()`. A running system always has timers due (GSME
 * polls, WAN models), so the clock never idles; while it has nothing due
 * (start-up: keys are issued by real asynchronous crypto) real work is
 * waited for, up to `idleLimitMs` of wall time (default 60 s). Returns the
 * number of events run.
 */
export async function pumpVirtual(
  vc: VirtualClock,
  until: () => boolean,
  o: { maxEvents?: number; idleLimitMs?: number } = {},
): Promise<number> {
  const r = await pumpUntil(vc, until, {
    maxEvents: o.maxEvents ?? 50_000_000,
    idleLimitMs: o.idleLimitMs ?? 60_000,
  });
  return r.events;
}

/** Pumps `vc` until `p` settles; returns its value or throws its error. */
export function pumpVirtualPromise<T>(vc: VirtualClock, p: Promise<T>): Promise<T> {
  return pumpPromise(vc, p, { idleLimitMs: 60_000 });
}

/**
 * One in-process system on virtual time for a describe block: a temporary
 * data directory, the clock (from `startAt`) and the options (one home on a
 * reliable WAN, no workload, XSD validation on, seed `name`, then `o`);
 * `start()` starts the system on the clock; an `after` hook stops it and
 * removes the directory.
 */
export function virtualSystemSuite(name: string, o: Partial<SystemOptions> & { startAt?: number } = {}) {
  const { startAt = Date.UTC(2026, 5, 1, 9, 15), ...over } = o;
  const dir = mkdtempSync(join(tmpdir(), `ppmid-${name}-`));
  const vc = new VirtualClock(startAt);
  const opts: SystemOptions = {
    clock: vc,
    transport: 'in-process',
    dataDir: dir,
    homes: 1,
    wanMix: 'reliable=1',
    seed: name,
    workload: 'none',
    xsdValidation: true,
    ...over,
  };
  let running: RunningSystem | undefined;
  after(async () => {
    if (running) await pumpVirtualPromise(vc, running.stop());
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    vc,
    opts,
    async start(): Promise<RunningSystem> {
      running = await pumpVirtualPromise(vc, startSystem(opts));
      return running;
    },
  };
}
