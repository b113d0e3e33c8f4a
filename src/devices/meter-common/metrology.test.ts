import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  accrue,
  entriesBetween,
  HALF_HOUR_MS,
  halfHourAmount,
  type LoadModel,
  newLog,
  newMetrology,
  recordConsumption,
} from './metrology.ts';

const MODEL: LoadModel = { meanPerHalfHour: { a: 100, r: 20 }, seed: 'meter-1' };
const T0 = Date.UTC(2026, 0, 5, 0, 10);

function run(steps: number[]): { total: Record<string, number>; entries: Array<Record<string, number>> } {
  const m = newMetrology(T0, 1000);
  const total: Record<string, number> = {};
  for (const t of steps) accrue(m, MODEL, t, (c, a) => (total[c] = (total[c] ?? 0) + a));
  return { total, entries: m.logs.profile!.entries };
}

describe('metrology: consumption over virtual time', () => {
  it('the same end time gives the same registers and log, however often accrual ran', () => {
    const end = T0 + 10 * HALF_HOUR_MS + 7 * 60_000;
    const once = run([end]);
    const often = run(Array.from({ length: 200 }, (_, i) => T0 + Math.round(((i + 1) * (end - T0)) / 200)));
    assert.deepEqual(often, once);
    assert.equal(
      once.entries.length,
      10,
      'ten half hours closed (the first from 00:00, where the meter started)',
    );
    // a whole half hour holds exactly the model's amount; the registers got every closed entry and the open part
    const first = Math.floor(T0 / HALF_HOUR_MS);
    for (let i = 1; i < 10; i++) assert.equal(once.entries[i]!.a, halfHourAmount(MODEL, 'a', first + i));
    const closed = once.entries.reduce((s, e) => s + e.a!, 0);
    assert.ok(once.total.a! >= closed && once.total.a! < closed + halfHourAmount(MODEL, 'a', first + 10) + 1);
  });

  it('amounts vary by half hour and meter but average near the mean', () => {
    const days = 28 * 48;
    let sum = 0;
    const seen = new Set<number>();
    for (let i = 0; i < days; i++) {
      const v = halfHourAmount(MODEL, 'a', 1_000_000 + i);
      sum += v;
      seen.add(v);
    }
    assert.ok(Math.abs(sum / days - 100) < 5, `mean ${sum / days}`);
    assert.ok(seen.size > 50);
    const other = { ...MODEL, seed: 'meter-2' };
    const differs = Array.from({ length: 48 }, (_, i) => 1_000_000 + i).filter(
      (i) => halfHourAmount(MODEL, 'a', i) !== halfHourAmount(other, 'a', i),
    );
    assert.ok(differs.length > 24, 'another meter has its own load');
  });

  it('a sampling log stops at its maximum; a clock set back accrues nothing until time passes again; outside consumption lands in the open interval', () => {
    const m = newMetrology(T0, 1000);
    m.logs.s = newLog(360_000, T0, 5, 3);
    let total = 0;
    accrue(m, MODEL, T0 + 3_600_000, (_c, a) => (total += a));
    assert.equal(m.logs.s!.entries.length, 3);
    const before = total;
    accrue(m, MODEL, T0 + 1_000_000, (_c, a) => (total += a));
    assert.equal(total, before, 'set back: nothing');
    recordConsumption(m, 'x', 7, T0 + 3_600_000);
    accrue(m, null, T0 + 3_600_000 + HALF_HOUR_MS, () => {});
    const rows = entriesBetween(m.logs.profile!, T0 + 3_000_000, Number.POSITIVE_INFINITY);
    assert.equal(rows.at(-1)!.values.x, 7);
  });
});
