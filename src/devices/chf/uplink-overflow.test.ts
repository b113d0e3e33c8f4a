/** uplink-overflow.ts: the CH's WAN uplink buffer drops its oldest message when full (CH-4, CH-8). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uplinkOverflow } from './uplink-overflow.ts';

const cfg = { uplinkCapacity: 3, uplinkAlertReserve: 2 };
const R = { own: false };
const A = { own: true };

describe('uplinkOverflow', () => {
  it('room below the capacity', () => {
    assert.deepEqual(uplinkOverflow([R, R], R, cfg), { action: 'room' });
    assert.deepEqual(uplinkOverflow([R, R, R, A], A, cfg), { action: 'room' }, 'own alerts use the reserve');
  });
  it('a response at the capacity: the oldest message that is not the CHF own goes', () => {
    assert.deepEqual(uplinkOverflow([R, R, R], R, cfg), { action: 'evict', index: 0 });
    assert.deepEqual(uplinkOverflow([A, R, R], R, cfg), { action: 'evict', index: 1 });
  });
  it('an own alert at the full capacity: the oldest own alert goes', () => {
    assert.deepEqual(uplinkOverflow([R, A, R, A, R], A, cfg), { action: 'evict', index: 1 });
  });
  it('nothing of its kind to give up: the new message is refused', () => {
    assert.deepEqual(uplinkOverflow([A, A, A], R, cfg), { action: 'refuse' });
  });
});
