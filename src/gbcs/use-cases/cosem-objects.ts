/**
 * The COSEM objects GBCS devices expose (ESME and CHF): one row per object
 * with its interface class, its logical name in the one OBIS notation of the
 * project (`A-B:C.D.E.F`, Blue Book), and the typed schema of each attribute
 * and method the use cases touch. Use-case rows name an object and an
 * attribute; the descriptor bytes and the value shapes come from here.
 *
 * Names follow GBCS's wording where it has one (GBCS Table 13.3.x object
 * lists); the 0-0:94.44.x.y objects are GBCS-specific (manufacturer-specific
 * OBIS range, GBCS 13.3). Every object listed here is used by an RTDS
 * reference message (confirmed) unless its comment says otherwise.
 */
import { parseObis } from '../payload/dlms.ts';
import { type Schema, s } from './dlms-schema.ts';

/** [id, value or parameter schema, return-data schema (methods that return data)] */
export type Member<S extends Schema = Schema> = readonly [id: number, schema: S, returns?: Schema];
type Members = Readonly<Record<string, Member>>;

export interface CosemObject<A extends Members = Members, M extends Members = Members> {
  classId: number;
  obis: string;
  /** attribute name -> [attribute id, value schema] */
  attributes: A;
  /** method name -> [method id, parameter schema] */
  methods: M;
}

const m = <S extends Schema>(id: number, schema: S): Member<S> => [id, schema];

// ---------------------------------------------------------------- shared shapes

/** GBCS UTC time stamps in profile buffers: seconds since 2000-01-01T00:00:00Z (RTDS). */
const utcSeconds = s.u32({ unit: 's', doc: 'seconds since 2000-01-01T00:00:00Z' });

/** Register scaler_unit (Blue Book class 3 attribute 3): value = raw x 10^scaler, unit a DLMS unit enum. */
export const scalerUnit = s.struct({
  scaler: s.i8(),
  unit: s.enum({ names: { 27: 'W', 30: 'Wh', 32: 'varh', 35: 'V' } }),
});

/** A COSEM attribute reference (capture object / commodity). */
const attributeRef = s.struct({ classId: s.u16(), logicalName: s.obis(), attributeIndex: s.i8() });

/** Charge unit_charge (class 113 attributes 5 and 6). */
export const unitCharge = s.struct({
  chargePerUnitScaling: s.struct({ commodityScale: s.i8(), priceScale: s.i8() }),
  commodity: attributeRef,
  chargeTable: s.array(s.struct({ index: s.hex(), chargePerUnit: s.i16({ unit: 'pence/kWh' }) })),
});

/**
 * A debt recovery rate as a Charge unit_charge (class 113 attr 6; GBCS V3.1
 * tables, ECS07): commodity scale 0, no commodity reference (class 0, logical
 * name all zero, attribute 0), one charge table element with an empty index
 * whose charge_per_unit is the amount recovered per period (price scale).
 */
export const debtUnitCharge = s.struct({
  chargePerUnitScaling: s.struct({ commodityScale: s.i8(), priceScale: s.i8() }),
  commodity: attributeRef,
  chargeTable: s.array(s.struct({ index: s.hex(), chargePerUnit: s.i16({ doc: 'amount per period' }) })),
});

/** Activity calendar profiles (class 20 attributes 3-5 active, 7-9 passive). */
const seasonProfile = s.array(
  s.struct({ seasonProfileName: s.hex(), seasonStart: s.dateTime(), weekName: s.hex() }),
);
const weekProfile = s.array(
  s.struct({
    weekProfileName: s.hex(),
    monday: s.u8(),
    tuesday: s.u8(),
    wednesday: s.u8(),
    thursday: s.u8(),
    friday: s.u8(),
    saturday: s.u8(),
    sunday: s.u8(),
  }),
);
const dayProfile = s.array(
  s.struct({
    dayId: s.u8(),
    daySchedule: s.array(
      s.struct({ startTime: s.time(), scriptLogicalName: s.obis(), scriptSelector: s.u16() }),
    ),
  }),
);

/** Special days table entries (class 11 attribute 2). */
const specialDays = s.array(s.struct({ index: s.u16(), specialDayDate: s.date(), dayId: s.u8() }));

/** Schedule entries (class 10 attribute 2). */
const scheduleEntries = s.array(
  s.struct({
    index: s.u16(),
    enable: s.bool(),
    scriptLogicalName: s.obis(),
    scriptSelector: s.u16(),
    switchTime: s.time(),
    validityWindow: s.u16(),
    execWeekdays: s.bits(),
    execSpecdays: s.bits(),
    beginDate: s.date(),
    endDate: s.date(),
  }),
);

/** Single action schedule execution_time (class 22 attribute 4). */
const executionTime = s.array(s.struct({ time: s.time(), date: s.date() }));

/** A CHF Device Log entry as read (CCS07, CS14): device id and its install-code derived key material. */
const deviceLogEntry = s.struct({ deviceId: s.eui(), linkKey: s.hex(16) });
/** A CHF Device Log (CCS07 response, CS14 alert). */
export const deviceLog = s.struct({
  lastChanged: s.dateTime(),
  chfId: s.eui(),
  entries: s.array(deviceLogEntry),
});

/** Protected read parameters (Data protection class 30, get_protected_attributes; GBCS 7.2.4). */
export const protectionParameters = s.array(
  s.struct({
    protectionType: s.enum(),
    protectionOptions: s.struct({
      transactionId: s.hex(),
      originatorSystemTitle: s.eui(),
      recipientSystemTitle: s.eui(),
      dateTime: s.hex(),
      keyInfo: s.struct({
        keyInfoType: s.enum(),
        agreedKey: s.struct({ keyParameters: s.hex(), keyCipheredData: s.hex() }),
      }),
    }),
  }),
);
const protectedObjectList = s.array(
  s.struct({
    classId: s.u16(),
    logicalName: s.obis(),
    attributeIndex: s.i8(),
    dataIndex: s.u16(),
    restriction: s.struct({
      restrictionType: s.enum(),
      restrictionValue: s.nullable(s.struct({ from: s.dateTime(), to: s.dateTime() })),
    }),
  }),
);
/** get_protected_attributes (class 30 method 1) request and response. */
export const protectedReadRequest = s.struct({
  objectList: protectedObjectList,
  protectionParameters,
});
export const protectedReadResponse = s.struct({
  protectionParameters,
  /** The ciphertext and GCM tag of the attributes read (GBCS.md 3: payload encryption). */
  protectedAttributes: s.hex(),
});

