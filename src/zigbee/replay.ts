/**
 * Frame-counter replay protection for APS security (ZigBee spec 4.4.1.2:
 * a receiver keeps, per source, the last frame counter it accepted and
 * rejects any frame whose counter is not strictly greater), and the sender's
 * outgoing counter.
 */
import type { Eui } from '../runtime/bytes.ts';
import { LazyMap } from '../runtime/lazy-collections.ts';
import { ZigbeeCounterExhaustedError, ZigbeeReplayError } from './errors.ts';

export class FrameCounterGuard {
  private readonly last: Map<Eui, number> = new LazyMap();

  /** True when `counter` from `source` would be accepted. */
  isFresh(source: Eui, counter: number): boolean {
    const l = this.last.get(source);
    return l === undefined || counter > l;
  }

  /** Throws ZigbeeReplayError unless `counter` is above the last accepted from `source`. Does not record. */
  check(source: Eui, counter: number): void {
    const l = this.last.get(source);
    if (l !== undefined && counter <= l) throw new ZigbeeReplayError(source, counter, l);
  }

  /** Checks and records; call only after the frame's MIC verified (an unauthenticated counter must not move the window). */
  accept(source: Eui, counter: number): void {
    this.check(source, counter);
    this.last.set(source, counter);
  }

  lastAccepted(source: Eui): number | undefined {
    return this.last.get(source);
  }

  /** Forget a source (its key changed: a new link key restarts its counters). */
  reset(source: Eui): void {
    this.last.delete(source);
  }

  /** Plain data, for snapshots. */
  snapshot(): Record<Eui, number> {
    return Object.fromEntries(this.last);
  }
}

/** The sender's outgoing frame counter: 0, 1, 2 ...; 0xFFFFFFFF is never sent (ZigBee spec 4.4.1.1). */
export class OutgoingFrameCounter {
  constructor(private value = 0) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
      throw new RangeError(`frame counter ${value}`);
  }
  next(): number {
    if (this.value >= 0xffffffff) throw new ZigbeeCounterExhaustedError();
    return this.value++;
  }
  peek(): number {
    return this.value;
  }
}
