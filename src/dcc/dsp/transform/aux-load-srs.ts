/**
 * Device SRs of auxiliary load control and auxiliary (proportional)
 * controllers on the ESME (DUIS 6.14.2, 6.14.3, 7.5, 7.6, 7.8, 7.9, 7.10, 7.12, 7.13,
 * 7.16; the reads 7.4, 7.7, 7.11, 7.14, 7.15 are readSrv rows of
 * device-srs.ts): one declarative row per SRV, as in device-srs.ts. The
 * payloads are the catalogue's DLMS rows (ECS46c, ECS46d, ECS47, ECS47a, ECS47e,
 * ECS62) and the script ids gbcs/use-cases/alcs-scripts.ts; this file only
 * maps DUIS elements to their named fields.
 *
 * Which use case each SRV produces (docs/dsp-transform.md "Auxiliary loads"):
 * - 7.5 Activate, 7.6 Deactivate, 7.8 Reset Auxiliary Load: ECS47 "Set or
 *   Reset HC ALCS or ALCS State", one use case with three scripts (switch N
 *   on, off, back to calendar control); the selector 0-0:94.44.117.1 carries
 *   the Duration (RTDS ECS47Activate: 30), 0 for Reset, which has none.
 *   The later GBCS withdraws ECS47 and gives that OBIS to controller 1's
 *   ECS47a setting period start (cosem-objects.ts OBIS_REUSED_ACROSS_VERSIONS):
 *   each builder writes its own row's object.
 * - 7.9 Add / 7.10 Remove Auxiliary Load to / from Boost Button: ECS62, the
 *   five boost button associations (Add: the value as given; Remove: its
 *   negation, RTDS ECS62Remove).
 * - 7.12 Set Randomised Offset Limit: ECS38 (RTDS).
 * - 7.13 Set Auxiliary Controller State: ECS47a (RTDS, GBCS later table);
 *   7.16 Limit APC Level: ECS47e (GBCS later use-case table, c5d22f4e,
 *   esme-gbcs.ts), the same DUIS body on the APC limit period objects and
 *   its own script object, a cap rather than a state. GBCS lets only the
 *   Load Controller send ECS47e, which no DUIS User Role is: the DSP's role
 *   check refuses 7.16 for every user before this transform (access.ts).
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
 *
 * 6.14.2 (ECS46c, GBCS V3.1's table, esme-gbcs.ts) writes one identity per
 * SwitchTypeAndId (HCALCS: its EUI; ALCS: all zero, as the RTDS ECS61a
 * response holds switches 1, 3, 4, 5) and the next ALCS calendar (channel
 * 1, as ECS46d: index and day id = the special day's `index`; schedule
 * entries in document order, script 0-0:10.0.103.255 with the scheduled
 * switch script 0xNN01 on / 0xNN02 off, alcs-scripts.ts, the selectors the
 * RTDS ECS61a schedule holds) with both activation times as ECS46d sets
 * them (immediate all zero, cancel all not-specified, else the
 * ExecutionDateTime): GBCS lets the device future-date ECS46c, and the ESME
 * runs the activation at its time (esme/handlers/aux-calendar.ts).
 */

import type { DeviceType } from '../../../duis/index.ts';
import { encodeAlcsScript } from '../../../gbcs/use-cases/alcs-scripts.ts';
import { formatCosemDateTimeText } from '../../../gbcs/use-cases/cosem-text.ts';
import {
  alt,
  attrInt,
  bool,
  dateTime,
  empty,
  eui,
  group,
  int,
  many,
  one,
  opt,
  timeOfDay,
  type ValueReader,
} from './body-reader.ts';
import { deviceSrv } from './device-srs.ts';
import { cosemDate, DATE_PARTS, dateText } from './duis-date.ts';
import { cosemCommandDateTime, cosemExecutionDateTime } from './encoding.ts';
import { DspBodyInvalidError } from './errors.ts';
import type { AnySrvTransform, BuildInput } from './rule.ts';
import { daysOfWeek, type SpecialDay, specdays, specialDays, timeText, weekdays } from './schedule-body.ts';

// biome-ignore lint/suspicious/noExplicitAny: body types are per row
type B = any;

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

const scheduleDatesAndTime = group({
  switchTime: one('SwitchTime', timeOfDay),
  start: one('StartDate', cosemDate),
  end: one('EndDate', cosemDate),
});

/** The state script of controller N at `level` run by a schedule entry (RTDS ECS46d: bit 0x80 set). */
const scheduledScript = (n: number, level: number, input: boolean) =>
  encodeAlcsScript({ kind: 'controller', n, level, input, scheduled: true });

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

/**
 * The entries of a body's schedule list (`element`, for error paths): each
 * entry's script from `scriptOf`, its weekdays, special days and time window.
 */
