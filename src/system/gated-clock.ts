/**
 * A Clock the running system owns: it forwards to the real (or virtual)
 * clock and remembers every live timer, so that stopping the system cancels
 * them all at once. After `stop()` nothing scheduled on it runs again and
 * new timers are inert: a device or party still holding the clock after
 * shutdown cannot touch a closed store or socket.
 */
import type { Clock, TimerHandle } from '../runtime/clock.ts';

/** One timer of a GatedClock: a single object per timer (a quiet estate sets millions of them). */
class GatedTimer implements TimerHandle {
  at = 0;
  private inner: TimerHandle | undefined;

  constructor(
    private readonly gate: GatedClock,
    private readonly fn: () => void,
  ) {}

  arm(clock: Clock, delayMs: number, label: string | undefined): void {
    // one closure per timer (a class field arrow would cost the same plus a name per instance under tsx)
    this.inner = clock.setTimer(delayMs, () => this.fire(), label);
    this.at = this.inner.at;
  }

  private fire(): void {
    this.gate.forget(this);
    if (!this.gate.isStopped) this.fn();
  }

  cancel(): void {
    this.gate.forget(this);
    this.inner?.cancel();
  }
}

export class GatedClock implements Clock {
  private readonly live = new Set<TimerHandle>();
  private stopped = false;

  constructor(readonly inner: Clock) {}

  now(): number {
    return this.inner.now();
  }

  setTimer(delayMs: number, fn: () => void, label?: string): TimerHandle {
    if (this.stopped) return { at: this.inner.now() + Math.max(0, delayMs), cancel() {} };
    const handle = new GatedTimer(this, fn);
    handle.arm(this.inner, delayMs, label);
    this.live.add(handle);
    return handle;
  }

  /** Whether `stop()` was called (a timer that fires after it does nothing). */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** A timer fired or was cancelled. */
  forget(h: TimerHandle): void {
    this.live.delete(h);
  }

  setInterval(periodMs: number, fn: () => void, label?: string): TimerHandle {
    if (this.stopped) return { at: this.inner.now() + periodMs, cancel() {} };
    const h = this.inner.setInterval(
      periodMs,
      () => {
        if (!this.stopped) fn();
      },
      label,
    );
    const handle: TimerHandle = {
      at: h.at,
      cancel: () => {
        this.live.delete(handle);
        h.cancel();
      },
    };
    this.live.add(handle);
    return handle;
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get liveTimers(): number {
    return this.live.size;
  }

  /** Cancels every live timer; later ones never run. */
  stop(): void {
    this.stopped = true;
    for (const h of [...this.live]) h.cancel();
    this.live.clear();
  }
}
