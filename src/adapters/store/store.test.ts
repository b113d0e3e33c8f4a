import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { VirtualClock } from '../../runtime/clock.ts';
import { COL, type SchemaDb, u64FromText, u64ToText } from './columns.ts';
import { EventLog } from './events.ts';
import { KvStore } from './kv.ts';
import {
  appliedMigrations,
  discoverMigrations,
  MIGRATIONS_TABLE,
  migrate,
  type StoreMigration,
} from './migrate.ts';
import { forEachStoreKind } from './testing.ts';

const U64_MAX = 2n ** 64n - 1n;

/** A throwaway table per test migration, so the assertions see what ran. */
function tableMigration(name: string, table: string): StoreMigration {
  return {
    name,
    async up(db: SchemaDb) {
      await db.schema.createTable(table).addColumn('x', COL.int).execute();
    },
  };
}

/**
 * Whether `table` exists in this store's own database. PostgreSQL introspection
 * lists the tables of every schema, and other test files (and concurrent runs)
 * have their own schemas in the same database: only this store's schema counts.
 */
async function tableExists(s: { db: SchemaDb; pgSchema?: string }, table: string): Promise<boolean> {
  const tables = await s.db.introspection.getTables();
  return tables.some((t) => t.name === table && (s.pgSchema === undefined || t.schema === s.pgSchema));
}

