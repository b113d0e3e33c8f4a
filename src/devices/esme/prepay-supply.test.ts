/**
 * Prepayment in time on the ESME (prepay-supply.ts): consumption debits a
 * prepayment meter's credit at the price in force (the RTDS tariff at the
 * RTDS time, Thursday 2015-01-01 00:00 UTC: selector 102, column 2: block 1
 * at 4002 milli-pence per kWh up to its 10 kWh threshold, block 2 at 6969
 * beyond: block-counters.ts), read back over GBCS (ECS82 meter balance, ECS19
 * emergency credit balance, ECS26a disablement threshold, ECS45 load switch);
 * below the disablement threshold the supply is disabled with 0x8F0F (event
 * and GCA alert); a top-up (CS01a) or emergency credit (ECS09) arms it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, type GbcsMessage } from '../../gbcs/index.ts';
import { decodeDlmsData } from '../../gbcs/payload/dlms.ts';
import { type DlmsCommandRow, useCaseById } from '../../gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { esmeTestRig, type Fields, rtdsFixture } from './test-rig.test-support.ts';

const rig = esmeTestRig();
/** milli-pence per kWh in force at the RTDS time */
const PRICE = 4002;
/** milli-pence per kWh of block 2 in that column (B2), past its 10 kWh threshold */
const BLOCK2 = 6969;
/** the RTDS ESME's accumulated debt register (ECS19 item 2): a top-up repays it first */
const ACCUMULATED_DEBT = 187_000;
const READ_ENVELOPE = 'ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX';

type Read = { result: string; value?: unknown };

