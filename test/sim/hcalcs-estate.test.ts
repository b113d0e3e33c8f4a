/**
 * HCALCS in the simulator's estate (issue 12): a scenario's `hcalcsShare`
 * gives that share of homes (drawn from the seed) an HCALCS joined to the
 * CH, sharing an application link key with the ESME, and the ESME's switch 2
 * pointing at it. The estate runs as `ppmid-relay sim run` runs it (the
 * system in-process, virtual time); a supplier 7.5 / 7.6 order (the any-SR
 * `duis` order path) goes DUIS -> DSP -> WAN -> ESME, and the ESME switches
 * the HCALCS over the HAN. Share 0 (the default) plans the same estate as
 * before the field existed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hcalcs } from '../../src/devices/hcalcs/hcalcs.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import { configureLogging } from '../../src/runtime/logger.ts';
import { planDeviceEuis, planEstate, planFingerprint } from '../../src/sim/plan.ts';
import { pumpPromise, pumpUntil } from '../../src/sim/pump.ts';
import { validateScenario } from '../../src/sim/scenario.ts';
import { Workload } from '../../src/sim/workload.ts';
import { InProcessSupplierPort } from '../../src/system/ports.ts';
import { startSystem } from '../../src/system/system.ts';
import { untilTerminal } from '../support/supplier-commands.ts';

configureLogging({ spec: 'error' });

describe('sim: homes with an HCALCS (hcalcsShare)', () => {
  it('the plan: share 0 is the estate without the field; a share picks round(share x homes) homes from the seed', () => {
    const before = planEstate({ homes: 20, seed: 'h' });
    assert.deepEqual(planEstate({ homes: 20, seed: 'h', hcalcsShare: 0 }), before);
    assert.ok(before.homes.every((h) => h.hcalcs === undefined));
    const some = planEstate({ homes: 20, seed: 'h', hcalcsShare: 0.25 });
    const withIt = some.homes.filter((h) => h.hcalcs);
    assert.equal(withIt.length, 5);
    assert.deepEqual(
      some.homes.map((h) => h.wanClass),
      before.homes.map((h) => h.wanClass),
      'the WAN classes are drawn as before',
    );
    assert.deepEqual(planEstate({ homes: 20, seed: 'h', hcalcsShare: 0.25 }), some, 'same seed, same homes');
    const other = planEstate({ homes: 20, seed: 'other', hcalcsShare: 0.25 });
    assert.notDeepEqual(
      other.homes.filter((h) => h.hcalcs).map((h) => h.index),
      withIt.map((h) => h.index),
      'another seed, other homes',
    );
    for (const h of withIt) {
      assert.equal(h.hcalcs, `${h.esme.slice(0, 15)}5`, 'nibble 5');
      assert.equal(h.installCodes.hcalcs?.length, 16);
    }
    assert.equal(planDeviceEuis(some).length, planDeviceEuis(before).length + 5, 'keys issued for each');
    assert.notEqual(planFingerprint(some), planFingerprint(before));
    assert.throws(() => planEstate({ homes: 2, hcalcsShare: 2 }), /hcalcsShare must be a number in 0\.\.1/);
  });

  it('a scenario names a bad hcalcsShare', () => {
    assert.equal(validateScenario({ kind: 'benefit' }).hcalcsShare, undefined);
    assert.equal(validateScenario({ kind: 'benefit', hcalcsShare: 1 }).hcalcsShare, 1);
    assert.throws(
      () => validateScenario({ kind: 'benefit', hcalcsShare: 1.5 }, 'x.yaml'),
      /x\.yaml\.hcalcsShare must be a number in 0\.\.1, got 1\.5/,
    );
  });

  it('hcalcsShare 1: a supplier 7.5 / 7.6 for switch 2 switches the home’s HCALCS on and off over the HAN', async () => {
    const s = validateScenario({ kind: 'benefit', name: 'hcalcs', hcalcsShare: 1 });
    const vc = new VirtualClock(Date.UTC(2026, 5, 1, 9, 15));
    // as runArm (src/sim/runner.ts) starts the estate of `ppmid-relay sim run`
    const sys = await pumpPromise(
      vc,
      startSystem({
        clock: vc,
        transport: 'in-process',
        ephemeral: true,
        homes: 2,
        wanMix: 'reliable=2',
        seed: 'hcalcs',
        workload: 'none',
        xsdValidation: true,
        hcalcsShare: s.hcalcsShare,
      }),
    );
    try {
      assert.deepEqual(await pumpPromise(vc, sys.provisioned), []);
      const home = sys.estate!.homes[1];
      const eui = home.plan.hcalcs!;
      const hcalcs = home.home.device(eui);
      assert.ok(hcalcs instanceof Hcalcs && home.hcalcs === hcalcs);
      assert.ok(home.home.chf.deviceLog.has(eui), 'in the CH’s Device Log');
      assert.equal(hcalcs.switchState(), 'off');
      const supplier = sys.supplier!;
      const deviceAlerts: Array<{ code: unknown; device?: string }> = [];
      supplier.subscribe((e) => {
        if (e.type === 'alert' && e.alert === 'device') deviceAlerts.push({ code: e.code, device: e.device });
      });
      const order = async (srv: string, el: string, inner: string) => {
        const c = await pumpPromise(
          vc,
          supplier.submit({
            premisesId: home.premisesId,
            order: { kind: 'duis', srv, body: { [el]: { [inner]: { '@index': 2, Duration: 90 } } } },
            route: 'wan',
          }),
        );
        return untilTerminal(supplier, c.id, (done) => pumpUntil(vc, done));
      };
      /** up to a minute of virtual time for the HAN On/Off and its Default Response */
      const settle = (done: () => boolean) => {
        const until = vc.now() + 60_000;
        return pumpUntil(vc, () => done() || vc.now() >= until);
      };
      const on = await order('7.5', 'ActivateAuxiliaryLoad', 'ActivateALCSHCALCS');
      assert.equal(on.state, 'responded', on.reason);
      await settle(() => hcalcs.switchState() === 'on');
      assert.equal(hcalcs.switchState(), 'on');
      const offCmd = await order('7.6', 'DeactivateAuxiliaryLoad', 'DeactivateALCSHCALCS');
      assert.equal(offCmd.state, 'responded', offCmd.reason);
      await settle(() => hcalcs.switchState() === 'off');
      assert.equal(hcalcs.switchState(), 'off');
      const changes = hcalcs.events.filter((e) => e.kind === 'state-change');
      assert.deepEqual(
        changes.map((e) => (e.detail as { source: string; switch: string }).switch),
        ['on', 'off'],
      );
      assert.ok(changes.every((e) => (e.detail as { source: string }).source === `esme:${home.plan.esme}`));
      const m = home.home.metrics.snapshot().counters;
      assert.equal(m['esme.hcalcs.switched'], 2, JSON.stringify(m));
      // each change answered by the HCALCS: the ESME's 0x8131 (GNCA) reached the supplier over the SM WAN
      // and the DSP as a DUIS DeviceAlertMessage (esme/alcs.ts)
      await settle(() => deviceAlerts.length >= 2);
      assert.deepEqual(
        deviceAlerts.map((a) => [String(a.code).toUpperCase(), a.device]),
        [
          ['8131', home.plan.esme],
          ['8131', home.plan.esme],
        ],
      );
      // the other home's HCALCS was not touched
      const other = sys.estate!.homes[0].hcalcs!;
      assert.equal(other.events.filter((e) => e.kind === 'state-change').length, 0);
    } finally {
      await pumpPromise(vc, sys.stop());
    }
  });

  it('the workload’s aux-load orders (workload.auxLoadPerHomeDay) switch the HCALCS over the WAN; each timed switch ends by itself', async () => {
    const vc = new VirtualClock(Date.UTC(2026, 5, 1, 9, 15));
    const sys = await pumpPromise(
      vc,
      startSystem({
        clock: vc,
        transport: 'in-process',
        ephemeral: true,
        homes: 1,
        wanMix: 'reliable=1',
        seed: 'hcalcs-workload',
        workload: 'none',
        xsdValidation: true,
        hcalcsShare: 1,
      }),
    );
    try {
      assert.deepEqual(await pumpPromise(vc, sys.provisioned), []);
      const home = sys.estate!.homes[0];
      const hcalcs = home.hcalcs!;
      const w = new Workload({
        clock: sys.clock,
        supplier: new InProcessSupplierPort(() => sys.supplier!),
        premises: [home.premisesId],
        spec: {
          topUpsPerHomeHour: 0,
          readsPerHomeHour: 0,
          topUpPennies: [100, 3000],
          auxLoadPerHomeHour: 2,
          auxLoadMinutes: [10, 20],
        },
        random: 'aux',
        route: 'wan',
      });
      w.start();
      const end = vc.now() + 4 * 3_600_000;
      await pumpUntil(vc, () => vc.now() >= end);
      await pumpPromise(vc, w.stop());
      const submitted = w.metrics.snapshot().counters['workload.submitted.duis'] ?? 0;
      assert.ok(submitted >= 3, `aux-load orders placed: ${submitted}`);
      const m = home.home.metrics.snapshot().counters;
      assert.ok((m['esme.alcs.override.ended'] ?? 0) >= 1, JSON.stringify(m));
      assert.ok((m['esme.hcalcs.switched'] ?? 0) >= submitted, JSON.stringify(m));
      const switched = hcalcs.events.filter((e) => e.kind === 'state-change').length;
      assert.ok(switched >= 1, `HCALCS state changes: ${switched}`);
    } finally {
      await pumpPromise(vc, sys.stop());
    }
  });
});
