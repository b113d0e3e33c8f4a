/**
 * SECMP0038 end to end with a hostile internet leg and a hostile PPMID:
 * - a forged delivery envelope (signed with a key that is not the supplier's,
 *   published by a rogue client on the broker) is refused at the PPMID
 *   (PP-2, `bad-signature`) and nothing reaches the CH;
 * - a compromised PPMID sends over its HAN tunnel a command for the CHF, one
 *   for a device outside the Device Log, a firmware image offer (OTA
 *   cluster) and a flood: the CH discards each (CH-2, CH-3, CH-7) and raises
 *   PPMID Relay Rejected, which the CHM receives over the SM WAN and shows
 *   through its HTTP API (CSP-2);
 * - Block Buffer Feed from the CHM (over its HTTP API) puts the CH in
 *   standalone mode: a genuine top-up through the PPMID is not relayed
 *   (CH-6); after the operator clears the CH (A20), Unblock restores relay
 *   and the next top-up credits the meter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectMqttLink, inboxTopic } from '../../src/adapters/mqtt/index.ts';
import type { ChmEvent } from '../../src/dcc/chm/chm.ts';
import { generateSigningKeyPair, newEnvelopeId, signEnvelope } from '../../src/delivery/index.ts';
import { OTA_UPGRADE_CLUSTER_ID } from '../../src/devices/han/node.ts';
import { SeededRandom } from '../../src/runtime/random.ts';
import type { CommandRecord } from '../../src/supplier/model.ts';
import { byName, retarget } from '../support/atps-harness.ts';
import { waitFor, withTimeout } from '../support/wait.ts';
import { awaitCommand, type E2eSystem, http, startE2eSystem } from './harness.ts';

const ROGUE = 'supplier-90B3D51F30030000';

describe('e2e: a hostile PPMID, the CHM and Block / Unblock Buffer Feed', () => {
  let e: E2eSystem;
  before(async () => {
    // CH-7 limits small enough that a short flood trips them (burst 3, then one a second).
    e = await startE2eSystem({
      homes: 1,
      wanMix: 'reliable=1',
      chf: { ppmidRelayBurst: 3, ppmidRelayPerMinute: 60 },
    });
  });
  after(() => e?.stop());

  /** Resolves once the CHM has received PPMID Relay Rejected alerts for every reason in `reasons`. */
  function chmReasons(reasons: string[]): Promise<void> {
    const want = new Set(reasons);
    return withTimeout(
      new Promise<void>((resolve) => {
        const off = e.sys.chm!.onEvent((ev: ChmEvent) => {
          if (ev.type === 'alert' && ev.alert.alertType === 'ppmid-relay-rejected' && ev.alert.reason)
            want.delete(ev.alert.reason);
          if (want.size === 0) {
            off();
            resolve();
          }
        });
      }),
      90_000,
      () => `CHM alerts for ${[...want].join(', ')}`,
    );
  }

  it('a forged envelope is refused at the PPMID', async () => {
    const { sys } = e;
    const home = sys.estate!.homes[0];
    const relayedBefore = home.home.chf.events.filter(
      (ev) => ev.kind === 'route' && ev.source === 'ppmid',
    ).length;
    const creds = await sys.pki!.clientCredentials(ROGUE, 'Supplier');
    const rogue = await connectMqttLink(ROGUE, {
      url: sys.urls.mqtt!,
      protocolVersion: 4,
      tls: { caPem: sys.pki!.caCertPem, client: creds },
    });
    try {
      const now = sys.clock.now();
      const forged = signEnvelope(
        {
          envelopeId: newEnvelopeId(new SeededRandom('forged')),
          supplierId: sys.supplier!.supplierEui,
          ppmid: home.plan.ppmid,
          requestId: { originator: sys.supplier!.supplierEui, target: home.plan.esme, counter: 1n << 40n },
          createdAt: now,
          expiresAt: now + 3_600_000,
          gbcs: retarget(byName('4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND').bytes, home.plan.esme),
        },
        generateSigningKeyPair().privateKey,
        sys.supplier!.deliveryKey.keyId, // claims the supplier's key
      );
      await rogue.publish(inboxTopic(home.plan.ppmid), forged, { qos: 1 });
      await waitFor(
        () => home.ppmid!.events.some((ev) => ev.decision === 'rejected' && ev.reason === 'bad-signature'),
        90_000,
        { what: 'the PPMID refusing the forged envelope' },
      );
    } finally {
      await rogue.close();
    }
    const relayedAfter = home.home.chf.events.filter(
      (ev) => ev.kind === 'route' && ev.source === 'ppmid',
    ).length;
    assert.equal(relayedAfter, relayedBefore, 'nothing reached the CH');
  });

  it('wrong targets, a firmware offer and a flood are discarded at the CH; the CHM shows the alerts', async () => {
    const { sys } = e;
    const home = sys.estate!.homes[0];
    const p = home.plan;
    const tunnel = home.home.tunnelNode(p.ppmid);
    const read = byName('4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND').bytes;
    const arrived = chmReasons([
      'target-is-chf',
      'target-not-in-device-log',
      'ota-from-ppmid',
      'rate-limited',
    ]);
    tunnel.send(retarget(read, p.chf));
    tunnel.send(retarget(read, '00DB12345AFFFFF0'));
    tunnel.sendCluster(
      home.home.chRadioEui,
      OTA_UPGRADE_CLUSTER_ID,
      Uint8Array.of(0x19, 0x01, 0x00, 0x00, 0x64),
    );
    for (let i = 0; i < 12; i++) tunnel.send(retarget(read, p.esme));
    await arrived;

    const discards = home.home.chf.events.filter((ev) => ev.kind === 'route' && ev.decision === 'discarded');
    for (const r of ['target-is-chf', 'target-not-in-device-log', 'ota-from-ppmid', 'rate-limited'])
      assert.ok(
        discards.some((ev) => ev.reason === r),
        `CH discard ${r}`,
      );
    const api = await http<{
      total: number;
      alerts: Array<{ reason: string; verified: boolean; chf: string }>;
    }>(sys.urls.chm, 'GET', `/api/alerts?chf=${p.chf}&type=ppmid-relay-rejected&limit=100`);
    assert.equal(api.status, 200);
    const reasons = new Set(api.body.alerts.map((a) => a.reason));
    for (const r of ['target-is-chf', 'target-not-in-device-log', 'ota-from-ppmid', 'rate-limited'])
      assert.ok(reasons.has(r), `CHM API shows ${r}`);
    assert.ok(
      api.body.alerts.every((a) => a.verified && a.chf === p.chf),
      'every alert verified (CHF MAC)',
    );
  });

  it('Block Buffer Feed stops relay; Unblock restores it', async () => {
    const { sys } = e;
    const home = sys.estate!.homes[0];
    const p = home.plan;
    const chmMode = (mode: string) =>
      withTimeout(
        new Promise<void>((resolve) => {
          const off = sys.chm!.onEvent((ev) => {
            if (ev.type === 'ch' && ev.ch.chf === p.chf && ev.ch.mode === mode) {
              off();
              resolve();
            }
          });
        }),
        90_000,
        `CH ${p.chf} ${mode} at the CHM`,
      );

    const standalone = chmMode('standalone');
    const blocked = await http(sys.urls.chm, 'POST', `/api/chs/${p.chf}/block`, {
      operator: 'e2e',
      note: 'hostile PPMID',
    });
    assert.equal(blocked.status, 202, JSON.stringify(blocked.body));
    await standalone;
    const listed = await http<{ chs: Array<{ chf: string }> }>(sys.urls.chm, 'GET', '/api/chs/standalone');
    assert.ok(
      listed.body.chs.some((c) => c.chf === p.chf),
      'listed as standalone (CSP-3)',
    );

    const balance0 = home.esme.stateView.meterBalance;
    const order = { order: { kind: 'top-up', value: 300, valueClass: 'pennies' }, route: 'ppmid' };
    const seen = home.home.chf.events.length;
    // A short expiry: the supplier sends one command at a time per meter (GBCS counters must rise),
    // so the next top-up waits until this one, never answered, has expired (SU-2).
    const first = await http<CommandRecord>(
      sys.urls.supplier,
      'POST',
      `/api/v1/premises/${p.premisesId}/commands`,
      {
        ...order,
        expiresInMs: 3_000,
      },
    );
    assert.equal(first.status, 202);
    await awaitCommand(sys, first.body.id, (c) => c.ppmid?.status === 'forwarded');
    // In standalone mode the CH reads no further than the source: the relay is discarded at once.
    await waitFor(
      () =>
        home.home.chf.events
          .slice(seen)
          .some((ev) => ev.kind === 'route' && ev.source === 'ppmid' && ev.reason === 'standalone-mode'),
      90_000,
      { what: 'the CH refusing the relay in standalone mode' },
    );
    assert.equal(home.esme.stateView.meterBalance, balance0, 'nothing reached the meter');
    const lost = await awaitCommand(sys, first.body.id);
    assert.equal(lost.state, 'expired');

    // A20: the operator clears the CH, then Unblock re-joins it.
    assert.equal(
      (await http(sys.urls.chm, 'POST', `/api/chs/${p.chf}/clear`, { operator: 'e2e' })).status,
      200,
    );
    const normal = chmMode('normal');
    const unblocked = await http(sys.urls.chm, 'POST', `/api/chs/${p.chf}/unblock`, { operator: 'e2e' });
    assert.equal(unblocked.status, 202, JSON.stringify(unblocked.body));
    await normal;

    const second = await http<CommandRecord>(
      sys.urls.supplier,
      'POST',
      `/api/v1/premises/${p.premisesId}/commands`,
      order,
    );
    assert.equal(second.status, 202);
    const done = await awaitCommand(sys, second.body.id);
    assert.equal(done.state, 'responded', done.reason);
    assert.equal(home.esme.stateView.meterBalance, balance0 + 300 * 1000, 'relay restored: credited once');
  });
});
