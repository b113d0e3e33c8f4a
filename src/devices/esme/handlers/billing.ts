/**
 * ECS30 / ECS30a (DUIS 6.8) Set Billing Calendar: the execution_time of the
 * billing calendar (class 22 0-0:15.0.0.255 attribute 4) is written as any
 * set (cosem.ts; ECS26d / ECS26l read it back) and the meter's billing
 * calendar runs from now (billing-control.ts: the next billing date, its
 * snapshot, ECS68).
 */
import type { HandlerResult, UseCaseCall } from '../../meter-common/use-case-registry.ts';
import type { EsmeServices } from '../services.ts';
import { writeAttributes } from './cosem.ts';

export function setBillingCalendar(call: UseCaseCall, esme: EsmeServices): HandlerResult {
  const r = writeAttributes(call, esme);
  if (r.outcome !== 'applied' || !esme.billing) return r;
  esme.billing.start();
  const next = esme.billing.nextBillingDate;
  return {
    ...r,
    detail: { ...r.detail, nextBillingDate: next === null ? null : new Date(next).toISOString() },
  };
}
