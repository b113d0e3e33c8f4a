import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, PpmidRelayError } from '../runtime/errors.ts';
import { errorText, fileProblem } from './errors.ts';

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
};

describe('CLI error text', () => {
  it('says a file-system error as a user reads it', () => {
    const absent = join(tmpdir(), 'ppmid-relay-no-such-file');
    assert.equal(errorText(thrown(() => readFileSync(absent))), `file not found: ${absent}`);
    assert.equal(errorText(thrown(() => readdirSync(absent))), `directory not found: ${absent}`);
    assert.equal(
      errorText(thrown(() => readFileSync(tmpdir()))),
      'a directory was given where a file belongs',
    );
    assert.equal(fileProblem(new Error('plain')), null);
  });

  it('prefixes typed errors with their code, but not configuration errors', () => {
    assert.equal(errorText(new PpmidRelayError('GBCS_MALFORMED', 'bad')), 'GBCS_MALFORMED: bad');
    assert.equal(errorText(new ConfigError('--x must be 1')), '--x must be 1');
    assert.equal(errorText('text'), 'text');
  });
});
