/**
 * ECS01c (DUIS 1.1.2) Set Tariff and Price on the ESME Secondary and ECS01d
 * (1.2.2) Set Price on the ESME Secondary: the twin element ESME's passive
 * secondary switching table, special days and price, each group with its
 * own activation time (as ECS01a's groups, tariff-set.ts):
 *
 * | group | becomes active (what ECS24b reads) | activation time (8F66 names it) |
 * |---|---|---|
 * | calendar | activityCalendarSecondary attrs 3-5 | activityCalendarSecondary 0-0:13.0.1.255 attr 10 |
 * | price | secondaryPriceCharge 0-0:19.20.5.255 attr 5 | secondaryPriceCharge attr 7 |
 * | special days | specialDaysSecondary 0-0:11.0.1.255 | 0-0:94.44.128.30 attr 6 |
 *
 * The three activation objects and the order are the RTDS ECS01c
 * FUTURE_DATED alerts' (SWITCHING_TABLE, PRICE_MATRIX, SPECIAL_DAYS, in
 * Originator Counter order). Per group: zero or a time that has come
 * activates now; a later time future-dates it (8F66 when it runs); all-FF
 * cancels the pending one. The passive values are written as sent (the
 * passive attributes read back). Refused whole (malformed, nothing written):
 * what ECS01a refuses in a switching table (tariff-set.ts checkCalendar), a
 * charge_table index twice, an activation time that is not a date-time.
 */
