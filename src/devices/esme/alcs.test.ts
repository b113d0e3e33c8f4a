/**
 * The ESME's ALCS switches in time (alcs.ts, issue 12), on virtual time:
 * the calendar ECS46c writes switches at its times, a timed ECS47 ends by
 * itself, an untimed one holds until a reset; every change is in the ALCS
 * event log (read by ECS35f, entries as GBCS defines them), the output state (read by ECS61a) and the
 * ESME event log, and raises 0x8131 / 0x811A to the supplier. Commands are
 * RTDS ones with new fields and fresh counters (test-rig.test-support.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../gbcs/index.ts';
import { decodeAlert } from '../../gbcs/use-cases/index.ts';
import { ALCS_SWITCH_FAILURE, ALCS_SWITCH_SUCCESS, alcsLogTime } from './alcs.ts';
import { ALCS_SCRIPT_TABLE, type ScheduleEntry } from './alcs-calendar.ts';
import { esmeTestRig, type Fields } from './test-rig.test-support.ts';

const rig = esmeTestRig();

const ECS46D = 'ECS46d_6.14.3_IMMEDIATE_ALCS_SUCCESS_COMMAND_GBCS.HEX';
const ECS47 = 'ECS47Activate_7.5_SUCCESS_COMMAND_GBCS.HEX';
const ECS61A = 'ECS61a_7.7_ALL_OPTIONALS_SUCCESS_COMMAND_GBCS.HEX';
const ECS35F = 'ECS35f_6.13_SUCCESS_COMMAND_GBCS.HEX';
/** ECS35g (0x00FD, Read Auxiliary Controller Event Log): the RTDS command is the network operator's */
const ECS35G = 'ECS35g_6.13_SUCCESS_COMMAND_GBCS.HEX';
const T0 = Date.UTC(2015, 0, 1); // the rig's start (RTDS time), a Thursday
const hhmm = (h: number, m = 0) => T0 + (h * 60 + m) * 60_000;

function entry(index: number, selector: number, switchTime: string): ScheduleEntry {
  return {
    index,
    enable: true,
    scriptLogicalName: ALCS_SCRIPT_TABLE,
    scriptSelector: selector,
    switchTime,
    validityWindow: 65535,
    execWeekdays: '1111111',
    execSpecdays: '0000',
    beginDate: '****-**-**',
    endDate: '****-**-**',
  };
}

const HCALCS_3 = '00DB123456789099';
/** an activation time of all zero: now (GBCS) */
const NOW = '0000-00-00T00:00:00 dow=0';

function meter() {
  const m = rig.meter();
  const send = rig.changedSender(m, 1n << 41n);
  const ok = (...a: Parameters<typeof send>) => {
    const r = send(...a);
    assert.equal(r.ev?.reason, 'OK', `${a[0]}: ${r.ev?.reason} ${JSON.stringify(r.ev?.detail)}`);
    return r;
  };
  /** ECS46c (in the envelope of the RTDS ECS46d): the next calendar activated now, and switch 3 an HCALCS */
  const writeCalendar = (schedule: ScheduleEntry[]) =>
    ok(ECS46D, () => {}, {
      useCase: 'ECS46c',
      fields: {
        alcsDeviceId3: { value: HCALCS_3 },
        auxiliaryControllerSpecialDays: { entries: [] },
        auxiliaryControllerSchedule: { entries: schedule },
        auxiliaryControllerScheduleActivation: { activationTime: NOW },
        auxiliaryControllerSpecialDaysActivation: { activationTime: NOW },
      },
    });
  /** ECS47 running `script` with `minutes` in the selector (the Duration) */
  const ecs47 = (script: number, minutes: number) =>
    ok(ECS47, (f: Fields) => {
      f.alcsStateScripts!.execute = script;
      f.alcsStateScriptSelector!.value = minutes;
    });
  /** ECS61a (7.7): the output state of switch n (ECS61e reads no output state: GBCS later use-case table) */
  const state = (n: number) => {
    const { fields } = send(ECS61A, () => {}, {
      useCase: 'ECS61a',
      fields: {
        ...Object.fromEntries(
          [1, 2, 3, 4, 5].flatMap((k) => [
            [`alcsLabel${k}`, { value: null }],
            [`alcsDeviceId${k}`, { value: null }],
            [`alcs${k}`, { outputState: null }],
          ]),
        ),
        alcsSpecialDays: { entries: null },
        alcsSchedule: { entries: null },
      },
    });
    return (fields[`alcs${n}`]!.outputState as { value: unknown }).value;
  };
  /** ECS35f: the ALCS event log entries since `from` */
  const alcsLog = (from: number) => {
    const { fields } = send(ECS35F, (f) => {
      const range = f.alcsEventLog!.buffer as { fromValue: number; toValue: number };
      range.fromValue = alcsLogTime(from);
      range.toValue = 0xffff_ffff;
    });
    const buffer = (fields.alcsEventLog!.buffer as { value: { time: number }[] }).value;
    return buffer.filter((e) => e.time >= alcsLogTime(from)) as {
      time: number;
      switchNumberAndAction: number;
      outcome: number;
      hanCommandId: number;
    }[];
  };
  /** ECS35f (supplier) or ECS35g (network operator): the entries the meter answers for [from, to] */
  const readLog = (cmd: string, from: number, to: number) => {
    const { ev, fields } = send(cmd, (f) => {
      const range = f.alcsEventLog!.buffer as { fromValue: number; toValue: number };
      range.fromValue = alcsLogTime(from);
      range.toValue = alcsLogTime(to);
    });
    assert.equal(ev?.reason, 'OK', `${cmd}: ${ev?.reason}`);
    return (fields.alcsEventLog!.buffer as { result: string; value: unknown[] }).value;
  };
  /** the alert codes the meter sent since the last call (its alert-sent events) */
  let seen = 0;
  const alerts = () => {
    const sent = m.esme.events.filter((e) => e.kind === 'alert-sent');
    const fresh = sent.slice(seen);
    seen = sent.length;
    return fresh.map((e) => Number.parseInt((e.detail as { alertCode: string }).alertCode, 16));
  };
  return { ...m, writeCalendar, ecs47, state, alcsLog, readLog, alerts };
}

