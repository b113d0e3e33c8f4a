/**
 * GSME emulator (gas smart meter, SMETS2): a sleepy ZigBee device whose
 * commands are GBZ (ZCL inside GBCS), after the shared security checks
 * (devices/security).
 *
 * The GSME sleeps: every `pollIntervalMs` it wakes and asks the CHF's GSME
 * mailbox for waiting messages (SleepyHanUplink.pollMailbox, HAN.md); it
 * answers each through PUT (HanUplink.send).
 *
 * Every accepted command runs through the shared use-case registry
 * (meter-common/use-case-registry.ts) with the GSME's handlers
 * (handlers/index.ts: reads and writes; prepayment.ts: CS01b, PCS01,
 * PCS02; account.ts: GCS01b, GCS02/GCS03 and their future-dated runs;
 * supply.ts: GCS32/GCS39, GCS28): decoded by named fields from the
 * catalogue row, answered by named fields; a use case with no handler gets
 * the GBZ "unsupported" answer (Default Response UNSUP_CLUSTER_COMMAND per
 * component), a payload that does not fit its row the malformed answer and
 * 8F1E. This class holds the state, the backchannel, the services handlers
 * use (services.ts), polling and the GSME's alert and header shapes.
 */

import { messageCodeForUseCase } from '../../gbcs/codes/message-codes.ts';
import { encodeGbzAlert } from '../../gbcs/use-cases/index.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { TimerHandle } from '../../runtime/clock.ts';
import { fastHost } from '../../runtime/fast-host.ts';
import { deepFreeze } from '../../runtime/freeze.ts';
import type { HanUplink, SleepyHanUplink } from '../contracts.ts';
import {
  type CredentialHost,
  runCredentialUpdate,
  updateUseCasesFor,
} from '../meter-common/credential-handlers.ts';
import { defaultDeviceKeyState, reapplyInstalledKeys } from '../meter-common/device-credentials.ts';
import {
  EVENT_FIRMWARE_VERIFICATION_FAILED,
  type FirmwareState,
  runFirmwareActivation,
  verifyFirmwareFile,
} from '../meter-common/firmware.ts';
import { restoreJoinedPeers } from '../meter-common/join-table.ts';
import {
  type Execution,
  type ExecutionContext,
  type FutureDatedEntry,
  MeterDevice,
  type MeterOptions,
  type MeterSnapshotBase,
} from '../meter-common/meter-device.ts';
import {
  accrue,
  freezeClosedEntries,
  type IntervalLog,
  type LoadModel,
  type Metrology,
  newLog,
  newMetrology,
  recordConsumption,
} from '../meter-common/metrology.ts';
import {
  type CredentialState,
  defaultCredentialState,
  reapplyReplacedCertificates,
} from '../meter-common/security-credentials.ts';
import { CLOCK_STATUS_DOUBTFUL, cosemDateTime, zigbeeTime } from '../meter-common/time.ts';
import type { AcceptedCommand } from '../security/device-security.ts';
import { GCS53, GsmeBillingAlerts, type GsmeBillingRun } from './billing-alert.ts';
import { runFutureDated } from './handlers/account.ts';
import { type GsmeJoinedDevice, RTDS_EVENT_CONFIGURATION } from './handlers/device-management.ts';
import { appendLog, type LogEntry } from './handlers/event-log.ts';
import { GSME_HANDLERS } from './handlers/index.ts';
import { beginSampling, collectDebt } from './handlers/logs.ts';
import { runFutureDatedTariff } from './handlers/tariff.ts';
import type { GsmeServices } from './services.ts';
import {
  newSnapshotLog,
  recordScheduledSnapshots,
  type SnapshotIds,
  type SnapshotLog,
  type SnapshotReadings,
  takeSnapshot,
} from './snapshots.ts';

export type ValveState = 'enabled' | 'disabled' | 'armed';
export type PaymentMode = 'credit' | 'prepayment';

