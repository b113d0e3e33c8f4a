/**
 * SU-2 for a home without WAN (SECMP0038 3.1.1, CH-4): a PPMID-only command
 * (CV 2/6) that the PPMID reported `forwarded` has reached the home's CH, but
 * its device response waits in the CH's WAN buffer and cannot reach the
 * supplier until the WAN appears. Such a command ends `applied-unconfirmed`
 * (COMMAND_STATE_TABLE) with the evidence the supplier holds, and becomes
 * `responded` if the buffered response ever arrives (tracker `finish`).
 *
 * When: at once on `forwarded` when the premises' WAN class was `none`
 * (installed without WAN) or `absent` when the route was chosen (no response is expected at all); otherwise at
 * the command's expiry if the PPMID had forwarded it (tracker expiry).
 */
import type { CommandRecord, UnconfirmedEvidence } from './model.ts';
import type { CommandTracker } from './tracker.ts';

/** True when `c` should end `applied-unconfirmed` now (pure). */
export function unconfirmedNow(c: CommandRecord): boolean {
  return (
    c.route === 'ppmid' &&
    c.ppmid?.status === 'forwarded' &&
    (c.wanClass === 'absent' || c.wanClass === 'none')
  );
}

/** The evidence of a forwarded PPMID-only command (null when it was not forwarded by the PPMID). */
export function unconfirmedEvidence(
  c: CommandRecord,
  settled: UnconfirmedEvidence['settled'],
): UnconfirmedEvidence | null {
  if (c.route !== 'ppmid' || c.ppmid?.status !== 'forwarded') return null;
  return {
    forwarded: {
      ppmid: c.ppmid.ppmid,
      at: c.ppmid.forwardedAt ?? c.updatedAt,
      sequence: c.ppmid.lastSequence ?? 0,
      attempts: c.ppmid.attempts ?? 0,
    },
    wanClass: c.wanClass ?? null,
    settled,
  };
}

/** Settles `c` `applied-unconfirmed` when `unconfirmedNow` holds; returns whether it did. */
export function settleIfUnconfirmed(tracker: CommandTracker, c: CommandRecord): boolean {
  const evidence = unconfirmedNow(c) ? unconfirmedEvidence(c, 'forwarded-without-wan') : null;
  if (!evidence) return false;
  return tracker.settleUnconfirmed(
    c.id,
    evidence,
    'forwarded by the PPMID into a home without WAN: its response waits at the CH (CH-4)',
  );
}
