/**
 * A Clock the running system owns: it forwards to the real (or virtual)
 * clock and remembers every live timer, so that stopping the system cancels
 * them all at once. After `stop()` nothing scheduled on it runs again and
 * new timers are inert: a device or party still holding the clock after
 * shutdown cannot touch a closed store or socket.
 */
import type { Clock, TimerHandle } from '../runtime/clock.ts';

export class GatedClock implements Clock {
  private readonly live = new Set<TimerHandle>();
  private stopped = false;

  constructor(readonly inner: Clock) {}

  now(): number {
    return this.inner.now();
  }

  setTimer(delayMs: number, fn: () => void, label?: string): TimerHandle {
    if (this.stopped) return { at: this.inner.now() + Math.max(0, delayMs), cancel() {} };
    const box: { inner?: TimerHandle } = {};
    const handle = {
      at: 0,
      cancel: () => {
        this.live.delete(handle);
        box.inner?.cancel();
      },
    };
    box.inner = this.inner.setTimer(
      delayMs,
      () => {
        this.live.delete(handle);
        if (!this.stopped) fn();
      },
      label,
    );
    handle.at = box.inner.at;
    this.live.add(handle);
    return handle;
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
