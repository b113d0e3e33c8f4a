/**
 * DspJournal's outbox rows (delivery.ts): coalesced per drain like requests
 * and counters (an item queued and delivered in one drain is one write), in
 * the same transaction as the drain's other rows, on SQLite through the
 * prepared statements and on PostgreSQL through Kysely; a later drain
 * updates the row in place.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachStoreKind } from '../../adapters/store/testing.ts';
import { countRows, DspJournal } from './persistence.ts';
import { type DspOutboxTable, dspDb } from './tables.ts';

function outboxRow(id: string, over: Partial<DspOutboxTable> = {}): DspOutboxTable {
  return {
    id,
    user_eui: '90B3D51F30010000',
    url: 'http://supplier.test/duis',
    kind: 'response',
    request_id: `90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:${id}`,
    xml: `<sr:Response id="${id}"/>`,
    state: 'pending',
    attempts: 0,
    created_at: 1000,
    next_at: 1000,
    delivered_at: null,
    last_error: null,
    ...over,
  };
}

forEachStoreKind((_kind, open) => {
  it('outbox rows: the latest state per item per drain, one transaction, updated in place later', async (t) => {
    const store = await open();
    t.after(() => store.close());
    const db = dspDb(store.db);
    const journal = new DspJournal(db, store.sqlite);
    journal.putOutbox(outboxRow('1'));
    journal.putOutbox(outboxRow('2'));
    journal.putOutbox(outboxRow('1', { state: 'delivered', attempts: 1, delivered_at: 1500 }));
    assert.equal(journal.pending, 2, 'item 1 coalesced');
    await journal.flush();
    assert.equal(journal.commits, 1);
    assert.equal(journal.written, 2);
    const rows = await db.selectFrom('dsp_outbox').selectAll().orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => [
        r.id,
        r.state,
        Number(r.attempts),
        r.delivered_at === null ? null : Number(r.delivered_at),
      ]),
      [
        ['1', 'delivered', 1, 1500],
        ['2', 'pending', 0, null],
      ],
    );
    journal.putOutbox(outboxRow('2', { attempts: 1, next_at: 31_000, last_error: 'HTTP 503' }));
    await journal.flush();
    assert.equal(await countRows(db, 'dsp_outbox'), 2);
    const two = await db.selectFrom('dsp_outbox').selectAll().where('id', '=', '2').executeTakeFirstOrThrow();
    assert.deepEqual(
      [Number(two.attempts), Number(two.next_at), two.last_error, two.xml],
      [1, 31_000, 'HTTP 503', '<sr:Response id="2"/>'],
    );
  });
});
