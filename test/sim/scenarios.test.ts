/**
 * The simulator on small estates with known answers (issue 16), through the
 * whole chain (signed DUIS, ACB MACs, APS-secured HAN, the SM WAN model):
 * - WAN always up: the PPMID route brings no benefit;
 * - WAN always down: nothing reaches the meter on time without PPMIDs, and
 *   with PPMIDs commands do arrive;
 * - a flooding PPMID with CH-7 off saturates its HAN, with CH-7 on it does not,
 *   but CH-7 also holds back the legitimate commands that PPMID relays during the flood;
 * - outages shorter than the buffer lose no response;
 * - the same seed gives the same report.json, and shards merged equal one
 *   run of the same slices.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configureLogging } from '../../src/runtime/logger.ts';
import { BUILT_IN_SCENARIOS, type Scenario, validateScenario } from '../../src/sim/scenario.ts';
import { mergeReports, runScenario } from '../../src/sim/simulate.ts';

configureLogging({ spec: 'error' });
const tmp = () => mkdtempSync(join(tmpdir(), 'sim-test-'));
const fig = (r: Awaited<ReturnType<typeof runScenario>>, arm: string, k: string) => {
  const f = r.figures.find((x) => x.arm === arm);
  assert.ok(f, `arm ${arm}`);
  return f.figures[k];
};

function scenario(kind: Scenario['kind'], o: Record<string, unknown>): Scenario {
  return validateScenario({ kind, name: `${kind}-test`, ...o });
}

describe('sim: scenarios with known answers', () => {
  it('WAN always up: no PPMID benefit', async () => {
    const s = scenario('benefit', {
      wan: { intermittentShare: 0, noneShare: 0 },
      workload: { topUpsPerHomeDay: 24, readsPerHomeDay: 24 },
      arms: [
        { name: 'no-ppmid', route: 'wan' },
        { name: 'race', route: 'race' },
      ],
    });
    const r = await runScenario(s, { homes: 3, days: 0.1, seed: 'up', out: tmp() });
    assert.ok(fig(r, 'no-ppmid', 'orders') > 5, 'orders were placed');
    assert.equal(fig(r, 'no-ppmid', 'onTimeShare'), fig(r, 'no-ppmid', 'appliedShare'));
    assert.ok(r.answer.value <= 0, `benefit ${r.answer.value}`);
    assert.equal(r.answer.unit, 'extra on-time commands per 1,000 homes per day');
  });

  it('WAN always down: 0 % on time without PPMIDs; PPMIDs deliver', async () => {
    const s = scenario('benefit', {
      wan: { intermittentShare: 0, noneShare: 1 },
      workload: { topUpsPerHomeDay: 24, readsPerHomeDay: 24 },
      arms: [
        { name: 'no-ppmid', route: 'wan' },
        { name: 'ppmid-only', route: 'ppmid' },
      ],
    });
    const r = await runScenario(s, { homes: 3, days: 0.1, seed: 'down', out: tmp() });
    assert.ok(fig(r, 'no-ppmid', 'orders') > 5);
    assert.equal(fig(r, 'no-ppmid', 'onTimeShare'), 0);
    assert.equal(fig(r, 'no-ppmid', 'appliedShare'), 0);
    // the first command per home arrives at once; the next wait at the supplier for a response that
    // stays in the CH (CH-4): SU-2 keeps one command in flight per device
    assert.ok(
      fig(r, 'ppmid-only', 'onTimeShare') > 0,
      `ppmid on time ${fig(r, 'ppmid-only', 'onTimeShare')}`,
    );
    // responses wait in the CH (CH-4): none reaches the supplier
    assert.equal(fig(r, 'ppmid-only', 'respondedOnTimeShare'), 0);
    assert.ok(r.answer.value > 0);
  });

  it('attack: with CH-7 off the flood reaches the HAN unchecked; CH-7 discards it and alerts the CSP', async () => {
    const s = scenario('attack', {
      attack: { compromisedHomes: 1, commandsPerMinute: 300, startHour: 0.1, durationHours: 0.15 },
      workload: { topUpsPerHomeDay: 960, readsPerHomeDay: 0 },
    });
    const r = await runScenario(s, { homes: 2, days: 0.015, seed: 'att', out: tmp() });
    const off = fig(r, 'ch7-off', 'attackMaxChannelShare');
    const on = fig(r, 'ch7-on', 'attackMaxChannelShare');
    assert.ok(fig(r, 'ch7-off', 'attackSent') > 2000);
    assert.equal(fig(r, 'ch7-off', 'chfDiscards'), 0, 'nothing stops the flood at the CH');
    assert.ok(
      fig(r, 'ch7-off', 'attackRejectedAtMeter') > 0.9 * fig(r, 'ch7-off', 'attackSent'),
      'the ESME rejects it',
    );
    assert.ok(off > 1.5 * on, `CH-7 off: channel busy ${off}, on: ${on}`);
    assert.ok(
      fig(r, 'ch7-on', 'chfDiscards') > 0.9 * fig(r, 'ch7-on', 'attackSent'),
      'CH-7 discarded the flood',
    );
    assert.ok(r.points[0].arms['ch7-on'].chmAlerts['ppmid-relay-rejected'] > 0, 'the CHM heard about it');
    // CH-7 limits the PPMID, not the flood: the legitimate commands that PPMID relays while it floods
    // are refused with the flood and reach the meter only after it, late; with CH-7 off they get through.
    const during = (arm: string) => r.points[0].arms[arm].byGroup['attacked:during-flood'];
    const n = during('ch7-on').orders;
    assert.ok(n >= 3, `${n} legitimate commands ordered in the attacked home during the flood`);
    assert.equal(during('ch7-off').orders, n, 'both arms order the same commands');
    assert.equal(during('ch7-on').onTime, 0, 'none on time with CH-7 on');
    assert.equal(during('ch7-on').applied, n, 'all applied after the flood');
    assert.equal(during('ch7-off').onTime, n, 'all on time with CH-7 off');
    assert.equal(fig(r, 'ch7-on', 'onTimeShare[scope:other]'), 1, 'the other home is not touched');
    assert.equal(fig(r, 'ch7-off', 'onTimeShare[scope:other]'), 1);
    assert.match(
      r.answer.sentence,
      new RegExp(
        `CH-7 limits the PPMID, not the flood: the ${n} legitimate commands ordered in that home while it flooded .* so 0\\.0 % with CH-7 on against 100\\.0 % off reached the meter on time`,
      ),
    );
  });

  it('buffers: outages the buffer can hold lose no response', async () => {
    const s = scenario('buffers', {
      wan: { intermittentShare: 1, noneShare: 0, meanUpHours: 1, meanDownHours: 0.5 },
      workload: { topUpsPerHomeDay: 48, readsPerHomeDay: 48 },
      arms: [{ name: 'today', route: 'auto', uplinkCapacity: 256 }],
    });
    const r = await runScenario(s, { homes: 3, days: 0.25, seed: 'buffers', out: tmp() });
    assert.ok(fig(r, 'today', 'uplinkMaxDayMax') > 0, 'responses waited in the buffer');
    assert.ok(fig(r, 'today', 'uplinkMaxDayMax') < 256);
    assert.equal(fig(r, 'today', 'lostAtToday'), 0);
    assert.equal(r.points[0].arms.today.chfDiscards['chf.uplink.dropped'] ?? 0, 0);
  });
});

describe('sim: a sweep', () => {
  it('runs every grid point and plots the answer over it', async () => {
    const s = scenario('benefit', {
      workload: { topUpsPerHomeDay: 48, readsPerHomeDay: 0 },
      arms: [
        { name: 'no-ppmid', route: 'wan' },
        { name: 'ppmid', route: 'ppmid' },
      ],
      wan: { intermittentShare: 0 },
      sweep: [{ param: 'wan.noneShare', values: [0, 1] }],
    });
    const out = tmp();
    const r = await runScenario(s, { homes: 2, days: 0.02, seed: 'sweep', out });
    assert.deepEqual(
      r.series.sweep.map((x) => x['wan.noneShare']),
      [0, 1],
    );
    // no WAN: only the PPMID arm delivers, so the benefit grows with the no-WAN share
    assert.ok(
      Number(r.series.sweep[1].value) > Number(r.series.sweep[0].value),
      JSON.stringify(r.series.sweep),
    );
    assert.match(r.answer.sentence, /^At \{"wan.noneShare":0\}/);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /id="plot-sweep"/);
    assert.ok(readFileSync(join(out, 'sweep.csv'), 'utf8').startsWith('wan.noneShare,value\n'));
  });
});

describe('sim: determinism and shards', () => {
  const s = validateScenario({
    ...BUILT_IN_SCENARIOS.benefit,
    wan: { intermittentShare: 0.5, noneShare: 0, meanUpHours: 1, meanDownHours: 1 },
    workload: { topUpsPerHomeDay: 24, readsPerHomeDay: 24 },
    arms: [{ name: 'su1-auto', route: 'auto' }],
  });

  it('the same seed gives the same report.json', async () => {
    const a = tmp();
    const b = tmp();
    await runScenario(s, { homes: 3, days: 0.1, seed: 'same', out: a });
    await runScenario(s, { homes: 3, days: 0.1, seed: 'same', out: b });
    assert.equal(readFileSync(join(a, 'report.json'), 'utf8'), readFileSync(join(b, 'report.json'), 'utf8'));
  });

  it('two shards merged equal one run of the same slices, figure for figure; worker threads too', async () => {
    const one = tmp();
    const s0 = tmp();
    const s1 = tmp();
    const merged = tmp();
    const o = { homes: 4, days: 0.1, seed: 'shards', shardCount: 2 };
    const whole = await runScenario(s, { ...o, out: one });
    await runScenario(s, { ...o, shards: [1], out: s1 });
    await runScenario(s, { ...o, shards: [0], out: s0 });
    const m = await mergeReports([s0, s1], merged);
    assert.deepEqual(m.figures, whole.figures);
    assert.deepEqual(m.answer, whole.answer);
    assert.equal(
      readFileSync(join(merged, 'report.json'), 'utf8'),
      readFileSync(join(one, 'report.json'), 'utf8'),
    );
    await assert.rejects(mergeReports([s0, s0], tmp()), /shard 0 is in two of the reports/);
    // the same slices on two worker threads (both cores)
    const threads = tmp();
    await runScenario(s, { ...o, workers: 2, out: threads });
    assert.equal(
      readFileSync(join(threads, 'report.json'), 'utf8'),
      readFileSync(join(one, 'report.json'), 'utf8'),
    );
  });

  it('worker threads take every arm and slice from one queue: the same report as one thread, CPU counted once', async () => {
    const two = validateScenario({
      ...BUILT_IN_SCENARIOS.benefit,
      wan: { intermittentShare: 0.5, noneShare: 0, meanUpHours: 1, meanDownHours: 1 },
      workload: { topUpsPerHomeDay: 24, readsPerHomeDay: 24 },
      arms: [
        { name: 'no-ppmid', route: 'wan' },
        { name: 'su1-auto', route: 'auto' },
      ],
    });
    const o = { homes: 3, days: 0.1, seed: 'pool', shardCount: 2 };
    const one = tmp();
    const threads = tmp();
    const r1 = await runScenario(two, { ...o, out: one });
    const r2 = await runScenario(two, { ...o, workers: 2, out: threads });
    assert.equal(
      readFileSync(join(threads, 'report.json'), 'utf8'),
      readFileSync(join(one, 'report.json'), 'utf8'),
    );
    for (const r of [r1, r2]) {
      // the slices' CPU is part of the process's over the whole run (a worker's process.cpuUsage()
      // is the whole process's: two slices running at once each counted both)
      const slices = Object.values(r.points[0]!.arms).reduce((a, c) => a + c.setupCpuMs + c.runCpuMs, 0);
      assert.ok(r.elapsed, 'the run measures its own wall and CPU');
      assert.ok(slices > 0 && slices <= r.elapsed.cpuMs + 1e-6, `${slices} <= ${r.elapsed.cpuMs}`);
    }
    const perf = JSON.parse(readFileSync(join(threads, 'perf.json'), 'utf8'));
    assert.equal(
      perf.wallSeconds,
      r2.elapsed!.wallMs / 1000,
      'perf.json: the run wall time, not the slices added up',
    );
    assert.ok(!('elapsed' in JSON.parse(readFileSync(join(threads, 'report.json'), 'utf8'))));
  });
});
