/**
 * Device SRs of auxiliary load control and auxiliary (proportional)
 * controllers on the ESME (DUIS 6.14.3): one declarative row per SRV, as in
 * device-srs.ts. The payloads are the catalogue's DLMS rows (ECS46d); this
 * file only maps DUIS elements to their named fields.
 *
 * Facts used, read off the RTDS Pre-Commands next to the DUIS templates
 * (test/dsp-transform.test.ts compares them byte for byte):
 * - ECS46d writes the auxiliary controller special days table
 *   (0-1:11.0.3.255: one entry per AuxiliaryControllerSpecialDayDefinition,
 *   index and day id = its identifier, the sr:Date as a COSEM date), the
 *   schedule (0-1:12.0.2.255: one entry per AuxiliaryControllerSchedule in
 *   document order, index 1.., enabled, script 0-0:10.0.103.255, validity
 *   window 0xFFFF), then both activation times (immediate all zero, cancel
 *   all not-specified, else the ExecutionDateTime).
 * - The schedule entry's script selector is the ECS47a state script id of
 *   the controller and level with bit 0x80 set: ((0x20 with
 *   InputFromControlledLoad, else 0x10) | N) << 8 | 0x80 | level
 *   (RTDS: N=1 level 0 -> 0x1180, level 50 -> 0x11B2, level 100 -> 0x11E4,
 *   with input 0x2180).
 * - exec_weekdays Monday..Sunday, exec_specdays one bit per special day
 *   definition (in identifier order), set where the schedule lists it.
 */

import type { DeviceType } from '../../../duis/index.ts';
import { formatCosemDateTimeText } from '../../../gbcs/use-cases/cosem-text.ts';
import {
  attrInt,
  empty,
  group,
  int,
  many,
  one,
  oneOf,
  opt,
  timeOfDay,
  type ValueReader,
} from './body-reader.ts';
import { deviceSrv } from './device-srs.ts';
import { cosemDate, DATE_PARTS, dateText } from './duis-date.ts';
import { cosemExecutionDateTime } from './encoding.ts';
import { DspBodyInvalidError } from './errors.ts';
import type { AnySrvTransform, BuildInput } from './rule.ts';

// biome-ignore lint/suspicious/noExplicitAny: body types are per row
type B = any;

const pad = (v: number, w: number) => String(v).padStart(w, '0');

const ESME: DeviceType[] = ['ESME'];

/** sr:Date with an attribute (`identifier` or `index`, 1..20): its id and COSEM date text. */
function indexedDate(attr: string): ValueReader<{ id: number; date: string }> {
  const read = group({ id: attrInt(attr, 1, 20), ...DATE_PARTS });
  return (n, p) => {
    const v = read(n, p);
    return { id: v.id, date: dateText(v) };
  };
}

// ---------------------------------------------------------------- schedules

const WEEK = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
const daysOfWeek = group({
  days: many('DayOfWeekApplicability', group({ day: one('DayOfWeekID', oneOf(...WEEK)) }), 0, 7),
});

const scheduleDatesAndTime = group({
  switchTime: one('SwitchTime', timeOfDay),
  start: one('StartDate', cosemDate),
  end: one('EndDate', cosemDate),
});

