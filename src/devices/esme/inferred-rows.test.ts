/**
 * The ESME runs the catalogue rows without an RTDS example whose payloads
 * were inferred and are now read in GBCS V3.1's use-case tables (ECS04b,
 * ECS20a, ECS20b, ECS20d, ECS26a, ECS26j, ECS28a, ECS35a: `gbcs-text`) or are still
 * inferred (ECS10). Each command is built from named fields (encodeCommand)
 * on an RTDS command of the same originator and signing policy (its Message
 * Code changed, a fresh counter), and the response is read by named fields.
 * Read after write where the meter holds the data.
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
  useCaseByCode,
  useCaseById,
} from '../../gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { encodeOtaImage } from '../../zigbee/ota.ts';
import { DEVICE_TYPE_CODE } from '../contracts.ts';
import { rebuildCommand } from '../meter-common/test-support.ts';
import { esmeTestRig, type Fields, rtdsFixture } from './test-rig.test-support.ts';
import { VALUE_LOGS } from './value-logs.ts';

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
  /** The RTDS command `fixture` sent again, its named fields re-encoded with a fresh counter. */
  const resend = (fixture: string) => {
    const b = decodeMessage(rtdsFixture(fixture, 'COMMAND'));
    const useCase = useCaseByCode(b.messageCode)!.useCase;
    return send(fixture, useCase, decodeCommand(b.messageCode, b.content).fields);
  };
  return { ...m, send, resend };
}

const READ_BALANCE = [
  'ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX',
  'ECS82',
  { meterBalance: { currentCreditAmount: null } },
] as const;

/** Every access of a read row, as the named fields of its command (members of one object merged). */
function getsOf(useCase: string): Fields {
  const gets: Fields = {};
  for (const a of (useCaseById(useCase) as DlmsCommandRow).accesses) {
    gets[a.object] ??= {};
    gets[a.object]![a.member] = null;
  }
  return gets;
}

/** ECS19's prepayment register collection, decrypted: meter balance, emergency credit, accumulated debt, ... */
function prepaymentRegisters(m: ReturnType<typeof meter>): number[] {
  const { fields: f, message: response } = m.resend('ECS19_4.3_SUCCESS_COMMAND_GBCS.HEX');
  const v = f.protectedReadPrepayment!.getProtectedAttributes as { value: { protectedAttributes: string } };
  const plain = decodeDlmsData(
    rig.profile.remote.decryptPayload(fromHex(v.value.protectedAttributes), response),
  ).value;
  assert.ok(plain.type === 'structure');
  const list = plain.items[0]!;
  assert.ok(list.type === 'structure', 'the prepayment register collection');
  return list.items.map((i) => ('value' in i && typeof i.value === 'number' ? i.value : Number.NaN));
}

