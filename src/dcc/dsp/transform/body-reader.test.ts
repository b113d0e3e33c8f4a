/**
 * The declarative body reader's complex types (`group`): the sequence is
 * worked out once per spec, and a body is still read and refused exactly as
 * its spec says (order, unknown, missing, too many, a name two fields take).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuisSchemaError, el } from '../../../duis/index.ts';
import { alt, attrInt, group, int, many, one, opt, str } from './body-reader.ts';

const read = group({
  index: attrInt('index', 1, 9),
  a: one('A', str()),
  b: opt('B', int(0, 9)),
  c: many('C', str(), 1, 2),
  d: alt({ D1: str(), D2: int(0, 9) }),
});

const body = (kids: ReturnType<typeof el>[], index = '3') => ({ ...el('X', kids), attributes: { index } });

describe('body reader: group', () => {
  it('reads a body in sequence, many times with one spec', () => {
    for (let i = 0; i < 3; i++)
      assert.deepEqual(
        read(body([el('A', 'a'), el('B', '7'), el('C', 'x'), el('C', 'y'), el('D2', '4')]), 'X'),
        {
          index: 3,
          a: 'a',
          b: 7,
          c: ['x', 'y'],
          d: { which: 'D2', value: 4 },
        },
      );
    assert.deepEqual(read(body([el('A', 'a'), el('C', 'x'), el('D1', 'z')]), 'X'), {
      index: 3,
      a: 'a',
      c: ['x'],
      d: { which: 'D1', value: 'z' },
    });
  });

  it('refuses what the spec does not allow, with the element path', () => {
    const cases: Array<[string, ReturnType<typeof el>[], RegExp]> = [
      ['misplaced', [el('B', '1'), el('A', 'a'), el('C', 'x'), el('D1', 'z')], /misplaced element A/],
      ['unknown', [el('A', 'a'), el('Z', '1'), el('C', 'x'), el('D1', 'z')], /misplaced element Z/],
      ['missing', [el('A', 'a'), el('D1', 'z')], /C missing/],
      ['too many', [el('A', 'a'), el('C', 'x'), el('C', 'y'), el('C', 'z'), el('D1', 'z')], /too many C/],
      ['choice missing', [el('A', 'a'), el('C', 'x')], /D1 or D2 missing/],
      ['out of range', [el('A', 'a'), el('B', '12'), el('C', 'x'), el('D1', 'z')], /X\/B/],
    ];
    for (const [what, kids, message] of cases)
      assert.throws(
        () => read(body(kids), 'X'),
        (e: unknown) => e instanceof DuisSchemaError && message.test(`${e.message} ${e.path ?? ''}`),
        what,
      );
    assert.throws(() => read(body([el('A', 'a'), el('C', 'x'), el('D1', 'z')], '0'), 'X'), DuisSchemaError);
  });

  it('a name two fields take is read by both, as before', () => {
    const twice = group({ first: one('A', str()), again: opt('A', str()) });
    assert.deepEqual(twice(el('X', [el('A', 'a')]), 'X'), { first: 'a', again: 'a' });
  });
});
