/**
 * The CHF's alerts: DLMS content (data-notification { alert code, date-time,
 * payload }, the layout of the CHF's GBCS alerts) and a per-cause throttle
 * (SECMP0038 CH-2: every discard raises an alert at once, but a flood must
 * not flood the WAN).
 *
 * The throttle lets the first alert of a cause through at once; further ones
 * within `windowMs` are counted, and when the window ends one summary alert
 * (the latest instance, carrying the count of suppressed ones) is raised.
 * Nothing is dropped silently: every instance is still an event in the CH's
 * log and a counter in its metrics.
 */
import {
  encodeProvisionalAlert,
  PROVISIONAL_ALERT_CODES,
  type ProvisionalAlert,
} from '../../gbcs/codes/provisional.ts';
import { decodeMessage } from '../../gbcs/decode.ts';
import { type DlmsData, encodeDlmsApdu, type LongInvokeIdAndPriority } from '../../gbcs/payload/dlms.ts';
import { formatCosemDateTimeText } from '../../gbcs/use-cases/cosem-text.ts';
import { encodeAlert, useCaseById } from '../../gbcs/use-cases/index.ts';
import { toHex } from '../../runtime/bytes.ts';
import type { Clock, TimerHandle } from '../../runtime/clock.ts';
import { LazyMap } from '../../runtime/lazy-collections.ts';

/** GBCS alert codes the CHF raises besides the provisional SECMP0038 ones (GBCS.md 5). */
export const CHF_GBCS_ALERT = {
  /** Failure to Deliver Remote Party Message to ESME */
  FAILURE_TO_DELIVER_TO_ESME: 0x8f84,
  /** GSME Command Not Retrieved (mailbox entry expired) */
  GSME_COMMAND_NOT_RETRIEVED: 0x819d,
  /** Source Does not have Authority for Command */
  SOURCE_HAS_NO_AUTHORITY: 0x8f30,
} as const;

/** Generic Critical / Non-Critical Alert Message Codes (GBCS 0x1000 / 0x1001). */
export const GENERIC_CRITICAL_ALERT = 0x1000;
export const GENERIC_NON_CRITICAL_ALERT = 0x1001;

/** A CHF alert ready to seal: its Message Code, criticality and DLMS content. */
export interface ChfAlertContent {
  alertCode: number;
  messageCode: number;
  critical: boolean;
  content: Uint8Array;
  /** short name for logs and the test automation API */
  name: string;
}

/** Content of a provisional SECMP0038 alert (codes from the one table in gbcs/codes/provisional.ts). */
export function provisionalAlertContent(
  alert: ProvisionalAlert,
  invoke: LongInvokeIdAndPriority,
  dateTime: Uint8Array,
): ChfAlertContent {
  const info = PROVISIONAL_ALERT_CODES.find((a) => a.alert === alert.alert);
  if (!info) throw new RangeError(`no provisional alert code for ${alert.alert}`);
  return {
    alertCode: info.code,
    messageCode: info.messageCode,
    critical: info.critical,
    content: encodeProvisionalAlert(alert, { invoke, dateTime }),
    name: alert.alert,
  };
}

/**
 * Content of a GBCS CHF alert in the same DLMS layout. The payload structure
 * the CHF adds (e.g. the ESME's EUI and the Message Code of the message it
 * failed to deliver) is this project's choice: GBCS fixes the alert codes,
 * the exact payload of these two was not confirmed here.
 */
export function gbcsAlertContent(
  alertCode: number,
  payload: DlmsData[],
  invoke: LongInvokeIdAndPriority,
  dateTime: Uint8Array,
  name: string,
): ChfAlertContent {
  const critical = alertCode >= 0x8f00;
  return {
    alertCode,
    messageCode: critical ? GENERIC_CRITICAL_ALERT : GENERIC_NON_CRITICAL_ALERT,
    critical,
    name,
    content: encodeDlmsApdu({
      apdu: 'data-notification',
      invoke,
      dateTime: new Uint8Array(0),
      body: {
        type: 'structure',
        items: [
          { type: 'long-unsigned', value: alertCode },
          { type: 'octet-string', value: dateTime },
          { type: 'structure', items: payload },
        ],
      },
    }),
  };
}

const CRA_FLAG = { command: 1, response: 2, alert: 3 } as const;