/** Profile generic range selection (class 7, access selector 1). */
export const rangeDescriptor = s.struct({
  restrictingObject: s.struct({
    classId: s.u16(),
    logicalName: s.obis(),
    attributeIndex: s.i8(),
    dataIndex: s.u16(),
  }),
  fromValue: s.u32({ doc: 'UTC seconds' }),
  toValue: s.u32({ doc: 'UTC seconds' }),
  selectedValues: s.array(s.null()),
});

// ---------------------------------------------------------------- class shapes

/** The Account (class 111) attributes the passive account and the active account both carry. */
const ACCOUNT_ATTRIBUTES = {
  accountModeAndStatus: m(
    2,
    s.struct({ paymentMode: s.enum({ names: { 1: 'credit', 2: 'prepayment' } }), accountStatus: s.enum() }),
  ),
  creditChargeConfiguration: m(
    11,
    s.array(
      s.struct({
        creditReference: s.obis(),
        chargeReference: s.obis(),
        collectionConfiguration: s.bits(3),
      }),
    ),
  ),
};

const FIVE = [1, 2, 3, 4, 5] as const;

/** Numbered objects of one shape (ALCS 1..5, TOU 1..8): typed keys, one builder. */
function family<N extends number, K extends string, V>(
  ns: readonly N[],
  key: (n: N) => K,
  make: (n: N) => V,
): Record<K, V> {
  return Object.fromEntries(ns.map((n) => [key(n), make(n)])) as Record<K, V>;
}

const data = <S extends Schema>(value: S) => ({ value: m(2, value) });
const register = <S extends Schema>(value: S) => ({ value: m(2, value), scalerUnit: m(3, scalerUnit) });
const limiter = {
  thresholdNormal: m(4, s.u32({ unit: 'W' })),
  minOverThresholdDuration: m(6, s.u32({ unit: 's' })),
  minUnderThresholdDuration: m(7, s.u32({ unit: 's' })),
};
const profile = <S extends Schema>(row: S) => ({
  buffer: m(2, s.compact(row)),
  capturePeriod: m(4, s.u32({ unit: 's' })),
});
const profileMethods = { reset: m(1, s.i8()) };
/** A Data protection object (class 30) whose get_protected_attributes (method 1) serves one protected read. */
const dataProtection = (obis: string) =>
  o(30, obis, {}, { getProtectedAttributes: [1, protectedReadRequest, protectedReadResponse] as const });
const alcs = { outputState: m(2, s.bool()), controlState: m(3, s.enum()) };

// biome-ignore lint/complexity/noBannedTypes: the empty member map of an object without attributes or methods
function o<A extends Members = {}, M extends Members = {}>(
  classId: number,
  obis: string,
  attributes: A = {} as A,
  methods: M = {} as M,
): CosemObject<A, M> {
  parseObis(obis); // one notation: throws at load on a typo
  return { classId, obis, attributes, methods };
}

const activationTime = { activationTime: m(6, s.dateTime()) };
/** GBCS Extended Data (class 9000): value active (2), value passive (4), activation time of the passive value (6). */
const extendedData = <S extends Schema>(value: S) => ({
  valueActive: m(2, value),
  valuePassive: m(4, value),
  ...activationTime,
});

/**
 * PROVISIONAL: the script selectors a Non-Disablement schedule entry runs in
 * the disconnect control script table (0-0:10.0.106.255) for DUIS START and
 * STOP (ECS08a). GBCS names the table and the selector's type but defines
 * the values in a section not available here; these two are this project's
 * choice, clear of the supply scripts 52..54 (RTDS ECS43 / ECS44).
 */
/** The lengths an auxiliary controller's typeAndIdentifier may have (none, APC, ALCS / HCALCS). */
export const AUX_CONTROLLER_ID_SIZES: readonly number[] = [0, 1, 8];

export const NON_DISABLEMENT_SCRIPT = { START: 1, STOP: 2 } as const;