/** Everything a GSME command can change or a read can report. JSON-safe (snapshot). */
export interface GsmeState {
  registers: {
    /** Metering 0x0000 CurrentSummationDelivered (uint48), in units of `multiplier / divisor` m3 */
    currentSummationDelivered: number;
    multiplier: number;
    divisor: number;
    /** Metering 0x0300 UnitofMeasure (1 = m3) */
    unitOfMeasure: number;
  };
  /** credit remaining (meter balance), milli-pence */
  meterBalance: number;
  /** the credit-mode meter balance (GCS40c / GCS40d), milli-pence */
  creditModeBalance: number;
  maxMeterBalance: number;
  emergencyCredit: { limit: number; threshold: number; active: boolean };
  friendlyCredit: { enabled: boolean; calendarId: number };
  paymentMode: PaymentMode;
  /** ZCL Prepayment Payment Control Configuration (bit 1 prepayment enabled) */
  paymentControlConfiguration: number;
  valve: ValveState;
  lastTopUpCounter: Record<Eui, string>;
  /** the last accepted UTRNs (duplicate detection) */
  recentUtrns: string[];
  /** the General Event Log (ZSE Log ID 3): what the meter logged (CS10a reads it, CS11 clears it) */
  eventLog: LogEntry[];
  /** the Security Event Log (ZSE Log ID 4): commands refused by the security checks, their alert codes (CS10b) */
  securityLog: LogEntry[];
  /** Metering SiteID 0x0307: the MPRN (octets, hex) GCS41 sets and GCS46 reads; null: never set */
  mprn: string | null;
  /** the supplier's name and telephone number (octets, hex) GCS44 publishes (shown on the meter; no GBZ read) */
  supplierContact: {
    name: string;
    telephone: string;
    issuerEventId: number;
    providerChangeControl: number;
  } | null;
  /** Metering 0x0205 RemainingBatteryLifeinDays (GCS33); PROVISIONAL default, set by the backchannel */
  remainingBatteryLifeDays: number;
  /** Billing Data Log (prepayment credits): the top-ups the meter accepted, newest last (GCS15e) */
  topUpLog: TopUpLogEntry[];
  /** the active price (GCS01b); null until one is published */
  price: {
    tariffInformation: GsmeTariffInformation | null;
    priceMatrix: GsmePriceMatrix | null;
    /** Publish Block Thresholds of the last GCS01a (absent: none published) */
    blockThresholds?: GsmeBlockThresholds | null;
    /** the tariff switching table, ZCL Calendar type 0 (GCS01a publishes it, GCS21f reads it); absent: none */
    calendar?: FriendlyCreditCalendar | null;
  };
  /** Metering: TOU tier registers 1..4 (0x0100, 0x0102...) and block counters 1..4 (0x0700..0x0703), same units as the register */
  tierSummations: number[];
  blockSummations: number[];
  /** Metering 0x0A00 BillToDateDelivered, milli-pence */
  billToDate: number;
  /** Prepayment 0x0002 EmergencyCreditRemaining, milli-pence */
  emergencyCreditRemaining: number;
  /** Prepayment 0x0005 AccumulatedDebt and DebtAmount 1..3 (0x0211, 0x0221, 0x0231), milli-pence */
  debt: { accumulated: number; amounts: [number, number, number] };
  /** Price 0x0616 Currency (ISO 4217 numeric) and 0x0617 PriceTrailingDigit */
  currency: number;
  priceTrailingDigit: number;
  /** Basic 0x0004 / 0x0005 */
  identity: { manufacturerName: string; modelIdentifier: string };
  /** Metering 0x0607 SupplyTamperState, 0x0608 SupplyDepletionState, uncontrolled flow (GCS24) */
  supply: {
    tamperState: number;
    depletionState: number;
    uncontrolledFlowState: number;
    loadLimitSupplyState: number;
    uncontrolledFlowThreshold: Record<string, number> | null;
  };
  /** Price cluster Publish Conversion Factor / Calorific Value (GCS23): the active ones */
  conversionFactor: {
    value: number;
    trailingDigit: number;
    issuerEventId?: number;
    startTime?: number;
  } | null;
  calorificValue: {
    value: number;
    unit: number;
    trailingDigit: number;
    issuerEventId?: number;
    startTime?: number;
  } | null;
  /** the message on the display (GCS07) */
  message: { id: number; text: string; startTime: number; durationMinutes: number } | null;
  /** Customer Identification Number (GCS36), hex */
  cin: string | null;
  /**
   * Whether the consumer menu is protected by the privacy PIN; GCS11 (3.5) turns it off. A new meter's
   * PIN protection is on (PROVISIONAL: SMETS2 leaves the initial state to the manufacturer); no GBZ
   * read reports it.
   */
  privacyPinProtection: boolean;
  /** Network data sampling (GCS31): the next Sample ID and the active sampling */
  sampling: { nextSampleId: number; active: Record<string, number> | null };
  /** whether GCS53 is raised at each billing period end, and from when (billing-alert.ts; GCS25a starts it) */
  billingRun: GsmeBillingRun;
  /** the Billing Calendar (Price cluster Publish Billing Period, GCS25a sets, GCS21k reads) */
  billingPeriod: {
    providerId: number;
    issuerEventId: number;
    billingPeriodStartTime: number;
    billingPeriodDuration: number;
    billingPeriodDurationType: number;
    tariffType: number;
  };
  /**
   * Debt repayment log (GCS15d): what each top-up collected of the
   * payment-based debt (debt register 3, ZCL debt type 2), newest last,
   * at most DEBT_LOG_CAPACITY.
   */
  logs: { debtRepayment: DebtLogEntry[] };
  /** Daily reads and the billing data log (snapshots.ts): GCS16a/b, GCS15b/c read them */
  snapshotLog: SnapshotLog;
  /** Debt recovery: the share of each top-up collected of the payment-based debt (percent; GCS04 sets it) */
  debtRecoveryPercent: number;
  /**
   * Time-based debt recovery of debt registers 1 and 2 (GCS04 Change Debt):
   * ZCL Debt Recovery Frequency (0 hourly, 1 daily) and Recovery Amount
   * (milli-pence per period); Prepayment 0x0216/0x0217, 0x0226/0x0227.
   */
  debtRecovery: [DebtRecovery, DebtRecovery];
  /**
   * Prepayment settings GCS05 sets and GCS21b reads (ZCL Prepayment, milli-pence):
   * Low Credit Warning Level 0x0031, Max Credit Per Top Up 0x0022, Overall Debt
   * Cap 0x0006 (DUIS DebtRecoveryRateCap), Cut Off Value 0x0040.
   */
  prepaymentSettings: {
    lowCreditWarningLevel: number;
    maxCreditPerTopUp: number;
    overallDebtCap: number;
    cutOffValue: number;
  };
  /** The friendly credit (non-disablement) calendar, ZCL Calendar type 3 (GCS05 publishes it, GCS21b reads it); null: none published. */
  friendlyCreditCalendar: FriendlyCreditCalendar | null;
  /**
   * Consumption over time and the interval logs (meter-common/metrology.ts,
   * channel `gas`): the half-hour profile data log `profile` (GCS17) and the
   * network data sampling `networkData` (GCS31 starts it, GCS18 reads it).
   * Null: a meter built without `metrology` (its registers change only by
   * the backchannel, its profile logs stay empty).
   */
  metrology: Metrology | null;
  /** The HAN devices the meter has joined (CS03A1 / CS03B; CS04AC / CS04B unjoin; CS07 reads; handlers/device-management.ts) */
  joined: GsmeJoinedDevice[];
  /** Firmware: the running version and an image received over OTA waiting for CS06 (meter-common/firmware.ts) */
  firmware: FirmwareState;
  /** Non-critical event and alert behaviours: [event id, configuration] (GCS20 sets, GCS20r reads) */
  eventConfiguration: ReadonlyArray<readonly [number, number]>;
}

