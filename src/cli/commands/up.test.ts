import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../../test/support/cli.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { systemOptionsFrom } from './up.ts';

describe('up options', () => {
  it('an unknown --workload is a configuration error naming the value', () => {
    assert.throws(
      () => systemOptionsFrom({ workload: 'heavy' }),
      (e: unknown) =>
        e instanceof ConfigError && e.message === '--workload must be one of none, light, busy, got "heavy"',
    );
  });

  it('--check without a home or without the supplier and estate is refused before anything starts', () => {
    const data = join(mkdtempSync(join(tmpdir(), 'up-check-')), 'data');
    const env = { ...process.env, PPMID_DATA_DIR: data };
    const none = runCli(['up', '--check', '--homes', '0'], { env });
    assert.equal(none.status, 1);
    assert.equal(none.stderr, 'ppmid-relay: --check needs at least one home (--homes 1 or more)\n');
    const dspOnly = runCli(['up', '--check', '--parties', 'dsp'], { env });
    assert.equal(dspOnly.status, 1);
    assert.match(dspOnly.stderr, /--check needs the supplier and the estate in this process/);
    assert.equal(existsSync(data), false, 'no data directory made');
  });
});

describe('estate options', () => {
  it('estate --help offers only what the estate process uses (its own ports, no --no-xsd)', () => {
    const help = runCli(['estate', '--help']);
    assert.equal(help.status, 0);
    for (const used of [
      '--start-port',
      '--wan-port',
      '--mqtt-port',
      '--gsme-poll',
      '--workload',
      '--test-api',
    ])
      assert.ok(help.stdout.includes(used), `${used} listed`);
    for (const unused of ['--supplier-port', '--dsp-port', '--chm-port', '--no-xsd'])
      assert.ok(!help.stdout.includes(unused), `${unused} not listed`);
    const refused = runCli(['estate', '--dsp-port', '9000', '--plan']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /unknown option '--dsp-port'/);
    const up = runCli(['up', '--help']);
    for (const all of ['--supplier-port', '--dsp-port', '--chm-port', '--no-xsd'])
      assert.ok(up.stdout.includes(all), `up lists ${all}`);
  });
});
