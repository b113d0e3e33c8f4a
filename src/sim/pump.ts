/**
 * Virtual time for a whole system (the simulator's loop): steps the clock
 * one event at a time and lets the promise chains that event started settle
 * before the next (a `setImmediate` turn: the parties' stores and services
 * are asynchronous interfaces even in process), until `until()` holds, the
 * run is stopped (`signal`, Ctrl-C), or nothing is due and no real work
 * comes for `idleLimitMs` of wall time.
 */
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

export async function pumpUntil(
  vc: VirtualClock,
  until: () => boolean,
  o: PumpOptions = {},
): Promise<{ events: number; stopped: boolean }> {
  const t0 = performance.now();
  const start = o.start ?? vc.now();
  let lastReport = t0;
  let idleSince: number | undefined;
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
  for (;;) {
    await turn();
    if (until()) break;
    if (o.signal?.aborted) {
      report();
      return { events, stopped: true };
    }
    if (vc.step()) {
      if (++events > (o.maxEvents ?? Number.POSITIVE_INFINITY))
        throw new Error(`more than ${o.maxEvents} clock events before the awaited state`);
      idleSince = undefined;
    } else {
      idleSince ??= performance.now();
      if (performance.now() - idleSince > (o.idleLimitMs ?? 600_000))
        throw new Error(`virtual clock idle at ${new Date(vc.now()).toISOString()} before the awaited state`);
    }
    if (o.onProgress && performance.now() - lastReport >= (o.progressEveryMs ?? 1000)) {
      lastReport = performance.now();
      report();
    }
  }
  report();
  return { events, stopped: false };
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
