/**
 * Prepayment and customer SRVs: 2.1 Update Prepay Configuration (GCS05
 * GSME), 2.3 Update Debt (GCS04 GSME), 9.1 Request
 * Customer Identification Number (GCS36 GSME). One declarative row per SRV
 * (device-srs.ts `deviceSrv`); the bytes are made by the use-case catalogue
 * from the named fields. 2.1 to an ESME is ECS08a, whose objects are GBCS's
 * (V3.1 use-case tables; `ecs08a` below), 2.3 to an ESME ECS07 (`ecs07`).
 * 9.1 to an ESME is ECS50 (GBCS V3.1 use-case tables: a Set of the CIN
 * object 0-3:96.13.1.255, originated by the ACB as GCS36 is).
 *
 * 9.1 GCS36 (RTDS GCS36 SUCCESS/ERROR Commands): originated by the ACB on
 * the user's behalf (the user as Supplementary Remote Party: the DCC, not
 * the user, chose the CIN); Device Management Update CIN (0x06, server to
 * client 0x09): Issuer Event ID = the DSP's time,
 * Implementation Time 0 (now), Provider ID 0, the CIN's four ASCII digits.
 * The DCC draws the CIN (TransformContext.nextCin) and returns it to the user
 * with the device's response (DUIS CINMessage).
 *
 * 2.3 GCS04 (no RTDS example; GBCS V3.1's GCS04 message template, values from
 * the DUIS UpdateDebt elements): three Change Debt commands
 * (0x02), one per GSME debt register, in register order:
 * - 1: TimeDebtRegister1 with GasDebtRecovery1, 2: TimeDebtRegister2 with
 *   GasDebtRecovery2: Debt Amount Type 1 / 3 (Type 1 / Type 2 incremental),
 *   Debt Recovery Method 0 (time based), Frequency HOURLY 0 / DAILY 1,
 *   Recovery Amount = DebtRecoveryRate;
 * - 3: PaymentDebtRegister: Debt Amount Type 5 (Type 3 incremental),
 *   Recovery Method 1 (percentage based), Frequency 0x01, Amount 0, Balance Percentage =
 *   DebtRecoveryPerPayment (0..10000: hundredths of a percent, the ZCL unit).
 * The amounts are adjustments (incremental types): DUIS types them xs:int
 * (signed), which a register's new absolute value would not need. Label
 * empty, recovery start time 0 (now), collection time 0 (midnight). These
 * are the prepayment attributes GCS21b (4.13) reads back: Debt Amount
 * 0x0211/0x0221/0x0231, Recovery Frequency 0x0216/0x0226, Recovery Amount
 * 0x0217/0x0227, Top Up Percentage 0x0239.
 */
import type { DeviceType } from '../../../duis/index.ts';
import { formatObis } from '../../../gbcs/payload/dlms.ts';
import { formatCosemDateTimeText } from '../../../gbcs/use-cases/cosem-text.ts';
import { COSEM_OBJECTS, NON_DISABLEMENT_SCRIPT } from '../../../gbcs/use-cases/index.ts';
import { toHex } from '../../../runtime/bytes.ts';
import { attrInt, choice, group, int, many, one, oneOf, opt, timeOfDay } from './body-reader.ts';
import {
  dayProfiles,
  gasSeasons,
  gasSpecialDays,
  publishSeasons,
  publishWeekProfiles,
  weekProfiles,
} from './calendar-body.ts';
import { deviceSrv } from './device-srs.ts';
import { cosemDate, isoDate, type ZclDateValue } from './duis-date.ts';
import { cosemExecutionDateTime } from './encoding.ts';
import { DspBodyInvalidError } from './errors.ts';
import type { AnySrvTransform, BuildInput } from './rule.ts';
import { daysOfWeek, type SpecialDay, specdays, specialDays, timeText, weekdays } from './schedule-body.ts';

const ESME: DeviceType[] = ['ESME'];
const GAS: DeviceType[] = ['GSME'];

const INT32 = [-2147483648, 2147483647] as const;
const ascii = (s: string): string => toHex(new TextEncoder().encode(s));

// ---------------------------------------------------------------- 9.1

/** GCS36: Update CIN now, with the CIN the DCC drew for this request. */
function gcs36(i: BuildInput<unknown>): unknown {
  return {
    updateCin: {
      issuerEventId: i.issuerEventId(),
      implementationTime: 0,
      providerId: 0,
      customerIdNumber: ascii(i.cin()),
    },
  };
}

