/**
 * SECMP0038 SU-2 and PP-3 end to end: the supplier service and the PPMID are
 * killed and restarted in the middle of a delivery. Nothing is lost (each
 * command reaches one final state, `responded`) and nothing is applied twice
 * (the meter accepts each command once and is credited once).
 *
 * - A: the top-up sits in the PPMID's outbox (its HAN link is down); the
 *   supplier crashes (nothing flushed) and the PPMID power-cycles (restored
 *   from its snapshot, PP-3). While the supplier is down the PPMID comes back
 *   on the HAN and forwards; the meter's response reaches the DSP, whose POST
 *   to the dead Receive Response Service fails and is retried; the PPMID's
 *   status reports wait in the supplier's persistent MQTT session. The
 *   restarted supplier gets both.
 * - B, C: the supplier crashes right after accepting an order, while the
 *   DUIS request is in flight; after the restart it resends the same signed
 *   request (write-ahead). A raced command (CV 3) completes once; a
 *   PPMID-only one (CV 2) reaches one final state and is never applied twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatRequestId } from '../../src/duis/index.ts';
import type { CommandRecord } from '../../src/supplier/model.ts';
import { waitFor } from '../support/wait.ts';
import { awaitCommand, type E2eSystem, esmeDecisions, http, startE2eSystem } from './harness.ts';

describe('e2e: kill and restart the supplier and the PPMID mid-delivery', () => {
  let e: E2eSystem;
  before(async () => {
    e = await startE2eSystem({ homes: 2, wanMix: 'reliable=2' });
  });
  after(() => e?.stop());

  it('A: command in the PPMID outbox, supplier crash + PPMID restart: delivered once, one response', async () => {
    const { sys } = e;
    const home = sys.estate!.homes[0];
    const p = home.plan;
    const balance0 = home.esme.stateView.meterBalance;
    home.home.setOnline(p.ppmid, false); // the PPMID loses its HAN link: commands wait in its outbox

    const placed = await http<CommandRecord>(
      sys.urls.supplier,
      'POST',
      `/api/v1/premises/${p.premisesId}/commands`,
      {
        order: { kind: 'top-up', value: 400, valueClass: 'pennies' },
        route: 'ppmid',
      },
    );
    assert.equal(placed.status, 202);
    const id = placed.body.id;
    const queued = await awaitCommand(sys, id, (c) => c.ppmid?.status === 'accepted-queued');
    const requestId = formatRequestId(queued.requestId!);
    const attempts0 = sys.dsp!.metrics.snapshot().counters['dsp.outbox.attempts'] ?? 0;
    assert.equal(home.ppmid!.outboxEntries().length, 1);

    await sys.restartSupplier({
      graceful: false,
      whileDown: async () => {
        const restored = await sys.estate!.restartPpmid(p.premisesId, {
          whileDown: () => home.home.setOnline(p.ppmid, true),
        });
        assert.equal(restored.outboxEntries().length, 1, 'the outbox survived the restart (PP-3)');
        // Delivered while the supplier is down; the response reaches the DSP, whose POST to the
        // supplier's Receive Response Service has nobody to answer it (retried later).
        await waitFor(() => home.esme.stateView.meterBalance !== balance0, 90_000, {
          what: 'the ESME credited',
        });
        await waitFor(() => sys.dsp!.request(requestId)?.responseCount === 1, 90_000, {
          what: 'the response at the DSP',
        });
        await waitFor(
          () => (sys.dsp!.metrics.snapshot().counters['dsp.outbox.attempts'] ?? 0) > attempts0,
          90_000,
          {
            what: 'the DSP trying the Receive Response Service',
          },
        );
      },
    });
    const done = await awaitCommand(sys, id);
    assert.equal(done.state, 'responded', done.reason);
    assert.equal(done.responses, 1);
    assert.equal(done.ppmid?.status, 'forwarded', 'the status report waited in the MQTT session');
    assert.equal(home.esme.stateView.meterBalance, balance0 + 400 * 1000, 'credited once');
    assert.deepEqual(esmeDecisions(home.esme.events, done.requestId!.counter), { accepted: 1, rejected: [] });
  });

  it('B: supplier crash with a raced (CV 3) DUIS request in flight: completes once over the WAN', async () => {
    const { sys } = e;
    const home = sys.estate!.homes[1];
    const p = home.plan;
    const balance0 = home.esme.stateView.meterBalance;
    const placed = await http<CommandRecord>(
      sys.urls.supplier,
      'POST',
      `/api/v1/premises/${p.premisesId}/commands`,
      {
        order: { kind: 'top-up', value: 650, valueClass: 'pennies' },
        route: 'race',
      },
    );
    assert.equal(placed.status, 202);
    const id = placed.body.id;
    await sys.restartSupplier({ graceful: false });
    const done = await awaitCommand(sys, id);
    assert.equal(done.state, 'responded', done.reason);
    await sys.dsp!.idle();
    await sys.supplier!.idle();
    const final = (await sys.supplier!.command(id))!.command;
    assert.equal(final.responses, 1, 'one response');
    const d = esmeDecisions(home.esme.events, final.requestId!.counter);
    assert.equal(d.accepted, 1, 'applied once');
    assert.ok(
      d.rejected.every((r) => r === 'REPLAY'),
      'any second copy is refused as a replay',
    );
    assert.equal(home.esme.stateView.meterBalance, balance0 + 650 * 1000, 'credited once');
  });

  it('C: supplier crash with a PPMID-only (CV 2) DUIS request in flight: one final state, never applied twice', async () => {
    const { sys } = e;
    const home = sys.estate!.homes[1];
    const p = home.plan;
    const balance0 = home.esme.stateView.meterBalance;
    const placed = await http<CommandRecord>(
      sys.urls.supplier,
      'POST',
      `/api/v1/premises/${p.premisesId}/commands`,
      {
        order: { kind: 'top-up', value: 250, valueClass: 'pennies' },
        route: 'ppmid',
      },
    );
    assert.equal(placed.status, 202);
    const id = placed.body.id;
    await sys.restartSupplier({ graceful: false });
    const done = await awaitCommand(sys, id);
    // Either the leg survived (responded, credited once) or the supplier knows the Local Command
    // was lost with the crash (failed with that reason, nothing applied): never silent, never twice.
    const credited = home.esme.stateView.meterBalance - balance0;
    if (done.state === 'responded') assert.equal(credited, 250 * 1000);
    else {
      assert.equal(done.state, 'failed');
      assert.match(done.reason ?? '', /restart/);
      assert.equal(credited, 0);
    }
    const counter = done.requestId?.counter;
    if (counter !== undefined) assert.ok(esmeDecisions(home.esme.events, counter).accepted <= 1);
  });
});
