/**
 * Re-sending a PPMID envelope the broker may have lost (issue 13, SU-2 with
 * PP-1/PP-3). A QoS 1 envelope the broker acknowledged (`published`) lives
 * only in the broker's session for the PPMID until the PPMID takes it. When
 * the broker loses that session (the embedded broker dies with the
 * supplier's process; an external one restarts without persistence), the
 * envelope is gone and the command would wait for its expiry.
 *
 * So the supplier watches each PPMID's retained presence
 * (`ppmid/v1/<EUI>/presence`): a PPMID publishes `online` after every
 * connect, once its inbox subscription is in place (adapters/mqtt). On each
 * `online` (and on the retained one the broker hands over when the supplier
 * subscribes after a restart) every open command whose envelope to that
 * PPMID is still `published` (no report from the PPMID yet) is published
 * again, the same stored bytes. The PPMID's duplicate check (PP-2, its
 * duplicate marks are in its non-volatile snapshot, PP-3) answers a copy it
 * already has with its latest report, so an envelope reaches the PPMID and
 * its meter at most once, and at least once while the command is open; the
 * meter's anti-replay (GBCS Originator Counters) is the last guard.
 */
import {
  ALL_PRESENCE_FILTER,
  decodePresence,
  type InternetLink,
  type InternetMessage,
  inboxTopic,
  parsePpmidTopic,
} from '../adapters/mqtt/index.ts';
import { type Eui, fromHex } from '../runtime/bytes.ts';
import { Logger } from '../runtime/logger.ts';
import type { Metrics } from '../runtime/metrics.ts';
import { isTerminal } from './command-states.ts';
import type { CommandRecord } from './model.ts';

const log = Logger.get('supplier:resend');

/** What the resender needs of the supplier (the service implements it). */
export interface EnvelopeResendHost {
  /** Open commands (the tracker's memory). */
  openCommands(): CommandRecord[];
  /** Records that the command's envelope went out again (a hop; no state change). */
  recordResent(c: CommandRecord, detail: Record<string, unknown>): void;
  /** False once the service is closed (a closed service publishes nothing). */
  alive(): boolean;
  /**
   * Issue 13: whether `ppmid` may still be sent envelopes (false once revoked). An external
   * broker admits a revoked certificate until it re-reads the CRL: its `online` must not
   * bring it the envelopes it had not taken.
   */
  trusted(ppmid: Eui): boolean;
}

/** The open commands whose envelope to `ppmid` the broker acknowledged and the PPMID has not reported on. */
export function envelopesAwaitingPpmid(open: readonly CommandRecord[], ppmid: Eui): CommandRecord[] {
  return open.filter(
    (c) => !isTerminal(c.state) && c.ppmid?.ppmid === ppmid && c.ppmid.status === 'published',
  );
}

export class EnvelopeResender {
  constructor(
    private readonly link: InternetLink,
    private readonly host: EnvelopeResendHost,
    private readonly metrics: Metrics,
  ) {}

  /** Subscribes to every PPMID's presence (the retained ones arrive at once). */
  async start(): Promise<void> {
    await this.link.subscribe(ALL_PRESENCE_FILTER, (m) => this.onPresence(m), { qos: 1 });
  }

  async onPresence(m: InternetMessage): Promise<void> {
    const t = parsePpmidTopic(m.topic);
    if (t?.channel !== 'presence') return;
    const p = decodePresence(m.payload);
    if (p?.state !== 'online' || p.clientId !== t.ppmidEui) return;
    await this.resendTo(t.ppmidEui, m.retain ? 'retained-online' : 'online');
  }

  /** Publishes again every envelope `ppmid` has not reported on; returns how many. */
  async resendTo(ppmid: Eui, why: string): Promise<number> {
    if (!this.host.trusted(ppmid)) {
      this.metrics.inc('envelope-resend-refused{untrusted}');
      log.warn('presence of a PPMID no longer trusted: nothing re-sent', { ppmid, why });
      return 0;
    }
    let n = 0;
    for (const c of envelopesAwaitingPpmid(this.host.openCommands(), ppmid)) {
      if (!this.host.alive()) break;
      const leg = c.ppmid!;
      try {
        await this.link.publish(inboxTopic(ppmid), fromHex(leg.envelopeHex), { qos: 1 });
      } catch (err) {
        this.metrics.inc('envelope-resend-failed');
        log.warn('envelope not re-sent', { command: c.id, ppmid, error: String(err) });
        continue;
      }
      if (!this.host.alive()) break;
      n++;
      this.metrics.inc('envelope-resent');
      this.host.recordResent(c, { ppmid, envelopeId: leg.envelopeId, presence: why });
    }
    if (n) log.info('envelopes re-sent to a PPMID that came online', { ppmid, n, why });
    return n;
  }
}
