/**
 * The DSP's check of a device alert addressed to the ACB before it is passed
 * on as a DCC Alert (alert-routing.ts): nobody downstream can verify it (the
 * users get a DualBandCHAlert, not the GBCS bytes), so the DSP does, with the
 * same SecurityContext checks it makes on device responses (service.ts:
 * `verifyMac`, `verifySignature`; the MAC key from the ACB's KA private key
 * and the device's KA certificate in the DSP's key store).
 *
 * - The MAC must verify. Unlike a response (forwarded to a user who can
 *   check it), an ACB-addressed alert with no MAC (`mac-absent`) or whose
 *   key the DSP does not hold (`no-key`) is dropped too: a CHF MACs every
 *   alert (GBCS.md 3), and no one else could tell a forged one.
 * - A signature, where present and the signer's DS key is held, must verify
 *   (as for responses).
 * - Replay: the Originator Counter must exceed the highest accepted from that
 *   device (the devices' own rule, gbcs/acceptance.ts `ReplayGuard`); the
 *   response path gets the same protection from matching each response to
 *   its request (DSP-6). Recorded only when every check passes, and
 *   persisted (table dsp_alert_counters, migration 039, through the DSP
 *   journal; `load` at open): an alert replayed after a DSP restart is
 *   still rejected.
 *
 * A failing alert changes nothing: no counter is recorded, nothing is routed.
 */
import { type CheckResult, type GbcsMessage, ReplayGuard } from '../../gbcs/index.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { DspDb } from './tables.ts';

/** Queues a write in the DSP journal (service.ts `#persist`). */
type Persist = (op: (db: DspDb) => Promise<unknown>) => void;

/** Where the gate keeps its high-water marks: absent, in memory only (unit tests of the checks). */
export interface AlertCounterStore {
  persist: Persist;
  /** the DSP's clock (updated_at of a row) */
  now: () => number;
}

/** Why an ACB-addressed alert is dropped (logged with the alert, counted as `alerts.rejected.<reason>`). */
export type AcbAlertRejection = 'mac-invalid' | 'mac-absent' | 'no-key' | 'signature-invalid' | 'replay';

/** The checks the gate reads of the DSP's SecurityContext. */
export interface AlertVerifier {
  verifyMac(msg: GbcsMessage): CheckResult;
  verifySignature(msg: GbcsMessage): CheckResult;
}

const MAC_REJECTION: Readonly<Record<Exclude<CheckResult, 'valid'>, AcbAlertRejection>> = {
  invalid: 'mac-invalid',
  absent: 'mac-absent',
  'no-key': 'no-key',
};

/** Admits ACB-addressed alerts: `undefined` = genuine and fresh (its counter is recorded), else why it is dropped. */
export class AcbAlertGate {
  readonly #replay = new ReplayGuard();

  /** `security` and `count` are read on each call (the DSP's are set after its view is built). */
  constructor(
    private readonly security: () => AlertVerifier,
    private readonly count: (reason: AcbAlertRejection) => void = () => {},
    private readonly store?: AlertCounterStore,
  ) {}

  /** Restores the persisted high-water marks (the DSP's open). */
  async load(db: DspDb): Promise<void> {
    for (const r of await db.selectFrom('dsp_alert_counters').selectAll().execute())
      this.#replay.accept(r.device, BigInt(r.counter));
  }

  readonly admit = (msg: GbcsMessage): AcbAlertRejection | undefined => {
    const reason = this.#check(msg);
    if (reason) this.count(reason);
    else this.#record(msg.originator, msg.originatorCounter);
    return reason;
  };

  #record(device: Eui, counter: bigint): void {
    this.#replay.accept(device, counter);
    if (!this.store) return;
    const value = counter.toString().padStart(20, '0');
    const at = this.store.now();
    this.store.persist((db) =>
      db
        .insertInto('dsp_alert_counters')
        .values({ device, counter: value, updated_at: at })
        .onConflict((oc) => oc.column('device').doUpdateSet({ counter: value, updated_at: at }))
        .execute(),
    );
  }

  /** The highest counter accepted from `device`. */
  highestAccepted(device: string): bigint | undefined {
    return this.#replay.highestAccepted(device);
  }

  #check(msg: GbcsMessage): AcbAlertRejection | undefined {
    const sec = this.security();
    const mac = sec.verifyMac(msg);
    if (mac !== 'valid') return MAC_REJECTION[mac];
    if (sec.verifySignature(msg) === 'invalid') return 'signature-invalid';
    if (!this.#replay.isFresh(msg.originator, msg.originatorCounter)) return 'replay';
    return undefined;
  }
}

/** The reason text of a dropped alert (the typed reason first). */
export function rejectionText(reason: AcbAlertRejection, useCase: string, msg: GbcsMessage): string {
  const what: Record<AcbAlertRejection, string> = {
    'mac-invalid': 'the MAC does not verify',
    'mac-absent': 'it carries no MAC',
    'no-key': 'the DSP holds no key to verify its MAC',
    'signature-invalid': 'the signature does not verify',
    replay: 'its Originator Counter is not above the last accepted from the device',
  };
  return `${reason}: ${useCase} from ${msg.originator} (counter ${msg.originatorCounter}): ${what[reason]}`;
}
