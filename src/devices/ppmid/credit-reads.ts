/**
 * When a relayed top-up (CS01a/CS01b) has been forwarded, the PPMID reads the
 * target meter's Credit Remaining over the HAN (ZSE Prepayment 0x0705, a ZCL
 * Read Attributes secured with the device-to-device link key, credit-read.ts)
 * and shows it: its own evidence that the meter holds the new credit, for a
 * premises without WAN (SECMP0038 issue 15; the meter's response waits at the
 * CH, CH-4). Nothing is read when the uplink is not a HAN node or holds no
 * link key for that meter (counted). One read, `delayMs` after the CH took
 * the transfer (the CH still has to route it to the meter).
 */
import type { Eui } from '../../runtime/bytes.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Metrics } from '../../runtime/metrics.ts';
import type { HanUplink } from '../contracts.ts';
import { TOP_UP_USE_CASES } from '../security/authority.ts';
import {
  type CreditReading,
  creditReadingFrom,
  creditReadRequest,
  PREPAYMENT_CLUSTER_ID,
} from './credit-read.ts';

/** Default wait between "forwarded" and the read (virtual ms). */
export const CREDIT_READ_DELAY_MS = 5_000;

export interface CreditReadsHost<About = undefined> {
  readonly clock: Clock;
  readonly metrics: Metrics;
  uplink(): HanUplink | undefined;
  stopped(): boolean;
  /** a reading arrived: show it */
  shown(reading: CreditReading, about: About): void;
  /** no reading (HAN failure or a refused/malformed answer) */
  failed(meter: Eui, detail: string, about: About): void;
}

export class CreditReads<About = undefined> {
  private tsn = 0;

  constructor(
    private readonly host: CreditReadsHost<About>,
    private readonly delayMs = CREDIT_READ_DELAY_MS,
  ) {}

  /** A relayed command was forwarded: a top-up for a meter this node shares a link key with is read back. */
  afterForwarded(useCase: string | null, target: Eui | null, about: About): void {
    if (!useCase || !target || !TOP_UP_USE_CASES.has(useCase)) return;
    const u = this.host.uplink();
    if (!u?.readAttributes || !u.hasPeerLinkKey?.(target)) {
      this.host.metrics.inc('ppmid.credit-read.no-link-key');
      return;
    }
    this.host.clock.setTimer(this.delayMs, () => this.read(target, about), 'ppmid:credit-read');
  }

  private read(meter: Eui, about: About): void {
    const u = this.host.uplink();
    if (this.host.stopped() || !u?.readAttributes) return;
    this.tsn = (this.tsn + 1) & 0xff;
    const tsn = this.tsn;
    this.host.metrics.inc('ppmid.credit-read.sent');
    u.readAttributes(meter, PREPAYMENT_CLUSTER_ID, creditReadRequest(tsn), tsn, (r) => {
      if (this.host.stopped()) return;
      if (!r.ok) {
        this.host.metrics.inc(`ppmid.credit-read.failed.${r.reason}`);
        this.host.failed(meter, `HAN: ${r.reason}`, about);
        return;
      }
      let reading: CreditReading;
      try {
        reading = creditReadingFrom(meter, r.asdu, tsn, Math.floor(this.host.clock.now()));
      } catch (e) {
        this.host.metrics.inc('ppmid.credit-read.failed.malformed');
        this.host.failed(meter, e instanceof Error ? e.message : String(e), about);
        return;
      }
      this.host.metrics.inc('ppmid.credit-read.ok');
      this.host.shown(reading, about);
    });
  }
}
