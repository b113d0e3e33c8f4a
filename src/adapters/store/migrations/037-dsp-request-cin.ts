/**
 * 037: the Customer Identification Number the DSP drew for a 9.1 request
 * (src/dcc/dsp: returned to the user in CINMessage with the device's
 * response, which may come after a restart).
 */
import { COL, type SchemaDb } from '../columns.ts';

export async function up(db: SchemaDb): Promise<void> {
  await db.schema.alterTable('dsp_requests').addColumn('cin', COL.text).execute();
}
