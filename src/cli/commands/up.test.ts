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