function scheduleEntries(schedules: B[], defs: SpecialDay[], element: string, scriptOf: (s: B) => number) {
  return schedules.map((s, k) => {
    const path = `${element}[${k + 1}]`;
    return scheduleEntry(
      k + 1,
      scriptOf(s),
      weekdays(s.week, `${path}/DaysOfWeekApplicability`),
      specdays(
        (s.specialDays as { id: number }[]).map((d) => d.id),
        defs,
        `${path}/SpecialDaysApplicability`,
      ),
      s.when,
    );
  });
}

const activation = (i: BuildInput<B>) => formatCosemDateTimeText(cosemExecutionDateTime(i.execution));

// ---------------------------------------------------------------- 7.5 / 7.6 / 7.8 ECS47

/** An ECS47 SRV: switch N (the element's `index`) on, off or back to calendar control. */
function switchSrv(
  srv: string,
  element: string,
  action: 'activate' | 'deactivate' | 'reset',
): AnySrvTransform {
  const index = attrInt('index', 1, 5);
  const reader =
    action === 'reset' ? group({ index }) : group({ index, duration: one('Duration', int(0, 65535)) });
  return deviceSrv<B>(srv, {
    body: { sw: one(element, reader) },
    useCases: [
      {
        useCase: 'ECS47',
        targets: ESME,
        fields: (i) => ({
          alcsStateScriptSelector: { value: i.body.sw.duration ?? 0 },
          alcsStateScripts: { execute: encodeAlcsScript({ kind: 'switch', n: i.body.sw.index, action }) },
        }),
      },
    ],
  });
}

// ---------------------------------------------------------------- 7.9 / 7.10 ECS62

const SWITCHES = [1, 2, 3, 4, 5] as const;

/** An ECS62 SRV: the five boost button associations, each `associated(element value)`. */
function boostButtonSrv(srv: string, element: string, associated: (v: boolean) => boolean): AnySrvTransform {
  const index = attrInt('index', 1, 5);
  return deviceSrv<B>(srv, {
    body: {
      entries: many(
        element,
        (n, p) => ({ index: index.read(n.attributes.index ?? '', `${p}/@index`), value: bool(n, p) }),
        5,
        5,
      ),
    },
    useCases: [
      {
        useCase: 'ECS62',
        targets: ESME,
        fields: (i) => {
          const out: Record<string, { value: boolean }> = {};
          for (const e of i.body.entries as { index: number; value: boolean }[]) {
            const key = `boostButtonAlcs${e.index}`;
            if (out[key]) throw new DspBodyInvalidError(`index ${e.index} given twice`, element);
            out[key] = { value: associated(e.value) };
          }
          return Object.fromEntries(SWITCHES.map((n) => [`boostButtonAlcs${n}`, out[`boostButtonAlcs${n}`]]));
        },
      },
    ],
  });
}

// ---------------------------------------------------------------- 7.13 / 7.16 ECS47a / ECS47e

const cosemText = (d: Date, path: string): string => formatCosemDateTimeText(cosemCommandDateTime(d, path));

/**
 * 7.13 (ECS47a) and 7.16 (ECS47e, alias ECS47b): the period of controller N
 * (GBCS later use-case table, c5d22f4e: ECS47a's setting period
 * 0-0:94.44.(116+N).1 / .2 and script 0-0:10.0.103.255; ECS47e's APC limit
 * period .3 / .4 and script 0-0:10.0.107.255), only N's pair present, then
 * the script id of GBCS 7.3.6.1 (alcs-scripts.ts). The ESME checks the
 * period (end after start, at most 24 hours); the DSP refuses an end before
 * the start.
 */
function controllerStateSrv(srv: string, useCase: 'ECS47a' | 'ECS47e'): AnySrvTransform {
  const [start, end, scripts] =
    useCase === 'ECS47a'
      ? (['auxControllerSettingStart', 'auxControllerSettingEnd', 'alcsStateScripts'] as const)
      : (['apcLimitStart', 'apcLimitEnd', 'apcLimitScripts'] as const);
  return deviceSrv<B>(srv, {
    body: {
      controller: attrInt('auxiliaryControllerN', 1, 5),
      start: one('StartDateTime', dateTime),
      end: one('EndDateTime', dateTime),
      level: one('CommandedStateLevel', int(0, 100)),
      input: opt('InputFromControlledLoad', empty),
    },
    useCases: [
      {
        useCase,
        targets: ESME,
        fields: (i) => {
          const n = i.body.controller as number;
          if (i.body.end.getTime() < i.body.start.getTime())
            throw new DspBodyInvalidError('EndDateTime is before StartDateTime', 'EndDateTime');
          return {
            [`${start}${n}`]: { value: cosemText(i.body.start, 'StartDateTime') },
            [`${end}${n}`]: { value: cosemText(i.body.end, 'EndDateTime') },
            [scripts]: {
              execute: encodeAlcsScript({
                kind: 'controller',
                n,
                level: i.body.level,
                input: i.body.input === true,
                scheduled: false,
              }),
            },
          };
        },
      },
    ],
  });
}

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
      entries: scheduleEntries(b.schedules, defs, 'AuxiliaryControllerSchedule', (s) =>
        scheduledScript(s.action.n, s.action.level, s.action.input === true),
      ),
    },
    auxiliaryControllerSpecialDaysActivation: { activationTime: at },
    auxiliaryControllerScheduleActivation: { activationTime: at },
  };
}