forEachStoreKind((kind, open) => {
  it('applies the registry (001-core-kv-events) and records it', async (t) => {
    const s = await open({ migrate: false });
    t.after(() => s.close());
    const registry = await discoverMigrations();
    assert.ok(registry.some((m) => m.name === '001-core-kv-events'));
    const report = await migrate(s);
    assert.deepEqual(
      report.applied,
      registry.map((m) => m.name),
    );
    assert.deepEqual(
      await appliedMigrations(s),
      registry.map((m) => m.name),
    );
    for (const table of ['kv', 'events', MIGRATIONS_TABLE]) assert.ok(await tableExists(s, table), table);
  });

  it('re-running migrate is a no-op', async (t) => {
    const s = await open();
    t.after(() => s.close());
    const before = await appliedMigrations(s);
    const report = await migrate(s);
    assert.deepEqual(report.applied, []);
    assert.deepEqual(report.alreadyApplied, before);
    assert.deepEqual(await appliedMigrations(s), before);
  });

  it('concurrent migrate calls on separate connections apply each migration exactly once', async (t) => {
    const s = await open({ migrate: false });
    t.after(() => s.close());
    const handles = [s, await s.openSibling(), await s.openSibling(), await s.openSibling()];
    const list = [
      tableMigration('001-a', 'ta'),
      tableMigration('002-b', 'tb'),
      tableMigration('003-c', 'tc'),
    ];
    const reports = await Promise.all(handles.map((h) => migrate(h, { migrations: list })));
    const applied = reports.flatMap((r) => r.applied).sort();
    assert.deepEqual(applied, ['001-a', '002-b', '003-c']);
    assert.deepEqual(await appliedMigrations(s), ['001-a', '002-b', '003-c']);
  });

  it('a failing migration rolls back the whole run', async (t) => {
    const s = await open({ migrate: false });
    t.after(() => s.close());
    const bad: StoreMigration = {
      name: '002-bad',
      async up(db) {
        await db.schema.createTable('half_done').addColumn('x', COL.int).execute();
        await sql`select * from no_such_table`.execute(db);
      },
    };
    await assert.rejects(
      migrate(s, { migrations: [tableMigration('001-a', 'ta'), bad] }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'STORE_MIGRATION_FAILED');
        assert.match(err.message, /002-bad/);
        return true;
      },
    );
    assert.equal(await tableExists(s, 'ta'), false);
    assert.equal(await tableExists(s, 'half_done'), false);
    // The migrations table itself may exist or not, but records nothing.
    const recorded = (await tableExists(s, MIGRATIONS_TABLE)) ? await appliedMigrations(s) : [];
    assert.deepEqual(recorded, []);
  });

  it('applies a migration added out of order (two parties adding files at once)', async (t) => {
    const s = await open({ migrate: false });
    t.after(() => s.close());
    await migrate(s, { migrations: [tableMigration('001-a', 'ta'), tableMigration('003-c', 'tc')] });
    const r = await migrate(s, {
      migrations: [
        tableMigration('001-a', 'ta'),
        tableMigration('002-b', 'tb'),
        tableMigration('003-c', 'tc'),
      ],
    });
    assert.deepEqual(r.applied, ['002-b']);
    assert.ok(await tableExists(s, 'tb'));
  });

  it('reports applied migrations the code does not know', async (t) => {
    const s = await open({ migrate: false });
    t.after(() => s.close());
    await migrate(s, { migrations: [tableMigration('001-a', 'ta'), tableMigration('002-b', 'tb')] });
    const r = await migrate(s, { migrations: [tableMigration('001-a', 'ta')] });
    assert.deepEqual(r.unknownApplied, ['002-b']);
  });

  it('refuses bad and duplicate migration names', async (t) => {
    const s = await open({ migrate: false });
    t.after(() => s.close());
    await assert.rejects(migrate(s, { migrations: [tableMigration('Bad Name', 'x')] }), {
      code: 'STORE_MIGRATION_INVALID',
    });
    await assert.rejects(
      migrate(s, { migrations: [tableMigration('001-a', 'x'), tableMigration('001-a', 'y')] }),
      {
        code: 'STORE_MIGRATION_INVALID',
      },
    );
  });

  it('kv: put/get/replace/delete/keys, with bigint and bytes inside values', async (t) => {
    const s = await open();
    t.after(() => s.close());
    const clock = new VirtualClock();
    const kv = new KvStore(s.db, 'supplier:00DB1234567890A0', clock);
    const other = new KvStore(s.db, 'dsp', clock);
    assert.equal(await kv.get('missing'), undefined);
    const value = { counter: U64_MAX, mac: new Uint8Array([0, 1, 0xfe, 0xff]), ok: true, n: 3, s: 'é' };
    await kv.put('hw/ESME', value);
    assert.deepEqual(await kv.get('hw/ESME'), value);
    clock.advance(60_000);
    await kv.put('hw/ESME', { counter: 7n });
    const e = await kv.entry('hw/ESME');
    assert.deepEqual(e, { key: 'hw/ESME', value: { counter: 7n }, updatedAt: clock.now() });
    await kv.put('hw/GSME', 1);
    await kv.put('cursor', 'x');
    await other.put('hw/ESME', 'not mine');
    assert.deepEqual(await kv.keys(), ['cursor', 'hw/ESME', 'hw/GSME']);
    assert.deepEqual(await kv.keys('hw/'), ['hw/ESME', 'hw/GSME']);
    assert.equal(await kv.delete('hw/GSME'), true);
    assert.equal(await kv.delete('hw/GSME'), false);
    assert.equal(await other.get('hw/ESME'), 'not mine');
  });

  it('events: append-only log with increasing ids, cursors, filters and epoch-ms timestamps as numbers', async (t) => {
    const s = await open();
    t.after(() => s.close());
    const clock = new VirtualClock(Date.UTC(2026, 2, 29, 1, 0, 0));
    const log = new EventLog(s.db, clock);
    const id1 = await log.append('dsp', 'local-delivery-logged', { counter: U64_MAX, sr: '8.13' });
    clock.advance(1500);
    const id2 = await log.append('chm', 'alert-received', { code: '0x8F84' });
    const id3 = await log.append('dsp', 'local-delivery-logged', { counter: 1n }, 8_640_000_000_000_000);
    assert.ok(id1 < id2 && id2 < id3);
    const all = await log.list();
    assert.equal(all.length, 3);
    assert.deepEqual(all[0], {
      id: id1,
      at: Date.UTC(2026, 2, 29, 1, 0, 0),
      source: 'dsp',
      kind: 'local-delivery-logged',
      data: { counter: U64_MAX, sr: '8.13' },
    });
    for (const e of all) {
      assert.equal(typeof e.at, 'number');
      assert.equal(typeof e.id, 'number');
    }
    assert.equal(all[2].at, 8_640_000_000_000_000);
    assert.deepEqual(
      (await log.list({ afterId: id1 })).map((e) => e.id),
      [id2, id3],
    );
    assert.deepEqual(
      (await log.list({ source: 'dsp' })).map((e) => e.id),
      [id1, id3],
    );
    assert.deepEqual(
      (await log.list({ kind: 'alert-received' })).map((e) => e.id),
      [id2],
    );
    assert.deepEqual(
      (await log.list({ since: clock.now(), until: clock.now() + 1 })).map((e) => e.id),
      [id2],
    );
    assert.deepEqual(
      (await log.list({ limit: 1 })).map((e) => e.id),
      [id1],
    );
    assert.equal(await log.count(), 3);
    assert.equal(await log.count({ source: 'dsp' }), 2);
  });

  it('uint64 as 20-digit TEXT: 0 and 2^64-1 round-trip and compare numerically in SQL', async (t) => {
    const s = await open();
    t.after(() => s.close());
    await s.db.schema
      .createTable('counters')
      .addColumn('v', COL.u64, (c) => c.primaryKey())
      .execute();
    const values = [0n, 9n, 10n, 2n ** 53n + 1n, 2n ** 63n, U64_MAX - 1n, U64_MAX];
    const db = s.db.withTables<{ counters: { v: string } }>();
    for (const v of [...values].reverse())
      await db
        .insertInto('counters')
        .values({ v: u64ToText(v) })
        .execute();
    const rows = await db.selectFrom('counters').select('v').orderBy('v').execute();
    assert.deepEqual(
      rows.map((r) => u64FromText(r.v)),
      values,
    );
    const above = await db
      .selectFrom('counters')
      .select('v')
      .where('v', '>', u64ToText(2n ** 63n))
      .orderBy('v')
      .execute();
    assert.deepEqual(
      above.map((r) => u64FromText(r.v)),
      [U64_MAX - 1n, U64_MAX],
    );
  });

  it('a transaction that throws leaves nothing behind (kv and events)', async (t) => {
    const s = await open();
    t.after(() => s.close());
    const clock = new VirtualClock();
    const kv = new KvStore(s.db, 'ppmid:00DB1234567890A1', clock);
    const log = new EventLog(s.db, clock);
    await kv.put('outbox/1', 'kept');
    await assert.rejects(
      s.db.transaction().execute(async (trx) => {
        await kv.with(trx).put('outbox/1', 'overwritten');
        await kv.with(trx).put('outbox/2', 'new');
        await log.with(trx).append('ppmid', 'queued', { n: 2 });
        assert.equal(await kv.with(trx).get('outbox/2'), 'new');
        throw new Error('crash before commit');
      }),
      /crash before commit/,
    );
    assert.equal(await kv.get('outbox/1'), 'kept');
    assert.equal(await kv.get('outbox/2'), undefined);
    assert.equal(await log.count(), 0);
    await s.db.transaction().execute(async (trx) => {
      await kv.with(trx).put('outbox/2', 'committed');
      await log.with(trx).append('ppmid', 'queued', {});
    });
    assert.equal(await kv.get('outbox/2'), 'committed');
    assert.equal(await log.count(), 1);
  });

  it(`${kind}: timestamps and counts come back as JS numbers, booleans as 0/1`, async (t) => {
    const s = await open();
    t.after(() => s.close());
    const db = s.db.withTables<{ flags: { at: number; on: number } }>();
    await s.db.schema.createTable('flags').addColumn('at', COL.epochMs).addColumn('on', COL.bool).execute();
    await db
      .insertInto('flags')
      .values([
        { at: Date.UTC(2030, 0, 1), on: 1 },
        { at: 0, on: 0 },
      ])
      .execute();
    const rows = await db.selectFrom('flags').selectAll().orderBy('at').execute();
    assert.deepEqual(rows, [
      { at: 0, on: 0 },
      { at: Date.UTC(2030, 0, 1), on: 1 },
    ]);
    const n = await db
      .selectFrom('flags')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(n.n, 2);
  });
});
