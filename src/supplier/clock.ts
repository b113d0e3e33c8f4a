/**
 * The supplier's view of its clock: `now()` in whole milliseconds (floor).
 * Under a VirtualClock time is fractional (HAN airtime, WAN latency draws);
 * the supplier stamps its store rows, events and delivery envelopes
 * (`issuedAt`, a wire format in integer milliseconds, docs/supplier.md) in
 * whole milliseconds whatever clock it is given. Timers are the clock's own.
 */
import type { Clock } from '../runtime/clock.ts';

export function wholeMillisecondClock(clock: Clock): Clock {
  return {
    now: () => Math.floor(clock.now()),
    setTimer: (delayMs, fn, label) => clock.setTimer(delayMs, fn, label),
    setInterval: (periodMs, fn, label) => clock.setInterval(periodMs, fn, label),
  };
}
