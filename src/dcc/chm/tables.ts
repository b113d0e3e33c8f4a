/** Row types of the CHM's tables (migration 040-chm.ts; conventions in adapters/store/columns.ts). */
import type { Generated } from 'kysely';
import type { SqlBool } from '../../adapters/store/columns.ts';

export interface ChmAlertsTable {
  id: Generated<number>;
  /** when the alert reached the CSP (epoch ms) */
  received_at: number;
  /** the alert's own COSEM date-time, when readable */
  alert_at: number | null;
  chf: string;
  /** the CHF or GPF that raised it */
  originator: string;
  /** Originator Counter, u64 TEXT */
  counter: string;
  message_code: number;
  alert_code: number | null;
  /** ProvisionalAlertKind, `gbcs` for a GBCS CHF alert, `unreadable` */
  alert_type: string;
  name: string;
  critical: SqlBool;
  provisional: SqlBool;
  ppmid: string | null;
  /** relay-reject reason, connect how, buffer id, standalone cause */
  reason: string | null;
  target: string | null;
  detail: string;
  /** CheckResult of the signature / MAC */
  signature: string;
  mac: string;
  verified: SqlBool;
  sha256: string;
  gbcs_hex: string;
}

export interface ChmChTable {
  chf: string;
  mode: string;
  mode_since: number;
  standalone_since: number | null;
  cleared: SqlBool;
  cleared_at: number | null;
  cleared_by: string | null;
  clear_note: string | null;
  ran_isolated: SqlBool;
  first_seen: number;
  last_alert_at: number | null;
  last_ppmid_connected_at: number | null;
  ppmid_connected: number;
  relay_rejected: number;
  updated_at: number;
}

export interface ChmIsolationPeriodsTable {
  id: Generated<number>;
  chf: string;
  started_at: number;
  ended_at: number | null;
  started_by: string;
  ended_by: string | null;
}

export interface ChmCommandsTable {
  id: Generated<number>;
  chf: string;
  action: string;
  request_id: string;
  counter: string;
  operator: string;
  note: string | null;
  issued_at: number;
  status: string;
  wan_outcome: string | null;
  wan_outcome_at: number | null;
  responded_at: number | null;
  result: number | null;
  gbcs_hex: string;
}

export interface ChmDspImportsTable {
  id: Generated<number>;
  file_name: string;
  sha256: string;
  rows: number;
  added: number;
  duplicates: number;
  imported_at: number;
}

export interface ChmLocalDeliveriesTable {
  id: Generated<number>;
  import_id: number;
  at: number;
  request_id: string;
  user_eui: string;
  target: string;
  chf: string;
  csp: string;
  srv: string;
  cv: number;
  gbcs_sha256: string;
}

export type ChmTables = {
  chm_alerts: ChmAlertsTable;
  chm_ch: ChmChTable;
  chm_isolation_periods: ChmIsolationPeriodsTable;
  chm_commands: ChmCommandsTable;
  chm_dsp_imports: ChmDspImportsTable;
  chm_local_deliveries: ChmLocalDeliveriesTable;
};
