/**
 * SU-1 route planner: WAN classification at and around each threshold over
 * synthetic histories, and the route (Command Variants) per class x critical
 * x enhanced PPMID, table-driven.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { supplierConfig, type WanClass } from './config.ts';
import { chooseRoute, classifyWan, type PremisesHistory, type WanObservation } from './route-planner.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 0, 10);
const cfg = supplierConfig({
  wan: {
    answerWithinMs: 10 * MIN,
    windowCommands: 10,
    windowDays: 7,
    minSamples: 3,
    reliableShare: 0.8,
    absentAfterMs: 24 * HOUR,
  },
}).wan;

/** `n` WAN commands, one per hour back from `NOW - startAgo`, the first `late` answered after `lateBy`, the rest in `fast`. */
function hist(
  n: number,
  o: {
    late?: number;
    lateBy?: number;
    fast?: number;
    unanswered?: number;
    startAgo?: number;
    spacing?: number;
  } = {},
): WanObservation[] {
  const out: WanObservation[] = [];
  const start = o.startAgo ?? HOUR;
  const spacing = o.spacing ?? HOUR;
  for (let i = 0; i < n; i++) {
    const sentAt = NOW - start - i * spacing;
    if (i < (o.unanswered ?? 0)) out.push({ sentAt });
    else if (i < (o.unanswered ?? 0) + (o.late ?? 0))
      out.push({ sentAt, answeredAt: sentAt + (o.lateBy ?? 2 * HOUR) });
    else out.push({ sentAt, answeredAt: sentAt + (o.fast ?? MIN) });
  }
  return out;
}

interface Row {
  name: string;
  history: PremisesHistory;
  expect: WanClass;
}

const ROWS: Row[] = [
  { name: 'no history at all', history: { observations: [] }, expect: 'reliable' },
  {
    name: 'two decided (below minSamples 3), both late',
    history: { observations: hist(2, { late: 2 }) },
    expect: 'reliable',
  },
  { name: 'three decided, all in time', history: { observations: hist(3) }, expect: 'reliable' },
  {
    name: 'three decided, one late: 66.7 % < 80 %',
    history: { observations: hist(3, { late: 1 }) },
    expect: 'intermittent',
  },
  {
    name: 'ten decided, two late: exactly 80 % (at the threshold)',
    history: { observations: hist(10, { late: 2 }) },
    expect: 'reliable',
  },
  {
    name: 'ten decided, three late: 70 % (just below)',
    history: { observations: hist(10, { late: 3 }) },
    expect: 'intermittent',
  },
  {
    name: 'answered exactly at T counts as in time',
    history: { observations: hist(5, { fast: 10 * MIN }) },
    expect: 'reliable',
  },
  {
    name: 'answered 1 ms after T is late',
    history: { observations: hist(5, { fast: 10 * MIN + 1 }) },
    expect: 'intermittent',
  },
  {
    name: 'only the last N=10 count: 10 recent in time, 10 older late',
    history: { observations: [...hist(10), ...hist(10, { late: 10, startAgo: 11 * HOUR })] },
    expect: 'reliable',
  },
  {
    name: 'only the last D=7 days count: old failures outside the window',
    history: { observations: [...hist(3), ...hist(5, { late: 5, startAgo: 8 * DAY })] },
    expect: 'reliable',
  },
  {
    name: 'pending younger than T is not decided (2 decided + 3 pending = too few)',
    history: {
      observations: [
        ...hist(3, { unanswered: 3, startAgo: MIN, spacing: MIN }),
        ...hist(2, { startAgo: HOUR }),
      ],
    },
    expect: 'reliable',
  },
  {
    name: 'unanswered older than T counts as late (3 of 4 in time = 75 %)',
    history: {
      observations: hist(4, { unanswered: 1, startAgo: 20 * MIN }),
      lastWanResponseAt: NOW - 10 * MIN,
    },
    expect: 'intermittent',
  },
  {
    name: 'unanswered for exactly X with no response since: absent (at the threshold)',
    history: { observations: [{ sentAt: NOW - 24 * HOUR }], lastWanResponseAt: NOW - 30 * HOUR },
    expect: 'absent',
  },
  {
    name: 'unanswered for X - 1 ms: not absent yet (1 decided, reliable)',
    history: { observations: [{ sentAt: NOW - 24 * HOUR + 1 }], lastWanResponseAt: NOW - 30 * HOUR },
    expect: 'reliable',
  },
  {
    name: 'unanswered for X but another response came over the WAN since: not absent',
    history: {
      observations: [{ sentAt: NOW - 25 * HOUR }, ...hist(3, { late: 3, startAgo: 26 * HOUR })],
      lastWanResponseAt: NOW - 2 * HOUR,
    },
    expect: 'intermittent',
  },
  {
    name: 'never any WAN response, a command waiting 2 days: absent',
    history: { observations: [{ sentAt: NOW - 2 * DAY }] },
    expect: 'absent',
  },
  // SU-1 from day one: the installation (DUIS 8.14.1 / 8.14.2) before any delivery history.
  {
    name: 'installed with no SM WAN (8.14.2), no history: none',
    history: { observations: [], installation: { smWan: 'none', endedAt: NOW - DAY } },
    expect: 'none',
  },
  {
    name: 'installed with no SM WAN, the commissioning 8.11 answered over the WAN at the end of installation: none',
    history: {
      observations: [{ sentAt: NOW - DAY - MIN, answeredAt: NOW - DAY }],
      lastWanResponseAt: NOW - DAY,
      installation: { smWan: 'none', endedAt: NOW - DAY },
    },
    expect: 'none',
  },
  {
    name: 'installed with no SM WAN, unanswered WAN commands: still none (not absent)',
    history: {
      observations: hist(5, { unanswered: 5, startAgo: 2 * DAY }),
      installation: { smWan: 'none', endedAt: NOW - 3 * DAY },
    },
    expect: 'none',
  },
  {
    name: 'installed with no SM WAN, a response over the WAN 1 ms after installation: the history decides',
    history: {
      observations: hist(3),
      lastWanResponseAt: NOW - DAY + 1,
      installation: { smWan: 'none', endedAt: NOW - DAY },
    },
    expect: 'reliable',
  },
  {
    name: 'installed with no SM WAN, WAN came later and is late 3 of 3: intermittent',
    history: {
      observations: hist(3, { late: 3 }),
      lastWanResponseAt: NOW - HOUR,
      installation: { smWan: 'none', endedAt: NOW - DAY },
    },
    expect: 'intermittent',
  },
  {
    name: 'installed with an SM WAN (8.14.1), no history: reliable (no evidence against it)',
    history: { observations: [], installation: { smWan: 'connected', endedAt: NOW - DAY } },
    expect: 'reliable',
  },
  {
    name: 'installed with an SM WAN, a WAN command unanswered for X: absent',
    history: {
      observations: [{ sentAt: NOW - 2 * DAY }],
      installation: { smWan: 'connected', endedAt: NOW - 3 * DAY },
    },
    expect: 'absent',
  },
];

