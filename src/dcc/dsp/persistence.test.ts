/**
 * The DSP journal's group commit (persistence.ts): the requests handled in
 * one turn of the event loop share one transaction, a request in a later
 * turn gets its own, every answered request's rows are in the store once
 * `flush()` resolves, and a failed write still stops the journal.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ESME, openTestDsp, signedRequest, type TestDsp } from '../../../test/support/dsp-service.ts';
import { readInstantaneousImportRegistersBody } from '../../duis/index.ts';
import { countRows } from './persistence.ts';

describe('DSP journal: group commit', () => {
  let t: TestDsp;
  before(async () => {
    t = await openTestDsp('sqlite');
  });
  after(async () => {
    await t?.close();
  });

  let counter = 90_000n;
  const request = () =>
    signedRequest({
      target: ESME,
      counter: ++counter,
      cv: 1,
      srv: '4.1.1',
      body: readInstantaneousImportRegistersBody(),
    });

  it('commits the requests of one turn in one transaction, a later turn in another', async () => {
    const { dsp } = t;
    const db = t.dsp.db;
    await dsp.flush();
    const rows0 = await countRows(db, 'dsp_requests');
    const commits0 = dsp.journal.commits;
    for (let i = 0; i < 5; i++) assert.equal(dsp.handleRequest('serviceS', request()).responseCode, 'I99');
    assert.ok(dsp.journal.pending > 0, 'nothing is written before the turn ends');
    await dsp.flush();
    assert.equal(dsp.journal.commits, commits0 + 1);
    assert.equal(await countRows(db, 'dsp_requests'), rows0 + 5);

    assert.equal(dsp.handleRequest('serviceS', request()).responseCode, 'I99');
    await dsp.flush();
    assert.equal(dsp.journal.commits, commits0 + 2);
    assert.equal(await countRows(db, 'dsp_requests'), rows0 + 6);
    assert.equal(dsp.journal.pending, 0);
  });

  it('a request handled while a commit is pending joins it; flush waits for both', async () => {
    const { dsp } = t;
    const commits0 = dsp.journal.commits;
    assert.equal(dsp.handleRequest('serviceS', request()).responseCode, 'I99');
    const first = dsp.flush();
    await Promise.resolve(); // a later microtask of the same turn
    assert.equal(dsp.handleRequest('serviceS', request()).responseCode, 'I99');
    await first;
    await dsp.flush();
    assert.equal(dsp.journal.commits, commits0 + 1);
    assert.equal(dsp.journal.pending, 0);
  });

  it('a failed write stops the journal: flush rejects, later requests are refused', async () => {
    const own = await openTestDsp('sqlite');
    try {
      const { dsp } = own;
      // the store goes away under the DSP: the next commit fails
      own.store.sqlite?.close();
      assert.equal(dsp.handleRequest('serviceS', request()).responseCode, 'I99');
      await assert.rejects(dsp.flush());
      const refused = dsp.handleRequest('serviceS', request());
      assert.equal(refused.httpStatus, 500);
    } finally {
      await own.close().catch(() => undefined);
    }
  });
});
