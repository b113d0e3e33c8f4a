/**
 * 036: the Device Log backups the DSP keeps per Communications Hub function
 * (src/dcc/dsp/device-log-backups.ts): what 8.12.1 / 8.12.2 restore onto a
 * replacement CH. One JSON row per CHF or GPF.
 */
import { COL, type SchemaDb } from '../columns.ts';

export async function up(db: SchemaDb): Promise<void> {
  await db.schema
    .createTable('dsp_device_log_backups')
    .addColumn('eui', COL.text, (c) => c.primaryKey())
    .addColumn('json', COL.json, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .execute();
}
