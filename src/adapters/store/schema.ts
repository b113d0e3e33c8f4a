/**
 * Table types of the shared schema. Each party that adds tables through a
 * migration module also declares their row types, either by augmenting
 * `Database` (one typed handle for everyone):
 *
 *   declare module '../adapters/store/schema.ts' {
 *     interface Database { dsp_requests: DspRequestsTable }
 *   }
 *
 * or locally with `store.db.withTables<{ dsp_requests: DspRequestsTable }>()`.
 * Column conventions (timestamps, uint64, booleans, JSON): see columns.ts.
 */
import type { Generated } from 'kysely';

/** `kv`: small documents per namespace (a party's settings, cursors, high-water marks). */
export interface KvTable {
  /** e.g. `dsp`, `chm`, `supplier:<EUI>` */
  namespace: string;
  key: string;
  /** JSON text */
  value: string;
  /** epoch ms */
  updated_at: number;
}

/** `events`: an append-only log several parties share (audit, alerts seen, delivery outcomes). */
export interface EventsTable {
  /** monotonically increasing; a reader's cursor */
  id: Generated<number>;
  /** epoch ms, from the party's Clock */
  at: number;
  /** who wrote it: `dsp`, `chm`, `supplier:<EUI>`, `ppmid:<EUI>` ... */
  source: string;
  /** what happened, e.g. `local-delivery-logged`, `alert-received` */
  kind: string;
  /** JSON text */
  json: string;
}

/** `ppmid_migrations`: which migration modules have run (see migrate.ts). */
export interface MigrationsTable {
  name: string;
  applied_at: number;
}

export interface Database {
  kv: KvTable;
  events: EventsTable;
  ppmid_migrations: MigrationsTable;
}
