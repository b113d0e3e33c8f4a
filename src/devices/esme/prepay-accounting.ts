/**
 * Prepayment accounting (pure): what consumption costs at the price in force
 * and what it takes from the credit, by the ESME's tariff (tariff.ts: the
 * catalogue's named values ECS01a/ECS01b write and ECS24 reads).
 *
 * - The price in force at a time: the activity calendar (0-0:13.0.0.255)
 *   picks the day (a special day's day id, else the season's week profile
 *   for the weekday), the day profile's last action started at or before the
 *   time of day gives the tariff switching script selector; selector n in
 *   1..48 is TOU rate n (charge_table index `touIndex(n)`), selector 100 + t
 *   (t in 1..8) is TOU-with-blocks column t, charged at the price of the
 *   block its block counters have reached (block-counters.ts), split where
 *   the consumption crosses a threshold. PROVISIONAL: the selector
 *   meaning is read off the RTDS ESME's tariff (day profiles 101 / 102 with
 *   block prices A1 / A2, weekend selector 1 with TOU rate 1); times are UTC
 *   (no daylight saving); before the day's first action the previous action
 *   of the day profile (its last) holds.
 * - Units: chargePerUnit x 10^priceScale GBP per 10^commodityScale Wh (the
 *   primary price Charge's commodity is the import register in Wh); credit
 *   is in milli-pence (10^-5 GBP), so the RTDS price 2121 at scales 3 / -5
 *   is 2121 milli-pence per kWh.
 * - Debit order: the meter balance; while emergency credit is active, the
 *   meter balance down to zero, then the emergency credit balance down to
 *   zero (then it is exhausted), then the meter balance again (below zero).
 *   PROVISIONAL: GBCS names the events, not this order (SMETS2's rule).
 * - Available credit: the meter balance plus the emergency credit balance
 *   while emergency credit is active; the supply is disabled when it falls
 *   below the disablement threshold (GBCS 0x8F0F "Credit Below Disablement
 *   Threshold"), the low credit event when it falls below the low credit
 *   threshold (0x810D).
 */
import { blockIndex, type EsmeTariff, touIndex, type UnitCharge } from './tariff.ts';

/** The unit price charged at a time: charge_table entry and its scaling. */
export interface PriceInForce {
  /** charge_table index (hex) */
  index: string;
  chargePerUnit: number;
  commodityScale: number;
  priceScale: number;
}

const DAY_MS = 86_400_000;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

/** A calendar date (`YYYY-MM-DD`, `*` not specified) matches the UTC day of `at`. */
export function dateMatches(date: string, at: number): boolean {
  const day = new Date(at).toISOString().slice(0, 10);
  if (date.length !== day.length) return false;
  for (let i = 0; i < date.length; i++) if (date[i] !== '*' && date[i] !== day[i]) return false;
  return true;
}

/** A tariff switching calendar: the activity calendar's active tables and its special days. */
export interface SwitchingCalendar {
  seasons: ReadonlyArray<{ seasonStart: string; weekName: string }>;
  weeks: ReadonlyArray<{ weekProfileName: string } & Record<(typeof WEEKDAYS)[number], number>>;
  days: ReadonlyArray<{
    dayId: number;
    daySchedule: ReadonlyArray<{ startTime: string; scriptSelector: number }>;
  }>;
  specialDays: ReadonlyArray<{ specialDayDate: string; dayId: number }>;
}

/** The primary element's calendar (0-0:13.0.0.255, special days 0-0:11.0.0.255). */
export function primaryCalendar(tariff: EsmeTariff): SwitchingCalendar {
  const cal = tariff.activityCalendar;
  return {
    seasons: cal.seasonProfileActive,
    weeks: cal.weekProfileActive,
    days: cal.dayProfileActive,
    specialDays: tariff.specialDays.entries,
  };
}

/** The day id of the day holding `at`: a special day's, else the active season's week profile's for the weekday. */
export function dayIdAt(cal: SwitchingCalendar, at: number): number | null {
  const special = cal.specialDays.find((e) => dateMatches(e.specialDayDate, at));
  if (special) return special.dayId;
  let week: string | null = null;
  let startedAt = -Infinity;
  for (const s of cal.seasons) {
    const start = Date.parse(`${s.seasonStart}Z`);
    if (Number.isNaN(start) || start > at || start < startedAt) continue;
    startedAt = start;
    week = s.weekName;
  }
  // no season started yet (or none with a date): the first season's week (PROVISIONAL)
  week ??= cal.seasons[0]?.weekName ?? null;
  const profile = cal.weeks.find((w) => w.weekProfileName === week);
  if (!profile) return null;
  return profile[WEEKDAYS[new Date(at).getUTCDay()]!];
}

function secondsOfDay(time: string): number {
  const [h, m, s] = time.split(':').map((p) => (/^\d+$/.test(p) ? Number(p) : 0));
  return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
}

/** The tariff switching script selector in force at `at`, or null when the calendar names none. */
export function scriptSelectorAt(cal: SwitchingCalendar, at: number): number | null {
  const dayId = dayIdAt(cal, at);
  const day = cal.days.find((d) => d.dayId === dayId);
  if (!day || day.daySchedule.length === 0) return null;
  const sorted = [...day.daySchedule].sort((a, b) => secondsOfDay(a.startTime) - secondsOfDay(b.startTime));
  const now = Math.floor((((at % DAY_MS) + DAY_MS) % DAY_MS) / 1000);
  const started = sorted.filter((a) => secondsOfDay(a.startTime) <= now);
  return (started.at(-1) ?? sorted.at(-1)!).scriptSelector;
}

/**
 * charge_table index of a script selector: TOU rate 1..48, column t (101..108) at block 1, the secondary
 * element's TOU rate n (201..204: PROVISIONAL, read off the RTDS ESME's secondary calendar and its four
 * secondary prices, ECS24b); null otherwise.
 */
