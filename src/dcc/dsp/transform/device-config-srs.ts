/**
 * Device configuration SRVs whose use cases have no RTDS example: 6.4.1 /
 * 6.4.2 load limiting (ECS28a, ECS28b), 6.18.2 Reset Maximum Demand
 * Registers (ECS57), 6.8 billing calendar (ECS30/ECS30a, GCS25a) and
 * 6.2.7 Read Device Configuration (MPxN) (GCS46; ECS40 to an ESME, from
 * GBCS V3.1's use-case tables). One declarative row per SRV (device-srs.ts `deviceSrv`); the
 * bytes are made by the use-case catalogue from the named fields. The rows'
 * payloads are inferred (catalogue `confirmed: 'unconfirmed'`, reasoning in
 * rows/esme-gbcs.ts and docs/use-cases.md); the mappings below are
 * PROVISIONAL (docs/dsp-transform.md):
 *
 * - ECS28a (GBCS V3.1 use-case tables, future-datable on the device): the
 *   passive values (class 9000 attr 4) of LoadLimitSupplyState (Disable ->
 *   true, Unchanged -> false) 0-0:94.44.0.3, LoadLimitPowerThreshold
 *   0-0:94.44.128.7, LoadLimitPeriod .128.6 and LoadLimitRestorationPeriod
 *   .128.8, each with the ExecutionDateTime as its activation time (attr 6;
 *   zero: now, all-FF: cancel). The ESME then holds them in the objects ECS27
 *   reads (RTDS).
 * - ECS28b: reset of the load limit counter; ECS57: reset of the maximum
 *   demand registers the body names (import, export, configurable period
 *   import), at least one.
 * - ECS30/ECS30a: the billing single action schedule's execution_time, one
 *   entry per billing date: Daily `****-**-**`, Weekly the day of week
 *   (COSEM dow, DUIS 1 = Monday), Monthly `****-**-DD` (the RTDS ECS26d
 *   value is `12:00:00 ****-**-01`), Quarterly / SixMonthly / Yearly one
 *   entry per month from BillingPeriodStartMonth every 3 / 6 / 12 months.
 *   Monthly -> ECS30, every other periodicity ECS30a ("all periodicities").
 * - GCS25a for every gas periodicity (GBCS V3.1 use-case tables: GCS25 is
 *   only retained as a Comms Hub tap-off requirement, Target None, no Remote
 *   Party Role; GCS25a, "all periodicities", is the supplier's 6.8 to a
 *   GSME, monthly included): ZCL Publish Billing Period from
 *   BillingPeriodStart, duration 1 day / 1 week / 1, 3, 6 or 12 months,
 *   duration type low nibble the units (1 days, 2 weeks, 3 months), high
 *   nibble 2 ('not specified'), tariff type 0; then Publish Block Period
 *   with the same start, duration and duration type, control 0b10
 *   (repeating), tariff resolution period 0x01 (block period), as GBCS's
 *   GCS25a message template fixes them.
 */
import type { DeviceType } from '../../../duis/index.ts';
import { formatCosemDateTimeText } from '../../../gbcs/use-cases/cosem-text.ts';
import { alt, choice, dateTime, empty, group, int, one, oneOf, opt, timeOfDay } from './body-reader.ts';
import { deviceSrv } from './device-srs.ts';
import { cosemExecutionDateTime, zigbeeUtcTime } from './encoding.ts';
import { DspBodyInvalidError } from './errors.ts';
import type { AnySrvTransform, BuildInput } from './rule.ts';

const ESME: DeviceType[] = ['ESME'];
const GAS: DeviceType[] = ['GSME'];
const u32 = int(0, 0xffffffff);

// ---------------------------------------------------------------- 6.4.1 / 6.4.2 load limiting

type LoadLimit = {
  period: number;
  threshold: number;
  restoration: number;
  supplyState: 'Disable' | 'Unchanged';
};

// ---------------------------------------------------------------- 6.18.2

