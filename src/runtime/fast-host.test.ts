import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fastHost } from './fast-host.ts';

describe('fastHost', () => {
  it('reads the getters live and keeps the values', () => {
    const self = { state: { n: 1 } };
    const h = fastHost<{ eui: string; now(): number; state: { n: number } }, 'state'>(
      { eui: 'E', now: () => 5 },
      { state: () => self.state },
    );
    assert.equal(h.eui, 'E');
    assert.equal(h.now(), 5);
    assert.equal(h.state.n, 1);
    self.state = { n: 2 };
    assert.equal(h.state.n, 2);
    // an object made from it sees the getters through the prototype chain (Object.create / assign)
    const derived = Object.assign(Object.create(h) as typeof h, { extra: 1 });
    assert.equal(derived.state.n, 2);
    assert.equal(derived.eui, 'E');
  });

  it('gives each instance its own getters with one shape per set of names', () => {
    const a = fastHost<{ x: number; v: string }, 'v'>({ x: 1 }, { v: () => 'a' });
    const b = fastHost<{ x: number; v: string }, 'v'>({ x: 2 }, { v: () => 'b' });
    assert.equal(a.v, 'a');
    assert.equal(b.v, 'b');
    assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b));
    assert.notEqual(
      Object.getPrototypeOf(a),
      Object.getPrototypeOf(fastHost<{ w: number }, 'w'>({}, { w: () => 1 })),
    );
    assert.throws(() => {
      (a as { v: string }).v = 'z';
    }, TypeError);
  });
});
