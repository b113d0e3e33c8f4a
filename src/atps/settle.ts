/**
 * When an injected command has run its course in a test home: the ATPS runs
 * the home's virtual clock until nothing is due for a while (or a horizon),
 * and never stops while something of this home is still on its way:
 * - the SM WAN carries a message (its latency can exceed the quiet period);
 * - the PPMID has something to send and its HAN could carry it (its retry and
 *   wait timers can exceed the quiet period: PP-3, PP-4);
 * - a GSME mailbox at the CHF holds a command: the GSME is asleep and only
 *   fetches it when it next wakes (its poll interval, 30 minutes by
 *   default), so the horizon stretches to the next poll and the answer's
 *   way back (a GSME's command settles like any other, on virtual time).
 */
import type { VirtualClock } from '../runtime/clock.ts';

export interface SettleProbe {
  clock: VirtualClock;
  /** the SM WAN still carries a message of this home */
  wanBusy(): boolean;
  /** the PPMID has something to send and could send it */
  ppmidBusy(): boolean;
  /** a GSME mailbox at the CHF holds something the GSME has not fetched */
  mailboxBusy(): boolean;
}

export interface SettleLimits {
  /** longest virtual time to run without a sleepy device waiting */
  horizonMs: number;
  /** settled once nothing is due within this long */
  quietMs: number;
  /** longest virtual time while a GSME mailbox holds a command (its poll interval and then some) */
  sleepyHorizonMs: number;
}

/** Runs the clock until the home is settled; returns the virtual time it ran (ms). */
export function settleHome(p: SettleProbe, l: SettleLimits): number {
  const start = p.clock.now();
  let end = start + l.horizonMs;
  const sleepyEnd = start + Math.max(l.horizonMs, l.sleepyHorizonMs);
  for (;;) {
    const next = p.clock.nextAt();
    if (next === undefined) break;
    const waitingSleepy = l.sleepyHorizonMs > 0 && p.mailboxBusy();
    // once the GSME has fetched its command, its answer has the usual horizon from then
    if (waitingSleepy) end = Math.max(end, Math.min(sleepyEnd, p.clock.now() + l.horizonMs));
    if (next > (waitingSleepy ? sleepyEnd : end)) break;
    if (!waitingSleepy && !p.wanBusy() && next > p.clock.now() + l.quietMs && !p.ppmidBusy()) break;
    p.clock.step();
  }
  return p.clock.now() - start;
}