const MD_REGISTERS = [
  ['import', 'MaxDemandActivePowerImportValue', 'maximumDemandImport'],
  ['export', 'MaxDemandActivePowerExportValue', 'maximumDemandExport'],
  ['configurable', 'MaxDemandConfigTimeActivePowerImportValue', 'maximumDemandImportSecondary'],
] as const;
type MdReset = Partial<Record<(typeof MD_REGISTERS)[number][0], true>>;

function ecs57(i: BuildInput<MdReset>): unknown {
  const out: Record<string, { reset: number }> = {};
  for (const [key, , object] of MD_REGISTERS) if (i.body[key]) out[object] = { reset: 0 };
  if (Object.keys(out).length === 0)
    throw new DspBodyInvalidError('no maximum demand register to reset', 'ResetMaximumDemandRegisters');
  return out;
}

// ---------------------------------------------------------------- 6.8 billing calendar

const QSMY = group({ day: one('DayOfMonth', int(1, 28)), month: one('BillingPeriodStartMonth', int(1, 12)) });
const ELECTRICITY = group({
  time: one('BillingTime', timeOfDay),
  period: alt({
    Daily: empty,
    Weekly: int(1, 7),
    Monthly: int(1, 28),
    Quarterly: QSMY,
    SixMonthly: QSMY,
    Yearly: QSMY,
  }),
});
const GAS_CALENDAR = group({
  start: one('BillingPeriodStart', dateTime),
  periodicity: one('Periodicity', oneOf('Daily', 'Weekly', 'Monthly', 'Quarterly', 'SixMonthly', 'Yearly')),
});

type Qsmy = { day: number; month: number };
type ElecCalendar = { time: number; period: { which: string; value: unknown } };
type GasCalendar = { start: Date; periodicity: string };
type BillingCalendar = {
  calendar:
    | { which: 'ElectricityBillingCalendar'; value: ElecCalendar }
    | { which: 'GasBillingCalendar'; value: GasCalendar };
};

const pad2 = (n: number) => String(n).padStart(2, '0');
const timeText = (s: number) =>
  `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}`;
const MONTH_STEP: Record<string, number> = { Quarterly: 3, SixMonthly: 6, Yearly: 12 };

/** The single action schedule execution_time entries of an electricity billing calendar. */
export function billingExecutionTimes(c: ElecCalendar): { time: string; date: string }[] {
  const time = timeText(c.time);
  const p = c.period;
  if (p.which === 'Daily') return [{ time, date: '****-**-**' }];
  if (p.which === 'Weekly') return [{ time, date: `****-**-** dow=${p.value as number}` }];
  if (p.which === 'Monthly') return [{ time, date: `****-**-${pad2(p.value as number)}` }];
  const { day, month } = p.value as Qsmy;
  const step = MONTH_STEP[p.which]!;
  return Array.from({ length: 12 / step }, (_, k) => ({
    time,
    date: `****-${pad2(((month - 1 + k * step) % 12) + 1)}-${pad2(day)}`,
  }));
}

/** ZCL billing period duration and its units (GBCS V3.1 GCS25a template: months 1/3/6/12, else 1). */
const GAS_DURATION: Record<string, [duration: number, units: number]> = {
  Daily: [1, 1],
  Weekly: [1, 2],
  Monthly: [1, 3],
  Quarterly: [3, 3],
  SixMonthly: [6, 3],
  Yearly: [12, 3],
};
/** Duration type high nibble: Block Period Duration Control 2, 'not specified' (GBCS V3.1 GCS25a template). */
const DURATION_CONTROL = 0x20;
/** Block Period Control: repeating block, price acknowledgement not required (GBCS V3.1 GCS25a template). */
const BLOCK_PERIOD_REPEATING = 0b10;
/** Tariff Resolution Period: block period (GBCS V3.1 GCS25a template). */
const RESOLUTION_BLOCK_PERIOD = 0x01;

