/**
 * One timer for a meter's next billing date, on the device clock (issue 12):
 * the ESME's billing calendar (esme/billing-control.ts) and the GSME's
 * billing period end alerts (gsme/billing-alert.ts) share it. It runs from
 * `runningFrom` (the last billing date taken, or when the calendar was set),
 * arms one timer for the next date `next` gives, and at that date runs
 * `onDate` and arms the next. A device clock moved back before the date has
 * come re-arms instead of running; dates missed while the meter was off are
 * taken one by one (each `onDate` moves `runningFrom` on).
 */
import type { TimerHandle } from '../../runtime/clock.ts';

export interface BillingTimerOptions {
  now(): number;
  setTimer(delayMs: number, fn: () => void, label: string): TimerHandle;
  /** the persisted run: `runningFrom` null = the calendar is not running */
  run(): { runningFrom: number | null };
  /** the first billing date after `from` (null: none) */
  next(from: number): number | null;
  /** the timer's label */
  label: string;
  /** what the meter does at a billing date (it moves `runningFrom` on) */
  onDate(at: number): void;
}

export class BillingDateTimer {
  private timer: TimerHandle | null = null;
  private due: number | null = null;

  constructor(private readonly o: BillingTimerOptions) {}

  /** The billing date the timer waits for (null: none). */
  get nextBillingDate(): number | null {
    return this.due;
  }

  /** The calendar was written: it runs from now. */
  start(): void {
    this.o.run().runningFrom = this.o.now();
    this.reschedule();
  }

  /** Arms the one timer for the next billing date (after a write, a restore, a clock change). */
  reschedule(): void {
    this.timer?.cancel();
    this.timer = null;
    this.due = null;
    const from = this.o.run().runningFrom;
    if (from === null) return;
    const at = this.o.next(from);
    if (at === null) return;
    this.due = at;
    this.timer = this.o.setTimer(Math.max(0, at - this.o.now()), () => this.fire(at), this.o.label);
  }

  private fire(at: number): void {
    this.timer = null;
    // the device clock may have moved back since: run only when the date has come
    if (this.o.now() >= at) this.o.onDate(at);
    this.reschedule();
  }
}