// ---------------------------------------------------------------- 6.14.2

const ALCS_SCHEDULE = group({
  sw: one(
    'ActivateDeactivateSwitch',
    group({ n: attrInt('index', 1, 5), act: alt({ ActivateSwitch: empty, DeactivateSwitch: empty }) }),
  ),
  specialDays: many('SpecialDaysApplicability', group({ id: attrInt('index', 1, 20) }), 0, 20),
  week: opt('DaysOfWeekApplicability', daysOfWeek),
  when: one('ALCSScheduleDatesAndTime', scheduleDatesAndTime),
});

const SWITCH_ID = group({ n: attrInt('index', 1, 5), type: alt({ ALCS: empty, HCALCS: eui }) });

/**
 * The identity ECS61a returns for a switch: an HCALCS's EUI, all zero for an ALCS (RTDS ECS61a). The
 * object may also hold FF (an APC) or nothing (GBCS later table, cosem-objects.ts); DUIS 6.14.2's
 * SwitchTypeAndId names only ALCS or HCALCS, so the DSP writes one of these two.
 */
const ALCS_ID = '0000000000000000';

function ecs46c(i: BuildInput<B>) {
  const b = i.body;
  const defs = specialDays(b.specialDays.days, 'ALCSHCALCSSpecialDays');
  const ids: Record<string, { value: string }> = {};
  for (const t of b.switches as { n: number; type: { which: string; value: unknown } }[]) {
    const key = `alcsDeviceId${t.n}`;
    if (ids[key]) throw new DspBodyInvalidError(`switch ${t.n} given twice`, 'SwitchTypeAndId');
    ids[key] = { value: t.type.which === 'HCALCS' ? (t.type.value as string) : ALCS_ID };
  }
  return {
    ...Object.fromEntries(
      SWITCHES.filter((n) => ids[`alcsDeviceId${n}`]).map((n) => [
        `alcsDeviceId${n}`,
        ids[`alcsDeviceId${n}`],
      ]),
    ),
    auxiliaryControllerSpecialDays: {
      entries: defs.map((d) => ({ index: d.id, specialDayDate: d.date, dayId: d.id })),
    },
    auxiliaryControllerSchedule: {
      entries: scheduleEntries(b.schedules, defs, 'ALCSHCALCSConnectionSchedule', (s) =>
        encodeAlcsScript({
          kind: 'scheduledSwitch',
          n: s.sw.n,
          action: s.sw.act.which === 'ActivateSwitch' ? 'activate' : 'deactivate',
        }),
      ),
    },
    auxiliaryControllerScheduleActivation: { activationTime: activation(i) },
    auxiliaryControllerSpecialDaysActivation: { activationTime: activation(i) },
  };
}

export const AUX_LOAD_SRV_TRANSFORMS: readonly AnySrvTransform[] = [
  deviceSrv<B>('6.14.2', {
    futureDating: 'device',
    body: {
      schedules: many('ALCSHCALCSConnectionSchedule', ALCS_SCHEDULE, 1, 48),
      specialDays: one(
        'ALCSHCALCSSpecialDays',
        group({ days: many('ALCSHCALCSSpecialDay', indexedDate('index'), 0, 20) }),
      ),
      switches: many('SwitchTypeAndId', SWITCH_ID, 0, 5),
    },
    useCases: [{ useCase: 'ECS46c', targets: ESME, fields: ecs46c }],
  }),
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
  switchSrv('7.5', 'ActivateALCSHCALCS', 'activate'),
  switchSrv('7.6', 'DeactivateALCSHCALCS', 'deactivate'),
  switchSrv('7.8', 'ResetALCSHCALCS', 'reset'),
  boostButtonSrv('7.9', 'AddToBoostButton', (add) => add),
  boostButtonSrv('7.10', 'RemoveFromBoostButton', (remove) => !remove),
  deviceSrv<B>('7.12', {
    body: { limit: one('RandomisedOffsetLimit', int(0, 1799)) },
    useCases: [
      {
        useCase: 'ECS38',
        targets: ESME,
        fields: (i) => ({ randomisationOffsetLimit: { value: i.body.limit } }),
      },
    ],
  }),
  controllerStateSrv('7.13', 'ECS47a'),
  controllerStateSrv('7.16', 'ECS47e'),
];
