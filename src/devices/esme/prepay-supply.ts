/**
 * Prepayment in time on the ESME: consumption debits the credit at the price
 * in force (prepay-accounting.ts, block-counters.ts, pure), the standing
 * charge and time debt recovery fall due in time (prepay-periodic.ts, pure),
 * a top-up pays payment-based debt recovery and the accumulated debt first,
 * the supply is disabled when the available credit falls below the
 * disablement threshold outside a non-disablement period
 * (non-disablement.ts, pure) and armed again when credit comes back (a
 * top-up, a balance adjustment, emergency credit).
 *
 * - Only a prepayment meter whose supply is enabled is charged for energy (a
 *   disabled or armed supply passes none; a credit-mode meter is never
 *   debited). Its block counters count in either mode.
 * - A debit logs 0x810D (Combined Credit Below Low Credit Threshold) and
 *   0x81AA (Emergency Credit Exhausted) when it crosses them; falling below
 *   the disablement threshold (ECS03 writes it, ECS26a reads it) disables
 *   the supply, logs 0x8F0F (Credit Below Disablement Threshold (prepayment
 *   mode)) and raises it as an alert (critical: GCA), each as of the device
 *   time it happened.
 * - Credit back at or above the threshold arms a supply that was disabled
 *   for lack of credit (the consumer enables it): 0x8F32 Supply Armed, or
 *   0x8168 (Supply Disabled then Armed - Activate Emergency Credit
 *   triggered) when emergency credit brought it back. PROVISIONAL: the
 *   armed (not enabled) state after credit returns is SMETS2's rule; GBCS
 *   gives the event names.
 * - Catch-up, no timer of its own (accruePrepayment): the meter accounts
 *   from the last accrual to now whenever it advances, in time order.
 * - A twin ESME's secondary element is charged at the secondary price by the
 *   secondary calendar (chargeSecondaryConsumption), from the same credit.
 */
import { getAttribute, setAttribute } from './attribute-store.ts';
import { countBlocks } from './block-counters.ts';
import { CREDIT_BALANCE_KEY } from './handlers/account.ts';
import { ACCUMULATED_DEBT_ITEM, debtBalance, heldPrepaymentItem } from './handlers/debt.ts';
import {
  inNonDisablementPeriod,
  type NonDisablementCalendar,
  type NonDisablementEntry,
  nonDisablementSwitches,
} from './non-disablement.ts';
import {
  belowDisablement,
  blockColumnOfSelector,
  CREDIT_BELOW_DISABLEMENT,
  type CreditRegisters,
  consumptionCost,
  crossings,
  debit,
  primaryCalendar,
  type SwitchingCalendar,
  scriptSelectorAt,
  wholeMillipence,
} from './prepay-accounting.ts';
import {
  boundaries,
  DAY_MS,
  MILLIPENCE_PER_UNIT,
  splitTopUp,
  type TimeDebt,
  timeDebtDue,
  unitChargeAmount,
} from './prepay-periodic.ts';
import type { EsmeState } from './state.ts';
import type { UnitCharge } from './tariff.ts';

/** GBCS 0x8F32 Supply Armed. */
export const SUPPLY_ARMED = 0x8f32;
/** GBCS 0x8168 Supply Disabled then Armed - Activate Emergency Credit triggered. */
export const ARMED_BY_EMERGENCY_CREDIT = 0x8168;

/** What the prepayment accounting needs of the meter. */
export interface PrepayHost {
  readonly state: EsmeState;
  /** logs a GBCS event code (`at`: the device time it happened, when not now) */
  logEvent(code: number, messageCode?: number, at?: number): void;
}

/** The credit registers of the meter's state. */
export function creditOf(s: EsmeState): CreditRegisters {
  const ec = getAttribute(s, CREDIT_BALANCE_KEY.emergencyCredit);
  return {
    meterBalance: s.meterBalance,
    emergencyCredit: s.emergencyCredit?.active ? (typeof ec === 'number' ? ec : 0) : null,
  };
}

