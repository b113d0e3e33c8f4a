import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SubscriptionIndex } from './subscription-index.ts';
import { topicMatches } from './topics.ts';

describe('SubscriptionIndex', () => {
  it('gives every session whose filters may match, in session order, as matching every session did', () => {
    const ix = new SubscriptionIndex<string>();
    const subs = new Map<string, string[]>([
      ['a', ['ppmid/1/inbox']],
      ['b', ['ppmid/+/status', 'ppmid/2/inbox']],
      ['c', ['ppmid/1/inbox', 'ppmid/#']],
      ['d', ['other/x']],
    ]);
    for (const [s, fs] of subs) {
      ix.addSession(s);
      for (const f of fs) ix.add(s, f);
    }
    const matching = (topic: string) =>
      [...subs].filter(([, fs]) => fs.some((f) => topicMatches(f, topic))).map(([s]) => s);
    for (const topic of ['ppmid/1/inbox', 'ppmid/2/inbox', 'ppmid/3/status', 'other/x', 'none']) {
      const got = ix.candidates(topic).filter((s) => subs.get(s)!.some((f) => topicMatches(f, topic)));
      assert.deepEqual(got, matching(topic), topic);
    }
    assert.deepEqual(ix.candidates('ppmid/1/inbox'), ['a', 'b', 'c']);
    ix.remove('c', 'ppmid/#');
    assert.deepEqual(ix.candidates('ppmid/1/inbox'), ['a', 'b', 'c']);
    ix.remove('c', 'ppmid/1/inbox');
    assert.deepEqual(ix.candidates('ppmid/1/inbox'), ['a', 'b']);
    ix.dropSession('b', ['ppmid/+/status', 'ppmid/2/inbox']);
    assert.deepEqual(ix.candidates('ppmid/2/inbox'), []);
    assert.deepEqual(ix.candidates('ppmid/1/inbox'), ['a']);
    ix.clear();
    assert.deepEqual(ix.candidates('ppmid/1/inbox'), []);
  });
});
