/**
 * The DSP configuration file's `registration` (meter -> registered supplier,
 * registration.ts): EUIs normalised, a bad EUI or a non-object refused with
 * DSP_CONFIG naming the file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURES } from '../../../test/support/fixtures.ts';
import { loadDspConfig } from './config.ts';
import { DspServiceError } from './errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'dsp-config-'));
const KEYS = join(FIXTURES, 'duis', 'xml-sign-keys');

function write(extra: Record<string, unknown>): string {
  const path = join(
    dir,
    `dsp-${Object.keys(extra).join('-') || 'base'}-${Math.random().toString(36).slice(2)}.json`,
  );
  const cfg = {
    keystore: join(FIXTURES, 'rtds', 'keystore'),
    xmlSigningKey: join(KEYS, 'dsp-xml-sign-90B3D51F30000002-ds.key'),
    xmlSigningCertificate: join(KEYS, 'dsp-xml-sign-90B3D51F30000002-ds.pem'),
    users: [],
    inventory: [],
    ...extra,
  };
  writeFileSync(path, JSON.stringify(cfg));
  return path;
}

describe('DSP config: registration data', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('meter -> supplier, both EUIs normalised; absent: none', () => {
    const cfg = loadDspConfig(
      write({ registration: { '00-db-12-34-56-78-90-a0': '90-B3-D5-1F-30-01-00-00' } }),
    );
    assert.deepEqual(cfg.registration, { '00DB1234567890A0': '90B3D51F30010000' });
    assert.equal(loadDspConfig(write({})).registration, undefined);
  });

  it('a bad EUI or a list is refused (DSP_CONFIG)', () => {
    for (const registration of [{ '00DB1234567890A0': 'not-an-eui' }, ['00DB1234567890A0']]) {
      assert.throws(
        () => loadDspConfig(write({ registration })),
        (e: unknown) =>
          e instanceof DspServiceError && e.code === 'DSP_CONFIG' && /registration/.test(e.message),
      );
    }
  });
});
