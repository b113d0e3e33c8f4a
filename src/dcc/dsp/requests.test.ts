/** The request state machine's transitions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AWAITING_RESPONSE, canTransition, type DspRequestState, TERMINAL } from './requests.ts';

const STATES: DspRequestState[] = [
  'received',
  'pre-command-issued',
  'scheduled',
  'sent',
  'issued-local',
  'sent-and-issued',
  'responded',
  'expired',
  'completed',
];

describe('DSP request states', () => {
  it('terminal states have no way out (but a silently expired CV 2/6 takes its one late response); every awaiting state ends responded or expired', () => {
    for (const t of TERMINAL)
      for (const s of STATES)
        assert.equal(canTransition(t, s), t === 'expired' && s === 'responded', `${t} -> ${s}`);
    for (const a of AWAITING_RESPONSE) {
      if (a === 'scheduled') {
        assert.ok(canTransition(a, 'sent') && canTransition(a, 'expired'));
        continue;
      }
      assert.ok(canTransition(a, 'responded') && canTransition(a, 'expired'), a);
    }
  });

  it('a Pre-Command is completed by CV 5/6/7 into a sending state, never straight to responded', () => {
    assert.ok(canTransition('pre-command-issued', 'sent'));
    assert.ok(canTransition('pre-command-issued', 'issued-local'));
    assert.ok(canTransition('pre-command-issued', 'sent-and-issued'));
    assert.equal(canTransition('pre-command-issued', 'responded'), false);
    assert.equal(canTransition('received', 'responded'), false);
  });
});
