/**
 * Issue 13 (SU-2, PP-1, PP-3): an envelope in flight when the supplier dies
 * still reaches one final state, once. The PPMID is offline, so the
 * envelope the broker acknowledged (`published`) waits in the PPMID's broker
 * session; then the supplier's process dies and with it the embedded broker
 * (sessions in memory): the envelope is gone. When the PPMID reconnects, its
 * retained `online` presence makes the restarted supplier publish the stored
 * envelope again (src/supplier/envelope-resend.ts); the PPMID forwards it, the
 * meter applies it once, the command ends `responded`. An earlier top-up the
 * PPMID had already forwarded (its report folded) is not sent again: each
 * applied once. Without the resend the lost one ends `expired` (checked
 * while building this). Virtual time, the whole composition in process,
 * every byte real.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InProcessInternet } from '../../src/adapters/mqtt/index.ts';
import { isTerminal } from '../../src/supplier/command-states.ts';
import type { RunningSystem } from '../../src/system/system.ts';
import { pumpVirtual, pumpVirtualPromise, virtualSystemSuite } from './harness.ts';

describe('e2e: a PPMID envelope lost with the broker is sent again when the PPMID comes online', () => {
  const suite = virtualSystemSuite('resend', {
    startAt: Date.UTC(2026, 5, 1, 9, 0),
    xsdValidation: false,
    // the second top-up is dispatched while the first still waits for its response
    supplier: { serialisePerDevice: false },
  });
  const { vc } = suite;
  let sys: RunningSystem | undefined;

  it('supplier and broker die with the envelope queued for an offline PPMID: responded once after it reconnects', async () => {
    sys = await suite.start();
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    const s = sys;
    const internet = s.internet as InProcessInternet;
    const home = s.estate!.homes[0];
    const ppmid = home.plan.ppmid;
    const balance0 = home.esme.stateView.meterBalance;
    const order = (value: number) =>
      pumpVirtualPromise(
        vc,
        s.supplier!.submit({
          premisesId: home.premisesId,
          order: { kind: 'top-up', value, valueClass: 'pennies' },
          route: 'ppmid',
        }),
      );
    // First top-up: the PPMID takes it (accepted or forwarded) while online; the WAN is down, so
    // the command stays in flight (its response waits in the CH).
    s.wan!.backchannel.forceDown(home.plan.chf);
    const taken = await order(300);
    await pumpVirtual(vc, () => {
      const st = s.supplier!.tracker.get(taken.id)?.ppmid?.status;
      return st === 'forwarded';
    });
    // The PPMID goes offline for 10 minutes; the second top-up's envelope waits in its broker session.
    internet.linkOf(ppmid)!.interrupt(10 * 60_000);
    const lost = await order(500);
    await pumpVirtual(vc, () => s.supplier!.tracker.get(lost.id)?.ppmid?.status === 'published');
    assert.equal(internet.session(ppmid)?.queued, 1, 'the envelope waits in the broker session');
    // kill -9 of the supplier's process: the supplier and its embedded broker
    await pumpVirtualPromise(
      vc,
      s.restartSupplier({ graceful: false, whileDown: () => internet.restartBroker() }),
    );
    assert.equal(internet.session(ppmid), undefined, 'the broker lost the session and the envelope');
    s.wan!.backchannel.release(home.plan.chf);
    const supplier = s.supplier!;
    await pumpVirtual(vc, () =>
      [taken.id, lost.id].every((id) => isTerminal(supplier.tracker.get(id)?.state ?? 'queued')),
    );
    const states = [taken.id, lost.id].map((id) => supplier.tracker.get(id)!);
    const resent = async (id: string) =>
      (await pumpVirtualPromise(vc, supplier.command(id)))!.timeline.filter(
        (h) => h.kind === 'envelope-resent',
      ).length;
    console.log(
      `envelope resend: states ${states.map((c) => c.state).join(', ')}, ` +
        `re-sent ${await resent(lost.id)} (lost envelope), ${await resent(taken.id)} (taken one), ` +
        `credited ${(home.esme.stateView.meterBalance - balance0) / 1000} pennies`,
    );
    assert.deepEqual(
      states.map((c) => c.state),
      ['responded', 'responded'],
    );
    assert.equal(states[1].ppmid?.status, 'forwarded');
    assert.ok((await resent(lost.id)) >= 1, 'the lost envelope was sent again');
    assert.equal(await resent(taken.id), 0, 'a forwarded envelope is not sent again');
    assert.equal(home.esme.stateView.meterBalance, balance0 + 800 * 1000, 'each top-up applied once');
    assert.ok((supplier.metrics.snapshot().counters['supplier.envelope-resent'] ?? 0) >= 1);
  });
});
