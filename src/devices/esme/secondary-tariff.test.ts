/**
 * ECS01c (DUIS 1.1.2) and ECS01d (1.2.2) on a twin element ESME
 * (handlers/secondary-tariff.ts), read back with ECS24b (4.11.2): the RTDS
 * FUTURE_DATED ECS01c makes the secondary switching table, price and special
 * days active at 2030-01-15 09:00 with the three RTDS 8F66 alerts; the RTDS
 * CANCELLATION cancels them; ECS01d (no RTDS example: named fields in the
 * ECS01c envelope) activates a secondary price now or at its time, and the
 * secondary element is then charged at it; a malformed command changes
 * nothing; a restored meter keeps what is pending.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../gbcs/index.ts';
import { toHex } from '../../runtime/bytes.ts';
import { esmeTestRig, type Fields, rtdsFixture } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const DIR = 'ECS01c_1.1.2_';
const ENVELOPE = `${DIR}IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX`;
const AT = Date.UTC(2030, 0, 15, 9);
const NOW = '0000-00-00T00:00:00 dow=0';
const HOUR = 3_600_000;

type Read = { result: string; value?: unknown };
type Price = { chargeTable: { index: string; chargePerUnit: number }[] };

function meter(initialState: Record<string, unknown> = {}) {
  const m = rig.meter({ variant: 'twin', initialState: initialState as never });
  const send = rig.changedSender(m, 1n << 42n);
  /** ECS24b's answer, values only */
  const read = () => {
    const f = send('ECS24b_4.11.2_SUCCESS_COMMAND_GBCS.HEX').fields;
    const v = (o: string, a: string) => {
      const x = f[o]![a] as Read;
      assert.equal(x.result, 'success', `${o}.${a}`);
      return x.value;
    };
    return {
      price: (v('secondaryPriceCharge', 'unitChargeActive') as Price).chargeTable.map((e) => e.chargePerUnit),
      days: v('activityCalendarSecondary', 'dayProfileActive'),
      weeks: v('activityCalendarSecondary', 'weekProfileActive'),
      specialDays: v('specialDaysSecondary', 'entries'),
    };
  };
  const ecs01d = (prices: number[], when: string) =>
    send(ENVELOPE, () => {}, {
      useCase: 'ECS01d',
      fields: {
        secondaryPriceCharge: {
          unitChargePassive: {
            chargePerUnitScaling: { commodityScale: 3, priceScale: -5 },
            commodity: { classId: 3, logicalName: '1-20:1.8.0.255', attributeIndex: 2 },
            chargeTable: prices.map((chargePerUnit, i) => ({ index: `0${i + 1}`, chargePerUnit })),
          },
          unitChargeActivationTime: when,
        },
      },
    });
  return { ...m, send, read, ecs01d };
}

const rtdsAlert = (which: string) =>
  toHex(decodeMessage(rtdsFixture(`${DIR}8F66_FUTURE_DATED_SUCCESS_ALERT_${which}_GBCS.HEX`)).content);
