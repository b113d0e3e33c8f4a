/**
 * The ESME's billing data value logs (GBCS 18.2.1 entry_dlValueLogEntry:
 * timestamp, UTC seconds since 2000-01-01, then the amount as
 * double-long-unsigned, milli-pence), read by range (cosem.ts):
 * - prepayment credits (0-0:98.1.5.255, ECS20d): each accepted top-up, 5
 *   entries (GBCS V3.1 use-case tables: entries 1..5);
 * - payment-based debt payments (0-0:98.1.4.255, ECS20a): what each top-up
 *   paid to the payment debt register (payment-based debt recovery,
 *   prepay-supply.ts creditTopUp), 10 entries (GBCS V3.1 tables: 1..10).
 * The oldest entry is dropped beyond the size.
 */
import { type AttributeHolder, getAttribute, setAttribute } from './attribute-store.ts';

export const VALUE_LOGS = {
  prepaymentCredit: { key: 'prepaymentCreditLog.buffer', size: 5 },
  debtPayment: { key: 'debtPaymentLog.buffer', size: 10 },
} as const;

/** GBCS profile time stamps: UTC seconds since 2000-01-01. */
const EPOCH_2000 = Date.UTC(2000, 0, 1);

/** Appends `amount` at `at` to `log` (oldest dropped beyond its size). */
export function appendValueLog(
  s: AttributeHolder,
  log: keyof typeof VALUE_LOGS,
  at: number,
  amount: number,
): void {
  const { key, size } = VALUE_LOGS[log];
  const rows = (getAttribute(s, key) as unknown[] | undefined) ?? [];
  const row = { time: Math.floor((at - EPOCH_2000) / 1000), amount };
  setAttribute(s, key, [...rows, row].slice(-size));
}
