/**
 * ECS28a (DUIS 6.4.1) Set Load Limit Configurations - General Settings (GBCS
 * V3.1 use-case tables): the passive value (class 9000 attr 4) and activation
 * time (attr 6) of the supply state flag 0-0:94.44.0.3, the power threshold
 * 0-0:94.44.128.7, the period 0-0:94.44.128.6 and the restoration period
 * 0-0:94.44.128.8.
 *
 * Per setting (GBCS Extended Data): an activation time of zero, or one that
 * has come, makes the passive value the one in force now; a later time
 * future-dates it (8F66 for that object's activation time when it runs);
 * all-FF cancels the pending activation. In force, the values are what ECS27
 * reads: the flag's value (attr 2) and the load limiter 0-0:17.0.0.255
 * (threshold_normal, min_over_threshold_duration, min_under_threshold_duration).
 * Refused whole (nothing written): an activation time that is not a date-time.
 */
import { parseCosemDateTimeText } from '../../../gbcs/use-cases/cosem-text.ts';
import { COSEM_OBJECTS, type CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import { toHex } from '../../../runtime/bytes.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import { isWildcardDateTime, isZeroDateTime, parseCosemDateTime } from '../../meter-common/time.ts';
import {
  allResults,
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import { setAttribute } from '../attribute-store.ts';
import type { EsmeServices } from '../services.ts';
import { activationOutcome, type FutureDatedRun, futureDatedAlert } from './future-dated.ts';

type Fields = CommandFieldsOf<'ECS28a'>;

/** Each setting ECS28a writes and the attribute (`object.member`) it becomes in force, which ECS27 reads. */
export const LOAD_LIMIT_SETTINGS = {
  loadLimitSupplyStateOnExceed: 'loadLimitSupplyStateOnExceed.value',
  loadLimitPowerThreshold: 'loadLimitLimiter.thresholdNormal',
  loadLimitPeriod: 'loadLimitLimiter.minOverThresholdDuration',
  loadLimitRestorationPeriod: 'loadLimitLimiter.minUnderThresholdDuration',
} as const;
type Setting = keyof typeof LOAD_LIMIT_SETTINGS;
const SETTINGS = Object.keys(LOAD_LIMIT_SETTINGS) as Setting[];

/** The future-dated key of a setting's pending activation. */
const settingKey = (o: Setting) => `ECS28a ${COSEM_OBJECTS[o].obis}`;

function activate(esme: EsmeServices, o: Setting, value: unknown): void {
  setAttribute(esme.state, LOAD_LIMIT_SETTINGS[o], value);
}

export function setLoadLimitConfiguration(call: UseCaseCall<Fields>, esme: EsmeServices): HandlerResult {
  const f = call.fields;
  const when = Object.fromEntries(
    SETTINGS.map((o) => {
      const t = parseCosemDateTimeText(f[o].activationTime);
      if (!isWildcardDateTime(t) && !isZeroDateTime(t) && parseCosemDateTime(t) === null)
        throw new CommandContentError(`${o}: activate_passive_value_time not a date-time`);
      return [o, t];
    }),
  ) as Record<Setting, Uint8Array>;
  const done: Record<string, string> = {};
  for (const o of SETTINGS) {
    setAttribute(esme.state, `${o}.valuePassive`, f[o].valuePassive);
    setAttribute(esme.state, `${o}.activationTime`, f[o].activationTime);
    const t = when[o];
    const at = parseCosemDateTime(t);
    if (isWildcardDateTime(t)) {
      done[o] = esme.cancelFutureDated(settingKey(o)) ? 'cancelled' : 'nothing to cancel';
    } else if (at !== null && at > esme.now()) {
      const { cmd } = call;
      esme.scheduleFutureDated({
        useCase: call.row.useCase,
        key: settingKey(o),
        messageCode: cmd.message.messageCode,
        originator: cmd.message.originator,
        counter: cmd.message.originatorCounter.toString(),
        executeAt: at,
        data: { object: o, value: f[o].valuePassive, executionTime: toHex(t) },
      });
      done[o] = `scheduled ${new Date(at).toISOString()}`;
    } else {
      activate(esme, o, f[o].valuePassive);
      done[o] = 'applied';
    }
  }
  return { response: allResults(f, 'success'), outcome: activationOutcome(done), detail: done };
}

/** A pending load limit setting runs: 8F66 with the object's activation time attribute. */
export function runLoadLimitActivation(entry: FutureDatedEntry, esme: EsmeServices): FutureDatedRun {
  const o = entry.data.object as Setting;
  activate(esme, o, entry.data.value);
  return {
    ok: true,
    alert: futureDatedAlert(entry, esme, o, COSEM_OBJECTS[o].attributes.activationTime[0]),
  };
}