/** 9.1 to an ESME (ECS50, GBCS V3.1 use-case tables): the CIN object gets the CIN the DCC drew, its four ASCII digits. */
function ecs50(i: BuildInput<unknown>): unknown {
  return { customerIdentificationNumber: { value: ascii(i.cin()) } };
}

// ---------------------------------------------------------------- 2.3

const RECOVERY_PERIOD = oneOf('HOURLY', 'DAILY');
/** ZCL Debt Recovery Frequency of the DUIS DebtRecoveryRatePeriod. */
const FREQUENCY: Readonly<Record<'HOURLY' | 'DAILY', number>> = { HOURLY: 0, DAILY: 1 };

const gasRecovery = group({
  rate: one('DebtRecoveryRate', int(...INT32)),
  period: one('DebtRecoveryRatePeriod', RECOVERY_PERIOD),
});
const elecRecovery = group({
  rate: one('DebtRecoveryRate', int(-32768, 32767)),
  priceScale: one('DebtRecoveryRatePriceScale', int(-128, 127)),
  period: one('DebtRecoveryRatePeriod', RECOVERY_PERIOD),
});

/** A debt recovery pair (the price scale: ElecDebtRecovery only). */
type Recovery = { rate: number; priceScale?: number; period: 'HOURLY' | 'DAILY' };
type UpdateDebt = {
  timeDebt1: number;
  timeDebt2: number;
  paymentDebt: number;
  perPayment: number;
  elec1?: Recovery;
  elec2?: Recovery;
  gas1?: Recovery;
  gas2?: Recovery;
};

/** The XSD's xs:choice of the recovery pairs: both Elec or both Gas. */
function fuelOf(b: UpdateDebt): 'elec' | 'gas' {
  const elec = b.elec1 !== undefined || b.elec2 !== undefined;
  const gas = b.gas1 !== undefined || b.gas2 !== undefined;
  if (elec && gas)
    throw new DspBodyInvalidError('ElecDebtRecovery and GasDebtRecovery both given', 'UpdateDebt');
  if (elec && b.elec1 && b.elec2) return 'elec';
  if (gas && b.gas1 && b.gas2) return 'gas';
  throw new DspBodyInvalidError('DebtRecovery1 and DebtRecovery2 of one fuel expected', 'UpdateDebt');
}

/** ZCL Change Debt: Debt Amount Type (incremental), Recovery Method, and the amounts. */
function changeDebt(
  issuerEventId: number,
  debtAmountType: number,
  debtAmount: number,
  recovery: { method: number; frequency: number; amount: number; percentage: number },
) {
  return {
    issuerEventId,
    debtLabel: '',
    debtAmount,
    debtRecoveryMethod: recovery.method,
    debtAmountType,
    debtRecoveryStartTime: 0,
    debtRecoveryCollectionTime: 0,
    debtRecoveryFrequency: recovery.frequency,
    debtRecoveryAmount: recovery.amount,
    debtRecoveryBalancePercentage: recovery.percentage,
  };
}

/** Change Debt Debt Amount Type: Type 1/2/3 incremental (ZCL SE 1.4 D.7.2.3.2). */
const TYPE_INCREMENTAL = [1, 3, 5] as const;
const TIME_BASED = 0;
const PERCENTAGE_BASED = 1;
/** Debt Recovery Frequency of the payment-based debt's Change Debt (GBCS V3.1 GCS04 message template). */
const PAYMENT_DEBT_FREQUENCY = 0x01;

function gcs04(i: BuildInput<UpdateDebt>): unknown {
  const b = i.body;
  if (fuelOf(b) !== 'gas')
    throw new DspBodyInvalidError('a GSME takes GasDebtRecovery1 and GasDebtRecovery2', 'UpdateDebt');
  const id = i.issuerEventId();
  const timeBased = (r: Recovery) => ({
    method: TIME_BASED,
    frequency: FREQUENCY[r.period],
    amount: r.rate,
    percentage: 0,
  });
  return {
    changeDebt: [
      changeDebt(id, TYPE_INCREMENTAL[0], b.timeDebt1, timeBased(b.gas1!)),
      changeDebt(id, TYPE_INCREMENTAL[1], b.timeDebt2, timeBased(b.gas2!)),
      changeDebt(id, TYPE_INCREMENTAL[2], b.paymentDebt, {
        method: PERCENTAGE_BASED,
        // GBCS V3.1 GCS04 message template: "Payment Based Debt, set to 0x01"
        frequency: PAYMENT_DEBT_FREQUENCY,
        amount: 0,
        percentage: b.perPayment,
      }),
    ],
  };
}

