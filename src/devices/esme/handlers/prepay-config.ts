/**
 * ECS08a (DUIS 2.1) Update Prepayment Configuration on the ESME (GBCS V3.1
 * use-case tables): the passive value (class 9000 attr 4) and activation
 * time (attr 6) of each prepayment setting, and the Non-Disablement
 * Calendar's special days and schedule with their activation times.
 *
 * Per setting (GBCS Extended Data): an activation time of zero, or one that
 * has come, makes the passive value active now; a later time future-dates
 * it (8F66 for that object's activation time when it runs); all-FF cancels
 * the pending activation. The maximum meter balance that becomes active is
 * the one the top-up check uses. ECS26a reads the active values back.
 *
 * Refused whole (the malformed answer, nothing written), as GBCS constrains
 * them: a debt recovery rate cap period other than the fixed week; a
 * schedule entry not enabled, not running the disconnect control script
 * table, with a validity window other than 0xFFFF, or whose exec_specdays
 * does not have one bit per special day; more than 22 entries or 20 special
 * days; an activation time that is not a date-time.
 *
 * Not modelled: the calendar's own active/passive copies (the entries
 * written are the ones ECS26a reads; their activation times are stored).
 */
import { COSEM_OBJECTS, type CommandFieldsOf, type DlmsCommandRow } from '../../../gbcs/use-cases/index.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import {
  allResults,
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
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

type Fields = CommandFieldsOf<'ECS08a'>;

/** The class 9000 settings ECS08a writes (passive value and activation time). */
export const PREPAY_SETTINGS = [
  'maxMeterBalance',
  'maxCreditThreshold',
  'debtRecoveryRateCap',
  'debtRecoveryRateCapPeriod',
  'lowCreditThreshold',
  'emergencyCreditLimit',
  'emergencyCreditThreshold',
] as const;
type Setting = (typeof PREPAY_SETTINGS)[number];

/** GBCS V3.1 tables (ECS08a): the debt recovery rate cap period is fixed at one week. */
const DEBT_CAP_PERIOD_S = 604800;
const MAX_SCHEDULE_ENTRIES = 22;
const MAX_SPECIAL_DAYS = 20;

function check(f: Fields): void {
  if (f.debtRecoveryRateCapPeriod.valuePassive !== DEBT_CAP_PERIOD_S)
    throw new CommandContentError(`debt recovery rate cap period must be ${DEBT_CAP_PERIOD_S} s`);
  const days = f.nonDisablementSpecialDays.entries;
  const entries = f.nonDisablementSchedule.entries;
  if (days.length > MAX_SPECIAL_DAYS)
    throw new CommandContentError(`more than ${MAX_SPECIAL_DAYS} special days`);
  if (entries.length < 1 || entries.length > MAX_SCHEDULE_ENTRIES)
    throw new CommandContentError(`1..${MAX_SCHEDULE_ENTRIES} schedule entries expected`);
  for (const e of entries) {
    if (
      !e.enable ||
      e.scriptLogicalName !== COSEM_OBJECTS.disconnectControlScripts.obis ||
      e.validityWindow !== 0xffff
    )
      throw new CommandContentError(
        `schedule entry ${e.index}: not an enabled disconnect control script entry`,
      );
    if (e.execWeekdays.length !== 7)
      throw new CommandContentError(`schedule entry ${e.index}: exec_weekdays of 7 bits`);
    if (e.execSpecdays.length !== days.length)
      throw new CommandContentError(`schedule entry ${e.index}: exec_specdays needs one bit per special day`);
  }
  for (const t of activationTimes(f)) checkedActivationTime(t, 'activate_passive_value_time');
}

function activationTimes(f: Fields): string[] {
  return [
    ...PREPAY_SETTINGS.map((o) => f[o].activationTime),
    f.nonDisablementScheduleActivation.activationTime,
    f.nonDisablementSpecialDaysActivation.activationTime,
  ];
}

/** The passive value becomes the active one. */
const activate =
  (esme: EsmeServices) =>
  (o: Setting, v: unknown): void => {
    const value = Number(v);
    if (o === 'maxMeterBalance') esme.state.maxMeterBalance = value;
    else setAttribute(esme.state, `${o}.valueActive`, value);
  };

export function updatePrepayConfiguration(call: UseCaseCall<Fields>, esme: EsmeServices): HandlerResult {
  const f = call.fields;
  check(f);
  for (const a of (call.row as DlmsCommandRow).accesses) {
    const value = (f as unknown as Record<string, Record<string, unknown>>)[a.object]![a.member];
    setAttribute(esme.state, `${a.object}.${a.member}`, structuredClone(value));
  }
  const done = runActivations(call, esme, settingActivations('ECS08a', PREPAY_SETTINGS, f, activate(esme)));
  const outcome = activationOutcome(done);
  return { response: allResults(f, 'success'), outcome, detail: done };
}

/** A pending setting activation runs: 8F66 with the object's activation time attribute. */
export function runPrepaySettingActivation(entry: FutureDatedEntry, esme: EsmeServices): FutureDatedRun {
  return runSettingActivation(entry, esme, activate(esme));
}
