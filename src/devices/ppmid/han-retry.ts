/**
 * PP-3 store and forward: what the PPMID's outbox does after a HAN transfer
 * failed (pure; Ppmid applies it on its Clock). One rule per failure kind:
 * - the duty cycle refused it (PP-4): not an attempt; wait for it to drop;
 * - the CH refused it for now (`busy`: ZCL Tunneling TransferDataError
 *   DataOverflow, its CH-7 rate limit): retry with its own backoff, never
 *   give up for it (the envelope's expiry bounds the wait, PP-3 "until it is
 *   delivered or expires");
 * - anything else: retry with exponential backoff until `maxAttempts`
 *   transfers failed, then `delivery-failed`.
 */
import type { PpmidReason } from '../../delivery/index.ts';
import type { HanSendResult } from '../contracts.ts';

/** Retry and waiting policy of the outbox (PP-3, PP-4). All times in ms on the PPMID's Clock. */
export interface PpmidRetryPolicy {
  /** delay before the 2nd attempt after a HAN failure */
  initialDelayMs: number;
  /** each further failure multiplies the delay by this */
  multiplier: number;
  maxDelayMs: number;
  /** HAN transfers tried per command before `delivery-failed` (duty-cycle and CH busy refusals are not counted) */
  maxAttempts: number;
  /** first re-check while the HAN is not ready or the duty cycle is Critical; doubles up to `maxWaitPollMs` */
  waitPollMs: number;
  maxWaitPollMs: number;
  /** a send whose `done` never comes counts as failed (`han-no-answer`) after this */
  sendTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<PpmidRetryPolicy> = Object.freeze({
  initialDelayMs: 2_000,
  multiplier: 2,
  maxDelayMs: 120_000,
  maxAttempts: 8,
  waitPollMs: 1_000,
  maxWaitPollMs: 30_000,
  sendTimeoutMs: 120_000,
});

type HanFailure = Exclude<HanSendResult, { ok: true }>['reason'];

/** The status-report reason for each HAN failure (src/delivery/reasons.ts). */
export const HAN_REASON: Readonly<Record<HanFailure, PpmidReason>> = {
  'link-down': 'han-link-down',
  'tunnel-closed': 'han-tunnel-closed',
  'duty-cycle': 'han-duty-cycle',
  'too-large': 'han-too-large',
  rejected: 'han-rejected',
  lost: 'han-lost',
  busy: 'han-busy',
};

export type AfterHanFailure =
  | { kind: 'wait-duty-cycle' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'give-up' };

/** What one outbox entry has met so far. */
export interface AttemptCounts {
  /** HAN transfers tried (including the one that just failed) */
  attempts: number;
  /** of those, refused by the CH as busy (including this one, if it was) */
  busy: number;
}

export function afterHanFailure(
  reason: HanFailure,
  counts: AttemptCounts,
  policy: PpmidRetryPolicy,
): AfterHanFailure {
  if (reason === 'duty-cycle') return { kind: 'wait-duty-cycle' };
  const backoff = (n: number) =>
    Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, n - 1));
  if (reason === 'busy') return { kind: 'retry', delayMs: backoff(counts.busy) };
  const failures = counts.attempts - counts.busy;
  if (failures >= policy.maxAttempts) return { kind: 'give-up' };
  return { kind: 'retry', delayMs: backoff(failures) };
}
