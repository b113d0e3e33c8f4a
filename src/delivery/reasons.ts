/**
 * The vocabulary of the internet leg's status reports (SECMP0038 PP-2 "report
 * each outcome back to the supplier"; SU-2 "track every command to one final
 * state"): outcomes and reason codes, one table each. The wire value of an
 * outcome or a reason is its index + 1 (0 = none), so the order of these
 * arrays is part of the format: append, never reorder.
 */

/**
 * What happened to one delivery envelope at the PPMID.
 * - `accepted-queued`: passed every PP-2 check, stored in the outbox (PP-3);
 * - `forwarded`: the HAN transfer to the Communications Hub completed (final);
 * - `delivery-failed`: the retry budget ran out on HAN failures (final);
 * - `expired`: the envelope's expires-at passed before it could be forwarded (final);
 * - `rejected`: refused by a PP-2 check, with the reason (final).
 */
export const DELIVERY_OUTCOMES = [
  'accepted-queued',
  'forwarded',
  'delivery-failed',
  'expired',
  'rejected',
] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** Outcomes after which nothing more is reported for the envelope. */
export const FINAL_OUTCOMES: ReadonlySet<DeliveryOutcome> = new Set([
  'forwarded',
  'delivery-failed',
  'expired',
  'rejected',
]);

/**
 * Why an envelope was refused, failed or expired. Grouped by the check that
 * produces it (docs/ppmid.md has the table with the clause behind each).
 */
export const PPMID_REASONS = [
  // ---- the delivery envelope (PP-2 "signed by its supplier's delivery key")
  'envelope-malformed',
  'unsupported-version',
  'wrong-ppmid',
  'unknown-supplier',
  'unknown-key',
  'bad-signature',
  'bad-validity',
  'expired',
  // ---- the GBCS message inside (PP-2; mirrors the CH-2/CH-3 discards so nothing reaches the CH that it would refuse)
  'malformed',
  'not-a-command',
  'no-acb-mac',
  'unknown-use-case',
  'firmware',
  'oversize',
  'target-not-in-home',
  'target-is-chf',
  'target-is-gpf',
  'target-is-hht',
  'target-is-ppmid',
  'target-is-remote-party',
  'originator-mismatch',
  'request-id-mismatch',
  'duplicate',
  // ---- the outbox (PP-3)
  'outbox-full',
  // ---- HAN failures behind a `delivery-failed` (HanSendResult reasons, contracts.ts)
  'han-link-down',
  'han-tunnel-closed',
  'han-duty-cycle',
  'han-too-large',
  'han-rejected',
  'han-lost',
  'han-no-answer',
  // the CH refused the transfer for now (TransferDataError DataOverflow, its CH-7 rate limit): retried, never final
  'han-busy',
] as const;
export type PpmidReason = (typeof PPMID_REASONS)[number];

const OUTCOME_INDEX = new Map<string, number>(DELIVERY_OUTCOMES.map((o, i) => [o, i + 1]));
const REASON_INDEX = new Map<string, number>(PPMID_REASONS.map((r, i) => [r, i + 1]));

export function outcomeCode(o: DeliveryOutcome): number {
  return OUTCOME_INDEX.get(o)!;
}
export function outcomeFromCode(n: number): DeliveryOutcome | undefined {
  return DELIVERY_OUTCOMES[n - 1];
}
export function reasonCode(r: PpmidReason | null): number {
  return r === null ? 0 : REASON_INDEX.get(r)!;
}
/** `null` for 0; undefined for a value outside the table. */
export function reasonFromCode(n: number): PpmidReason | null | undefined {
  return n === 0 ? null : PPMID_REASONS[n - 1];
}

export function isPpmidReason(s: string): s is PpmidReason {
  return REASON_INDEX.has(s);
}
