/** The Receive Response outbox: bounded, retried on the Clock, gives up after maxAttempts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../runtime/clock.ts';
import { Metrics } from '../../runtime/metrics.ts';
import { ResponseOutbox, type ResponseTransport } from './delivery.ts';

function transport(statuses: number[]): ResponseTransport & { calls: number } {
  const t = {
    calls: 0,
    async post() {
      t.calls++;
      const s = statuses.shift() ?? 200;
      if (s === 0) throw new Error('refused');
      return { status: s };
    },
  };
  return t;
}

const item = (id: string) => ({
  id,
  user: 'U',
  url: 'http://x/y',
  kind: 'response' as const,
  requestId: id,
  xml: '<x/>',
  createdAt: 0,
});

describe('ResponseOutbox', () => {
  it('is bounded: refuses past capacity and counts it', () => {
    const m = new Metrics();
    const o = new ResponseOutbox(new VirtualClock(), transport([]), undefined, m, { capacity: 2 });
    assert.equal(o.enqueue(item('a')), true);
    assert.equal(o.enqueue(item('b')), true);
    assert.equal(o.enqueue(item('c')), false);
    assert.equal(m.snapshot().counters['outbox.refused'], 1);
    assert.equal(o.highWater, 2);
  });

  it('retries after each delay, then gives up after maxAttempts', async () => {
    const clock = new VirtualClock();
    const t = transport([500, 0, 503, 500]);
    const o = new ResponseOutbox(clock, t, undefined, new Metrics(), {
      retryDelaysMs: [10, 20, 30],
      maxAttempts: 3,
    });
    o.enqueue(item('a'));
    clock.advance(0);
    await o.idle();
    assert.equal(t.calls, 1);
    clock.advance(9);
    await o.idle();
    assert.equal(t.calls, 1, 'not before the delay');
    clock.advance(1);
    await o.idle();
    assert.equal(t.calls, 2);
    clock.advance(20);
    await o.idle();
    assert.equal(t.calls, 3);
    assert.equal(o.size, 0, 'given up');
    clock.advance(1000);
    await o.idle();
    assert.equal(t.calls, 3);
  });

  it('runs at most maxInFlight POSTs at once', async () => {
    const clock = new VirtualClock();
    let open = 0;
    let peak = 0;
    const t: ResponseTransport = {
      async post() {
        open++;
        peak = Math.max(peak, open);
        await new Promise((r) => setImmediate(r));
        open--;
        return { status: 200 };
      },
    };
    const o = new ResponseOutbox(clock, t, undefined, new Metrics(), { maxInFlight: 3 });
    for (let i = 0; i < 10; i++) o.enqueue(item(`i${i}`));
    clock.advance(0);
    await o.idle();
    assert.equal(o.size, 0);
    assert.equal(peak, 3);
  });
});
