/**
 * The block counters' daily reset in time (issue 12): ECS48 (DUIS 6.26,
 * Configure Daily Resetting of Tariff Block Counter Matrix) writes the
 * execution_time of the single action schedule 0-0:15.1.0.255 (class 22
 * attribute 4: time and date, `*` fields match anything, as the billing
 * calendar's, billing-calendar.ts); from then one timer on the device clock
 * waits for the next execution time, brings consumption up to it (what was
 * consumed before counts in the counters that end) and starts the block
 * counters again (block-counters.ts; the block registers stay), as ECS05
 * does at once. An empty execution_time stops it. ECS17e reads the counters
 * back. The schedule a meter is made with (none) does not run.
 *
 * PROVISIONAL: the reset logs no event (GBCS names none for it); local time
 * is UTC (no daylight saving); an entry without an hour never runs.
 */
import type { TimerHandle } from '../../runtime/clock.ts';
import { BillingDateTimer } from '../meter-common/billing-timer.ts';
import { getAttribute } from './attribute-store.ts';
import { type BillingState, type ExecutionTime, nextBillingDate } from './billing-calendar.ts';
import { resetBlockCounters } from './block-counters.ts';
import type { EsmeServices } from './services.ts';

/** Where the daily reset's execution times are written (class 22 0-0:15.1.0.255 attr 4). */
export const BLOCK_RESET_KEY = 'blockCounterMatrixDailyReset.executionTime';

export interface BlockResetHost {
  readonly services: EsmeServices;
  now(): number;
  /** brings consumption up to now (the meter's advance) */
  advance(): void;
  setTimer(delayMs: number, fn: () => void, label: string): TimerHandle;
}

export class BlockCounterDailyReset {
  private readonly timer: BillingDateTimer;

  constructor(private readonly host: BlockResetHost) {
    this.timer = new BillingDateTimer({
      now: () => host.now(),
      setTimer: (delay, fn, label) => host.setTimer(delay, fn, label),
      run: () => this.state,
      next: (from) => {
        const entries = getAttribute(host.services.state, BLOCK_RESET_KEY);
        return Array.isArray(entries) ? nextBillingDate(entries as ExecutionTime[], from) : null;
      },
      label: 'block counter reset',
      onDate: (at) => this.reset(at),
    });
  }

  private get state(): BillingState {
    const s = this.host.services.state;
    s.blockReset ??= { runningFrom: null };
    return s.blockReset;
  }

  /** The next reset the timer waits for (null: none). */
  get nextReset(): number | null {
    return this.timer.nextBillingDate;
  }

  /** ECS48 wrote the execution times: they run from now. */
  start(): void {
    this.timer.start();
  }

  /** Arms the one timer for the next reset (after a write, a restore, a clock change). */
  reschedule(): void {
    this.timer.reschedule();
  }

  private reset(at: number): void {
    this.host.advance();
    resetBlockCounters(this.host.services.state);
    this.state.runningFrom = at;
  }
}
