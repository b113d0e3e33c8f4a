/**
 * 035: what the DSP keeps for the non-device Service Requests (issue 17,
 * src/dcc/dsp/non-device.ts): the Smart Metering Inventory's device records
 * (status, manufacturer, model, versions, MPxN, firmware distributions; one
 * JSON row per device, the routing columns stay in dsp_inventory) and the
 * DSP schedules of 5.1 Create Schedule.
 */
import { COL, type SchemaDb } from '../columns.ts';

export async function up(db: SchemaDb): Promise<void> {
  await db.schema
    .createTable('dsp_device_records')
    .addColumn('eui', COL.text, (c) => c.primaryKey())
    .addColumn('json', COL.json, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('dsp_schedules')
    .addColumn('schedule_id', COL.int, (c) => c.primaryKey())
    .addColumn('user_eui', COL.text, (c) => c.notNull())
    .addColumn('json', COL.json, (c) => c.notNull())
    .addColumn('created_at', COL.epochMs, (c) => c.notNull())
    .execute();
}
