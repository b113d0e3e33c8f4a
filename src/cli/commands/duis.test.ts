import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DUIS_DIR } from '../../../test/support/fixtures.ts';

const BIN = new URL('../../../bin/ppmid-relay.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'duis', ...args], { encoding: 'utf8' });

describe('ppmid-relay duis', () => {
  it('signs a template, then verifies, validates and parses it; placeholder signatures fail', () => {
    const keys = join(DUIS_DIR, 'xml-sign-keys');
    const template = join(DUIS_DIR, 'templates', 'CS01a_2.2_SUCCESS_REQUEST_DUIS.XML');
    const signed = run(
      'sign',
      '--key',
      join(keys, 'xml-sign-90B3D51F30010000-ds.key'),
      '--cert',
      join(keys, 'xml-sign-90B3D51F30010000-ds.pem'),
      '--replace',
      template,
    );
    assert.equal(signed.status, 0, signed.stderr);
    const file = join(mkdtempSync(join(tmpdir(), 'duis-cli-')), 'signed.xml');
    writeFileSync(file, signed.stdout);
    const ok = run('verify', '--cert', keys, file);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /valid, signed by 90B3D51F30010000/);
    const bad = run(
      'verify',
      '--cert',
      join(keys, 'xml-sign-90B3D51F30020000-ds.pem'),
      '--cert',
      keys,
      template,
    );
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /DUIS_SIGNATURE_INVALID/);
    const unreplaced = run(
      'sign',
      '--key',
      join(keys, 'xml-sign-90B3D51F30010000-ds.key'),
      '--cert',
      join(keys, 'xml-sign-90B3D51F30010000-ds.pem'),
      template,
    );
    assert.equal(unreplaced.status, 1);
    assert.match(unreplaced.stderr, /already has a ds:Signature .*give --replace/);
    const noKey = run(
      'sign',
      '--key',
      join(keys, 'absent.key'),
      '--cert',
      join(keys, 'absent.pem'),
      template,
    );
    assert.equal(noKey.stderr, `--key: file not found: ${join(keys, 'absent.key')}\n`);
    assert.equal(noKey.status, 1);
    const key = join(keys, 'xml-sign-90B3D51F30010000-ds.key');
    const noCert = run('sign', '--key', key, '--cert', join(keys, 'absent.pem'), template);
    assert.equal(noCert.stderr, `--cert: file not found: ${join(keys, 'absent.pem')}\n`);
    const otherCert = run(
      'sign',
      '--key',
      key,
      '--cert',
      join(keys, 'xml-sign-90B3D51F30020000-ds.pem'),
      template,
    );
    assert.equal(otherCert.status, 1);
    assert.match(
      otherCert.stderr,
      /^--key\/--cert: DUIS_SIGNATURE_INVALID: private key does not match the certificate\n$/,
    );
    assert.equal(run('validate', file).status, 0);
    const parsed = JSON.parse(run('parse', file).stdout);
    assert.equal(parsed.header.requestId.counter, '12884901888');
    assert.equal(run('catalogue').stdout.trim().split('\n').length, 129);
  });
});
