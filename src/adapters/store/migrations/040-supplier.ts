/**
 * 040: the supplier service's tables (src/supplier; row types in
 * src/supplier/tables.ts). Conventions: ../columns.ts (epoch-ms bigint,
 * uint64 as 20-digit text, booleans 0/1, JSON and hex as text).
 *
 * - supplier_counters: per supplier EUI the last DUIS RequestID counter used
 *   (strictly increasing, reserved before use, so it survives a restart),
 *   and (key `<EUI>/commands`) the last command id.
 * - supplier_premises: premises, their Communications Hub and devices, and
 *   the last time any response of theirs came over the WAN (SU-1).
 * - supplier_ppmids: enhanced PPMIDs and their provisioning state (SU-3).
 * - supplier_commands: one row per command (one DUIS RequestID once
 *   dispatched; NULL while queued), its state
 *   machine (SU-2) and the WAN delivery history the route planner reads (SU-1).
 * - supplier_command_hops: the timeline of each command, append-only.
 */
import { addIdColumn, COL, type SchemaDb } from '../columns.ts';
import type { MigrationContext } from '../migrate.ts';

export async function up(db: SchemaDb, { dialect }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('supplier_counters')
    .addColumn('supplier_eui', COL.text, (c) => c.primaryKey())
    .addColumn('counter', COL.u64, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('supplier_premises')
    .addColumn('id', COL.text, (c) => c.primaryKey())
    .addColumn('chf', COL.text, (c) => c.notNull())
    .addColumn('ppmid', COL.text)
    .addColumn('json', COL.json, (c) => c.notNull())
    .addColumn('last_wan_response_at', COL.epochMs)
    .addColumn('created_at', COL.epochMs, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('supplier_ppmids')
    .addColumn('eui', COL.text, (c) => c.primaryKey())
    .addColumn('premises_id', COL.text, (c) => c.notNull())
    .addColumn('state', COL.text, (c) => c.notNull())
    .addColumn('relay_enabled', COL.bool, (c) => c.notNull())
    .addColumn('json', COL.json, (c) => c.notNull())
    .addColumn('created_at', COL.epochMs, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('supplier_ppmids_premises')
    .on('supplier_ppmids')
    .column('premises_id')
    .execute();

  await db.schema
    .createTable('supplier_commands')
    .addColumn('id', COL.u64, (c) => c.primaryKey())
    .addColumn('request_id', COL.text, (c) => c.unique())
    .addColumn('premises_id', COL.text, (c) => c.notNull())
    .addColumn('target', COL.text, (c) => c.notNull())
    .addColumn('srv', COL.text, (c) => c.notNull())
    .addColumn('route', COL.text)
    .addColumn('state', COL.text, (c) => c.notNull())
    .addColumn('terminal', COL.bool, (c) => c.notNull())
    .addColumn('wan_sent_at', COL.epochMs)
    .addColumn('answered_at', COL.epochMs)
    .addColumn('created_at', COL.epochMs, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .addColumn('expires_at', COL.epochMs, (c) => c.notNull())
    .addColumn('json', COL.json, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('supplier_commands_open')
    .on('supplier_commands')
    .columns(['terminal', 'id'])
    .execute();
  await db.schema
    .createIndex('supplier_commands_premises_wan')
    .on('supplier_commands')
    .columns(['premises_id', 'wan_sent_at'])
    .execute();
  await db.schema.createIndex('supplier_commands_state').on('supplier_commands').column('state').execute();

  await addIdColumn(db.schema.createTable('supplier_command_hops'), dialect)
    .addColumn('command_id', COL.u64, (c) => c.notNull())
    .addColumn('seq', COL.int, (c) => c.notNull())
    .addColumn('at', COL.epochMs, (c) => c.notNull())
    .addColumn('kind', COL.text, (c) => c.notNull())
    .addColumn('json', COL.json, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('supplier_command_hops_command_seq')
    .on('supplier_command_hops')
    .columns(['command_id', 'seq'])
    .unique()
    .execute();
}
