/**
 * SECMP0038 CH-4: responses and alerts, including those caused by
 * PPMID-delivered commands, go to the WAN and never back to the PPMID; while
 * the WAN is down they wait in a bounded buffer and are delivered in order
 * when it returns; an overflow is counted and alerted, never silent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { PROVISIONAL_ALERT_CODE } from '../../src/gbcs/codes/provisional.ts';
import { peekRouting } from '../../src/gbcs/peek.ts';
import { toHex } from '../../src/runtime/bytes.ts';
import { verifyChAlert } from '../support/alert-check.ts';
import { COMMANDS, NO_LIMITS, newAtps, RESPONSE_FOR } from '../support/atps-harness.ts';

const esmeCommands = COMMANDS.filter(
  (m) =>
    peekRouting(m.bytes).targetEui === RTDS_EUIS.esme &&
    RESPONSE_FOR.has(m.hex.toUpperCase()) &&
    m.bytes.length < 1400,
);

describe('CH-4 responses to PPMID-delivered commands go to the WAN only', async () => {
  const atps = newAtps();
  const { id } = await atps.createHome({ profile: 'rtds', chf: NO_LIMITS });
  const home = atps.home(id);
  const atPpmid: Uint8Array[] = [];
  home.tunnelNode(RTDS_EUIS.ppmid).onMessage((b) => atPpmid.push(b));

  it(`every RTDS ESME command with a response (${esmeCommands.length}): response on the WAN, nothing back to the PPMID`, () => {
    for (const m of esmeCommands) {
      const [r] = atps.inject(id, 'ppmid', m.bytes, { source: m.name });
      assert.equal(r.chDecision, 'delivered', m.name);
      assert.equal(r.response, toHex(RESPONSE_FOR.get(m.hex.toUpperCase())!), m.name);
      assert.equal(r.responseRoute, 'wan', m.name);
    }
    assert.equal(atPpmid.length, 0);
  });
});

describe('CH-4 bounded uplink buffer while the WAN is down, flushed in order', async () => {
  const atps = newAtps();
  const { id } = await atps.createHome({ profile: 'rtds', chf: NO_LIMITS });
  const five = esmeCommands.slice(0, 5);
  it('buffered while down, nothing sent', () => {
    atps.backchannel(id, { action: 'wan-down' });
    const before = atps.wanUplink(id).length;
    const rs = atps.inject(
      id,
      'ppmid',
      five.map((m) => m.bytes),
    );
    assert.ok(rs.every((r) => r.chDecision === 'delivered' && r.responseRoute === null));
    assert.equal(atps.wanUplink(id).length, before);
    assert.equal(atps.home(id).chf.uplinkDepth(), 5);
  });
  it('delivered in order when the WAN returns', () => {
    const before = atps.wanUplink(id).length;
    atps.backchannel(id, { action: 'wan-up' });
    const sent = atps
      .wanUplink(id)
      .slice(before)
      .map((u) => u.hex);
    assert.deepEqual(
      sent,
      five.map((m) => toHex(RESPONSE_FOR.get(m.hex.toUpperCase())!)),
    );
    assert.equal(atps.home(id).chf.uplinkDepth(), 0);
  });
  it('a command for the CH waits at the CSP while the WAN is down, and arrives when it returns', () => {
    atps.backchannel(id, { action: 'wan-down' });
    const [r] = atps.inject(id, 'wan', five[0].bytes);
    assert.equal(r.chDecision, null);
    assert.equal(r.chReason, 'waiting-at-csp:wan-down');
    const last = atps.chEvents(id).at(-1)?.seq ?? 0;
    atps.backchannel(id, { action: 'wan-up' });
    assert.ok(
      atps
        .chEvents(id, { since: last })
        .some((e) => e.kind === 'route' && e.source === 'wan' && e.decision === 'delivered'),
    );
  });
});

describe('CH-4 / CH-8 overflow of the uplink buffer is counted and alerted', async () => {
  const atps = newAtps();
  const world = (await atps.profile('rtds')).world;
  const { id } = await atps.createHome({
    profile: 'rtds',
    chf: { ...NO_LIMITS, uplinkCapacity: 2, uplinkAlertReserve: 4 },
  });
  const home = atps.home(id);
  it('2 buffered, the 3 oldest dropped with an event each; buffer-full alerts reach the CSP after the outage', () => {
    atps.backchannel(id, { action: 'wan-down' });
    const rs = atps.inject(
      id,
      'ppmid',
      esmeCommands.slice(0, 5).map((m) => m.bytes),
    );
    assert.equal(rs.length, 5);
    const dropped = atps.chEvents(id).filter((e) => e.kind === 'uplink' && e.reason === 'uplink-buffer-full');
    assert.equal(dropped.length, 3);
    for (const e of dropped) assert.equal(e.detail?.dropped, 'oldest');
    assert.deepEqual(
      dropped.map((e) => e.detail?.kind),
      ['response', 'response', 'response'],
    );
    assert.equal(home.metrics.snapshot().counters['chf.uplink.dropped'], 3);
    const full = atps.alerts(id).filter((a) => a.name === 'buffer-full');
    assert.ok(full.length >= 1);
    const before = atps.wanUplink(id).length;
    atps.backchannel(id, { action: 'wan-up' });
    atps.backchannel(id, { action: 'advance', ms: 120_000 });
    const after = atps.wanUplink(id).slice(before);
    // the two buffered responses and every buffer-full alert arrive
    const alertsSent = atps.alerts(id).filter((a) => a.name === 'buffer-full');
    for (const a of alertsSent)
      assert.ok(
        after.some((u) => u.hex === a.hex),
        'buffer-full alert delivered',
      );
    const decoded = alertsSent.map((a) => verifyChAlert(world, '90B3D51F30000002', a.hex, false).alert);
    assert.ok(
      decoded.some(
        (d) => d.alert === 'buffer-full' && d.buffer === 'wan-uplink' && d.overflowed && d.dropped >= 1,
      ),
    );
    // the newest two: the buffer gave up its oldest (uplink-overflow.ts)
    assert.deepEqual(
      after.filter((u) => u.cra === 'response').map((u) => u.hex.toUpperCase()),
      [rs[3].response, rs[4].response].map((h) => h!.toUpperCase()),
    );
    assert.equal(alertsSent[0].alertCode, PROVISIONAL_ALERT_CODE['buffer-full'].toString(16).toUpperCase());
  });
});

describe('CH-4 across a power cut: the uplink buffer is non-volatile; nothing stays unconfirmed once the DSP side holds it', async () => {
  const atps = newAtps();
  const a = (await atps.createHome({ profile: 'rtds', chf: NO_LIMITS })).id;
  const b = (await atps.createHome({ profile: 'rtds', chf: NO_LIMITS })).id;
  const three = esmeCommands.slice(0, 3);
  it('what the buffer held comes back after the cut, in order, byte for byte, and is sent when the WAN is up', () => {
    atps.backchannel(a, { action: 'wan-down' });
    atps.inject(
      a,
      'ppmid',
      three.map((m) => m.bytes),
    );
    const kept = atps.home(a).chf.uplinkBuffer();
    assert.equal(kept.length, 3);
    assert.ok(kept.every((e) => e.sent === undefined && e.kind === 'response'));
    // the same CH after the power cut (another instance, restored from what it kept)
    atps.backchannel(b, { action: 'wan-down' });
    atps.home(b).chf.restoreUplinkBuffer(JSON.parse(JSON.stringify(kept)));
    assert.equal(atps.home(b).chf.uplinkDepth(), 3);
    const before = atps.wanUplink(b).length;
    atps.backchannel(b, { action: 'wan-up' });
    const sent = atps.wanUplink(b).slice(before);
    assert.deepEqual(
      sent.map((u) => u.hex.toUpperCase()),
      kept.map((e) => e.bytes),
    );
    // the CSP's DSP side (here the test tap) holds them: nothing left unconfirmed
    assert.deepEqual(atps.home(b).chf.uplinkBuffer(), []);
  });
});
