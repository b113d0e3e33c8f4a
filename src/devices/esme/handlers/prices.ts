/**
 * ECS01b (DUIS 1.2.1) set prices of the primary element: the passive unit
 * charge (attr 6) of the standing charge and primary price Charges, then
 * their activation times (attr 7). Per Charge (Blue Book class 113):
 * activation time zero, or a time that has come, makes the passive unit
 * charge active now; a later time future-dates it (8F66 for that Charge when
 * it runs, RTDS 1.2.1_ECS01b ALERT_STANDING_CHARGE / ALERT_PRICE_MATRIX);
 * all-FF cancels the pending activation. Response: a success per set.
 */
import { COSEM_OBJECTS, type CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import {
  allResults,
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import type { EsmeServices } from '../services.ts';
import {
  CHARGES,
  type ChargeObject,
  checkedUnitCharge,
  type UnitCharge,
  UnitChargeShapeError,
} from '../tariff.ts';
import {
  activationOutcome,
  type FutureDatedRun,
  futureDatedAlert,
  type PassiveActivation,
  runActivations,
} from './future-dated.ts';

export function setPrices(call: UseCaseCall<CommandFieldsOf<'ECS01b'>>, esme: EsmeServices): HandlerResult {
  const { fields } = call;
  const activations = CHARGES.map((object) => chargeActivation(esme, object, fields[object]));
  const done = runActivations(call, esme, activations);
  return { response: allResults(fields, 'success'), outcome: activationOutcome(done), detail: done };
}

/**
 * A Charge's passive unit charge (attr 6, shape checked: a malformed command
 * otherwise) and its activation at unit_charge_activation_time (attr 7), as
 * ECS01b and ECS01a set them.
 */
export function chargeActivation(
  esme: EsmeServices,
  object: ChargeObject,
  f: { unitChargePassive: UnitCharge; unitChargeActivationTime: string },
): PassiveActivation {
  let unitCharge: UnitCharge;
  try {
    unitCharge = checkedUnitCharge(f.unitChargePassive);
  } catch (err) {
    if (err instanceof UnitChargeShapeError) throw new CommandContentError(err.message);
    throw err;
  }
  return {
    name: object,
    key: chargeKey(object),
    when: f.unitChargeActivationTime,
    data: { object, unitCharge },
    apply: () => activateCharge(esme, object, unitCharge),
  };
}

/** unit_charge_passive becomes unit_charge_active (Charge class 113 activation). */
function activateCharge(esme: EsmeServices, object: ChargeObject, unitCharge: UnitCharge): void {
  // copy on write: the tariff may be the shared RTDS one (tariff.ts RTDS_TARIFF)
  const t = esme.state.tariff;
  esme.state.tariff = { ...t, [object]: { ...t[object], unitChargeActive: structuredClone(unitCharge) } };
  esme.logEvent(0x8f0a); // Billing Data Log Updated: a price change is a billing event
}

/** A pending Charge activation runs: 8F66 with the Charge's activation time attribute. */
export function runChargeActivation(entry: FutureDatedEntry, esme: EsmeServices): FutureDatedRun {
  const object = entry.data.object as ChargeObject;
  activateCharge(esme, object, entry.data.unitCharge as UnitCharge);
  const charge = COSEM_OBJECTS[object];
  return {
    ok: true,
    alert: futureDatedAlert(entry, esme, object, charge.attributes.unitChargeActivationTime[0]),
  };
}

/** The future-dated key of a Charge's pending activation (one per Charge object). */
export function chargeKey(object: ChargeObject): string {
  return `Charge ${COSEM_OBJECTS[object].obis}`;
}
