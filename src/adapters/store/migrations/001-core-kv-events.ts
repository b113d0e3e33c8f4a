/**
 * 001: tables every party may use: `kv` (namespaced documents) and `events`
 * (an append-only log). Conventions: ../columns.ts.
 */
import { addIdColumn, COL, type SchemaDb } from '../columns.ts';
import type { MigrationContext } from '../migrate.ts';

export async function up(db: SchemaDb, { dialect }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('kv')
    .addColumn('namespace', COL.text, (c) => c.notNull())
    .addColumn('key', COL.text, (c) => c.notNull())
    .addColumn('value', COL.json, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .addPrimaryKeyConstraint('kv_pk', ['namespace', 'key'])
    .execute();

  await addIdColumn(db.schema.createTable('events'), dialect)
    .addColumn('at', COL.epochMs, (c) => c.notNull())
    .addColumn('source', COL.text, (c) => c.notNull())
    .addColumn('kind', COL.text, (c) => c.notNull())
    .addColumn('json', COL.json, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('events_source_kind_id')
    .on('events')
    .columns(['source', 'kind', 'id'])
    .execute();
  await db.schema.createIndex('events_at').on('events').column('at').execute();
}