function writeCredit(s: EsmeState, c: CreditRegisters): void {
  s.meterBalance = c.meterBalance;
  if (c.emergencyCredit !== null) setAttribute(s, CREDIT_BALANCE_KEY.emergencyCredit, c.emergencyCredit);
}

/** Raises a GBCS alert code as of device time `at`. */
export type AlertAt = (code: number, at: number) => void;

/**
 * Debits `amount` whole milli-pence at `at` from the credit (meter balance, emergency credit), logs the
 * thresholds crossed, and disables the supply below the disablement threshold unless a non-disablement
 * period is in force (0x8F0F logged and raised).
 */
function debitCredit(host: PrepayHost, amount: number, at: number, alert: AlertAt): void {
  const s = host.state;
  const before = creditOf(s);
  const after = debit(before, amount);
  writeCredit(s, after);
  const low = getAttribute(s, 'lowCreditThreshold.valueActive');
  for (const code of crossings(before, after, { lowCredit: typeof low === 'number' ? low : null }))
    host.logEvent(code, undefined, at);
  disableIfNoCredit(host, at, alert);
}

/** The Non-Disablement Calendar in force (ECS08a): its schedule entries and special days. */
export function nonDisablementCalendar(s: EsmeState): NonDisablementCalendar {
  const entries = getAttribute(s, 'nonDisablementSchedule.entries');
  const days = getAttribute(s, 'nonDisablementSpecialDays.entries');
  return {
    entries: Array.isArray(entries) ? (entries as NonDisablementEntry[]) : [],
    specialDays: Array.isArray(days) ? (days as { specialDayDate: string }[]) : [],
  };
}

/** An enabled prepayment supply below the disablement threshold, outside a non-disablement period, is disabled. */
function disableIfNoCredit(host: PrepayHost, at: number, alert: AlertAt): void {
  const s = host.state;
  if (s.paymentMode !== 'prepayment' || s.supply !== 'enabled') return;
  if (!belowDisablement(creditOf(s), s.disablementThreshold)) return;
  if (inNonDisablementPeriod(nonDisablementCalendar(s), at)) return;
  s.supply = 'disabled';
  prepayOf(s).disabledForCredit = true;
  host.logEvent(CREDIT_BELOW_DISABLEMENT, undefined, at);
  alert(CREDIT_BELOW_DISABLEMENT, at);
}

function prepayOf(s: EsmeState): NonNullable<EsmeState['prepay']> {
  s.prepay ??= { carry: 0, disabledForCredit: false };
  return s.prepay;
}

/**
 * `wh` of active import consumed at device time `at`: a prepayment meter with its supply enabled is debited
 * (fractions of a milli-pence carried), its events logged, its supply disabled below the disablement threshold
 * (`alert`: raise 0x8F0F). Returns the milli-pence debited.
 */
export function chargeConsumption(host: PrepayHost, wh: number, at: number, alert: AlertAt): number {
  const s = host.state;
  // a disabled or armed supply passes no energy
  if (!(wh > 0) || s.supply !== 'enabled') return 0;
  const selector = scriptSelectorAt(primaryCalendar(s.tariff), at);
  const column = blockColumnOfSelector(selector);
  // the block counters count in either payment mode
  const split = column === null ? null : countBlocks(s, wh, column);
  if (s.paymentMode !== 'prepayment') return 0;
  return debitCost(
    host,
    consumptionCost(s.tariff.primaryPriceCharge.unitChargeActive, selector, wh, split),
    at,
    alert,
  );
}

/** The secondary element's calendar (0-0:13.0.1.255, special days 0-0:11.0.1.255; ECS24b reads them). */
export function secondaryCalendar(s: EsmeState): SwitchingCalendar {
  const a = (k: string) => {
    const v = getAttribute(s, k);
    return Array.isArray(v) ? v : [];
  };
  return {
    seasons: a('activityCalendarSecondary.seasonProfileActive'),
    weeks: a('activityCalendarSecondary.weekProfileActive'),
    days: a('activityCalendarSecondary.dayProfileActive'),
    specialDays: a('specialDaysSecondary.entries'),
  };
}

