/**
 * The GPF's own Trust Anchor cells (issue 12): the RTDS CS02bNOByNOHandover
 * (DUIS 6.21) sent over the WAN to the GPF of an `rtds` home whose network
 * operator cells hold the certificates of the operator handing over
 * (han-device-scenarios.ts) replaces both cells (DS and KA) with the new
 * operator's certificates; the replaced certificates survive a snapshot and
 * restore; the same command again is a replay and changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { Gpf } from '../../src/devices/gpf/gpf.ts';
import { RTDS_PARTIES } from '../../src/devices/security/credentials.ts';
import { COMMANDS } from '../support/atps-harness.ts';
import { SCENARIOS } from './han-device-scenarios.ts';

const HANDOVER = COMMANDS.find((m) => m.file === 'CS02bNOByNOHandover_6.21_SUCCESS_COMMAND_GBCS.HEX')!;

describe('GPF CS02b: network operator handover on its own cells', async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  it('replaces the DS and KA cells, keeps them over snapshot/restore, refuses the replay', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const home = atps.home(id);
    const gpf = home.chf.gpf;
    assert.ok(gpf instanceof Gpf);
    SCENARIOS['CS02bNOByNOHandover_6.21_SUCCESS']!(home);
    const before = gpf.backchannel.trustAnchorCell('networkOperator')!;
    assert.equal(before.eui, RTDS_PARTIES.acb, 'the operator handing over');
    const [r] = atps.inject(id, 'wan', HANDOVER.bytes, { source: HANDOVER.name, remac: true });
    assert.equal(r.deviceDecision, 'accepted', `${r.deviceReason}`);
    const after = gpf.backchannel.trustAnchorCell('networkOperator')!;
    assert.equal(after.eui, RTDS_PARTIES.networkOperator);
    assert.notEqual(after.ds!.serialNumber, before.ds!.serialNumber);
    assert.notEqual(after.ka!.serialNumber, before.ka!.serialNumber);
    // snapshot, lose the cells, restore: the replaced certificates are the GPF's again
    const snap = gpf.snapshot();
    gpf.backchannel.setTrustAnchorCell('networkOperator', before);
    gpf.restore(snap);
    const restored = gpf.backchannel.trustAnchorCell('networkOperator')!;
    assert.equal(restored.ds!.serialNumber, after.ds!.serialNumber);
    assert.equal(restored.ka!.serialNumber, after.ka!.serialNumber);
    // the same command again: a replay, refused; the cells stay
    const [again] = atps.inject(id, 'wan', HANDOVER.bytes, { source: HANDOVER.name, remac: true });
    assert.notEqual(again.deviceDecision, 'accepted');
    assert.equal(
      gpf.backchannel.trustAnchorCell('networkOperator')!.ds!.serialNumber,
      after.ds!.serialNumber,
    );
    atps.deleteHome(id);
  });
});
