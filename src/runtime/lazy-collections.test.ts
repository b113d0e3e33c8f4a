import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LazyMap, LazySet } from './lazy-collections.ts';
import { SeededRandom } from './random.ts';

describe('LazyMap and LazySet', () => {
  it('answer as Map and Set do through a seeded run of sets, deletes, clears and reads', () => {
    const rng = new SeededRandom('lazy-collections');
    const m = new Map<number, string>();
    const lm: Map<number, string> = new LazyMap();
    const s = new Set<number>();
    const ls: Set<number> = new LazySet();
    for (let i = 0; i < 2000; i++) {
      const k = Math.floor(rng.next() * 20);
      const op = rng.next();
      if (op < 0.5) {
        assert.equal(lm.set(k, `v${i}`), lm);
        m.set(k, `v${i}`);
        assert.equal(ls.add(k), ls);
        s.add(k);
      } else if (op < 0.9) {
        assert.equal(lm.delete(k), m.delete(k));
        assert.equal(ls.delete(k), s.delete(k));
      } else if (op < 0.92) {
        lm.clear();
        m.clear();
        ls.clear();
        s.clear();
      }
      assert.equal(lm.get(k), m.get(k));
      assert.equal(lm.has(k), m.has(k));
      assert.equal(ls.has(k), s.has(k));
      assert.equal(lm.size, m.size);
      assert.equal(ls.size, s.size);
      assert.deepEqual([...lm], [...m]);
      assert.deepEqual([...lm.keys()], [...m.keys()]);
      assert.deepEqual([...lm.values()], [...m.values()]);
      assert.deepEqual([...ls], [...s]);
      assert.deepEqual([...ls.entries()], [...s.entries()]);
    }
    const seen: Array<[number, string]> = [];
    lm.forEach((v, k, map) => {
      assert.equal(map, lm);
      seen.push([k, v]);
    });
    assert.deepEqual(seen, [...m]);
    assert.deepEqual(Object.fromEntries(new LazyMap([['a', 1]])), { a: 1 });
    assert.deepEqual([...new LazySet([3, 1, 3])], [3, 1]);
    assert.equal(Object.prototype.toString.call(new LazyMap()), '[object Map]');
  });

  it('iterates live, as a Map does: entries added during iteration are visited', () => {
    const lm = new LazyMap<number, number>([[1, 1]]);
    const visited: number[] = [];
    for (const [k] of lm) {
      visited.push(k);
      if (k < 3) lm.set(k + 1, k + 1);
    }
    assert.deepEqual(visited, [1, 2, 3]);
  });
});
