/**
 * GSME prepayment use cases from the supplier and the PPMID:
 * - CS01b (DUIS 2.2) and PCS01 (PPMID): Consumer Top Up (originating
 *   device, UTRN) -> Consumer Top Up Response. The UTRN is the supplier's:
 *   for CS01b the command's counter is the top-up counter, for PCS01 it is
 *   rebuilt from the UTRN (GBCS.md 5a). A refused UTRN answers result
 *   invalid / duplicate / error / max credit with the alert GBCS names.
 * - PCS02: Select Available Emergency Credit from the PPMID -> Default
 *   Response SUCCESS when emergency credit is available and not yet active.
 * - GCS04 (DUIS 2.3): Change Debt per debt register -> Default Responses.
 */
import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import {
  ALERT_FOR_TOP_UP_REFUSAL,
  checkTopUp,
  rememberUtrn,
  utrnCounterFromUtrn,
} from '../../meter-common/prepayment.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import type { GsmeServices } from '../services.ts';
import { defaultResponse, faultedCommand, ZCL } from './gbz.ts';
import type { GsmeView } from './index.ts';
import { collectDebt, recordTopUp } from './logs.ts';

/** ZCL Prepayment Consumer Top Up Response result types (SE 1.4 D.7.2.4.3). */
const TOP_UP_RESULT = {
  accepted: 0x00,
  invalid: 0x01,
  duplicate: 0x02,
  error: 0x03,
  maxCredit: 0x04,
} as const;

/** GBCS event codes the GSME logs for these use cases. */
const EVENT = { topUpAccepted: 0x8f0a, topUpFromPpmid: 0x810e, emergencyCreditActivated: 0x81ab } as const;

export function topUp(call: UseCaseCall<CommandFieldsOf<'CS01b'>>, g: GsmeServices): HandlerResult {
  const faulted = faultedCommand(
    [{ cluster: 'prepayment', command: 'consumerTopUp', commandId: 0x04 }],
    g.gbzFaults(),
  );
  if (faulted) return faulted;
  const f = call.fields.consumerTopUp;
  if (f.topUpCode.length !== 20) throw new CommandContentError('Consumer Top Up: a UTRN of 20 digits');
  const useCase = call.row.useCase as 'CS01b' | 'PCS01';
  const utrn = f.topUpCode;
  const supplier =
    useCase === 'PCS01' ? g.security.trustAnchors.cell('supplier')?.eui : call.cmd.originator.business;
  const answer = (resultType: number, topUpValue: number, creditRemaining: number) => ({
    components: [
      {
        cluster: 'prepayment',
        command: 'consumerTopUpResponse',
        fields: { resultType, topUpValue, sourceOfTopUp: f.originatingDevice, creditRemaining },
      },
    ],
  });
  const refuse = (result: number, refusal: keyof typeof ALERT_FOR_TOP_UP_REFUSAL): HandlerResult => ({
    response: answer(result, -1, -1),
    outcome: 'failed',
    commit: refusal !== 'duplicate',
    detail: { utrn, refusal },
    alerts: [g.simpleAlert(ALERT_FOR_TOP_UP_REFUSAL[refusal])],
  });
  if (!supplier) return refuse(TOP_UP_RESULT.error, 'mac');
  const lastS = g.state.lastTopUpCounter[supplier];
  const last = lastS === undefined ? undefined : BigInt(lastS);
  const counter = useCase === 'PCS01' ? utrnCounterFromUtrn(utrn, last) : call.cmd.message.originatorCounter;
  if (counter === null) return refuse(TOP_UP_RESULT.invalid, 'format');
  const r = checkTopUp({
    security: g.security.securityContext,
    utrn,
    supplier,
    device: g.eui,
    counter,
    lastAccepted: last,
    balanceMillipence: g.state.meterBalance,
    maxBalanceMillipence: g.state.maxMeterBalance,
    recent: g.state.recentUtrns,
  });
  if (!r.ok)
    return refuse(
      r.refusal === 'duplicate'
        ? TOP_UP_RESULT.duplicate
        : r.refusal === 'max-credit'
          ? TOP_UP_RESULT.maxCredit
          : TOP_UP_RESULT.invalid,
      r.refusal,
    );
  // the payment-based debt takes its share of the top-up first (Debt Log, GCS15d)
  const collected = collectDebt(g.state, r.valueMillipence, g.now());
  g.state.meterBalance += r.valueMillipence - collected;
  g.state.lastTopUpCounter[supplier] = r.counter.toString();
  g.state.recentUtrns = rememberUtrn(g.state.recentUtrns, utrn);
  // the Billing Data Log (prepayment credits): the credit this UTRN carried (GCS15e reads it)
  recordTopUp(g.state, utrn, r.valueMillipence, g.now());
  g.logEvent(useCase === 'PCS01' ? EVENT.topUpFromPpmid : EVENT.topUpAccepted);
  return {
    response: answer(TOP_UP_RESULT.accepted, r.valueMillipence, g.state.meterBalance),
    outcome: 'applied',
    detail: { utrn, credit: r.valueMillipence, debtCollected: collected, balance: g.state.meterBalance },
  };
}