/** One Top Up Log entry (ZCL Publish Top Up Log payload): the UTRN, its value (milli-pence), ZigBee UTC time. */
export interface TopUpLogEntry {
  topUpCode: string;
  topUpAmount: number;
  topUpTime: number;
}

/** One Debt Log entry (ZCL Publish Debt Log payload): ZigBee UTC time, milli-pence. */
export interface DebtLogEntry {
  collectionTime: number;
  amountCollected: number;
  /** ZCL debt type: 0, 1, 2 = debt registers 1, 2, 3 */
  debtType: number;
  outstandingDebt: number;
}

/** Daily Consumption Log entries kept: 731 days (GBCS V3.1 GCS61: 1-731 samples). */
export const DAILY_LOG_CAPACITY = 731;
const DAY_MS = 86_400_000;

/** The Daily Consumption Log (GCS61, read on the GPF): one entry per UTC day, from the day holding `now`. */
export function dailyConsumptionLog(now: number): IntervalLog {
  return newLog(DAY_MS, Math.floor(now / DAY_MS) * DAY_MS, DAILY_LOG_CAPACITY, null);
}

/** A GSME's metrology from `now`: the half-hour profile data log and the daily consumption log. */
function gsmeMetrology(now: number): Metrology {
  const m = newMetrology(now, PROFILE_LOG_CAPACITY);
  m.logs.daily = dailyConsumptionLog(now);
  return m;
}

/** Half-hour profile entries kept: 13 months (GBCS GSME Profile Data Log). */
export const PROFILE_LOG_CAPACITY = 13 * 31 * 48;
/** Mean gas consumption per half hour of `defaultGasLoad`, in register units (1/1000 m3): about 1100 m3 a year. */
export const MEAN_GAS_PER_HALF_HOUR = 63;

/** A typical domestic gas load (register units per half hour), varied per meter by `seed`. */
export function defaultGasLoad(seed: string): LoadModel {
  return { meanPerHalfHour: { gas: MEAN_GAS_PER_HALF_HOUR }, seed };
}

/** ZCL Price cluster Publish Tariff Information, as the GSME holds it (SE 1.4 D.4.2.4.4; GBCS GCS01b). */
export interface GsmeTariffInformation {
  issuerEventId: number;
  issuerTariffId: number;
  /** Tariff Type / Charging Scheme: 0x00 TOU, 0x10 block (RTDS GCS01b) */
  tariffTypeChargingScheme: number;
  /** Tariff Label, hex */
  label: string;
  numberOfPriceTiersInUse: number;
  numberOfBlockThresholdsInUse: number;
  unitOfMeasure: number;
  /** ISO 4217 numeric (826 GBP, 978 EUR) */
  currency: number;
  priceTrailingDigit: number;
  standingCharge: number;
  tierBlockMode: number;
  blockThresholdMultiplier: number;
  blockThresholdDivisor: number;
}

