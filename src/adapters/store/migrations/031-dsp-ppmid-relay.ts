/**
 * 031: the DSP's record of which enhanced PPMIDs get the relay flag in their
 * CHF Device Log entry (SECMP0038 C3, SU-3; DspService.setRelayEnabled), so
 * that a DSP restart keeps it.
 */
import { COL, type SchemaDb } from '../columns.ts';

export async function up(db: SchemaDb): Promise<void> {
  await db.schema
    .createTable('dsp_ppmid_relay')
    .addColumn('ppmid', COL.text, (c) => c.primaryKey())
    .addColumn('enabled', COL.bool, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .execute();
}
