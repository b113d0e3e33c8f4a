/**
 * GSME firmware end to end on virtual time (issue 12; the ESME's path,
 * firmware-distribution.test.ts, with the shared meter-common/firmware.ts):
 * an OTA Upgrade Image file for a GSME (image type 0) arrives at the CHF
 * over the SM WAN, the CHF sends it over the HAN OTA cluster to the GSME,
 * which verifies the hash and holds it; CS06 (critical, signed by the
 * supplier, through the GSME's mailbox) naming another hash fails, naming
 * that hash with a future execution time is accepted (NULL) and, when the
 * time comes, activates it and raises the 8F66 Future Dated Firmware
 * Activation alert; GCS38 reads the new version back. An ESME image is
 * refused by the GSME. Shared steps: test/support/firmware-steps.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Gsme } from '../../src/devices/gsme/gsme.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { firmwareRig, otaFile, otaImageBody } from '../support/firmware-steps.ts';

const image = otaImageBody(900, 17, 3);
const gsmeFile = otaFile(0, 0x0200abcd, image);

describe('GSME firmware: WAN -> CHF -> GSME over the HAN OTA cluster, CS06 (future-dated) activates, GCS38 reads it', async () => {
  const rig = await firmwareRig(RTDS_EUIS.gsme, 0x4100_0000n);
  const gsme = rig.device(Gsme);
  // GCS38 (GBCS V3.1): Metering 0x0206 CurrentMeterID, the four octets of the OTA File Version
  const version = () =>
    String(
      rig.send('GCS38', { readMetering: { attributes: [{ id: 0x0206 }] } }, false).components[0].fields
        .records[0].value.value,
    ).toUpperCase();

  it('an ESME image reaches nobody but ESMEs; the GSME keeps no pending image', () => {
    const esmeFile = otaFile(1, 0x01, image);
    rig.home.chf.receiveFromWan(esmeFile);
    rig.clock.runUntilIdle({ horizonMs: 10 * 60_000 });
    assert.equal(gsme.stateView.firmware.pendingImage, null);
  });

  it('the CHF distributes the GSME image; the GSME verifies and holds it with its hash', () => {
    assert.equal(version(), '0123ABCD');
    const d = rig.distribute(gsmeFile);
    assert.equal(gsme.stateView.firmware.pendingImage?.version, '0200ABCD');
    assert.equal(gsme.stateView.firmware.pendingImage?.hash, d.hash);
  });

  it('CS06 with another hash fails (code 1) and the running version stays', () => {
    rig.activateWrongHash();
    assert.equal(version(), '0123ABCD');
  });

  it('CS06 future-dated: accepted (NULL); at the time the image runs, 8F66 carries the outcome; GCS38 reads the new version', () => {
    const since = rig.activateFutureDated();
    assert.equal(version(), '0123ABCD', 'not before its time');
    rig.expectActivationAlert(since, '0200ABCD');
    assert.equal(version(), '0200ABCD');
    assert.equal(gsme.stateView.firmware.pendingImage, null);
  });
});
