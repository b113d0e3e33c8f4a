/**
 * The supplier's SQLite hot paths (store-sqlite.ts): SU-1's per-order WAN
 * history read is answered from an index alone (migration 041), newest
 * first, within the window and the limit.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openTestStore } from '../adapters/store/testing.ts';
import { SupplierStatements, WAN_HISTORY_SQL } from './store-sqlite.ts';

it('SU-1 WAN history: a covering index, newest first, window and limit applied', async (t) => {
  const store = await openTestStore('sqlite');
  t.after(() => store.close());
  const db = store.sqlite!;
  const plan = db
    .prepare(`explain query plan ${WAN_HISTORY_SQL}`)
    .all('P1', 0, 10)
    .map((r) => (r as { detail: string }).detail)
    .join('; ');
  assert.match(plan, /USING COVERING INDEX supplier_commands_premises_wan_answered/);
  const raw = new SupplierStatements(db);
  const row = (id: number, premises: string, sent: number | null, answered: number | null) => ({
    id: String(id).padStart(20, '0'),
    request_id: `R${id}`,
    premises_id: premises,
    target: '00DB1234567890A0',
    srv: '4.1.1',
    route: 'wan',
    state: 'in-flight',
    terminal: 0,
    wan_sent_at: sent,
    answered_at: answered,
    created_at: 1,
    updated_at: 1,
    expires_at: 2,
    json: '{}',
  });
  raw.saveCommands([
    { row: row(1, 'P1', 100, 150), hops: [] },
    { row: row(2, 'P1', 200, null), hops: [] },
    { row: row(3, 'P1', 300, 310), hops: [] },
    { row: row(4, 'P1', null, null), hops: [] },
    { row: row(5, 'P2', 400, 410), hops: [] },
  ]);
  assert.deepEqual(raw.wanHistory('P1', 150, 10), [
    { wan_sent_at: 300, answered_at: 310 },
    { wan_sent_at: 200, answered_at: null },
  ]);
  assert.deepEqual(raw.wanHistory('P1', 0, 1), [{ wan_sent_at: 300, answered_at: 310 }]);
});