describe('SU-1 classifyWan (thresholds T=10 min, N=10, D=7 d, minSamples 3, share 80 %, X=24 h)', () => {
  for (const r of ROWS) {
    it(`${r.name} -> ${r.expect}`, () => {
      const c = classifyWan(r.history, NOW, cfg);
      assert.equal(c.wanClass, r.expect, c.reasons.join('; '));
      assert.ok(c.reasons.length > 0);
    });
  }

  it('says why a premises is none, and why it no longer is', () => {
    const inst = { smWan: 'none' as const, endedAt: NOW - DAY };
    const none = classifyWan({ observations: [], installation: inst }, NOW, cfg);
    assert.match(none.reasons.join(' '), /8\.14\.2.*no response has ever arrived over the WAN/);
    const later = classifyWan(
      { observations: hist(3), lastWanResponseAt: NOW - HOUR, installation: inst },
      NOW,
      cfg,
    );
    assert.match(later.reasons[0], /installed without an SM WAN, but a response arrived over the WAN/);
  });

  it('reports its statistics', () => {
    const c = classifyWan({ observations: hist(10, { late: 3 }) }, NOW, cfg);
    assert.deepEqual(
      { window: c.stats.window, decided: c.stats.decided, inTime: c.stats.inTime, share: c.stats.share },
      { window: 10, decided: 10, inTime: 7, share: 0.7 },
    );
  });
});

