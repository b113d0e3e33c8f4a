/**
 * Future-dated commands of the ESME (GBCS: an execution date-time in the
 * command; 8F66 when it runs, 8F67 when it cannot): the DLMS alert payload
 * and the helper handlers use to schedule, run now or cancel.
 */
import { dlms, encodeDlmsApdu, gbcsInvokeId, parseObis } from '../../../gbcs/payload/dlms.ts';
import { parseCosemDateTimeText } from '../../../gbcs/use-cases/cosem-text.ts';
import { COSEM_OBJECTS } from '../../../gbcs/use-cases/index.ts';
import { fromHex, toHex, u64be } from '../../../runtime/bytes.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import { isWildcardDateTime, isZeroDateTime, parseCosemDateTime } from '../../meter-common/time.ts';
import { CommandContentError, type UseCaseCall } from '../../meter-common/use-case-registry.ts';
import type { EsmeServices } from '../services.ts';

/** GBCS Message Code of the Future Dated Execution of Instruction Alert (DLMS) and of firmware activation. */
export const MC_FUTURE_DATED_DLMS = 0x00cc;
export { MC_FUTURE_DATED_FIRMWARE } from '../../meter-common/firmware.ts';

/** What a future-dated entry's runner returns: success, and the alert to raise. */
export interface FutureDatedRun {
  ok: boolean;
  alert: { payload: Uint8Array; messageCode: number };
}
export type FutureDatedRunner = (entry: FutureDatedEntry, esme: EsmeServices) => FutureDatedRun;

/**
 * The DLMS 8F66 payload (RTDS 1.6_ECS02, 1.2.1_ECS01b): data-notification
 * { alert code, execution time, Message Code | Originator Counter | class |
 * OBIS | attribute of the future-dated command }.
 */
export function futureDatedAlert(
  entry: FutureDatedEntry,
  esme: EsmeServices,
  object: keyof typeof COSEM_OBJECTS,
  attribute: number,
): FutureDatedRun['alert'] {
  const o = COSEM_OBJECTS[object];
  const ref = new Uint8Array(19);
  ref[0] = entry.messageCode >> 8;
  ref[1] = entry.messageCode & 0xff;
  ref.set(u64be(BigInt(entry.counter)), 2);
  ref[10] = o.classId >> 8;
  ref[11] = o.classId & 0xff;
  ref.set(parseObis(o.obis), 12);
  ref[18] = attribute;
  const payload = encodeDlmsApdu({
    apdu: 'data-notification',
    invoke: gbcsInvokeId(esme.security.peekNextOwnCounter()),
    dateTime: new Uint8Array(0),
    body: dlms.struct(
      dlms.u16(0x8f66),
      dlms.octets(fromHex(String(entry.data.executionTime))),
      dlms.octets(ref),
    ),
  });
  return { payload, messageCode: MC_FUTURE_DATED_DLMS };
}

/**
 * The outcome of a command that activates passive values, each now or at its
 * activation time (`done`: per object 'applied', 'scheduled <time>' or
 * 'cancelled'): applied if any took effect now, else scheduled if any waits,
 * else cancelled (ECS01b prices, ECS08a prepayment configuration).
 */
export function activationOutcome(
  done: Readonly<Record<string, string>>,
): 'applied' | 'scheduled' | 'cancelled' {
  const states = Object.values(done);
  if (states.includes('applied')) return 'applied';
  return states.some((x) => x.startsWith('scheduled')) ? 'scheduled' : 'cancelled';
}

/**
 * One passive value (or set of values) a command activates at its own
 * activation time: `data` is what a future-dated entry keeps (JSON, so a
 * snapshot restores it), `apply` makes it active now.
 */
export interface PassiveActivation {
  /** name in the handler's detail */
  name: string;
  /** the future-dated key (one pending activation per key) */
  key: string;
  /** the activation date-time (COSEM date-time text) */
  when: string;
  data: Record<string, unknown>;
  apply: () => void;
}

/**
 * A passive group a command activates at its own time (ECS01a, ECS01c/d): the
 * future-dated key, how the data a pending entry keeps becomes active, and the
 * activation time attribute the 8F66 names when it runs.
 */
export interface ActivationGroup {
  key: string;
  apply: (esme: EsmeServices, d: Record<string, unknown>) => void;
  alert: readonly [keyof typeof COSEM_OBJECTS, number];
}

