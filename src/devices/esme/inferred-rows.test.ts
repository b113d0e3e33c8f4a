/**
 * The ESME runs the catalogue rows whose payloads are inferred (UNCONFIRMED,
 * docs/use-cases.md "Inferred payloads"): ECS04b, ECS10, ECS20a, ECS20b,
 * ECS20d, ECS26a. No RTDS message exists for them: each command is built from
 * named fields (encodeCommand) on an RTDS command of the same originator and
 * signing policy (its Message Code changed, a fresh counter), and the
 * response is read by named fields. Read after write where the meter holds
 * the data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../gbcs/index.ts';
import { decodeDlmsData, encodeDlmsData } from '../../gbcs/payload/dlms.ts';
import {
  type DlmsCommandRow,
  decodeAlert,
  decodeCommand,
  decodeResponse,
  encodeCommand,
  useCaseById,
} from '../../gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { encodeOtaImage } from '../../zigbee/ota.ts';
import { DEVICE_TYPE_CODE } from '../contracts.ts';
import { rebuildCommand } from '../meter-common/test-support.ts';
import { PREPAYMENT_CREDIT_LOG_SIZE } from './handlers/account.ts';
import { esmeTestRig, type Fields, rtdsFixture } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const ALL_TIME = {
  restrictingObject: { classId: 1, logicalName: '0-0:94.44.100.255', attributeIndex: 2, dataIndex: 0 },
  fromValue: 0,
  toValue: 0xffffffff,
  selectedValues: [],
};

/** A fresh ESME and a sender of use case `useCase` with `fields`, on the RTDS command `base`. */
function meter() {
  const m = rig.meter();
  let counter = 1n << 41n;
  const send = (base: string, useCase: string, fields: unknown) => {
    const b = decodeMessage(rtdsFixture(base, 'COMMAND'));
    const row = useCaseById(useCase)!;
    counter += 1n;
    const content = encodeCommand(row, fields as never, { originatorCounter: counter });
    const { ev, response, alerts } = m.deliver(
      rebuildCommand(rig.profile.remote, b, {
        counter,
        content,
        otherInfo: { ...b.otherInfo, messageCode: row.code },
      }),
    );
    assert.equal(ev?.decision, 'accepted', `${useCase}: ${ev?.reason} ${JSON.stringify(ev?.detail)}`);
    assert.ok(response, `${useCase}: no response`);
    return {
      ev,
      alerts,
      message: response,
      fields: decodeResponse(row, response.content, fields as never).fields as Fields,
    };
  };
  return { ...m, send };
}

const READ_BALANCE = [
  'ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX',
  'ECS82',
  { meterBalance: { currentCreditAmount: null } },
] as const;