/** ZCL Price cluster Publish Block Thresholds, as the GSME holds it: per tier record (high nibble tier, 0 all tiers), its thresholds. */
export interface GsmeBlockThresholds {
  issuerEventId: number;
  issuerTariffId: number;
  tiers: Array<{ tier: number; thresholds: number[] }>;
}

/** ZCL Price cluster Publish Price Matrix, as the GSME holds it. */
export interface GsmePriceMatrix {
  issuerEventId: number;
  issuerTariffId: number;
  /** Sub-Payload Control: 1 TOU (tier ids), 0 block (tier/block ids) */
  subPayloadControl: number;
  entries: Array<{ tierBlockId: number; price: number }>;
}

export interface GsmeSnapshot extends MeterSnapshotBase {
  state: GsmeState;
  /**
   * Remote Party Seq Numbers, the certificates CS02b put into cells, the key pairs CS02c / CS02d gave it
   * (kept apart from `state`, which the GPF's gas mirror copies); absent in a snapshot from before: none
   */
  credentials?: CredentialState;
}

/** The GSME's credential state before any CS02b / CS02c: no seq number set, nothing replaced. */
function initialGsmeCredentials(): CredentialState {
  return { ...defaultCredentialState(), seqNumbers: {} };
}

/** The GSME's Update Security Credentials use cases (they run at their execution date-time too). */
const GSME_CREDENTIAL_UPDATES: ReadonlySet<string> = new Set(updateUseCasesFor('GSME'));

export interface GsmeOptions extends MeterOptions {
  /** how often the GSME wakes and polls the CHF mailbox (ms); GBCS devices typically every 30 minutes */
  pollIntervalMs: number;
  initialState?: Partial<GsmeState>;
  /** the GPF's gas mirror (gpf/gas-mirror.ts): the GSME writes its data there on every wake */
  mirror?: { update(state: GsmeState, at: number): void };
}

/** A ZCL date with wildcards (null = 0xFF). */
export interface GsmeZclDate {
  year: number | null;
  month: number | null;
  day: number | null;
  dayOfWeek: number | null;
}

/** A ZCL Calendar (Calendar cluster publish commands' content). */
export interface FriendlyCreditCalendar {
  issuerEventId: number;
  issuerCalendarId: number;
  /** day profiles: start in minutes after midnight, 1 friendly credit on, 0 off */
  days: Array<{ dayId: number; entries: Array<{ startTime: number; priceTierOrSwitch: number }> }>;
  /** week profiles: day ids Monday..Sunday */
  weeks: Array<{ weekId: number; days: number[] }>;
  seasons: Array<{ seasonStartDate: GsmeZclDate; weekIdRef: number }>;
  specialDays: Array<{ specialDayDate: GsmeZclDate; dayIdRef: number }>;
}

const anyYear = (month: number, day: number, year: number | null = null): GsmeZclDate => ({
  year,
  month,
  day,
  dayOfWeek: null,
});

/** The RTDS GSME's friendly credit calendar (RTDS GCS21b SUCCESS response). */
export const RTDS_FRIENDLY_CREDIT_CALENDAR: FriendlyCreditCalendar = deepFreeze({
  issuerEventId: 473_385_600,
  issuerCalendarId: 470_793_600,
  days: [
    [1, 480, 1080],
    [2, 420, 1020],
    [3, 480, 840],
    [4, 420, 780],
  ].map(([dayId, off, on]) => ({
    dayId: dayId!,
    entries: [
      { startTime: 0, priceTierOrSwitch: 1 },
      { startTime: off!, priceTierOrSwitch: 0 },
      { startTime: on!, priceTierOrSwitch: 1 },
    ],
  })),
  weeks: [
    { weekId: 1, days: [1, 1, 1, 1, 1, 3, 3] },
    { weekId: 2, days: [2, 2, 2, 2, 2, 4, 4] },
  ],
  seasons: [
    { seasonStartDate: anyYear(3, 29), weekIdRef: 2 },
    { seasonStartDate: anyYear(10, 26), weekIdRef: 1 },
  ],
  specialDays: [
    { specialDayDate: anyYear(4, 5, 2015), dayIdRef: 4 },
    { specialDayDate: anyYear(8, 31, 2015), dayIdRef: 4 },
    { specialDayDate: anyYear(12, 25), dayIdRef: 3 },
    { specialDayDate: anyYear(12, 26), dayIdRef: 3 },
  ],
});

