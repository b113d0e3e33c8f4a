import { COSEM_OBJECTS, type CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import { allResults, type HandlerResult, type UseCaseCall } from '../../meter-common/use-case-registry.ts';
import { setAttribute } from '../attribute-store.ts';
import type { EsmeServices } from '../services.ts';
import {
  activationOutcome,
  checkedActivationTime,
  type FutureDatedRun,
  futureDatedAlert,
  runActivations,
} from './future-dated.ts';

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
  // every activation time checked before anything is written: a malformed command changes nothing
  for (const o of SETTINGS) checkedActivationTime(f[o].activationTime, `${o}: activate_passive_value_time`);
  for (const o of SETTINGS) {
    setAttribute(esme.state, `${o}.valuePassive`, f[o].valuePassive);
    setAttribute(esme.state, `${o}.activationTime`, f[o].activationTime);
  }
  const done = runActivations(
    call,
    esme,
    SETTINGS.map((o) => ({
      name: o,
      key: settingKey(o),
      when: f[o].activationTime,
      data: { object: o, value: f[o].valuePassive },
      apply: () => activate(esme, o, f[o].valuePassive),
    })),
  );
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