/** Debt recovery period in seconds (GBCS V3.1 tables, ECS07 attr 8; SMETS: an hour or a day). */
const PERIOD_S: Readonly<Record<'HOURLY' | 'DAILY', number>> = { HOURLY: 3600, DAILY: 86400 };

/**
 * ECS07 (GBCS V3.1 use-case tables; no RTDS example): each ElecDebtRecovery
 * as its time debt register's passive unit charge (commodity scale 0, no
 * commodity reference, one element with an empty index whose charge per
 * unit is the DebtRecoveryRate at DebtRecoveryRatePriceScale) and period,
 * activated in the same command; DebtRecoveryPerPayment as the payment debt
 * register's proportion; the three register values as adjustments
 * (update_total_amount_remaining), as DUIS types them (signed).
 */
function ecs07(i: BuildInput<UpdateDebt>): unknown {
  const b = i.body;
  if (fuelOf(b) !== 'elec')
    throw new DspBodyInvalidError('an ESME takes ElecDebtRecovery1 and ElecDebtRecovery2', 'UpdateDebt');
  const rate = (r: Recovery) => ({
    chargePerUnitScaling: { commodityScale: 0, priceScale: r.priceScale ?? 0 },
    commodity: { classId: 0, logicalName: formatObis(new Uint8Array(6)), attributeIndex: 0 },
    chargeTable: [{ index: '', chargePerUnit: r.rate }],
  });
  const e1 = b.elec1!;
  const e2 = b.elec2!;
  return {
    timeDebt1: {
      unitChargePassive: rate(e1),
      period: PERIOD_S[e1.period],
      activatePassiveUnitCharge: 0,
      updateTotalAmountRemaining: b.timeDebt1,
    },
    timeDebt2: {
      unitChargePassive: rate(e2),
      period: PERIOD_S[e2.period],
      activatePassiveUnitCharge: 0,
      updateTotalAmountRemaining: b.timeDebt2,
    },
    paymentDebt: { proportion: b.perPayment, updateTotalAmountRemaining: b.paymentDebt },
  };
}

// ---------------------------------------------------------------- 2.1

const UINT32 = [0, 4294967295] as const;

/** UpdatePrepayConfigGas (XSD sequence order). */
const GAS_CONFIG = group({
  debtRecoveryRateCap: one('DebtRecoveryRateCap', int(...INT32)),
  emergencyCreditLimit: one('EmergencyCreditLimit', int(...UINT32)),
  emergencyCreditThreshold: one('EmergencyCreditThreshold', int(...UINT32)),
  lowCreditThreshold: one('LowCreditThreshold', int(...UINT32)),
  calendar: one(
    'GasNonDisablementCalendar',
    group({
      dayProfiles: dayProfiles(
        'GasNonDisablementDayProfile',
        group({
          actions: many(
            'TimeStartAction',
            group({
              start: one('StartTime', timeOfDay),
              action: one('NonDisablementAction', oneOf('START', 'STOP')),
            }),
            1,
            3,
          ),
          name: one('GasDayName', int(1, 5)),
        }),
        5,
      ),
      weekProfiles: weekProfiles(2, 5),
      seasons: gasSeasons('SeasonProfiles'),
      specialDays: gasSpecialDays(5),
    }),
  ),
  maxMeterBalance: one('MaxMeterBalance', int(...UINT32)),
  maxCreditThreshold: one('MaxCreditThreshold', int(...UINT32)),
});

type GasConfig = {
  debtRecoveryRateCap: number;
  emergencyCreditLimit: number;
  emergencyCreditThreshold: number;
  lowCreditThreshold: number;
  calendar: {
    dayProfiles: { days: { actions: { start: number; action: 'START' | 'STOP' }[]; name: number }[] };
    weekProfiles: { weeks: { name: number; days: { index: number; value: number }[] }[] };
    seasons: { seasons: { start: ZclDateValue; week: number }[] };
    specialDays: { days: { date: ZclDateValue; day: number }[] };
  };
  maxMeterBalance: number;
  maxCreditThreshold: number;
};
type UpdatePrepayConfiguration = { config: { which: string; value: unknown } };