/**
 * `wh` of the twin ESME's secondary element's active import at `at`: charged as the primary's, at the
 * secondary price Charge in force (0-0:19.20.5.255, ECS24b) by the secondary calendar, from the same credit.
 */
export function chargeSecondaryConsumption(host: PrepayHost, wh: number, at: number, alert: AlertAt): number {
  const s = host.state;
  if (!(wh > 0) || s.supply !== 'enabled' || s.paymentMode !== 'prepayment') return 0;
  const charge = getAttribute(s, 'secondaryPriceCharge.unitChargeActive') as UnitCharge | undefined;
  if (!charge) return 0;
  const selector = scriptSelectorAt(secondaryCalendar(s), at);
  return debitCost(host, consumptionCost(charge, selector, wh, null), at, alert);
}

/** Debits what consumption cost (null: no price in force, nothing), fractions of a milli-pence carried. */
function debitCost(host: PrepayHost, cost: number | null, at: number, alert: AlertAt): number {
  if (cost === null) return 0;
  const prepay = prepayOf(host.state);
  const { amount, carry } = wholeMillipence(cost, prepay.carry);
  prepay.carry = carry;
  if (amount === 0) return 0;
  debitCredit(host, amount, at, alert);
  return amount;
}

/** The accumulated debt register (GBCS 0-0:19.10.2.255): what ECS04b or the meter left, else the held value. */
export function accumulatedDebt(s: EsmeState): number {
  const v = getAttribute(s, CREDIT_BALANCE_KEY.accumulatedDebt);
  return typeof v === 'number' ? v : heldPrepaymentItem(s, ACCUMULATED_DEBT_ITEM);
}

/**
 * A time-based charge (standing charge, time debt recovery) of `amount` at `at`: taken from the credit while
 * the supply runs, added to the accumulated debt register while it is disabled or armed (PROVISIONAL: SMETS2's
 * rule; GBCS names the register only).
 */
function takeTimeCharge(host: PrepayHost, amount: number, at: number, alert: AlertAt): void {
  if (amount <= 0) return;
  const s = host.state;
  if (s.supply === 'enabled') debitCredit(host, amount, at, alert);
  else setAttribute(s, CREDIT_BALANCE_KEY.accumulatedDebt, accumulatedDebt(s) + amount);
}

const TIME_DEBTS = ['timeDebt1', 'timeDebt2'] as const;

function timeDebt(s: EsmeState, r: (typeof TIME_DEBTS)[number]): TimeDebt {
  const period = getAttribute(s, `${r}.period`);
  return {
    rate: getAttribute(s, `${r}.unitChargeActive`) as UnitCharge | undefined,
    periodMs: typeof period === 'number' ? period * 1000 : 0,
    remaining: debtBalance({ state: s }, r),
  };
}

/** The time-based charges falling due at boundary `at` (a UTC midnight, a debt period end). */
function chargesAt(host: PrepayHost, at: number, alert: AlertAt): void {
  const s = host.state;
  if (at % DAY_MS === 0)
    takeTimeCharge(host, unitChargeAmount(s.tariff.standingCharge.unitChargeActive), at, alert);
  for (const r of TIME_DEBTS) {
    const due = timeDebtDue(timeDebt(s, r), at);
    if (due <= 0) continue;
    setAttribute(s, `${r}.totalAmountRemaining`, debtBalance({ state: s }, r) - due);
    takeTimeCharge(host, due, at, alert);
  }
}

/**
 * Catch-up accounting from the last accrual to device time `to` (the meter calls it whenever it advances: a
 * message, a read, a timer of its own): in time order, each boundary's consumption first (`consumeTo`: the
 * load model accrued up to it, debited as it goes), then what falls due there: the standing charge at each
 * UTC midnight, time debt recovery at each period end, the end of a non-disablement period (disablement
 * checked). Deterministic: the same times give the same result however often it runs. A credit-mode meter is
 * charged nothing (PROVISIONAL: GBCS names no credit-mode register for the standing charge).
 */