describe('ESME twin: ECS01c future dated, read back by ECS24b', () => {
  it('the RTDS FUTURE_DATED command: the RTDS response; at 2030-01-15 09:00 the three RTDS 8F66 and ECS24b reads the new secondary tariff', () => {
    const m = meter();
    // the RTDS ESME's own Originator Counter: its three 8F66 carry 2003, 2004, 2005
    m.esme.backchannel.setOwnCounter(2002n);
    // read on another fresh meter: the RTDS command's counter (1003) is below the test reads'
    const before = meter().read();
    const r = m.deliver(rtdsFixture(`${DIR}FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX`));
    assert.equal(r.ev?.reason, 'SCHEDULED', JSON.stringify(r.ev?.detail));
    assert.equal(
      toHex(r.response!.content),
      toHex(decodeMessage(rtdsFixture(`${DIR}FUTURE_DATED_SUCCESS_RESPONSE_GBCS.HEX`)).content),
    );
    assert.equal(m.esme.pendingFutureDated().length, 3);
    m.clock.runUntil(AT - 1);
    assert.equal(m.up.take().length, 0);
    assert.deepEqual(m.read(), before, 'nothing active before its time');
    m.clock.runUntil(AT);
    const alerts = m.up
      .take()
      .map(decodeMessage)
      .filter((a) => a.messageCode === 0x00cc);
    assert.deepEqual(
      alerts.map((a) => toHex(a.content)),
      [rtdsAlert('SWITCHING_TABLE'), rtdsAlert('PRICE_MATRIX'), rtdsAlert('SPECIAL_DAYS')],
    );
    assert.equal(m.esme.pendingFutureDated().length, 0);
    const now = m.read();
    assert.deepEqual(now.price, [10100, 0, 12300, 13400]);
    assert.deepEqual(
      (now.days as { daySchedule: { scriptSelector: number }[] }[]).map((d) =>
        d.daySchedule.map((a) => a.scriptSelector),
      ),
      [[201, 204, 203], [204, 203, 201], [204]],
    );
    assert.deepEqual(now.specialDays, [
      { index: 1, specialDayDate: '2015-05-01', dayId: 3 },
      { index: 2, specialDayDate: '****-12-25', dayId: 1 },
    ]);
    assert.notDeepEqual(now, before);
  });

  it('the RTDS CANCELLATION (all-FF activation times) cancels the three; nothing changes at the time', () => {
    const m = meter();
    const before = meter().read();
    m.deliver(rtdsFixture(`${DIR}FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX`));
    assert.equal(m.esme.pendingFutureDated().length, 3);
    const r = m.deliver(rtdsFixture(`${DIR}CANCELLATION_SUCCESS_COMMAND_GBCS.HEX`));
    assert.equal(r.ev?.reason, 'CANCELLED', JSON.stringify(r.ev?.detail));
    assert.equal(m.esme.pendingFutureDated().length, 0);
    m.clock.runUntil(AT + 60_000);
    assert.equal(
      m.up
        .take()
        .map(decodeMessage)
        .filter((a) => a.cra === 'alert').length,
      0,
    );
    assert.deepEqual(m.read(), before);
  });

  it('a restored meter keeps the pending activations and runs them at their time', () => {
    const m = meter();
    m.deliver(rtdsFixture(`${DIR}FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX`));
    const other = meter();
    other.esme.restore(m.esme.snapshot());
    assert.equal(other.esme.pendingFutureDated().length, 3);
    other.clock.runUntil(AT);
    assert.deepEqual(other.read().price, [10100, 0, 12300, 13400]);
  });

  it('refused whole: a special day naming a day profile the command does not define (nothing written or pending)', () => {
    const m = meter();
    const before = m.read();
    const r = m.send(ENVELOPE, (f: Fields) => {
      (f.specialDaysSecondaryPassive!.entries as { dayId: number }[])[0]!.dayId = 9;
    });
    assert.notEqual(r.ev?.reason, 'OK');
    assert.deepEqual(m.read(), before);
    assert.equal(m.esme.pendingFutureDated().length, 0);
  });
});

describe('ESME twin: ECS01d Set Price on ESME Secondary, read back by ECS24b, charged', () => {
  it('activation now: ECS24b reads the new price; the secondary element is charged at it', () => {
    const m = meter({ paymentMode: 'prepayment' });
    const r = m.ecs01d([20_000, 21_000, 22_000, 23_000], NOW);
    assert.equal(r.ev?.reason, 'OK', JSON.stringify(r.ev?.detail));
    assert.deepEqual(m.read().price, [20_000, 21_000, 22_000, 23_000]);
    const balance = () => m.esme.stateView.meterBalance;
    const start = balance();
    // the RTDS secondary calendar: rate 1 at 00:00 (the RTDS time is 00:00)
    m.esme.backchannel.consumeSecondary(1000);
    assert.equal(balance(), start - 20_000);
  });

  it('future dated: the old price until its time, then the new one with an 8F66 naming 0-0:19.20.5.255 attr 7', () => {
    const m = meter();
    const old = m.read().price;
    const r = m.ecs01d([30_000, 31_000, 32_000, 32_500], '2015-01-02T00:00:00');
    assert.equal(r.ev?.reason, 'SCHEDULED');
    m.up.take();
    m.clock.runUntil(Date.UTC(2015, 0, 2) - 1);
    assert.deepEqual(m.read().price, old);
    m.up.take();
    m.clock.advance(HOUR);
    const [alert] = m.up
      .take()
      .map(decodeMessage)
      .filter((a) => a.messageCode === 0x00cc);
    assert.ok(alert, 'an 8F66');
    // ... class 113 (0071), OBIS 0-0:19.20.5.255 (0000131405FF), attribute 7, after ECS01d's Message Code 00C7
    assert.match(toHex(alert.content), /00C7[0-9A-F]{16}00710000131405FF07/);
    assert.deepEqual(m.read().price, [30_000, 31_000, 32_000, 32_500]);
  });

  it('a charge_table index twice is refused and changes nothing', () => {
    const m = meter();
    const old = m.read().price;
    const r = m.send(ENVELOPE, () => {}, {
      useCase: 'ECS01d',
      fields: {
        secondaryPriceCharge: {
          unitChargePassive: {
            chargePerUnitScaling: { commodityScale: 3, priceScale: -5 },
            commodity: { classId: 3, logicalName: '1-20:1.8.0.255', attributeIndex: 2 },
            chargeTable: [
              { index: '01', chargePerUnit: 1 },
              { index: '01', chargePerUnit: 2 },
            ],
          },
          unitChargeActivationTime: NOW,
        },
      },
    });
    assert.notEqual(r.ev?.reason, 'OK');
    assert.deepEqual(m.read().price, old);
  });
});