function meter(initialState: Record<string, unknown> = {}) {
  const m = rig.meter({ initialState: initialState as never });
  const send = rig.changedSender(m, 1n << 42n);
  const value = (f: Fields, o: string, a: string) => (f[o]![a] as Read).value;
  const balance = () => value(send(READ_ENVELOPE).fields, 'meterBalance', 'currentCreditAmount');
  /** ECS45: load switch control_state (0 disconnected, 1 connected, 2 ready for reconnection) */
  const loadSwitch = () =>
    value(send('ECS45_7.4_SUCCESS_COMMAND_GBCS.HEX').fields, 'supplyState', 'controlState');
  const ecs26a = () => {
    const row = useCaseById('ECS26a') as DlmsCommandRow;
    const gets: Fields = {};
    for (const a of row.accesses) {
      gets[a.object] ??= {};
      gets[a.object]![a.member] = null;
    }
    return send(READ_ENVELOPE, () => {}, { useCase: 'ECS26a', fields: gets }).fields;
  };
  /** the emergency credit balance ECS19's prepayment registers report (item 1), decrypted as the supplier would */
  const emergencyBalance = () => {
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
  const events = () => m.esme.stateView.eventLog.map((e) => e.code);
  /** the alerts (content, hex) the meter sent since the last delivery or call (a delivery takes the uplink) */
  const alerts = () =>
    m.up
      .take()
      .map(decodeMessage)
      .filter((x) => x.cra === 'alert')
      .map((x) => toHex(x.content));
  return { ...m, send, balance, loadSwitch, ecs26a, emergencyBalance, events, alerts };
}

describe('ESME prepayment: consumption debits the credit at the price in force', () => {
  it('a credit-mode meter is never debited (its registers advance)', () => {
    const t = meter();
    const before = t.balance();
    t.esme.backchannel.consume(100_000);
    assert.equal(t.balance(), before);
    assert.equal(t.esme.stateView.registers.activeImportWh, 10 + 100_000);
    assert.equal(t.loadSwitch(), 1);
  });

  it('ECS03 sets prepayment and its disablement threshold (ECS26a reads it); consumption debits price x energy, fractions carried', () => {
    const t = meter();
    const set = t.send('ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS_COMMAND_GBCS.HEX', (f) => {
      f.prepaymentConfiguration!.disablementThreshold = 100_000;
    });
    assert.equal(set.ev?.reason, 'OK');
    assert.deepEqual(t.ecs26a().disablementThreshold!.thresholds, { result: 'success', value: [100_000] });
    const start = t.balance() as number;
    t.esme.backchannel.consume(1000);
    assert.equal(t.balance(), start - PRICE);
    t.esme.backchannel.consume(250); // 1000.5 milli-pence: 1000 now, 0.5 carried
    t.esme.backchannel.consume(250); // 1000.5 + 0.5: 1001
    assert.equal(t.balance(), start - PRICE - PRICE / 2);
    assert.equal(t.loadSwitch(), 1, 'still above the threshold: enabled');
  });
});

describe('ESME prepayment: the supply below the disablement threshold, and back', () => {
  it('falling below the threshold disables the supply: 0x8F0F logged and alerted; no more debit; a CS01a top-up arms it (0x8F32)', () => {
    const t = meter({ paymentMode: 'prepayment', disablementThreshold: 100_000 });
    t.esme.backchannel.consume(10_000); // block 1 up to its 10 kWh threshold: 40 020, 250 000 -> 209 980
    assert.deepEqual(t.alerts(), []);
    assert.equal(t.esme.stateView.supply, 'enabled');
    t.esme.backchannel.consume(20_000); // block 2 (B2): 139 380: 70 600, below 100 000
    assert.equal(t.esme.stateView.supply, 'disabled');
    assert.equal(t.esme.stateView.meterBalance, 250_000 - 10 * PRICE - 20 * BLOCK2);
    assert.equal(t.events().filter((c) => c === 0x8f0f).length, 1);
    const sent = t.alerts();
    assert.equal(sent.length, 1);
    assert.match(sent[0]!, /128F0F/, 'the alert carries 8F0F');
    t.esme.backchannel.consume(10_000);
    assert.equal(
      t.esme.stateView.meterBalance,
      250_000 - 10 * PRICE - 20 * BLOCK2,
      'a disabled supply passes nothing to debit',
    );
    // the UTRN of the RTDS CS01a (10 pounds), the meter's accumulated debt repaid from it first
    const r = t.deliver(rtdsFixture('CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX', 'COMMAND'));
    assert.equal(r.ev?.reason, 'OK');
    assert.equal(t.balance(), 250_000 - 10 * PRICE - 20 * BLOCK2 + 1_000_000 - ACCUMULATED_DEBT);
    assert.equal(t.loadSwitch(), 2, 'armed: ready for reconnection');
    assert.ok(t.events().includes(0x8f32));
  });

  it('a top-up that leaves the credit below the threshold does not arm', () => {
    const t = meter({ paymentMode: 'prepayment', disablementThreshold: 2_000_000 });
    t.esme.backchannel.consume(1);
    assert.equal(t.esme.stateView.supply, 'disabled');
    t.deliver(rtdsFixture('CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX', 'COMMAND'));
    assert.equal(t.esme.stateView.meterBalance, 250_000 - 4 + 1_000_000 - ACCUMULATED_DEBT);
    assert.equal(t.loadSwitch(), 0);
    assert.ok(!t.events().includes(0x8f32));
  });

  it('emergency credit: activated while disabled it arms (0x8168); then it runs down (0x81AA) and the supply is disabled again', () => {
    const t = meter({
      paymentMode: 'prepayment',
      meterBalance: 10_000,
      attributes: {
        'emergencyCreditLimit.valueActive': 40_000,
        'emergencyCreditThreshold.valueActive': 250_000,
      },
    });
    t.esme.backchannel.consume(3000); // 12 006: -2 006
    assert.equal(t.esme.stateView.supply, 'disabled');
    const ec = t.send('ECS09_2.5_SUCCESS_COMMAND_GBCS.HEX');
    assert.equal((ec.fields.emergencyCredit!.invokeCredit as Read).result, 'success');
    assert.equal(t.loadSwitch(), 2);
    assert.ok(t.events().includes(0x8168));
    assert.equal(t.emergencyBalance(), 40_000);
    const on = t.send('ECS43_7.2_SUCCESS_COMMAND_GBCS.HEX', () => {}, {
      useCase: 'ECS42',
      fields: { disconnectControlScripts: { execute: 51 } },
    });
    assert.equal(on.ev?.reason, 'OK');
    assert.equal(t.loadSwitch(), 1);
    t.alerts();
    t.esme.backchannel.consume(5000); // 20 010 from the emergency credit (the meter balance is below zero)
    assert.equal(t.emergencyBalance(), 40_000 - 5 * PRICE);
    assert.equal(t.esme.stateView.meterBalance, -2006);
    // 8 000 Wh counted: 2 000 Wh more in block 1 (8 004), 3 000 Wh in block 2 (20 907): the emergency
    // credit's last 19 990, then 8 921 from the meter balance
    t.esme.backchannel.consume(5000);
    assert.ok(
      t.alerts().some((a) => /128F0F/.test(a)),
      'the 8F0F alert',
    );
    assert.equal(t.emergencyBalance(), 0);
    assert.equal(t.esme.stateView.meterBalance, -2006 - 8921);
    assert.equal(t.loadSwitch(), 0);
    assert.deepEqual(
      t.events().slice(-2),
      [0x81aa, 0x8f0f],
      'exhausted, then below the disablement threshold',
    );
  });
});
