/**
 * Prepayment and payment mode on the ESME:
 * - CS01a (DUIS 2.2) top-up: Token gateway enter with the UTRN (GBCS.md 5a);
 * - ECS02 / ECS03 (DUIS 1.6) payment mode to credit / prepayment: Account
 *   attrs 2, 11, 13 (activation time: zero now, a date future-dated with
 *   8F66 when it runs, all-FF cancels); ECS03 adds the disablement threshold;
 * - ECS04a / ECS04b (DUIS 1.5) adjust / reset the meter balance (Credit
 *   update_amount / set_amount_to_value; ECS04b UNCONFIRMED, docs/use-cases.md).
 * Every accepted top-up adds a row to the prepayment credits log (ECS20d reads it).
 */
import { parseCosemDateTimeText } from '../../../gbcs/use-cases/cosem-text.ts';
import { COSEM_OBJECTS, type CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import { type Eui, toHex } from '../../../runtime/bytes.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import {
  ALERT_FOR_TOP_UP_REFUSAL,
  checkTopUp,
  rememberUtrn,
  type TopUpResult,
} from '../../meter-common/prepayment.ts';
import { isWildcardDateTime, isZeroDateTime, parseCosemDateTime } from '../../meter-common/time.ts';
import {
  allResults,
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import { getAttribute, setAttribute } from '../attribute-store.ts';
import type { EsmeServices } from '../services.ts';
import type { PaymentMode } from '../state.ts';
import { type FutureDatedRun, futureDatedAlert } from './future-dated.ts';

/** CS01a (DUIS 2.2): apply a UTRN (GBCS.md 5a). */
export function topUp(call: UseCaseCall<CommandFieldsOf<'CS01a'>>, esme: EsmeServices): HandlerResult {
  const utrn = call.fields.tokenGateway.enter;
  if (utrn.length !== 20) throw new CommandContentError('UTRN octet-string(20)');
  const r = applyUtrn(esme, utrn, call.cmd.originator.business, call.cmd.message.originatorCounter);
  if (!r.ok)
    return {
      response: { tokenGateway: { enter: { result: 'other-reason' } } },
      outcome: 'failed',
      commit: r.refusal !== 'duplicate',
      detail: { utrn, refusal: r.refusal },
      alerts: [esme.simpleAlert(ALERT_FOR_TOP_UP_REFUSAL[r.refusal])],
    };
  return {
    response: { tokenGateway: { enter: { result: 'success' } } },
    outcome: 'applied',
    detail: { utrn, credit: r.valueMillipence, balance: esme.state.meterBalance },
  };
}

/**
 * A UTRN of `supplier` with top-up `counter`, checked (meter-common/prepayment.ts) and, when good,
 * applied: the balance, the supplier's top-up counter, the recent UTRNs, the prepayment credits log and
 * the event log (`messageCode`: the use case it came by, PECS01 from the PPMID). CS01a and PECS01 both.
 */
export function applyUtrn(
  esme: EsmeServices,
  utrn: string,
  supplier: Eui,
  counter: bigint,
  messageCode?: number,
): TopUpResult {
  const s = esme.state;
  const last = s.lastTopUpCounter[supplier];
  const r = checkTopUp({
    security: esme.security.securityContext,
    utrn,
    supplier,
    device: esme.eui,
    counter,
    lastAccepted: last === undefined ? undefined : BigInt(last),
    balanceMillipence: s.meterBalance,
    maxBalanceMillipence: s.maxMeterBalance,
    recent: s.recentUtrns,
  });
  if (!r.ok) return r;
  s.meterBalance += r.valueMillipence;
  s.lastTopUpCounter[supplier] = r.counter.toString();
  s.recentUtrns = rememberUtrn(s.recentUtrns, utrn);
  logCredit(esme, r.valueMillipence, utrn);
  esme.logEvent(0x810e, messageCode);
  return r;
}

/** ECS02 / ECS03 (DUIS 1.6): change the payment mode, now, at a date, or cancel a pending change. */
export function paymentMode(
  call: UseCaseCall<CommandFieldsOf<'ECS02'> | CommandFieldsOf<'ECS03'>>,
  esme: EsmeServices,
): HandlerResult {
  const uc = call.row.useCase;
  const { fields, cmd } = call;
  const mode: PaymentMode = uc === 'ECS02' ? 'credit' : 'prepayment';
  const wanted = mode === 'credit' ? 1 : 2;
  if (fields.account.accountModeAndStatus.paymentMode !== wanted)
    throw new CommandContentError(`account mode must be ${wanted} for ${uc}`);
  const threshold =
    'prepaymentConfiguration' in fields ? fields.prepaymentConfiguration.disablementThreshold : undefined;
  const when = parseCosemDateTimeText(fields.account.accountActivationTime);
  const ok = allResults(fields, 'success');
  if (isWildcardDateTime(when)) {
    const had = esme.cancelFutureDated(uc);
    return { response: ok, outcome: 'cancelled', detail: { cancelled: had } };
  }
  const at = isZeroDateTime(when) ? null : parseCosemDateTime(when);
  if (!isZeroDateTime(when) && at === null) throw new CommandContentError('activation time not a date-time');
  if (at !== null && at > esme.now()) {
    esme.scheduleFutureDated({
      useCase: uc,
      messageCode: cmd.message.messageCode,
      originator: cmd.message.originator,
      counter: cmd.message.originatorCounter.toString(),
      executeAt: at,
      data: { mode, threshold: threshold ?? null, executionTime: toHex(when) },
    });
    return { response: ok, outcome: 'scheduled', detail: { executeAt: new Date(at).toISOString() } };
  }
  applyPaymentMode(esme, mode, threshold);
  return { response: ok, outcome: 'applied', detail: { paymentMode: mode } };
}

function applyPaymentMode(esme: EsmeServices, mode: PaymentMode, threshold: number | undefined | null): void {
  esme.state.paymentMode = mode;
  if (threshold !== undefined && threshold !== null) esme.state.disablementThreshold = threshold;
  esme.logEvent(0x8f0a); // Billing Data Log Updated on a mode change
}

/** A pending ECS02 / ECS03 runs: the mode changes, 8F66 for the Account's activation time. */
export function runPaymentMode(entry: FutureDatedEntry, esme: EsmeServices): FutureDatedRun {
  applyPaymentMode(esme, entry.data.mode as PaymentMode, entry.data.threshold as number | null);
  return {
    ok: true,
    alert: futureDatedAlert(
      entry,
      esme,
      'account',
      COSEM_OBJECTS.account.attributes.accountActivationTime[0],
    ),
  };
}

/** ECS04a (DUIS 1.5) adjust meter balance: Credit update_amount adds the (signed) amount to the balance. */
export function adjustBalance(
  call: UseCaseCall<CommandFieldsOf<'ECS04a'>>,
  esme: EsmeServices,
): HandlerResult {
  const amount = Number(call.fields.meterBalance.updateAmount);
  esme.state.meterBalance += amount;
  esme.logEvent(0x810e);
  return {
    response: { meterBalance: { updateAmount: { result: 'success' } } },
    outcome: 'applied',
    detail: { adjustment: amount, balance: esme.state.meterBalance },
  };
}

/** ECS04b (DUIS 1.5) reset meter balance: Credit set_amount_to_value sets the balance to the value. */
export function resetBalance(
  call: UseCaseCall<CommandFieldsOf<'ECS04b'>>,
  esme: EsmeServices,
): HandlerResult {
  const value = Number(call.fields.meterBalance.setAmountToValue);
  const before = esme.state.meterBalance;
  esme.state.meterBalance = value;
  esme.logEvent(0x810e);
  return {
    response: { meterBalance: { setAmountToValue: { result: 'success' } } },
    outcome: 'applied',
    detail: { balanceBefore: before, balance: value },
  };
}

/** The prepayment credits log (ECS20d) keeps the latest top-ups (PROVISIONAL size: SMETS2's last five UTRNs). */
export const PREPAYMENT_CREDIT_LOG_SIZE = 5;
/** GBCS profile time stamps: UTC seconds since 2000-01-01. */
const EPOCH_2000 = Date.UTC(2000, 0, 1);

/** Adds an accepted top-up to the prepayment credits log (oldest dropped beyond its size). */
function logCredit(esme: EsmeServices, amount: number, utrn: string): void {
  const key = 'prepaymentCreditLog.buffer';
  const log = (getAttribute(esme.state, key) as unknown[] | undefined) ?? [];
  const row = { time: Math.floor((esme.now() - EPOCH_2000) / 1000), creditAmount: amount, utrn };
  setAttribute(esme.state, key, [...log, row].slice(-PREPAYMENT_CREDIT_LOG_SIZE));
}
