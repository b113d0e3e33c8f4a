/**
 * PP-3 / PP-4 / CH-7: the outbox's rule after a HAN failure, table-driven.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterHanFailure, DEFAULT_RETRY_POLICY, HAN_REASON } from './han-retry.ts';

const P = DEFAULT_RETRY_POLICY;

describe('PPMID outbox: after a HAN failure', () => {
  it('table', () => {
    const cases: Array<[Parameters<typeof afterHanFailure>[0], number, number, string, number?]> = [
      ['duty-cycle', 3, 0, 'wait-duty-cycle'],
      ['lost', 1, 0, 'retry', 2_000],
      ['lost', 2, 0, 'retry', 4_000],
      ['lost', 7, 0, 'retry', 120_000],
      ['lost', 8, 0, 'give-up'],
      ['rejected', 8, 0, 'give-up'],
      // busy (TransferDataError DataOverflow): its own backoff, never counted towards giving up
      ['busy', 1, 1, 'retry', 2_000],
      ['busy', 3, 3, 'retry', 8_000],
      ['busy', 40, 40, 'retry', 120_000],
      ['lost', 11, 5, 'retry', 64_000],
      ['lost', 13, 5, 'give-up'],
    ];
    for (const [reason, attempts, busy, kind, delay] of cases) {
      const r = afterHanFailure(reason, { attempts, busy }, P);
      assert.equal(r.kind, kind, `${reason} ${attempts}/${busy}`);
      if (delay !== undefined)
        assert.equal((r as { delayMs: number }).delayMs, delay, `${reason} ${attempts}/${busy}`);
    }
    assert.equal(HAN_REASON.busy, 'han-busy');
  });
});
