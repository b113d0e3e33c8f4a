/**
 * Read after write on the ESME (issue 12): a value set through a GBCS write
 * use case is what the GBCS read use case then reports. Commands are the
 * RTDS ones with new named fields (encodeCommand) and fresh counters,
 * signed / MAC'd with the fixture keys; responses are read by named fields
 * (decodeResponse), protected ones decrypted as the supplier would.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, type GbcsMessage } from '../../gbcs/index.ts';
import { decodeDlmsData } from '../../gbcs/payload/dlms.ts';
import { decodeCommand } from '../../gbcs/use-cases/index.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { touIndex } from './tariff.ts';
import { esmeTestRig, type Fields, rtdsFixture } from './test-rig.test-support.ts';

const rig = esmeTestRig();

/** A fresh ESME and a way to send it RTDS commands with new fields and counters. */
function meter() {
  const m = rig.meter();
  const sendChanged = rig.changedSender(m, 1n << 40n);
  /** Sends the RTDS command `name` with its fields changed by `change`; returns the response's named fields. */
  const send = (
    name: string,
    change: (f: Fields) => void = () => {},
    as?: { useCase: string; fields: Fields },
  ) => {
    const { ev, fields, message } = sendChanged(name, change, as);
    assert.equal(ev?.decision, 'accepted', `${name}: ${ev?.reason} ${JSON.stringify(ev?.detail)}`);
    assert.ok(ev?.reason !== 'UNSUPPORTED' && ev?.reason !== 'FAILED', `${name}: ${ev?.reason}`);
    return { fields, message };
  };
  return { esme: m.esme, send, sendChanged };
}

const value = (f: Fields, object: string, member: string) => {
  const r = f[object]?.[member] as { result: string; value?: unknown } | undefined;
  assert.ok(r, `no ${object}.${member} in the response`);
  return r.value;
};

/** The plaintext of a protected read's response (decrypted with the supplier's keys). */
function protectedPlaintext(f: Fields, message: GbcsMessage) {
  const v = Object.values(f)[0]!.getProtectedAttributes as { value: { protectedAttributes: string } };
  return decodeDlmsData(rig.profile.remote.decryptPayload(fromHex(v.value.protectedAttributes), message))
    .value;
}