/** ESME and CHF objects, by name. */
export const COSEM_OBJECTS = {
  // ---- clock, identity, firmware
  clock: o(
    8,
    '0-0:1.0.0.255',
    { time: [2, s.dateTime()], status: [4, s.u8()], clockBase: [9, s.enum()] },
    {
      adjustToPresetTime: [4, s.i8()],
      presetAdjustingTime: [
        5,
        s.struct({
          presetTime: s.dateTime(),
          validityIntervalStart: s.dateTime(),
          validityIntervalEnd: s.dateTime(),
        }),
      ],
    },
  ),
  firmwareVersion: o(1, '0-0:0.2.1.255', data(s.hex(4))),
  deviceId1: o(1, '0-0:96.1.1.255', data(s.eui())),
  deviceType: o(1, '0-0:96.1.2.255', data(s.hex(1))),
  deviceId: o(1, '0-0:96.1.4.255', data(s.eui())),
  manufacturerModel: o(1, '0-0:96.1.6.255', data(s.hex())),
  supplyTamperState: o(1, '0-0:94.44.0.4', data(s.bool())),
  randomisationOffsetLimit: o(1, '0-0:94.44.0.1', data(s.u16({ unit: 's' }))),
  randomisationOffset: o(1, '0-0:94.44.0.0', data(s.u16({ unit: 's' }))),
  randomisationOffsetSecondary: o(1, '0-0:94.44.0.2', data(s.u16({ unit: 's' }))),
  changeOfTenancyDate: o(1, '0-0:94.44.3.2', data(s.dateTime())),
  /**
   * GBCS V3.1 use-case tables (ECS39a / ECS39b): the import MPANs, UTF-8
   * text, the primary MPAN's 13 octets then, on a twin element ESME, the
   * secondary MPAN's 13 (octet-string(26); longer than 13 on a single
   * element ESME is an error); the export MPAN, 13 octets.
   */
  importMpans: o(
    1,
    '0-0:94.44.34.11',
    data(s.ascii(undefined, { doc: 'primary MPAN (13), secondary (13) on a twin' })),
  ),
  exportMpan: o(1, '1-0:0.0.2.255', data(s.ascii(13, { doc: 'export MPAN' }))),
  privacyPin: o(1, '0-0:94.44.3.1', data(s.hex())),
  /**
   * GBCS V3.1 use-case tables (ECS50 Send CIN to meter): the Customer
   * Identification Number the device shows on its user interface (SMETS
   * 5.7.4.10), class 1 attribute 2, octet-string(4); the DCC draws it.
   */
  customerIdentificationNumber: o(1, '0-3:96.13.1.255', data(s.hex(4, { doc: 'CIN, four ASCII digits' }))),
  // RTDS ECS16 (DUIS 3.4): the telephone number goes to 96.13.0, the name to 96.13.1
  supplierTelephone: o(9000, '0-0:96.13.0.255', data(s.hex())),
  supplierName: o(9000, '0-0:96.13.1.255', data(s.hex())),
  /**
   * UNCONFIRMED (ECS10, DUIS 3.1): the Supplier Message, GBCS object name of
   * 0-2:96.13.1.255 (class 1, Blue Book consumer message text); the text as
   * an octet-string like the contact details above (RTDS ECS16).
   */
  supplierMessage: o(1, '0-2:96.13.1.255', data(s.hex())),

  // ---- energy registers
  activeEnergyExport: o(3, '1-0:2.8.0.255', register(s.u32({ unit: 'Wh' }))),
  reactiveEnergyExport: o(3, '1-0:4.8.0.255', register(s.u32({ unit: 'varh' }))),
  // Extended Register (class 4): reset (method 1) clears the value and stamps capture_time (ECS57)
  maximumDemandImport: o(
    4,
    '1-0:1.6.0.255',
    { ...register(s.u32({ unit: 'W' })), captureTime: [5, s.dateTime()] },
    { reset: m(1, s.i8()) },
  ),
  maximumDemandImportSecondary: o(
    4,
    '1-0:1.6.1.255',
    { ...register(s.u32({ unit: 'W' })), captureTime: [5, s.dateTime()] },
    { reset: m(1, s.i8()) },
  ),
  maximumDemandExport: o(
    4,
    '1-0:2.6.0.255',
    { ...register(s.u32({ unit: 'W' })), captureTime: [5, s.dateTime()] },
    { reset: m(1, s.i8()) },
  ),
  maximumDemandPeriodStart: o(1, '0-0:94.44.5.0', data(s.dateTime())),
  maximumDemandPeriodStartSecondary: o(1, '0-0:94.44.5.1', data(s.dateTime())),
  maximumDemandExportPeriodStart: o(1, '0-0:94.44.5.2', data(s.dateTime())),
  maximumDemandConfigurableTimePeriod: o(10, '0-0:12.0.0.255', { entries: [2, scheduleEntries] }),
  instantaneousActivePower: o(
    1,
    '0-0:94.44.34.20',
    data(
      s.struct({
        activePowerImport: s.u32({ unit: 'W' }),
        scalerUnit,
        activePowerExport: s.u32({ unit: 'W' }),
      }),
    ),
  ),
  consumptionThresholdRegister: o(3, '0-0:94.44.1.7', register(s.u32({ unit: 'Wh' }))),
  consumptionThresholdRegisterSecondary: o(3, '0-0:94.44.1.8', register(s.u32({ unit: 'Wh' }))),

  // ---- prepayment
  account: o(111, '0-1:19.0.0.255', {
    ...ACCOUNT_ATTRIBUTES,
    accountActivationTime: [13, s.dateTime()],
  }),
  meterBalance: o(
    112,
    '0-0:19.10.0.255',
    { currentCreditAmount: [2, s.i32({ unit: 'pennies' })] },
    {
      updateAmount: [1, s.i32({ unit: 'pennies' })],
      /** ECS04b (GBCS V3.1 use-case tables): class 112 method 2 set_amount_to_value, double-long 0 */
      setAmountToValue: [2, s.i32({ unit: 'pennies' })],
    },
  ),
  /**
   * The emergency credit (Credit class 112): ECS09 invokes it; ECS04b resets its
   * balance (set_amount_to_value); ECS26a reads its limit (preset_credit_amount,
   * attr 9) and threshold (credit_available_threshold, attr 10), the active
   * values of what ECS08a sets (GBCS V3.1 use-case tables).
   */
  emergencyCredit: o(
    112,
    '0-0:19.10.1.255',
    {
      presetCreditAmount: [9, s.i32({ doc: 'emergency credit limit' })],
      creditAvailableThreshold: [10, s.i32({ doc: 'emergency credit threshold, milli-pence' })],
    },
    { setAmountToValue: [2, s.i32()], invokeCredit: [3, s.i8()] },
  ),
  /** The accumulated debt register (Credit class 112): ECS04b resets it (GBCS V3.1 use-case tables). */
  accumulatedDebt: o(112, '0-0:19.10.2.255', {}, { setAmountToValue: [2, s.i32()] }),
  /**
   * The active account (GBCS V3.1 use-case tables: ECS26j and ECS26a read
   * 0-0:19.0.0.255; ECS02 / ECS03 write the passive 0-1:19.0.0.255 that
   * `account` names, with its activation time): payment mode and status,
   * credit/charge configuration, low credit threshold (milli-pence), the debt
   * recovery rate cap (max_provision, whole currency units) and its period.
   */
  accountActive: o(111, '0-0:19.0.0.255', {
    ...ACCOUNT_ATTRIBUTES,
    lowCreditThreshold: [16, s.i32({ doc: 'milli-pence' })],
    maxProvision: [18, s.u16({ doc: 'debt recovery rate cap, whole currency units' })],
    maxProvisionPeriod: [19, s.i32({ unit: 's' })],
  }),
  /** The disablement threshold in force (GBCS V3.1 use-case tables, ECS26a: class 21 attr 2, one double-long). */
  disablementThreshold: o(21, '0-0:16.0.1.255', { thresholds: [2, s.array(s.i32())] }),
  tokenGateway: o(115, '0-0:19.40.0.255', {}, { enter: [1, s.ascii(undefined, { doc: 'UTRN, 20 digits' })] }),
  prepaymentConfiguration: o(9000, '0-0:94.44.128.22', {
    disablementThreshold: [4, s.i32({ unit: 'pennies' })],
    ...activationTime,
  }),
  /**
   * The prepayment configuration ECS08a sets (GBCS V3.1 use-case tables,
   * ECS08a DLMS content: class, OBIS, attribute numbers and data types) as
   * GBCS Extended Data (class 9000: 2 value active, 4 value passive, 6
   * activation time of the passive value). ECS26a reads the active values
   * (its own row is still inferred). The debt recovery rate cap is in whole
   * currency units (GBCS: scaler 0); its period is fixed by GBCS at 604800 s.
   */
  debtRecoveryRateCap: o(9000, '0-0:94.44.128.12', extendedData(s.u16({ doc: 'whole currency units' }))),
  debtRecoveryRateCapPeriod: o(9000, '0-0:94.44.128.13', extendedData(s.i32({ unit: 's' }))),
  emergencyCreditLimit: o(9000, '0-0:94.44.128.2', extendedData(s.i32({ unit: 'pennies' }))),
  emergencyCreditThreshold: o(9000, '0-0:94.44.128.3', extendedData(s.i32({ unit: 'pennies' }))),
  lowCreditThreshold: o(9000, '0-0:94.44.128.9', extendedData(s.i32({ unit: 'pennies' }))),
  maxMeterBalance: o(9000, '0-0:94.44.2.20', extendedData(s.i32({ unit: 'pennies' }))),
  maxCreditThreshold: o(9000, '0-0:94.44.2.10', extendedData(s.i32({ unit: 'pennies' }))),
  /**
   * The Non-Disablement Calendar (GBCS V3.1 tables, ECS08a): its schedule
   * (class 10: script 0-0:10.0.106.255, enabled, validity window 0xFFFF) and
   * special days, each with its activation time object (class 9000 attr 6).
   */
  nonDisablementSchedule: o(10, '0-1:12.0.1.255', { entries: [2, scheduleEntries] }),
  nonDisablementSpecialDays: o(11, '0-1:11.0.2.255', { entries: [2, specialDays] }),
  /** The Non-Disablement Calendar in force (GBCS V3.1 use-case tables, ECS26a reads 0-0:12.0.1.255 / 0-0:11.0.2.255). */
  nonDisablementScheduleActive: o(10, '0-0:12.0.1.255', { entries: [2, scheduleEntries] }),
  nonDisablementSpecialDaysActive: o(11, '0-0:11.0.2.255', { entries: [2, specialDays] }),
  nonDisablementScheduleActivation: o(9000, '0-0:94.44.128.28', activationTime),
  nonDisablementSpecialDaysActivation: o(9000, '0-0:94.44.128.31', activationTime),

  /**
   * The debt registers (GBCS V3.1 tables, ECS07; Charge class 113): time
   * debt registers 1 and 2 with their debt recovery rates (unit_charge_passive
   * attr 6, period attr 8 in seconds, activate_passive_unit_charge method 2),
   * and the payment debt register with its recovery per payment (proportion
   * attr 13, hundredths of a percent); each register adjusted by
   * update_total_amount_remaining (method 4, GBCS: milli-pence) and its
   * balance total_amount_remaining (attr 12, what ECS19 reads).
   */
  timeDebt1: o(
    113,
    '0-0:19.20.1.255',
    {
      unitChargeActive: [5, debtUnitCharge],
      unitChargePassive: [6, debtUnitCharge],
      period: [8, s.u32({ unit: 's' })],
      totalAmountRemaining: [12, s.i32()],
    },
    {
      activatePassiveUnitCharge: [2, s.i8()],
      updateTotalAmountRemaining: [4, s.i32({ doc: 'milli-pence' })],
    },
  ),
  timeDebt2: o(
    113,
    '0-0:19.20.2.255',
    {
      unitChargeActive: [5, debtUnitCharge],
      unitChargePassive: [6, debtUnitCharge],
      period: [8, s.u32({ unit: 's' })],
      totalAmountRemaining: [12, s.i32()],
    },
    {
      activatePassiveUnitCharge: [2, s.i8()],
      updateTotalAmountRemaining: [4, s.i32({ doc: 'milli-pence' })],
    },
  ),
  paymentDebt: o(
    113,
    '0-0:19.20.3.255',
    { proportion: [13, s.u16({ doc: 'hundredths of a percent' })], totalAmountRemaining: [12, s.i32()] },
    { updateTotalAmountRemaining: [4, s.i32({ doc: 'milli-pence' })] },
  ),

  // ---- tariff
  primaryPriceCharge: o(113, '0-0:19.20.0.255', {
    unitChargeActive: [5, unitCharge],
    unitChargePassive: [6, unitCharge],
    unitChargeActivationTime: [7, s.dateTime()],
  }),
  standingCharge: o(113, '0-0:19.20.4.255', {
    unitChargeActive: [5, unitCharge],
    unitChargePassive: [6, unitCharge],
    unitChargeActivationTime: [7, s.dateTime()],
  }),
  secondaryPriceCharge: o(113, '0-0:19.20.5.255', {
    unitChargeActive: [5, unitCharge],
    unitChargePassive: [6, unitCharge],
    unitChargeActivationTime: [7, s.dateTime()],
  }),
  activityCalendar: o(20, '0-0:13.0.0.255', {
    seasonProfileActive: [3, seasonProfile],
    weekProfileActive: [4, weekProfile],
    dayProfileActive: [5, dayProfile],
    seasonProfilePassive: [7, seasonProfile],
    weekProfilePassive: [8, weekProfile],
    dayProfilePassive: [9, dayProfile],
    activatePassiveCalendarTime: [10, s.dateTime()],
  }),
  activityCalendarSecondary: o(20, '0-0:13.0.1.255', {
    seasonProfileActive: [3, seasonProfile],
    weekProfileActive: [4, weekProfile],
    dayProfileActive: [5, dayProfile],
    seasonProfilePassive: [7, seasonProfile],
    weekProfilePassive: [8, weekProfile],
    dayProfilePassive: [9, dayProfile],
    activatePassiveCalendarTime: [10, s.dateTime()],
  }),
  specialDays: o(11, '0-0:11.0.0.255', { entries: [2, specialDays] }),
  /**
   * The primary element's passive tariff objects ECS01a sets (GBCS V3.1
   * use-case tables, ECS01a; no RTDS example): the passive special days
   * (class 11, B=1), the passive block thresholds per TOU column (class 21,
   * D=1; ECS24 reads the active ones, D=0), and the activation time objects
   * of the special days (0-0:94.44.128.29) and of the threshold matrix
   * (0-0:63.1.1.255), each class 9000 attribute 6.
   */
  specialDaysPassive: o(11, '0-1:11.0.0.255', { entries: [2, specialDays] }),
  specialDaysActivation: o(9000, '0-0:94.44.128.29', activationTime),
  tariffThresholdMatrixActivation: o(9000, '0-0:63.1.1.255', activationTime),
  ...family(
    [1, 2, 3, 4, 5, 6, 7, 8] as const,
    (n) => `blockThresholdsPassiveTou${n}` as const,
    (n) => o(21, `0-0:16.1.${10 + n}.255`, { thresholds: m(2, s.array(s.u32({ unit: 'Wh' }))) }),
  ),
  specialDaysSecondary: o(11, '0-0:11.0.1.255', { entries: [2, specialDays] }),
  specialDaysSecondaryPassive: o(11, '0-1:11.0.1.255', { entries: [2, specialDays] }),
  tariffSwitchingTableActivation: o(9000, '0-0:94.44.128.30', activationTime),
  ...family(
    [1, 2, 3, 4, 5, 6, 7, 8] as const,
    (n) => `blockThresholdsTou${n}` as const,
    (n) => o(21, `0-0:16.0.${10 + n}.255`, { thresholds: m(2, s.array(s.u32({ unit: 'Wh' }))) }),
  ),
  tariffBlockCounterMatrixReset: o(9, '0-0:10.0.100.255', {}, { execute: [1, s.u16()] }),
  blockCounterMatrixDailyReset: o(22, '0-0:15.1.0.255', { executionTime: [4, executionTime] }),
  /**
   * Currency Unit (GBCS V3.1 use-case tables: ECS24 reads value_active attr
   * 2, ECS01a sets value_passive attr 4 and activate_passive_value_time attr
   * 6): GB pounds true, ECB euro false.
   */
  currencyUnit: o(9000, '0-0:94.44.2.0', extendedData(s.bool({ doc: 'GB pounds true, euro false' }))),

  // ---- billing and logs
  billingCalendar: o(22, '0-0:15.0.0.255', { executionTime: [4, executionTime] }),
  /**
   * The event log (ESME ECS35a, CHF ECS35c; GBCS V3.1 use-case tables, GBCS 18.2.1
   * entry_eventLogEntry8): timestamp, log code, other information octet-string(8).
   */
  eventLog: o(
    7,
    '0-0:99.98.0.255',
    profile(
      s.struct({
        time: utcSeconds,
        eventCode: s.u16(),
        otherInformation: s.hex(8, { doc: 'other information the alert/log code carries (GBCS 16)' }),
      }),
    ),
    profileMethods,
  ),
  securityLog: o(7, '0-0:99.98.1.255', profile(s.struct({ time: utcSeconds, eventCode: s.u16() }))),
  powerEventLog: o(
    7,
    '0-0:99.98.4.255',
    profile(s.struct({ time: utcSeconds, eventCode: s.u16(), eventData: s.u32() })),
  ),
  /**
   * The ALCS event log (GBCS V3.1 use-case tables, ECS35f; GBCS 18.2.1 entry_alcsLogEntry):
   * timestamp, the switch number and action (the command's script id; N<<8 for a message from
   * HC ALCS N), outcome (0 not known: sent to an HC ALCS, 1 success, 2 failure) and the HAN command
   * id (0 for an ALCS; for an HC ALCS the id of the HAN command the entry relates to).
   */
  alcsEventLog: o(
    7,
    '0-17:99.98.2.255',
    profile(
      s.struct({
        time: utcSeconds,
        switchNumberAndAction: s.u16(),
        outcome: s.enum(),
        hanCommandId: s.u32(),
      }),
    ),
    profileMethods,
  ),
  boostButtonEventLog: o(
    7,
    '0-0:99.98.20.255',
    profile(s.struct({ boostStart: utcSeconds, boostEnd: utcSeconds })),
  ),
  dailyReadLogExport: o(
    7,
    '0-0:98.1.10.255',
    profile(s.struct({ time: utcSeconds, activeEnergyExport: s.u32({ unit: 'Wh' }) })),
  ),
  profileDataExport: o(
    7,
    '0-0:99.1.1.255',
    profile(
      s.struct({
        time: utcSeconds,
        activeEnergyExport: s.u32({ unit: 'Wh' }),
        reactiveEnergyExport: s.u32({ unit: 'varh' }),
      }),
    ),
  ),
  profileDataReactiveImport: o(
    7,
    '0-0:99.1.2.255',
    profile(s.struct({ time: utcSeconds, reactiveEnergyImport: s.u32({ unit: 'varh' }) })),
  ),
  /**
   * The Billing Data Log's payment-based debt payments (ECS20a, 10 entries) and
   * prepayment credits (ECS20d, 5 entries), read with range selection (GBCS
   * V3.1 use-case tables: class 7 attribute 2, selective access 1 with an
   * empty selected_values; GBCS 18.2.1 entry_dlValueLogEntry: timestamp, then
   * the amount as double-long-unsigned).
   */
  debtPaymentLog: o(
    7,
    '0-0:98.1.4.255',
    profile(s.struct({ time: utcSeconds, amount: s.u32({ doc: 'debt recovered from the credit added' }) })),
  ),
  prepaymentCreditLog: o(
    7,
    '0-0:98.1.5.255',
    profile(s.struct({ time: utcSeconds, amount: s.u32({ doc: 'credit applied' }) })),
  ),
  // ---- protected reads (Data protection, class 30)
  protectedReadPrepayment: dataProtection('0-0:43.2.1.255'),
  protectedReadBilling: dataProtection('0-0:43.2.2.255'),
  /**
   * ECS20b and ECS21a (GBCS V3.1 use-case tables): the protected reads of the
   * billing data log (change of mode / tariff) 0-0:98.1.2.255 through .3 and
   * of the daily read log (exc export) 0-0:98.1.9.255 through .5. ECS68
   * (alert 8F0A) carries the most recent billing log entry through .11.
   */
  protectedReadBillingChangeOfMode: dataProtection('0-0:43.2.3.255'),
  protectedReadDailyRead: dataProtection('0-0:43.2.5.255'),
  protectedReadDailyConsumption: dataProtection('0-0:43.2.4.255'),
  protectedReadDailyPrepayment: dataProtection('0-0:43.2.6.255'),
  protectedReadProfileImport: dataProtection('0-0:43.2.7.255'),
  protectedReadImportEnergy: dataProtection('0-0:43.2.8.255'),
  protectedReadTouRegisters: dataProtection('0-0:43.2.9.255'),
  // ECS17e (GBCS V3.1 use-case tables): reads the TOU-with-blocks register list 1/0-0:94.44.34.2/2
  protectedReadTouBlockRegisters: dataProtection('0-0:43.2.10.255'),

  // ---- supply and load limiting
  disconnectControlScripts: o(9, '0-0:10.0.106.255', {}, { execute: [1, s.u16()] }),
  supplyState: o(70, '0-0:96.3.10.255', alcs),
  loadLimitLimiter: o(71, '0-0:17.0.0.255', limiter),
  // the load limit counter (times the limit was exceeded: RTDS ECS27 scaler_unit {0, 255}, a count); ECS28b resets it
  loadLimitCounter: o(3, '0-0:94.44.42.255', register(s.u32()), { reset: m(1, s.i8()) }),
  /**
   * The load limit settings as GBCS Extended Data (class 9000; GBCS V3.1
   * use-case tables, ECS28a): ECS28a writes each one's passive value (attr 4)
   * and activation time (attr 6); the limiter 0-0:17.0.0.255 and the
   * supply-state flag's value (attr 2) are what ECS27 reads (RTDS).
   */
  loadLimitSupplyStateOnExceed: o(9000, '0-0:94.44.0.3', {
    value: m(2, s.bool()),
    valuePassive: m(4, s.bool()),
    ...activationTime,
  }),
  loadLimitPeriod: o(9000, '0-0:94.44.128.6', extendedData(s.u32({ unit: 's' }))),
  loadLimitPowerThreshold: o(9000, '0-0:94.44.128.7', extendedData(s.u32({ unit: 'W' }))),
  loadLimitRestorationPeriod: o(9000, '0-0:94.44.128.8', extendedData(s.u32({ unit: 's' }))),
  powerThresholds: o(21, '0-0:16.0.0.255', { thresholds: [2, s.array(s.u32({ unit: 'W' }))] }),

  // ---- voltage (phase 1, 2, 3)
  ...voltageObjects(''),
  ...voltageObjects('L2'),
  ...voltageObjects('L3'),
  ...family(
    [1, 2, 3, 4] as const,
    (n) => `voltageLimiter${n}` as const,
    (n) => o(71, `0-0:17.0.${n}.255`, limiter),
  ),

  // ---- auxiliary load control (ALCS, HC ALCS, boost)
  ...family(
    FIVE,
    (n) => `alcsLabel${n}` as const,
    (n) => o(1, `0-0:94.44.0.${10 + n}`, data(s.visible())),
  ),
  // AuxiliaryController[N] typeAndIdentifier (ECS46c writes it, ECS61a / ECS61e read it): octet-string(8)
  // whose value is, by the GBCS later use-case table (c5d22f4e, ECS61e, ~offset 329,000, mapping rows
  // 1830-1834), empty when no controller is associated, 0xFF for an APC, eight zero octets for an ALCS, or
  // the HCALCS Entity Identifier (its EUI-64): so 0, 1 or 8 octets, not always 8
  ...family(
    FIVE,
    (n) => `alcsDeviceId${n}` as const,
    (n) =>
      o(
        1,
        `0-0:94.44.0.${20 + n}`,
        data(
          s.hexOfSizes(AUX_CONTROLLER_ID_SIZES, {
            doc: 'empty: none; FF: APC; 8 zero octets: ALCS; else the HCALCS EUI',
          }),
        ),
      ),
  ),
  // AuxiliaryController[N] stateAndAssociatedInformation (ECS61e; GBCS later use-case table, c5d22f4e, ~332,000)
  ...family(
    FIVE,
    (n) => `auxControllerStateInformation${n}` as const,
    (n) => o(1, `0-0:94.44.0.${30 + n}`, data(s.utf8())),
  ),
  ...family(
    FIVE,
    (n) => `alcs${n}` as const,
    (n) => o(70, `0-${n}:96.3.10.255`, alcs),
  ),
  ...family(
    FIVE,
    (n) => `boostButtonAlcs${n}` as const,
    (n) => o(1, `0-0:94.44.6.${n}`, data(s.bool())),
  ),
  boostButtonEnabled: o(1, '0-0:94.44.7.255', data(s.bool())),
  alcsSpecialDays: o(11, '0-0:11.0.3.255', { entries: [2, specialDays] }),
  alcsSchedule: o(10, '0-0:12.0.2.255', { entries: [2, scheduleEntries] }),
  auxiliaryControllerSpecialDays: o(11, '0-1:11.0.3.255', { entries: [2, specialDays] }),
  auxiliaryControllerSchedule: o(10, '0-1:12.0.2.255', { entries: [2, scheduleEntries] }),
  // the activation times of the next (channel 1) calendar: GBCS V3.1's ECS46c table (~offset 1,017,000)
  // names 0-0:94.44.128.26 the calendar's (schedule's) activateNextDateTime and .35 the special days'
  auxiliaryControllerScheduleActivation: o(9000, '0-0:94.44.128.26', activationTime),
  auxiliaryControllerSpecialDaysActivation: o(9000, '0-0:94.44.128.35', activationTime),
  alcsStateScripts: o(9, '0-0:10.0.103.255', {}, { execute: [1, s.u16()] }),
  alcsStateScriptSelector: o(1, '0-0:94.44.117.1', data(s.u16())),
  // auxiliary controller N (1..5): the setting period ECS47a sets (.1 start, .2 end) and the APC
  // limit period ECS47e sets (.3 start, .4 end) at 0-0:94.44.(116 + N); ECS47e's script object
  // (GBCS later use-case table, c5d22f4e, offsets ~1,134,000 and ~270,000)
  ...family(
    FIVE,
    (n) => `auxControllerSettingStart${n}` as const,
    (n) => o(1, `0-0:94.44.${116 + n}.1`, data(s.dateTime())),
  ),
  ...family(
    FIVE,
    (n) => `auxControllerSettingEnd${n}` as const,
    (n) => o(1, `0-0:94.44.${116 + n}.2`, data(s.dateTime())),
  ),
  ...family(
    FIVE,
    (n) => `apcLimitStart${n}` as const,
    (n) => o(1, `0-0:94.44.${116 + n}.3`, data(s.dateTime())),
  ),
  ...family(
    FIVE,
    (n) => `apcLimitEnd${n}` as const,
    (n) => o(1, `0-0:94.44.${116 + n}.4`, data(s.dateTime())),
  ),
  apcLimitScripts: o(9, '0-0:10.0.107.255', {}, { execute: [1, s.u16()] }),

  // ---- event and alert behaviours (supplier 0-30, network operator 0-33)
  supplierAlertBehaviours: o(1, '0-30:97.98.11.255', data(s.bits(512))),
  supplierHanEventBehaviours: o(1, '0-30:97.98.12.255', data(s.bits(512))),
  supplierAudibleAlarmBehaviours: o(1, '0-30:97.98.13.255', data(s.bits(512))),
  supplierLoggingBehaviours: o(1, '0-30:97.98.14.255', data(s.bits(512))),
  supplierNonCriticalAlerts1: o(1, '0-30:97.98.15.255', data(s.bits(256))),
  supplierNonCriticalAlerts2: o(1, '0-30:97.98.16.255', data(s.bits(256))),
  supplierNonCriticalAlerts3: o(1, '0-30:97.98.17.255', data(s.bits(256))),
  supplierNonCriticalAlerts4: o(1, '0-30:97.98.18.255', data(s.bits(256))),
  networkOperatorAlertBehaviours: o(1, '0-33:97.98.11.255', data(s.bits(512))),
  networkOperatorLoggingBehaviours: o(1, '0-33:97.98.14.255', data(s.bits(512))),
  /** UNCONFIRMED: by analogy with the supplier objects 0-30:97.98.15-18 (no RTDS ECS25r2). */
  networkOperatorNonCriticalAlerts1: o(1, '0-33:97.98.15.255', data(s.bits(256))),
  networkOperatorNonCriticalAlerts2: o(1, '0-33:97.98.16.255', data(s.bits(256))),
  networkOperatorNonCriticalAlerts3: o(1, '0-33:97.98.17.255', data(s.bits(256))),
  networkOperatorNonCriticalAlerts4: o(1, '0-33:97.98.18.255', data(s.bits(256))),

  // ---- CHF: ZigBee network control (class 104), Device Log, Sub GHz
  zigbeeNetworkControl: o(
    104,
    '0-0:30.3.0.255',
    {
      enableDisableJoining: [2, s.bool()],
      joinTimeout: [3, s.u16({ unit: 's' })],
      activeDevices: [
        4,
        s.array(
          s.struct({
            deviceId: s.eui(),
            status: s.bits(8),
            rssi: s.i8(),
            lqiIn: s.i8(),
            lqiOut: s.i8(),
            lastCommunicationsRoute: s.u8(),
            hops: s.u8(),
            joinedSince: s.u8(),
            lastCommunication: s.dateTime(),
            failures: s.u8(),
            retries: s.u8(),
            nwkTxQueue: s.u8(),
            apsTxQueue: s.u8(),
            channel: s.u8(),
          }),
        ),
      ],
    },
    {
      registerDevice: [
        1,
        s.struct(
          {
            deviceId: s.eui(),
            deviceType: s.enum(),
            installCode: s.hex(16),
            joinMethod: s.enum(),
            relayEnabled: s.bool({ doc: 'PROVISIONAL SECMP0038 C3' }),
          },
          { optionalTail: 1 },
        ),
      ],
      unregisterDevice: [2, s.eui()],
      readDeviceLog: [4, s.null(), deviceLog],
      restoreDeviceLog: [5, s.struct({ chfId: s.eui(), entries: s.array(deviceLogEntry) })],
    },
  ),
  gpfDeviceLog: o(104, '0-0:30.3.1.255', {}, { readDeviceLog: [4, s.null(), deviceLog] }),
  subGhzConfiguration: o(1, '0-0:94.44.10.0', data(subGhzConfigurationShape())),
  subGhzChannelScanRequest: o(1, '0-0:94.44.10.1', data(s.u8())),
  subGhzChannel: o(1, '0-0:94.44.10.2', data(s.bits(32))),
  subGhzChannelLog: o(
    7,
    '0-0:94.44.10.3',
    profile(s.struct({ time: utcSeconds, eventCode: s.u16(), channelLogEntry: s.hex() })),
  ),
} as const;

