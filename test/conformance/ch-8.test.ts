/**
 * SECMP0038 CH-8: every CH buffer is bounded, counted, with a high-water mark
 * and an alert (PROVISIONAL 0x8E03 buffer full) when one fills; nothing is
 * lost silently.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { verifyChAlert } from '../support/alert-check.ts';
import { byName, GSME_COMMAND, NO_LIMITS, newAtps } from '../support/atps-harness.ts';

const gsmeCommand = GSME_COMMAND;

describe('CH-8 bounded buffers with counters, high-water marks and alerts', async () => {
  const atps = newAtps();
  const world = (await atps.profile('rtds')).world;

  it('GSME mailbox: capacity 3, two over: discarded with events, buffer-full alert, high-water mark 3', async () => {
    const { id } = await atps.createHome({ profile: 'rtds', chf: { ...NO_LIMITS, mailboxCapacity: 3 } });
    const rs = atps.inject(
      id,
      'wan',
      Array.from({ length: 5 }, () => gsmeCommand.bytes),
    );
    assert.deepEqual(
      rs.map((r) => r.chDecision),
      ['queued', 'queued', 'queued', 'discarded', 'discarded'],
    );
    assert.equal(rs[3].chReason, 'mailbox-full');
    const m = atps.metrics(id);
    const g = m.gauges[`chf.buffer.gsme-mailbox.${RTDS_EUIS.gsme}.depth`];
    assert.equal(g.highWater, 3);
    assert.equal(m.counters[`chf.buffer.gsme-mailbox.${RTDS_EUIS.gsme}.dropped`], 2);
    const full = atps.alerts(id).filter((a) => a.name === 'buffer-full');
    assert.ok(full.length >= 1);
    const d = full.map((a) => verifyChAlert(world, '90B3D51F30000002', a.hex, false).alert);
    assert.ok(d.some((x) => x.alert === 'buffer-full' && x.buffer === 'gsme-mailbox' && x.capacity === 3));
  });

  it('PPMID relay queue: bounded; an overflow is a logged, alerted discard', async () => {
    const { id } = await atps.createHome({
      profile: 'rtds',
      chf: {
        ppmidRelayBurst: 1000,
        ppmidRelayPerMinute: 1000,
        ppmidAirtimeShareCap: 1,
        relayQueueCapacity: 1,
      },
    });
    const home = atps.home(id);
    // the ESME is out of range: the relay in flight hangs in APS retries while more arrive
    atps.backchannel(id, { action: 'device-offline', eui: RTDS_EUIS.esme });
    const ppmid = home.tunnelNode(RTDS_EUIS.ppmid);
    const cmd = byName('4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND').bytes;
    for (let i = 0; i < 4; i++) ppmid.sendRaw(cmd);
    atps.backchannel(id, { action: 'advance', ms: 60_000 });
    const routed = atps.chEvents(id).filter((e) => e.kind === 'route' && e.from === RTDS_EUIS.ppmid);
    assert.deepEqual(
      routed.map((e) => e.decision),
      ['delivered', 'queued', 'discarded', 'discarded'],
    );
    const ev = atps.chEvents(id).filter((e) => e.detail?.limit === 'relay-queue-full');
    assert.equal(ev.length, 2);
    assert.ok(atps.alerts(id).some((a) => a.name === 'buffer-full'));
    assert.equal(home.metrics.snapshot().gauges['chf.buffer.ppmid-relay.depth'].highWater, 1);
  });

  it('the CH event log is bounded; evictions are counted', async () => {
    const { id } = await atps.createHome({ profile: 'rtds', chf: { ...NO_LIMITS, eventLogCapacity: 50 } });
    atps.inject(
      id,
      'wan',
      Array.from({ length: 80 }, () => byName('8.11_CCS01/CCS01_8.11_SUCCESS_COMMAND').bytes),
    );
    const home = atps.home(id);
    assert.ok(home.chf.events.length <= 50);
    assert.ok((home.metrics.snapshot().counters['chf.events.evicted'] ?? 0) > 0);
  });

  it('every buffer shows up in the metrics with depth and high-water mark', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    atps.inject(id, 'wan', gsmeCommand.bytes);
    const g = atps.metrics(id).gauges;
    for (const name of [
      'chf.buffer.wan-uplink.depth',
      'chf.buffer.ppmid-relay.depth',
      `chf.buffer.gsme-mailbox.${RTDS_EUIS.gsme}.depth`,
      `han.txq.${RTDS_EUIS.gpf}.depth`,
      'han.channel.depth',
    ])
      assert.ok(g[name] && typeof g[name].highWater === 'number', name);
  });
});
