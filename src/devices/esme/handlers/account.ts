/**
 * Prepayment and payment mode on the ESME:
 * - CS01a (DUIS 2.2) top-up: Token gateway enter with the UTRN (GBCS.md 5a);
 * - ECS02 / ECS03 (DUIS 1.6) payment mode to credit / prepayment: Account
 *   attrs 2, 11, 13 (activation time: zero now, a date future-dated with
 *   8F66 when it runs, all-FF cancels); ECS03 adds the disablement threshold;
 * - ECS04a / ECS04b (DUIS 1.5) adjust / reset the meter balance (Credit
 *   update_amount; ECS04b, GBCS V3.1 use-case tables: set_amount_to_value of
 *   the meter balance, the emergency credit balance and the accumulated debt).
 * Every accepted top-up adds a row to the prepayment credits log (ECS20d reads it). Credit added
 * (top-up, ECS04a / ECS04b) arms a supply disabled for lack of credit (prepay-supply.ts).
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
import { setAttribute } from '../attribute-store.ts';
import { armIfCredit, creditTopUp, startPrepaymentAccrual } from '../prepay-supply.ts';
import type { EsmeServices } from '../services.ts';
import type { PaymentMode } from '../state.ts';
import { appendValueLog } from '../value-logs.ts';
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
  const paid = creditTopUp(esme, r.valueMillipence, esme.now());
  s.lastTopUpCounter[supplier] = r.counter.toString();
  s.recentUtrns = rememberUtrn(s.recentUtrns, utrn);
  appendValueLog(s, 'prepaymentCredit', esme.now(), r.valueMillipence);
  if (paid.toPaymentDebt > 0) appendValueLog(s, 'debtPayment', esme.now(), paid.toPaymentDebt);
  esme.logEvent(0x810e, messageCode);
  armIfCredit(esme);
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
  const creditCharge = fields.account.creditChargeConfiguration;
  if (at !== null && at > esme.now()) {
    esme.scheduleFutureDated({
      useCase: uc,
      messageCode: cmd.message.messageCode,
      originator: cmd.message.originator,
      counter: cmd.message.originatorCounter.toString(),
      executeAt: at,
      data: { mode, threshold: threshold ?? null, creditCharge, executionTime: toHex(when) },
    });
    return { response: ok, outcome: 'scheduled', detail: { executeAt: new Date(at).toISOString() } };
  }
  applyPaymentMode(esme, mode, threshold, creditCharge);
  return { response: ok, outcome: 'applied', detail: { paymentMode: mode } };
}

/**
 * The passive account (0-1:19.0.0.255, what ECS02 / ECS03 write) becomes the
 * active one (0-0:19.0.0.255, what ECS26a / ECS26j read): its mode and its
 * credit / charge configuration.
 */
function applyPaymentMode(
  esme: EsmeServices,
  mode: PaymentMode,
  threshold: number | undefined | null,
  creditCharge: unknown,
): void {
  if (mode === 'prepayment' && esme.state.paymentMode !== 'prepayment')
    startPrepaymentAccrual(esme.state, esme.now());
  esme.state.paymentMode = mode;
  if (threshold !== undefined && threshold !== null) esme.state.disablementThreshold = threshold;
  if (creditCharge !== undefined)
    setAttribute(esme.state, 'accountActive.creditChargeConfiguration', structuredClone(creditCharge));
  esme.logEvent(0x8f0a); // Billing Data Log Updated on a mode change
}

/** A pending ECS02 / ECS03 runs: the mode changes, 8F66 for the Account's activation time. */
export function runPaymentMode(entry: FutureDatedEntry, esme: EsmeServices): FutureDatedRun {
  applyPaymentMode(
    esme,
    entry.data.mode as PaymentMode,
    entry.data.threshold as number | null,
    entry.data.creditCharge,
  );
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
  armIfCredit(esme);
  return {
    response: { meterBalance: { updateAmount: { result: 'success' } } },
    outcome: 'applied',
    detail: { adjustment: amount, balance: esme.state.meterBalance },
  };
}

/**
 * Where ECS04b's emergency credit balance and accumulated debt are kept (the
 * attribute store, by `object.member`); ECS19's prepayment register
 * collection answers them (protected.ts: items 1 and 2).
 */
export const CREDIT_BALANCE_KEY = {
  emergencyCredit: 'emergencyCredit.currentCreditAmount',
  accumulatedDebt: 'accumulatedDebt.currentCreditAmount',
} as const;

/**
 * ECS04b (DUIS 1.5) reset meter balance (GBCS V3.1 use-case tables): Credit
 * set_amount_to_value (GBCS: 0) on the meter balance, the emergency credit
 * balance and the accumulated debt; each takes the value.
 */
export function resetBalance(
  call: UseCaseCall<CommandFieldsOf<'ECS04b'>>,
  esme: EsmeServices,
): HandlerResult {
  const f = call.fields;
  const before = esme.state.meterBalance;
  esme.state.meterBalance = Number(f.meterBalance.setAmountToValue);
  setAttribute(esme.state, CREDIT_BALANCE_KEY.emergencyCredit, Number(f.emergencyCredit.setAmountToValue));
  setAttribute(esme.state, CREDIT_BALANCE_KEY.accumulatedDebt, Number(f.accumulatedDebt.setAmountToValue));
  esme.logEvent(0x810e);
  armIfCredit(esme);
  return {
    response: allResults(f, 'success'),
    outcome: 'applied',
    detail: {
      balanceBefore: before,
      balance: esme.state.meterBalance,
      emergencyCreditBalance: f.emergencyCredit.setAmountToValue,
      accumulatedDebt: f.accumulatedDebt.setAmountToValue,
    },
  };
}