type ObjectName = keyof typeof COSEM_OBJECTS;

/**
 * The one OBIS code two GBCS versions give to different objects, so two
 * named objects above share it (a test pins that these are the only ones):
 * 0-0:94.44.117.1 attribute 2 is what V3.1's ECS47 (0x0055, SRs 7.5 / 7.6 /
 * 7.8) sets before its script, a long-unsigned (RTDS ECS47Activate: 30, the
 * DUIS Duration; `alcsStateScriptSelector`), and in the later GBCS
 * (c5d22f4e, mapping row 50, ECS47a ~offset 1,134,000) AuxiliaryController[1]
 * settingPeriodStartDateTime, an octet-string(12) date-time
 * (`auxControllerSettingStart1`). The later file withdraws ECS47 (its table
 * of contents has no 0x0055, nor ECS46c 0x0054 or ECS61a 0x00BB: the
 * Auxiliary Controller use cases ECS47a, ECS46d, ECS61d / ECS61e replace
 * them), so no device runs both: each row keeps its version's type, and a
 * device holding both (the ESME emulator runs V3.1 and later rows) holds one
 * attribute for the two names (`sharedAttributeNames`).
 */
export const OBIS_REUSED_ACROSS_VERSIONS: readonly {
  obis: string;
  attribute: number;
  v31: ObjectName;
  later: ObjectName;
}[] = [
  {
    obis: '0-0:94.44.117.1',
    attribute: 2,
    v31: 'alcsStateScriptSelector',
    later: 'auxControllerSettingStart1',
  },
];

