/**
 * ECS05 (DUIS 1.7) Reset Tariff Block Counter Matrix: execute of the
 * tariffication script table 0-0:10.0.100.255 (GBCS V3.1 use-case tables):
 * the block counters start again; the block registers stay
 * (block-counters.ts). ECS17e reads them back.
 *
 * ECS48 (DUIS 6.26) Configure Daily Resetting of Tariff Block Counter
 * Matrix: the execution_time of 0-0:15.1.0.255 is written as any set
 * (cosem.ts) and the daily reset runs from now (block-reset-control.ts).
 */
import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import { allResults, type HandlerResult, type UseCaseCall } from '../../meter-common/use-case-registry.ts';
import { resetBlockCounters } from '../block-counters.ts';
import type { EsmeServices } from '../services.ts';
import { writeAttributes } from './cosem.ts';

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

export function configureDailyBlockReset(call: UseCaseCall, esme: EsmeServices): HandlerResult {
  const r = writeAttributes(call, esme);
  if (r.outcome !== 'applied' || !esme.blockReset) return r;
  esme.blockReset.start();
  const next = esme.blockReset.nextReset;
  return { ...r, detail: { ...r.detail, nextReset: next === null ? null : new Date(next).toISOString() } };
}