describe('ESME: inferred catalogue rows (UNCONFIRMED payloads)', () => {
  it('ECS04b resets the meter balance (set_amount_to_value); ECS82 reads it back', () => {
    const { send, esme } = meter();
    const r = send('ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX', 'ECS04b', {
      meterBalance: { setAmountToValue: 4321 },
    });
    assert.deepEqual(r.fields, { meterBalance: { setAmountToValue: { result: 'success' } } });
    assert.equal(r.ev?.reason, 'OK');
    assert.equal(esme.stateView.meterBalance, 4321);
    const read = send(...READ_BALANCE).fields;
    assert.deepEqual(read.meterBalance!.currentCreditAmount, { result: 'success', value: 4321 });
  });

  it('ECS20d: every accepted top-up (CS01a) is a row of the prepayment credits log, read back by range', () => {
    const { send, deliver, esme } = meter();
    const empty = send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX', 'ECS20d', {
      prepaymentCreditLog: { buffer: ALL_TIME },
    });
    assert.deepEqual(empty.fields.prepaymentCreditLog!.buffer, { result: 'success', value: [] });
    const before = esme.stateView.meterBalance;
    const topUp = deliver(rtdsFixture('CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(topUp.ev?.reason, 'OK');
    const credit = esme.stateView.meterBalance - before;
    assert.ok(credit > 0);
    const log = send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX', 'ECS20d', {
      prepaymentCreditLog: { buffer: ALL_TIME },
    }).fields.prepaymentCreditLog!.buffer as {
      result: string;
      value: { creditAmount: number; utrn: string }[];
    };
    assert.equal(log.result, 'success');
    assert.equal(log.value.length, 1);
    assert.equal(log.value[0]!.utrn, '73946144332040217315');
    assert.equal(log.value[0]!.creditAmount, credit);
    // a range before the top-up answers no row
    const none = send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX', 'ECS20d', {
      prepaymentCreditLog: { buffer: { ...ALL_TIME, toValue: 1 } },
    }).fields.prepaymentCreditLog!.buffer;
    assert.deepEqual(none, { result: 'success', value: [] });
    assert.ok(PREPAYMENT_CREDIT_LOG_SIZE >= 1);
  });

  it('ECS20a: the debt payments log (no payment-based debt taken: empty)', () => {
    const { send } = meter();
    const r = send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX', 'ECS20a', { debtPaymentLog: { buffer: ALL_TIME } });
    assert.deepEqual(r.fields, { debtPaymentLog: { buffer: { result: 'success', value: [] } } });
  });

  it('ECS26a: the maximum meter balance the top-up check uses; values never configured are object-unavailable', () => {
    const { send, esme } = meter();
    const row = useCaseById('ECS26a') as DlmsCommandRow;
    const gets = Object.fromEntries(row.accesses.map((a) => [a.object, { [a.member]: null }]));
    const r = send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX', 'ECS26a', gets).fields;
    assert.deepEqual(r.maxMeterBalance!.valueActive, {
      result: 'success',
      value: esme.stateView.maxMeterBalance,
    });
    assert.deepEqual(r.emergencyCreditLimit!.valueActive, { result: 'object-unavailable' });
  });

  it('ECS10: the supplier message is stored', () => {
    const { send, esme } = meter();
    const text = toHex(new TextEncoder().encode('Your meter will be exchanged on Friday'));
    const r = send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX', 'ECS10', { supplierMessage: { value: text } });
    assert.deepEqual(r.fields, { supplierMessage: { value: { result: 'success' } } });
    assert.equal(esme.snapshot().state.attributes['supplierMessage.value'], text);
  });

  it('ECS20b: a protected read of the billing data log through its own Data Protection object', () => {
    const { send } = meter();
    const base = decodeMessage(rtdsFixture('ECS20c_4.4.3_SINGLE_SUCCESS_COMMAND_GBCS.HEX', 'COMMAND'));
    const c = decodeCommand('ECS20c', base.content).fields as Fields;
    const r = send('ECS20c_4.4.3_SINGLE_SUCCESS_COMMAND_GBCS.HEX', 'ECS20b', {
      protectedReadBillingChangeOfMode: c.protectedReadBilling,
    });
    const v = r.fields.protectedReadBillingChangeOfMode!.getProtectedAttributes as {
      result: string;
      value: { protectedAttributes: string };
    };
    assert.equal(v.result, 'success');
    const plain = decodeDlmsData(
      rig.profile.remote.decryptPayload(fromHex(v.value.protectedAttributes), r.message),
    );
    assert.ok(plain.value.type === 'structure' && plain.value.items.length === 2, 'both billing logs');
    assert.ok(encodeDlmsData(plain.value).length > 0);
  });

  it('FDRA-DLMS: a verified firmware image is acknowledged with alert 8F72 and the hash the meter calculated', () => {
    const { esme, up } = meter();
    const image = new Uint8Array(300).map((_, i) => (i * 7 + 3) & 0xff);
    esme.onFirmwareImage(
      encodeOtaImage({
        manufacturerCode: 0x1234,
        imageType: DEVICE_TYPE_CODE.ESME,
        fileVersion: 0x0123abce,
        image,
      }),
    );
    const sent = up.take().map(decodeMessage);
    const a = sent.find((m) => m.cra === 'alert' && m.messageCode === 0x00ce);
    assert.ok(a, `no 0x00CE alert: ${sent.map((m) => m.messageCode).join(' ')}`);
    assert.ok(a.signature, 'critical: signed');
    const f = decodeAlert('FDRA-DLMS', a.content).fields;
    assert.equal(f.alertCode, 0x8f72);
    assert.equal(f.firmwareHash, esme.stateView.firmware.pendingImage?.hash);
  });
});
