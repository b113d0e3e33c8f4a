/** `ppmid-relay chm import-dsp-log` and `chm report` (and `dsp charges` on a missing store), spawned as a user runs them (CSP-4). */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatLocalDeliveryCsv, parseCsv } from '../src/dcc/dsp/local-delivery-csv.ts';
import { runCli } from './support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'cli-chm-'));
function cli(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, PPMID_LOG: 'warn' };
  delete env.DATABASE_URL;
  return runCli([...args, '--data-dir', dir], { env });
}

describe('ppmid-relay chm', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  const rec = (i: number, user: string) => ({
    requestId: `90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:${i}`,
    user,
    target: '00DB1234567890A0',
    chf: '00DB1234567890A2',
    csp: 'north',
    srv: '7.1',
    cv: 7 as const,
    issuedAt: Date.UTC(2026, 5, 1, 12) + i,
    gbcsSha256: i.toString(16).toUpperCase().padStart(64, '0'),
  });

  it('loads DSP-4 files, refuses a bad one, and prints billing and performance reports', () => {
    const good = join(dir, 'local-delivery-20260601.csv');
    writeFileSync(good, formatLocalDeliveryCsv([rec(1, '90B3D51F30010000'), rec(2, '90B3D51F30030000')]));
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'request_id\r\nx\r\n');
    const r = cli(['chm', 'import-dsp-log', good, bad]);
    assert.equal(r.status, 1, 'one file failed');
    assert.match(r.stdout, /local-delivery-20260601\.csv: 2 rows, 2 added, 0 duplicates/);
    assert.match(r.stderr, /bad\.csv: CHM_IMPORT/);
    assert.match(cli(['chm', 'import-dsp-log', good]).stdout, /already loaded/);

    const bill = cli(['chm', 'report', 'billing', '--csv', '--period', 'day']);
    assert.equal(bill.status, 0, bill.stderr);
    assert.deepEqual(
      parseCsv(bill.stdout)
        .slice(1)
        .map((x) => `${x[0]}:${x[1]}:${x[3]}:${x[7]}`),
      ['2026-06-01:90B3D51F30010000:1:1', '2026-06-01:90B3D51F30030000:1:1'],
    );
    const perf = cli(['chm', 'report', 'performance', '--from', '2026-06-01', '--to', '2026-06-02']);
    assert.equal(perf.status, 0, perf.stderr);
    assert.equal(perf.stdout.trim().split('\n').length, 3);
    assert.match(perf.stdout, /ppmid-delivered-sr\s+00DB1234567890A2/);
    const none = cli(['chm', 'report', 'standalone']);
    assert.equal(none.status, 0);
    assert.equal(cli(['chm', 'report', 'weekly']).status, 1);
    const missing = cli(['chm', 'import-dsp-log', join(dir, 'absent.csv')]);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, `${join(dir, 'absent.csv')}: file not found: ${join(dir, 'absent.csv')}\n`);
  });

  it('a report on a data directory without a store is refused, and makes none', () => {
    const typo = join(dir, 'no-such-data');
    const env: NodeJS.ProcessEnv = { ...process.env, PPMID_LOG: 'warn' };
    delete env.DATABASE_URL;
    const r = runCli(['chm', 'report', 'billing', '--data-dir', typo], { env });
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /^ppmid-relay: no store at .*no-such-data\/ppmid-relay\.sqlite: give the data directory/,
    );
    assert.equal(existsSync(typo), false);
    const d = runCli(['dsp', 'charges'], { env: { ...env, PPMID_DATA_DIR: typo } });
    assert.equal(d.status, 1);
    assert.match(d.stderr, /no store at .*no-such-data/);
    assert.equal(existsSync(typo), false);
  });
});