/** Time-based recovery of one debt register (ZCL Prepayment Debt Recovery Frequency / Amount). */
export interface DebtRecovery {
  frequency: number;
  amount: number;
}

/**
 * The RTDS GSME's state as its reference reads show it (register 12345 x 1/1000 m3, tiers 1000..4000,
 * blocks 0..3, credit 25 pounds, emergency credit 5 pounds remaining of a 10 pound limit, threshold
 * 2 pounds, debt 25 pounds accumulated, 5 pence in each debt register, GBP, manufacturer "1234").
 */
export function defaultGsmeState(): GsmeState {
  return {
    registers: { currentSummationDelivered: 12345, multiplier: 1, divisor: 1000, unitOfMeasure: 1 },
    meterBalance: 2_500_000,
    creditModeBalance: 0,
    maxMeterBalance: 100_000_000,
    emergencyCredit: { limit: 1_000_000, threshold: 200_000, active: false },
    friendlyCredit: { enabled: true, calendarId: 2 },
    paymentMode: 'credit',
    paymentControlConfiguration: 0x0095,
    valve: 'enabled',
    lastTopUpCounter: {},
    recentUtrns: [],
    eventLog: [],
    securityLog: [],
    mprn: null,
    supplierContact: null,
    // PROVISIONAL: SMETS asks for a battery life of at least 10 years; no RTDS read shows a value
    remainingBatteryLifeDays: 3650,
    topUpLog: [],
    price: { tariffInformation: null, priceMatrix: null },
    tierSummations: [1000, 2000, 3000, 4000],
    blockSummations: [0, 1, 2, 3],
    billToDate: 3_500_000,
    emergencyCreditRemaining: 500_000,
    debt: { accumulated: 2_500_000, amounts: [5000, 5000, 5000] },
    currency: 826,
    priceTrailingDigit: 0x50,
    identity: { manufacturerName: '1234', modelIdentifier: '12345678' },
    supply: {
      tamperState: 3,
      depletionState: 3,
      uncontrolledFlowState: 0,
      loadLimitSupplyState: 3,
      uncontrolledFlowThreshold: null,
    },
    conversionFactor: null,
    calorificValue: null,
    message: null,
    cin: null,
    privacyPinProtection: true,
    sampling: { nextSampleId: 2, active: null },
    logs: { debtRepayment: [] },
    snapshotLog: newSnapshotLog(),
    debtRecoveryPercent: 0,
    // RTDS GCS21b: daily recovery of 5 and 2 pounds; its 10 % of each top-up (0x0239) is not the
    // default here (debtRecoveryPercent 0: top-ups credit in full unless a test or GCS04 sets it)
    debtRecovery: [
      { frequency: 1, amount: 500_000 },
      { frequency: 1, amount: 200_000 },
    ],
    // RTDS GCS21b
    prepaymentSettings: {
      lowCreditWarningLevel: 500_000,
      maxCreditPerTopUp: 5_000_000,
      overallDebtCap: 1_000_000,
      cutOffValue: -5_000_000,
    },
    // shared and frozen, as the event configuration below: GCS05 / GCS20 replace them, never change them in place
    friendlyCreditCalendar: RTDS_FRIENDLY_CREDIT_CALENDAR,
    metrology: null,
    joined: [],
    // no RTDS GSME firmware read exists (GCS38 has no example): the RTDS ESME's version
    firmware: { version: '0123ABCD', pendingImage: null },
    eventConfiguration: RTDS_EVENT_CONFIGURATION,
    billingRun: { runningFrom: null },
    // RTDS GCS21k: issuer event 473385600, from 2014-01-01, every 6 (duration type 0x23)
    billingPeriod: {
      providerId: 0,
      issuerEventId: 473_385_600,
      billingPeriodStartTime: 441_849_600,
      billingPeriodDuration: 6,
      billingPeriodDurationType: 0x23,
      tariffType: 0,
    },
  };
}

/** Responses whose Grouping Header date-time carries the clock status (RTDS GCS13a/b/c, GCS14: 00 or 02); the others FF (RTDS CS01b, GCS01b, GCS03). */
const READ_USE_CASES_WITH_CLOCK_STATUS = new Set(
  ['GCS13a', 'GCS13b', 'GCS13c', 'GCS14'].map((u) => messageCodeForUseCase(u)!.code),
);

export class Gsme extends MeterDevice<GsmeState> {
  readonly deviceType = 'GSME' as const;
  protected state: GsmeState;
  readonly pollIntervalMs: number;
  private pollTimer: TimerHandle | null = null;
  private polling = false;
  private readonly services: GsmeServices;
  private readonly load: LoadModel | null;
  private readonly mirror: GsmeOptions['mirror'];
  private credentials: CredentialState = initialGsmeCredentials();

