/**
 * The ALCS calendar (alcs-calendar.ts): which switch the ALCS schedule
 * switches when, on weekdays, weekends, special days and inside / outside
 * an annual date range, on the RTDS reference schedule and on small tables.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALCS_SCRIPT_TABLE,
  calendarState,
  nextSwitchings,
  type ScheduleEntry,
  type SpecialDay,
  switchingsOfDay,
} from './alcs-calendar.ts';
import { getAttribute } from './attribute-store.ts';

const RTDS = { attributes: {} };
const rtdsEntries = getAttribute(RTDS, 'alcsSchedule.entries') as ScheduleEntry[];
const rtdsSpecial = getAttribute(RTDS, 'alcsSpecialDays.entries') as SpecialDay[];

const at = (iso: string) => Date.parse(`${iso}Z`);
const day = (iso: string) => at(`${iso}T00:00:00`);
const brief = (xs: { at: number; n: number; on: boolean }[]) =>
  xs.map((x) => `${new Date(x.at).toISOString().slice(11, 16)} ${x.n}${x.on ? '+' : '-'}`);

function entry(
  index: number,
  selector: number,
  time: string,
  more: Partial<ScheduleEntry> = {},
): ScheduleEntry {
  return {
    index,
    enable: true,
    scriptLogicalName: ALCS_SCRIPT_TABLE,
    scriptSelector: selector,
    switchTime: time,
    validityWindow: 65535,
    execWeekdays: '1111111',
    execSpecdays: '0000',
    beginDate: '****-**-**',
    endDate: '****-**-**',
    ...more,
  };
}

describe('ALCS calendar', () => {
  it('the RTDS schedule: switch 1 07:00 on / 11:00 off every day; switch 2 in summer 18-22 on weekdays, 14-22 at weekends', () => {
    // 2015-01-05 is a Monday in winter
    assert.deepEqual(brief(switchingsOfDay(day('2015-01-05'), rtdsEntries, rtdsSpecial)), [
      '07:00 1+',
      '11:00 1-',
    ]);
    // 2015-07-01 Wednesday in summer; 2015-07-04 Saturday
    assert.deepEqual(brief(switchingsOfDay(day('2015-07-01'), rtdsEntries, rtdsSpecial)), [
      '07:00 1+',
      '11:00 1-',
      '18:00 2+',
      '22:00 2-',
    ]);
    assert.deepEqual(brief(switchingsOfDay(day('2015-07-04'), rtdsEntries, rtdsSpecial)), [
      '07:00 1+',
      '11:00 1-',
      '14:00 2+',
      '22:00 2-',
    ]);
  });

  it('a special day runs the entries whose execSpecdays bit for its day id is set, not the weekday ones', () => {
    // 2015-08-31 (a Monday) is RTDS special day 4: entries 5 and 6 (execSpecdays 1111) run, entries 1-4 (0000) do not
    assert.deepEqual(brief(switchingsOfDay(day('2015-08-31'), rtdsEntries, rtdsSpecial)), [
      '14:00 2+',
      '22:00 2-',
    ]);
    // Christmas (****-12-25, day id 1) is outside the summer range of entries 5 and 6: nothing switches
    assert.deepEqual(switchingsOfDay(day('2016-12-25'), rtdsEntries, rtdsSpecial), []);
  });

  it('a date range whose begin is after its end wraps over the year end; a disabled or non-ALCS entry never runs', () => {
    const winter = [entry(1, 0x0301, '06:30:00', { beginDate: '****-11-01', endDate: '****-02-28' })];
    assert.equal(switchingsOfDay(day('2027-12-15'), winter, []).length, 1);
    assert.equal(switchingsOfDay(day('2027-01-15'), winter, []).length, 1);
    assert.equal(switchingsOfDay(day('2027-06-15'), winter, []).length, 0);
    const other = [
      entry(1, 0x0301, '06:30:00', { enable: false }),
      entry(2, 0x0301, '06:30:00', { scriptLogicalName: '0-0:10.0.100.255' }),
      entry(3, 0x1164, '06:30:00'),
      entry(4, 0x0301, '**:30:00'),
    ];
    assert.deepEqual(switchingsOfDay(day('2027-06-15'), other, []), []);
    assert.deepEqual(nextSwitchings(other, [], day('2027-06-15')), []);
  });

  it('next switchings: the first instant after `after`, every entry due then in index order; the state it last gave a switch', () => {
    const table = [entry(2, 0x0102, '22:00:00'), entry(1, 0x0101, '07:00:00'), entry(3, 0x0201, '07:00:00')];
    assert.deepEqual(brief(nextSwitchings(table, [], at('2027-03-01T06:59:59'))), ['07:00 1+', '07:00 2+']);
    assert.deepEqual(brief(nextSwitchings(table, [], at('2027-03-01T07:00:00'))), ['22:00 1-']);
    assert.equal(nextSwitchings(table, [], at('2027-03-01T22:00:00'))[0]!.at, at('2027-03-02T07:00:00'));
    assert.equal(calendarState(table, [], 1, at('2027-03-01T12:00:00')), true);
    assert.equal(calendarState(table, [], 1, at('2027-03-01T23:00:00')), false);
    assert.equal(calendarState(table, [], 1, at('2027-03-02T06:00:00')), false, 'from the day before');
    assert.equal(calendarState(table, [], 4, at('2027-03-02T06:00:00')), undefined, 'never switched');
  });
});