describe('ESME ALCS in time (calendar, timed switches, log and alerts)', () => {
  it('the calendar ECS46c writes switches at its times on the virtual clock: output, ALCS event log, 0x8131, next switching', () => {
    const m = meter();
    m.writeCalendar([entry(1, 0x0102, '07:00:00'), entry(2, 0x0101, '22:00:00')]);
    assert.equal(m.esme.alcs.nextCalendarSwitching(), hhmm(7));
    m.alerts();
    m.clock.runUntil(hhmm(6, 59));
    assert.equal(m.state(1), true, 'the RTDS state until 07:00');
    m.clock.runUntil(hhmm(7));
    assert.deepEqual(m.alerts(), [ALCS_SWITCH_SUCCESS]);
    assert.equal(m.state(1), false);
    assert.deepEqual(m.alcsLog(hhmm(7)), [
      { time: alcsLogTime(hhmm(7)), switchNumberAndAction: 0x0102, outcome: 1, hanCommandId: 0 },
    ]);
    assert.equal(m.esme.alcs.nextCalendarSwitching(), hhmm(22));
    m.clock.runUntil(hhmm(24 + 7));
    assert.deepEqual(m.alerts(), [ALCS_SWITCH_SUCCESS, ALCS_SWITCH_SUCCESS], '22:00 on, 07:00 off again');
    assert.deepEqual(
      m
        .alcsLog(hhmm(8))
        .map((e) => [e.time, (e as unknown as { switchNumberAndAction: number }).switchNumberAndAction]),
      [
        [alcsLogTime(hhmm(22)), 0x0101],
        [alcsLogTime(hhmm(24 + 7)), 0x0102],
      ],
    );
    const own = m.esme.stateView.eventLog.filter((e) => e.code === ALCS_SWITCH_SUCCESS);
    assert.equal(own.length, 3, 'each change in the ESME event log');
  });

  it('an HCALCS the meter cannot reach: the calendar still records the state, and 0x811A is logged and raised', () => {
    const m = meter();
    m.writeCalendar([entry(1, 0x0302, '08:00:00')]);
    m.alerts();
    m.clock.runUntil(hhmm(8));
    assert.deepEqual(m.alerts(), [ALCS_SWITCH_FAILURE]);
    assert.equal(m.state(3), false);
    assert.equal(m.esme.stateView.eventLog.at(-1)?.code, ALCS_SWITCH_FAILURE);
    const [logged] = m.alcsLog(hhmm(8));
    assert.equal(logged?.switchNumberAndAction, 0x0302, "the schedule entry's script");
    assert.equal(logged?.outcome, 2, 'failure: the command could not be sent');
    assert.equal(logged?.hanCommandId, Math.floor(hhmm(8) / 1000), 'the HAN command id the ESME allocated');
    const counters = m.esme.metrics.snapshot().counters;
    assert.equal(counters['esme.hcalcs.no-link-key'], 1);
  });

  it('a timed ECS47 ends by itself after its Duration and the switch returns to the calendar (logged as 0xNN20)', () => {
    const m = meter();
    m.writeCalendar([entry(1, 0x0102, '07:00:00'), entry(2, 0x0101, '22:00:00')]);
    m.clock.runUntil(hhmm(9));
    m.ecs47(0x0111, 30);
    assert.equal(m.state(1), true);
    m.alerts();
    m.clock.runUntil(hhmm(9, 29));
    assert.equal(m.state(1), true);
    m.clock.runUntil(hhmm(9, 30));
    assert.equal(m.state(1), false, 'the calendar has it off since 07:00');
    assert.deepEqual(m.alerts(), [ALCS_SWITCH_SUCCESS]);
    assert.deepEqual(m.alcsLog(hhmm(9, 30)), [
      { time: alcsLogTime(hhmm(9, 30)), switchNumberAndAction: 0x0120, outcome: 1, hanCommandId: 0 },
    ]);
    // without a calendar a timed switch returns to the state the meter holds without an override (RTDS: on)
    const bare = meter();
    bare.ecs47(0x0412, 5);
    assert.equal(bare.state(4), false);
    bare.clock.advance(5 * 60_000);
    assert.equal(bare.state(4), true);
  });

  it('ECS35g (the network operator) reads the entries the switches wrote, the range applied by the meter, as ECS35f does', () => {
    const m = meter();
    m.writeCalendar([entry(1, 0x0102, '07:00:00')]);
    m.clock.runUntil(hhmm(9));
    m.ecs47(0x0111, 30);
    m.clock.runUntil(hhmm(10));
    const written = [
      { time: alcsLogTime(hhmm(9)), switchNumberAndAction: 0x0111, outcome: 1, hanCommandId: 0 },
      { time: alcsLogTime(hhmm(9, 30)), switchNumberAndAction: 0x0120, outcome: 1, hanCommandId: 0 },
    ];
    assert.deepEqual(m.readLog(ECS35G, hhmm(8), hhmm(10)), written);
    assert.deepEqual(m.readLog(ECS35F, hhmm(8), hhmm(10)), written);
    assert.deepEqual(m.readLog(ECS35G, hhmm(9, 1), hhmm(10)), [written[1]], 'from is inclusive, later only');
    assert.deepEqual(m.readLog(ECS35G, hhmm(9), hhmm(9)), [written[0]], 'to is inclusive');
    assert.deepEqual(m.readLog(ECS35G, hhmm(9, 31), hhmm(10)), []);
  });

  it('an ECS47 without a Duration holds the switch against the calendar until a reset (7.8) returns it to the calendar state', () => {
    const m = meter();
    m.writeCalendar([entry(1, 0x0102, '07:00:00'), entry(2, 0x0101, '22:00:00')]);
    m.clock.runUntil(hhmm(6));
    m.ecs47(0x0111, 0);
    m.clock.runUntil(hhmm(12));
    assert.equal(m.state(1), true, 'the 07:00 switching does not touch an overridden switch');
    assert.equal(m.esme.metrics.snapshot().counters['esme.alcs.calendar.overridden'], 1);
    m.ecs47(0x0120, 0);
    assert.equal(m.state(1), false, 'back to the calendar: off since 07:00');
    m.clock.runUntil(hhmm(22));
    assert.equal(m.state(1), true, 'and the calendar runs it again');
  });

  it('a pending timed switch and the calendar survive a snapshot and restore', () => {
    const m = meter();
    m.writeCalendar([entry(1, 0x0102, '07:00:00')]);
    m.ecs47(0x0211, 90);
    const other = rig.meter();
    other.esme.restore(m.esme.snapshot());
    other.clock.runUntil(hhmm(1, 30));
    assert.equal(
      other.esme.stateView.attributes['alcs2.outputState'],
      undefined,
      'switch 2 back to its RTDS state',
    );
    other.clock.runUntil(hhmm(7));
    assert.equal(other.esme.stateView.attributes['alcs1.outputState'], false, 'the restored calendar ran');
  });

  it('decodes its alerts as the supplier does: a GNCA with the alert code and the time', () => {
    const m = meter();
    m.writeCalendar([entry(1, 0x0102, '07:00:00')]);
    m.up.take();
    m.clock.runUntil(hhmm(7));
    const [sent] = m.up.take();
    assert.ok(sent);
    const ev = m.esme.events.filter((e) => e.kind === 'alert-sent').at(-1)!;
    assert.equal(ev.messageCode, 0x1001);
    const msg = decodeMessage(sent);
    const f = decodeAlert(msg.messageCode, msg.content).fields as { alertCode: number; timestamp: string };
    assert.equal(f.alertCode, ALCS_SWITCH_SUCCESS);
    assert.equal(f.timestamp.slice(0, 19), '2015-01-01T07:00:00');
  });
});
