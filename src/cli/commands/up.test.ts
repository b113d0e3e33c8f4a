import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
