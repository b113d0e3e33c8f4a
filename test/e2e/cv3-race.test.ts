/**
 * SECMP0038 DSP-6 / SU-1 end to end: a top-up raced over both routes (CV 3:
 * the DSP sends it over the SM WAN and hands the same GBCS to the supplier,
 * who pushes it to the PPMID). Both copies reach the meter; the ESME applies
 * the first and rejects the second as a replay (GBCS anti-replay); the
 * supplier gets exactly one response and the meter is credited once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DownlinkOutcome } from '../../src/dcc/wan/sm-wan.ts';
import { formatRequestId } from '../../src/duis/index.ts';
import type { CommandRecord } from '../../src/supplier/model.ts';
import { waitFor } from '../support/wait.ts';
import { awaitCommand, type E2eSystem, esmeDecisions, http, startE2eSystem } from './harness.ts';

describe('e2e: CV 3 race of WAN and PPMID', () => {
  let e: E2eSystem;
  before(async () => {
    e = await startE2eSystem({ homes: 1, wanMix: 'reliable=1' });
  });
  after(() => e?.stop());

  it('the meter applies the command once; the supplier gets exactly one response', async () => {
    const { sys } = e;
    const home = sys.estate!.homes[0];
    const balance0 = home.esme.stateView.meterBalance;
    const outcomes: DownlinkOutcome[] = [];
    const off = sys.wan!.onDownlinkOutcome((o) => outcomes.push(o));

    const placed = await http<CommandRecord>(
      sys.urls.supplier,
      'POST',
      `/api/v1/premises/${home.premisesId}/commands`,
      {
        order: { kind: 'top-up', value: 1200, valueClass: 'pennies' },
        route: 'race',
      },
    );
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    assert.deepEqual(placed.body.commandVariants, [3]);
    const id = placed.body.id;
    // The DUIS Request ID (and so the GBCS Originator Counter) is assigned at dispatch.
    const sent = await awaitCommand(sys, id, (c) => c.requestId !== undefined);
    const counter = sent.requestId!.counter;
    const requestId = formatRequestId(sent.requestId!);

    // Both copies reach the meter: one over the WAN, one relayed by the PPMID.
    await waitFor(
      () => {
        const d = esmeDecisions(home.esme.events, counter);
        return d.accepted + d.rejected.length >= 2;
      },
      90_000,
      { what: 'both copies of the command at the ESME' },
    );
    const d = esmeDecisions(home.esme.events, counter);
    assert.equal(d.accepted, 1, 'applied once');
    assert.deepEqual(d.rejected, ['REPLAY'], 'the second copy is a replay');
    assert.ok(
      outcomes.some((o) => o.outcome === 'delivered' && o.target === home.plan.esme),
      'the WAN copy was delivered to the CH',
    );
    const relayed = home.home.chf.events.filter(
      (ev) => ev.kind === 'route' && ev.source === 'ppmid' && ev.counter === counter.toString(),
    );
    assert.equal(relayed.length, 1, 'the PPMID copy was routed by the CH');
    assert.equal(relayed[0].decision, 'delivered');

    const done = await awaitCommand(sys, id);
    assert.equal(done.state, 'responded', done.reason);
    await sys.dsp!.idle();
    await sys.supplier!.idle();
    const final = (await sys.supplier!.command(id))!.command;
    assert.equal(final.responses, 1, 'exactly one response reached the supplier');
    assert.equal(sys.dsp!.request(requestId)?.responseCount, 1);
    assert.equal(home.esme.stateView.meterBalance, balance0 + 1200 * 1000, 'credited once');
    off();
  });
});