describe('ESME: catalogue rows without an RTDS example (GBCS V3.1 tables, or inferred)', () => {
  it('ECS04b sets the meter balance, the emergency credit balance and the accumulated debt (set_amount_to_value); ECS82 and ECS19 read them back', () => {
    const m = meter();
    const { send, esme } = m;
    const r = send('ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX', 'ECS04b', {
      meterBalance: { setAmountToValue: 0 },
      emergencyCredit: { setAmountToValue: 0 },
      accumulatedDebt: { setAmountToValue: 0 },
    });
    assert.deepEqual(r.fields, {
      meterBalance: { setAmountToValue: { result: 'success' } },
      emergencyCredit: { setAmountToValue: { result: 'success' } },
      accumulatedDebt: { setAmountToValue: { result: 'success' } },
    });
    assert.equal(r.ev?.reason, 'OK');
    assert.equal(esme.stateView.meterBalance, 0);
    const read = send(...READ_BALANCE).fields;
    assert.deepEqual(read.meterBalance!.currentCreditAmount, { result: 'success', value: 0 });
    assert.deepEqual(prepaymentRegisters(m).slice(0, 3), [0, 0, 0]);
    // another value is set as given (Blue Book set_amount_to_value)
    send('ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX', 'ECS04b', {
      meterBalance: { setAmountToValue: 4321 },
      emergencyCredit: { setAmountToValue: 5 },
      accumulatedDebt: { setAmountToValue: 7 },
    });
    assert.deepEqual(prepaymentRegisters(m).slice(0, 3), [4321, 5, 7]);
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
      value: { time: number; amount: number }[];
    };
    assert.equal(log.result, 'success');
    assert.equal(log.value.length, 1);
    assert.deepEqual(Object.keys(log.value[0]!), ['time', 'amount']);
    assert.equal(log.value[0]!.amount, credit);
    // a range before the top-up answers no row
    const none = send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX', 'ECS20d', {
      prepaymentCreditLog: { buffer: { ...ALL_TIME, toValue: 1 } },
    }).fields.prepaymentCreditLog!.buffer;
    assert.deepEqual(none, { result: 'success', value: [] });
    // a credit-mode meter pays no debt from a top-up: the debt payments log (ECS20a) stays empty
    const debt = send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX', 'ECS20a', {
      debtPaymentLog: { buffer: ALL_TIME },
    });
    assert.deepEqual(debt.fields.debtPaymentLog!.buffer, { result: 'success', value: [] });
    assert.equal(VALUE_LOGS.prepaymentCredit.size, 5);
  });

  it('ECS20a: the debt payments log (no payment-based debt taken: empty)', () => {
    const { send } = meter();
    const r = send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX', 'ECS20a', { debtPaymentLog: { buffer: ALL_TIME } });
    assert.deepEqual(r.fields, { debtPaymentLog: { buffer: { result: 'success', value: [] } } });
  });

  it('ECS26a: the maximum meter balance the top-up check uses, the disablement threshold in force; values never configured are object-unavailable', () => {
    const { send, esme } = meter();
    const r = send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX', 'ECS26a', getsOf('ECS26a')).fields;
    assert.deepEqual(r.maxMeterBalance!.valueActive, {
      result: 'success',
      value: esme.stateView.maxMeterBalance,
    });
    assert.deepEqual(r.disablementThreshold!.thresholds, {
      result: 'success',
      value: [esme.stateView.disablementThreshold],
    });
    assert.deepEqual(r.emergencyCredit!.presetCreditAmount, { result: 'object-unavailable' });
  });

  it('ECS26j reads the active account (0-0:19.0.0.255): the payment mode ECS03 / ECS02 set, status active', () => {
    const { send, resend } = meter();
    const mode = () =>
      send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX', 'ECS26j', getsOf('ECS26j')).fields.accountActive!
        .accountModeAndStatus;
    const set = resend('ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS_COMMAND_GBCS.HEX');
    assert.equal(set.ev?.reason, 'OK');
    assert.deepEqual(mode(), { result: 'success', value: { paymentMode: 2, accountStatus: 2 } });
    const credit = resend('ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_COMMAND_GBCS.HEX');
    assert.equal(credit.ev?.reason, 'OK');
    assert.deepEqual(mode(), { result: 'success', value: { paymentMode: 1, accountStatus: 2 } });
  });

  it('ECS35a: the event log, entries of time, log code and other information (8 octets)', () => {
    const { send, esme } = meter();
    send('ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX', 'ECS04a', { meterBalance: { updateAmount: 1 } });
    const r = send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX', 'ECS35a', { eventLog: { buffer: ALL_TIME } });
    const log = r.fields.eventLog!.buffer as {
      result: string;
      value: { eventCode: number; otherInformation: string }[];
    };
    assert.equal(log.result, 'success');
    assert.ok(log.value.length >= 1);
    assert.equal(log.value.length, esme.stateView.eventLog.length);
    assert.ok(log.value.some((e) => e.eventCode === 0x810e));
    assert.ok(log.value.every((e) => e.otherInformation.length === 16));
  });

  it('ECS28a writes the load limit settings as class 9000 passive values; activated now or at their time (8F66), ECS27 reads them', () => {
    const m = meter();
    const { send, resend, clock, up, esme } = m;
    const ecs27 = () => resend('ECS27_4.15_SUCCESS_COMMAND_GBCS.HEX').fields;
    const value = (f: Fields, o: string, member: string) =>
      (f[o]![member] as { result: string; value: unknown }).value;
    const settings = (activationTime: string, threshold: number) => ({
      loadLimitSupplyStateOnExceed: { valuePassive: true, activationTime },
      loadLimitPowerThreshold: { valuePassive: threshold, activationTime },
      loadLimitPeriod: { valuePassive: 120, activationTime },
      loadLimitRestorationPeriod: { valuePassive: 45, activationTime },
    });
    const now = send(
      'ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX',
      'ECS28a',
      settings('0000-00-00T00:00:00 dow=0', 7200),
    );
    assert.equal(now.ev?.reason, 'OK');
    const r = ecs27();
    assert.equal(value(r, 'loadLimitSupplyStateOnExceed', 'value'), true);
    assert.equal(value(r, 'loadLimitLimiter', 'thresholdNormal'), 7200);
    assert.equal(value(r, 'loadLimitLimiter', 'minOverThresholdDuration'), 120);
    assert.equal(value(r, 'loadLimitLimiter', 'minUnderThresholdDuration'), 45);
    // future-dated: in force at its time, one 8F66 per setting naming its class 9000 attribute 6
    const at = Date.UTC(2030, 0, 15, 9);
    const later = send(
      'ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX',
      'ECS28a',
      settings('2030-01-15T09:00:00', 9000),
    );
    assert.equal(later.ev?.reason, 'SCHEDULED');
    assert.equal(esme.pendingFutureDated().length, 4);
    assert.equal(value(ecs27(), 'loadLimitLimiter', 'thresholdNormal'), 7200);
    up.take();
    clock.runUntil(at);
    const alerts = up
      .take()
      .map(decodeMessage)
      .filter((a) => a.cra === 'alert' && a.messageCode === 0x00cc);
    assert.equal(alerts.length, 4);
    assert.ok(alerts.every((a) => toHex(a.content).includes('0043')));
    assert.equal(value(ecs27(), 'loadLimitLimiter', 'thresholdNormal'), 9000);
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