/** PCS02: Select Available Emergency Credit (issue time, originating device) from the PPMID. */
export function emergencyCreditFromPpmid(_call: UseCaseCall<unknown>, g: GsmeServices): HandlerResult {
  const faulted = faultedCommand(
    [{ cluster: 'prepayment', command: 'selectAvailableEmergencyCredit', commandId: 0x00 }],
    g.gbzFaults(),
  );
  if (faulted) return faulted;
  const ec = g.state.emergencyCredit;
  const available = g.state.paymentMode === 'prepayment' ? g.state.meterBalance <= ec.threshold : true;
  const ok = available && !ec.active;
  if (ok) {
    ec.active = true;
    g.logEvent(EVENT.emergencyCreditActivated);
  }
  return {
    response: { components: [defaultResponse('prepayment', 0x00, ok ? ZCL.success : ZCL.failure)] },
    outcome: ok ? 'applied' : 'failed',
    detail: { emergencyCredit: ec.active },
  };
}

/**
 * ZCL Change Debt Debt Amount Type (SE 1.4 D.7.2.3.2): 0/1 Type 1 absolute /
 * incremental, 2/3 Type 2, 4/5 Type 3; the type names the debt register
 * (debt 1, 2: time based; debt 3: payment based).
 */
const DEBT_REGISTER_OF_TYPE: readonly number[] = [0, 0, 1, 1, 2, 2];
/** ZCL Debt Recovery Method: 0 time based, 1 percentage based. */
const RECOVERY = { timeBased: 0, percentageBased: 1 } as const;

type ChangeDebt = {
  debtAmount: number;
  debtAmountType: number;
  debtRecoveryMethod: number;
  debtRecoveryFrequency: number;
  debtRecoveryAmount: number;
  debtRecoveryBalancePercentage: number;
};

/**
 * GCS04 (DUIS 2.3): one Change Debt per debt register. Every command is
 * checked before any is applied (a bad one changes nothing: Default
 * Response failure via CommandContentError); then each register takes its
 * amount (absolute, or added to it; a register never goes below 0) and its
 * recovery: time-based rate for debts 1 and 2, the top-up percentage
 * (hundredths of a percent) for debt 3. Accumulated Debt is the registers'
 * sum. Each command answers a Default Response SUCCESS.
 */
export function changeDebt(call: UseCaseCall<CommandFieldsOf<'GCS04'>>, g: GsmeView): HandlerResult {
  const parts = [{ cluster: 'prepayment', command: 'changeDebt', commandId: 0x02 }] as const;
  const faulted = faultedCommand(parts, g.gbzFaults());
  if (faulted) return faulted;
  const cmds = call.fields.changeDebt as unknown as ChangeDebt[];
  const seen = new Set<number>();
  for (const c of cmds) {
    const reg = DEBT_REGISTER_OF_TYPE[c.debtAmountType];
    if (reg === undefined) throw new CommandContentError(`debt amount type ${c.debtAmountType} is not 0..5`);
    if (seen.has(reg)) throw new CommandContentError(`debt register ${reg + 1} changed twice`);
    seen.add(reg);
    const method = reg === 2 ? RECOVERY.percentageBased : RECOVERY.timeBased;
    if (c.debtRecoveryMethod !== method)
      throw new CommandContentError(
        `debt ${reg + 1}: recovery method ${c.debtRecoveryMethod}, expected ${method}`,
      );
    if (reg < 2 && c.debtRecoveryFrequency > 1)
      throw new CommandContentError(
        `debt ${reg + 1}: recovery frequency ${c.debtRecoveryFrequency} (0 hourly, 1 daily)`,
      );
    if (reg === 2 && c.debtRecoveryBalancePercentage > 10_000)
      throw new CommandContentError(
        `debt 3: recovery percentage ${c.debtRecoveryBalancePercentage} over 10000`,
      );
  }
  const s = g.state;
  const before = [...s.debt.amounts];
  for (const c of cmds) {
    const reg = DEBT_REGISTER_OF_TYPE[c.debtAmountType];
    const incremental = c.debtAmountType % 2 === 1;
    s.debt.amounts[reg] = Math.max(0, (incremental ? s.debt.amounts[reg] : 0) + c.debtAmount);
    if (reg < 2) s.debtRecovery[reg] = { frequency: c.debtRecoveryFrequency, amount: c.debtRecoveryAmount };
    else s.debtRecoveryPercent = c.debtRecoveryBalancePercentage / 100;
  }
  s.debt.accumulated = s.debt.amounts.reduce((a, b) => a + b, 0);
  return {
    response: { components: cmds.map(() => defaultResponse('prepayment', 0x02, ZCL.success)) },
    outcome: 'applied',
    detail: { debt: { from: before, to: [...s.debt.amounts] }, recoveryPercent: s.debtRecoveryPercent },
  };
}
