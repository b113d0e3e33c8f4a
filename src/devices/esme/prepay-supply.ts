/**
 * Prepayment in time on the ESME: consumption debits the credit at the price
 * in force (prepay-accounting.ts, pure), the supply is disabled when the
 * available credit falls below the disablement threshold and armed again
 * when credit comes back (a top-up, a balance adjustment, emergency credit).
 *
 * - Only a prepayment meter whose supply is enabled is charged (a disabled or
 *   armed supply passes no energy; a credit-mode meter is never debited).
 * - The debit logs 0x810D (Combined Credit Below Low Credit Threshold) and
 *   0x81AA (Emergency Credit Exhausted) when it crosses them; falling below
 *   the disablement threshold (ECS03 writes it, ECS26a reads it) disables
 *   the supply, logs 0x8F0F (Credit Below Disablement Threshold (prepayment
 *   mode)) and raises it as an alert (critical: GCA).
 * - Credit back at or above the threshold arms a supply that was disabled
 *   for lack of credit (the consumer enables it): 0x8F32 Supply Armed, or
 *   0x8168 (Supply Disabled then Armed - Activate Emergency Credit
 *   triggered) when emergency credit brought it back. PROVISIONAL: the
 *   armed (not enabled) state after credit returns is SMETS2's rule; GBCS
 *   gives the event names.
 * - Not modelled: the non-disablement calendar (the supply is disabled at
 *   any time), the standing charge and debt recovery (not debited), the
 *   twin element's secondary price.
 */
import { getAttribute, setAttribute } from './attribute-store.ts';
import { CREDIT_BALANCE_KEY } from './handlers/account.ts';
import {
  belowDisablement,
  CREDIT_BELOW_DISABLEMENT,
  type CreditRegisters,
  costMillipence,
  crossings,
  debit,
  priceInForce,
  wholeMillipence,
} from './prepay-accounting.ts';
import type { EsmeState } from './state.ts';

/** GBCS 0x8F32 Supply Armed. */
export const SUPPLY_ARMED = 0x8f32;
/** GBCS 0x8168 Supply Disabled then Armed - Activate Emergency Credit triggered. */
export const ARMED_BY_EMERGENCY_CREDIT = 0x8168;

/** What the prepayment accounting needs of the meter. */
export interface PrepayHost {
  readonly state: EsmeState;
  logEvent(code: number, messageCode?: number): void;
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

/**
 * `wh` of active import consumed at device time `at`: a prepayment meter with its supply enabled is debited
 * (fractions of a milli-pence carried), its events logged, its supply disabled below the disablement threshold
 * (`alert`: raise 0x8F0F). Returns the milli-pence debited.
 */
export function chargeConsumption(
  host: PrepayHost,
  wh: number,
  at: number,
  alert: (code: number) => void,
): number {
  const s = host.state;
  if (s.paymentMode !== 'prepayment' || s.supply !== 'enabled' || !(wh > 0)) return 0;
  const price = priceInForce(s.tariff, at);
  if (!price) return 0;
  s.prepay ??= { carry: 0, disabledForCredit: false };
  const prepay = s.prepay;
  const { amount, carry } = wholeMillipence(costMillipence(wh, price), prepay.carry);
  prepay.carry = carry;
  if (amount === 0) return 0;
  const before = creditOf(s);
  const after = debit(before, amount);
  writeCredit(s, after);
  const low = getAttribute(s, 'lowCreditThreshold.valueActive');
  for (const code of crossings(before, after, { lowCredit: typeof low === 'number' ? low : null }))
    host.logEvent(code);
  if (belowDisablement(after, s.disablementThreshold)) {
    s.supply = 'disabled';
    prepay.disabledForCredit = true;
    host.logEvent(CREDIT_BELOW_DISABLEMENT);
    alert(CREDIT_BELOW_DISABLEMENT);
  }
  return amount;
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
