/**
 * Await-the-event helpers for tests that touch real I/O (sockets, child
 * processes), in the manner of zigbee-herdsman's waitress: wait for the first
 * event or state matching a predicate, with a timeout whose error says what
 * was awaited and where. No test sleeps for a fixed time.
 *
 * Virtual-time tests use `pumpUntil(clock, ...)` instead: it advances a
 * VirtualClock event by event, letting promise chains run between events.
 */
import type { VirtualClock } from '../../src/runtime/clock.ts';

/**
 * Default limit for a real-time wait. A limit is a guard against a hang, never
 * an assertion of speed: CI runs two test files at once on a 2-core machine
 * under load, where TLS handshakes, child processes and Chromium can take
 * several seconds. A wait that holds returns as soon as it holds.
 */
export const REAL_WAIT_MS = 30_000;

export class WaitTimeoutError extends Error {
  readonly code = 'WAIT_TIMEOUT';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly awaitedAt: string,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}\n  awaited at: ${awaitedAt}`);
  }
}

type What = string | (() => string);
const describeWhat = (w: What | undefined, fallback: string): string =>
  typeof w === 'function' ? w() : (w ?? fallback);

/** The caller's frame, for the timeout message. */
function callSite(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  const outside = lines.find((l) => !l.includes('/test/support/wait.ts'));
  return (outside ?? lines[0] ?? '?').trim().replace(/^at /, '');
}

/** Races `p` against a timeout that names what was awaited. */
export function withTimeout<T>(p: Promise<T>, timeoutMs: number, what: What): Promise<T> {
  const at = callSite();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new WaitTimeoutError(describeWhat(what, 'a promise'), timeoutMs, at)),
      timeoutMs,
    );
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** A Node EventEmitter, or anything whose `on` returns a function that removes the listener (InternetLink). */
export interface EventSource {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Resolves with the arguments of the first `event` from `emitter` that passes `filter`. */
export function waitForEvent<A extends unknown[] = unknown[]>(
  emitter: EventSource,
  event: string,
  opts: { filter?: (...args: A) => boolean; timeoutMs?: number; what?: What } = {},
): Promise<A> {
  const timeoutMs = opts.timeoutMs ?? REAL_WAIT_MS;
  const at = callSite();
  return new Promise<A>((resolve, reject) => {
    let remove: () => void = () => {};
    const listener = (...args: unknown[]) => {
      if (opts.filter && !opts.filter(...(args as A))) return;
      remove();
      clearTimeout(timer);
      resolve(args as A);
    };
    const timer = setTimeout(() => {
      remove();
      reject(new WaitTimeoutError(describeWhat(opts.what, `event '${event}'`), timeoutMs, at));
    }, timeoutMs);
    const r = emitter.on(event, listener);
    remove = typeof r === 'function' ? (r as () => void) : () => emitter.off?.(event, listener);
  });
}

/**
 * Resolves once `predicate()` holds. The predicate is re-checked after each
 * turn of the event loop (so it sees every socket event), never on a fixed sleep.
 */
export function waitFor(
  predicate: () => boolean,
  timeoutMs = REAL_WAIT_MS,
  opts: { what?: What } = {},
): Promise<void> {
  const at = callSite();
  return new Promise<void>((resolve, reject) => {
    if (predicate()) return resolve();
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(
        new WaitTimeoutError(
          describeWhat(opts.what, `predicate ${predicate.toString().slice(0, 120)}`),
          timeoutMs,
          at,
        ),
      );
    }, timeoutMs);
    const check = () => {
      if (done) return;
      let ok = false;
      try {
        ok = predicate();
      } catch (err) {
        done = true;
        clearTimeout(timer);
        return reject(err);
      }
      if (ok) {
        done = true;
        clearTimeout(timer);
        return resolve();
      }
      setImmediate(check);
    };
    setImmediate(check);
  });
}

/** Lets pending promise reactions and I/O callbacks already queued run. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Virtual time: runs `clock` one event at a time until `predicate` holds,
 * letting promise chains settle between events. Throws (naming `what`) if the
 * clock runs out of events or `maxEvents` is exceeded first.
 */
export async function pumpUntil(
  clock: VirtualClock,
  predicate: () => boolean,
  what: What,
  maxEvents = 100_000,
): Promise<void> {
  const at = callSite();
  for (let n = 0; ; n++) {
    await flushMicrotasks();
    if (predicate()) return;
    if (n >= maxEvents)
      throw new Error(
        `virtual clock ran ${maxEvents} events without ${describeWhat(what, 'the predicate')} (awaited at ${at})`,
      );
    if (!clock.step()) {
      await flushMicrotasks();
      if (predicate()) return;
      throw new Error(
        `virtual clock went idle at ${new Date(clock.now()).toISOString()} before ${describeWhat(what, 'the predicate')} (awaited at ${at})`,
      );
    }
  }
}

/** Virtual time: pumps the clock until `p` settles, then returns its value (or throws its error). */
export async function pumpPromise<T>(
  clock: VirtualClock,
  p: Promise<T>,
  what: What,
  maxEvents?: number,
): Promise<T> {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await pumpUntil(clock, () => settled, what, maxEvents);
  return p;
}
