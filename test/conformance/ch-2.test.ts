/**
 * SECMP0038 CH-2: PPMID-relayed messages addressed to the CHF, GPF, an HHT, a
 * remote party or an EUI not in the Device Log, non-Commands, oversize and
 * malformed messages, and messages from a PPMID without the relay flag (C3)
 * are discarded; every discard is logged with its reason and raises PPMID
 * Relay Rejected (PROVISIONAL 0x8E02) at once; alerts are throttled per cause
 * so that a flood cannot flood the WAN.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { PROVISIONAL_ALERT_CODE, type RelayRejectReason } from '../../src/gbcs/codes/provisional.ts';
import { concatBytes } from '../../src/runtime/bytes.ts';
import { verifyChAlert } from '../support/alert-check.ts';
import { byName, NO_LIMITS, newAtps, retarget } from '../support/atps-harness.ts';

const RELAY_REJECTED = PROVISIONAL_ALERT_CODE['ppmid-relay-rejected'].toString(16).toUpperCase();
const esmeCommand = byName('4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND');

describe('CH-2 every discard reason: logged, alerted at once, alert verifiable', async () => {
  const atps = newAtps();
  const world = (await atps.profile('rtds')).world;
  const cases: Array<{
    reason: RelayRejectReason;
    bytes: () => Uint8Array;
    home?: { ppmidRelayEnabled: boolean };
    gbt?: 'never';
    hht?: boolean;
  }> = [
    { reason: 'target-is-chf', bytes: () => byName('8.11_CCS01/CCS01_8.11_SUCCESS_COMMAND').bytes },
    {
      reason: 'target-is-gpf',
      bytes: () => byName('4.3_GCS14/GCS14_4.3_SUCCESS_RELIABLE_GPF_COMMAND').bytes,
    },
    { reason: 'target-is-hht', bytes: () => retarget(esmeCommand.bytes, RTDS_EUIS.hht), hht: true },
    { reason: 'target-is-remote-party', bytes: () => retarget(esmeCommand.bytes, '90B3D51F30010000') },
    { reason: 'target-not-in-device-log', bytes: () => retarget(esmeCommand.bytes, '00DB1234567890A6') },
    {
      reason: 'not-a-command',
      bytes: () => byName('4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE', 'RESPONSE').bytes,
    },
    { reason: 'malformed', bytes: () => Uint8Array.of(0xdd, 0x00, 0x00, 0x13, 0x37) },
    {
      reason: 'oversize',
      bytes: () => concatBytes(esmeCommand.bytes, new Uint8Array(1400).fill(0x5a)),
      gbt: 'never',
    },
    { reason: 'ppmid-not-relay-enabled', bytes: () => esmeCommand.bytes, home: { ppmidRelayEnabled: false } },
  ];
  for (const c of cases)
    it(c.reason, async () => {
      const { id } = await atps.createHome({ profile: 'rtds', hht: c.hht, ...c.home });
      const bytes = c.bytes();
      const [r] = atps.inject(id, 'ppmid', bytes, { gbt: c.gbt });
      assert.equal(r.chDecision, 'discarded');
      assert.equal(r.chReason, c.reason);
      assert.equal(r.deviceDecision, null);
      // logged with its reason ...
      const ev = atps.chEvents(id).find((e) => e.kind === 'route' && e.decision === 'discarded');
      assert.equal(ev?.reason, c.reason);
      assert.equal(ev?.source, 'ppmid');
      // ... and alerted at once, over the WAN, verifiable by the CSP
      assert.deepEqual(r.alerts, [RELAY_REJECTED]);
      const alert = atps.alerts(id).at(-1)!;
      const uplinked = atps.wanUplink(id).some((u) => u.hex === alert.hex);
      assert.ok(uplinked, 'the alert reached the CSP');
      const decoded = verifyChAlert(world, '90B3D51F30000002', alert.hex, true);
      assert.equal(decoded.alert.alert, 'ppmid-relay-rejected');
      if (decoded.alert.alert === 'ppmid-relay-rejected') {
        assert.equal(decoded.alert.reason, c.reason);
        assert.equal(decoded.alert.ppmid, RTDS_EUIS.ppmid);
        assert.equal(decoded.alert.size, bytes.length);
        assert.equal(decoded.alert.suppressed, 0);
      }
    });
});

describe('CH-2 alert throttling: a flood does not flood the WAN, and nothing is lost silently', async () => {
  const atps = newAtps();
  const world = (await atps.profile('rtds')).world;
  const { id } = await atps.createHome({ profile: 'rtds', chf: { ...NO_LIMITS, alertThrottleMs: 60_000 } });
  const toChf = byName('8.11_CCS01/CCS01_8.11_SUCCESS_COMMAND').bytes;
  const flood = 40;
  const t0 = atps.homeInfo(id).now;
  const results = atps.inject(
    id,
    'ppmid',
    Array.from({ length: flood }, () => toChf),
  );

  it('every message of the flood is discarded and logged with its reason', () => {
    assert.ok(results.every((r) => r.chDecision === 'discarded' && r.chReason === 'target-is-chf'));
    const logged = atps.chEvents(id).filter((e) => e.kind === 'route' && e.reason === 'target-is-chf');
    assert.equal(logged.length, flood);
  });

  it('only the first raises an alert at once; the rest wait for one summary per window', () => {
    const elapsed = atps.homeInfo(id).now - t0;
    const alerts = atps.alerts(id).filter((a) => a.name === 'ppmid-relay-rejected');
    assert.ok(alerts.length <= 1 + Math.ceil(elapsed / 60_000), `${alerts.length} alerts in ${elapsed} ms`);
    assert.equal(results[0].alerts.length, 1);
  });

  it('the summary carries the number suppressed: alerted + suppressed = discards', () => {
    atps.backchannel(id, { action: 'advance', ms: 120_000 });
    const alerts = atps.alerts(id).filter((a) => a.name === 'ppmid-relay-rejected');
    const total = alerts.reduce((n, a) => {
      const d = verifyChAlert(world, '90B3D51F30000002', a.hex, true).alert;
      // an immediate alert stands for its own rejection; a summary for the `suppressed` ones since the last alert
      const suppressed = d.alert === 'ppmid-relay-rejected' ? d.suppressed : 0;
      return n + (suppressed > 0 ? suppressed : 1);
    }, 0);
    assert.equal(total, flood);
  });

  it('another cause is not held back by the first', () => {
    const [r] = atps.inject(id, 'ppmid', retarget(esmeCommand.bytes, '00DB1234567890A6'));
    assert.deepEqual(r.alerts, [RELAY_REJECTED]);
  });
});
