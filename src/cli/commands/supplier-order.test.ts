/**
 * `ppmid-relay supplier order` as a real process against a supplier service
 * (loopback HTTP) whose DSP is the test double (real signature checks, the
 * real DSP transform): any SRV of the SRV table with a JSON body; a body that
 * does not fit DUIS is refused naming the field, before anything is sent.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_BIN, REPO_ROOT } from '../../../test/support/cli.ts';
import { DspTestDouble } from '../../../test/support/dsp-test-double.ts';
import {
  addRtdsPremises,
  CHF,
  type SupplierUnderTest,
  startSupplierUnderTest,
} from '../../../test/support/supplier-harness.ts';
import { openTestStore, type TestStore } from '../../adapters/store/testing.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { orderableSrvs } from '../../supplier/duis-order.ts';

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI_BIN, ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('ppmid-relay supplier order (real process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'supplier-order-'));
  const clock = new VirtualClock(Date.UTC(2026, 2, 1));
  let store: TestStore;
  let dsp: DspTestDouble;
  let sut: SupplierUnderTest;
  before(async () => {
    store = await openTestStore('sqlite');
    dsp = await DspTestDouble.start({ now: () => clock.now() });
    sut = await startSupplierUnderTest({ store, clock, dsp });
    await addRtdsPremises(sut.service);
  });
  after(async () => {
    await sut?.stop();
    await dsp?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--list prints every orderable SRV of the SRV table', async () => {
    const r = await cli(['supplier', 'order', '--list']);
    assert.equal(r.status, 0, r.stderr);
    const srvs = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(
      srvs,
      orderableSrvs().map((o) => o.srv),
    );
  });

  it('orders 6.13 with a JSON body to the CHF: the DSP double receives and transforms it', async () => {
    const file = join(dir, 'body.json');
    writeFileSync(
      file,
      JSON.stringify({
        ReadLogPeriod: { StartDateTime: '2026-02-28T00:00:00Z', EndDateTime: '2026-03-01T00:00:00Z' },
        LogToRead: 'Event',
      }),
    );
    const base = [
      'supplier',
      'order',
      '--supplier-url',
      sut.http.url,
      '--token',
      'unused',
      '--premises',
      'P1',
    ];
    const r = await cli([...base, '--srv', '6.13', '--target', CHF, '--body', file]);
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(r.stdout.trim().split('\n')[0]);
    assert.deepEqual([c.srv, c.target, c.route, c.commandVariants], ['6.13', CHF, 'wan', [1]]);
    await sut.service.idle();
    const sent = dsp.requests.filter((x) => x.srv === '6.13');
    assert.equal(sent.length, 1);
    assert.deepEqual([sent[0].cv, sent[0].httpStatus, sent[0].code], [1, 200, 'I99']);
    assert.ok(sent[0].gbcs && sent[0].gbcs.length > 0, 'the double transformed it to GBCS');

    writeFileSync(file, JSON.stringify({ ReadLogPeriod: { StartDateTime: 'soon', EndDateTime: 'later' } }));
    const bad = await cli([...base, '--srv', '6.13', '--body', file]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /body\.ReadLogPeriod\.StartDateTime/);
    const unknown = await cli([...base, '--srv', '9.9']);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /srv: "9\.9" is not a DUIS V5\.4 Service Reference Variant/);
    assert.equal(dsp.requests.filter((x) => x.srv === '6.13').length, 1, 'nothing more was sent');
  });
});
