import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRtds, rtdsTwinName, supportedTemplates } from '../../../test/support/dsp-transform.ts';
import { RTDS_KEYSTORE } from '../../../test/support/fixtures.ts';
import { SUPPORTED_SRVS } from '../../dcc/dsp/transform/index.ts';
import { SERVICE_REQUESTS } from '../../duis/index.ts';
import { parseDeviceOption } from './dsp.ts';

const BIN = new URL('../../../bin/ppmid-relay.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'dsp', ...args], { encoding: 'utf8' });
const RTDS_ARGS = ['--keystore', RTDS_KEYSTORE, '--now', '2015-01-01T00:00:00Z', '--acb-counter', '1302'];

describe('ppmid-relay dsp', () => {
  it('transform --json: the single-element templates give their RTDS bytes; the twin ones with --device ...:twin', () => {
    // the CLI path over the first eleven SRVs (one ACB counter per run); every template is checked
    // byte-exact with its own RTDS counter and inventory in test/dsp-transform.test.ts
    const first = ['1.2.1', '1.6', '2.2', '4.1.1', '6.11', '7.1', '7.2', '7.3', '8.1.1', '8.11', '11.3'];
    const all = supportedTemplates().filter(
      (t) =>
        first.includes(t.srv) &&
        (readRtds(rtdsTwinName(t, 'COMMAND')) || readRtds(rtdsTwinName(t, 'PRECOMMAND'))),
    );
    // CCS01 and CCS02 share the ACB counter of the RTDS (0x516): one run each.
    const groups = [
      all.filter((t) => !t.variant.includes('TWIN') && t.useCase !== 'CCS02'),
      all.filter((t) => t.useCase === 'CCS02'),
    ];
    const twin = all.filter((t) => t.variant.includes('TWIN'));
    const runs = [
      ...groups.map((g) => ({ files: g, extra: [] as string[] })),
      { files: twin, extra: ['--device', '00-DB-12-34-56-78-90-A0=ESME:twin'] },
    ];
    let checked = 0;
    for (const { files, extra } of runs) {
      const r = run('transform', ...RTDS_ARGS, ...extra, '--json', ...files.map((t) => t.path));
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.equal(lines.length, files.length);
      lines.forEach((o, i) => {
        const t = files[i];
        assert.equal(o.ok, true, JSON.stringify(o));
        assert.equal(o.gbcs, readRtds(rtdsTwinName(t, o.critical ? 'PRECOMMAND' : 'COMMAND')), t.file);
        checked++;
      });
    }
    assert.ok(checked >= 26, `${checked}`);
  });

  it('transform prints errors with their code, DUIS Response Code, and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dsp-cli-'));
    const t = supportedTemplates().find((x) => x.file === 'CS01a_2.2_SUCCESS_REQUEST_DUIS.XML')!;
    const bad = join(dir, 'bad-utrn.xml');
    writeFileSync(bad, t.xml.replace('73946144332040217315', '7394614433204021731'));
    const gsme = join(dir, 'to-chf.xml');
    writeFileSync(gsme, t.xml.replace('90-A0:', '90-A2:'));
    const r = run('transform', ...RTDS_ARGS, t.path, bad, gsme, join(dir, 'missing.xml'));
    assert.equal(r.status, 1);
    const out = r.stdout.split('\n');
    assert.match(out[0], /CS01a_2\.2_SUCCESS_REQUEST_DUIS\.XML: 2\.2 CS01a COMMAND/);
    assert.equal(out[1], readRtds('2.2_CS01a/CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX'));
    assert.match(r.stdout, /bad-utrn\.xml: error DSP_BODY_INVALID: .*UTRN/);
    assert.match(r.stdout, /to-chf\.xml: error DSP_DEVICE_TYPE_MISMATCH E11: /);
    assert.match(r.stdout, /missing\.xml: error FILE_UNREADABLE/);
  });

  it('transform refuses bad options', () => {
    const r = run('transform', '--keystore', RTDS_KEYSTORE, '--device', 'A0=WATER', 'x.xml');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--device/);
  });

  it('srs --json lists every SRV of DUIS, supported or refused with a reason, with use cases and CVs', () => {
    const r = run('srs', '--json');
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      rows.map((x) => x.srv),
      SERVICE_REQUESTS.map((d) => d.srv),
    );
    for (const x of rows) {
      assert.equal(typeof x.supported, 'boolean', x.srv);
      if (!x.supported) assert.match(x.reason, /E11/, x.srv);
    }
    for (const srv of SUPPORTED_SRVS) assert.equal(rows.find((x) => x.srv === srv).supported, true, srv);
    const s41 = rows.find((x) => x.srv === '4.1.1');
    assert.deepEqual(s41.commandVariants, [1, 2, 3]);
    assert.deepEqual(
      s41.transform.useCases.map((u: { useCase: string; target: string[] }) => [u.useCase, u.target]),
      [
        ['ECS17b', ['ESME']],
        ['GCS13a', ['GSME', 'GPF']],
      ],
    );
    const s811 = rows.find((x) => x.srv === '8.1.1');
    assert.equal(s811.class, 'critical');
    assert.deepEqual(s811.commandVariants, [4, 5]);
    assert.deepEqual(s811.refused[0].cvs, [6, 7]);
    assert.equal(s811.refused[0].unlessPolicy, 'noWanCommissioning');
    const s111 = rows.find((x) => x.srv === '11.1');
    assert.match(s111.refused[0].reason, /DSP-3/);
    assert.match(run('srs').stdout, /0x0062 ECS70 Set Clock on ESME -> ESME/);
    const only = run('srs', '--json', '--supported').stdout.trim().split('\n');
    assert.equal(only.length, rows.filter((x) => x.supported).length);
    for (const extra of ['--json', '--supported']) {
      const both = run('srs', '--markdown', extra);
      assert.equal(both.status, 1, extra);
      assert.equal(
        both.stderr,
        'ppmid-relay: --markdown prints the whole table: not with --json or --supported\n',
      );
      assert.equal(both.stdout, '');
    }
    const all = rows.every((x) => x.supported);
    assert.match(
      run('srs', '--help').stdout.replace(/\s+/g, ' '),
      all ? /\(all \d+ SRVs of DUIS V5\.4 are answered\)/ : /the others are refused with E11/,
    );
  });

  it('parses --device entries', () => {
    assert.deepEqual(parseDeviceOption('00-db-12-34-56-78-90-a0=esme:twin'), [
      '00DB1234567890A0',
      'ESME',
      'twin',
    ]);
    assert.deepEqual(parseDeviceOption('00DB1234567890A1=GSME'), ['00DB1234567890A1', 'GSME', undefined]);
    assert.throws(() => parseDeviceOption('00DB1234567890A1=GSME:twin'), /ESME only/);
    assert.throws(() => parseDeviceOption('nonsense'), /EUI=TYPE/);
  });
});
