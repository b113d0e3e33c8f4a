/**
 * SECMP0038 end to end, the story of the change: a top-up for a home whose
 * SM WAN is down reaches the meter through the enhanced PPMID (SU-1 route
 * `ppmid`, CV 2: DUIS over HTTP, envelope over MQTT/TLS, PP-2 checks, HAN
 * tunnel, CH-1 routing, the ESME's GBCS checks); the meter's response waits
 * in the CH's bounded uplink buffer (CH-4: never back to the PPMID) and
 * reaches the supplier once the WAN returns. The meter is credited once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CommandRecord } from '../../src/supplier/model.ts';
import { waitFor } from '../support/wait.ts';
import { awaitCommand, type E2eSystem, esmeDecisions, http, startE2eSystem } from './harness.ts';

describe('e2e: a top-up to a home without WAN, through the PPMID', () => {
  let e: E2eSystem;
  before(async () => {
    e = await startE2eSystem({ homes: 2, wanMix: 'reliable=1,none=1' });
  });
  after(() => e?.stop());

  it('credits the meter through the PPMID; the response reaches the supplier once the WAN returns', async () => {
    const { sys } = e;
    const home = sys.estate!.homes.find((h) => h.plan.wanClass === 'none')!;
    assert.equal(home.link.isUp(), false, 'a none-class home has no WAN after its installation visit');
    assert.equal(home.provisioning, 'relay-enabled');
    const balance0 = home.esme.stateView.meterBalance;

    // The supplier's operator orders the top-up over the supplier API, on the PPMID route.
    const placed = await http<CommandRecord>(
      sys.urls.supplier,
      'POST',
      `/api/v1/premises/${home.premisesId}/commands`,
      {
        order: { kind: 'top-up', value: 750, valueClass: 'pennies' },
        route: 'ppmid',
      },
    );
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    const id = placed.body.id;

    // The meter applies it (UTRN verified, credit added) ...
    await waitFor(() => home.esme.stateView.meterBalance !== balance0, 90_000, { what: 'the ESME credited' });
    assert.equal(home.esme.stateView.meterBalance, balance0 + 750 * 1000);
    // ... its response waits in the CH's uplink buffer (CH-4), the PPMID reported the hop.
    await waitFor(() => home.home.chf.uplinkDepth() >= 1, 90_000, {
      what: 'the response buffered at the CH',
    });
    const mid = await awaitCommand(sys, id, (c) => c.state === 'applied-unconfirmed');
    assert.equal(mid.ppmid?.status, 'forwarded');
    // the premises was installed without an SM WAN (SU-1 class none): its response cannot come
    // back, so the supplier closes it applied-unconfirmed with the PPMID's evidence (docs/supplier.md)
    assert.equal(mid.state, 'applied-unconfirmed');
    assert.equal(mid.evidence?.forwarded.ppmid, home.plan.ppmid);
    assert.equal(mid.responses, 0);
    assert.equal(mid.route, 'ppmid');
    assert.deepEqual(mid.commandVariants, [2]);

    // The WAN returns: the buffered response travels CH -> CSP -> DSP -> Receive Response Service.
    sys.wan!.backchannel.forceUp(home.plan.chf);
    // applied-unconfirmed is final too: wait for the device response itself (a late revision)
    const done = await awaitCommand(sys, id, (c) => c.responses > 0 || c.state === 'failed');
    assert.equal(done.state, 'responded', done.reason);
    assert.equal(done.responses, 1);
    assert.equal(home.home.chf.uplinkDepth(), 0);
    // Applied once.
    assert.equal(home.esme.stateView.meterBalance, balance0 + 750 * 1000);
    assert.deepEqual(esmeDecisions(home.esme.events, done.requestId!.counter), { accepted: 1, rejected: [] });
    const view = await http<{ command: { state: string } }>(
      sys.urls.supplier,
      'GET',
      `/api/v1/commands/${id}`,
    );
    assert.equal(view.body.command.state, 'responded');
  });
});
