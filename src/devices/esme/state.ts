/**
 * The ESME's state model: everything a command can change or a read can
 * report, JSON-safe (snapshot/restore, the NVM file). Defaults are the state
 * the RTDS reference ESME shows in its responses.
 */

import type { EsmeVariant } from '../../gbcs/use-cases/rows/esme.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { JoinTableState } from '../meter-common/join-table.ts';
import type { MeterOptions, MeterSnapshotBase } from '../meter-common/meter-device.ts';
import type { LoadModel, Metrology } from '../meter-common/metrology.ts';
import { type CredentialState, defaultCredentialState } from '../meter-common/security-credentials.ts';
import type { AlcsState } from './alcs.ts';
import { type BillingState, defaultBillingState } from './billing-calendar.ts';
import type { BlockRegisters } from './block-counters.ts';
import { type DailyReadLog, newDailyReadLog } from './daily-read-log.ts';
import { RTDS_ESME_PROTECTED } from './rtds-protected.ts';
import { type EsmeTariff, RTDS_TARIFF } from './tariff.ts';

/** Supply state (GBCS: load switch Enabled / Disabled / Armed). */
export type SupplyState = 'enabled' | 'disabled' | 'armed';
export type PaymentMode = 'credit' | 'prepayment';

/** Everything an ESME command can change or a read can report. JSON-safe (snapshot). */
export interface EsmeState {
  registers: {
    activeImportWh: number;
    reactiveImportVarh: number;
    activeExportWh: number;
    reactiveExportVarh: number;
    /** twin ESME: the secondary element's active import register */
    secondaryActiveImportWh?: number;
  };
  /** GBCS ESME variant: single element, twin element, polyphase */
  variant: EsmeVariant;
  /** meter balance in milli-pence (1/100000 GBP) */
  meterBalance: number;
  /** maximum meter balance threshold (GBCS 8F47 / 8F5B), milli-pence */
  maxMeterBalance: number;
  /** aggregated debt, milli-pence */
  debt: number;
  paymentMode: PaymentMode;
  /** disablement threshold (ECS03, class 9000 attr 4) */
  disablementThreshold: number;
  supply: SupplyState;
  /** emergency credit (PECS02 from the PPMID activates it when it can be); absent: never activated */
  emergencyCredit?: { active: boolean };
  /**
   * prepayment accounting (prepay-supply.ts): fractions of a milli-pence not yet debited, and whether
   * the supply was disabled for lack of credit (a top-up arms it); absent: never debited. `accruedTo`: the
   * device time up to which the time-based charges are taken (prepay-supply.ts accruePrepayment);
   * `capWindow`: the debt recovery rate cap period running (prepay-periodic.ts)
   */
  prepay?: {
    carry: number;
    disabledForCredit: boolean;
    accruedTo?: number;
    capWindow?: { start: number; recovered: number } | null;
  };
  firmware: {
    /** running firmware version, hex (4 bytes in RTDS: 0123ABCD) */
    version: string;
    /** an image transferred over OTA and verified, waiting for activation (CS06) */
    pendingImage: { hash: string; version: string } | null;
  };
  /** last accepted top-up (UTRN) counter per supplier, decimal */
  lastTopUpCounter: Record<Eui, string>;
  /** the last accepted UTRNs (duplicate detection) */
  recentUtrns: string[];
  /** device event log (GBCS event codes) */
  eventLog: Array<{ at: number; code: number; messageCode?: number }>;
  /**
   * the tariff ECS24 reads, as named values by catalogue object and attribute
   * (tariff.ts): the Charges' active unit charges (attr 5), calendar, special
   * days, block thresholds...
   */
  tariff: EsmeTariff;
  /**
   * The COSEM attribute store: every other attribute a command writes or a
   * read reports, by catalogue `object.member`, as the catalogue's named
   * value (profile buffers as arrays of named rows). Initially the RTDS
   * ESME's (rtds-attributes.ts), shared by all meters: this record holds
   * only the meter's own writes over that table (copy on write). Read and
   * write it through attribute-store.ts, never directly.
   */
  attributes: Record<string, unknown>;
  /**
   * The objects read with get_protected_attributes (handlers/protected.ts):
   * DLMS Data (hex) by `class/OBIS/attribute`; initially the RTDS ESME's of
   * the variant (rtds-protected.ts).
   */
  protectedData: Record<string, string>;
  /**
   * Consumption over time (meter-common/metrology.ts, channels in
   * profile-log.ts): the registers advance with the load on the device
   * clock and the half-hour profile is recorded (ECS22a/b/c read it after
   * the rows above). Null: a meter built without `metrology` (the RTDS
   * reference meter: its registers change only through the backchannel).
   */
  metrology: Metrology | null;
  /** the import daily read log (daily-read-log.ts, ECS21a): the import register(s) at each midnight */
  dailyReadLog: DailyReadLog;
  /** Remote Party Seq Numbers and the cell certificates CS02b/CS02g replaced (meter-common/security-credentials.ts) */
  credentials: CredentialState;
  /** the HAN devices the meter joined (meter-common/join-table.ts) and how many it can hold */
  joinTable: JoinTableState;
  /** the ALCS calendar and timed overrides (alcs.ts) */
  alcs: AlcsState;
  /** the billing calendar in time (billing-control.ts): whether it runs, and from when */
  billing: BillingState;
  /** the block counters' daily reset in time (block-reset-control.ts, ECS48): whether it runs, and from when */
  blockReset?: BillingState;
  /** the block registers and counters the meter counts (block-counters.ts); absent: the held list */
  blocks?: BlockRegisters;
}

