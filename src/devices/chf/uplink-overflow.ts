/**
 * What the CH's WAN uplink buffer gives up when it is full (SECMP0038 CH-4,
 * CH-8; issue 15): the OLDEST message, so that after a long time without
 * WAN the buffer holds the most recent responses and alerts. The capacity is
 * shared: `uplinkCapacity` for everything, plus `uplinkAlertReserve` slots
 * only the CHF's own alerts may use, so an overflow can still be reported.
 *
 * - a message that is not the CHF's own, at `uplinkCapacity` or more: the
 *   oldest message that is not the CHF's own goes;
 * - the CHF's own alert at the full capacity: the oldest own message goes
 *   (others are bounded by `uplinkCapacity`, so there is one);
 * - nothing of the right kind to give up: the new message is refused.
 *
 * Pure: returns the index (from the oldest, 0) to evict, or `refuse`, or
 * `room`. The Chf counts and reports the eviction (chf.uplink.dropped, an
 * `uplink-buffer-full` event, the buffer-full alert).
 */
export interface UplinkEntryKind {
  own: boolean;
}

export type UplinkOverflow = { action: 'room' } | { action: 'evict'; index: number } | { action: 'refuse' };

export function uplinkOverflow(
  buffered: readonly UplinkEntryKind[],
  incoming: UplinkEntryKind,
  cfg: { uplinkCapacity: number; uplinkAlertReserve: number },
): UplinkOverflow {
  const limit = incoming.own ? cfg.uplinkCapacity + cfg.uplinkAlertReserve : cfg.uplinkCapacity;
  if (buffered.length < limit) return { action: 'room' };
  const index = buffered.findIndex((e) => e.own === incoming.own);
  return index < 0 ? { action: 'refuse' } : { action: 'evict', index };
}
