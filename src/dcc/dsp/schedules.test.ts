import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { el } from '../../duis/index.ts';
import {
  nextRunAt,
  readSchedule,
  runAt,
  runBody,
  SCHEDULED_SRS,
  ScheduleError,
  timeOfDayMs,
} from './schedules.ts';

const DAY = 86_400_000;
function body(freq: string, start: string, extra: { end?: string; time?: string } = {}) {
  const kids = [el('ScheduleFrequency', freq), el('ScheduleStartDate', start)];
  if (extra.end) kids.push(el('ScheduleEndDate', extra.end));
  if (extra.time) kids.push(el('ScheduleExecutionStartTime', extra.time));
  kids.push(
    el('DSPScheduledServiceReference', '4.6'),
    el('DSPScheduledServiceReferenceVariant', '4.6.1'),
    el('DeviceID', '00-DB-12-34-56-78-90-A1'),
    el('DSPRetrieveImportDailyReadLog', [
      el('StartDateOffset', '-2'),
      el('StartTime', '23:30:00Z'),
      el('EndDateOffset', '0'),
      el('EndTime', '00:00:00.00Z'),
    ]),
  );
  return el('CreateSchedule', kids);
}

describe('DSP schedule maths (schedules.ts)', () => {
  it('one row per DSPSchedule choice of the XSD (14)', () => {
    assert.equal(SCHEDULED_SRS.length, 14);
    assert.equal(new Set(SCHEDULED_SRS.map((s) => s.srv)).size, 14);
  });

  it('xs:time with and without offsets', () => {
    assert.equal(timeOfDayMs('01:30:00Z'), 5_400_000);
    assert.equal(timeOfDayMs('01:30:00.50'), 5_400_500);
    assert.equal(timeOfDayMs('01:30:00+02:00'), DAY - 1_800_000);
    assert.throws(() => timeOfDayMs('1:30'), ScheduleError);
  });

  it('daily, weekly and monthly runs; month ends clamp; the end date is inclusive', () => {
    const d = readSchedule(body('Daily', '2026-01-02', { time: '01:30:00Z', end: '2026-01-04' }));
    assert.equal(nextRunAt(d, 0), Date.parse('2026-01-02T01:30:00Z'));
    assert.equal(nextRunAt(d, Date.parse('2026-01-02T01:30:00Z') + 1), Date.parse('2026-01-03T01:30:00Z'));
    assert.equal(nextRunAt(d, Date.parse('2026-01-04T01:30:00Z')), Date.parse('2026-01-04T01:30:00Z'));
    assert.equal(nextRunAt(d, Date.parse('2026-01-04T01:30:01Z')), undefined);
    const w = readSchedule(body('Weekly', '2026-01-02'));
    assert.equal(nextRunAt(w, Date.parse('2026-01-03T00:00:00Z')), Date.parse('2026-01-09T00:00:00Z'));
    const m = readSchedule(body('Monthly', '2026-01-31'));
    assert.equal(runAt(m, 1), Date.parse('2026-02-28T00:00:00Z'));
    assert.equal(runAt(m, 2), Date.parse('2026-03-31T00:00:00Z'));
    assert.equal(nextRunAt(m, Date.parse('2036-05-01T00:00:00Z')), Date.parse('2036-05-31T00:00:00Z'));
    const y = readSchedule(body('Yearly', '2024-02-29'));
    assert.equal(runAt(y, 1), Date.parse('2025-02-28T00:00:00Z'));
    const q = readSchedule(body('Quarterly', '2026-01-15'));
    assert.equal(nextRunAt(q, Date.parse('2026-02-01T00:00:00Z')), Date.parse('2026-04-15T00:00:00Z'));
  });

  it("a run's body: the log period from the run date and the offsets", () => {
    const d = readSchedule(body('Daily', '2026-01-02', { time: '01:30:00Z' }));
    const b = runBody(d, Date.parse('2026-01-10T01:30:00Z'));
    assert.equal(b.name, 'RetrieveImportDailyReadLog');
    const p = b.children[0]!;
    assert.equal(p.children[0]!.text, '2026-01-08T23:30:00.000Z');
    assert.equal(p.children[1]!.text, '2026-01-10T00:00:00.000Z');
  });

  it('refusals carry their PROVISIONAL codes', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as ScheduleError).code;
      }
      return 'none';
    };
    assert.equal(
      code(() => readSchedule(body('Hourly', '2026-01-02'))),
      'E050105',
    );
    assert.equal(
      code(() => readSchedule(body('Daily', '2026-01-05', { end: '2026-01-01' }))),
      'E050105',
    );
    const wrongVariant = body('Daily', '2026-01-02');
    const kids = wrongVariant.children.map((c) =>
      c.name === 'DSPScheduledServiceReferenceVariant' ? el(c.name, '4.8.1') : c,
    );
    assert.equal(
      code(() => readSchedule(el('CreateSchedule', kids))),
      'E050102',
    );
  });
});