  /**
   * @param opts eui, clock, credentials, trustAnchors (see MeterOptions),
   *   `pollIntervalMs` (mailbox poll period) and `initialState` overriding
   *   parts of `defaultGsmeState()`. Polling starts when a SleepyHanUplink is attached.
   */
  constructor(opts: GsmeOptions) {
    super(opts, 'gsme');
    if (!(opts.pollIntervalMs > 0)) throw new RangeError('pollIntervalMs must be > 0');
    this.pollIntervalMs = opts.pollIntervalMs;
    this.mirror = opts.mirror;
    this.state = { ...defaultGsmeState(), ...structuredClone(opts.initialState ?? {}) };
    freezeClosedEntries(this.state.metrology);
    this.load = opts.metrology?.load ?? null;
    if (opts.metrology && !this.state.metrology) this.state.metrology = gsmeMetrology(this.deviceNow());
    this.services = fastHost<GsmeServices, 'state'>(
      {
        deviceType: 'GSME',
        eui: this.eui,
        security: this.security,
        hardwareFaults: () => this.hardwareFaults(),
        gbzFaults: () => this.hardwareFaults(),
        simpleAlert: (code) => this.simpleAlert(code),
        now: () => this.deviceNow(),
        logEvent: (code) => this.logEvent(code),
        networkTime: () => this.networkTime(),
        setDeviceTime: (t, st) => this.setDeviceTime(t, st),
        scheduleFutureDated: (e) => this.acceptFutureDated(e),
        cancelFutureDated: (k) => this.cancelFutureDated(k),
        billing: this.billing,
        credentialHost: this.credentialHost(),
        deviceKeys: fastHost<GsmeServices['deviceKeys'], 'deviceKeys'>(
          {
            deviceType: 'GSME',
            eui: this.eui,
            security: this.security,
            hardwareFaults: () => this.hardwareFaults(),
            simpleAlert: (code) => this.simpleAlert(code),
          },
          { deviceKeys: () => this.credentials.deviceKeys },
        ),
      },
      { state: () => this.state },
    );
    this.billing.reschedule();
  }

  private credentialHost(): CredentialHost {
    return fastHost<CredentialHost, 'credentials'>(
      {
        now: () => this.deviceNow(),
        futureDated: {
          schedule: (e) => this.acceptFutureDated(e),
          cancel: (k) => this.cancelFutureDated(k),
        },
      },
      {
        credentials: () => ({
          deviceType: 'GSME' as const,
          security: this.security,
          credentialState: this.credentials,
        }),
      },
    );
  }

  /** the billing calendar in time: the next billing period end, GCS53 (billing-alert.ts) */
  readonly billing: GsmeBillingAlerts = this.buildBilling();

  private buildBilling(): GsmeBillingAlerts {
    return new GsmeBillingAlerts(
      fastHost<ConstructorParameters<typeof GsmeBillingAlerts>[0], 'state'>(
        {
          security: this.security,
          now: () => this.deviceNow(),
          setTimer: (delayMs, fn, label) => this.clock.setTimer(delayMs, fn, `${this.eui} ${label}`),
          advance: () => this.advance(),
          logEvent: (code) => this.logEvent(code),
          recipient: () => {
            const r = this.alertRecipient();
            if (!r) this.metrics.inc('device.alerts.noRecipient');
            return r;
          },
          nextCounter: () => this.security.peekNextOwnCounter(),
          send: (payload) => this.sendAlert(payload, GCS53.code, GCS53.critical, 0x8f0a),
          missing: (atMs) => {
            this.metrics.inc('gsme.billing.snapshotMissing');
            this.recordEvent({
              kind: 'error',
              reason: 'BILLING_SNAPSHOT_MISSING',
              detail: { at: new Date(atMs).toISOString() },
            });
          },
        },
        { state: () => this.state },
      ),
    );
  }

  /** The use cases this GSME runs through the shared handler registry. */
  registryUseCases(): string[] {
    return GSME_HANDLERS.useCases();
  }

  get stateView(): GsmeState {
    this.advance();
    return structuredClone(this.state);
  }

  override attachUplink(uplink: HanUplink): void {
    super.attachUplink(uplink);
    this.pollTimer?.cancel();
    this.pollTimer = null;
    if (isSleepy(uplink))
      this.pollTimer = this.clock.setInterval(
        this.pollIntervalMs,
        () => this.poll(),
        `${this.eui} mailbox poll`,
      );
  }

  /** Wakes now and polls the CHF mailbox (also what the interval timer does). */
  poll(): void {
    const up = this.uplink;
    if (!up || !isSleepy(up) || this.polling) return;
    this.polling = true;
    this.metrics.inc('gsme.polls');
    this.advance();
    up.pollMailbox((fetched) => {
      this.polling = false;
      this.metrics.inc('gsme.fetched', fetched);
      // awake: the GPF's gas mirror gets the data as it is after this wake's commands
      this.writeMirror();
    });
  }

