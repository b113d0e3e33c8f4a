/**
 * 040: the CSP's Communications Hub Manager (src/dcc/chm, SECMP0038 CSP-2,
 * CSP-3, CSP-4). Row types: src/dcc/chm/tables.ts. Conventions: ../columns.ts.
 *
 * - chm_alerts: every CH alert the CHM received, decoded, with its checks.
 * - chm_ch: the CHM's view of each CH (mode, A20 cleared, A22 ran isolated).
 * - chm_isolation_periods: each period a CH spent in standalone mode (A22).
 * - chm_commands: Block / Unblock Buffer Feed commands and their outcome.
 * - chm_dsp_imports, chm_local_deliveries: the DSP's local-delivery logs (DSP-4, CSP-4).
 */
import { addIdColumn, COL, type SchemaDb } from '../columns.ts';
import type { MigrationContext } from '../migrate.ts';

export async function up(db: SchemaDb, { dialect }: MigrationContext): Promise<void> {
  await addIdColumn(db.schema.createTable('chm_alerts'), dialect)
    .addColumn('received_at', COL.epochMs, (c) => c.notNull())
    .addColumn('alert_at', COL.epochMs)
    .addColumn('chf', COL.text, (c) => c.notNull())
    .addColumn('originator', COL.text, (c) => c.notNull())
    .addColumn('counter', COL.u64, (c) => c.notNull())
    .addColumn('message_code', COL.int, (c) => c.notNull())
    .addColumn('alert_code', COL.int)
    .addColumn('alert_type', COL.text, (c) => c.notNull())
    .addColumn('name', COL.text, (c) => c.notNull())
    .addColumn('critical', COL.bool, (c) => c.notNull())
    .addColumn('provisional', COL.bool, (c) => c.notNull())
    .addColumn('ppmid', COL.text)
    .addColumn('reason', COL.text)
    .addColumn('target', COL.text)
    .addColumn('detail', COL.json, (c) => c.notNull())
    .addColumn('signature', COL.text, (c) => c.notNull())
    .addColumn('mac', COL.text, (c) => c.notNull())
    .addColumn('verified', COL.bool, (c) => c.notNull())
    .addColumn('sha256', COL.hex, (c) => c.notNull().unique())
    .addColumn('gbcs_hex', COL.hex, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('chm_alerts_received').on('chm_alerts').column('received_at').execute();
  await db.schema
    .createIndex('chm_alerts_chf_type')
    .on('chm_alerts')
    .columns(['chf', 'alert_type', 'received_at'])
    .execute();

  await db.schema
    .createTable('chm_ch')
    .addColumn('chf', COL.text, (c) => c.primaryKey())
    .addColumn('mode', COL.text, (c) => c.notNull())
    .addColumn('mode_since', COL.epochMs, (c) => c.notNull())
    .addColumn('standalone_since', COL.epochMs)
    .addColumn('cleared', COL.bool, (c) => c.notNull())
    .addColumn('cleared_at', COL.epochMs)
    .addColumn('cleared_by', COL.text)
    .addColumn('clear_note', COL.text)
    .addColumn('ran_isolated', COL.bool, (c) => c.notNull())
    .addColumn('first_seen', COL.epochMs, (c) => c.notNull())
    .addColumn('last_alert_at', COL.epochMs)
    .addColumn('last_ppmid_connected_at', COL.epochMs)
    .addColumn('ppmid_connected', COL.int, (c) => c.notNull())
    .addColumn('relay_rejected', COL.int, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .execute();

  await addIdColumn(db.schema.createTable('chm_isolation_periods'), dialect)
    .addColumn('chf', COL.text, (c) => c.notNull())
    .addColumn('started_at', COL.epochMs, (c) => c.notNull())
    .addColumn('ended_at', COL.epochMs)
    .addColumn('started_by', COL.text, (c) => c.notNull())
    .addColumn('ended_by', COL.text)
    .execute();
  await db.schema
    .createIndex('chm_isolation_periods_chf')
    .on('chm_isolation_periods')
    .columns(['chf', 'started_at'])
    .execute();

  await addIdColumn(db.schema.createTable('chm_commands'), dialect)
    .addColumn('chf', COL.text, (c) => c.notNull())
    .addColumn('action', COL.text, (c) => c.notNull())
    .addColumn('request_id', COL.text, (c) => c.notNull().unique())
    .addColumn('counter', COL.u64, (c) => c.notNull())
    .addColumn('operator', COL.text, (c) => c.notNull())
    .addColumn('note', COL.text)
    .addColumn('issued_at', COL.epochMs, (c) => c.notNull())
    .addColumn('status', COL.text, (c) => c.notNull())
    .addColumn('wan_outcome', COL.text)
    .addColumn('wan_outcome_at', COL.epochMs)
    .addColumn('responded_at', COL.epochMs)
    .addColumn('result', COL.int)
    .addColumn('gbcs_hex', COL.hex, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('chm_commands_chf').on('chm_commands').columns(['chf', 'counter']).execute();

  await addIdColumn(db.schema.createTable('chm_dsp_imports'), dialect)
    .addColumn('file_name', COL.text, (c) => c.notNull())
    .addColumn('sha256', COL.hex, (c) => c.notNull().unique())
    .addColumn('rows', COL.int, (c) => c.notNull())
    .addColumn('added', COL.int, (c) => c.notNull())
    .addColumn('duplicates', COL.int, (c) => c.notNull())
    .addColumn('imported_at', COL.epochMs, (c) => c.notNull())
    .execute();

  await addIdColumn(db.schema.createTable('chm_local_deliveries'), dialect)
    .addColumn('import_id', COL.int, (c) => c.notNull())
    .addColumn('at', COL.epochMs, (c) => c.notNull())
    .addColumn('request_id', COL.text, (c) => c.notNull())
    .addColumn('user_eui', COL.text, (c) => c.notNull())
    .addColumn('target', COL.text, (c) => c.notNull())
    .addColumn('chf', COL.text, (c) => c.notNull())
    .addColumn('csp', COL.text, (c) => c.notNull())
    .addColumn('srv', COL.text, (c) => c.notNull())
    .addColumn('cv', COL.int, (c) => c.notNull())
    .addColumn('gbcs_sha256', COL.hex, (c) => c.notNull())
    .addUniqueConstraint('chm_local_deliveries_unique', ['request_id', 'gbcs_sha256'])
    .execute();
  await db.schema.createIndex('chm_local_deliveries_at').on('chm_local_deliveries').column('at').execute();
}
