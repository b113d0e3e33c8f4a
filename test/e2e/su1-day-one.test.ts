/**
 * SECMP0038 SU-1 from day one (issue 14): a fresh system, built as `npm start`
 * builds it (the default WAN mix: one home without an SM WAN), on ephemeral
 * ports. Before its first order the supplier classifies the home installed
 * without an SM WAN (DUIS 8.14.2) as `none`, the others `reliable`; an order
 * without a route goes to that home through its enhanced PPMID (CV 2) and the
 * meter applies it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CommandRecord } from '../../src/supplier/model.ts';
import { waitFor } from '../support/wait.ts';
import { awaitCommand, type E2eSystem, http, startE2eSystem } from './harness.ts';

interface PremisesJson {
  id: string;
  wanClass: string;
  wanReasons: string[];
  installation: { smWan: string; at: string } | null;
}

describe('e2e: SU-1 from day one on a fresh system', () => {
  let e: E2eSystem;
  before(async () => {
    // The default WAN mix of `up` (one home with no SM WAN), as `npm start` plans it.
    e = await startE2eSystem({ homes: 4, wanMix: undefined });
  });
  after(() => e?.stop());

  it('classifies the no-WAN home none before any order, and routes an order through its PPMID', async () => {
    const { sys } = e;
    const noWan = sys.estate!.homes.filter((h) => h.plan.wanClass === 'none');
    assert.equal(noWan.length, 1, 'the default mix has one home without an SM WAN');
    const home = noWan[0];

    const all = await http<PremisesJson[]>(sys.urls.supplier, 'GET', '/api/v1/premises');
    assert.equal(all.status, 200);
    for (const p of all.body) {
      const planned = sys.plan.homes.find((h) => h.premisesId === p.id)!;
      assert.equal(p.installation?.smWan, planned.wanClass === 'none' ? 'none' : 'connected', p.id);
      if (planned.wanClass === 'none') {
        assert.equal(p.wanClass, 'none', p.wanReasons.join('; '));
        assert.match(p.wanReasons.join(' '), /8\.14\.2/);
      } else assert.equal(p.wanClass, 'reliable', `${p.id}: ${p.wanReasons.join('; ')}`);
    }
    const commands = await http<CommandRecord[]>(
      sys.urls.supplier,
      'GET',
      `/api/v1/commands?premises=${home.premisesId}&srv=2.2`,
    );
    assert.equal(commands.body.length, 0, 'no order has gone to the home yet');

    // An order without a route: the planner picks the PPMID (CV 2).
    const balance0 = home.esme.stateView.meterBalance;
    const placed = await http<CommandRecord>(
      sys.urls.supplier,
      'POST',
      `/api/v1/premises/${home.premisesId}/commands`,
      { order: { kind: 'top-up', value: 300, valueClass: 'pennies' } },
    );
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    assert.equal(placed.body.route, 'ppmid');
    assert.deepEqual(placed.body.commandVariants, [2]);
    assert.equal(placed.body.wanClass, 'none');

    // Applied at the meter through the PPMID, with the WAN down throughout.
    await waitFor(() => home.esme.stateView.meterBalance !== balance0, 90_000, { what: 'the ESME credited' });
    assert.equal(home.esme.stateView.meterBalance, balance0 + 300 * 1000);
    // Installed without WAN (class none): the response waits in the CH for a WAN (CH-4), so the
    // command closes applied-unconfirmed on the PPMID's forwarded report (issue 15).
    const mid = await awaitCommand(sys, placed.body.id, (c) => c.state === 'applied-unconfirmed');
    assert.equal(mid.ppmid?.status, 'forwarded');
    assert.equal(mid.evidence?.settled, 'forwarded-without-wan');
    assert.equal(home.link.isUp(), false);
  });
});
