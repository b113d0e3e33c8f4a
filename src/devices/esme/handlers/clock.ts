/**
 * ECS70 (DUIS 6.11) set clock: Clock attr 9 (time source),
 * preset_adjusting_time (preset, validity start, validity end),
 * adjust_to_preset_time, then read time and status. A wildcard preset means
 * "the Communications Hub's time": the ESME adopts it if it lies within the
 * validity interval and the CH's time is Reliable (SECMP0038 3.1.1); a
 * specified preset is applied if the device's own time lies within the
 * interval (Blue Book).
 */
import { formatCosemDateTimeText, parseCosemDateTimeText } from '../../../gbcs/use-cases/cosem-text.ts';
import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import {
  CLOCK_STATUS_DOUBTFUL,
  cosemDateTime,
  isWildcardDateTime,
  parseCosemDateTime,
} from '../../meter-common/time.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import type { EsmeServices } from '../services.ts';

export function setClock(call: UseCaseCall<CommandFieldsOf<'ECS70'>>, esme: EsmeServices): HandlerResult {
  const preset = call.fields.clock.presetAdjustingTime;
  const [p, s, e] = [preset.presetTime, preset.validityIntervalStart, preset.validityIntervalEnd].map(
    parseCosemDateTimeText,
  ) as [Uint8Array, Uint8Array, Uint8Array];
  const start = parseCosemDateTime(s);
  const end = parseCosemDateTime(e);
  if (start === null || end === null || end < start) throw new CommandContentError('validity interval');
  let target: number | null;
  if (isWildcardDateTime(p)) {
    const ch = esme.networkTime();
    target = ch >= start && ch <= end && esme.networkTimeReliable() ? ch : null;
  } else {
    const presetTime = parseCosemDateTime(p);
    const own = esme.now();
    target = presetTime !== null && own >= start && own <= end ? presetTime : null;
  }
  if (target !== null) esme.setDeviceTime(target, 'reliable');
  const status = esme.timeStatus() === 'reliable' ? 0 : CLOCK_STATUS_DOUBTFUL;
  const response = {
    clock: {
      clockBase: { result: 'success' },
      presetAdjustingTime: { result: 'success' },
      adjustToPresetTime: { result: target === null ? 'other-reason' : 'success' },
      time: { result: 'success', value: formatCosemDateTimeText(cosemDateTime(esme.now())) },
      status: { result: 'success', value: status },
    },
  };
  if (target === null) {
    esme.logEvent(0x8f0c); // Clock not adjusted
    return {
      response,
      outcome: 'failed',
      detail: {
        reason: esme.networkTimeReliable()
          ? 'time outside the validity interval'
          : 'the CH time is Unreliable (SECMP0038 3.1.1)',
      },
    };
  }
  return { response, outcome: 'applied', detail: { clock: new Date(target).toISOString() } };
}
