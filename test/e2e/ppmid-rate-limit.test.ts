/**
 * SECMP0038 CH-7 with PP-3: 15 top-ups reach a PPMID at once. The CH's token
 * bucket (burst 5, 10 a minute) refuses most of them at first; it now says so
 * on the tunnel (ZCL Tunneling TransferDataError DataOverflow), so the PPMID
 * keeps each refused command and tries again (store and forward) rather than
 * reporting `forwarded` for what the CH dropped. All 15 are applied once by
 * the ESME and end `responded` at the supplier; the PPMID reported
 * `forwarded` exactly for the transfers the CH took. Virtual time, the whole
 * composition in process (src/system), every byte real.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChEvent } from '../../src/devices/chf/chf.ts';
import { isTerminal } from '../../src/supplier/model.ts';
import type { RunningSystem } from '../../src/system/system.ts';
import { pumpVirtual, pumpVirtualPromise, virtualSystemSuite } from './harness.ts';

const N = 15;

describe('e2e: CH-7 rate limit and PPMID store-and-forward (TransferDataError DataOverflow)', () => {
  const suite = virtualSystemSuite('rate-limit', {
    xsdValidation: false,
    // every order dispatched at once, so 15 envelopes reach the PPMID together
    supplier: { serialisePerDevice: false },
  });
  const { vc } = suite;
  let sys: RunningSystem | undefined;

  it(`${N} valid envelopes at once: ${N} forwarded only once the CH took them, ${N} applied, ${N} responded`, async () => {
    sys = await suite.start();
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    const home = sys.estate!.homes[0];
    const chf = home.home.chf;
    const ppmidEui = home.plan.ppmid;
    const balance0 = home.esme.stateView.meterBalance;
    const chRelays: ChEvent[] = [];
    const chRefused: ChEvent[] = [];
    chf.onEvent((e) => {
      if (e.kind !== 'route' || e.from !== ppmidEui || !e.relayed) return;
      if (e.decision === 'discarded') chRefused.push(e);
      else chRelays.push(e);
    });
    const forwarded: string[] = [];
    const creditReads: string[] = [];
    home.ppmid!.onStatusReport((_bytes, r) => {
      // a second `forwarded` report carrying the PPMID's HAN credit read is evidence, not a relay
      if (r.outcome === 'forwarded') (r.creditRead ? creditReads : forwarded).push(r.envelopeId);
    });
    const supplier = sys.supplier!;
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const c = await pumpVirtualPromise(
        vc,
        supplier.submit({
          premisesId: home.premisesId,
          order: { kind: 'top-up', value: 100 + i, valueClass: 'pennies' },
          route: 'ppmid',
        }),
      );
      ids.push(c.id);
    }
    const done = () =>
      ids.every((id) => supplier.tracker.get(id) && isTerminal(supplier.tracker.get(id)!.state));
    await pumpVirtual(vc, done);
    const states = ids.map((id) => supplier.tracker.get(id)!.state);
    const credited = (home.esme.stateView.meterBalance - balance0) / 1000;
    const expected = Array.from({ length: N }, (_, i) => 100 + i).reduce((a, b) => a + b, 0);
    console.log(
      `rate limit: ${N} commands, ${states.filter((s) => s === 'responded').length} responded, ` +
        `CH took ${chRelays.length}, refused ${chRefused.length} (rate-limited, retried), PPMID forwarded ${forwarded.length}`,
    );
    assert.deepEqual(states, Array(N).fill('responded'));
    assert.equal(credited, expected, 'every top-up applied exactly once');
    assert.ok(chRefused.length > 0, 'the CH-7 bucket did refuse some transfers at first');
    assert.ok(chRefused.every((e) => e.reason === 'rate-limited'));
    assert.equal(chRelays.length, N, 'the CH took each command once');
    assert.equal(forwarded.length, N, 'forwarded reported once per command');
    assert.equal(new Set(forwarded).size, N);
    assert.ok(
      creditReads.every((e) => forwarded.includes(e)),
      'credit reads only after a forward',
    );
    // the supplier's view: every leg forwarded, no PPMID failure
    for (const id of ids) assert.equal(supplier.tracker.get(id)!.ppmid?.status, 'forwarded');
    assert.ok((home.ppmid!.metrics.snapshot().counters['ppmid.han.ch-busy'] ?? 0) >= chRefused.length);
  });
});
