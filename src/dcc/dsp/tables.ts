/**
 * Row types of the DSP tables (created by
 * src/adapters/store/migrations/030-dsp-service.ts). Used through
 * `store.db.withTables<DspTables>()`, so the shared `Database` type is not
 * augmented.
 */
import type { Generated, Kysely } from 'kysely';
import type { Database } from '../../adapters/store/index.ts';

export interface DspUsersTable {
  eui: string;
  /** the DspUser record as JSON */
  json: string;
  updated_at: number;
}

export interface DspInventoryTable {
  eui: string;
  device_type: string;
  chf: string;
  csp: string;
  esme_variant: string | null;
  updated_at: number;
}

export interface DspChIsolationTable {
  chf: string;
  isolated: number;
  updated_at: number;
}

export interface DspPpmidRelayTable {
  ppmid: string;
  enabled: number;
  updated_at: number;
}

/** Migration 038: the supplier user responsible for a meter (registration.ts). */
export interface DspRegistrationTable {
  eui: string;
  supplier: string;
  updated_at: number;
}

/** The highest Originator Counter accepted from a device in an alert to the ACB (alert-integrity.ts, migration 039). */
export interface DspAlertCountersTable {
  device: string;
  /** u64 as 20-digit text */
  counter: string;
  updated_at: number;
}

export interface DspCountersTable {
  /** a user EUI, or the ACB EUI for its own Originator Counter */
  party: string;
  /** u64 as 20-digit text */
  counter: string;
  updated_at: number;
}

export interface DspRequestsTable {
  request_id: string;
  user_eui: string;
  target: string;
  counter: string;
  srv: string;
  sr_class: string;
  cv: number;
  state: string;
  chf: string | null;
  csp: string | null;
  gbcs_key: string | null;
  use_case: string | null;
  message_code: number | null;
  wan: number;
  local_copy: number;
  ch_isolated: number;
  command_sha256: string | null;
  command_hex: string | null;
  pre_command_hex: string | null;
  /** 9.1: the CIN the DSP drew (migration 037) */
  cin: string | null;
  response_code: string | null;
  response_route: string | null;
  response_count: number;
  created_at: number;
  updated_at: number;
  scheduled_at: number | null;
  execution_at: number | null;
  expires_at: number | null;
  responded_at: number | null;
}

export interface DspDeviceMessagesTable {
  id: Generated<number>;
  at: number;
  route: string;
  chf: string | null;
  cra: string | null;
  originator: string | null;
  recipient: string | null;
  counter: string | null;
  message_code: number | null;
  request_id: string | null;
  disposition: string;
  reason: string | null;
  gbcs_hex: string;
}

export interface DspLocalDeliveryLogTable {
  id: Generated<number>;
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

export interface DspChargesTable {
  id: Generated<number>;
  at: number;
  user_eui: string;
  request_id: string;
  srv: string;
  sr_class: string;
  cv: number;
  amount: number;
  currency: string;
}

export interface DspOutboxTable {
  id: string;
  user_eui: string;
  url: string;
  kind: string;
  request_id: string | null;
  xml: string;
  state: string;
  attempts: number;
  created_at: number;
  next_at: number;
  delivered_at: number | null;
  last_error: string | null;
}

/** Migration 035: a device's Smart Metering Inventory record (non-device.ts). */
export interface DspDeviceRecordsTable {
  eui: string;
  /** the DeviceRecord as JSON */
  json: string;
  updated_at: number;
}

/** Migration 035: a 5.1 Create Schedule. */
export interface DspSchedulesTable {
  schedule_id: number;
  user_eui: string;
  /** the Schedule as JSON */
  json: string;
  created_at: number;
}

/** Migration 036: a CHF's or GPF's Device Log backup (device-log-backups.ts). */
export interface DspDeviceLogBackupsTable {
  eui: string;
  /** the DeviceLogBackup as JSON */
  json: string;
  updated_at: number;
}

export type DspTables = {
  dsp_device_records: DspDeviceRecordsTable;
  dsp_device_log_backups: DspDeviceLogBackupsTable;
  dsp_schedules: DspSchedulesTable;
  dsp_users: DspUsersTable;
  dsp_inventory: DspInventoryTable;
  dsp_ch_isolation: DspChIsolationTable;
  dsp_ppmid_relay: DspPpmidRelayTable;
  dsp_registration: DspRegistrationTable;
  dsp_counters: DspCountersTable;
  dsp_alert_counters: DspAlertCountersTable;
  dsp_requests: DspRequestsTable;
  dsp_device_messages: DspDeviceMessagesTable;
  dsp_local_delivery_log: DspLocalDeliveryLogTable;
  dsp_charges: DspChargesTable;
  dsp_outbox: DspOutboxTable;
};

export type DspDb = Kysely<DspTables>;

/** The DSP's typed handle on a store opened with the shared schema. */
export function dspDb(db: Kysely<Database>): DspDb {
  return db.withTables<DspTables>() as unknown as DspDb;
}