describe('SU-1 chooseRoute: class x critical x enhanced PPMID', () => {
  const table: Array<[string, WanClass, boolean, string, number[]]> = [
    // srv, class, has PPMID -> route, CVs
    ['2.2', 'reliable', false, 'wan', [1]],
    ['2.2', 'intermittent', false, 'wan', [1]],
    ['2.2', 'absent', false, 'wan', [1]],
    ['2.2', 'reliable', true, 'wan', [1]],
    ['2.2', 'intermittent', true, 'race', [3]],
    ['2.2', 'absent', true, 'ppmid', [2]],
    ['7.1', 'reliable', false, 'wan', [4, 5]],
    ['7.1', 'intermittent', false, 'wan', [4, 5]],
    ['7.1', 'absent', false, 'wan', [4, 5]],
    ['7.1', 'reliable', true, 'wan', [4, 5]],
    ['7.1', 'intermittent', true, 'race', [4, 7]],
    ['7.1', 'absent', true, 'ppmid', [4, 6]],
    ['2.2', 'none', false, 'wan', [1]],
    ['2.2', 'none', true, 'ppmid', [2]],
    ['7.1', 'none', false, 'wan', [4, 5]],
    ['7.1', 'none', true, 'ppmid', [4, 6]],
  ];
  for (const [srv, cls, ppmid, route, cvs] of table) {
    it(`${srv} (${srv === '7.1' ? 'critical' : 'non-critical'}), WAN ${cls}, ${ppmid ? 'with' : 'without'} PPMID -> ${route} CV ${cvs.join('->')}`, () => {
      const d = chooseRoute({ srv, wanClass: cls, hasEnhancedPpmid: ppmid, futureDated: false });
      assert.equal(d.route, route);
      assert.deepEqual(d.commandVariants, cvs);
      assert.equal(d.deliveringCv, cvs[cvs.length - 1]);
      assert.equal(d.critical, srv === '7.1');
      assert.ok(d.reasons.length > 0);
    });
  }

  it('8.1.1 Commission Device never goes locally (DSP-3: CV 4, 5 only)', () => {
    const d = chooseRoute({ srv: '8.1.1', wanClass: 'absent', hasEnhancedPpmid: true, futureDated: false });
    assert.deepEqual(d.commandVariants, [4, 5]);
    assert.match(d.reasons[0], /DSP-3/);
  });

  it('future-dated work is not offered for local delivery', () => {
    const d = chooseRoute({ srv: '4.1.1', wanClass: 'absent', hasEnhancedPpmid: true, futureDated: true });
    assert.equal(d.route, 'wan');
  });

  it('a command to the CHF goes over the WAN only (CH-2), a forced local route is refused', () => {
    const d = chooseRoute({
      srv: '6.13',
      wanClass: 'absent',
      hasEnhancedPpmid: true,
      futureDated: false,
      targetIsChf: true,
    });
    assert.deepEqual([d.route, d.commandVariants], ['wan', [1]]);
    assert.match(d.reasons[0], /CH-2/);
    assert.throws(
      () =>
        chooseRoute({
          srv: '6.13',
          wanClass: 'reliable',
          hasEnhancedPpmid: true,
          futureDated: false,
          targetIsChf: true,
          forced: 'ppmid',
        }),
      /CH-2/,
    );
  });

  it('non-device SRs go to the DCC (CV 8)', () => {
    const d = chooseRoute({ srv: '8.13', wanClass: 'absent', hasEnhancedPpmid: true, futureDated: false });
    assert.deepEqual([d.route, d.commandVariants], ['dcc', [8]]);
  });

  it('a forced route is checked against the premises and the SR', () => {
    assert.equal(
      chooseRoute({
        srv: '2.2',
        wanClass: 'reliable',
        hasEnhancedPpmid: true,
        futureDated: false,
        forced: 'ppmid',
      }).route,
      'ppmid',
    );
    assert.throws(
      () =>
        chooseRoute({
          srv: '2.2',
          wanClass: 'reliable',
          hasEnhancedPpmid: false,
          futureDated: false,
          forced: 'race',
        }),
      { code: 'SUPPLIER_BAD_REQUEST' },
    );
    assert.throws(
      () =>
        chooseRoute({
          srv: '8.1.1',
          wanClass: 'absent',
          hasEnhancedPpmid: true,
          futureDated: false,
          forced: 'ppmid',
        }),
      { code: 'SUPPLIER_BAD_REQUEST' },
    );
    assert.throws(
      () => chooseRoute({ srv: '9.9.9', wanClass: 'absent', hasEnhancedPpmid: true, futureDated: false }),
      {
        code: 'SUPPLIER_BAD_REQUEST',
      },
    );
  });
});
