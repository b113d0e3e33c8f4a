/**
 * The composition `ppmid-relay up` runs (src/system), under a VirtualClock
 * with the in-process ports (DUIS by direct calls, the in-process internet):
 * the same parties and bytes, hours of system time in seconds.
 * - SU-3 provisioning, then a top-up through the PPMID (CV 2) that completes;
 * - DSP-4 / CSP-4: at the end of the hour the DSP's local-delivery log is
 *   written for the CSP and loaded by the CHM, with that top-up in it;
 * - a restart on the same data directory resumes with the PPMIDs still
 *   relay-enabled (the CH's Device Log restored, no second 8.11).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatRequestId } from '../../src/duis/index.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import type { CommandRecord } from '../../src/supplier/model.ts';
import type { SystemOptions } from '../../src/system/config.ts';
import { type RunningSystem, startSystem } from '../../src/system/system.ts';
import { pumpVirtual, pumpVirtualPromise } from './harness.ts';

describe('e2e: the running system under a VirtualClock (in-process ports)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ppmid-virtual-'));
  const vc = new VirtualClock(Date.UTC(2026, 5, 1, 9, 15));
  const opts: SystemOptions = {
    clock: vc,
    transport: 'in-process',
    dataDir: dir,
    homes: 3,
    wanMix: 'reliable=2,none=1',
    seed: 'virtual',
    workload: 'none',
    xsdValidation: false,
    // one DSP-4 file an hour here (the default of `up` is every 5 minutes)
    dspLogPeriodMs: 3_600_000,
  };
  let sys: RunningSystem | undefined;
  after(async () => {
    if (sys) await pumpVirtualPromise(vc, sys.stop());
    rmSync(dir, { recursive: true, force: true });
  });

  it('provisions, delivers a top-up through a PPMID, and passes the DSP-4 log to the CHM', async () => {
    sys = await pumpVirtualPromise(vc, startSystem(opts));
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    assert.equal(sys.urls.supplier, undefined, 'no sockets in process mode');
    const home = sys.estate!.homes.find((h) => h.plan.wanClass === 'reliable')!;
    const balance0 = home.esme.stateView.meterBalance;
    const supplier = sys.supplier!;
    let final: CommandRecord | undefined;
    const c = await pumpVirtualPromise(
      vc,
      supplier.submit({
        premisesId: home.premisesId,
        order: { kind: 'top-up', value: 2000, valueClass: 'pennies' },
        route: 'ppmid',
      }),
    );
    supplier.subscribe((e) => {
      if (e.type === 'command' && e.command.id === c.id && e.command.state === 'responded') final = e.command;
    });
    await pumpVirtual(vc, () => final !== undefined);
    assert.equal(home.esme.stateView.meterBalance, balance0 + 2000 * 1000);

    // The end of the hour: DSP-4 file per CSP, loaded by the CHM (CSP-4).
    const imports: string[] = [];
    sys.chm!.onEvent((e) => {
      if (e.type === 'import') imports.push(e.fileName);
    });
    const hourEnd = Math.floor(vc.now() / 3_600_000) * 3_600_000 + 3_600_000;
    await pumpVirtual(vc, () => vc.now() > hourEnd && imports.length > 0);
    await pumpVirtualPromise(vc, sys.chm!.whenIdle());
    const files = readdirSync(join(dir, 'dsp-local-delivery', sys.plan.csp));
    assert.equal(files.length, 1);
    assert.deepEqual(imports, files);
    const billing = await pumpVirtualPromise(
      vc,
      sys.chm!.repo.localDeliveries({ from: hourEnd - 3_600_000, to: hourEnd }),
    );
    assert.ok(
      billing.some(
        (r) =>
          r.requestId === formatRequestId(final!.requestId!) &&
          r.target.replace(/[-:]/g, '').toUpperCase() === home.plan.esme,
      ),
      'the top-up is in the CSP billing data',
    );
  });

  it('a restart resumes: PPMIDs relay-enabled without a second 8.11', async () => {
    await pumpVirtualPromise(vc, sys!.stop());
    sys = await pumpVirtualPromise(vc, startSystem(opts));
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    const commands = await pumpVirtualPromise(vc, sys.supplier!.commands({ srv: '8.11' }));
    assert.equal(commands.length, 3, 'one 8.11 per PPMID, from the first start only');
    for (const h of sys.estate!.homes) {
      assert.equal(h.provisioning, 'relay-enabled');
      assert.equal(h.home.chf.deviceLog.get(h.plan.ppmid)?.relayEnabled, true);
      assert.ok(h.ppmidJoined);
    }
  });
});
