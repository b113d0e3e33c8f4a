/**
 * The ESME's HAN Only use cases (GBCS V3.1 "ZSE specified"): PECS01-03 from
 * the joined PPMID, HECS01 from the HC ALCS, as real ZSE frames into the
 * ESME; the state change read back with the use cases a remote party reads
 * it with (ECS82 meter balance, ECS45 load switch status, ECS61a ALCS log).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, generateUtrn } from '../../gbcs/index.ts';
import { decodeAlert, useCaseById } from '../../gbcs/use-cases/index.ts';
import { decodeDefaultResponse } from '../../zigbee/zcl.ts';
import { decodeZseCommand, encodeZseCommand } from '../han/zse-commands.ts';
import { RTDS_DEVICES, RTDS_PARTIES } from '../security/credentials.ts';
import { TOP_UP_RESULT, ZCL_STATUS } from './han-commands.ts';
import { esmeTestRig, type Fields } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const PPMID = RTDS_DEVICES.ppmid;
const HCALCS = RTDS_DEVICES.hcalcs;
const PREPAYMENT = 0x0705;
const METERING = 0x0702;
const DRLC = 0x0701;

/** An ESME that holds the PPMID and the HC ALCS as its HAN peers (as a join or provisioning leaves it). */
function meter(initialState: Record<string, unknown> = {}) {
  const ta = rig.profile.trustAnchors.clone();
  const ka = rig.profile.credentials.kaCertificate!;
  ta.addPeer({ eui: PPMID, deviceType: 'PPMID', ka });
  ta.addPeer({ eui: HCALCS, deviceType: 'HCALCS', ka });
  const m = rig.meter({ trustAnchors: ta, initialState: initialState as never });
  const send = rig.changedSender(m, 1n << 41n);
  return { m, send };
}

const utrn = (counter: bigint, pounds: number) =>
  generateUtrn(rig.profile.remote, {
    supplier: RTDS_PARTIES.supplier,
    device: RTDS_DEVICES.esme,
    counter,
    value: pounds,
    valueClass: 'pounds',
  });

const topUp = (code: string, tsn = 1) =>
  encodeZseCommand('prepayment.consumerTopUp', { originatingDevice: 2, topUpCode: code }, { tsn });

