import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { el, formatDateTime } from '../../duis/index.ts';
import { DspServiceError } from './errors.ts';
import {
  checkExecutionNotPast,
  EXECUTION_IN_PAST_RESPONSE_CODE,
  executionInPast,
  requestExecutionAt,
} from './execution-date.ts';

const NOW = Date.UTC(2026, 2, 1, 12);
const body = (at?: string) =>
  el('ReadInstantaneousImportRegisters', at === undefined ? [] : [el('ExecutionDateTime', at)]);

describe('execution date of a future-dated request and the past-date refusal', () => {
  it('reads the body ExecutionDateTime; none is on demand; 3000-12-31 is a cancellation, not a date', () => {
    assert.equal(requestExecutionAt(body('2015-01-15T09:00:00.00Z')), Date.UTC(2015, 0, 15, 9));
    assert.equal(requestExecutionAt(body()), undefined);
    assert.equal(requestExecutionAt(body('3000-12-31T00:00:00.00Z')), undefined);
  });

  it("a Signed Pre-Command takes the CV 4 request's execution time when it has one", () => {
    assert.equal(requestExecutionAt(body(), NOW + 5), NOW + 5);
    assert.equal(requestExecutionAt(body('2030-01-15T00:00:00Z'), null), Date.UTC(2030, 0, 15));
  });

  it('a date that does not parse is left to the transform (undefined, no throw)', () => {
    assert.equal(requestExecutionAt(body('not a date')), undefined);
  });

  it('refuses a time before the clock with the typed, counted error (PROVISIONAL E30); at or after it passes', () => {
    assert.throws(
      () => checkExecutionNotPast('4.1.1', NOW - 1, NOW),
      (e: unknown) =>
        e instanceof DspServiceError &&
        e.code === 'DSP_EXECUTION_IN_PAST' &&
        e.responseCode === EXECUTION_IN_PAST_RESPONSE_CODE &&
        e.httpStatus === 200 &&
        e.message.includes(formatDateTime(new Date(NOW - 1)).slice(0, 19)),
    );
    checkExecutionNotPast('4.1.1', NOW, NOW);
    checkExecutionNotPast('4.1.1', NOW + 1, NOW);
    checkExecutionNotPast('4.1.1', undefined, NOW);
    assert.equal(EXECUTION_IN_PAST_RESPONSE_CODE, 'E30');
    assert.equal(executionInPast('1.6', 0, NOW).responseCode, 'E30');
  });
});
