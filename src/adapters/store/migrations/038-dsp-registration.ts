/**
 * 038: the DSP's registration data: the supplier user responsible for each
 * meter (src/dcc/dsp/registration.ts). One row per ESME / GSME.
 */
import { COL, type SchemaDb } from '../columns.ts';

export async function up(db: SchemaDb): Promise<void> {
  await db.schema
    .createTable('dsp_registration')
    .addColumn('eui', COL.text, (c) => c.primaryKey())
    .addColumn('supplier', COL.text, (c) => c.notNull())
    .addColumn('updated_at', COL.epochMs, (c) => c.notNull())
    .execute();
}
