/**
 * GSME valve and clock:
 * - GCS39 arm / GCS32 close the valve (DUIS 7.3 / 7.2): Metering Change
 *   Supply (provider id, issuer event id, request time, implementation time,
 *   proposed supply status 0 off / 1 off-armed / 2 on, control bits) ->
 *   Supply Status Response. Enabling gas is a local action (the customer's
 *   button: Gsme backchannel.pressButton).
 * - GCS28 (DUIS 6.11, ASN.1): validity interval start and end. The GSME
 *   adopts the CH time when it lies in the interval; the response is
 *   { its time, 0 success | 1 malformed interval | 2 outside the interval }
 *   (RTDS 6.11_GCS28).
 */
import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import { generalizedTime, parseGeneralizedTime } from '../../meter-common/time.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import type { GsmeServices } from '../services.ts';
import { faultedCommand } from './gbz.ts';

/** GBCS events: supply armed, supply disabled, clock not adjusted. */
const EVENT = { armed: 0x8f32, disabled: 0x8f57, clockNotAdjusted: 0x8f0c } as const;

export function changeSupply(call: UseCaseCall<CommandFieldsOf<'GCS39'>>, g: GsmeServices): HandlerResult {
  const faulted = faultedCommand(
    [{ cluster: 'metering', command: 'changeSupply', commandId: 0x0b }],
    g.gbzFaults(),
  );
  if (faulted) return faulted;
  const to = call.row.useCase === 'GCS39' ? 'armed' : 'disabled';
  const f = call.fields.changeSupply;
  const want = to === 'armed' ? 1 : 0;
  if (f.proposedSupplyStatus !== want)
    throw new CommandContentError(`proposed supply status ${f.proposedSupplyStatus}, expected ${want}`);
  const from = g.state.valve;
  g.state.valve = to;
  g.logEvent(to === 'armed' ? EVENT.armed : EVENT.disabled);
  return {
    response: {
      components: [
        {
          cluster: 'metering',
          command: 'supplyStatusResponse',
          fields: {
            providerId: f.providerId,
            issuerEventId: f.issuerEventId,
            implementationDateTime: f.implementationDateTime,
            supplyStatus: f.proposedSupplyStatus,
          },
        },
      ],
    },
    outcome: 'applied',
    detail: { valve: { from, to } },
  };
}

export function setClock(call: UseCaseCall<CommandFieldsOf<'GCS28'>>, g: GsmeServices): HandlerResult {
  const answer = (responseCode: number) => ({ deviceTime: generalizedTime(g.now()), responseCode });
  const start = parseGeneralizedTime(call.fields.validityIntervalStart);
  const end = parseGeneralizedTime(call.fields.validityIntervalEnd);
  if (start === null || end === null || end < start)
    return {
      response: answer(1),
      outcome: 'failed',
      detail: { error: new CommandContentError('validity interval').message },
      alerts: [g.simpleAlert(0x8f1e)],
    };
  const ch = g.networkTime();
  const ok = ch >= start && ch <= end;
  if (ok) g.setDeviceTime(ch, 'reliable');
  else g.logEvent(EVENT.clockNotAdjusted);
  return {
    response: answer(ok ? 0 : 2),
    outcome: ok ? 'applied' : 'failed',
    detail: ok ? { clock: new Date(ch).toISOString() } : { reason: 'CH time outside the validity interval' },
  };
}
