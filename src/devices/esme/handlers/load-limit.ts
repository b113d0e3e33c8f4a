import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import { allResults, type HandlerResult, type UseCaseCall } from '../../meter-common/use-case-registry.ts';
import { setAttribute } from '../attribute-store.ts';
import type { EsmeServices } from '../services.ts';
import {
  activationOutcome,
  checkedActivationTime,
  type FutureDatedRun,
  runActivations,
  runSettingActivation,
  settingActivations,
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

const activate =
  (esme: EsmeServices) =>
  (o: Setting, value: unknown): void =>
    setAttribute(esme.state, LOAD_LIMIT_SETTINGS[o], value);

export function setLoadLimitConfiguration(call: UseCaseCall<Fields>, esme: EsmeServices): HandlerResult {
  const f = call.fields;
  // every activation time checked before anything is written: a malformed command changes nothing
  for (const o of SETTINGS) checkedActivationTime(f[o].activationTime, `${o}: activate_passive_value_time`);
  for (const o of SETTINGS) {
    setAttribute(esme.state, `${o}.valuePassive`, f[o].valuePassive);
    setAttribute(esme.state, `${o}.activationTime`, f[o].activationTime);
  }
  const done = runActivations(call, esme, settingActivations('ECS28a', SETTINGS, f, activate(esme)));
  return { response: allResults(f, 'success'), outcome: activationOutcome(done), detail: done };
}

/** A pending load limit setting runs: 8F66 with the object's activation time attribute. */
export function runLoadLimitActivation(entry: FutureDatedEntry, esme: EsmeServices): FutureDatedRun {
  return runSettingActivation(entry, esme, activate(esme));
}
