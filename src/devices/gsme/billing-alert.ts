/**
 * The GSME's billing calendar in time (issue 12; the ESME's counterpart is
 * esme/billing-control.ts): one timer, on the device clock, for the next end
 * of a billing period of the Billing Calendar (Publish Billing Period, set by
 * GCS25a from DUIS 6.8; snapshots.ts nextBillingPeriodEnd). At each one the
 * meter's End of Billing Period snapshot (cause 0x02, snapshots.ts: the one
 * GCS15c, 'Billing Data Log, billing calendar', reads) is in its snapshot
 * log, 0x8F0A (Billing Data Log Updated) is logged and GCS53 is raised:
 * Push Billing Data Log as an Alert, Message Code 0x008B, alert 0x8F0A,
 * critical (signed), one payload-encrypted Publish Snapshot (Metering,
 * frame control 0x19) of that snapshot, encrypted for the alert's recipient
 * (the supplier) under the alert's own Originator Counter (GBCS V3.1 GCS53
 * message template, the row in gbcs/use-cases/rows/gsme.ts). It goes to the
 * CHF as every other GSME alert does (MeterDevice.sendAlert).
 *
 * PROVISIONAL (GBCS does not settle it here):
 * - the Publish Snapshot's fields other than those the template fixes
 *   (Total Snapshots Found 1, Command Index 0, Total Number of Commands 1,
 *   payload type 6): the Snapshot ID is the one the metering cluster gave
 *   the snapshot (as a Get Snapshot answers it), the cause End of Billing
 *   Period (0x02), the payload the registers at the billing date;
 * - the alert is raised only once a GCS25a (DUIS 6.8) has set the Billing
 *   Calendar: the calendar a GSME is made with (the RTDS GSME's, GCS21k)
 *   still gives End of Billing Period snapshots but raises no alert (the
 *   same rule as the ESME, so estate homes do not change);
 * - 0x8F0A is logged in the General Event Log, as the ESME logs it.
 * A restart resumes from the last billing date raised: dates missed while
 * the meter was off are raised one by one at once.
 */
import { encodeAlert, useCaseById } from '../../gbcs/use-cases/index.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { TimerHandle } from '../../runtime/clock.ts';
import { BillingDateTimer } from '../meter-common/billing-timer.ts';
import { zigbeeTime } from '../meter-common/time.ts';
import type { DeviceSecurity } from '../security/device-security.ts';
import type { GsmeState } from './gsme.ts';
import { encryptedComponent } from './handlers/gbz.ts';
import { nextBillingPeriodEnd, publishSnapshotFields, SNAPSHOT_CAUSE } from './snapshots.ts';

export const GCS53 = useCaseById('GCS53')!;
export const BILLING_DATA_LOG_UPDATED = 0x8f0a;
/** Frame control the Publish Snapshot's plaintext is encoded with (as a Get Snapshot's answer). */
const PUBLISH_FRAME_CONTROL = 0x09;

/** Where the billing alerts stand: null, not running; else the time after which the next billing date is sought. */
export interface GsmeBillingRun {
  runningFrom: number | null;
}

export interface GsmeBillingHost {
  readonly state: GsmeState;
  readonly security: DeviceSecurity;
  now(): number;
  setTimer(delayMs: number, fn: () => void, label: string): TimerHandle;
  /** brings the meter to now: the snapshots due (snapshots.ts recordScheduledSnapshots) are taken */
  advance(): void;
  logEvent(code: number): void;
  /** the alert's recipient, or null (none: the host counts it, nothing is sent) */
  recipient(): Eui | null;
  /** the Originator Counter the next alert gets */
  nextCounter(): bigint;
  /** sends GCS53 (Message Code, critical) with this payload */
  send(payload: Uint8Array): void;
  /** a billing date whose snapshot the log no longer holds (counted, recorded) */
  missing(atMs: number): void;
}

export class GsmeBillingAlerts {
  private readonly timer: BillingDateTimer;

  constructor(private readonly host: GsmeBillingHost) {
    this.timer = new BillingDateTimer({
      now: () => host.now(),
      setTimer: (delay, fn, label) => host.setTimer(delay, fn, label),
      run: () => this.run,
      next: (from) => nextBillingPeriodEnd(host.state, from),
      label: 'billing period end',
      onDate: (at) => this.endBillingPeriod(at),
    });
  }

  private get run(): GsmeBillingRun {
    return this.host.state.billingRun;
  }

  /** The billing date the timer waits for (null: none). */
  get nextBillingDate(): number | null {
    return this.timer.nextBillingDate;
  }

  /** GCS25a set the Billing Calendar: the alerts run from now. */
  start(): void {
    this.timer.start();
  }

  /** Arms the one timer for the next billing date (after a write, a restore, a clock change). */
  reschedule(): void {
    this.timer.reschedule();
  }

  /** A billing period ended: 0x8F0A and GCS53 with its snapshot (the timer arms the next date). */
  private endBillingPeriod(at: number): void {
    this.host.advance();
    this.run.runningFrom = at;
    const time = zigbeeTime(at);
    const entry = this.host.state.snapshotLog.entries.find(
      (e) => e.time === time && (e.cause & SNAPSHOT_CAUSE.endOfBillingPeriod) !== 0,
    );
    if (!entry) {
      this.host.missing(at);
      return;
    }
    this.host.logEvent(BILLING_DATA_LOG_UPDATED);
    const recipient = this.host.recipient();
    if (recipient) {
      const counter = this.host.nextCounter();
      const component = encryptedComponent(
        'metering',
        'publishSnapshot',
        PUBLISH_FRAME_CONTROL,
        publishSnapshotFields(entry, entry.ids?.metering ?? 0, 1),
        (plaintext) => this.host.security.encryptAlertPayload(recipient, counter, plaintext),
      );
      this.host.send(
        encodeAlert(
          GCS53,
          {
            alertCode: BILLING_DATA_LOG_UPDATED,
            alertTime: time,
            components: [
              { cluster: component.cluster, command: component.command, encrypted: component.encrypted },
            ],
          },
          { originatorCounter: counter },
        ),
      );
    }
  }
}