/** ZCL Calendar Type of the friendly credit (non-disablement) calendar (RTDS GCS21b). */
const FRIENDLY_CREDIT_CALENDAR = 3;
/** Calendar Time Reference: local time (PROVISIONAL: the customer's clock, as the ESME calendars). */
const LOCAL_TIME = 2;
/** Friendly credit switch of a day profile entry (RTDS GCS21b: 1 from 00:00, 0 in the day, 1 in the evening). */
const SWITCH: Readonly<Record<'START' | 'STOP', number>> = { START: 1, STOP: 0 };

/** The calendar's names, each defined once and every reference defined (DSP_BODY_INVALID otherwise). */
function checkCalendar(c: GasConfig['calendar']): void {
  const at = 'UpdatePrepayConfigGas/GasNonDisablementCalendar';
  const unique = (names: number[], what: string) => {
    if (new Set(names).size !== names.length) throw new DspBodyInvalidError(`a ${what} is defined twice`, at);
    return new Set(names);
  };
  const days = unique(
    c.dayProfiles.days.map((d) => d.name),
    'GasDayName',
  );
  const weeks = unique(
    c.weekProfiles.weeks.map((w) => w.name),
    'WeekName',
  );
  for (const w of c.weekProfiles.weeks) {
    if (new Set(w.days.map((d) => d.index)).size !== 7)
      throw new DspBodyInvalidError(`week ${w.name}: ReferencedDayName index 1..7 each once`, at);
    for (const d of w.days)
      if (!days.has(d.value)) throw new DspBodyInvalidError(`week ${w.name} refers to day ${d.value}`, at);
  }
  for (const s of c.seasons.seasons)
    if (!weeks.has(s.week)) throw new DspBodyInvalidError(`a season refers to week ${s.week}`, at);
  for (const s of c.specialDays.days)
    if (!days.has(s.day)) throw new DspBodyInvalidError(`a special day refers to day ${s.day}`, at);
  for (const d of c.dayProfiles.days)
    for (const a of d.actions)
      if (a.start % 60 !== 0)
        throw new DspBodyInvalidError(`day ${d.name}: StartTime must be whole minutes (ZCL minutes)`, at);
}

/**
 * GCS05 (no RTDS command; PROVISIONAL, from the DUIS element definitions,
 * the ZCL Prepayment and Calendar clusters and the RTDS GCS21b response that
 * reads these settings back): Emergency Credit Setup (limit, threshold),
 * Set Low Credit Warning Level (LowCreditThreshold), Set Maximum Credit
 * Limit (MaxMeterBalance, MaxCreditThreshold as maximum credit per top-up),
 * Set Overall Debt Cap (DebtRecoveryRateCap), all effective now (the DSP
 * holds a future-dated request); then the friendly credit calendar with
 * Issuer Calendar ID = the Issuer Event ID (a fresh id per publication),
 * calendar type 3: Publish Calendar, one Publish Day Profile per day
 * (entries in minutes after midnight, START 1 / STOP 0), one Publish Week
 * Profile per week, Publish Seasons, Publish Special Days. The component
 * order (the catalogue row's) and the From Date Time of Set Low Credit
 * Warning Level: GBCS V3.1 use-case tables.
 */
