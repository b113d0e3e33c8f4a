/**
 * The ESME's one emergency credit rule, run by both ways of asking for it:
 * ECS09 (DUIS 2.5, Activate Emergency Credit Remotely, from the supplier
 * over the WAN: handlers/emergency-credit.ts) and PECS02 (the PPMID's ZSE
 * Select Available Emergency Credit on the HAN: han-commands.ts).
 *
 * - Eligible when the meter is in prepayment mode, an emergency credit
 *   limit is configured (ECS08a: emergencyCreditLimit > 0) and the meter
 *   balance is at or below the emergency credit threshold (ECS08a).
 * - Activating makes emergency credit active, puts the limit (the amount)
 *   in the emergency credit balance (what ECS19's prepayment registers and
 *   ECS04b's reset report: handlers/account.ts CREDIT_BALANCE_KEY) and logs
 *   0x81AB (Emergency Credit Activated) with the Message Code of the use
 *   case that asked.
 * - Emergency credit already active: nothing changes, the request succeeds.
 *
 * - A supply disabled for lack of credit that emergency credit brings back
 *   above the disablement threshold is armed, with 0x8168 (prepay-supply.ts).
 *
 * Consumption draws the emergency credit balance down after the meter
 * balance (prepay-accounting.ts). PROVISIONAL: emergency credit stays active
 * once exhausted (a top-up does not repay or end it) until ECS04b or the
 * meter's state is replaced.
 */
import { getAttribute, setAttribute } from './attribute-store.ts';
import { CREDIT_BALANCE_KEY } from './handlers/account.ts';
import { ARMED_BY_EMERGENCY_CREDIT, armIfCredit } from './prepay-supply.ts';
import type { EsmeServices } from './services.ts';

/** GBCS event 0x81AB Emergency Credit Activated. */
export const EMERGENCY_CREDIT_ACTIVATED = 0x81ab;

export type EmergencyCreditRefusal = 'not-prepayment' | 'no-limit' | 'above-threshold';

export type EmergencyCreditOutcome =
  | { ok: true; activated: boolean; amount: number }
  | { ok: false; refusal: EmergencyCreditRefusal };

/** Why emergency credit cannot be activated now, or null when it can. */
export function emergencyCreditRefusal(esme: Pick<EsmeServices, 'state'>): EmergencyCreditRefusal | null {
  const s = esme.state;
  if (s.paymentMode !== 'prepayment') return 'not-prepayment';
  const limit = getAttribute(s, 'emergencyCreditLimit.valueActive');
  if (typeof limit !== 'number' || limit <= 0) return 'no-limit';
  const threshold = getAttribute(s, 'emergencyCreditThreshold.valueActive');
  if (typeof threshold !== 'number' || s.meterBalance > threshold) return 'above-threshold';
  return null;
}

/** Activates emergency credit when the rule allows (`messageCode`: ECS09's or PECS02's, for the event log). */
export function activateEmergencyCredit(esme: EsmeServices, messageCode: number): EmergencyCreditOutcome {
  const s = esme.state;
  if (s.emergencyCredit?.active) {
    const amount = getAttribute(s, CREDIT_BALANCE_KEY.emergencyCredit);
    return { ok: true, activated: false, amount: typeof amount === 'number' ? amount : 0 };
  }
  const refusal = emergencyCreditRefusal(esme);
  if (refusal) return { ok: false, refusal };
  const amount = getAttribute(s, 'emergencyCreditLimit.valueActive') as number;
  s.emergencyCredit = { active: true };
  setAttribute(s, CREDIT_BALANCE_KEY.emergencyCredit, amount);
  esme.logEvent(EMERGENCY_CREDIT_ACTIVATED, messageCode);
  armIfCredit(esme, ARMED_BY_EMERGENCY_CREDIT);
  return { ok: true, activated: true, amount };
}
