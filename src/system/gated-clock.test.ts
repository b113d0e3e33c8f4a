import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../runtime/clock.ts';
import { GatedClock } from './gated-clock.ts';

describe('GatedClock', () => {
  it('forwards timers and cancels every live one on stop; later ones never run', () => {
    const vc = new VirtualClock(1000);
    const c = new GatedClock(vc);
    const ran: string[] = [];
    c.setTimer(10, () => ran.push('a'));
    const b = c.setTimer(20, () => ran.push('b'));
    c.setInterval(5, () => ran.push('i'));
    assert.equal(c.liveTimers, 3);
    vc.advance(10);
    assert.deepEqual(ran, ['i', 'a', 'i']);
    assert.equal(c.liveTimers, 2);
    b.cancel();
    assert.equal(c.liveTimers, 1);
    c.stop();
    assert.equal(c.liveTimers, 0);
    c.setTimer(1, () => ran.push('late'));
    vc.advance(100);
    assert.deepEqual(ran, ['i', 'a', 'i']);
  });
});
