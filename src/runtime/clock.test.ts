import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock, VirtualClockRunawayError } from './clock.ts';

describe('VirtualClock', () => {
  it('fires timers in time order, ties in scheduling order', () => {
    const c = new VirtualClock(0);
    const seen: string[] = [];
    c.setTimer(20, () => seen.push('b'));
    c.setTimer(10, () => seen.push('a'));
    c.setTimer(20, () => seen.push('c'));
    c.setTimer(0, () => seen.push('now'));
    c.advance(15);
    assert.deepEqual(seen, ['now', 'a']);
    assert.equal(c.now(), 15);
    c.advance(5);
    assert.deepEqual(seen, ['now', 'a', 'b', 'c']);
    assert.equal(c.now(), 20);
  });

  it('keeps (time, scheduling order) over many timers, cancellations and timers set while running', () => {
    const c = new VirtualClock(0);
    let x = 12345; // a fixed LCG: the same timers every run
    const next = () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x;
    };
    const fired: Array<[number, number]> = [];
    const expected: Array<[number, number]> = [];
    let id = 0;
    const add = (delay: number) => {
      const mine = id++;
      const at = c.now() + delay;
      const h = c.setTimer(delay, () => {
        fired.push([c.now(), mine]);
        if (next() % 4 === 0) add(next() % 50);
      });
      if (next() % 5 === 0) h.cancel();
      else expected.push([at, mine]);
    };
    for (let k = 0; k < 2000; k++) add(next() % 500);
    c.runUntilIdle();
    // ids grow with scheduling order: sorted by (time, id) is the order they must fire in
    expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    assert.deepEqual(fired, expected);
  });

  it('sets now() to the event time while the event runs', () => {
    const c = new VirtualClock(1000);
    let at = -1;
    c.setTimer(250, () => {
      at = c.now();
    });
    c.advance(10_000);
    assert.equal(at, 1250);
    assert.equal(c.now(), 11_000);
  });

  it('cancels timers', () => {
    const c = new VirtualClock(0);
    let fired = false;
    const t = c.setTimer(5, () => {
      fired = true;
    });
    t.cancel();
    c.advance(10);
    assert.equal(fired, false);
    assert.equal(c.pending, 0);
  });

  it('runs intervals until cancelled, and events scheduled from events', () => {
    const c = new VirtualClock(0);
    const ticks: number[] = [];
    const h = c.setInterval(100, () => {
      ticks.push(c.now());
      if (ticks.length === 3) h.cancel();
    });
    c.setTimer(50, () => c.setTimer(10, () => ticks.push(-c.now())));
    c.advance(1000);
    assert.deepEqual(ticks, [-60, 100, 200]);
  });

  it('runUntilIdle stops on a predicate or when idle', () => {
    const c = new VirtualClock(0);
    let n = 0;
    for (let i = 1; i <= 5; i++) c.setTimer(i * 1000, () => n++);
    assert.equal(c.runUntilIdle({ until: () => n === 3 }), true);
    assert.equal(c.now(), 3000);
    c.runUntilIdle();
    assert.equal(n, 5);
  });

  it('guards against runaway event loops', () => {
    const c = new VirtualClock(0);
    const loop = () => c.setTimer(0, loop);
    loop();
    assert.throws(() => c.advance(1, 1000), VirtualClockRunawayError);
  });

  it('refuses to go backwards', () => {
    assert.throws(() => new VirtualClock(0).advance(-1), RangeError);
  });
});