function gcs25a(i: BuildInput<BillingCalendar>): unknown {
  const c = i.body.calendar.value as GasCalendar;
  const [duration, units] = GAS_DURATION[c.periodicity]!;
  const providerId = 0;
  const issuerEventId = i.issuerEventId();
  const start = zigbeeUtcTime(c.start, 'GasBillingCalendar/BillingPeriodStart');
  const durationType = DURATION_CONTROL | units;
  return {
    billingPeriod: {
      providerId,
      issuerEventId,
      billingPeriodStartTime: start,
      billingPeriodDuration: duration,
      billingPeriodDurationType: durationType,
      tariffType: 0,
    },
    blockPeriod: {
      providerId,
      issuerEventId,
      blockPeriodStartTime: start,
      blockPeriodDuration: duration,
      blockPeriodControl: BLOCK_PERIOD_REPEATING,
      blockPeriodDurationType: durationType,
      tariffType: 0,
      tariffResolutionPeriod: RESOLUTION_BLOCK_PERIOD,
    },
  };
}

const isElec = (b: BillingCalendar) => b.calendar.which === 'ElectricityBillingCalendar';
const elecMonthly = (b: BillingCalendar) =>
  isElec(b) && (b.calendar.value as ElecCalendar).period.which === 'Monthly';
const elecFields = (i: BuildInput<BillingCalendar>) => ({
  billingCalendar: { executionTime: billingExecutionTimes(i.body.calendar.value as ElecCalendar) },
});

export const DEVICE_CONFIG_SRV_TRANSFORMS: readonly AnySrvTransform[] = [
  deviceSrv<LoadLimit>('6.4.1', {
    futureDating: 'device',
    body: {
      period: one('LoadLimitPeriod', u32),
      threshold: one('LoadLimitPowerThreshold', u32),
      restoration: one('LoadLimitRestorationPeriod', u32),
      supplyState: one('LoadLimitSupplyState', oneOf('Disable', 'Unchanged')),
    },
    useCases: [
      {
        useCase: 'ECS28a',
        targets: ESME,
        fields: (i) => {
          const activationTime = formatCosemDateTimeText(cosemExecutionDateTime(i.execution));
          return {
            loadLimitSupplyStateOnExceed: { valuePassive: i.body.supplyState === 'Disable', activationTime },
            loadLimitPowerThreshold: { valuePassive: i.body.threshold, activationTime },
            loadLimitPeriod: { valuePassive: i.body.period, activationTime },
            loadLimitRestorationPeriod: { valuePassive: i.body.restoration, activationTime },
          };
        },
      },
    ],
  }),
  deviceSrv<unknown>('6.4.2', {
    useCases: [{ useCase: 'ECS28b', targets: ESME, fields: () => ({ loadLimitCounter: { reset: 0 } }) }],
  }),
  deviceSrv<MdReset>('6.18.2', {
    body: Object.fromEntries(MD_REGISTERS.map(([key, element]) => [key, opt(element, empty)])),
    useCases: [{ useCase: 'ECS57', targets: ESME, fields: ecs57 }],
  }),
  deviceSrv<BillingCalendar>('6.8', {
    choice: {
      calendar: choice({ ElectricityBillingCalendar: ELECTRICITY, GasBillingCalendar: GAS_CALENDAR }),
    },
    useCases: [
      { useCase: 'ECS30', targets: ESME, when: elecMonthly, whenText: 'Monthly', fields: elecFields },
      {
        useCase: 'ECS30a',
        targets: ESME,
        when: (b) => isElec(b) && !elecMonthly(b),
        whenText: 'Daily, Weekly, Quarterly, SixMonthly, Yearly',
        fields: elecFields,
      },
      {
        useCase: 'GCS25a',
        targets: GAS,
        when: (b) => !isElec(b),
        whenText: 'GasBillingCalendar',
        fields: gcs25a,
      },
    ],
  }),
  deviceSrv<unknown>('6.2.7', {
    useCases: [
      // ECS40 (GBCS V3.1 use-case tables): get the import MPANs and the export MPAN ECS39a / ECS39b set
      {
        useCase: 'ECS40',
        targets: ESME,
        fields: () => ({ importMpans: { value: null }, exportMpan: { value: null } }),
      },
      {
        useCase: 'GCS46',
        targets: GAS,
        // Read Attributes of the Metering cluster SiteID (0x0307), the MPRN GCS41 (6.20.1) sets
        fields: () => ({ readMetering: {} }),
      },
    ],
  }),
];
