/**
 * 041: the supplier's SU-1 WAN history read (`SupplierRepository.wanHistory`,
 * one per order: a premises' newest WAN sends and when each was answered)
 * answered from the index alone. The index of 040 held (premises_id,
 * wan_sent_at) and every row found was read from the table for its
 * answered_at (issue 16: about 1.5 % of an order's CPU in the simulator);
 * this one holds answered_at too and replaces it.
 */
import type { SchemaDb } from '../columns.ts';

export async function up(db: SchemaDb): Promise<void> {
  await db.schema.dropIndex('supplier_commands_premises_wan').execute();
  await db.schema
    .createIndex('supplier_commands_premises_wan_answered')
    .on('supplier_commands')
    .columns(['premises_id', 'wan_sent_at', 'answered_at'])
    .execute();
}
