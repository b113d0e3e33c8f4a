/** The billing data value logs (value-logs.ts): GBCS's entry shape, oldest dropped beyond the size. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAttribute } from './attribute-store.ts';
import { appendValueLog, VALUE_LOGS } from './value-logs.ts';

const AT = Date.UTC(2015, 0, 1);
const SECONDS = (AT - Date.UTC(2000, 0, 1)) / 1000;

describe('ESME billing data value logs', () => {
  it('an entry is { time: UTC seconds since 2000, amount }; ECS20a keeps the latest 10, ECS20d the latest 5', () => {
    const s = { attributes: {} };
    for (let k = 1; k <= 12; k++) {
      appendValueLog(s, 'debtPayment', AT + k * 1000, k);
      appendValueLog(s, 'prepaymentCredit', AT + k * 1000, 100 * k);
    }
    const debt = getAttribute(s, VALUE_LOGS.debtPayment.key) as { time: number; amount: number }[];
    assert.equal(debt.length, 10);
    assert.deepEqual(debt[0], { time: SECONDS + 3, amount: 3 });
    assert.deepEqual(debt.at(-1), { time: SECONDS + 12, amount: 12 });
    const credit = getAttribute(s, VALUE_LOGS.prepaymentCredit.key) as { amount: number }[];
    assert.deepEqual(
      credit.map((r) => r.amount),
      [800, 900, 1000, 1100, 1200],
    );
  });
});
