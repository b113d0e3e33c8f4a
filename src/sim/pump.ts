/**
 * Virtual time for a whole system (the simulator's loop): steps the clock
 * one event at a time and lets the promise chains that event started settle
 * before the next (a `setImmediate` turn: the parties' stores and services
 * are asynchronous interfaces even in process), until `until()` holds, the
 * run is stopped (`signal`, Ctrl-C), or nothing is due and no real work
 * comes for `idleLimitMs` of wall time (a turn that itself ran for seconds
 * did real work and does not count).
 *
 * An event that starts no asynchronous work needs no turn: most of a quiet
 * estate's events (HAN frames, MAC and APS timers, WAN models) are plain
 * callbacks. A V8 promise hook counts the promises created or settled while
 * an event runs; the next event runs at once when the count did not move,
 * and after a `setImmediate` turn when it did, so every promise chain an
 * event started (or resumed, by resolving a promise someone awaits) still
 * settles before the next event, in the same order as with a turn per event.
 * Work a chain defers to a later turn (a `setImmediate`: the DSP journal's
 * group commit) is let finish too before the next event: the pump turns
 * again while an immediate is waiting (a pump with one turn per event let the
 * next event overtake it, and a batch of events overtook it by hours).
 * Code run on the simulator's clock defers work with promises, never a bare
 * `queueMicrotask` or `process.nextTick`, which no hook sees.
 */
import { promiseHooks } from 'node:v8';
import type { VirtualClock } from '../runtime/clock.ts';

export interface PumpProgress {
  /** virtual ms since `start` and until `end` (when known) */
  simulatedMs: number;
  totalMs?: number;
  events: number;
  eventsPerSec: number;
  wallMs: number;
  /** estimated wall ms left (when `end` is known) */
  etaMs?: number;
}

export interface PumpOptions {
  signal?: AbortSignal;
  onProgress?: (p: PumpProgress) => void;
  /** how often onProgress is called (wall ms), default 1000 */
  progressEveryMs?: number;
  start?: number;
  end?: number;
  /** wall ms without a due event (real work pending) before giving up; default 600 s */
  idleLimitMs?: number;
  /** a livelock guard: more events than this without `until()` throws */
  maxEvents?: number;
}

const turn = () => new Promise<void>((r) => setImmediate(r));

/** A turn longer than this ran real work (a long synchronous stretch), not a wait. */
const LONG_TURN_MS = 1000;

/** Promises created or settled since the hook was installed (while any pump runs). */
let promiseActivity = 0;
let hookUsers = 0;
let stopHooks: (() => void) | undefined;
const countPromise = () => {
  promiseActivity++;
};

function hookPromises(): () => void {
  if (hookUsers++ === 0) {
    const a = promiseHooks.onInit(countPromise);
    const b = promiseHooks.onSettled(countPromise);
    stopHooks = () => {
      a();
      b();
    };
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--hookUsers === 0) {
      stopHooks?.();
      stopHooks = undefined;
    }
  };
}

/** Whether a `setImmediate` is waiting (a chain deferred to a later turn, e.g. the DSP journal's group commit). */
const immediatePending = () => process.getActiveResourcesInfo().includes('Immediate');

/** Events run back to back without a turn at most (a bound on how long the loop keeps the thread). */
const MAX_BATCH = 4096;

export async function pumpUntil(
  vc: VirtualClock,
  until: () => boolean,
  o: PumpOptions = {},
): Promise<{ events: number; stopped: boolean }> {
  const t0 = performance.now();
  const start = o.start ?? vc.now();
  let lastReport = t0;
  let idleSince: number | undefined;
  /**
   * Wall ms spent in long turns: synchronous work (issuing a 10,000-home
   * estate's keys, building its homes: minutes on a loaded machine) is not
   * idleness, and the idle limit counts only the rest.
   */
  let workMs = 0;
  let idleWorkMs = 0;
  const timedTurn = async () => {
    const t = performance.now();
    await turn();
    const d = performance.now() - t;
    if (d > LONG_TURN_MS) workMs += d;
  };
  let events = 0;
  const report = () => {
    const now = performance.now();
    const wallMs = now - t0;
    const simulatedMs = vc.now() - start;
    const totalMs = o.end === undefined ? undefined : o.end - start;
    o.onProgress?.({
      simulatedMs,
      totalMs,
      events,
      eventsPerSec: wallMs > 0 ? (events / wallMs) * 1000 : 0,
      wallMs,
      etaMs: totalMs && simulatedMs > 0 ? (wallMs * (totalMs - simulatedMs)) / simulatedMs : undefined,
    });
  };
  const unhook = hookPromises();
  try {
    for (;;) {
      await timedTurn();
      // work deferred to a later turn (a setImmediate) finishes before virtual time moves on
      for (let t = 0; t < MAX_BATCH && immediatePending(); t++) await timedTurn();
      // events back to back while none starts asynchronous work
      for (let batch = 0; ; batch++) {
        if (until()) {
          report();
          return { events, stopped: false };
        }
        if (o.signal?.aborted) {
          report();
          return { events, stopped: true };
        }
        const before = promiseActivity;
        if (vc.step()) {
          if (++events > (o.maxEvents ?? Number.POSITIVE_INFINITY))
            throw new Error(`more than ${o.maxEvents} clock events before the awaited state`);
          idleSince = undefined;
        } else {
          if (idleSince === undefined) {
            idleSince = performance.now();
            idleWorkMs = workMs;
          }
          if (performance.now() - idleSince - (workMs - idleWorkMs) > (o.idleLimitMs ?? 600_000))
            throw new Error(
              `virtual clock idle at ${new Date(vc.now()).toISOString()} before the awaited state`,
            );
          break;
        }
        if (promiseActivity !== before || batch >= MAX_BATCH || immediatePending()) break;
      }
      if (o.onProgress && performance.now() - lastReport >= (o.progressEveryMs ?? 1000)) {
        lastReport = performance.now();
        report();
      }
    }
  } finally {
    unhook();
  }
}

/** Pumps `vc` until `p` settles; returns its value or throws its error (stopped by `signal`: throws). */
export async function pumpPromise<T>(vc: VirtualClock, p: Promise<T>, o: PumpOptions = {}): Promise<T> {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  const r = await pumpUntil(vc, () => settled, o);
  if (r.stopped && !settled) throw new Error('stopped before the awaited state');
  return p;
}
