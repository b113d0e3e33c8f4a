/**
 * One emergency credit rule for ECS09 (WAN, DUIS 2.5) and PECS02 (the
 * PPMID's ZSE Select Available Emergency Credit on the HAN):
 * esme/emergency-credit.ts. Each path activates, the other then finds it
 * active (one state, one 0x81AB); the refusal cases refuse on both paths
 * and change nothing; ECS19 reports the emergency credit balance (read
 * after write).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GbcsMessage } from '../../gbcs/index.ts';
import { decodeDlmsData } from '../../gbcs/payload/dlms.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { decodeDefaultResponse } from '../../zigbee/zcl.ts';
import { encodeZseCommand } from '../han/zse-commands.ts';
import { RTDS_DEVICES } from '../security/credentials.ts';
import { ZCL_STATUS } from './han-commands.ts';
import { esmeTestRig, type Fields } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const PPMID = RTDS_DEVICES.ppmid;
const PREPAYMENT = 0x0705;
const LIMIT = 1_500_000;
const ELIGIBLE = {
  paymentMode: 'prepayment',
  meterBalance: 10_000,
  attributes: {
    'emergencyCreditLimit.valueActive': LIMIT,
    'emergencyCreditThreshold.valueActive': 250_000,
  },
};

function meter(initialState: Record<string, unknown>) {
  const ta = rig.profile.trustAnchors.clone();
  ta.addPeer({ eui: PPMID, deviceType: 'PPMID', ka: rig.profile.credentials.kaCertificate! });
  const m = rig.meter({ trustAnchors: ta, initialState: initialState as never });
  const send = rig.changedSender(m, 1n << 42n);
  /** ECS09 over GBCS: the invoke_credit action result */
  const ecs09 = () => {
    const r = send('ECS09_2.5_SUCCESS_COMMAND_GBCS.HEX');
    return (r.fields.emergencyCredit!.invokeCredit as { result: string }).result;
  };
  /** PECS02 from the PPMID: the Default Response status */
  const pecs02 = () =>
    decodeDefaultResponse(
      m.esme.answerClusterCommand(
        PREPAYMENT,
        encodeZseCommand(
          'prepayment.selectAvailableEmergencyCredit',
          { commandIssueDateTime: 0, originatingDevice: 2 },
          { tsn: 3 },
        ),
        PPMID,
      )!,
    ).status;
  /** the emergency credit balance ECS19's prepayment registers report (item 1), decrypted as the supplier would */
  const ecs19EmergencyBalance = () => {
    const r = send('ECS19_4.3_SUCCESS_COMMAND_GBCS.HEX');
    const v = Object.values(r.fields as Fields)[0]!.getProtectedAttributes as {
      value: { protectedAttributes: string };
    };
    const message: GbcsMessage = r.message;
    const pt = decodeDlmsData(
      rig.profile.remote.decryptPayload(fromHex(v.value.protectedAttributes), message),
    ).value as { items: { items: { value?: unknown }[] }[] };
    return pt.items[0]!.items[1]!.value;
  };
  const logged = () => m.esme.stateView.eventLog.filter((e) => e.code === 0x81ab).map((e) => e.messageCode);
  return { m, ecs09, pecs02, ecs19EmergencyBalance, logged };
}

describe('emergency credit: one rule for ECS09 (WAN) and PECS02 (PPMID)', () => {
  it('ECS09 activates (the limit in the emergency credit balance, 0x81AB under 0x0020); then ECS09 and PECS02 find it active', () => {
    const t = meter(ELIGIBLE);
    assert.notEqual(t.ecs19EmergencyBalance(), LIMIT);
    assert.equal(t.ecs09(), 'success');
    assert.deepEqual(t.m.esme.stateView.emergencyCredit, { active: true });
    assert.equal(
      t.ecs19EmergencyBalance(),
      LIMIT,
      'read after write: ECS19 reports the emergency credit balance',
    );
    assert.deepEqual(t.logged(), [0x0020]);
    assert.equal(t.ecs09(), 'success');
    assert.equal(t.pecs02(), ZCL_STATUS.success);
    assert.deepEqual(t.logged(), [0x0020], 'activated once');
  });

  it('PECS02 activates (0x81AB under 0x0117, the same balance); then ECS09 succeeds without a second activation', () => {
    const t = meter(ELIGIBLE);
    assert.equal(t.pecs02(), ZCL_STATUS.success);
    assert.equal(t.ecs19EmergencyBalance(), LIMIT);
    assert.equal(t.ecs09(), 'success');
    assert.deepEqual(t.logged(), [0x0117]);
  });

  const REFUSED: Record<string, Record<string, unknown>> = {
    'credit mode': { ...ELIGIBLE, paymentMode: 'credit' },
    'no emergency credit limit configured': { ...ELIGIBLE, attributes: {} },
    'a zero limit': {
      ...ELIGIBLE,
      attributes: { ...ELIGIBLE.attributes, 'emergencyCreditLimit.valueActive': 0 },
    },
    'balance above the threshold': { ...ELIGIBLE, meterBalance: 250_001 },
  };
  for (const [name, state] of Object.entries(REFUSED))
    it(`refused on both paths, nothing changes: ${name}`, () => {
      const t = meter(state);
      const before = t.m.esme.stateView;
      assert.equal(t.ecs09(), 'other-reason');
      assert.equal(t.pecs02(), ZCL_STATUS.failure);
      const after = t.m.esme.stateView;
      assert.notEqual(after.emergencyCredit?.active, true);
      assert.deepEqual(t.logged(), []);
      assert.deepEqual(after.attributes, before.attributes);
      assert.equal(after.meterBalance, before.meterBalance);
      const ev = t.m.esme.events.filter((e) => e.kind === 'command' && e.useCase === 'ECS09').at(-1);
      assert.equal(ev?.reason, 'FAILED');
    });
});
