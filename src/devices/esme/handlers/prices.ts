/**
 * ECS01b (DUIS 1.2.1) set prices of the primary element: the passive unit
 * charge (attr 6) of the standing charge and primary price Charges, then
 * their activation times (attr 7). Per Charge (Blue Book class 113):
 * activation time zero, or a time that has come, makes the passive unit
 * charge active now; a later time future-dates it (8F66 for that Charge when
 * it runs, RTDS 1.2.1_ECS01b ALERT_STANDING_CHARGE / ALERT_PRICE_MATRIX);
 * all-FF cancels the pending activation. Response: a success per set.
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
import type { EsmeServices } from '../services.ts';
import {
  CHARGES,
  type ChargeObject,
  checkedUnitCharge,
  type UnitCharge,
  UnitChargeShapeError,
} from '../tariff.ts';
import { activationOutcome, type FutureDatedRun, futureDatedAlert } from './future-dated.ts';

export function setPrices(call: UseCaseCall<CommandFieldsOf<'ECS01b'>>, esme: EsmeServices): HandlerResult {
  const { fields, cmd } = call;
  const plans = CHARGES.map((object) => {
    let unitCharge: UnitCharge;
    try {
      unitCharge = checkedUnitCharge(fields[object].unitChargePassive);
    } catch (err) {
      if (err instanceof UnitChargeShapeError) throw new CommandContentError(err.message);
      throw err;
    }
    const when = parseCosemDateTimeText(fields[object].unitChargeActivationTime);
    const at = parseCosemDateTime(when);
    if (!isWildcardDateTime(when) && !isZeroDateTime(when) && at === null)
      throw new CommandContentError('unit_charge_activation_time not a date-time');
    return { object, unitCharge, when, at };
  });
  const done: Record<string, string> = {};
  for (const p of plans) {
    const key = chargeKey(p.object);
    if (isWildcardDateTime(p.when)) {
      done[p.object] = esme.cancelFutureDated(key) ? 'cancelled' : 'nothing to cancel';
    } else if (p.at !== null && p.at > esme.now()) {
      esme.scheduleFutureDated({
        useCase: call.row.useCase,
        key,
        messageCode: cmd.message.messageCode,
        originator: cmd.message.originator,
        counter: cmd.message.originatorCounter.toString(),
        executeAt: p.at,
        data: { object: p.object, unitCharge: p.unitCharge, executionTime: toHex(p.when) },
      });
      done[p.object] = `scheduled ${new Date(p.at).toISOString()}`;
    } else {
      activateCharge(esme, p.object, p.unitCharge);
      done[p.object] = 'applied';
    }
  }
  const outcome = activationOutcome(done);
  return { response: allResults(fields, 'success'), outcome, detail: done };
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
