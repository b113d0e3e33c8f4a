/**
 * A Clock the running system owns: it forwards to the real (or virtual)
 * clock and remembers every live timer, so that stopping the system cancels
 * them all at once. After `stop()` nothing scheduled on it runs again and
 * new timers are inert: a device or party still holding the clock after
 * shutdown cannot touch a closed store or socket.
 */
import type { Clock, TimerHandle, TimerTarget } from '../runtime/clock.ts';

/** A clock that calls a timer's object itself (the VirtualClock): no closure per timer. */
interface TargetClock extends Clock {
  setTimerFor(delayMs: number, target: TimerTarget, label?: string): TimerHandle;
}

/** One timer of a GatedClock: a single object per timer (a quiet estate sets millions of them). */
class GatedTimer implements TimerHandle, TimerTarget {
  at = 0;
  private inner: TimerHandle | undefined;

  constructor(
    private readonly gate: GatedClock,
    private readonly fn: () => void,
  ) {}

  arm(clock: Clock, targets: TargetClock | undefined, delayMs: number, label: string | undefined): void {
    // on a clock that calls objects (the VirtualClock) this timer is its own callback; elsewhere one closure
    this.inner = targets
      ? targets.setTimerFor(delayMs, this, label)
      : clock.setTimer(delayMs, () => this.onTimer(), label);
    this.at = this.inner.at;
  }

  onTimer(): void {
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

  /** `inner`, when it can call a timer's object (no closure per timer) */
  private readonly targets: TargetClock | undefined;

  constructor(readonly inner: Clock) {
    this.targets =
      typeof (inner as Partial<TargetClock>).setTimerFor === 'function' ? (inner as TargetClock) : undefined;
  }

  now(): number {
    return this.inner.now();
  }

  setTimer(delayMs: number, fn: () => void, label?: string): TimerHandle {
    if (this.stopped) return { at: this.inner.now() + Math.max(0, delayMs), cancel() {} };
    const handle = new GatedTimer(this, fn);
    handle.arm(this.inner, this.targets, delayMs, label);
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
