/**
 * DSP schedules (DUIS 5.1 Create Schedule, type DSPSchedule), pure: reading
 * a schedule, its run times on the UTC calendar, and the device Service
 * Request body the DSP sends at each run. The clock-driven part is
 * scheduler.ts; docs/dsp.md "DSP schedules".
 *
 * One row per DSPSchedule choice (`SCHEDULED_SRS`): the XSD's scheduled
 * element, the device SRV it stands for and that SR's body element. A
 * log read (ReadLogPeriodOffset) becomes a ReadLogPeriod whose start and end
 * are the run's UTC date plus the day offsets, at the given times.
 */
import { child, type DuisNode, type DuisResponseCode, el } from '../../duis/index.ts';
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';

export type ScheduleFrequency = 'Daily' | 'Weekly' | 'Monthly' | 'Quarterly' | 'Half-Yearly' | 'Yearly';

interface ScheduledSr {
  /** The DSPSchedule choice element. */
  element: string;
  srv: string;
  /** The device SR's body element. */
  body: string;
  /** Log reads carry a period (ReadLogPeriodOffset); the others are empty (DSPReadData). */
  log: boolean;
  /** The SR's body may carry KAPublicSecurityCredentials (an Unknown Remote Party read). */
  urp: boolean;
}

/** The DSPSchedule choices of the XSD (DUIS V5.4), one row each. */
export const SCHEDULED_SRS: readonly ScheduledSr[] = Object.freeze(
  (
    [
      ['DSPRetrieveImportDailyReadLog', '4.6.1', 'RetrieveImportDailyReadLog', true, true],
      ['DSPRetrieveExportDailyReadLog', '4.6.2', 'RetrieveExportDailyReadLog', true, false],
      ['DSPReadActiveImportProfileData', '4.8.1', 'ReadActiveImportProfileData', true, true],
      ['DSPReadReactiveImportProfileData', '4.8.2', 'ReadReactiveImportProfileData', true, false],
      ['DSPReadExportProfileData', '4.8.3', 'ReadExportProfileData', true, false],
      ['DSPReadNetworkData', '4.10', 'ReadNetworkData', true, true],
      ['DSPReadMaximumDemandImportRegisters', '4.12.1', 'ReadMaximumDemandImportRegisters', false, false],
      ['DSPReadMaximumDemandExportRegisters', '4.12.2', 'ReadMaximumDemandExportRegisters', false, false],
      ['DSPReadPrepaymentDailyReadLog', '4.14', 'ReadPrepaymentDailyReadLog', true, true],
      ['DSPReadLoadLimitData', '4.15', 'ReadLoadLimitData', false, false],
      ['DSPReadActivePowerImport', '4.16', 'ReadActivePowerImport', false, false],
      ['DSPRetrieveDailyConsumptionLog', '4.17', 'RetrieveDailyConsumptionLog', true, true],
      ['DSPRecordNetworkDataGAS', '14.1', 'RecordNetworkDataGAS', false, false],
      ['DSPReadInstantaneousExportRegisters', '4.2', 'ReadInstantaneousExportRegisters', false, false],
    ] as const
  ).map(([element, srv, body, log, urp]) => ({ element, srv, body, log, urp })),
);

/** A 5.1 schedule, read. Times are UTC epoch ms. */
export interface ScheduleSpec {
  frequency: ScheduleFrequency;
  /** ScheduleStartDate, 00:00 UTC. */
  startDate: number;
  /** ScheduleEndDate, 00:00 UTC (runs on that day still count). */
  endDate?: number;
  /** ScheduleExecutionStartTime as ms after midnight UTC (default 0). */
  timeOfDayMs: number;
  srv: string;
  serviceReference: string;
  device: Eui;
  sr: ScheduledSr;
  /** The scheduled element (its offsets for a log read). */
  choice: DuisNode;
  kaCredential?: string;
}

/** Why a DSPSchedule is refused (PROVISIONAL codes of the XSD's E0501xx list). */
export class ScheduleError extends Error {
  constructor(
    readonly code: DuisResponseCode,
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleError';
  }
}

const DAY = 86_400_000;
const FREQUENCY_MONTHS: Readonly<Record<ScheduleFrequency, number>> = {
  Daily: 0,
  Weekly: 0,
  Monthly: 1,
  Quarterly: 3,
  'Half-Yearly': 6,
  Yearly: 12,
};

const text = (n: DuisNode, name: string): string | undefined => child(n, name)?.text?.trim();