/** Group `name` of `groups` as a PassiveActivation; its entry keeps the group's name so the run finds it again. */
export function groupActivation<G extends Record<string, ActivationGroup>>(
  groups: G,
  esme: EsmeServices,
  name: keyof G & string,
  when: string,
  data: Record<string, unknown>,
): PassiveActivation {
  const g = groups[name];
  return { name, key: g.key, when, data: { group: name, ...data }, apply: () => g.apply(esme, data) };
}

/** A pending group of `groups` activates: applied, then the 8F66 naming its activation time attribute. */
export function runGroupActivation(
  groups: Readonly<Record<string, ActivationGroup>>,
  entry: FutureDatedEntry,
  esme: EsmeServices,
  what: string,
): FutureDatedRun {
  const name = String(entry.data.group);
  const g = Object.hasOwn(groups, name) ? groups[name] : undefined;
  if (!g) throw new Error(`${what} future-dated entry of unknown group ${name}`);
  g.apply(esme, entry.data);
  return { ok: true, alert: futureDatedAlert(entry, esme, g.alert[0], g.alert[1]) };
}

/** The activation time `text` as COSEM bytes: a date-time, zero (now) or all-FF (cancel); else the command is malformed. */
export function checkedActivationTime(text: string, attribute: string): Uint8Array {
  const when = parseCosemDateTimeText(text);
  if (!isWildcardDateTime(when) && !isZeroDateTime(when) && parseCosemDateTime(when) === null)
    throw new CommandContentError(`${attribute} not a date-time`);
  return when;
}

/**
 * Each activation (GBCS: the activation time attribute of the object): all-FF
 * cancels the pending one of its key; a time to come future-dates it (8F66
 * when it runs); zero or a time that has come applies it now. Returns, per
 * name, 'applied', 'scheduled <time>', 'cancelled' or 'nothing to cancel'.
 */
export function runActivations(
  call: UseCaseCall,
  esme: EsmeServices,
  activations: readonly PassiveActivation[],
): Record<string, string> {
  const done: Record<string, string> = {};
  const { cmd } = call;
  // every time checked before any takes effect: a malformed command changes nothing
  const times = activations.map((a) => checkedActivationTime(a.when, a.name));
  for (const [k, a] of activations.entries()) {
    const when = times[k]!;
    const at = parseCosemDateTime(when);
    if (isWildcardDateTime(when)) {
      done[a.name] = esme.cancelFutureDated(a.key) ? 'cancelled' : 'nothing to cancel';
    } else if (at !== null && at > esme.now()) {
      esme.scheduleFutureDated({
        useCase: call.row.useCase,
        key: a.key,
        messageCode: cmd.message.messageCode,
        originator: cmd.message.originator,
        counter: cmd.message.originatorCounter.toString(),
        executeAt: at,
        data: { ...a.data, executionTime: toHex(when) },
      });
      done[a.name] = `scheduled ${new Date(at).toISOString()}`;
    } else {
      a.apply();
      done[a.name] = 'applied';
    }
  }
  return done;
}

/** The COSEM objects with an activation time attribute (class 9000 settings and the like). */
type WithActivationTime = {
  [K in keyof typeof COSEM_OBJECTS]: (typeof COSEM_OBJECTS)[K]['attributes'] extends {
    activationTime: unknown;
  }
    ? K
    : never;
}[keyof typeof COSEM_OBJECTS];

/**
 * One activation per setting of `settings` (a passive value and its
 * activation time, ECS08a, ECS28a): keyed `<use case> <OBIS>`, `data` the
 * object and value a future-dated entry keeps, `apply` makes it active.
 */
export function settingActivations<S extends WithActivationTime>(
  useCase: string,
  settings: readonly S[],
  f: Readonly<Record<S, { valuePassive: unknown; activationTime: string }>>,
  apply: (object: S, value: unknown) => void,
): PassiveActivation[] {
  return settings.map((o) => ({
    name: o,
    key: `${useCase} ${COSEM_OBJECTS[o].obis}`,
    when: f[o].activationTime,
    data: { object: o, value: f[o].valuePassive },
    apply: () => apply(o, f[o].valuePassive),
  }));
}

/** A pending setting of settingActivations runs: its value becomes active, 8F66 names the object's activation time. */
export function runSettingActivation<S extends WithActivationTime>(
  entry: FutureDatedEntry,
  esme: EsmeServices,
  apply: (object: S, value: unknown) => void,
): FutureDatedRun {
  const o = entry.data.object as S;
  apply(o, entry.data.value);
  return {
    ok: true,
    alert: futureDatedAlert(entry, esme, o, COSEM_OBJECTS[o].attributes.activationTime[0]),
  };
}
