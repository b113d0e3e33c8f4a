/**
 * ECS46c (SR 6.14.2, GBCS V3.1's ECS46c table: also the switch identities
 * 0-0:94.44.0.21..25, written as they come) and ECS46d (SR 6.14.3) Set
 * Auxiliary Controller Scheduler: the *next*
 * auxiliary controller calendar (channel 1: special days 0-1:11.0.3.255,
 * schedule 0-1:12.0.2.255) is written as the generic model writes it
 * (cosem.ts), then each of its two activation objects (class 9000
 * 0-0:94.44.128.26 and .35, attribute 6; GBCS later use-case table,
 * c5d22f4e, ~offset 1,155,000) runs as a future-dated activation does
 * (future-dated.ts `runActivations`): zero or a time that has come makes
 * that table the current one at once (channel 0, which ECS61d reads and the
 * ALCS runs, alcs.ts); a time to come schedules it, and at that time the
 * table is made current and 8F66 raised with the activation object (RTDS
 * 6.14.3 FUTURE_DATED: one 8F66 per activation object, 0-0:94.44.128.26
 * first); all-FF cancels the pending one.
 *
 * At its time an activation makes current the next table as the meter then
 * holds it (DLMS: passive to active), so a later ECS46d that writes the
 * next calendar again, and replaces the pending activations, wins.
 */
import { COSEM_OBJECTS } from '../../../gbcs/use-cases/index.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import type { HandlerResult, UseCaseCall } from '../../meter-common/use-case-registry.ts';
import { getAttribute, setAttribute } from '../attribute-store.ts';
import type { EsmeServices } from '../services.ts';
import { writeAttributes } from './cosem.ts';
import { activationOutcome, type FutureDatedRun, futureDatedAlert, runActivations } from './future-dated.ts';

/**
 * Each activation object of the next calendar, and the table it makes current (next -> current), in
 * the rows' access order (0-0:94.44.128.26 the calendar's, then .35 the special days': GBCS V3.1 ECS46c).
 */
const ACTIVATIONS = {
  auxiliaryControllerScheduleActivation: ['auxiliaryControllerSchedule.entries', 'alcsSchedule.entries'],
  auxiliaryControllerSpecialDaysActivation: [
    'auxiliaryControllerSpecialDays.entries',
    'alcsSpecialDays.entries',
  ],
} as const;
type Activation = keyof typeof ACTIVATIONS;

/** One pending activation per object, whichever of ECS46c / ECS46d set it (the later write replaces it). */
const keyOf = (a: Activation) => `ECS46d ${COSEM_OBJECTS[a].obis}`;

/** The next table becomes the current one; the ALCS calendar follows. */
function activate(esme: EsmeServices, a: Activation): void {
  const [next, current] = ACTIVATIONS[a];
  setAttribute(esme.state, current, structuredClone(getAttribute(esme.state, next)));
  esme.alcs?.calendarWritten();
}

export function auxiliaryControllerCalendar(call: UseCaseCall, esme: EsmeServices): HandlerResult {
  const f = call.fields as Partial<Record<Activation, { activationTime: string }>>;
  const present = (Object.keys(ACTIVATIONS) as Activation[]).filter((a) => f[a] !== undefined);
  const written = writeAttributes(call, esme);
  if (written.outcome !== 'applied') return written;
  const done = runActivations(
    call,
    esme,
    present.map((a) => ({
      name: a,
      key: keyOf(a),
      when: f[a]!.activationTime,
      data: { activation: a },
      apply: () => activate(esme, a),
    })),
  );
  return { ...written, outcome: activationOutcome(done), detail: { ...written.detail, nextCalendar: done } };
}

/** A pending activation of the next calendar runs: the table becomes current, 8F66 with its activation object. */
export function runAuxiliaryCalendarActivation(entry: FutureDatedEntry, esme: EsmeServices): FutureDatedRun {
  const a = entry.data.activation as Activation;
  activate(esme, a);
  return { ok: true, alert: futureDatedAlert(entry, esme, a, COSEM_OBJECTS[a].attributes.activationTime[0]) };
}