describe('ESME read after write through GBCS use cases', () => {
  it('tariff: ECS01b sets new TOU and standing charge prices, ECS24 reads them', () => {
    const { send } = meter();
    send('ECS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX', (f) => {
      const tou = f.primaryPriceCharge!.unitChargePassive as {
        chargeTable: { index: string; chargePerUnit: number }[];
      };
      tou.chargeTable = [{ index: touIndex(1), chargePerUnit: 3333 }];
      const sc = f.standingCharge!.unitChargePassive as {
        chargeTable: { index: string; chargePerUnit: number }[];
      };
      sc.chargeTable = [{ index: sc.chargeTable[0]!.index, chargePerUnit: 4321 }];
    });
    const read = send('ECS24_4.11.1_SUCCESS_COMMAND_GBCS.HEX').fields;
    const active = value(read, 'primaryPriceCharge', 'unitChargeActive') as { chargeTable: unknown[] };
    assert.deepEqual(active.chargeTable, [{ index: touIndex(1), chargePerUnit: 3333 }]);
    const standing = value(read, 'standingCharge', 'unitChargeActive') as {
      chargeTable: { chargePerUnit: number }[];
    };
    assert.equal(standing.chargeTable[0]!.chargePerUnit, 4321);
  });

  it('credit: ECS04a adjusts the balance by 1234500 milli-pence, ECS82 and the ECS19 prepayment registers report it', () => {
    const { send } = meter();
    const before = value(
      send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX').fields,
      'meterBalance',
      'currentCreditAmount',
    );
    send('ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX', (f) => {
      f.meterBalance!.updateAmount = 1_234_500;
    });
    const after = value(
      send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX').fields,
      'meterBalance',
      'currentCreditAmount',
    );
    assert.equal(after, (before as number) + 1_234_500);
    const r = send('ECS19_4.3_SUCCESS_COMMAND_GBCS.HEX');
    const pt = protectedPlaintext(r.fields, r.message);
    assert.ok(pt.type === 'structure' && pt.items[0]!.type === 'structure');
    const list = pt.items[0] as { items: { value?: unknown }[] };
    assert.equal(list.items[0]!.value, after, 'the prepayment register list starts with the balance');
  });

  it('debt: ECS07 (GBCS V3.1 tables) adjusts the time debt and payment debt registers; ECS19 reports them (items 3, 4, 5)', () => {
    const { send, sendChanged } = meter();
    const registers = () => {
      const r = send('ECS19_4.3_SUCCESS_COMMAND_GBCS.HEX');
      const pt = protectedPlaintext(r.fields, r.message) as { items: { items: { value?: unknown }[] }[] };
      return pt.items[0]!.items.map((x) => x.value as number);
    };
    const before = registers();
    const rate = (amount: number) => ({
      chargePerUnitScaling: { commodityScale: 0, priceScale: -2 },
      commodity: { classId: 0, logicalName: '0-0:0.0.0.0', attributeIndex: 0 },
      chargeTable: [{ index: '', chargePerUnit: amount }],
    });
    const ecs07 = (period = 3600): Fields => ({
      timeDebt1: {
        unitChargePassive: rate(12),
        period,
        activatePassiveUnitCharge: 0,
        updateTotalAmountRemaining: 1500,
      },
      timeDebt2: {
        unitChargePassive: rate(100),
        period: 86400,
        activatePassiveUnitCharge: 0,
        updateTotalAmountRemaining: -300,
      },
      paymentDebt: { proportion: 2500, updateTotalAmountRemaining: 90000 },
    });
    const ok = sendChanged('ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX', () => {}, {
      useCase: 'ECS07',
      fields: ecs07(),
    });
    assert.equal(ok.ev?.reason, 'OK');
    const after = registers();
    assert.deepEqual(after.slice(0, 3), before.slice(0, 3));
    assert.deepEqual(after.slice(3), [before[3]! + 1500, before[4]! - 300, before[5]! + 90000]);
    // a period GBCS does not allow (two hours): refused whole, the registers unchanged
    const bad = sendChanged('ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX', () => {}, {
      useCase: 'ECS07',
      fields: ecs07(7200),
    });
    assert.notEqual(bad.ev?.reason, 'OK');
    assert.deepEqual(registers(), after);
  });

  it('supply: ECS43 disables, ECS45 reads 0; ECS44 arms, ECS45 reads 2', () => {
    const { send } = meter();
    send('ECS43_7.2_SUCCESS_COMMAND_GBCS.HEX');
    assert.equal(value(send('ECS45_7.4_SUCCESS_COMMAND_GBCS.HEX').fields, 'supplyState', 'controlState'), 0);
    send('ECS44_7.3_SUCCESS_COMMAND_GBCS.HEX');
    assert.equal(value(send('ECS45_7.4_SUCCESS_COMMAND_GBCS.HEX').fields, 'supplyState', 'controlState'), 2);
  });

  it('limits: ECS29a sets the voltage limiter thresholds (and resets the sag/swell counters), ECS26k and ECS23 read them', () => {
    const { send } = meter();
    send('ECS29a_6.5_SUCCESS_COMMAND_GBCS.HEX', (f) => {
      f.voltageLimiter1!.thresholdNormal = 290;
      f.voltageLimiter1!.minOverThresholdDuration = 45;
      f.rmsVoltageSagThreshold!.value = 190;
    });
    const read = send('ECS26k_6.2.1_SUCCESS_COMMAND_GBCS.HEX').fields;
    assert.equal(value(read, 'voltageLimiter1', 'thresholdNormal'), 290);
    assert.equal(value(read, 'voltageLimiter1', 'minOverThresholdDuration'), 45);
    assert.equal(value(read, 'rmsVoltageSagThreshold', 'value'), 190);
    const counts = send('ECS23_4.10_SUCCESS_COMMAND_GBCS.HEX').fields;
    assert.equal(value(counts, 'rmsVoltageSagCount', 'value'), 0);
    assert.equal(value(counts, 'rmsVoltageSwellCount', 'value'), 0);
  });

  it('configuration: ECS38 sets the randomisation offset limit, ECS26c reads it; ECS46a sets ALCS labels, ECS61a reads them', () => {
    const { send } = meter();
    send('ECS38_7.12_SUCCESS_COMMAND_GBCS.HEX', (f) => {
      f.randomisationOffsetLimit!.value = 777;
    });
    assert.equal(
      value(send('ECS26c_6.2.2_SUCCESS_COMMAND_GBCS.HEX').fields, 'randomisationOffsetLimit', 'value'),
      777,
    );
    send('ECS46a_6.14.1_ALL_OPTIONALS_SUCCESS_COMMAND_GBCS.HEX', (f) => {
      f.alcsLabel2!.value = 'Immersion heater';
    });
    assert.equal(
      value(send('ECS61a_7.7_ALL_OPTIONALS_SUCCESS_COMMAND_GBCS.HEX').fields, 'alcsLabel2', 'value'),
      'Immersion heater',
    );
  });

  it('logs: ECS15c resets the ALCS event log, ECS35f then reads no entries', () => {
    const { send } = meter();
    const before = value(
      send('ECS35f_6.13_SUCCESS_COMMAND_GBCS.HEX').fields,
      'alcsEventLog',
      'buffer',
    ) as unknown[];
    assert.ok(before.length > 0);
    send('ECS15c_3.3_SUCCESS_COMMAND_GBCS.HEX');
    assert.deepEqual(
      value(send('ECS35f_6.13_SUCCESS_COMMAND_GBCS.HEX').fields, 'alcsEventLog', 'buffer'),
      [],
    );
  });

  const ECS47 = 'ECS47Activate_7.5_SUCCESS_COMMAND_GBCS.HEX';
  const ECS47A = 'ECS47a_7.13_ALCS_ACTIVATE_SUCCESS_COMMAND_GBCS.HEX';
  const ECS61A = 'ECS61a_7.7_ALL_OPTIONALS_SUCCESS_COMMAND_GBCS.HEX';
  /** 7.7 (ECS61a, RTDS): the output state of switch N (ECS61e reads none: GBCS later use-case table). */
  const readState = (send: ReturnType<typeof meter>['send'], n: number) =>
    value(send(ECS61A).fields, `alcs${n}`, 'outputState');
  /** An ECS47 (7.5 / 7.6 / 7.8) running `script`, in the envelope of the RTDS 7.5 command. */
  const switchScript = (script: number) => (f: Fields) => {
    f.alcsStateScripts!.execute = script;
  };

  it('auxiliary load: ECS47 switches 3 off (7.6), on (7.5), back to calendar control (7.8); ECS61a (7.7) reads it', () => {
    const { send } = meter();
    assert.equal(readState(send, 3), true, 'the RTDS ESME has switch 3 on');
    send(ECS47, switchScript(0x0312));
    assert.equal(readState(send, 3), false);
    assert.equal(readState(send, 2), true, 'the other switches are unchanged');
    send(ECS47, switchScript(0x0311));
    assert.equal(readState(send, 3), true);
    send(ECS47, switchScript(0x0312));
    send(ECS47, switchScript(0x0320));
    assert.equal(readState(send, 3), true, 'calendar control: the state the meter holds without an override');
  });

  it('auxiliary load: ECS47 with a controller script, ECS47a with a switch script are refused (8F1E) and change nothing', () => {
    const { send, sendChanged } = meter();
    for (const [name, script] of [
      [ECS47, 0x1164],
      [ECS47A, 0x0312],
      [ECS47, 0x0611],
    ] as const) {
      const { ev } = sendChanged(name, switchScript(script));
      assert.notEqual(ev?.reason, 'APPLIED', `${name} ${script.toString(16)}: ${ev?.reason}`);
      assert.equal(ev?.reason, 'FAILED', `${name} ${script.toString(16)}`);
    }
    assert.equal(readState(send, 3), true);
  });

  // ECS47e (7.16) is the Load Controller's only (GBCS later use-case table): its refusal to the supplier and
  // acceptance from the load controller are in test/conformance/te-1-roles-ppmid.test.ts
  it('auxiliary controller: ECS47a (7.13) sets controller 5 off at 40 and on at 100', () => {
    const { send } = meter();
    send(ECS47A, switchScript(0x1528));
    assert.equal(readState(send, 5), false);
    send(ECS47A, switchScript(0x1564));
    assert.equal(readState(send, 5), true);
  });

  it('ECS61e (7.15) reads each controller type and identifier and state information (GBCS later use-case table)', () => {
    const { send } = meter();
    const read = send(ECS61A, () => {}, {
      useCase: 'ECS61e',
      fields: Object.fromEntries(
        [1, 2, 3, 4, 5].flatMap((k) => [
          [`alcsDeviceId${k}`, { value: null }],
          [`auxControllerStateInformation${k}`, { value: null }],
        ]),
      ),
    }).fields;
    assert.equal(value(read, 'alcsDeviceId1', 'value'), value(send(ECS61A).fields, 'alcsDeviceId1', 'value'));
  });

  it('auxiliary controller configuration: ECS46d (6.14.3, immediate) and ECS46a (6.14.1) set, ECS61d (7.14) reads the activated calendar and descriptions', () => {
    const { send } = meter();
    send('ECS46d_6.14.3_IMMEDIATE_ALCS_SUCCESS_COMMAND_GBCS.HEX');
    send('ECS46a_6.14.1_ALL_OPTIONALS_SUCCESS_COMMAND_GBCS.HEX', (f) => {
      f.alcsLabel4!.value = 'Storage heater';
    });
    const base = decodeMessage(
      rtdsFixture('ECS46d_6.14.3_IMMEDIATE_ALCS_SUCCESS_COMMAND_GBCS.HEX', 'COMMAND'),
    );
    const written = decodeCommand(base.messageCode, base.content).fields as Fields;
    const read = send(ECS61A, () => {}, {
      useCase: 'ECS61d',
      fields: {
        ...Object.fromEntries([1, 2, 3, 4, 5].map((k) => [`alcsLabel${k}`, { value: null }])),
        alcsSpecialDays: { entries: null },
        alcsSchedule: { entries: null },
      },
    }).fields;
    assert.equal(value(read, 'alcsLabel4', 'value'), 'Storage heater');
    // ECS46d writes the next calendar (channel 1); its immediate activation makes it the current one (channel 0)
    assert.deepEqual(value(read, 'alcsSchedule', 'entries'), written.auxiliaryControllerSchedule!.entries);
    assert.deepEqual(
      value(read, 'alcsSpecialDays', 'entries'),
      written.auxiliaryControllerSpecialDays!.entries,
    );
  });

  it('ALCS configuration: ECS46c (6.14.2, GBCS V3.1 table) sets switch identities and the next special days and schedule, activated now; ECS61a and ECS61d read them', () => {
    const { send } = meter();
    const specialDays = [
      { index: 1, specialDayDate: '****-12-25', dayId: 1 },
      { index: 2, specialDayDate: '2027-04-02', dayId: 2 },
    ];
    const entry = (index: number, scriptSelector: number, switchTime: string, execSpecdays: string) => ({
      index,
      enable: true,
      scriptLogicalName: '0-0:10.0.103.255',
      scriptSelector,
      switchTime,
      validityWindow: 65535,
      execWeekdays: '1111100',
      execSpecdays,
      beginDate: '****-06-21',
      endDate: '****-09-21',
    });
    const ecs61dFields = {
      ...Object.fromEntries([1, 2, 3, 4, 5].map((k) => [`alcsLabel${k}`, { value: null }])),
      alcsSpecialDays: { entries: null },
      alcsSchedule: { entries: null },
    };
    const schedule = [entry(1, 0x0301, '18:00:00', '00'), entry(2, 0x0302, '22:00:00', '10')];
    // in the envelope of the RTDS ECS46d (a critical command of the same ESME and supplier)
    send('ECS46d_6.14.3_IMMEDIATE_ALCS_SUCCESS_COMMAND_GBCS.HEX', () => {}, {
      useCase: 'ECS46c',
      fields: {
        alcsDeviceId2: { value: '0000000000000000' },
        alcsDeviceId3: { value: '00DB123456789099' },
        auxiliaryControllerSpecialDays: { entries: specialDays },
        auxiliaryControllerSchedule: { entries: schedule },
        auxiliaryControllerScheduleActivation: { activationTime: '0000-00-00T00:00:00 dow=0' },
        auxiliaryControllerSpecialDaysActivation: { activationTime: '0000-00-00T00:00:00 dow=0' },
      },
    });
    const read = send(ECS61A).fields;
    assert.equal(value(read, 'alcsDeviceId2', 'value'), '0000000000000000', 'switch 2 is an ALCS now');
    assert.equal(value(read, 'alcsDeviceId3', 'value'), '00DB123456789099', 'switch 3 an HCALCS');
    assert.equal(
      value(read, 'alcsDeviceId1', 'value'),
      '0000000000000000',
      'an identity not written is kept',
    );
    assert.deepEqual(value(read, 'alcsSpecialDays', 'entries'), specialDays);
    assert.deepEqual(value(read, 'alcsSchedule', 'entries'), schedule);
    // GBCS later use-case table: ECS61d reads the current calendar (channel 0), ECS46c's once activated
    const viaEcs61d = send(ECS61A, () => {}, { useCase: 'ECS61d', fields: ecs61dFields }).fields;
    assert.deepEqual(value(viaEcs61d, 'alcsSchedule', 'entries'), schedule);
    assert.deepEqual(value(viaEcs61d, 'alcsSpecialDays', 'entries'), specialDays);
  });

  it('copy on write: a write is read back after snapshot/restore, and a second meter still reads the RTDS values', () => {
    const first = meter();
    const other = meter();
    first.send('ECS38_7.12_SUCCESS_COMMAND_GBCS.HEX', (f) => {
      f.randomisationOffsetLimit!.value = 555;
    });
    first.send('ECS15c_3.3_SUCCESS_COMMAND_GBCS.HEX');
    const rtdsOffset = value(
      other.send('ECS26c_6.2.2_SUCCESS_COMMAND_GBCS.HEX').fields,
      'randomisationOffsetLimit',
      'value',
    );
    assert.notEqual(rtdsOffset, 555);
    assert.ok(
      (
        value(
          other.send('ECS35f_6.13_SUCCESS_COMMAND_GBCS.HEX').fields,
          'alcsEventLog',
          'buffer',
        ) as unknown[]
      ).length > 0,
      'the reset emptied the log of the first meter only',
    );
    // the second meter takes the first one's snapshot (its sender's counter is past the first one's)
    const restored = other;
    restored.esme.restore(first.esme.snapshot());
    assert.equal(
      value(
        restored.send('ECS26c_6.2.2_SUCCESS_COMMAND_GBCS.HEX').fields,
        'randomisationOffsetLimit',
        'value',
      ),
      555,
    );
    assert.deepEqual(
      value(restored.send('ECS35f_6.13_SUCCESS_COMMAND_GBCS.HEX').fields, 'alcsEventLog', 'buffer'),
      [],
    );
    assert.deepEqual(
      Object.keys(first.esme.snapshot().state.attributes).sort(),
      ['alcsEventLog.buffer', 'randomisationOffsetLimit.value'],
      'the snapshot holds the writes only',
    );
  });
});
