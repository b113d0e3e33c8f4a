/**
 * The GPF's state survives a restart of the system (issue 12, sim/nvm.ts):
 * on the one-home virtual-time system with a data directory, 8.9
 * (ReadSecurityDetails) backs up the GPF Device Log at the DSP and 8.12.2
 * (GCS59) restores it on the GPF; the GSME writes the gas mirror; the whole
 * system stops and starts again on the same data directory: the GPF holds
 * the restored Device Log, the gas mirror as last saved, its own logs and
 * its anti-replay memory (the home's non-volatile memory file has the GPF),
 * and answers a new 8.9 / 4.1.1 to the GPF from there.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../src/gbcs/index.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import { type HomeNvm, nvmParse } from '../../src/sim/nvm.ts';
import type { RunningSystem } from '../../src/system/system.ts';
import { untilTerminal } from '../support/supplier-commands.ts';
import { pumpVirtual, pumpVirtualPromise, virtualSystemSuite } from './harness.ts';

const dashed = (e: string) => e.match(/../g)!.join('-');

describe('e2e: the GPF state is kept in the home NVM across a restart', () => {
  const suite = virtualSystemSuite('gpf-restart');
  const { vc } = suite;

  it('Device Log (GCS59), gas mirror, logs and anti-replay memory of the GPF survive stop and start', async () => {
    let sys: RunningSystem = await suite.start();
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    const order = async (s: RunningSystem, srv: string, body: unknown, target: string) => {
      const h = s.estate!.homes[0];
      const c = await pumpVirtualPromise(
        vc,
        s.supplier!.submit({
          premisesId: h.premisesId,
          order: { kind: 'duis', srv, body: body as never },
          target,
          route: 'wan',
        }),
      );
      const f = await untilTerminal(s.supplier!, c.id, (done) => pumpVirtual(vc, done));
      assert.equal(f.state, 'responded', `${srv}: ${f.state} ${f.reason ?? ''}`);
      return f;
    };
    let h = sys.estate!.homes[0];
    const gpf = h.plan.gpf;
    await order(sys, '8.9', { ReadSecurityDetails: null }, h.plan.chf);
    const restore = await order(sys, '8.12.2', { OldGPFID: dashed(gpf) }, gpf);
    assert.equal(decodeMessage(fromHex(restore.response!.gbcs!)).originator, gpf);
    const log = h.gpf.stateView.deviceLog;
    assert.ok(log.length > 0, 'the GPF holds the restored Device Log');
    const writes = h.gpf.mirror.updates;
    h.gsme.poll();
    await pumpVirtual(vc, () => h.gpf.mirror.updates > writes);
    // a GPF command after the mirror write saves it with the GPF (4.1.1 / GCS13a, answered from the mirror)
    await order(sys, '4.1.1', { ReadInstantaneousImportRegisters: null }, gpf);
    const before = h.gpf.snapshot();
    assert.ok(before.mirror.updatedAt !== null, 'the mirror was written by the GSME');

    const file = join(suite.dir, 'estate', 'nvm', `${h.plan.chf}.json`);
    const saved = nvmParse<HomeNvm>(readFileSync(file, 'utf8'));
    assert.ok(saved.gpf, 'the home NVM file holds the GPF');
    assert.deepEqual(saved.gpf.state.deviceLog, log);
    assert.deepEqual(saved.gpf.security, before.security, 'the anti-replay memory as after the last command');

    await pumpVirtualPromise(vc, sys.stop());
    sys = await suite.start();
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    h = sys.estate!.homes[0];
    const after = h.gpf.snapshot();
    assert.deepEqual(after.state, before.state, 'Device Log, Change of Tenancy, own logs, credentials');
    assert.deepEqual(after.mirror, before.mirror, 'the gas mirror as saved');
    assert.deepEqual(after.security.replay, before.security.replay, 'anti-replay memory');
    // the restarted GPF goes on answering: a new read of the mirror
    const again = await order(sys, '4.1.1', { ReadInstantaneousImportRegisters: null }, gpf);
    assert.equal(decodeMessage(fromHex(again.response!.gbcs!)).originator, gpf);
  });
});
