/**
 * Time for every device and party. Nothing outside `runtime/` reads the wall
 * clock: state machines take a `Clock` and schedule their timers on it, so the
 * same object runs in real time (services, the live demo) and in virtual time
 * (tests and the simulator, deterministic and as fast as the CPU allows).
 */

export interface TimerHandle {
  /** Cancels the timer; harmless if it already fired or was cancelled. */
  cancel(): void;
  /** When the timer fires, in the clock's milliseconds. */
  readonly at: number;
}

export interface Clock {
  /** Milliseconds since the Unix epoch, as this clock sees it. */
  now(): number;
  /** Runs `fn` once `delayMs` from now (0 or negative: as soon as possible, after callers already due). */
  setTimer(delayMs: number, fn: () => void, label?: string): TimerHandle;
  /** Runs `fn` every `periodMs`, first after `periodMs`. */
  setInterval(periodMs: number, fn: () => void, label?: string): TimerHandle;
}

/** Real time, on Node's timers. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const at = Date.now() + Math.max(0, delayMs);
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref?.();
    return { at, cancel: () => clearTimeout(t) };
  }
  setInterval(periodMs: number, fn: () => void): TimerHandle {
    if (!(periodMs > 0)) throw new RangeError(`interval period must be > 0, got ${periodMs}`);
    const t = setInterval(fn, periodMs);
    t.unref?.();
    return { at: Date.now() + periodMs, cancel: () => clearInterval(t) };
  }
}

/**
 * An object a timer can call without a closure: `VirtualClock.setTimerFor`
 * runs `target.onTimer()` (a wrapper clock's own timer object, one
 * allocation fewer per timer than a closure over it).
 */
export interface TimerTarget {
  onTimer(): void;
}

/** One scheduled event, and its own TimerHandle (one object per timer: a quiet estate sets millions). */
class VirtualEvent implements TimerHandle {
  cancelled = false;
  constructor(
    public at: number,
    public seq: number,
    readonly fn: (() => void) | undefined,
    readonly target: TimerTarget | undefined,
    readonly label: string | undefined,
    readonly period: number,
  ) {}
  cancel(): void {
    this.cancelled = true;
  }
}

/** Binary min-heap on (at, seq): events due at the same instant run in scheduling order. */
class EventHeap {
  private readonly items: VirtualEvent[] = [];
  get size(): number {
    return this.items.length;
  }
  liveCount(): number {
    let n = 0;
    for (const e of this.items) if (!e.cancelled) n++;
    return n;
  }
  peek(): VirtualEvent | undefined {
    return this.items[0];
  }
  push(e: VirtualEvent): void {
    // sift up with a hole: parents move down, `e` is written once where it belongs
    const a = this.items;
    let i = a.length;
    a.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = a[p];
      if (!less(e, q)) break;
      a[i] = q;
      i = p;
    }
    a[i] = e;
  }
  pop(): VirtualEvent | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    const n = a.length;
    if (n > 0) {
      // sift `last` down from the root with a hole
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && less(a[r], a[l]) ? r : l;
        if (!less(a[m], last)) break;
        a[i] = a[m];
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}

function less(x: VirtualEvent, y: VirtualEvent): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}

/** Thrown when a virtual run exceeds its event budget (a livelock guard). */
export class VirtualClockRunawayError extends Error {
  constructor(
    readonly limit: number,
    readonly at: number,
  ) {
    super(
      `virtual clock ran ${limit} events without reaching its target (now ${new Date(at).toISOString()})`,
    );
  }
}

/**
 * Discrete-event virtual time. Time moves only when a test or the simulator
 * advances it; events fire in (time, scheduling order), so a run is a pure
 * function of its inputs and seed.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly heap = new EventHeap();
  /** Events executed so far (for benchmarks and runaway guards). */
  executed = 0;

  /** @param start epoch milliseconds; default 2026-01-01T00:00:00Z */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void, label?: string): TimerHandle {
    return this.schedule(this.current + Math.max(0, delayMs), fn, undefined, label, 0);
  }

  /** As `setTimer`, calling `target.onTimer()` (same ordering: one sequence for both). */
  setTimerFor(delayMs: number, target: TimerTarget, label?: string): TimerHandle {
    return this.schedule(this.current + Math.max(0, delayMs), undefined, target, label, 0);
  }

  setInterval(periodMs: number, fn: () => void, label?: string): TimerHandle {
    if (!(periodMs > 0)) throw new RangeError(`interval period must be > 0, got ${periodMs}`);
    return this.schedule(this.current + periodMs, fn, undefined, label, periodMs);
  }

  private schedule(
    at: number,
    fn: (() => void) | undefined,
    target: TimerTarget | undefined,
    label: string | undefined,
    period: number,
  ): TimerHandle {
    const ev = new VirtualEvent(at, this.seq++, fn, target, label, period);
    this.heap.push(ev);
    return ev;
  }

  /** Number of live (not cancelled) events waiting. */
  get pending(): number {
    return this.heap.liveCount();
  }

  /** Time of the next live event, or undefined when idle. */
  nextAt(): number | undefined {
    this.dropCancelled();
    return this.heap.peek()?.at;
  }

  private dropCancelled(): void {
    while (this.heap.peek()?.cancelled) this.heap.pop();
  }

  /** Runs the next due event, moving time to it. Returns false when idle. */
  step(): boolean {
    this.dropCancelled();
    const ev = this.heap.pop();
    if (!ev) return false;
    this.current = Math.max(this.current, ev.at);
    this.executed++;
    if (ev.period > 0) {
      ev.at += ev.period;
      ev.seq = this.seq++;
      this.heap.push(ev);
    }
    if (ev.target !== undefined) ev.target.onTimer();
    else ev.fn!();
    return true;
  }

  /** Runs every event due up to and including `target`, then sets the time to `target`. */
  runUntil(target: number, maxEvents = 10_000_000): void {
    let n = 0;
    for (;;) {
      this.dropCancelled();
      const next = this.heap.peek();
      if (!next || next.at > target) break;
      if (++n > maxEvents) throw new VirtualClockRunawayError(maxEvents, this.current);
      this.step();
    }
    if (target > this.current) this.current = target;
  }

  /** Advances time by `ms`, running everything due on the way. */
  advance(ms: number, maxEvents?: number): void {
    if (ms < 0) throw new RangeError(`cannot advance by a negative time (${ms} ms)`);
    this.runUntil(this.current + ms, maxEvents);
  }

  /**
   * Runs until no event is left (intervals keep a clock busy forever, so a
   * horizon bounds the run), or until `predicate` holds. Returns whether the
   * predicate (if any) became true.
   */
  runUntilIdle(opts: { horizonMs?: number; maxEvents?: number; until?: () => boolean } = {}): boolean {
    const horizon = this.current + (opts.horizonMs ?? 365 * 24 * 3600_000);
    const max = opts.maxEvents ?? 10_000_000;
    let n = 0;
    for (;;) {
      if (opts.until?.()) return true;
      this.dropCancelled();
      const next = this.heap.peek();
      if (!next || next.at > horizon) return opts.until ? opts.until() : true;
      if (++n > max) throw new VirtualClockRunawayError(max, this.current);
      this.step();
    }
  }
}
