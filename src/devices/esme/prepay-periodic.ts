/**
 * The ESME's time-based and payment-based prepayment charges (pure): the
 * standing charge, time-based debt recovery (time debt registers 1 and 2)
 * and payment-based debt recovery (the payment debt register), by the
 * catalogue's objects (cosem-objects.ts):
 *
 * - Standing charge (Charge 0-0:19.20.4.255, what ECS01a / ECS01b set and
 *   ECS24 reads): chargePerUnit x 10^priceScale GBP a day (commodity scale
 *   0, no commodity: RTDS 20000 at -5 is 0.20 GBP, 20000 milli-pence).
 *   PROVISIONAL: taken whole at each UTC midnight for the day it starts, at
 *   the standing charge in force then (GBCS names the Charge, not when it is
 *   taken).
 * - Time-based debt recovery (Charge 0-0:19.20.1.255 / .2.255, what ECS07
 *   sets and ECS26a reads): the unit charge's one charge_table entry x
 *   10^priceScale GBP per `period` (3600 or 86400 s), taken at each period
 *   boundary (PROVISIONAL: aligned to the UTC hour / midnight), never more
 *   than the register's total_amount_remaining.
 * - Payment-based debt recovery (Charge 0-0:19.20.3.255): `proportion`
 *   hundredths of a percent of each top-up go to the payment debt register,
 *   no more than it holds and, with the debt recovery rate cap (ECS08a:
 *   whole currency units per its period, one week) set, no more than what
 *   the cap leaves in the cap period. PROVISIONAL: the cap applies to
 *   payment-based recovery only (SMETS2's rule), the cap period runs from
 *   the first payment-based recovery after the last one ended.
 *
 * Amounts are whole milli-pence (10^-5 GBP); fractions are dropped.
 */
import type { UnitCharge } from './tariff.ts';

/** milli-pence per GBP as a power of ten */
const MILLIPENCE_EXPONENT = 5;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** milli-pence in one whole currency unit (GBP): the debt recovery rate cap's unit */
export const MILLIPENCE_PER_UNIT = 10 ** MILLIPENCE_EXPONENT;

/** The amount of a unit charge's first charge_table entry, in whole milli-pence (0 without one). */
export function unitChargeAmount(u: UnitCharge | undefined | null): number {
  const e = u?.chargeTable[0];
  if (!u || !e) return 0;
  return Math.floor(e.chargePerUnit * 10 ** (u.chargePerUnitScaling.priceScale + MILLIPENCE_EXPONENT));
}

/** The time debt registers (time debt 1 and 2) as the meter holds them. */
export interface TimeDebt {
  /** the recovery rate in force (unit_charge_active), absent when none is set */
  rate: UnitCharge | undefined;
  /** the recovery period, ms (3600 000 or 86 400 000) */
  periodMs: number;
  /** total_amount_remaining, milli-pence */
  remaining: number;
}

/** The time-based charges' boundaries in (from, to], in time order: each midnight, each time debt's period end. */
export function boundaries(from: number, to: number, periodsMs: readonly number[]): number[] {
  const out = new Set<number>();
  for (const p of new Set([DAY_MS, ...periodsMs])) {
    if (!(p > 0)) continue;
    for (let t = (Math.floor(from / p) + 1) * p; t <= to; t += p) out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}

/** What a time debt register recovers at boundary `at` (its period ends there): min(rate, remaining), else 0. */
export function timeDebtDue(d: TimeDebt, at: number): number {
  if (d.remaining <= 0 || !(d.periodMs > 0) || at % d.periodMs !== 0) return 0;
  return Math.min(unitChargeAmount(d.rate), d.remaining);
}

/** The debt recovery rate cap window: when it started and what payment-based recovery took in it. */
export interface CapWindow {
  start: number;
  recovered: number;
}

/** The top-up split: what goes to the payment debt register, what to the credit, and the cap window after. */
export interface TopUpSplit {
  toDebt: number;
  toCredit: number;
  window: CapWindow | null;
}

/**
 * A top-up of `amount` at `at`: `proportion` (hundredths of a percent) of it to the payment debt (at most
 * `remaining`), limited by the cap (`capMillipence` per `capPeriodMs`, null: no cap) in the window.
 */
export function splitTopUp(
  amount: number,
  at: number,
  proportion: number,
  remaining: number,
  cap: { capMillipence: number; capPeriodMs: number } | null,
  window: CapWindow | null,
): TopUpSplit {
  const wanted = Math.max(0, Math.min(Math.floor((amount * proportion) / 10000), remaining));
  let w = window && cap && at < window.start + cap.capPeriodMs ? window : null;
  let toDebt = wanted;
  if (cap) toDebt = Math.min(wanted, Math.max(0, cap.capMillipence - (w?.recovered ?? 0)));
  if (cap && toDebt > 0) w = { start: w?.start ?? at, recovered: (w?.recovered ?? 0) + toDebt };
  return { toDebt, toCredit: amount - toDebt, window: w ?? window };
}
