/**
 * 030: the DCC DSP service's tables (src/dcc/dsp; row types in
 * src/dcc/dsp/tables.ts). Conventions: ../columns.ts (epoch-ms bigint,
 * uint64 as 20-digit text, booleans 0/1, JSON and hex as text).
 *
 * - dsp_users, dsp_inventory, dsp_ch_isolation: the registry and inventory.
 * - dsp_counters: per user (and the ACB) the highest Request ID / Originator
 *   Counter accepted.
 * - dsp_requests: one row per Request ID, its state machine (docs/dsp.md).
 * - dsp_device_messages: every response and alert that reached the DSP,
 *   with what was done with it (DSP-6: forwarded once, duplicates recorded).
 * - dsp_local_delivery_log: SECMP0038 DSP-4.
 * - dsp_charges: SECMP0038 DSP-5.
 * - dsp_outbox: asynchronous Responses and Alerts to users' Receive
 *   Response Service, until delivered.
 */
import { addIdColumn, COL, type SchemaDb } from '../columns.ts';
import type { MigrationContext } from '../migrate.ts';

export async function up(db: SchemaDb, { dialect }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('dsp_users')
    .addColumn('eui', COL.text, (c) => c.primaryKey())
    .addColumn('json', COL.json, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('dsp_inventory')
    .addColumn('eui', COL.text, (c) => c.primaryKey())
    .addColumn('device_type', COL.text, (c) => c.notNull())
    .addColumn('chf', COL.text, (c) => c.notNull())
    .addColumn('csp', COL.text, (c) => c.notNull())
    .addColumn('esme_variant', COL.text)
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('dsp_ch_isolation')
    .addColumn('chf', COL.text, (c) => c.primaryKey())
    .addColumn('isolated', COL.bool, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('dsp_counters')
    .addColumn('party', COL.text, (c) => c.primaryKey())
    .addColumn('counter', COL.u64, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('dsp_requests')
    .addColumn('request_id', COL.text, (c) => c.primaryKey())
    .addColumn('user_eui', COL.text, (c) => c.notNull())
    .addColumn('target', COL.text, (c) => c.notNull())
    .addColumn('counter', COL.u64, (c) => c.notNull())
    .addColumn('srv', COL.text, (c) => c.notNull())
    .addColumn('sr_class', COL.text, (c) => c.notNull())
    .addColumn('cv', COL.int, (c) => c.notNull())
    .addColumn('state', COL.text, (c) => c.notNull())
    .addColumn('chf', COL.text)
    .addColumn('csp', COL.text)
    .addColumn('gbcs_key', COL.text)
    .addColumn('use_case', COL.text)
    .addColumn('message_code', COL.int)
    .addColumn('wan', COL.bool, (c) => c.notNull())
    .addColumn('local_copy', COL.bool, (c) => c.notNull())
    .addColumn('ch_isolated', COL.bool, (c) => c.notNull())
    .addColumn('command_sha256', COL.hex)
    .addColumn('command_hex', COL.hex)
    .addColumn('pre_command_hex', COL.hex)
    .addColumn('response_code', COL.text)
    .addColumn('response_route', COL.text)
    .addColumn('response_count', COL.int, (c) => c.notNull())
    .addColumn('created_at', COL.epochMs, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .addColumn('scheduled_at', COL.epochMs)
    .addColumn('execution_at', COL.epochMs)
    .addColumn('expires_at', COL.epochMs)
    .addColumn('responded_at', COL.epochMs)
    .execute();
  await db.schema.createIndex('dsp_requests_gbcs_key').on('dsp_requests').column('gbcs_key').execute();
  await db.schema.createIndex('dsp_requests_state').on('dsp_requests').column('state').execute();
  await db.schema
    .createIndex('dsp_requests_created')
    .on('dsp_requests')
    .columns(['created_at', 'user_eui'])
    .execute();

  await addIdColumn(db.schema.createTable('dsp_device_messages'), dialect)
    .addColumn('at', COL.epochMs, (c) => c.notNull())
    .addColumn('route', COL.text, (c) => c.notNull())
    .addColumn('chf', COL.text)
    .addColumn('cra', COL.text)
    .addColumn('originator', COL.text)
    .addColumn('recipient', COL.text)
    .addColumn('counter', COL.u64)
    .addColumn('message_code', COL.int)
    .addColumn('request_id', COL.text)
    .addColumn('disposition', COL.text, (c) => c.notNull())
    .addColumn('reason', COL.text)
    .addColumn('gbcs_hex', COL.hex, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('dsp_device_messages_request')
    .on('dsp_device_messages')
    .column('request_id')
    .execute();

  await addIdColumn(db.schema.createTable('dsp_local_delivery_log'), dialect)
    .addColumn('at', COL.epochMs, (c) => c.notNull())
    .addColumn('request_id', COL.text, (c) => c.notNull())
    .addColumn('user_eui', COL.text, (c) => c.notNull())
    .addColumn('target', COL.text, (c) => c.notNull())
    .addColumn('chf', COL.text, (c) => c.notNull())
    .addColumn('csp', COL.text, (c) => c.notNull())
    .addColumn('srv', COL.text, (c) => c.notNull())
    .addColumn('cv', COL.int, (c) => c.notNull())
    .addColumn('gbcs_sha256', COL.hex, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('dsp_local_delivery_log_csp_at')
    .on('dsp_local_delivery_log')
    .columns(['csp', 'at'])
    .execute();

  await addIdColumn(db.schema.createTable('dsp_charges'), dialect)
    .addColumn('at', COL.epochMs, (c) => c.notNull())
    .addColumn('user_eui', COL.text, (c) => c.notNull())
    .addColumn('request_id', COL.text, (c) => c.notNull())
    .addColumn('srv', COL.text, (c) => c.notNull())
    .addColumn('sr_class', COL.text, (c) => c.notNull())
    .addColumn('cv', COL.int, (c) => c.notNull())
    .addColumn('amount', COL.int, (c) => c.notNull())
    .addColumn('currency', COL.text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dsp_charges_user_at').on('dsp_charges').columns(['user_eui', 'at']).execute();

  await db.schema
    .createTable('dsp_outbox')
    .addColumn('id', COL.text, (c) => c.primaryKey())
    .addColumn('user_eui', COL.text, (c) => c.notNull())
    .addColumn('url', COL.text, (c) => c.notNull())
    .addColumn('kind', COL.text, (c) => c.notNull())
    .addColumn('request_id', COL.text)
    .addColumn('xml', COL.text, (c) => c.notNull())
    .addColumn('state', COL.text, (c) => c.notNull())
    .addColumn('attempts', COL.int, (c) => c.notNull())
    .addColumn('created_at', COL.epochMs, (c) => c.notNull())
    .addColumn('next_at', COL.epochMs, (c) => c.notNull())
    .addColumn('delivered_at', COL.epochMs)
    .addColumn('last_error', COL.text)
    .execute();
  await db.schema.createIndex('dsp_outbox_state').on('dsp_outbox').column('state').execute();
}
