/**
 * ECS09 (DUIS 2.5) Activate Emergency Credit Remotely: class 112
 * emergency credit invoke_credit, run by the rule PECS02 runs too
 * (../emergency-credit.ts). Refused (not eligible): the action answers
 * `other-reason` and nothing changes (PROVISIONAL: GBCS gives no result
 * code for an ESME that cannot activate emergency credit).
 */
import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import type { HandlerResult, UseCaseCall } from '../../meter-common/use-case-registry.ts';
import { activateEmergencyCredit } from '../emergency-credit.ts';
import type { EsmeServices } from '../services.ts';

export function activateEmergencyCreditRemotely(
  call: UseCaseCall<CommandFieldsOf<'ECS09'>>,
  esme: EsmeServices,
): HandlerResult {
  const ec = activateEmergencyCredit(esme, call.cmd.message.messageCode);
  return {
    response: { emergencyCredit: { invokeCredit: { result: ec.ok ? 'success' : 'other-reason' } } },
    outcome: ec.ok ? 'applied' : 'failed',
    detail: { ...ec },
  };
}
