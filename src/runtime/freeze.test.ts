import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { copyReusing, copySharingFrozen, deepFreeze } from './freeze.ts';

describe('copySharingFrozen', () => {
  it('gives the values structuredClone gives, sharing only frozen objects', () => {
    const table = deepFreeze({ days: [{ id: 1, switches: [{ t: 0, tier: 2 }] }] });
    const entry = Object.freeze({ gas: 12 });
    const v = {
      n: 1,
      s: 'x',
      nil: null,
      undef: undefined,
      nested: { list: [1, { a: 2 }], table },
      log: { entries: [entry, { gas: 3 }], open: { gas: 1 } },
      bytes: new Uint8Array([1, 2, 3]),
      map: new Map([['k', { v: 1 }]]),
    };
    const c = copySharingFrozen(v);
    assert.deepStrictEqual(c, structuredClone(v));
    assert.ok(Object.hasOwn(c, 'undef'), 'an undefined member is kept, as structuredClone keeps it');
    assert.equal(c.nested.table, table, 'a frozen table is shared');
    assert.equal(c.log.entries[0], entry, 'a frozen entry is shared');
    assert.notEqual(c.log.entries, v.log.entries);
    assert.notEqual(c.log.entries[1], v.log.entries[1], 'an unfrozen entry is copied');
    assert.notEqual(c.bytes, v.bytes);
    assert.notEqual(c.map.get('k'), v.map.get('k'));
  });

  it('is unaffected by later changes in place of the original', () => {
    const v = { a: { b: [1, 2] }, log: [{ x: 1 }], bytes: new Uint8Array([9]) };
    const c = copySharingFrozen(v);
    v.a.b.push(3);
    v.a.b[0] = 7;
    v.log[0]!.x = 5;
    v.log.push({ x: 6 });
    v.bytes[0] = 0;
    assert.deepStrictEqual(c, { a: { b: [1, 2] }, log: [{ x: 1 }], bytes: new Uint8Array([9]) });
  });

  it('keeps a null-prototype object null-prototype and returns primitives and frozen roots as they are', () => {
    const o = Object.assign(Object.create(null) as Record<string, number>, { k: 1 });
    const c = copySharingFrozen(o);
    assert.equal(Object.getPrototypeOf(c), null);
    assert.equal(c.k, 1);
    assert.notEqual(c, o);
    assert.equal(copySharingFrozen(5), 5);
    assert.equal(copySharingFrozen(null), null);
    const frozen = deepFreeze({ a: [1] });
    assert.equal(copySharingFrozen(frozen), frozen);
  });
});

describe('copyReusing', () => {
  /** every unfrozen object reachable from `c` that is also reachable from `v` (the copy must own its unfrozen parts) */
  function aliases(c: unknown, v: unknown, seen = new Set<unknown>()): unknown[] {
    const inV = new Set<unknown>();
    const collect = (x: unknown) => {
      if (x === null || typeof x !== 'object' || inV.has(x)) return;
      inV.add(x);
      for (const y of Object.values(x)) collect(y);
    };
    collect(v);
    const out: unknown[] = [];
    const walk = (x: unknown) => {
      if (x === null || typeof x !== 'object' || seen.has(x)) return;
      seen.add(x);
      if (inV.has(x) && !Object.isFrozen(x)) out.push(x);
      for (const y of Object.values(x)) walk(y);
    };
    walk(c);
    return out;
  }

  it('returns the previous copy itself when nothing changed, and equals structuredClone', () => {
    const table = deepFreeze({ t: [1, 2] });
    const v = { a: 1, b: { c: [1, { d: 'x' }], e: null, u: undefined }, table, n: Number.NaN, z: -0 };
    const prev = copySharingFrozen(v);
    const c = copyReusing(v, prev);
    assert.equal(c, prev);
    assert.deepStrictEqual(c, structuredClone(v));
    assert.deepEqual(aliases(c, v), []);
  });

  it('makes new only the objects on the path of a change, and takes the rest from the previous copy', () => {
    const v = { a: { x: 1 }, b: { y: [1, 2, { z: 3 }] }, log: [{ k: 1 }, { k: 2 }] };
    const prev = copySharingFrozen(v);
    v.b.y[1] = 5;
    v.log.push({ k: 3 });
    const c = copyReusing(v, prev);
    assert.deepStrictEqual(c, structuredClone(v));
    assert.notEqual(c, prev);
    assert.equal(c.a, prev.a, 'an unchanged member is the previous copy');
    assert.notEqual(c.b, prev.b);
    assert.notEqual(c.b.y, prev.b.y);
    assert.equal(c.b.y[2], prev.b.y[2], 'an unchanged element of a changed array is reused');
    assert.notEqual(c.log, prev.log);
    assert.equal(c.log[0], prev.log[0]);
    assert.equal(c.log[1], prev.log[1]);
    assert.deepEqual(aliases(c, v), []);
  });

  it('tells a removed or added member, -0 from 0 and NaN as equal, and a type change', () => {
    const prev = copySharingFrozen({ a: 1, gone: 2, z: 0, n: Number.NaN, t: { x: 1 } as unknown });
    const v = { a: 1, z: -0, n: Number.NaN, t: [1] as unknown };
    const c = copyReusing(v, prev);
    assert.deepStrictEqual(c, structuredClone(v));
    assert.ok(Object.is(c.z, -0));
    assert.ok(!Object.hasOwn(c, 'gone'));
    const w = { a: 1, gone: 2, z: 0, n: Number.NaN, t: { x: 1 }, more: { m: 1 } };
    const d = copyReusing(w, prev);
    assert.deepStrictEqual(d, structuredClone(w));
    assert.equal(d.t, prev.t);
  });

  it('is, for random data and random previous copies, equal to copySharingFrozen and owns its unfrozen parts', () => {
    const leaf = fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.constant(-0),
      fc.constant(Number.NaN),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom('a', 'b'),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('obj')),
      arr: fc.array(tie('tree'), { maxLength: 4 }),
      obj: fc.dictionary(fc.constantFrom('p', 'q', 'r', 's'), tie('tree'), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(tree, tree, (a, b) => {
        const prev = copySharingFrozen(a);
        const c = copyReusing(b, prev);
        assert.deepStrictEqual(c, copySharingFrozen(b));
        assert.deepEqual(aliases(c, b), []);
        assert.equal(copyReusing(b, c), c, 'a copy of unchanged data is the previous copy');
      }),
      { numRuns: 500, seed: 16 },
    );
  });
});