export function chargeIndexOfSelector(selector: number): string | null {
  if (selector >= 1 && selector <= 48) return touIndex(selector);
  if (selector >= 101 && selector <= 108) return blockIndex(1, selector - 100);
  if (selector >= 201 && selector <= 204) return touIndex(selector - 200);
  return null;
}

/** The primary element's price at charge_table `index`; null when the table has no such entry. */
export function priceOfIndex(charge: UnitCharge, index: string): PriceInForce | null {
  const entry = charge.chargeTable.find((e) => e.index.toUpperCase() === index.toUpperCase());
  if (!entry) return null;
  const { commodityScale, priceScale } = charge.chargePerUnitScaling;
  return { index, chargePerUnit: entry.chargePerUnit, commodityScale, priceScale };
}

/** The TOU-with-blocks column (1..8) of a script selector (101..108), else null. */
export function blockColumnOfSelector(selector: number | null): number | null {
  return selector !== null && selector >= 101 && selector <= 108 ? selector - 100 : null;
}

/** The primary element's unit price in force at `at` (a block column: its block 1); null when the calendar or charge table names none. */
export function priceInForce(tariff: EsmeTariff, at: number): PriceInForce | null {
  const selector = scriptSelectorAt(primaryCalendar(tariff), at);
  const index = selector === null ? null : chargeIndexOfSelector(selector);
  if (index === null) return null;
  return priceOfIndex(tariff.primaryPriceCharge.unitChargeActive, index);
}

/**
 * What `wh` consumed at `at` costs (milli-pence, unrounded): at the TOU rate in force, or in a block column at
 * each block's price for the part of `split` (block-counters.ts) in that block. Null when no price is in force.
 */
export function consumptionCost(
  charge: UnitCharge,
  selector: number | null,
  wh: number,
  split: readonly number[] | null,
): number | null {
  const column = blockColumnOfSelector(selector);
  if (column !== null && split) {
    let cost = 0;
    for (const [i, part] of split.entries()) {
      if (part === 0) continue;
      const price = priceOfIndex(charge, blockIndex(i + 1, column));
      if (!price) return null;
      cost += costMillipence(part, price);
    }
    return cost;
  }
  const index = selector === null ? null : chargeIndexOfSelector(selector);
  const price = index === null ? null : priceOfIndex(charge, index);
  return price ? costMillipence(wh, price) : null;
}

/** milli-pence per GBP (the credit unit: 10^-5 GBP) as a power of ten */
const MILLIPENCE_EXPONENT = 5;

/** What `wh` of energy costs at `price`, in milli-pence (unrounded). */
export function costMillipence(wh: number, price: PriceInForce): number {
  return wh * price.chargePerUnit * 10 ** (price.priceScale + MILLIPENCE_EXPONENT - price.commodityScale);
}

/** The credit registers consumption debits (milli-pence); `emergencyCredit` null while emergency credit is not active. */
export interface CreditRegisters {
  meterBalance: number;
  emergencyCredit: number | null;
}

/** The credit the supply runs on: the meter balance plus the active emergency credit balance. */
export function availableCredit(c: CreditRegisters): number {
  return c.meterBalance + (c.emergencyCredit ?? 0);
}

/** Debits `amount` (whole milli-pence, >= 0) in order: the meter balance to zero, the emergency credit to zero, the meter balance. */
export function debit(c: CreditRegisters, amount: number): CreditRegisters {
  if (c.emergencyCredit === null) return { meterBalance: c.meterBalance - amount, emergencyCredit: null };
  let rest = amount;
  let meterBalance = c.meterBalance;
  const fromBalance = Math.min(rest, Math.max(0, meterBalance));
  meterBalance -= fromBalance;
  rest -= fromBalance;
  const fromEmergency = Math.min(rest, Math.max(0, c.emergencyCredit));
  rest -= fromEmergency;
  return { meterBalance: meterBalance - rest, emergencyCredit: c.emergencyCredit - fromEmergency };
}

/** The credit thresholds a debit is checked against (milli-pence). */
export interface Thresholds {
  lowCredit: number | null;
}

/** GBCS 0x810D Combined Credit Below Low Credit Threshold (prepayment mode). */
export const LOW_CREDIT = 0x810d;
/** GBCS 0x81AA Emergency Credit Exhausted. */
export const EMERGENCY_CREDIT_EXHAUSTED = 0x81aa;
/** GBCS 0x8F0F Credit Below Disablement Threshold (prepayment mode). */
export const CREDIT_BELOW_DISABLEMENT = 0x8f0f;

/** The events a debit from `before` to `after` crosses (GBCS event codes): low credit, emergency credit exhausted. */
export function crossings(before: CreditRegisters, after: CreditRegisters, t: Thresholds): number[] {
  const out: number[] = [];
  const was = availableCredit(before);
  const is = availableCredit(after);
  if (t.lowCredit !== null && was >= t.lowCredit && is < t.lowCredit) out.push(LOW_CREDIT);
  if ((before.emergencyCredit ?? 0) > 0 && after.emergencyCredit === 0) out.push(EMERGENCY_CREDIT_EXHAUSTED);
  return out;
}

/** Whether the supply may not run on `c`: the available credit is below the disablement threshold. */
export function belowDisablement(c: CreditRegisters, disablementThreshold: number): boolean {
  return availableCredit(c) < disablementThreshold;
}

/** Fractions of a milli-pence carried to the next debit: the whole milli-pence to debit now and the new carry. */
export function wholeMillipence(cost: number, carry: number): { amount: number; carry: number } {
  const total = cost + carry;
  const amount = Math.floor(total);
  return { amount, carry: total - amount };
}
