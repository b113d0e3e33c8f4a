/**
 * ECS05 (DUIS 1.7) Reset Tariff Block Counter Matrix: execute of the
 * tariffication script table 0-0:10.0.100.255 (GBCS V3.1 use-case tables):
 * the block counters start again; the block registers stay
 * (block-counters.ts). ECS17e reads them back.
 */
import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import { allResults, type HandlerResult, type UseCaseCall } from '../../meter-common/use-case-registry.ts';
import { resetBlockCounters } from '../block-counters.ts';
import type { EsmeServices } from '../services.ts';

export function resetBlockCounterMatrix(
  call: UseCaseCall<CommandFieldsOf<'ECS05'>>,
  esme: EsmeServices,
): HandlerResult {
  resetBlockCounters(esme.state);
  return {
    response: allResults(call.fields, 'success'),
    outcome: 'applied',
    detail: { blockCounters: 'reset' },
  };
}
