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
import { after, before, describe, it } from 'node:test';
import type { CommandRecord } from '../../src/supplier/model.ts';
import type { RunningSystem } from '../../src/system/system.ts';
import { type InProcessSplit, startInProcessSplit } from '../support/split.ts';
import { waitFor, withTimeout } from '../support/wait.ts';
import { awaitCommand, http } from './harness.ts';

describe('e2e: DSP+CHM, supplier and estate as separate systems', () => {
  let split: InProcessSplit;
  let dspChm: RunningSystem;
  let supplier: RunningSystem;
  let estate: RunningSystem;

  before(async () => {
    split = await startInProcessSplit({ seed: 'split' });
    ({ dspChm, supplier, estate } = split);
  });

  after(() => split?.stop());

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
