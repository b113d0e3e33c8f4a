/**
 * Prepayment top-up (UTRN) application shared by the ESME (CS01a) and the
 * GSME (CS01b, PCS01 from the PPMID): GBCS.md 5a.
 *
 * A device accepts a UTRN only if its check digit and GMAC verify for this
 * device and the supplier (supplier prepayment KA key with the device KA
 * key) and its counter is greater than the last top-up counter accepted from
 * that supplier. Amounts are kept in milli-pence (1/100000 GBP), the unit the
 * RTDS GSME reports in its Consumer Top Up Response (a 1250 pennies UTRN
 * reports 1 250 000).
 */
import { PPTD_OFFSET, type SecurityContext, verifyUtrn } from '../../gbcs/index.ts';
import type { Eui } from '../../runtime/bytes.ts';

export const MILLIPENCE_PER_PENNY = 1000;
export const MILLIPENCE_PER_POUND = 100_000;

export type TopUpRefusal = 'format' | 'check-digit' | 'mac' | 'counter' | 'duplicate' | 'max-credit';

export type TopUpResult =
  | { ok: true; valueMillipence: number; counter: bigint }
  | { ok: false; refusal: TopUpRefusal };

/** The GBCS alert a refused UTRN raises (GBCS Alert Codes). */
export const ALERT_FOR_TOP_UP_REFUSAL: Readonly<Record<TopUpRefusal, number>> = {
  format: 0x8f63, // UTRN not Authentic
  'check-digit': 0x8f63,
  mac: 0x8f63,
  counter: 0x8f64, // UTRN not for this Device
  duplicate: 0x8f51, // Duplicate UTRN entered
  'max-credit': 0x8f5b, // UTRN exceeds Maximum Credit Threshold
};

/**
 * The full top-up counter of a UTRN entered without its command counter
 * (keypad, PPMID PCS01): the PTUT carries the low 10 bits of counter >> 32;
 * the counter is the smallest `k << 32` greater than the last accepted one
 * whose `k` has those bits (RTDS top-up counters have zero low 32 bits).
 */
export function utrnCounterFromUtrn(utrn: string, lastAccepted: bigint | undefined): bigint | null {
  if (!/^\d{20}$/.test(utrn)) return null;
  const ptut = BigInt(utrn.slice(0, 19)) - PPTD_OFFSET;
  if (ptut < 0n) return null;
  const bits = (ptut >> 47n) & 0x3ffn;
  const lastK = lastAccepted === undefined ? -1n : lastAccepted >> 32n;
  let k = ((lastK + 1n) & ~0x3ffn) | bits;
  if (k <= lastK) k += 0x400n;
  return k << 32n;
}

/**
 * Checks a UTRN for `device` from `supplier` with the top-up `counter`
 * (CS01a/CS01b: the command's Originator Counter) against the last accepted
 * top-up counter and the maximum meter balance. Pure: the caller applies
 * the credit and records the counter when `ok`.
 */
export function checkTopUp(opts: {
  security: SecurityContext;
  utrn: string;
  supplier: Eui;
  device: Eui;
  counter: bigint;
  lastAccepted: bigint | undefined;
  balanceMillipence: number;
  maxBalanceMillipence: number;
  /** UTRNs accepted recently (a device remembers the last few: GBCS 8F51 Duplicate UTRN entered) */
  recent?: readonly string[];
}): TopUpResult {
  if (opts.recent?.includes(opts.utrn)) return { ok: false, refusal: 'duplicate' };
  if (opts.lastAccepted !== undefined && opts.counter <= opts.lastAccepted)
    return { ok: false, refusal: 'duplicate' };
  let check: ReturnType<typeof verifyUtrn>;
  try {
    check = verifyUtrn(opts.security, opts.utrn, opts.supplier, opts.device, opts.counter);
  } catch {
    // no prepayment key for this supplier: the UTRN cannot be authentic for this device
    return { ok: false, refusal: 'mac' };
  }
  if (!check.valid) return { ok: false, refusal: check.reason ?? 'mac' };
  const value = check.value! * (check.valueClass === 'pounds' ? MILLIPENCE_PER_POUND : MILLIPENCE_PER_PENNY);
  if (opts.balanceMillipence + value > opts.maxBalanceMillipence) return { ok: false, refusal: 'max-credit' };
  return { ok: true, valueMillipence: value, counter: opts.counter };
}

/** How many accepted UTRNs a meter remembers to recognise duplicates. */
export const RECENT_UTRNS = 10;

/** Appends an accepted UTRN to the bounded recent list (returns the new list). */
export function rememberUtrn(recent: readonly string[], utrn: string): string[] {
  return [...recent, utrn].slice(-RECENT_UTRNS);
}
