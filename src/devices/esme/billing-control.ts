/**
 * The ESME's billing calendar in time (issue 12): one timer for the next
 * billing date (billing-calendar.ts) on the device clock, not polling. At
 * each billing date the meter takes the billing data snapshot
 * (billing-data-log.ts), logs 0x8F0A (Billing Data Log Updated) and raises
 * ECS68, the ESME Critical Sensitive Alert (Billing Data Log): Message Code
 * 0x0061, alert 0x8F0A, critical (signed), carrying the new entry of the
 * billing data log 7/0-0:98.1.0.255/2 as the output of Data Protection
 * 0-0:43.2.11.255 method 1 (GBCS V3.1 use-case tables, section 8.5),
 * payload-encrypted for the alert's recipient (the supplier) under the
 * alert's own Originator Counter.
 *
 * The calendar runs from the moment ECS30 / ECS30a (DUIS 6.8) writes it:
 * the monthly calendar a meter is made with (the RTDS ESME's) is held for
 * ECS26d but not run (PROVISIONAL: a meter as made here raises no billing
 * alerts until the supplier sets its billing calendar). A restart resumes
 * from the last billing date taken: the dates missed while the meter was
 * off, or skipped by a forward clock change, are taken one by one at once.
 */
import { dlms, encodeDlmsData } from '../../gbcs/payload/dlms.ts';
import { formatCosemDateTimeText } from '../../gbcs/use-cases/cosem-text.ts';
import { encodeAlert, useCaseById } from '../../gbcs/use-cases/index.ts';
import { type Eui, toHex, u64be } from '../../runtime/bytes.ts';
import type { TimerHandle } from '../../runtime/clock.ts';
import { BillingDateTimer } from '../meter-common/billing-timer.ts';
import { cosemDateTime } from '../meter-common/time.ts';
import { getAttribute } from './attribute-store.ts';
import { type BillingState, type ExecutionTime, nextBillingDate } from './billing-calendar.ts';
import { newestEntryBuffer, takeBillingSnapshot } from './billing-data-log.ts';
import { resetBlockCounters } from './block-counters.ts';
import type { EsmeServices } from './services.ts';

export const ECS68 = useCaseById('ECS68')!;
export const BILLING_DATA_LOG_UPDATED = 0x8f0a;
/** GBCS 7.2.4 protection parameters: general-ciphering with agreed key, as the ESME's protected reads (RTDS ECS20c). */
const PROTECTION_TYPE = 2;
const KEY_INFO_AGREED = 2;
/** PROVISIONAL: the CRA flag of an alert (3) then its Originator Counter, as a protected read's transaction id. */
const CRA_ALERT = 0x03;

export interface BillingHost {
  readonly services: EsmeServices;
  now(): number;
  /** brings consumption and the prepayment accounts up to now (catch-up: the meter's advance) */
  advance(): void;
  setTimer(delayMs: number, fn: () => void, label: string): TimerHandle;
  /** raises the ECS68 alert whose payload `build` makes for the alert's recipient and Originator Counter */
  raise(build: (recipient: Eui, counter: bigint) => Uint8Array, code: number): void;
}

export class BillingCalendarControl {
  private readonly timer: BillingDateTimer;

  constructor(private readonly host: BillingHost) {
    this.timer = new BillingDateTimer({
      now: () => host.now(),
      setTimer: (delay, fn, label) => host.setTimer(delay, fn, label),
      run: () => this.state,
      next: (from) => {
        const calendar = getAttribute(host.services.state, 'billingCalendar.executionTime');
        return Array.isArray(calendar) ? nextBillingDate(calendar as ExecutionTime[], from) : null;
      },
      label: 'billing date',
      onDate: (at) => this.takeBillingDate(at),
    });
  }

  private get state(): BillingState {
    return this.host.services.state.billing;
  }

  /** The billing date the timer waits for (null: none). */
  get nextBillingDate(): number | null {
    return this.timer.nextBillingDate;
  }

  /** ECS30 / ECS30a wrote the calendar: it runs from now. */
  start(): void {
    this.timer.start();
  }

  /** Arms the one timer for the next billing date (after a write, a restore, a clock change). */
  reschedule(): void {
    this.timer.reschedule();
  }

  /** A billing date has come: the snapshot, 0x8F0A and ECS68 (the timer arms the next date). */
  private takeBillingDate(at: number): void {
    // what was consumed up to the billing date belongs to the period that ends
    this.host.advance();
    const esme = this.host.services;
    const entry = takeBillingSnapshot(esme, at);
    // a new billing period: the block counters start again (block-counters.ts)
    resetBlockCounters(esme.state);
    this.state.runningFrom = at;
    esme.logEvent(BILLING_DATA_LOG_UPDATED);
    // the output of get_protected_attributes over one object: the log restricted to its newest entry
    const plaintext = encodeDlmsData(dlms.struct(newestEntryBuffer(entry)));
    this.host.raise(
      (recipient, counter) =>
        encodeAlert(
          ECS68,
          {
            alertCode: BILLING_DATA_LOG_UPDATED,
            timestamp: formatCosemDateTimeText(cosemDateTime(at)),
            protectionParameters: [
              {
                protectionType: PROTECTION_TYPE,
                protectionOptions: {
                  transactionId: toHex(Uint8Array.of(CRA_ALERT, ...u64be(counter))),
                  originatorSystemTitle: esme.eui,
                  recipientSystemTitle: recipient,
                  dateTime: '',
                  keyInfo: {
                    keyInfoType: KEY_INFO_AGREED,
                    agreedKey: { keyParameters: '02', keyCipheredData: '' },
                  },
                },
              },
            ],
            protectedAttributes: toHex(esme.security.encryptAlertPayload(recipient, counter, plaintext)),
          },
          { originatorCounter: counter },
        ),
      BILLING_DATA_LOG_UPDATED,
    );
  }
}