export function accruePrepayment(
  host: PrepayHost,
  to: number,
  consumeTo: (t: number) => void,
  alert: AlertAt,
): void {
  const s = host.state;
  const prepay = s.paymentMode === 'prepayment' ? prepayOf(s) : s.prepay;
  const from = prepay?.accruedTo ?? to;
  if (s.paymentMode === 'prepayment' && to > from) {
    const periods = TIME_DEBTS.map((r) => timeDebt(s, r).periodMs);
    const stops = nonDisablementSwitches(nonDisablementCalendar(s), from + 1, to)
      .filter((w) => !w.start)
      .map((w) => w.at);
    const times = [...new Set([...boundaries(from, to, periods), ...stops])].sort((a, b) => a - b);
    for (const t of times) {
      consumeTo(t);
      chargesAt(host, t, alert);
      disableIfNoCredit(host, t, alert);
    }
  }
  consumeTo(to);
  if (prepay) prepay.accruedTo = Math.max(from, to);
}

/** What a top-up paid besides the credit: the payment debt recovered, the accumulated debt repaid (milli-pence). */
export interface TopUpRecovery {
  toPaymentDebt: number;
  toAccumulatedDebt: number;
}

/**
 * A top-up of `amount` at `at` (CS01a, PECS01): on a prepayment meter, payment-based debt recovery first (the
 * payment debt register's proportion of it, capped by the debt recovery rate cap in its period:
 * prepay-periodic.ts splitTopUp), then the accumulated debt register repaid from the rest (PROVISIONAL:
 * SMETS2's rule, as far as the rest goes), the remainder to the meter balance. A credit-mode meter takes it
 * all into its meter balance.
 */
export function creditTopUp(host: PrepayHost, amount: number, at: number): TopUpRecovery {
  const s = host.state;
  if (s.paymentMode !== 'prepayment') {
    s.meterBalance += amount;
    return { toPaymentDebt: 0, toAccumulatedDebt: 0 };
  }
  const prepay = prepayOf(s);
  const num = (k: string) => {
    const v = getAttribute(s, k);
    return typeof v === 'number' ? v : 0;
  };
  const cap = num('debtRecoveryRateCap.valueActive');
  const capPeriod = num('debtRecoveryRateCapPeriod.valueActive');
  const split = splitTopUp(
    amount,
    at,
    num('paymentDebt.proportion'),
    debtBalance({ state: s }, 'paymentDebt'),
    cap > 0 && capPeriod > 0
      ? { capMillipence: cap * MILLIPENCE_PER_UNIT, capPeriodMs: capPeriod * 1000 }
      : null,
    prepay.capWindow ?? null,
  );
  prepay.capWindow = split.window;
  if (split.toDebt > 0)
    setAttribute(
      s,
      'paymentDebt.totalAmountRemaining',
      debtBalance({ state: s }, 'paymentDebt') - split.toDebt,
    );
  const owed = accumulatedDebt(s);
  const toAccumulatedDebt = Math.min(Math.max(0, owed), split.toCredit);
  if (toAccumulatedDebt > 0) setAttribute(s, CREDIT_BALANCE_KEY.accumulatedDebt, owed - toAccumulatedDebt);
  s.meterBalance += split.toCredit - toAccumulatedDebt;
  return { toPaymentDebt: split.toDebt, toAccumulatedDebt };
}

/** The meter enters prepayment at `at`: its time-based charges run from then. */
export function startPrepaymentAccrual(s: EsmeState, at: number): void {
  prepayOf(s).accruedTo = at;
}

/**
 * Credit came back (top-up, adjustment, emergency credit): a supply disabled for lack of credit is armed
 * when the available credit is no longer below the disablement threshold (`code`: the event logged).
 */
export function armIfCredit(host: PrepayHost, code: number = SUPPLY_ARMED): boolean {
  const s = host.state;
  if (!s.prepay?.disabledForCredit || s.supply !== 'disabled') return false;
  if (belowDisablement(creditOf(s), s.disablementThreshold)) return false;
  s.supply = 'armed';
  s.prepay.disabledForCredit = false;
  host.logEvent(code);
  return true;
}
