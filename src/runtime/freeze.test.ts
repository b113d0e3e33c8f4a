import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copySharingFrozen, deepFreeze } from './freeze.ts';

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