/** The other names of the attribute `object`.`member` is (OBIS_REUSED_ACROSS_VERSIONS), as `object.member` keys. */
export function sharedAttributeNames(object: string, member: string): readonly string[] {
  const out: string[] = [];
  for (const r of OBIS_REUSED_ACROSS_VERSIONS) {
    const names = [r.v31, r.later] as string[];
    if (!names.includes(object)) continue;
    for (const other of names) {
      if (other === object) continue;
      const o = COSEM_OBJECTS[other as ObjectName] as CosemObject;
      const m = Object.entries(o.attributes).find(([, [id]]) => id === r.attribute)?.[0];
      const mine = (COSEM_OBJECTS[object as ObjectName] as CosemObject).attributes[member];
      if (m && mine?.[0] === r.attribute) out.push(`${other}.${m}`);
    }
  }
  return out;
}

function voltageObjects<P extends '' | 'L2' | 'L3'>(p: P) {
  const c = { '': 32, L2: 52, L3: 72 }[p];
  const row = s.struct({ time: utcSeconds, averageRmsVoltage: s.u32({ unit: 'V' }) });
  const objects = {
    averageRmsVoltageProfile: o(7, `1-0:${c}.24.0.255`, profile(row), profileMethods),
    rmsVoltageSagThreshold: o(1, `1-0:${c}.31.0.4`, data(s.u32({ unit: 'V' }))),
    rmsVoltageSwellThreshold: o(1, `1-0:${c}.35.0.4`, data(s.u32({ unit: 'V' }))),
    rmsVoltageSagCount: o(3, `1-0:${c}.32.0.4`, register(s.u32()), { reset: m(1, s.i8()) }),
    rmsVoltageSwellCount: o(3, `1-0:${c}.36.0.4`, register(s.u32()), { reset: m(1, s.i8()) }),
  };
  return Object.fromEntries(Object.entries(objects).map(([k, v]) => [`${k}${p}`, v])) as {
    [K in keyof typeof objects as `${K}${P}`]: (typeof objects)[K];
  };
}

