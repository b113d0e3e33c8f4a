/**
 * ARCHITECTURE "Scaling out": the same parties as three separate systems
 * (here three `startSystem` instances in one test process; `ppmid-relay up
 * --parties ...` and `ppmid-relay estate` run them as processes) sharing one
 * data directory (keys, MQTT PKI) and one SQLite store, talking only through
 * ports: DUIS over HTTP (supplier <-> DSP), MQTT over TLS (supplier <->
 * PPMIDs, the supplier's embedded broker), and the WAN link over HTTP (DSP /
 * CHM <-> the SM WAN in the estate process). The PPMIDs are provisioned
 * through SU-3 across the three, and a top-up through a PPMID completes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CommandRecord } from '../../src/supplier/model.ts';
import type { SystemOptions } from '../../src/system/config.ts';
import { type RunningSystem, startSystem } from '../../src/system/system.ts';
import { trustSystem } from '../support/auth.ts';
import { waitFor, withTimeout } from '../support/wait.ts';
import { awaitCommand, http } from './harness.ts';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('e2e: DSP+CHM, supplier and estate as separate systems', () => {
  const systems: RunningSystem[] = [];
  let dir: string;
  let dspChm: RunningSystem;
  let supplier: RunningSystem;
  let estate: RunningSystem;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ppmid-split-'));
    const [dspPort, supplierPort, mqttPort, dspWanPort, estateWanPort] = await Promise.all(
      Array.from({ length: 5 }, freePort),
    );
    const url = (p: number) => `http://127.0.0.1:${p}`;
    const common: SystemOptions = {
      dataDir: dir,
      homes: 2,
      wanMix: 'reliable=2',
      seed: 'split',
      workload: 'none',
      wan: { latency: { kind: 'fixed', ms: 20 }, retryIntervalMs: 1_000 },
    };
    dspChm = await startSystem({
      ...common,
      parties: ['dsp', 'chm'],
      ports: { dsp: dspPort, chm: 0, start: 0, wan: dspWanPort },
      remote: { wanUrl: url(estateWanPort), supplierUrl: url(supplierPort) },
    });
    systems.push(dspChm);
    supplier = await startSystem({
      ...common,
      parties: ['supplier'],
      ports: { supplier: supplierPort, mqtt: mqttPort, start: 0 },
      remote: { dspUrl: `https://127.0.0.1:${dspPort}` },
    });
    systems.push(supplier);
    estate = await startSystem({
      ...common,
      parties: ['estate'],
      ports: { start: 0, wan: estateWanPort },
      mqttUrl: `mqtts://127.0.0.1:${mqttPort}`,
      mqttProtocolVersion: 4,
      remote: { supplierUrl: url(supplierPort), dspWanUrl: url(dspWanPort) },
    });
    systems.push(estate);
    for (const s of systems) trustSystem(s);
  });

  after(async () => {
    for (const s of systems.reverse()) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('provisions every PPMID across the processes and delivers a top-up through one', async () => {
    assert.equal(dspChm.estate, undefined);
    assert.equal(dspChm.wan, undefined, 'the SM WAN runs with the estate');
    assert.equal(supplier.dsp, undefined);
    assert.equal(estate.supplier, undefined);
    const failures = await withTimeout(estate.provisioned, 120_000, 'SU-3 across processes');
    assert.deepEqual(failures, []);
    for (const h of estate.estate!.homes) assert.equal(h.provisioning, 'relay-enabled');

    const home = estate.estate!.homes[0];
    const balance0 = home.esme.stateView.meterBalance;
    const placed = await http<CommandRecord>(
      supplier.urls.supplier,
      'POST',
      `/api/v1/premises/${home.premisesId}/commands`,
      {
        order: { kind: 'top-up', value: 900, valueClass: 'pennies' },
        route: 'ppmid',
      },
    );
    assert.equal(placed.status, 202);
    const done = await awaitCommand(supplier, placed.body.id);
    assert.equal(done.state, 'responded', done.reason);
    assert.equal(done.ppmid?.status, 'forwarded');
    await waitFor(() => home.esme.stateView.meterBalance === balance0 + 900 * 1000, 90_000, {
      what: 'the ESME credited once',
    });
    // The CHM of the first system received the CHs' PPMID Connected alerts over the WAN link.
    const alerts = await http<{ alerts: Array<{ alertType: string; chf: string }> }>(
      dspChm.urls.chm,
      'GET',
      `/api/alerts?type=ppmid-connected&chf=${home.plan.chf}`,
    );
    assert.ok(alerts.body.alerts.length >= 1, 'PPMID Connected at the CHM (CH-5, CSP-2)');
  });
});
