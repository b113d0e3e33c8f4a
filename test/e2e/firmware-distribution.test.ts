/**
 * Firmware end to end on virtual time (docs/chf.md "Firmware distribution"):
 * an OTA Upgrade Image file arrives at the CHF over the SM WAN, the CHF
 * verifies it and sends it block by block over the HAN OTA cluster to the
 * ESME, the ESME reassembles and verifies the image hash and holds it; CS06
 * (critical, signed by the supplier) naming that hash activates it and
 * ECS52 reads the new version back. A file with a broken hash is refused by
 * the CHF; CS06 with another hash fails and changes nothing. Shared steps:
 * test/support/firmware-steps.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Esme } from '../../src/devices/esme/esme.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { firmwareRig, otaFile, otaImageBody } from '../support/firmware-steps.ts';

const image = otaImageBody(700, 31, 7);
const file = otaFile(1, 0x0124abcd, image);

describe('firmware: WAN -> CHF -> ESME over the HAN OTA cluster, CS06 activates, ECS52 reads it', async () => {
  const rig = await firmwareRig(RTDS_EUIS.esme, 0x4000_0000n);
  const esme = rig.device(Esme);

  it('a file with a broken hash is refused by the CHF and never reaches the HAN', () => {
    const bad = file.slice();
    bad[100] ^= 0xff;
    assert.equal(rig.home.chf.receiveFromWan(bad), 'discarded');
    rig.clock.runUntilIdle({ horizonMs: 60_000 });
    assert.equal(rig.home.chf.useCases.firmware.distributions.length, 0);
    assert.equal(esme.stateView.firmware.pendingImage, null);
  });

  it('the CHF distributes the image; the ESME verifies and holds it with its hash', () => {
    const d = rig.distribute(file);
    assert.equal(d.sent, file.length);
    assert.equal(esme.stateView.firmware.pendingImage?.version, '0124ABCD');
    assert.equal(esme.stateView.firmware.pendingImage?.hash, d.hash);
  });

  it('CS06 with another hash fails and the running version stays', () => {
    rig.activateWrongHash();
    assert.notEqual(esme.stateView.firmware.version, '0124ABCD');
  });

  it('CS06 naming the hash activates it; ECS52 reads the new version back', () => {
    const hash = rig.distribution()!.hash;
    const r = rig.send('CS06', { manufacturerImageHash: hash, originatorCounter: rig.counter + 1n }, true);
    assert.equal(r.outcome.activateImageResponseCode, 0);
    assert.equal(r.outcome.firmwareVersion, '0124ABCD');
    const v = rig.send('ECS52', { firmwareVersion: { value: null } }, false);
    assert.equal(v.firmwareVersion.value.value, '0124ABCD');
  });
});
