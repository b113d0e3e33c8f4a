/** `ppmid-relay sim`, spawned as a user runs it: scenarios, a tiny run, compare, merge, and refusals (issue 16). */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli as run } from './support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'cli-sim-'));
/** the data directory of the running system, where `sim run` notes its last report for the start page */
const data = join(dir, 'data');
const runCli = (args: string[]) => run(args, { env: { ...process.env, PPMID_DATA_DIR: data } });

describe('ppmid-relay sim', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the built-in scenarios', () => {
    const r = runCli(['sim', 'scenarios']);
    assert.equal(r.status, 0, r.stderr);
    for (const n of ['benefit', 'buffers', 'attack', 'han-load'])
      assert.match(r.stdout, new RegExp(`^${n} `, 'm'));
  });

  it('refuses an invalid scenario file naming the field, and a run that cannot fit its memory budget', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'kind: buffers\nwan:\n  meanDownHours: -1\n');
    const r = runCli(['sim', 'run', '--scenario', bad, '--out', join(dir, 'x')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.yaml\.wan\.meanDownHours must be a number/);
    const big = runCli([
      'sim',
      'run',
      '--scenario',
      'benefit',
      '--homes',
      '1000000',
      '--out',
      join(dir, 'y'),
    ]);
    assert.equal(big.status, 1);
    assert.match(big.stderr, /a slice of 1000000 homes needs about \d+ MB of heap/);
    assert.ok(!existsSync(join(dir, 'y')), 'nothing started');
    for (const [opt, v, msg] of [
      ['--homes', '0', /--homes must be a whole number of at least 1, got "0"/],
      ['--days', 'abc', /--days must be a number of days above 0, got "abc"/],
      ['--workers', '0', /--workers must be a whole number of at least 1, got "0"/],
    ] as const) {
      const z = runCli(['sim', 'run', '--scenario', 'attack', opt, v, '--out', join(dir, 'z')]);
      assert.equal(z.status, 1, `${opt} ${v}`);
      assert.match(z.stderr, msg);
      assert.ok(!existsSync(join(dir, 'z')), `${opt} ${v}: nothing started`);
    }
  });

  it('runs shards, merges them and compares the result with a run of the whole', () => {
    const sc = join(dir, 'tiny.json');
    writeFileSync(
      sc,
      JSON.stringify({
        kind: 'benefit',
        name: 'tiny',
        wan: { intermittentShare: 0.5, noneShare: 0, meanUpHours: 1, meanDownHours: 1 },
        workload: { topUpsPerHomeDay: 48, readsPerHomeDay: 0 },
        arms: [{ name: 'auto', route: 'auto' }],
      }),
    );
    const common = [
      'sim',
      'run',
      '--scenario',
      sc,
      '--homes',
      '2',
      '--days',
      '0.02',
      '--seed',
      'cli',
      '--quiet',
    ];
    const s0 = runCli([...common, '--shard', '0/2', '--out', join(dir, 's0')]);
    assert.equal(s0.status, 0, s0.stderr);
    assert.match(s0.stdout, /report: .*s0\/report\.html/);
    const s1 = runCli([...common, '--shard', '1/2', '--out', join(dir, 's1')]);
    assert.equal(s1.status, 0, s1.stderr);
    const m = runCli(['sim', 'merge', join(dir, 's0'), join(dir, 's1'), '--out', join(dir, 'm')]);
    assert.equal(m.status, 0, m.stderr);
    const whole = runCli([...common, '--shards', '2', '--out', join(dir, 'w')]);
    assert.equal(whole.status, 0, whole.stderr);
    assert.equal(
      readFileSync(join(dir, 'm', 'report.json'), 'utf8'),
      readFileSync(join(dir, 'w', 'report.json'), 'utf8'),
    );
    for (const f of ['report.html', 'onTimeByGroup.csv', 'perf.json'])
      assert.ok(existsSync(join(dir, 'm', f)), f);
    const last = JSON.parse(readFileSync(join(data, 'sim', 'last-report.json'), 'utf8'));
    assert.equal(last.dir, join(dir, 'w'), 'the start page links the last report');
    const c = runCli(['sim', 'compare', join(dir, 's0'), join(dir, 'm')]);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /onTimeShare/);
    const dup = runCli(['sim', 'merge', join(dir, 's0'), join(dir, 's0'), '--out', join(dir, 'd')]);
    assert.equal(dup.status, 1);
    assert.match(dup.stderr, /shard 0 is in two of the reports/);
    const part = runCli(['sim', 'merge', join(dir, 's1'), '--out', join(dir, 'p')]);
    assert.equal(part.status, 0, part.stderr);
    assert.match(part.stderr, /^note: only shard\(s\) 1 of 2: missing 0; the figures cover those slices/);
    assert.equal(m.stderr, '', 'a complete merge says nothing more');
    assert.match(runCli(['sim', 'run', '--help']).stdout, /slice i of N, i from 0 to N-1/);
  });
});