function gcs05(i: BuildInput<UpdatePrepayConfiguration>): unknown {
  if (i.body.config.which !== 'UpdatePrepayConfigGas')
    throw new DspBodyInvalidError('a GSME takes UpdatePrepayConfigGas', 'UpdatePrepayConfiguration');
  const b = i.body.config.value as GasConfig;
  const c = b.calendar;
  checkCalendar(c);
  const issuerEventId = i.issuerEventId();
  const head = { providerId: 0, issuerEventId, issuerCalendarId: issuerEventId };
  const one = { commandIndex: 0, totalNumberOfCommands: 1 };
  return {
    emergencyCreditSetup: {
      issuerEventId,
      startTime: 0,
      emergencyCreditLimit: b.emergencyCreditLimit,
      emergencyCreditThreshold: b.emergencyCreditThreshold,
    },
    // GBCS V3.1 use-case tables: this component carries a From Date Time; 0 (effective now, as the
    // other components' times here): PROVISIONAL, GBCS's template gives no value
    lowCreditWarningLevel: { fromDateTime: 0, lowCreditWarningLevel: b.lowCreditThreshold },
    maximumCreditLimit: {
      providerId: 0,
      issuerEventId,
      implementationDateTime: 0,
      maximumCreditLevel: b.maxMeterBalance,
      maximumCreditPerTopUp: b.maxCreditThreshold,
    },
    overallDebtCap: {
      providerId: 0,
      issuerEventId,
      implementationDateTime: 0,
      overallDebtCap: b.debtRecoveryRateCap,
    },
    calendar: {
      ...head,
      startTime: 0,
      calendarType: FRIENDLY_CREDIT_CALENDAR,
      calendarTimeReference: LOCAL_TIME,
      calendarName: '',
      numberOfSeasons: c.seasons.seasons.length,
      numberOfWeekProfiles: c.weekProfiles.weeks.length,
      numberOfDayProfiles: c.dayProfiles.days.length,
    },
    dayProfiles: c.dayProfiles.days.map((d) => ({
      ...head,
      dayId: d.name,
      totalNumberOfScheduleEntries: d.actions.length,
      ...one,
      calendarType: FRIENDLY_CREDIT_CALENDAR,
      scheduleEntries: d.actions.map((a) => ({
        startTime: a.start / 60,
        priceTierOrSwitch: SWITCH[a.action],
      })),
    })),
    weekProfiles: publishWeekProfiles(head, c.weekProfiles.weeks),
    seasons: publishSeasons(head, c.seasons.seasons),
    specialDays: {
      ...head,
      startTime: 0,
      calendarType: FRIENDLY_CREDIT_CALENDAR,
      totalNumberOfSpecialDays: c.specialDays.days.length,
      ...one,
      specialDays: c.specialDays.days.map((d) => ({ specialDayDate: d.date, dayIdRef: d.day })),
    },
  };
}

/** UpdatePrepayConfigElec (XSD sequence order). */
const ELEC_CONFIG = group({
  debtRecoveryRateCap: one('DebtRecoveryRateCap', int(0, 65535)),
  emergencyCreditLimit: one('EmergencyCreditLimit', int(...INT32)),
  emergencyCreditThreshold: one('EmergencyCreditThreshold', int(...INT32)),
  lowCreditThreshold: one('LowCreditThreshold', int(...INT32)),
  calendar: one(
    'ElectricityNonDisablementCalendar',
    group({
      specialDays: one(
        'ElectricitySpecialDays',
        group({
          days: many(
            'SpecialDay',
            group({ id: attrInt('index', 1, 20), date: one('Date', cosemDate) }),
            0,
            20,
          ),
        }),
      ),
      schedules: many(
        'ElectricityNonDisablementSchedule',
        group({
          script: one('NonDisablementScript', oneOf('START', 'STOP')),
          specialDays: one(
            'SpecialDaysApplicability',
            group({
              ids: many('SpecialDayApplicability', group({ id: one('SpecialDayID', int(1, 20)) }), 0, 20),
            }),
          ),
          week: one('DaysOfWeekApplicability', daysOfWeek),
          when: one(
            'ScheduleDatesAndTime',
            group({
              switchTime: one('SwitchTime', timeOfDay),
              start: one('StartDate', isoDate),
              end: one('EndDate', isoDate),
            }),
          ),
        }),
        1,
        22,
      ),
    }),
  ),
  maxMeterBalance: one('MaxMeterBalance', int(...INT32)),
  maxCreditThreshold: one('MaxCreditThreshold', int(...INT32)),
});

type ElecConfig = {
  debtRecoveryRateCap: number;
  emergencyCreditLimit: number;
  emergencyCreditThreshold: number;
  lowCreditThreshold: number;
  calendar: {
    specialDays: { days: SpecialDay[] };
    schedules: {
      script: 'START' | 'STOP';
      specialDays: { ids: { id: number }[] };
      week: { days: { day: string }[] };
      when: { switchTime: number; start: string; end: string };
    }[];
  };
  maxMeterBalance: number;
  maxCreditThreshold: number;
};

/** GBCS fixes the debt recovery rate cap's period at one week (DUIS does not carry it). */
export const DEBT_CAP_PERIOD_S = 604800;

/**
 * ECS08a (GBCS V3.1 use-case tables; no RTDS example): the DUIS settings as
 * the passive values of their class 9000 objects, the cap's period the
 * fixed week; the Non-Disablement Calendar's special days (index and day id
 * = the DUIS `index`, as 6.14.2 lays out the ALCS special days) and schedule
 * (one entry per ElectricityNonDisablementSchedule in document order:
 * index 1.., enabled, script 0-0:10.0.106.255, selector START / STOP
 * PROVISIONAL (NON_DISABLEMENT_SCRIPT), validity window 0xFFFF); every
 * activation time now (the DSP holds a future-dated 2.1, as for GCS05).
 */