  /** Writes the GSME's data into the GPF's gas mirror (on every wake; also callable by tests). */
  writeMirror(): void {
    if (!this.mirror) return;
    this.mirror.update(this.state, this.deviceNow());
    this.metrics.inc('gsme.mirrorWrites');
  }

  /** Stops polling (the device is removed or powered down). */
  stop(): void {
    this.pollTimer?.cancel();
    this.pollTimer = null;
  }

  /** Side door for tests: what the customer or the physical world does. */
  readonly backchannel = {
    /** The customer presses the button on an armed valve: supply is enabled (GBCS: gas enable is local). */
    pressButton: (): boolean => {
      if (this.state.valve !== 'armed') return false;
      this.state.valve = 'enabled';
      this.logEvent(0x8161);
      return true;
    },
    /** Gas flows through the meter now (added to the register, and to the open profile intervals). */
    consume: (units: number): void => {
      this.advance();
      this.state.registers.currentSummationDelivered += units;
      if (this.state.metrology) recordConsumption(this.state.metrology, 'gas', units, this.deviceNow());
    },
    setTimeStatus: (s: 'reliable' | 'unreliable'): void => {
      this.timeStatus = s;
    },
    /**
     * A hardware fault (the physical world): `cluster.AttributeName` (a read of it answers
     * HARDWARE_FAILURE) or `cluster.command` (that ZCL command fails, nothing applied); handlers/gbz.ts.
     */
    hardwareFault: (what: string, on = true): void => this.setHardwareFault(what, on),
    /** An image arrived over OTA and was verified (as `onFirmwareImage` would hold it): CS06 may activate it. */
    loadFirmwareImage: (hash: string, version: string): void => {
      this.state.firmware.pendingImage = { hash: hash.toUpperCase(), version: version.toUpperCase() };
    },
    /** What the meter holds that no command sets here (a meter installed with these values). */
    set: (patch: Partial<GsmeState>): void => {
      this.state = { ...this.state, ...structuredClone(patch) };
    },
    /**
     * A history the meter holds from before now (a meter in service has
     * logs): each entry is written by the meter's own log-writing code with
     * its own time (epoch ms, device time, not after now).
     */
    history: {
      /** a snapshot (snapshots.ts) taken at `atMs` with the registers as they stood then (and the IDs it was given) */
      snapshot: (atMs: number, cause: number, readings: SnapshotReadings, ids?: SnapshotIds): void => {
        takeSnapshot(this.state, this.past(atMs), cause, readings, ids);
      },
      /** a top-up of `value` milli-pence at `atMs` collected payment-based debt (Debt Log; handlers/logs.ts collectDebt) */
      debtCollection: (atMs: number, value: number): number =>
        collectDebt(this.state, value, this.past(atMs)),
      /** GCS31's Start Sampling ran at `atMs` (handlers/logs.ts beginSampling); the Sample ID */
      startSampling: (atMs: number, fields: Record<string, number>): number => {
        this.historyMetrology(atMs);
        return beginSampling(this.state, fields, this.past(atMs));
      },
      /**
       * Gas consumed: `amounts[i]` in [fromMs + i * intervalMs, + intervalMs),
       * into the register and the open intervals of the profile and sampling
       * logs, which close as time passes (meter-common/metrology.ts).
       */
      consumption: (fromMs: number, intervalMs: number, amounts: readonly number[]): void => {
        const end = this.past(fromMs + amounts.length * intervalMs);
        const m = this.historyMetrology(fromMs);
        const onAmount = (_channel: string, a: number) => {
          this.state.registers.currentSummationDelivered += a;
        };
        amounts.forEach((a, i) => {
          const t = fromMs + i * intervalMs;
          accrue(m, this.load, t, onAmount);
          recordConsumption(m, 'gas', a, t);
          this.state.registers.currentSummationDelivered += a;
        });
        accrue(m, this.load, end, onAmount);
      },
    },
  };

  /** `atMs`, checked to be at or before the device's time (a history is in the past). */
  private past(atMs: number): number {
    if (atMs > this.deviceNow())
      throw new RangeError(`history at ${new Date(atMs).toISOString()} is after the device time`);
    return atMs;
  }

  /** The meter's metrology, started at `atMs` if it had none (a meter built without a load model). */
  private historyMetrology(atMs: number): Metrology {
    this.state.metrology ??= gsmeMetrology(atMs);
    return this.state.metrology;
  }

  // ------------------------------------------------------------------ dispatch

  /** Every command runs through the shared registry (handlers/index.ts, docs/devices.md "Use-case handlers"). */
  protected execute(cmd: AcceptedCommand, ctx: ExecutionContext): Execution {
    return GSME_HANDLERS.execute(cmd, this.services, ctx);
  }