function date(s: string | undefined, what: string): number {
  const m = s === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$/.exec(s);
  if (!m) throw new ScheduleError('E050105', `${what} "${s}" is not a date`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

/** An xs:time as ms after midnight UTC (an offset moves it; the result is taken modulo a day). */
export function timeOfDayMs(s: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))?$/.exec(s.trim());
  if (!m) throw new ScheduleError('E050105', `"${s}" is not a time`);
  let ms =
    (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000 + Math.round(Number(m[4] ?? 0) * 1000);
  if (m[6]) ms -= (m[6] === '-' ? -1 : 1) * (Number(m[7]) * 60 + Number(m[8])) * 60_000;
  return ((ms % DAY) + DAY) % DAY;
}

/** Reads a DSPSchedule (the 5.1 body, or a stored copy). */
export function readSchedule(b: DuisNode): ScheduleSpec {
  const frequency = text(b, 'ScheduleFrequency') as ScheduleFrequency;
  if (!(frequency in FREQUENCY_MONTHS))
    throw new ScheduleError('E050105', `ScheduleFrequency "${frequency}" is not a DUIS frequency`);
  const startDate = date(text(b, 'ScheduleStartDate'), 'ScheduleStartDate');
  const end = text(b, 'ScheduleEndDate');
  const endDate = end === undefined ? undefined : date(end, 'ScheduleEndDate');
  if (endDate !== undefined && endDate < startDate)
    throw new ScheduleError('E050105', 'ScheduleEndDate is before ScheduleStartDate');
  const t = text(b, 'ScheduleExecutionStartTime');
  const srv = text(b, 'DSPScheduledServiceReferenceVariant') ?? '';
  const serviceReference = text(b, 'DSPScheduledServiceReference') ?? '';
  const sr = SCHEDULED_SRS.find((s) => s.srv === srv);
  if (!sr) throw new ScheduleError('E050102', `SRV ${srv} cannot be DSP scheduled`);
  if (!srv.startsWith(serviceReference) || (srv !== serviceReference && srv[serviceReference.length] !== '.'))
    throw new ScheduleError('E050102', `SRV ${srv} is not of Service Reference ${serviceReference}`);
  const choice = child(b, sr.element);
  if (!choice)
    throw new ScheduleError(
      'E050102',
      `SRV ${srv} is scheduled with ${sr.element}, which the schedule lacks`,
    );
  let device: Eui;
  try {
    device = normaliseEui(text(b, 'DeviceID') ?? '');
  } catch {
    throw new ScheduleError('E050101', 'DeviceID is not an EUI');
  }
  const spec: ScheduleSpec = {
    frequency,
    startDate,
    timeOfDayMs: t === undefined ? 0 : timeOfDayMs(t),
    srv,
    serviceReference,
    device,
    sr,
    choice,
  };
  if (endDate !== undefined) spec.endDate = endDate;
  const ka = text(b, 'KAPublicSecurityCredential');
  if (ka !== undefined) spec.kaCredential = ka;
  if (sr.log) logOffsets(spec); // checks them once, at creation
  return spec;
}

function addMonths(day: number, months: number): number {
  const d = new Date(day);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  // the start day, or the month's last day when it is shorter (31 January -> 28/29 February)
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), last));
}

/** The k-th run (k >= 0) of a schedule, UTC epoch ms. */
export function runAt(spec: ScheduleSpec, k: number): number {
  const months = FREQUENCY_MONTHS[spec.frequency];
  const day =
    months === 0
      ? spec.startDate + k * (spec.frequency === 'Weekly' ? 7 : 1) * DAY
      : addMonths(spec.startDate, k * months);
  return day + spec.timeOfDayMs;
}

/** The first run at or after `t`, or undefined once the schedule has ended. */
export function nextRunAt(spec: ScheduleSpec, t: number): number | undefined {
  const first = runAt(spec, 0);
  let k = 0;
  if (t > first) {
    // a lower bound of the runs before t (a month is at most 31 days), then step up
    const months = FREQUENCY_MONTHS[spec.frequency];
    const step = spec.frequency === 'Daily' ? DAY : spec.frequency === 'Weekly' ? 7 * DAY : 31 * DAY * months;
    k = Math.max(0, Math.floor((t - first) / step) - 1);
    while (runAt(spec, k) < t) k++;
  }
  const at = runAt(spec, k);
  if (spec.endDate !== undefined && at >= spec.endDate + DAY) return undefined;
  return at;
}

function logOffsets(spec: ScheduleSpec): { start: number; startMs: number; end: number; endMs: number } {
  const c = spec.choice;
  const num = (name: string): number => {
    const v = text(c, name);
    if (v === undefined || !/^(-?\d+|\+?0)$/.test(v) || Number(v) > 0)
      throw new ScheduleError('E050105', `${spec.sr.element}/${name} "${v}" is not a day offset <= 0`);
    return Number(v);
  };
  const time = (name: string): number => {
    const v = text(c, name);
    if (v === undefined) throw new ScheduleError('E050105', `${spec.sr.element}/${name} is missing`);
    return timeOfDayMs(v);
  };
  const o = {
    start: num('StartDateOffset'),
    startMs: time('StartTime'),
    end: num('EndDateOffset'),
    endMs: time('EndTime'),
  };
  if (o.start * DAY + o.startMs > o.end * DAY + o.endMs)
    throw new ScheduleError('E050105', `${spec.sr.element}: the period ends before it starts`);
  return o;
}

/** The device SR body the DSP sends at the run `at` (the DUIS body element of the scheduled SRV). */
export function runBody(spec: ScheduleSpec, at: number): DuisNode {
  const kids: DuisNode[] = [];
  if (spec.sr.log) {
    const o = logOffsets(spec);
    const day = Math.floor(at / DAY) * DAY;
    kids.push(
      el('ReadLogPeriod', [
        el('StartDateTime', new Date(day + o.start * DAY + o.startMs).toISOString()),
        el('EndDateTime', new Date(day + o.end * DAY + o.endMs).toISOString()),
      ]),
    );
    if (spec.sr.urp && spec.kaCredential !== undefined)
      kids.push(el('KAPublicSecurityCredentials', spec.kaCredential));
  }
  return el(spec.sr.body, kids);
}
