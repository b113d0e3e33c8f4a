/**
 * SECMP0038 3.1.1 end to end, on virtual time (src/system with in-process
 * ports): a premises that NEVER has a WAN, from installation on.
 * - installation: the installer pairs the PPMID; the supplier's 8.11 Add
 *   (relay flag) goes as CV 2 through that PPMID (no-WAN commissioning,
 *   PROVISIONAL), the PPMID is relay-enabled, unconfirmed;
 * - 8.1.1 Commission Device (CV 4 then 6, PROVISIONAL no-WAN commissioning
 *   policy, decision C8) through the PPMID: while the CH's time is Unreliable
 *   the ESME refuses to take it (ECS70 answered "clock not adjusted");
 * - time: the CH has no time source (Unreliable, and so have the meters);
 *   the DCC's Set CH Time (PROVISIONAL, ACB-signed) through the PPMID makes
 *   it Reliable, and the meters follow; future-dated work stays off local
 *   delivery (decision "time without WAN"); 8.1.1 then commissions the ESME
 *   (ECS70) and the GSME (GCS28), each logged in DSP-4;
 * - five top-ups and a tariff change (1.2.1) through the PPMID: applied at
 *   the ESME; their responses wait in the CH's buffer (CH-4), the supplier's
 *   commands end `applied-unconfirmed` with the PPMID's evidence;
 * - no WAN frame at any point (the SM WAN's counters for that CH stay 0);
 * - then the WAN appears for the first time: the buffered responses reach
 *   the supplier exactly once, and every command becomes `responded`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { queryLocalDeliveries } from '../../src/dcc/dsp/local-delivery-log.ts';
import { electricityPriceView } from '../../src/devices/esme/tariff.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import type { CommandRecord } from '../../src/supplier/model.ts';
import type { SystemOptions } from '../../src/system/config.ts';
import { type RunningSystem, startSystem } from '../../src/system/system.ts';
import { esmeDecisions, pumpVirtual, pumpVirtualPromise } from './harness.ts';

describe('e2e: a premises without any WAN, commissioned, timed and served through its PPMID alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ppmid-nowan-'));
  const vc = new VirtualClock(Date.UTC(2026, 5, 1, 9, 15));
  const opts: SystemOptions = {
    clock: vc,
    transport: 'in-process',
    dataDir: dir,
    homes: 2,
    wanMix: 'reliable=1,none=1',
    seed: 'no-wan-premises',
    workload: 'none',
    xsdValidation: false,
    noWanInstallation: true,
  };
  let sys: RunningSystem | undefined;
  after(async () => {
    if (sys) await pumpVirtualPromise(vc, sys.stop());
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs, times, tops up five times and changes the tariff without a WAN frame; the first WAN brings every response once', async () => {
    sys = await pumpVirtualPromise(vc, startSystem(opts));
    const s = sys;
    const supplier = s.supplier!;
    const wan = s.wan!;
    const home = s.estate!.homes.find((h) => h.plan.wanClass === 'none')!;
    const chf = home.home.chf;
    const wanFrames = () => {
      const m = wan.chMetrics(home.plan.chf);
      return { up: m.uplink.accepted + m.uplink.attempts, down: m.downlink.accepted + m.downlink.attempts };
    };
    const noWan = () => assert.deepEqual(wanFrames(), { up: 0, down: 0 }, 'no WAN frame for this CH');
    /** The command once `pred` holds (now, or on a later supplier event). */
    const waitCommand = async (id: string, pred: (c: CommandRecord) => boolean) => {
      let hit: CommandRecord | undefined;
      const off = supplier.subscribe((e) => {
        if (e.type === 'command' && e.command.id === id && pred(e.command)) hit = e.command;
      });
      try {
        const cur = await pumpVirtualPromise(vc, supplier.command(id));
        if (!hit && cur && pred(cur.command)) hit = cur.command;
        await pumpVirtual(vc, () => hit !== undefined, { maxEvents: 1_000_000 });
        return hit!;
      } finally {
        off();
      }
    };

    // --- installation and SU-3 without WAN
    assert.deepEqual(await pumpVirtualPromise(vc, s.provisioned), []);
    assert.equal(home.link.isUp(), false);
    noWan();
    assert.equal(
      chf.deviceLog.get(home.plan.ppmid)?.relayEnabled,
      true,
      'the 8.11 through the PPMID set the relay flag',
    );
    const rec = supplier.ppmidRecords().find((r) => r.eui === home.plan.ppmid)!;
    assert.equal(rec.state, 'relay-enabled');
    assert.equal(rec.relayConfirmed, false, 'its 8.11 response waits at the CH');
    const deviceLog = (await pumpVirtualPromise(vc, supplier.command(rec.deviceLogCommandId!)))!.command;
    assert.equal(deviceLog.state, 'applied-unconfirmed');
    assert.deepEqual(deviceLog.commandVariants, [2]);

    // --- time: no time source, Unreliable; the meters see it
    assert.equal(chf.time.status(), 'unreliable');
    assert.equal(home.esme.getTimeStatus(), 'unreliable', 'the meters see it');

    // --- 8.1.1 Commission Device (CV 4 then 6, no-WAN commissioning policy, decision C8) while the
    // CH's time is Unreliable: delivered through the PPMID, but the ESME does not take an Unreliable time
    const commission = async (target: string) => {
      const c = await pumpVirtualPromise(
        vc,
        supplier.submit({ premisesId: home.premisesId, target, order: { kind: 'commission-device' } }),
      );
      assert.equal(c.route, 'ppmid', c.routeReasons?.join('; '));
      assert.deepEqual(c.commandVariants, [4, 6]);
      const done = await waitCommand(c.id, (x) => x.state === 'applied-unconfirmed' || x.state === 'failed');
      assert.equal(done.state, 'applied-unconfirmed', done.reason);
      return done;
    };
    const meterOutcome = async (events: typeof home.esme.events, counter: bigint) => {
      const mine = () => events.filter((e) => e.kind === 'command' && e.originatorCounter === counter);
      await pumpVirtual(vc, () => mine().length > 0, { maxEvents: 1_000_000 });
      return mine().map((e) => `${e.decision}:${e.reason}${e.useCase ? `:${e.useCase}` : ''}`);
    };
    const early = await commission(home.plan.esme);
    assert.deepEqual(await meterOutcome(home.esme.events, early.requestId!.counter), [
      'accepted:FAILED:ECS70',
    ]);
    assert.equal(home.esme.getTimeStatus(), 'unreliable', 'no Unreliable time adopted');
    noWan();

    // --- the DCC's Set CH Time through the PPMID
    const t = await pumpVirtualPromise(
      vc,
      supplier.submit({ premisesId: home.premisesId, order: { kind: 'ch-time' } }),
    );
    const timed = await waitCommand(t.id, (c) => c.state === 'applied-unconfirmed');
    assert.equal(timed.ppmid?.status, 'forwarded');
    assert.equal(chf.time.status(), 'reliable');
    assert.ok(Math.abs(chf.time.now() - vc.now()) < 60_000, 'the CH has the DCC time');
    assert.equal(home.esme.getTimeStatus(), 'reliable', 'and the meters follow');
    noWan();

    // --- now 8.1.1 commissions the ESME and the GSME (ECS70 / GCS28), still through the PPMID
    const esmeCommissioned = await commission(home.plan.esme);
    assert.deepEqual(await meterOutcome(home.esme.events, esmeCommissioned.requestId!.counter), [
      'accepted:OK:ECS70',
    ]);
    const gsmeCommissioned = await commission(home.plan.gsme);
    assert.deepEqual(await meterOutcome(home.gsme.events, gsmeCommissioned.requestId!.counter), [
      'accepted:OK:GCS28',
    ]);
    assert.equal(home.gsme.getTimeStatus(), 'reliable');
    // DSP-4: the DSP logged each 8.1.1 it handed out for local delivery
    await s.dsp!.flush();
    const logged = await queryLocalDeliveries(s.dsp!.db, { from: 0, to: vc.now() + 1 });
    assert.equal(logged.filter((r) => r.srv === '8.1.1' && r.target === home.plan.esme).length, 2);
    assert.equal(logged.filter((r) => r.srv === '8.1.1' && r.target === home.plan.gsme).length, 1);
    noWan();

    // --- future-dated work stays off local delivery (decision "time without WAN")
    await assert.rejects(
      pumpVirtualPromise(
        vc,
        supplier.submit({
          premisesId: home.premisesId,
          order: {
            kind: 'price',
            standingCharge: 30,
            standingChargeScale: -2,
            priceScale: -3,
            touPrices: [200],
            executionDateTime: new Date(vc.now() + 86_400_000).toISOString(),
          },
          route: 'ppmid',
        }),
      ),
      { code: 'SUPPLIER_BAD_REQUEST' },
    );

    // --- five top-ups and a tariff change through the PPMID
    const balance0 = home.esme.stateView.meterBalance;
    const ids: string[] = [];
    // one order every 10 s: within the CH's relay rate limit (CH-7: burst 5, 10 a minute)
    const pace = async () => {
      const t0 = vc.now();
      await pumpVirtual(vc, () => vc.now() >= t0 + 10_000);
    };
    for (const value of [100, 200, 300, 400, 500]) {
      await pace();
      const c = await pumpVirtualPromise(
        vc,
        supplier.submit({
          premisesId: home.premisesId,
          order: { kind: 'top-up', value, valueClass: 'pennies' },
          route: 'ppmid',
        }),
      );
      ids.push(c.id);
    }
    await pace();
    const price = await pumpVirtualPromise(
      vc,
      supplier.submit({
        premisesId: home.premisesId,
        order: {
          kind: 'price',
          standingCharge: 25,
          standingChargeScale: -2,
          priceScale: -3,
          touPrices: [150],
        },
        route: 'ppmid',
      }),
    );
    ids.push(price.id);
    const settled = [];
    for (const id of ids) settled.push(await waitCommand(id, (c) => c.state === 'applied-unconfirmed'));
    assert.equal(home.esme.stateView.meterBalance, balance0 + 1500 * 1000, 'credited once each');
    // the supplier settles on the PPMID's report; the CH relays on to the ESME over the HAN
    const priceCounter = settled.at(-1)!.requestId!.counter;
    await pumpVirtual(vc, () => esmeDecisions(home.esme.events, priceCounter).accepted === 1, {
      maxEvents: 100_000,
    });
    const tariff = electricityPriceView(home.esme.stateView.tariff);
    assert.equal(tariff.standingCharge, 25, 'the tariff change applied');
    assert.equal(tariff.priceScale, -3);
    assert.equal(tariff.tou[0], 150);
    for (const c of settled) {
      assert.equal(c.route, 'ppmid');
      assert.equal(c.responses, 0);
      assert.equal(c.evidence?.forwarded.ppmid, home.plan.ppmid);
    }
    // the PPMID's own HAN read of the ESME after each top-up reaches the supplier as evidence
    // (status report credit-read field): the running balance; from the second on it matches
    // the previous reading plus the top-up
    const reads = [];
    for (const id of ids.slice(0, 5))
      reads.push(await waitCommand(id, (c) => c.evidence?.creditRead !== undefined));
    let running = balance0;
    reads.forEach((c, i) => {
      running += [100, 200, 300, 400, 500][i] * 1000;
      const cr = c.evidence!.creditRead!;
      assert.equal(c.state, 'applied-unconfirmed');
      assert.equal(cr.meter, home.plan.esme);
      assert.equal(cr.creditRemaining, running, `top-up ${i + 1}: the PPMID read the credited balance`);
      assert.ok(cr.readAt >= c.evidence!.forwarded.at);
      assert.equal(cr.matches, i === 0 ? null : true, `${i}: ${cr.basis}`);
      assert.equal(
        c.ppmid?.forwardedAt,
        c.evidence!.forwarded.at,
        'the read does not move the forwarded time',
      );
    });
    assert.equal(settled.at(-1)!.evidence?.creditRead, undefined, 'a tariff change has no credit read');
    assert.ok(chf.uplinkDepth() >= ids.length + 2, 'responses (and the 8.11 / time ones) wait at the CH');
    noWan();

    // --- the WAN appears for the first time
    wan.backchannel.forceUp(home.plan.chf);
    const all = [rec.deviceLogCommandId!, t.id, early.id, esmeCommissioned.id, gsmeCommissioned.id, ...ids];
    const topUpsAndPrice = new Set(ids);
    await pumpVirtual(vc, () => chf.uplinkDepth() === 0, { maxEvents: 1_000_000 });
    const final = await Promise.all(ids.map((id) => waitCommand(id, (c) => c.state === 'responded')));
    for (const [i, c] of final.entries()) {
      assert.equal(c.responses, 1, `command ${c.id}: exactly one response`);
      assert.ok(c.evidence, 'the evidence stays with it');
      if (i < 5) assert.deepEqual(c.evidence.creditRead, reads[i].evidence!.creditRead);
      assert.deepEqual(esmeDecisions(home.esme.events, c.requestId!.counter), { accepted: 1, rejected: [] });
    }
    assert.ok(wanFrames().up >= ids.length, 'the buffered responses went up once the WAN appeared');
    // the 8.1.1 commands: the two that commissioned are answered once; the early one's answer says the clock was not adjusted
    for (const id of [esmeCommissioned.id, gsmeCommissioned.id]) {
      const c = await waitCommand(id, (x) => x.responses > 0);
      assert.equal(c.state, 'responded', `${id}: ${c.reason}`);
      assert.equal(c.responses, 1);
    }
    // (the device response itself says adjust_to_preset_time failed; the tracker records the response)
    const earlyDone = await waitCommand(early.id, (x) => x.responses > 0);
    assert.equal(earlyDone.state, 'responded');
    assert.ok(earlyDone.response?.gbcs, 'the device response is kept');
    const relay = supplier.ppmidRecords().find((r) => r.eui === home.plan.ppmid)!;
    const dl = (await pumpVirtualPromise(vc, supplier.command(rec.deviceLogCommandId!)))!.command;
    assert.equal(dl.state, 'responded', 'the 8.11 response arrived too');
    assert.equal(relay.relayConfirmed, true);
    assert.ok(all.every((id) => id) && topUpsAndPrice.size === 6);
  });
});
