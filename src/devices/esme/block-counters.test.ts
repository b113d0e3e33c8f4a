/**
 * Block tariff counters (block-counters.ts): the pure split at the block
 * thresholds, and on the ESME through GBCS: consumption in a TOU-with-blocks
 * column counts into the block it reaches and is charged at that block's
 * price (ECS82 reads the balance), ECS17e reads the block registers and
 * counters back, ECS05 resets the counters, and so does the billing date
 * (ECS30a sets the billing calendar). The RTDS tariff at the RTDS time
 * (Thursday 2015-01-01 00:00 UTC): selector 102, column 2, threshold 1 at
 * 10 000 Wh, A2 4002 and B2 6969 milli-pence per kWh.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, type GbcsMessage } from '../../gbcs/index.ts';
import { type DlmsData, decodeDlmsData } from '../../gbcs/payload/dlms.ts';
import { decodeCommand, decodeProtectedPlaintext } from '../../gbcs/use-cases/index.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { blockSplit } from './block-counters.ts';
import { esmeTestRig, type Fields, rtdsFixture } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const NONE = 0xffffffff;
const A2 = 4002;
const B2 = 6969;
const ECS17D = 'ECS17d_4.1.2_SINGLE_SUCCESS_COMMAND_GBCS.HEX';
const DAY = 86_400_000;

describe('block split (pure)', () => {
  it('consumption fills the block up to its threshold, the rest goes on; no threshold: all in the block reached', () => {
    assert.deepEqual(blockSplit(3000, 8000, [10000, 20000, 30000]), [2000, 1000, 0, 0]);
    assert.deepEqual(blockSplit(25000, 0, [10000, 20000, 30000]), [10000, 10000, 5000, 0]);
    assert.deepEqual(blockSplit(5000, 29000, [10000, 20000, 30000]), [0, 0, 1000, 4000]);
    assert.deepEqual(blockSplit(5000, 12000, [10000, NONE, NONE]), [0, 5000, 0, 0]);
    assert.deepEqual(blockSplit(5000, 0, [NONE, NONE, NONE]), [5000, 0, 0, 0]);
    assert.deepEqual(blockSplit(0, 0, [1, 2, 3]), [0, 0, 0, 0]);
  });
});

describe('ESME block counters through GBCS', () => {
  function meter() {
    const m = rig.meter({ initialState: { paymentMode: 'prepayment' } as never });
    const send = rig.changedSender(m, 1n << 42n);
    const balance = () =>
      (
        send('ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX').fields.meterBalance!.currentCreditAmount as {
          value: number;
        }
      ).value;
    /** ECS17e: the 64 values (per block: 8 TOU block registers, 8 block counters), decrypted */
    const ecs17e = () => {
      const base = decodeMessage(rtdsFixture(ECS17D, 'COMMAND'));
      const d = decodeCommand(base.messageCode, base.content).fields as {
        protectedReadTouRegisters: { getProtectedAttributes: { protectionParameters: unknown[] } };
      };
      const r = send(ECS17D, () => {}, {
        useCase: 'ECS17e',
        fields: {
          protectedReadTouBlockRegisters: {
            getProtectedAttributes: {
              objectList: [
                {
                  classId: 1,
                  logicalName: '0-0:94.44.34.2',
                  attributeIndex: 2,
                  dataIndex: 0,
                  restriction: { restrictionType: 0, restrictionValue: null },
                },
              ],
              protectionParameters: d.protectedReadTouRegisters.getProtectedAttributes.protectionParameters,
            },
          },
        } as Fields,
      });
      const v = Object.values(r.fields as Fields)[0]!.getProtectedAttributes as {
        value: { protectedAttributes: string };
      };
      const message: GbcsMessage = r.message;
      const plaintext = rig.profile.remote.decryptPayload(fromHex(v.value.protectedAttributes), message);
      const pt = decodeDlmsData(plaintext).value as { items: { items: { items: DlmsData[] }[] }[] };
      const list = pt.items[0]!.items[0]!.items.map((x) => Number((x as { value: number }).value));
      // the plaintext is the catalogue's shape (protected-objects.ts), named whole
      const named = decodeProtectedPlaintext('ECS17e', plaintext) as {
        touBlockRegisters: { touBlockRegisters: number[] };
      };
      assert.deepEqual(named.touBlockRegisters.touBlockRegisters, list);
      return list;
    };
    /** column 2's block register and counter of block b (1..4) in the ECS17e list */
    const col2 = (list: number[], b: number) => ({
      register: list[(b - 1) * 16 + 1],
      counter: list[(b - 1) * 16 + 9],
    });
    return { ...m, send, balance, ecs17e, col2 };
  }

  it('consumption crossing threshold 1 is split: block 1 at A2, block 2 at B2; ECS17e reads registers and counters; ECS05 resets the counters only', () => {
    const t = meter();
    const start = t.balance();
    t.esme.backchannel.consume(6000);
    t.esme.backchannel.consume(7000); // 4 000 Wh to the threshold, 3 000 Wh beyond
    assert.equal(t.balance(), start - 10 * A2 - 3 * B2);
    let list = t.ecs17e();
    assert.equal(list.length, 64);
    assert.deepEqual(t.col2(list, 1), { register: 10000, counter: 10000 });
    assert.deepEqual(t.col2(list, 2), { register: 3000, counter: 3000 });
    assert.equal(
      list.reduce((a, b) => a + b, 0),
      2 * 13000,
      'nothing anywhere else',
    );
    const r = t.send('ECS05_1.7_SUCCESS_COMMAND_GBCS.HEX');
    assert.equal(r.ev?.reason, 'OK');
    assert.equal((r.fields.tariffBlockCounterMatrixReset!.execute as { result: string }).result, 'success');
    list = t.ecs17e();
    assert.deepEqual(t.col2(list, 1), { register: 10000, counter: 0 });
    assert.deepEqual(t.col2(list, 2), { register: 3000, counter: 0 });
    const before = t.balance();
    t.esme.backchannel.consume(1000);
    assert.equal(t.balance(), before - A2, 'block 1 again after the reset');
  });

  it('the billing date (ECS30a) resets the block counters: consumption before it counts in the ending period', () => {
    const t = meter();
    const r = t.send('ECS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX', () => {}, {
      useCase: 'ECS30a',
      fields: { billingCalendar: { executionTime: [{ time: '03:00:00', date: '****-**-**' }] } } as Fields,
    });
    assert.equal(r.ev?.reason, 'OK');
    t.esme.backchannel.consume(12000);
    assert.deepEqual(t.col2(t.ecs17e(), 2), { register: 2000, counter: 2000 });
    t.clock.advance(4 * 3_600_000);
    const list = t.ecs17e();
    assert.deepEqual(t.col2(list, 1), { register: 10000, counter: 0 });
    assert.deepEqual(t.col2(list, 2), { register: 2000, counter: 0 });
  });

  it('ECS48 (the RTDS command: daily at 00:00) resets the block counters at each midnight, read back by ECS17e; an empty schedule stops it', () => {
    const t = meter();
    const r = t.send('ECS48_6.26_SUCCESS_COMMAND_GBCS.HEX');
    assert.equal(r.ev?.reason, 'OK');
    assert.deepEqual(r.ev?.detail, {
      written: ['blockCounterMatrixDailyReset.executionTime'],
      nextReset: '2015-01-02T00:00:00.000Z',
    });
    t.esme.backchannel.consume(12000);
    assert.deepEqual(t.col2(t.ecs17e(), 2), { register: 2000, counter: 2000 });
    t.clock.advance(DAY - 1);
    assert.deepEqual(t.col2(t.ecs17e(), 2), { register: 2000, counter: 2000 }, 'not before midnight');
    t.clock.advance(1);
    let list = t.ecs17e();
    assert.deepEqual(t.col2(list, 1), { register: 10000, counter: 0 });
    assert.deepEqual(t.col2(list, 2), { register: 2000, counter: 0 });
    const before = t.balance();
    t.esme.backchannel.consume(1000);
    assert.equal(t.balance(), before - A2, 'block 1 again after the reset');
    // the next midnight again, also on a restored meter
    const other = rig.meter({ initialState: { paymentMode: 'prepayment' } as never }, t.clock.now());
    other.esme.restore(t.esme.snapshot());
    other.clock.advance(DAY);
    assert.deepEqual(other.esme.stateView.blocks?.counters.slice(0, 8), [0, 0, 0, 0, 0, 0, 0, 0]);
    // an empty execution_time: no more resets
    t.send('ECS48_6.26_SUCCESS_COMMAND_GBCS.HEX', (f) => {
      f.blockCounterMatrixDailyReset!.executionTime = [];
    });
    t.clock.advance(DAY);
    list = t.ecs17e();
    assert.deepEqual(t.col2(list, 1), { register: 11000, counter: 1000 });
  });
});