/**
 * Content of the Failure to Deliver Remote Party Message to ESME alert
 * (Message Code 0x00D5, alert code 8F84), as its catalogue row has it
 * (rows/dlms-alerts.ts `FailureToDeliverToEsme`, UNCONFIRMED): the header of
 * the message the CHF could not deliver, business originator (the
 * Supplementary Remote Party when the ACB sent it for a party), target, CRA
 * flag and originator counter. Bytes that are not a GBCS message (never
 * sent to an ESME by the CHF: it delivers only what it decoded) give the
 * target alone.
 */
export function failureToDeliverToEsmeContent(
  target: string,
  undelivered: Uint8Array | undefined,
  counter: bigint,
  dateTime: Uint8Array,
): ChfAlertContent {
  const row = useCaseById('FailureToDeliverToEsme')!;
  let header = { originator: '0000000000000000', target, cra: 1, counter: 0n };
  if (undelivered) {
    try {
      const m = decodeMessage(undelivered);
      header = {
        originator: m.otherInfo.supplementaryRemotePartyId ?? m.originator,
        target: m.recipient,
        cra: CRA_FLAG[m.cra],
        counter: m.originatorCounter,
      };
    } catch {
      // keep the target alone
    }
  }
  const remotePartyMessage = (
    header.originator +
    header.target +
    toHex(Uint8Array.of(header.cra)) +
    header.counter.toString(16).padStart(16, '0')
  ).toUpperCase();
  const alertCode = CHF_GBCS_ALERT.FAILURE_TO_DELIVER_TO_ESME;
  return {
    alertCode,
    messageCode: row.code,
    critical: row.critical,
    name: 'failure-to-deliver-to-esme',
    content: encodeAlert(
      row,
      { alertCode, timestamp: formatCosemDateTimeText(dateTime), remotePartyMessage },
      { originatorCounter: counter },
    ),
  };
}

interface ThrottleState {
  lastAt: number;
  suppressed: number;
  latest: ((suppressed: number) => void) | undefined;
  timer: TimerHandle | undefined;
}

/** Per-cause alert throttle on the clock (see the file comment). */
export class AlertThrottle {
  private readonly causes: Map<string, ThrottleState> = new LazyMap();
  /** alerts let through (first of a window, or summaries) and instances suppressed */
  sent = 0;
  suppressedTotal = 0;

  constructor(
    private readonly clock: Clock,
    readonly windowMs: number,
    /** most causes tracked at once (bounded, CH-8); the oldest idle one is forgotten first */
    private readonly maxCauses = 256,
  ) {}

  /**
   * Submits one instance of `cause`. `raise(suppressed)` is called now when
   * the cause is not throttled, or later once, as the window's summary.
   * Returns whether it was raised now.
   */
  submit(cause: string, raise: (suppressed: number) => void): boolean {
    const now = this.clock.now();
    let s = this.causes.get(cause);
    if (!s) {
      if (this.causes.size >= this.maxCauses) {
        for (const [k, v] of this.causes)
          if (!v.timer) {
            this.causes.delete(k);
            break;
          }
      }
      s = { lastAt: Number.NEGATIVE_INFINITY, suppressed: 0, latest: undefined, timer: undefined };
      this.causes.set(cause, s);
    }
    if (now - s.lastAt >= this.windowMs && !s.timer) {
      s.lastAt = now;
      this.sent++;
      raise(0);
      return true;
    }
    s.suppressed++;
    this.suppressedTotal++;
    s.latest = raise;
    if (!s.timer) {
      const state = s;
      state.timer = this.clock.setTimer(
        state.lastAt + this.windowMs - now,
        () => this.flush(state),
        'chf:alert-throttle',
      );
    }
    return false;
  }

  private flush(s: ThrottleState): void {
    s.timer = undefined;
    if (s.suppressed === 0 || !s.latest) return;
    const n = s.suppressed;
    const raise = s.latest;
    s.suppressed = 0;
    s.latest = undefined;
    s.lastAt = this.clock.now();
    this.sent++;
    raise(n);
  }

  /** Instances waiting for their cause's summary. */
  pending(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.causes) if (v.suppressed > 0) out[k] = v.suppressed;
    return out;
  }
}

/** A token bucket on the clock (SECMP0038 CH-7: PPMID-relayed commands per PPMID). */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    readonly capacity: number,
    /** tokens added per millisecond */
    readonly ratePerMs: number,
  ) {
    this.tokens = capacity;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.ratePerMs);
      this.last = now;
    }
  }

  /** Takes one token if there is one. */
  take(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  get available(): number {
    this.refill();
    return this.tokens;
  }
}
