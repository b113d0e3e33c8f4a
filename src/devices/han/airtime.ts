/**
 * Per-device airtime accounting over sliding windows (SECMP0038 CH-7: cap
 * the share of HAN airtime a PPMID may use) and the sub-GHz duty-cycle
 * states (HAN.md; SECMP0038 PP-4, C4).
 */
import type { Clock, TimerHandle } from '../../runtime/clock.ts';

/** Transmit intervals of one device, in clock milliseconds, oldest first. */
export class AirtimeLog {
  private starts: number[] = [];
  private ends: number[] = [];
  private head = 0;
  private totalMs = 0;

  /** @param retainMs how far back intervals are kept (the longest window anyone asks about). */
  constructor(readonly retainMs: number) {}

  record(start: number, end: number): void {
    if (!(end > start)) return;
    this.starts.push(start);
    this.ends.push(end);
    this.totalMs += end - start;
    // Forget what no window can reach, also when nobody asks (a 2.4 GHz home without a CH-7
    // check kept every frame of its life). Frames are recorded at most one MAC transaction
    // ahead of the clock: a margin of another retainMs keeps every interval a window may clip.
    this.prune(start - this.retainMs);
  }

  /** Intervals kept (recent enough for a window). */
  get size(): number {
    return this.ends.length - this.head;
  }

  /** All airtime ever recorded, in ms. */
  get lifetimeMs(): number {
    return this.totalMs;
  }

  private prune(now: number): void {
    const cutoff = now - this.retainMs;
    while (this.head < this.ends.length && this.ends[this.head] <= cutoff) this.head++;
    if (this.head > 16 && this.head * 2 > this.ends.length) {
      this.starts = this.starts.slice(this.head);
      this.ends = this.ends.slice(this.head);
      this.head = 0;
    }
  }

  /** Airtime within [now - windowMs, now], in ms (intervals partly in the future count up to now). */
  usedMs(now: number, windowMs: number): number {
    this.prune(now);
    const from = now - windowMs;
    let sum = 0;
    for (let i = this.ends.length - 1; i >= this.head; i--) {
      const e = Math.min(this.ends[i], now);
      const s = Math.max(this.starts[i], from);
      if (this.ends[i] <= from) break;
      if (e > s) sum += e - s;
    }
    return sum;
  }

  /**
   * The earliest time (>= now) at which usage over `windowMs` falls to
   * `targetMs` or below if nothing more is transmitted: the window's start
   * has to slide past `used - target` ms of recorded airtime.
   */
  timeUsageFallsTo(now: number, windowMs: number, targetMs: number): number {
    let excess = this.usedMs(now, windowMs) - targetMs;
    if (excess <= 0) return now;
    const from = now - windowMs;
    for (let i = this.head; i < this.ends.length; i++) {
      const s = Math.max(this.starts[i], from);
      const e = Math.min(this.ends[i], now);
      if (e <= s) continue;
      const len = e - s;
      if (excess <= len) return s + excess + windowMs;
      excess -= len;
    }
    return now + windowMs;
  }
}

export type DutyCycleState = 'Normal' | 'Limited' | 'Critical' | 'Suspended';

export interface DutyCycleThresholds {
  /** Percent of the window's airtime at which the state becomes Limited (example 1.0). */
  limitedPct: number;
  /** ... Critical (example 1.8). */
  criticalPct: number;
  /** ... Suspended: transmissions refused (example 2.5). */
  suspendedPct: number;
  /** The sliding window, default one hour. */
  windowMs: number;
}

/** HAN.md example figures; the GB percentages were not confirmed, so they are configuration. */
export const DEFAULT_DUTY_CYCLE: DutyCycleThresholds = {
  limitedPct: 1.0,
  criticalPct: 1.8,
  suspendedPct: 2.5,
  windowMs: 3_600_000,
};

const ORDER: DutyCycleState[] = ['Normal', 'Limited', 'Critical', 'Suspended'];

export function dutyCycleStateFor(usedPct: number, t: DutyCycleThresholds): DutyCycleState {
  if (usedPct >= t.suspendedPct) return 'Suspended';
  if (usedPct >= t.criticalPct) return 'Critical';
  if (usedPct >= t.limitedPct) return 'Limited';
  return 'Normal';
}

/**
 * The duty-cycle account of one sub-GHz device: the share of the last hour
 * it spent transmitting, mapped to Normal / Limited / Critical / Suspended
 * (at or above each threshold). Re-evaluated after each transmission and,
 * while above Normal, at the exact time the sliding window will have shed
 * enough airtime to fall below the current threshold, so states recover
 * without polling.
 */
export class DutyCycleMonitor {
  private current: DutyCycleState = 'Normal';
  private recheck: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly log: AirtimeLog,
    readonly thresholds: DutyCycleThresholds,
    private readonly onChange: (state: DutyCycleState, previous: DutyCycleState, usedPct: number) => void,
  ) {
    const t = thresholds;
    if (
      !(
        t.limitedPct > 0 &&
        t.limitedPct <= t.criticalPct &&
        t.criticalPct <= t.suspendedPct &&
        t.windowMs > 0
      )
    )
      throw new RangeError('duty-cycle thresholds must satisfy 0 < limited <= critical <= suspended');
  }

  get state(): DutyCycleState {
    return this.current;
  }

  usedPct(now = this.clock.now()): number {
    return (this.log.usedMs(now, this.thresholds.windowMs) / this.thresholds.windowMs) * 100;
  }

  /** Recomputes the state now; fires `onChange` when it moved; schedules the recovery check. */
  evaluate(): DutyCycleState {
    const now = this.clock.now();
    const pct = this.usedPct(now);
    const next = dutyCycleStateFor(pct, this.thresholds);
    const prev = this.current;
    this.current = next;
    this.recheck?.cancel();
    this.recheck = undefined;
    if (next !== 'Normal') {
      const t = this.thresholds;
      const bound = next === 'Limited' ? t.limitedPct : next === 'Critical' ? t.criticalPct : t.suspendedPct;
      const at = this.log.timeUsageFallsTo(now, t.windowMs, (bound / 100) * t.windowMs);
      // just past the instant usage equals the threshold (states hold at or above it)
      this.recheck = this.clock.setTimer(
        Math.max(at - now, 0) + 0.001,
        () => this.evaluate(),
        'han:duty-cycle',
      );
    }
    if (next !== prev) this.onChange(next, prev, pct);
    return next;
  }

  dispose(): void {
    this.recheck?.cancel();
  }
}

export function dutyCycleAtLeast(state: DutyCycleState, than: DutyCycleState): boolean {
  return ORDER.indexOf(state) >= ORDER.indexOf(than);
}
