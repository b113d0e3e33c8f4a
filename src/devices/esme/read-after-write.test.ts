/**
 * Read after write on the ESME (issue 12): a value set through a GBCS write
 * use case is what the GBCS read use case then reports. Commands are the
 * RTDS ones with new named fields (encodeCommand) and fresh counters,
 * signed / MAC'd with the fixture keys; responses are read by named fields
 * (decodeResponse), protected ones decrypted as the supplier would.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GbcsMessage } from '../../gbcs/index.ts';
import { decodeDlmsData } from '../../gbcs/payload/dlms.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { touIndex } from './tariff.ts';
import { esmeTestRig, type Fields } from './test-rig.test-support.ts';

const rig = esmeTestRig();

/** A fresh ESME and a way to send it RTDS commands with new fields and counters. */
function meter() {
  const m = rig.meter();
  const sendChanged = rig.changedSender(m, 1n << 40n);
  /** Sends the RTDS command `name` with its fields changed by `change`; returns the response's named fields. */
  const send = (name: string, change: (f: Fields) => void = () => {}) => {
    const { ev, fields, message } = sendChanged(name, change);
    assert.equal(ev?.decision, 'accepted', `${name}: ${ev?.reason} ${JSON.stringify(ev?.detail)}`);
    assert.ok(ev?.reason !== 'UNSUPPORTED' && ev?.reason !== 'FAILED', `${name}: ${ev?.reason}`);
    return { fields, message };
  };
  return { esme: m.esme, send };
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
