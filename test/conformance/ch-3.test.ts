/**
 * SECMP0038 CH-3 (risk R9): the CH never accepts a firmware image through a
 * PPMID: OTA Upgrade cluster (0x0019) traffic from a PPMID is refused, logged
 * and alerted (PPMID Relay Rejected, reason ota-from-ppmid).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OTA_UPGRADE_CLUSTER_ID } from '../../src/devices/han/node.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { verifyChAlert } from '../support/alert-check.ts';
import { newAtps } from '../support/atps-harness.ts';

describe('CH-3 OTA from a PPMID is refused', async () => {
  const atps = newAtps();
  const world = (await atps.profile('rtds')).world;

  it('a PPMID offering an image on the OTA cluster: discarded, logged, alerted', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const before = atps.alerts(id).length;
    atps.backchannel(id, { action: 'ppmid-ota' });
    const ev = atps.chEvents(id).find((e) => e.reason === 'ota-from-ppmid');
    assert.equal(ev?.decision, 'discarded');
    assert.equal(ev?.from, RTDS_EUIS.ppmid);
    assert.equal(ev?.detail?.clusterId, OTA_UPGRADE_CLUSTER_ID);
    const alerts = atps.alerts(id).slice(before);
    assert.equal(alerts.length, 1);
    const d = verifyChAlert(world, '90B3D51F30000002', alerts[0].hex, true).alert;
    assert.equal(d.alert === 'ppmid-relay-rejected' && d.reason, 'ota-from-ppmid');
  });

  it('OTA traffic from another device is not served either, but is no PPMID relay rejection', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const home = atps.home(id);
    const before = atps.alerts(id).length;
    home
      .tunnelNode(RTDS_EUIS.esme)
      .sendCluster(home.chRadioEui, OTA_UPGRADE_CLUSTER_ID, Uint8Array.of(0x19, 0x01, 0x00));
    atps.backchannel(id, { action: 'advance', ms: 5_000 });
    assert.ok(atps.chEvents(id).some((e) => e.reason === 'cluster-not-served' && e.from === RTDS_EUIS.esme));
    assert.equal(atps.alerts(id).length, before);
  });
});