/** HAN devices an ESME's join table holds (this emulator's figure; GBCS sets a minimum, not confirmed here). */
export const ESME_JOIN_CAPACITY = 8;

/** Half-hour profile entries kept: 13 months (GBCS profile data logs). */
export const ESME_PROFILE_CAPACITY = 13 * 31 * 48;

/** A typical domestic electricity load (Wh, varh per half hour: about 2 900 kWh a year), varied per meter by `seed`. */
export function defaultElectricityLoad(seed: string, variant: EsmeVariant = 'single'): LoadModel {
  return {
    meanPerHalfHour: {
      activeImport: 165,
      reactiveImport: 40,
      ...(variant === 'twin' ? { secondaryActiveImport: 60 } : {}),
    },
    seed,
  };
}

export type { EsmeVariant };

export interface EsmeSnapshot extends MeterSnapshotBase {
  state: EsmeState;
}

export interface EsmeOptions extends MeterOptions {
  /** the ESME variant (default single): its registers and the RTDS data it starts with */
  variant?: EsmeVariant;
  initialState?: Partial<EsmeState>;
}

/** The state an RTDS ESME shows in the reference responses (registers 10 Wh / 10 varh, balance 250000...). */
export function defaultEsmeState(variant: EsmeVariant = 'single'): EsmeState {
  return {
    registers: {
      activeImportWh: 10,
      reactiveImportVarh: 10,
      activeExportWh: 10,
      reactiveExportVarh: 20,
      ...(variant === 'twin' ? { secondaryActiveImportWh: 10 } : {}),
    },
    variant,
    meterBalance: 250_000,
    maxMeterBalance: 100_000_000,
    debt: 0,
    paymentMode: 'credit',
    disablementThreshold: 0,
    supply: 'enabled',
    firmware: { version: '0123ABCD', pendingImage: null },
    lastTopUpCounter: {},
    recentUtrns: [],
    eventLog: [],
    // shared and frozen: a meter's own tariff replaces what it changes (copy on write)
    tariff: RTDS_TARIFF,
    attributes: {},
    protectedData: { ...RTDS_ESME_PROTECTED.single, ...(variant === 'twin' ? RTDS_ESME_PROTECTED.twin : {}) },
    metrology: null,
    dailyReadLog: newDailyReadLog(),
    credentials: defaultCredentialState(),
    joinTable: { joined: [], capacity: ESME_JOIN_CAPACITY },
    alcs: { calendar: false, overrides: {} },
    billing: defaultBillingState(),
  };
}