const balanceByEcs82 = (send: ReturnType<typeof meter>['send']) =>
  (send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX').fields as Fields).meterBalance!.currentCreditAmount;

describe('PECS01: a UTRN typed on the PPMID, ZSE Consumer Top Up to the ESME', () => {
  it('applies the UTRN: Consumer Top Up Response accepted; ECS82 reads the new balance; logged under 0x0116', () => {
    const { m, send } = meter();
    const before = balanceByEcs82(send) as { value: number };
    const answer = m.esme.answerClusterCommand(PREPAYMENT, topUp(utrn(1n << 32n, 20), 7), PPMID);
    assert.ok(answer);
    const r = decodeZseCommand(PREPAYMENT, answer);
    assert.equal(r.key, 'prepayment.consumerTopUpResponse');
    assert.equal(r.header.transactionSequenceNumber, 7);
    assert.equal(r.header.direction, 's2c');
    assert.equal(r.fields.resultType, TOP_UP_RESULT.accepted);
    assert.equal(r.fields.topUpValue, 2_000_000);
    assert.equal(r.fields.sourceOfTopUp, 2);
    assert.equal(r.fields.creditRemaining, before.value + 2_000_000);
    assert.deepEqual(balanceByEcs82(send), { result: 'success', value: before.value + 2_000_000 });
    assert.deepEqual(
      m.esme.stateView.eventLog
        .filter((e) => e.messageCode === useCaseById('PECS01')!.code)
        .map((e) => e.code),
      [0x810e],
    );
  });

  it('the same UTRN again: duplicate, 8F51 raised, the balance stays', () => {
    const { m, send } = meter();
    const code = utrn(2n << 32n, 5);
    m.esme.answerClusterCommand(PREPAYMENT, topUp(code), PPMID);
    m.up.take();
    const after1 = balanceByEcs82(send);
    const r = decodeZseCommand(PREPAYMENT, m.esme.answerClusterCommand(PREPAYMENT, topUp(code, 2), PPMID)!);
    assert.equal(r.fields.resultType, TOP_UP_RESULT.duplicate);
    assert.equal(r.fields.creditRemaining, -1);
    const alerts = m.up
      .take()
      .map(decodeMessage)
      .filter((x) => x.cra === 'alert')
      .map((x) => (decodeAlert(x.messageCode, x.content).fields as { alertCode: number }).alertCode);
    assert.deepEqual(alerts, [0x8f51]);
    assert.deepEqual(balanceByEcs82(send), after1);
  });

  it('a UTRN for another device: invalid; from a device that is not its PPMID: NOT_AUTHORIZED; nothing changes', () => {
    const { m, send } = meter();
    const before = balanceByEcs82(send);
    const other = generateUtrn(rig.profile.remote, {
      supplier: RTDS_PARTIES.supplier,
      device: RTDS_DEVICES.gsme,
      counter: 3n << 32n,
      value: 5,
      valueClass: 'pounds',
    });
    const bad = decodeZseCommand(PREPAYMENT, m.esme.answerClusterCommand(PREPAYMENT, topUp(other), PPMID)!);
    assert.equal(bad.fields.resultType, TOP_UP_RESULT.invalid);
    const stranger = m.esme.answerClusterCommand(PREPAYMENT, topUp(utrn(4n << 32n, 5)), RTDS_DEVICES.gsme)!;
    assert.equal(decodeDefaultResponse(stranger).status, ZCL_STATUS.notAuthorized);
    assert.deepEqual(balanceByEcs82(send), before);
  });

  it('a malformed frame is a typed error and changes nothing', () => {
    const { m, send } = meter();
    const before = balanceByEcs82(send);
    const frame = topUp(utrn(5n << 32n, 5));
    assert.throws(() => m.esme.answerClusterCommand(PREPAYMENT, frame.subarray(0, 8), PPMID), {
      code: 'ZIGBEE_MALFORMED',
    });
    assert.deepEqual(balanceByEcs82(send), before);
  });
});

describe('PECS02: emergency credit from the PPMID, ZSE Select Available Emergency Credit', () => {
  const select = () =>
    encodeZseCommand(
      'prepayment.selectAvailableEmergencyCredit',
      { commandIssueDateTime: 0, originatingDevice: 2 },
      { tsn: 3 },
    );

  it('prepayment, a limit configured, balance at or below the threshold: activated (SUCCESS, again SUCCESS), logged under 0x0117', () => {
    const { m } = meter({
      paymentMode: 'prepayment',
      meterBalance: 10_000,
      attributes: {
        'emergencyCreditLimit.valueActive': 1_500_000,
        'emergencyCreditThreshold.valueActive': 250_000,
      },
    });
    assert.equal(decodeDefaultResponse(m.esme.answerClusterCommand(PREPAYMENT, select(), PPMID)!).status, 0);
    assert.equal(decodeDefaultResponse(m.esme.answerClusterCommand(PREPAYMENT, select(), PPMID)!).status, 0);
    const s = m.esme.stateView;
    assert.deepEqual(s.emergencyCredit, { active: true });
    assert.deepEqual(
      s.eventLog.filter((e) => e.messageCode === 0x0117).map((e) => e.code),
      [0x81ab],
    );
  });

  it('credit mode, or no emergency credit configured, or balance above the threshold: FAILURE, not activated', () => {
    for (const st of [
      { paymentMode: 'credit', meterBalance: 0 },
      { paymentMode: 'prepayment', meterBalance: 0 },
      {
        paymentMode: 'prepayment',
        meterBalance: 900_000,
        attributes: {
          'emergencyCreditLimit.valueActive': 1_500_000,
          'emergencyCreditThreshold.valueActive': 250_000,
        },
      },
    ]) {
      const { m } = meter(st);
      const d = decodeDefaultResponse(m.esme.answerClusterCommand(PREPAYMENT, select(), PPMID)!);
      assert.equal(d.status, ZCL_STATUS.failure, JSON.stringify(st));
      assert.notEqual(m.esme.stateView.emergencyCredit?.active, true);
    }
  });
});

describe('PECS03: enable supply from the PPMID, ZSE Local Change Supply', () => {
  const change = (status: number) =>
    encodeZseCommand('metering.localChangeSupply', { proposedSupplyStatus: status }, { tsn: 9 });
  const controlState = (send: ReturnType<typeof meter>['send']) =>
    (send('ECS45_7.4_SUCCESS_COMMAND_GBCS.HEX').fields as Fields).supplyState!.controlState;

  it('armed by ECS44, then Supply ON from the PPMID: SUCCESS, ECS45 reads connected (1), logged under 0x0118', () => {
    const { m, send } = meter();
    send('ECS44_7.3_SUCCESS_COMMAND_GBCS.HEX');
    assert.deepEqual(controlState(send), { result: 'success', value: 2 });
    const d = decodeDefaultResponse(m.esme.answerClusterCommand(METERING, change(2), PPMID)!);
    assert.equal(d.status, ZCL_STATUS.success);
    assert.equal(d.commandId, 0x0c);
    assert.deepEqual(controlState(send), { result: 'success', value: 1 });
    assert.deepEqual(
      m.esme.stateView.eventLog.filter((e) => e.messageCode === 0x0118).map((e) => e.code),
      [0x8f35],
    );
  });

  it('disabled (not armed), or a status other than Supply ON: FAILURE and the supply stays', () => {
    const { m, send } = meter({ supply: 'disabled' });
    assert.equal(
      decodeDefaultResponse(m.esme.answerClusterCommand(METERING, change(2), PPMID)!).status,
      ZCL_STATUS.failure,
    );
    assert.deepEqual(controlState(send), { result: 'success', value: 0 });
    const armed = meter({ supply: 'armed' });
    assert.equal(
      decodeDefaultResponse(armed.m.esme.answerClusterCommand(METERING, change(1), PPMID)!).status,
      ZCL_STATUS.failure,
    );
    assert.equal(armed.m.esme.stateView.supply, 'armed');
  });
});

describe('HECS01: the HC ALCS asks its ESME for control, ZSE Get Scheduled Events', () => {
  const ask = () =>
    encodeZseCommand(
      'drlc.getScheduledEvents',
      { startTime: 0, numberOfEvents: 0, issuerEventId: 0 },
      { tsn: 4 },
    );

  it('a configured HC ALCS: NOT_FOUND (no DRLC events), logged under 0x0119, its switch driven again (ALCS log)', () => {
    const { m } = meter({ attributes: { 'alcsDeviceId2.value': HCALCS, 'alcs2.outputState': true } });
    const d = decodeDefaultResponse(m.esme.answerClusterCommand(DRLC, ask(), HCALCS)!);
    assert.equal(d.status, ZCL_STATUS.notFound);
    const s = m.esme.stateView;
    assert.ok(s.eventLog.some((e) => e.messageCode === 0x0119));
    const log = s.attributes['alcsEventLog.buffer'] as Array<{ switchNumberAndAction: number }>;
    assert.equal(log.at(-1)?.switchNumberAndAction, 0x0201, 'switch 2 on');
    assert.ok(m.esme.events.some((e) => e.useCase === 'HECS01' && e.decision === 'accepted'));
  });

  it('an HC ALCS that is none of the five switches, or a PPMID: NOT_AUTHORIZED', () => {
    const { m } = meter();
    assert.equal(decodeDefaultResponse(m.esme.answerClusterCommand(DRLC, ask(), HCALCS)!).status, 0x7e);
    assert.equal(decodeDefaultResponse(m.esme.answerClusterCommand(DRLC, ask(), PPMID)!).status, 0x7e);
    assert.ok(!m.esme.stateView.eventLog.some((e) => e.messageCode === 0x0119));
  });
});
