/**
 * SECMP0038 CH-9 (A17): PPMID-CH traffic is encrypted with ZigBee APS
 * link-key security, the key derived from the install code in the CHF Device
 * Log. A sniffer sees only secured frames; a device whose install code is not
 * the logged one, or that is not logged, gets nothing through.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { derivedInstallCode, RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { toHex } from '../../src/runtime/bytes.ts';
import { decodeApsFrame } from '../../src/zigbee/aps.ts';
import { encodeTunnelFrame, TUNNELING_CLUSTER_ID } from '../../src/zigbee/index.ts';
import { byName, newAtps } from '../support/atps-harness.ts';

const esmeCommand = byName('4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND');

describe('CH-9 APS link-key security on the PPMID-CH link', async () => {
  const atps = newAtps();

  it('every frame of a relay is APS-secured and the GBCS bytes never appear in clear', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const home = atps.home(id);
    const frames: Array<{ from: string; frame: Uint8Array }> = [];
    home.medium.onAir((e) => frames.push({ from: e.from, frame: e.frame }));
    const [r] = atps.inject(id, 'ppmid', esmeCommand.bytes);
    assert.equal(r.chDecision, 'delivered');
    const fromPpmid = frames.filter((f) => f.from === RTDS_EUIS.ppmid);
    assert.ok(fromPpmid.length > 1);
    const clear = toHex(esmeCommand.bytes.subarray(30, 60));
    for (const f of frames) {
      const d = decodeApsFrame(f.frame).value;
      if (d.header.frameType === 'data') assert.ok(d.header.security, 'data frames are secured');
      assert.ok(!toHex(f.frame).includes(clear), 'plaintext GBCS on air');
    }
  });

  it('a device whose install code differs from the Device Log entry never gets a tunnel', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const home = atps.home(id);
    const eui = '00DB1234567890A7';
    home.chf.addDevice({
      eui,
      deviceType: 'PPMID',
      installCode: derivedInstallCode(eui),
      relayEnabled: true,
    });
    home.addDevice({
      eui,
      deviceType: 'PPMID',
      installCode: derivedInstallCode('00DB1234567890FF'),
      logged: false,
    });
    atps.backchannel(id, { action: 'advance', ms: 30_000 });
    assert.equal(home.tunnelNode(eui).currentTunnel, undefined);
    assert.ok(!home.chf.node.tunnel(eui));
    assert.ok((home.metrics.snapshot().counters['han.rx.rejected.mic-invalid'] ?? 0) > 0);
  });

  it('a device not in the Device Log: join refused, its frames rejected (no key)', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const home = atps.home(id);
    const eui = '00DB1234567890A9';
    home.addDevice({ eui, deviceType: 'PPMID', installCode: derivedInstallCode(eui), logged: false });
    assert.ok(
      atps.chEvents(id).some((e) => e.kind === 'join' && e.reason === 'not-in-device-log' && e.from === eui),
    );
    const frame = encodeTunnelFrame(
      { dir: 's2c', cmd: 'TransferData', tunnelId: 1, data: esmeCommand.bytes },
      { transactionSequenceNumber: 1 },
    );
    home.tunnelNode(eui).sendCluster(home.chRadioEui, TUNNELING_CLUSTER_ID, frame);
    atps.backchannel(id, { action: 'advance', ms: 10_000 });
    assert.ok(
      home.chf.node.events.some(
        (e) => e.kind === 'frame-rejected' && e.peer === eui && /unknown-key/.test(e.detail ?? ''),
      ),
    );
    assert.ok(!atps.chEvents(id).some((e) => e.kind === 'route' && e.from === eui));
  });
});