  /** GBZ alert header only (RTDS NA_GCA-ZigBee): `01 09 00 <code> <ZigBee UTC time>`. */
  protected encodeSimpleAlert(code: number, atMs: number): Uint8Array {
    return encodeGbzAlert({ alertCode: code, alertTime: zigbeeTime(atMs) });
  }

  /**
   * GSME read responses carry the clock status: 00 valid, 02 doubtful while
   * the time is Unreliable (RTDS GCS13a, GCS14); other responses leave it
   * not specified, FF (RTDS CS01b, GCS01b, GCS03).
   */
  protected headerDateTime(messageCode: number): Uint8Array {
    if (!READ_USE_CASES_WITH_CLOCK_STATUS.has(messageCode)) return cosemDateTime(this.deviceNow());
    return cosemDateTime(this.deviceNow(), this.timeStatus === 'reliable' ? 0x00 : CLOCK_STATUS_DOUBTFUL);
  }

  protected executeFutureDated(entry: FutureDatedEntry): {
    ok: boolean;
    alert: { payload: Uint8Array; messageCode: number };
  } {
    if (entry.useCase === 'CS06') return runFirmwareActivation(entry, this.services);
    if (entry.useCase === 'GCS01a') return runFutureDatedTariff(entry, this.services);
    if (GSME_CREDENTIAL_UPDATES.has(entry.useCase))
      return runCredentialUpdate(entry, this.services.credentialHost);
    return runFutureDated(entry, this.services);
  }

  /**
   * A firmware file the CH distributed over the HAN OTA cluster (han/node.ts):
   * verified (meter-common/firmware.ts); a GSME image is held for CS06, anything
   * else is refused with Firmware Verification Failed (0x8F1C) in the event log.
   */
  onFirmwareImage(file: Uint8Array): void {
    const v = verifyFirmwareFile(file, 'GSME');
    if (!v.ok) {
      this.logEvent(EVENT_FIRMWARE_VERIFICATION_FAILED);
      this.recordEvent({ kind: 'error', reason: 'FIRMWARE_VERIFICATION_FAILED', detail: { error: v.error } });
      return;
    }
    this.state.firmware.pendingImage = { hash: v.image.hash, version: v.image.version };
    this.recordEvent({ kind: 'state-change', reason: 'FIRMWARE_IMAGE_RECEIVED', detail: { ...v.image } });
  }

  // ------------------------------------------------------------------ state

  private logEvent(code: number): void {
    appendLog(this.state.eventLog, this.deviceNow(), code);
  }

  /** A command refused by the security checks goes into the Security Event Log (CS10b). */
  protected override onSecurityEvent(code: number): void {
    appendLog(this.state.securityLog, this.deviceNow(), code);
  }

  /** Consumption up to the device time: the register advances, the profile and sampling logs close their intervals. */
  protected override advance(): void {
    const m = this.state.metrology;
    // a snapshot from before the daily consumption log: it starts now
    if (m && !m.logs.daily) m.logs.daily = dailyConsumptionLog(this.deviceNow());
    const accrueTo = (t: number) => {
      if (m)
        accrue(m, this.load, t, (_channel, amount) => {
          this.state.registers.currentSummationDelivered += amount;
        });
    };
    // midnights and billing period ends since the last message: each snapshot with the registers at its time
    recordScheduledSnapshots(this.state, this.deviceNow(), accrueTo);
    accrueTo(this.deviceNow());
  }

  snapshot(): GsmeSnapshot {
    this.advance();
    return {
      ...this.snapshotBase(),
      state: structuredClone(this.state),
      credentials: structuredClone(this.credentials),
    };
  }

  restore(s: GsmeSnapshot): void {
    // a snapshot from before a state field existed restores with that field's default
    this.state = { ...defaultGsmeState(), ...structuredClone(s.state) };
    freezeClosedEntries(this.state.metrology);
    this.credentials = s.credentials ? structuredClone(s.credentials) : initialGsmeCredentials();
    this.credentials.deviceKeys ??= defaultDeviceKeyState();
    restoreJoinedPeers(this.state.joined, this.security);
    // the key pairs CS02d installed and the certificates CS02b put into cells are the GSME's again
    reapplyInstalledKeys(this.security, this.credentials.deviceKeys);
    reapplyReplacedCertificates(this.services.credentialHost.credentials);
    this.restoreBase(s);
    this.billing.reschedule();
  }

  /** The device clock moved (Set Clock, the CH's time): the billing timer follows it. */
  protected override onDeviceClockChanged(): void {
    this.billing.reschedule();
  }
}

function isSleepy(u: HanUplink): u is SleepyHanUplink {
  return typeof (u as Partial<SleepyHanUplink>).pollMailbox === 'function';
}