/**
 * The CHF Sub GHz configuration (0-0:94.44.10.0 attribute 2: DBCH03 reads it,
 * DBCH04 sets it, DBCH09 reports it). Members, order and types: GBCS V3.1's
 * use-case file, DBCH03 (SubGHzConfigurationSettings, CHTS 4.6.2.5, whose
 * structure members are subGhzConfig.page28Mask .. localChRetryPercentage);
 * the byte layout the RTDS DBCH04 carries.
 */
export function subGhzConfigurationShape() {
  return s.struct({
    page28Mask: s.bits(32),
    page29Mask: s.bits(32),
    page30Mask: s.bits(32),
    page31Mask: s.bits(32),
    normalLimitedDutyCycleThreshold: s.u16(),
    limitedCriticalDutyCycleThreshold: s.u16(),
    channelChangesPerWeek: s.u8(),
    gsmeCurfew: s.u16(),
    quieterDecibelsLimit: s.u8(),
    noisierDecibelsLimit: s.u8(),
    nonGsmePoorCommsPercentage: s.u16(),
    nonGsmeMeasurementPeriods: s.u8(),
    localChNoiseMeasurementPeriod: s.u16(),
    localChFailurePercentage: s.u16(),
    localChRetryPercentage: s.u16(),
  });
}
