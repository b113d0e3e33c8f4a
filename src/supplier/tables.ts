/**
 * Row types of the supplier tables (created by
 * src/adapters/store/migrations/040-supplier.ts), used through
 * `store.db.withTables<SupplierTables>()`.
 */
import type { Generated } from 'kysely';

export interface SupplierCountersTable {
  supplier_eui: string;
  /** u64 as 20-digit text: the last counter handed out */
  counter: string;
  updated_at: number;
}

export interface SupplierPremisesTable {
  id: string;
  chf: string;
  ppmid: string | null;
  /** Premises as JSON (without lastWanResponseAt, which has its own column) */
  json: string;
  last_wan_response_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface SupplierPpmidsTable {
  eui: string;
  premises_id: string;
  state: string;
  relay_enabled: number;
  json: string;
  created_at: number;
  updated_at: number;
}

export interface SupplierCommandsTable {
  /** the Request ID counter, 20-digit text */
  id: string;
  /** null until the command is dispatched */
  request_id: string | null;
  premises_id: string;
  target: string;
  srv: string;
  route: string | null;
  state: string;
  terminal: number;
  wan_sent_at: number | null;
  answered_at: number | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
  json: string;
}

export interface SupplierCommandHopsTable {
  id: Generated<number>;
  command_id: string;
  seq: number;
  at: number;
  kind: string;
  json: string;
}

export type SupplierTables = {
  supplier_counters: SupplierCountersTable;
  supplier_premises: SupplierPremisesTable;
  supplier_ppmids: SupplierPpmidsTable;
  supplier_commands: SupplierCommandsTable;
  supplier_command_hops: SupplierCommandHopsTable;
};