/** `hh:mm:ss` COSEM time text of seconds since midnight. */
const timeText = (s: number): string =>
  [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((v) => pad(v, 2)).join(':');

function weekdays(w: { days: { day: string }[] } | undefined, path: string): string {
  const set = new Set<string>();
  for (const d of w?.days ?? []) {
    if (set.has(d.day)) throw new DspBodyInvalidError(`${d.day} given twice`, path);
    set.add(d.day);
  }
  return WEEK.map((d) => (set.has(d) ? '1' : '0')).join('');
}

interface SpecialDay {
  id: number;
  date: string;
}

/** The special days table: one entry per definition, in identifier order (each identifier once). */
function specialDays(defs: SpecialDay[], path: string): SpecialDay[] {
  const sorted = [...defs].sort((a, b) => a.id - b.id);
  sorted.forEach((d, k) => {
    if (k > 0 && sorted[k - 1].id === d.id)
      throw new DspBodyInvalidError(`special day ${d.id} defined twice`, path);
  });
  return sorted;
}

/** exec_specdays: one bit per special day definition, set where `ids` lists it. */
function specdays(ids: number[], defs: SpecialDay[], path: string): string {
  const known = new Set(defs.map((d) => d.id));
  const set = new Set<number>();
  for (const id of ids) {
    if (!known.has(id)) throw new DspBodyInvalidError(`special day ${id} is not defined`, path);
    if (set.has(id)) throw new DspBodyInvalidError(`special day ${id} given twice`, path);
    set.add(id);
  }
  return defs.map((d) => (set.has(d.id) ? '1' : '0')).join('');
}

/** The ALCS / auxiliary controller state script (0-0:10.0.103.255) of controller N at `level`. */
export const auxiliaryControllerScript = (n: number, level: number, input: boolean): number =>
  (((input ? 0x20 : 0x10) | n) << 8) | level;

/** The same script run by a schedule entry (RTDS ECS46d: bit 0x80 set). */
const scheduledScript = (n: number, level: number, input: boolean) =>
  auxiliaryControllerScript(n, level, input) | 0x80;

const STATE_SCRIPTS = '0-0:10.0.103.255';

function scheduleEntry(
  index: number,
  selector: number,
  weekdayBits: string,
  specdayBits: string,
  t: { switchTime: number; start: string; end: string },
) {
  return {
    index,
    enable: true,
    scriptLogicalName: STATE_SCRIPTS,
    scriptSelector: selector,
    switchTime: timeText(t.switchTime),
    validityWindow: 65535,
    execWeekdays: weekdayBits,
    execSpecdays: specdayBits,
    beginDate: t.start,
    endDate: t.end,
  };
}

const activation = (i: BuildInput<B>) => formatCosemDateTimeText(cosemExecutionDateTime(i.execution));

// ---------------------------------------------------------------- 6.14.3

const AUX_SCHEDULE = group({
  action: one(
    'AuxiliaryControllerAction',
    group({
      n: attrInt('auxiliaryControllerN', 1, 5),
      level: one('CommandedStateLevel', int(0, 100)),
      input: opt('InputFromControlledLoad', empty),
    }),
  ),
  specialDays: many('SpecialDaysApplicability', group({ id: attrInt('identifier', 1, 20) }), 0, 20),
  week: opt('DaysOfWeekApplicability', daysOfWeek),
  when: one('AuxiliaryControllerSchedulePeriodAndTime', scheduleDatesAndTime),
});

function ecs46d(i: BuildInput<B>) {
  const b = i.body;
  const defs = specialDays(b.specialDayDefinitions.days, 'AuxiliaryControllerSpecialDayDefinitions');
  const at = activation(i);
  return {
    auxiliaryControllerSpecialDays: {
      entries: defs.map((d) => ({ index: d.id, specialDayDate: d.date, dayId: d.id })),
    },
    auxiliaryControllerSchedule: {
      entries: (b.schedules as B[]).map((s, k) => {
        const path = `AuxiliaryControllerSchedule[${k + 1}]`;
        return scheduleEntry(
          k + 1,
          scheduledScript(s.action.n, s.action.level, s.action.input === true),
          weekdays(s.week, `${path}/DaysOfWeekApplicability`),
          specdays(
            (s.specialDays as { id: number }[]).map((d) => d.id),
            defs,
            `${path}/SpecialDaysApplicability`,
          ),
          s.when,
        );
      }),
    },
    auxiliaryControllerSpecialDaysActivation: { activationTime: at },
    auxiliaryControllerScheduleActivation: { activationTime: at },
  };
}

export const AUX_LOAD_SRV_TRANSFORMS: readonly AnySrvTransform[] = [
  deviceSrv<B>('6.14.3', {
    futureDating: 'device',
    body: {
      schedules: many('AuxiliaryControllerSchedule', AUX_SCHEDULE, 0, 120),
      specialDayDefinitions: one(
        'AuxiliaryControllerSpecialDayDefinitions',
        group({ days: many('AuxiliaryControllerSpecialDayDefinition', indexedDate('identifier'), 0, 20) }),
      ),
    },
    useCases: [{ useCase: 'ECS46d', targets: ESME, fields: ecs46d }],
  }),
];
