/**
 * PPMID firmware end to end on virtual time (issue 12; the meters' path,
 * meter-common/firmware.ts, run by han-device/own-use-cases.ts): an OTA
 * Upgrade Image file for a PPMID (image type 5) arrives at the CHF over the
 * SM WAN, the CHF sends it over the HAN OTA cluster to the PPMID, which
 * verifies the hash and holds it; CS06 (critical, signed by the supplier)
 * naming another hash fails, naming that hash with a future execution time
 * is accepted (NULL) and, when the time comes, activates it and raises the
 * 8F66 Future Dated Firmware Activation alert over the HAN and WAN; CS08
 * reads the new version back. Shared steps: test/support/firmware-steps.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { rebuildCommand } from '../../src/devices/meter-common/test-support.ts';
import { Ppmid } from '../../src/devices/ppmid/ppmid.ts';
import { decodeMessage } from '../../src/gbcs/decode.ts';
import { decodeResponse } from '../../src/gbcs/use-cases/index.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import { byName } from '../support/atps-harness.ts';
import { firmwareRig, otaFile, otaImageBody } from '../support/firmware-steps.ts';

const image = otaImageBody(900, 17, 3);
const ppmidFile = otaFile(5, 0x0300abcd, image);

describe('PPMID firmware: WAN -> CHF -> PPMID over the HAN OTA cluster, CS06 (future-dated) activates, CS08 reads it', async () => {
  const rig = await firmwareRig(RTDS_EUIS.ppmid, 0x4200_0000n);
  const ppmid = rig.atps.ppmid(rig.id);
  assert.ok(ppmid instanceof Ppmid);
  const pending = () => ppmid.own.pendingImage();
  /** CS08 as RTDS sends it (the ACB, for the supplier), with a fresh counter */
  const version = () => {
    const bytes = rebuildCommand(rig.csp, decodeMessage(byName('CS08_11.2_SUCCESS_COMMAND').bytes), {
      counter: rig.nextCounter(),
    });
    const [r] = rig.atps.inject(rig.id, 'wan', bytes);
    assert.equal(r?.deviceDecision, 'accepted', `CS08: ${r?.deviceReason}`);
    const m = decodeMessage(fromHex(r!.response!));
    return (decodeResponse('CS08', m.content).fields as { firmwareVersion: string }).firmwareVersion;
  };

  it('the CHF distributes the PPMID image; the PPMID verifies and holds it with its hash', () => {
    assert.equal(version(), '00000000');
    const d = rig.distribute(ppmidFile);
    assert.equal(pending()?.version, '0300ABCD');
    assert.equal(pending()?.hash, d.hash);
  });

  it('CS06 with another hash fails (code 1) and the running version stays', () => {
    rig.activateWrongHash();
    assert.equal(version(), '00000000');
  });

  it('CS06 future-dated: accepted (NULL); at the time the image runs, 8F66 carries the outcome; CS08 reads the new version', () => {
    const since = rig.activateFutureDated();
    assert.equal(version(), '00000000', 'not before its time');
    rig.expectActivationAlert(since, '0300ABCD');
    assert.equal(version(), '0300ABCD');
    assert.equal(pending(), null);
  });
});
