/**
 * Supply (load switch) control, ECS42 / ECS43 / ECS44 (DUIS 7.1 / 7.2 / 7.3):
 * execute the script of the disconnect control script table that enables,
 * disables or arms the supply.
 */
import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import type { EsmeServices } from '../services.ts';
import type { SupplyState } from '../state.ts';

/** Script ids of the load switch script table (RTDS ECS43 = 52, ECS44 = 54; ECS42 = 51: GBCS V3.1 use-case table). */
export const SUPPLY_SCRIPT: Readonly<Record<'ECS42' | 'ECS43' | 'ECS44', { id: number; to: SupplyState }>> = {
  ECS42: { id: 51, to: 'enabled' },
  ECS43: { id: 52, to: 'disabled' },
  ECS44: { id: 54, to: 'armed' },
};

export function supplyControl(
  call: UseCaseCall<CommandFieldsOf<'ECS43'>>,
  esme: EsmeServices,
): HandlerResult {
  const uc = call.row.useCase as keyof typeof SUPPLY_SCRIPT;
  const want = SUPPLY_SCRIPT[uc];
  if (call.fields.disconnectControlScripts.execute !== want.id)
    throw new CommandContentError(`${uc} executes script ${want.id}`);
  const from = esme.state.supply;
  esme.state.supply = want.to;
  esme.logEvent(want.to === 'armed' ? 0x8f32 : want.to === 'disabled' ? 0x8f57 : 0x8f35);
  return {
    response: { disconnectControlScripts: { execute: { result: 'success' } } },
    outcome: 'applied',
    detail: { supply: { from, to: want.to } },
  };
}
