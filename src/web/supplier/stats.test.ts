/**
 * The supplier console's chart figures from command rows (pure): per route
 * and state, latency CDF by route (quantiles, thinning), states over time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandTimes } from '../../supplier/store.ts';
import { cdf, supplierStats } from './stats.ts';

const T0 = Date.UTC(2026, 0, 1);
const row = (o: Partial<CommandTimes> & Pick<CommandTimes, 'createdAt'>): CommandTimes => ({
  route: 'wan',
  state: 'in-flight',
  terminal: false,
  answeredAt: null,
  updatedAt: o.createdAt,
  ...o,
});

describe('supplier console stats', () => {
  it('counts per route and state, with totals', () => {
    const s = supplierStats(
      [
        { route: 'wan', state: 'responded', n: 3 },
        { route: 'ppmid', state: 'in-flight', n: 2 },
        { route: null, state: 'queued', n: 1 },
      ],
      [],
      T0,
    );
    assert.deepEqual(s.byRouteState, {
      wan: { responded: 3 },
      ppmid: { 'in-flight': 2 },
      none: { queued: 1 },
    });
    assert.deepEqual(s.totals, { responded: 3, 'in-flight': 2, queued: 1 });
    assert.deepEqual(s.overTime.t, []);
  });

  it('latency CDF per route from responded commands only (seconds from creation to response)', () => {
    const times = [
      row({
        createdAt: T0,
        state: 'responded',
        terminal: true,
        answeredAt: T0 + 1_000,
        updatedAt: T0 + 1_000,
      }),
      row({
        createdAt: T0,
        state: 'responded',
        terminal: true,
        answeredAt: T0 + 3_000,
        updatedAt: T0 + 3_000,
      }),
      row({
        createdAt: T0,
        state: 'responded',
        terminal: true,
        answeredAt: T0 + 2_000,
        updatedAt: T0 + 2_000,
      }),
      row({
        createdAt: T0,
        route: 'ppmid',
        state: 'responded',
        terminal: true,
        answeredAt: T0 + 60_000,
        updatedAt: T0 + 60_000,
      }),
      row({ createdAt: T0, state: 'failed', terminal: true, updatedAt: T0 + 500 }),
      row({ createdAt: T0 }),
    ];
    const s = supplierStats([], times, T0 + 120_000);
    assert.deepEqual(
      s.latency.map((l) => [l.route, l.n, l.p50, l.p90]),
      [
        ['ppmid', 1, 60, 60],
        ['wan', 3, 2, 3],
      ],
    );
    assert.deepEqual(s.latency[1].points, [
      { x: 1, y: 0 },
      { x: 1, y: 1 / 3 },
      { x: 2, y: 2 / 3 },
      { x: 3, y: 1 },
    ]);
  });

  it('thins a CDF to at most maxPoints and always ends at 1', () => {
    const v = Array.from({ length: 1000 }, (_, i) => i);
    const c = cdf(v, 100);
    assert.ok(c.length <= 102);
    assert.deepEqual(c[0], { x: 0, y: 0 });
    assert.deepEqual(c[c.length - 1], { x: 999, y: 1 });
    for (let i = 1; i < c.length; i++) assert.ok(c[i].x >= c[i - 1].x && c[i].y > c[i - 1].y);
    assert.deepEqual(cdf([]), []);
  });

  it('states over time: open until finished, then counted in its final state', () => {
    const times = [
      row({
        createdAt: T0,
        state: 'responded',
        terminal: true,
        updatedAt: T0 + 10_000,
        answeredAt: T0 + 10_000,
      }),
      row({ createdAt: T0 + 5_000, state: 'expired', terminal: true, updatedAt: T0 + 30_000 }),
      row({ createdAt: T0 + 20_000 }),
    ];
    const s = supplierStats([], times, T0 + 40_000, { buckets: 4 });
    assert.equal(s.overTime.bucketMs, 10_000);
    assert.deepEqual(s.overTime.t, [T0 + 10_000, T0 + 20_000, T0 + 30_000, T0 + 40_000]);
    assert.deepEqual(s.overTime.series, {
      open: [1, 2, 1, 1],
      responded: [1, 1, 1, 1],
      failed: [0, 0, 0, 0],
      expired: [0, 0, 1, 1],
      'applied-unconfirmed': [0, 0, 0, 0],
    });
    assert.ok(s.states.includes('applied-unconfirmed') && s.states.includes('response-overdue'));
    assert.equal(s.sample, 3);
  });
});
