/**
 * SECMP0038 CH-5: the CH raises PPMID Connected (PROVISIONAL 0x8E01) when a
 * PPMID joins or opens its tunnel, so that the CSP can watch its CHs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { derivedInstallCode, RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { verifyChAlert } from '../support/alert-check.ts';
import { newAtps } from '../support/atps-harness.ts';

describe('CH-5 PPMID Connected', async () => {
  const atps = newAtps();
  const world = (await atps.profile('rtds')).world;
  const connected = (id: string, since = 0) =>
    atps
      .alerts(id, { since })
      .filter((a) => a.name === 'ppmid-connected')
      .map((a) => verifyChAlert(world, '90B3D51F30000002', a.hex, false).alert);

  it('on join and on tunnel open, sent to the CSP', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const got = connected(id);
    assert.deepEqual(
      got.map((a) => (a.alert === 'ppmid-connected' ? [a.ppmid, a.how] : null)),
      [
        [RTDS_EUIS.ppmid, 'joined'],
        [RTDS_EUIS.ppmid, 'tunnel-opened'],
      ],
    );
    for (const a of atps.alerts(id).filter((x) => x.name === 'ppmid-connected'))
      assert.ok(atps.wanUplink(id).some((u) => u.hex === a.hex));
  });

  it('again when the PPMID comes back online (rejoin) and after a CH restart', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const last = atps.alerts(id).at(-1)?.seq ?? 0;
    atps.backchannel(id, { action: 'ppmid-offline' });
    atps.backchannel(id, { action: 'ppmid-online' });
    const hows = connected(id, last).map((a) => (a.alert === 'ppmid-connected' ? a.how : ''));
    assert.deepEqual(hows, ['rejoined', 'tunnel-opened']);
    const last2 = atps.alerts(id).at(-1)?.seq ?? 0;
    atps.backchannel(id, { action: 'ch-reboot' });
    const hows2 = connected(id, last2).map((a) => (a.alert === 'ppmid-connected' ? a.how : ''));
    assert.deepEqual(hows2, ['rejoined', 'tunnel-opened']);
  });

  it('a second PPMID added through CCS01 raises it when it joins; other device types do not', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const eui = '00DB1234567890A7';
    const r = atps.deviceLogCommand(id, {
      add: { eui, deviceType: 'PPMID', installCode: derivedInstallCode(eui), relayEnabled: false },
    });
    assert.equal(r.chDecision, 'delivered');
    const last = atps.alerts(id).at(-1)?.seq ?? 0;
    const home = atps.home(id);
    home.addDevice({ eui, deviceType: 'PPMID', installCode: derivedInstallCode(eui), logged: false });
    atps.backchannel(id, { action: 'advance', ms: 10_000 });
    const got = connected(id, last);
    assert.equal(got.length, 2);
    assert.ok(got.every((a) => a.alert === 'ppmid-connected' && a.ppmid === eui));
    const e2 = '00DB1234567890A8';
    home.chf.addDevice({ eui: e2, deviceType: 'ESME', installCode: derivedInstallCode(e2) });
    const last2 = atps.alerts(id).at(-1)?.seq ?? 0;
    home.addDevice({ eui: e2, deviceType: 'ESME', installCode: derivedInstallCode(e2), logged: false });
    atps.backchannel(id, { action: 'advance', ms: 10_000 });
    assert.equal(connected(id, last2).length, 0);
  });
});