import { COSEM_OBJECTS, type CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import {
  allResults,
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import { setAttribute } from '../attribute-store.ts';
import type { EsmeServices } from '../services.ts';
import { checkedUnitCharge, type UnitCharge, UnitChargeShapeError } from '../tariff.ts';
import {
  type ActivationGroup,
  activationOutcome,
  checkedActivationTime,
  type FutureDatedRun,
  groupActivation,
  type PassiveActivation,
  runActivations,
  runGroupActivation,
} from './future-dated.ts';
import { checkCalendar } from './tariff-set.ts';

type Ecs01c = CommandFieldsOf<'ECS01c'>;
type Ecs01d = CommandFieldsOf<'ECS01d'>;

const set = (esme: EsmeServices, values: Record<string, unknown>) => {
  for (const [k, v] of Object.entries(values)) setAttribute(esme.state, k, structuredClone(v));
};

/** What a pending group keeps (JSON) and how it becomes active. */
const GROUPS = {
  calendar: {
    key: `Calendar ${COSEM_OBJECTS.activityCalendarSecondary.obis}`,
    apply: (esme: EsmeServices, d: Record<string, unknown>) => {
      const c = d.calendar as Ecs01c['activityCalendarSecondary'];
      set(esme, {
        'activityCalendarSecondary.seasonProfileActive': c.seasonProfilePassive,
        'activityCalendarSecondary.weekProfileActive': c.weekProfilePassive,
        'activityCalendarSecondary.dayProfileActive': c.dayProfilePassive,
      });
    },
    alert: [
      'activityCalendarSecondary',
      COSEM_OBJECTS.activityCalendarSecondary.attributes.activatePassiveCalendarTime[0],
    ],
  },
  price: {
    key: `Charge ${COSEM_OBJECTS.secondaryPriceCharge.obis}`,
    apply: (esme: EsmeServices, d: Record<string, unknown>) => {
      set(esme, { 'secondaryPriceCharge.unitChargeActive': d.unitCharge });
      esme.logEvent(0x8f0a); // Billing Data Log Updated: a price change is a billing event (as ECS01b)
    },
    alert: [
      'secondaryPriceCharge',
      COSEM_OBJECTS.secondaryPriceCharge.attributes.unitChargeActivationTime[0],
    ],
  },
  specialDays: {
    key: `SpecialDays ${COSEM_OBJECTS.specialDaysSecondaryPassive.obis}`,
    apply: (esme: EsmeServices, d: Record<string, unknown>) =>
      set(esme, { 'specialDaysSecondary.entries': d.entries }),
    alert: [
      'tariffSwitchingTableActivation',
      COSEM_OBJECTS.tariffSwitchingTableActivation.attributes.activationTime[0],
    ],
  },
} as const satisfies Record<string, ActivationGroup>;

function checkedCharge(u: UnitCharge): UnitCharge {
  try {
    return checkedUnitCharge(u);
  } catch (err) {
    if (err instanceof UnitChargeShapeError) throw new CommandContentError(err.message);
    throw err;
  }
}

/** Writes the passive values, then activates each group; every time checked first (malformed: nothing written). */
function run(
  call: UseCaseCall<object>,
  esme: EsmeServices,
  passive: Record<string, unknown>,
  activations: PassiveActivation[],
): HandlerResult {
  for (const a of activations) checkedActivationTime(a.when, a.name);
  set(esme, passive);
  const done = runActivations(call, esme, activations);
  return { response: allResults(call.fields, 'success'), outcome: activationOutcome(done), detail: done };
}

export function setSecondaryTariffAndPrice(call: UseCaseCall<Ecs01c>, esme: EsmeServices): HandlerResult {
  const f = call.fields;
  const c = f.activityCalendarSecondary;
  checkCalendar(c, f.specialDaysSecondaryPassive.entries);
  const unitCharge = checkedCharge(f.secondaryPriceCharge.unitChargePassive);
  const calendar = {
    seasonProfilePassive: c.seasonProfilePassive,
    weekProfilePassive: c.weekProfilePassive,
    dayProfilePassive: c.dayProfilePassive,
  };
  // in the order of the row's activation times (RTDS ECS01c 8F66 counters)
  return run(
    call,
    esme,
    {
      'activityCalendarSecondary.seasonProfilePassive': c.seasonProfilePassive,
      'activityCalendarSecondary.weekProfilePassive': c.weekProfilePassive,
      'activityCalendarSecondary.dayProfilePassive': c.dayProfilePassive,
      'activityCalendarSecondary.activatePassiveCalendarTime': c.activatePassiveCalendarTime,
      'specialDaysSecondaryPassive.entries': f.specialDaysSecondaryPassive.entries,
      'secondaryPriceCharge.unitChargePassive': unitCharge,
      'secondaryPriceCharge.unitChargeActivationTime': f.secondaryPriceCharge.unitChargeActivationTime,
      'tariffSwitchingTableActivation.activationTime': f.tariffSwitchingTableActivation.activationTime,
    },
    [
      groupActivation(GROUPS, esme, 'calendar', c.activatePassiveCalendarTime, { calendar }),
      groupActivation(GROUPS, esme, 'price', f.secondaryPriceCharge.unitChargeActivationTime, { unitCharge }),
      groupActivation(GROUPS, esme, 'specialDays', f.tariffSwitchingTableActivation.activationTime, {
        entries: f.specialDaysSecondaryPassive.entries,
      }),
    ],
  );
}

export function setSecondaryPrice(call: UseCaseCall<Ecs01d>, esme: EsmeServices): HandlerResult {
  const f = call.fields.secondaryPriceCharge;
  const unitCharge = checkedCharge(f.unitChargePassive);
  return run(
    call,
    esme,
    {
      'secondaryPriceCharge.unitChargePassive': unitCharge,
      'secondaryPriceCharge.unitChargeActivationTime': f.unitChargeActivationTime,
    },
    [groupActivation(GROUPS, esme, 'price', f.unitChargeActivationTime, { unitCharge })],
  );
}

/** A pending ECS01c / ECS01d group activates: 8F66 naming the group's activation time attribute. */
export function runSecondaryTariffActivation(entry: FutureDatedEntry, esme: EsmeServices): FutureDatedRun {
  return runGroupActivation(GROUPS, entry, esme, 'secondary tariff');
}
