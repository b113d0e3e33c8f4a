/**
 * DUIS 1.2.1 Update Price (Primary Element) end to end, under a VirtualClock
 * with the in-process ports: the supplier's price order (the one its console
 * offers) goes through the DSP (XSD validation on, CV 4 Pre-Command, signed by
 * the supplier, CV 5 Command with the ACB MAC), the SM WAN and the
 * Communications Hub to the ESME, which changes its prices (ECS01b) and
 * answers; the supplier sees the command responded. Future dated: the ESME
 * activates the prices at the execution time with its 8F66 alerts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { electricityPriceView } from '../../src/devices/esme/tariff.ts';
import { TERMINAL_STATES } from '../../src/supplier/command-states.ts';
import type { CommandOrder, CommandRecord } from '../../src/supplier/model.ts';
import type { RunningSystem } from '../../src/system/system.ts';
import { pumpVirtual, pumpVirtualPromise, virtualSystemSuite } from './harness.ts';

describe('e2e: a price change (1.2.1, ECS01b) from the supplier to the ESME', () => {
  const suite = virtualSystemSuite('price');
  const { vc } = suite;
  let sys: RunningSystem | undefined;

  async function run(order: CommandOrder): Promise<CommandRecord> {
    const home = sys!.estate!.homes[0];
    const supplier = sys!.supplier!;
    let final: CommandRecord | undefined;
    supplier.subscribe((e) => {
      if (e.type === 'command' && TERMINAL_STATES.has(e.command.state)) final ??= e.command;
    });
    const c = await pumpVirtualPromise(
      vc,
      supplier.submit({ premisesId: home.premisesId, order, route: 'wan' }),
    );
    await pumpVirtual(vc, () => final?.id === c.id);
    return final!;
  }

  it('the ESME charges the new TOU prices; a future-dated change waits for its time', async () => {
    sys = await suite.start();
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    const esme = sys.estate!.homes[0].esme;

    const now = await run({
      kind: 'price',
      standingCharge: 21000,
      standingChargeScale: -5,
      priceScale: -5,
      touPrices: [1500, 2500, 3500],
    });
    assert.equal(
      now.state,
      'responded',
      JSON.stringify(now, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
    );
    assert.equal(now.srv, '1.2.1');
    let p = electricityPriceView(esme.stateView.tariff);
    assert.equal(p.standingCharge, 21000);
    assert.deepEqual(p.tou.slice(0, 4), [1500, 2500, 3500, 0]);

    const at = new Date(vc.now() + 3 * 3_600_000);
    at.setUTCMinutes(0, 0, 0);
    const later = await run({
      kind: 'price',
      standingCharge: 22000,
      standingChargeScale: -5,
      priceScale: -5,
      touPrices: [1600],
      executionDateTime: at.toISOString(),
    });
    assert.equal(
      later.state,
      'responded',
      JSON.stringify(later, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
    );
    assert.equal(esme.pendingFutureDated().length, 2);
    assert.equal(electricityPriceView(esme.stateView.tariff).standingCharge, 21000);
    await pumpVirtual(vc, () => esme.pendingFutureDated().length === 0);
    assert.ok(vc.now() >= at.getTime());
    p = electricityPriceView(esme.stateView.tariff);
    assert.equal(p.standingCharge, 22000);
    assert.deepEqual(p.tou.slice(0, 2), [1600, 0]);
    const alerts = esme.events.filter((e) => e.kind === 'alert-sent' && e.detail?.alertCode === '8F66');
    assert.equal(alerts.length, 2, 'an 8F66 per Charge');
  });

  it('the supplier refuses an electricity price order for the GSME (it would be refused by the DSP)', async () => {
    const home = sys!.estate!.homes[0];
    await assert.rejects(
      pumpVirtualPromise(
        vc,
        sys!.supplier!.submit({
          premisesId: home.premisesId,
          target: home.plan.gsme,
          order: {
            kind: 'price',
            standingCharge: 1,
            standingChargeScale: -5,
            priceScale: -5,
            touPrices: [1],
          },
        }),
      ),
      { code: 'SUPPLIER_BAD_REQUEST' },
    );
  });
});
