/**
 * 039: the DSP's replay high-water marks for device alerts addressed to the
 * ACB (src/dcc/dsp/alert-integrity.ts `AcbAlertGate`): the highest
 * Originator Counter accepted from each device, so that an alert replayed
 * after a DSP restart is still rejected. One row per device.
 */
import { COL, type SchemaDb } from '../columns.ts';

export async function up(db: SchemaDb): Promise<void> {
  await db.schema
    .createTable('dsp_alert_counters')
    .addColumn('device', COL.text, (c) => c.primaryKey())
    .addColumn('counter', COL.u64, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .execute();
}
