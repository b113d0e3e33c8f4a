import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ZigbeeError } from '../../zigbee/errors.ts';
import { defaultEsmeState } from '../esme/state.ts';
import { answerAttributeRead, METERING_CLUSTER_ID, PREPAYMENT_CLUSTER_ID } from '../esme/zse-server.ts';
import { creditReadingFrom, creditReadRequest } from './credit-read.ts';

const ESME = '00-11-22-33-44-55-66-77';

describe('PPMID credit read of the ESME (ZSE Prepayment 0x0705 / Credit Remaining)', () => {
  it('the ESME answers from its own balance, in real ZCL bytes', () => {
    const state = defaultEsmeState();
    state.meterBalance = 1_234_567;
    const req = creditReadRequest(0x41);
    assert.equal(Buffer.from(req).toString('hex'), '1041000100');
    const answer = answerAttributeRead(state, PREPAYMENT_CLUSTER_ID, req);
    assert.ok(answer);
    // 1234567 = 0x0012D687, int32 LE
    assert.equal(Buffer.from(answer).toString('hex'), '184101010000' + '2b87d61200');
    assert.deepEqual(creditReadingFrom(ESME, answer, 0x41, 5000), {
      creditRemaining: 1_234_567,
      meter: '0011223344556677',
      readAt: 5000,
    });
    // the balance changes (a top-up applied): the next read says so
    state.meterBalance = -500;
    const again = answerAttributeRead(state, PREPAYMENT_CLUSTER_ID, creditReadRequest(0x42));
    assert.ok(again);
    assert.equal(creditReadingFrom(ESME, again, 0x42, 6000).creditRemaining, -500);
  });

  it('the ESME serves only what it has', () => {
    const state = defaultEsmeState();
    assert.equal(answerAttributeRead(state, 0x0006, creditReadRequest(1)), null);
    // Credit Remaining asked on the Metering cluster: UNSUPPORTED_ATTRIBUTE
    const wrong = answerAttributeRead(state, METERING_CLUSTER_ID, creditReadRequest(3));
    assert.ok(wrong);
    assert.throws(
      () => creditReadingFrom(ESME, wrong, 3, 0),
      (e) => e instanceof ZigbeeError && /0x86/.test(e.message),
    );
  });

  it('the PPMID refuses another transaction or a malformed answer', () => {
    const state = defaultEsmeState();
    const answer = answerAttributeRead(state, PREPAYMENT_CLUSTER_ID, creditReadRequest(9));
    assert.ok(answer);
    assert.throws(
      () => creditReadingFrom(ESME, answer, 10, 0),
      (e) => e instanceof ZigbeeError && e.code === 'ZIGBEE_MALFORMED',
    );
    assert.throws(
      () => creditReadingFrom(ESME, answer.subarray(0, answer.length - 1), 9, 0),
      (e) => e instanceof ZigbeeError && e.code === 'ZIGBEE_TRUNCATED',
    );
    assert.throws(
      () => answerAttributeRead(state, PREPAYMENT_CLUSTER_ID, Uint8Array.from([0x10, 1, 0x00, 1])),
      (e) => e instanceof ZigbeeError,
    );
  });
});