function ecs08a(i: BuildInput<UpdatePrepayConfiguration>): unknown {
  if (i.body.config.which !== 'UpdatePrepayConfigElectricity')
    throw new DspBodyInvalidError('an ESME takes UpdatePrepayConfigElectricity', 'UpdatePrepayConfiguration');
  const b = i.body.config.value as ElecConfig;
  const at = 'UpdatePrepayConfigElectricity/ElectricityNonDisablementCalendar';
  const defs = specialDays(b.calendar.specialDays.days, `${at}/ElectricitySpecialDays`);
  const now = formatCosemDateTimeText(cosemExecutionDateTime(i.execution));
  const entries = b.calendar.schedules.map((s, k) => {
    const path = `${at}/ElectricityNonDisablementSchedule[${k + 1}]`;
    return {
      index: k + 1,
      enable: true,
      scriptLogicalName: COSEM_OBJECTS.disconnectControlScripts.obis,
      scriptSelector: NON_DISABLEMENT_SCRIPT[s.script],
      switchTime: timeText(s.when.switchTime),
      validityWindow: 0xffff,
      execWeekdays: weekdays(s.week, `${path}/DaysOfWeekApplicability`),
      execSpecdays: specdays(
        s.specialDays.ids.map((d) => d.id),
        defs,
        `${path}/SpecialDaysApplicability`,
      ),
      beginDate: s.when.start,
      endDate: s.when.end,
    };
  });
  const passive = (value: number) => ({ valuePassive: value, activationTime: now });
  return {
    nonDisablementSpecialDays: {
      entries: defs.map((d) => ({ index: d.id, specialDayDate: d.date, dayId: d.id })),
    },
    maxMeterBalance: passive(b.maxMeterBalance),
    maxCreditThreshold: passive(b.maxCreditThreshold),
    nonDisablementSchedule: { entries },
    debtRecoveryRateCap: passive(b.debtRecoveryRateCap),
    debtRecoveryRateCapPeriod: passive(DEBT_CAP_PERIOD_S),
    lowCreditThreshold: passive(b.lowCreditThreshold),
    emergencyCreditLimit: passive(b.emergencyCreditLimit),
    nonDisablementSpecialDaysActivation: { activationTime: now },
    emergencyCreditThreshold: passive(b.emergencyCreditThreshold),
    nonDisablementScheduleActivation: { activationTime: now },
  };
}

/**
 * The SRVs of this family this DSP does not transform for any target yet,
 * with why (`dsp srs --json` and the E11 refusal say it).
 */
export const PREPAY_SRVS_NOT_BUILT: Readonly<Record<string, string>> = {};

export const PREPAY_SRV_TRANSFORMS: readonly AnySrvTransform[] = [
  deviceSrv<UpdatePrepayConfiguration>('2.1', {
    // Elec is read to give a clear refusal to an ESME (not transformed) rather than a schema error
    choice: {
      config: choice({ UpdatePrepayConfigElectricity: ELEC_CONFIG, UpdatePrepayConfigGas: GAS_CONFIG }),
    },
    useCases: [
      { useCase: 'ECS08a', targets: ESME, fields: ecs08a },
      { useCase: 'GCS05', targets: GAS, fields: gcs05 },
    ],
  }),
  deviceSrv<UpdateDebt>('2.3', {
    body: {
      timeDebt1: one('TimeDebtRegister1', int(...INT32)),
      timeDebt2: one('TimeDebtRegister2', int(...INT32)),
      paymentDebt: one('PaymentDebtRegister', int(...INT32)),
      perPayment: one('DebtRecoveryPerPayment', int(0, 10000)),
      elec1: opt('ElecDebtRecovery1', elecRecovery),
      elec2: opt('ElecDebtRecovery2', elecRecovery),
      gas1: opt('GasDebtRecovery1', gasRecovery),
      gas2: opt('GasDebtRecovery2', gasRecovery),
    },
    useCases: [
      { useCase: 'ECS07', targets: ESME, fields: ecs07 },
      { useCase: 'GCS04', targets: GAS, fields: gcs04 },
    ],
  }),
  deviceSrv<unknown>('9.1', {
    useCases: [
      { useCase: 'GCS36', targets: GAS, originator: 'acb', fields: gcs36 },
      { useCase: 'ECS50', targets: ESME, originator: 'acb', fields: ecs50 },
    ],
  }),
];
