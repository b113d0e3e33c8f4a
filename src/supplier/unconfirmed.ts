/**
 * SU-2 for a home without WAN (SECMP0038 3.1.1, CH-4): a PPMID-only command
 * (CV 2/6) that the PPMID reported `forwarded` has reached the home's CH, but
 * its device response waits in the CH's WAN buffer and cannot reach the
 * supplier until the WAN appears. Such a command ends `applied-unconfirmed`
 * (COMMAND_STATE_TABLE) with the evidence the supplier holds, and becomes
 * `responded` if the buffered response ever arrives (tracker `finish`).
 *
 * When: at once on `forwarded` when the premises' WAN class was `none` when
 * the route was chosen (installed without WAN: no response can come before
 * the WAN first appears); otherwise (`absent`, a WAN that failed and may come
 * back with the buffered response) at the command's expiry if the PPMID had
 * forwarded it (tracker expiry). Until then an `absent` premises' command stays
 * `in-flight`, which is what the supplier knows: delivered, response awaited.
 */
import type { CommandRecord, UnconfirmedEvidence } from './model.ts';
import type { CommandTracker } from './tracker.ts';

/** True when `c` should end `applied-unconfirmed` now (pure). */
export function unconfirmedNow(c: CommandRecord): boolean {
  return c.route === 'ppmid' && c.ppmid?.status === 'forwarded' && c.wanClass === 'none';
}

/**
 * The evidence of a forwarded PPMID-only command into a premises whose WAN
 * could not bring its response back (class `none` or `absent` when the route
 * was chosen); null otherwise. Where the WAN works, a missing response is
 * itself evidence (the command ends `expired`): `forwarded` proves only that
 * the CH took the command off the HAN, not that the meter applied it.
 */
export function unconfirmedEvidence(
  c: CommandRecord,
  settled: UnconfirmedEvidence['settled'],
): UnconfirmedEvidence | null {
  if (c.route !== 'ppmid' || c.ppmid?.status !== 'forwarded') return null;
  if (c.wanClass !== 'none' && c.wanClass !== 'absent') return null;
  return {
    forwarded: {
      ppmid: c.ppmid.ppmid,
      at: c.ppmid.forwardedAt ?? c.updatedAt,
      sequence: c.ppmid.lastSequence ?? 0,
      attempts: c.ppmid.attempts ?? 0,
    },
    wanClass: c.wanClass ?? null,
    settled,
    ...(c.ppmid.creditRead ? { creditRead: c.ppmid.creditRead } : {}),
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
