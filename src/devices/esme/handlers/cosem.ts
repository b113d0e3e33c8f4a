/**
 * The ESME's COSEM object model, generic over the catalogue rows: a get
 * answers the attribute's value (computed ones from the meter's state,
 * `LIVE`; the tariff from tariff.ts; every other one from the attribute
 * store, attribute-store.ts, copy on write over the RTDS table); a get with range selection answers the
 * profile rows whose first column (capture time, UTC seconds since
 * 2000-01-01) lies in [from, to]; a set writes the store; `reset` methods
 * clear a counter or log. An attribute the meter does not hold, or an
 * object its variant does not have (phases.ts: the per-phase objects exist
 * on a polyphase ESME only), is `object-unavailable`.
 */
import { type DlmsAccess, type DlmsCommandRow, sharedAttributeNames } from '../../../gbcs/use-cases/index.ts';
import type { HandlerResult, UseCaseCall } from '../../meter-common/use-case-registry.ts';
import { clearAttribute, getAttribute, hasAttribute, setAttribute } from '../attribute-store.ts';
import { hasObject } from '../phases.ts';
import { recordedBufferRows } from '../profile-log.ts';
import type { EsmeServices } from '../services.ts';
import type { SupplyState } from '../state.ts';
import { VALUE_LOGS } from '../value-logs.ts';

type Fields = Record<string, Record<string, unknown>>;

/** Disconnect control control_state (Blue Book class 70): 0 disconnected, 1 connected, 2 ready for reconnection. */
export function supplyControlState(s: SupplyState): number {
  return s === 'enabled' ? 1 : s === 'disabled' ? 0 : 2;
}

/** Attributes the meter computes from its state (not stored). */
const LIVE: Readonly<Record<string, (esme: EsmeServices) => unknown>> = {
  'activeEnergyExport.value': (e) => e.state.registers.activeExportWh,
  'reactiveEnergyExport.value': (e) => e.state.registers.reactiveExportVarh,
  'meterBalance.currentCreditAmount': (e) => e.state.meterBalance,
  'supplyState.controlState': (e) => supplyControlState(e.state.supply),
  'firmwareVersion.value': (e) => e.state.firmware.version.toUpperCase(),
  // the maximum meter balance the top-up check uses (ECS26a reads it)
  'maxMeterBalance.valueActive': (e) => e.state.maxMeterBalance,
  // the billing data value logs the meter keeps (ECS20a, ECS20d; value-logs.ts): empty until a row is logged
  'debtPaymentLog.buffer': (e) => getAttribute(e.state, VALUE_LOGS.debtPayment.key) ?? [],
  'prepaymentCreditLog.buffer': (e) => getAttribute(e.state, VALUE_LOGS.prepaymentCredit.key) ?? [],
  // the event log (ECS35a): the codes the meter logged (no other information carried: all zero)
  'eventLog.buffer': (e) =>
    e.state.eventLog.map((r) => ({
      time: Math.floor((r.at - EPOCH_2000) / 1000),
      eventCode: r.code,
      otherInformation: NO_OTHER_INFORMATION,
    })),
  // the active account and prepayment settings (ECS26a, ECS26j: GBCS V3.1 use-case tables) are the values
  // ECS02 / ECS03 and ECS08a activated (their class 9000 / passive objects: prepay-config.ts, account.ts)
  'accountActive.accountModeAndStatus': (e) => ({
    paymentMode: e.state.paymentMode === 'credit' ? 1 : 2,
    accountStatus: ACCOUNT_ACTIVE,
  }),
  'accountActive.lowCreditThreshold': (e) => getAttribute(e.state, 'lowCreditThreshold.valueActive'),
  'accountActive.maxProvision': (e) => getAttribute(e.state, 'debtRecoveryRateCap.valueActive'),
  'accountActive.maxProvisionPeriod': (e) => getAttribute(e.state, 'debtRecoveryRateCapPeriod.valueActive'),
  'emergencyCredit.presetCreditAmount': (e) => getAttribute(e.state, 'emergencyCreditLimit.valueActive'),
  'emergencyCredit.creditAvailableThreshold': (e) =>
    getAttribute(e.state, 'emergencyCreditThreshold.valueActive'),
  'disablementThreshold.thresholds': (e) => [e.state.disablementThreshold],
  'nonDisablementScheduleActive.entries': (e) => getAttribute(e.state, 'nonDisablementSchedule.entries'),
  'nonDisablementSpecialDaysActive.entries': (e) =>
    getAttribute(e.state, 'nonDisablementSpecialDays.entries'),
};

/** GBCS profile time stamps: UTC seconds since 2000-01-01. */
const EPOCH_2000 = Date.UTC(2000, 0, 1);
/** An event log entry's other information when the code carries none (octet-string(8)). */
const NO_OTHER_INFORMATION = '0000000000000000';
/** Blue Book account_status (2): account active (GBCS V3.1 use-case tables, ECS26j). */
const ACCOUNT_ACTIVE = 2;

/** The value of `object.member`, or undefined when the meter does not hold it. */
export function attributeValue(esme: EsmeServices, object: string, member: string): unknown {
  if (!hasObject(esme.state.variant, object)) return undefined;
  const key = `${object}.${member}`;
  const live = LIVE[key];
  if (live) return live(esme);
  const tariff = (esme.state.tariff as unknown as Record<string, Record<string, unknown> | undefined>)[
    object
  ];
  if (tariff && member in tariff) return tariff[member];
  const held = getAttribute(esme.state, key);
  // a profile buffer: the rows held, then the half hours the meter has recorded since (profile-log.ts)
  const recorded = recordedBufferRows(esme.state, key);
  return recorded.length && Array.isArray(held) ? [...held, ...recorded] : held;
}

/** Every access of the command, in row order. */
function accessesOf(call: UseCaseCall): { a: DlmsAccess; value: unknown }[] {
  const fields = call.fields as Fields;
  return (call.row as DlmsCommandRow).accesses
    .filter((a) => fields[a.object]?.[a.member] !== undefined)
    .map((a) => ({ a, value: fields[a.object]![a.member] }));
}

function put(out: Fields, a: DlmsAccess, v: unknown): void {
  out[a.object] ??= {};
  out[a.object]![a.member] = v;
}

interface Range {
  fromValue: number;
  toValue: number;
}

function inRange(rows: unknown, r: Range): unknown {
  if (!Array.isArray(rows)) return rows;
  return rows.filter((row) => {
    const t = Object.values(row as Record<string, unknown>)[0];
    return typeof t === 'number' && t >= r.fromValue && t <= r.toValue;
  });
}

/** Reads (gets and range gets): each answered from the object model. */
export function readAttributes(call: UseCaseCall, esme: EsmeServices): HandlerResult {
  const response: Fields = {};
  for (const { a, value } of accessesOf(call)) {
    let v = attributeValue(esme, a.object, a.member);
    if (a.kind === 'get-range' && v !== undefined) v = inRange(v, value as Range);
    put(
      response,
      a,
      v === undefined ? { result: 'object-unavailable' } : { result: 'success', value: structuredClone(v) },
    );
  }
  return { response, outcome: 'read' };
}

/**
 * Writes (sets): each value stored; reset methods clear the attribute they
 * reset. A write naming an object this ESME does not have (a per-phase
 * object on a single or twin element ESME, phases.ts) is refused whole:
 * object-unavailable for those accesses, other-reason for the rest, nothing
 * written.
 */
export function writeAttributes(call: UseCaseCall, esme: EsmeServices): HandlerResult {
  const response: Fields = {};
  const written: string[] = [];
  const accesses = accessesOf(call);
  const absent = accesses.filter(({ a }) => !hasObject(esme.state.variant, a.object));
  if (absent.length) {
    for (const { a } of accesses)
      put(response, a, { result: absent.some((x) => x.a === a) ? 'object-unavailable' : 'other-reason' });
    return {
      response,
      outcome: 'failed',
      detail: { absent: [...new Set(absent.map(({ a }) => a.object))], variant: esme.state.variant },
    };
  }
  for (const { a, value } of accesses) {
    if (a.kind === 'set') {
      setAttribute(esme.state, `${a.object}.${a.member}`, structuredClone(value));
      // one OBIS, two GBCS versions' names (cosem-objects.ts OBIS_REUSED_ACROSS_VERSIONS): one attribute
      for (const other of sharedAttributeNames(a.object, a.member)) clearAttribute(esme.state, other);
      written.push(`${a.object}.${a.member}`);
    } else if (a.kind === 'action' && a.member === 'reset') {
      resetObject(esme, a.object);
      written.push(`${a.object} reset`);
    } else if (a.kind === 'action') {
      // a script or method this model has no behaviour for: recorded as executed
      setAttribute(esme.state, `${a.object}.${a.member}:last`, structuredClone(value));
      written.push(`${a.object}.${a.member}`);
    }
    put(response, a, { result: 'success' });
  }
  return { response, outcome: 'applied', detail: { written } };
}

/**
 * Blue Book reset: a register to 0, a profile / log buffer emptied; an
 * extended register (class 4: maximum demand, ECS57) also takes the reset
 * time as its capture_time (UTC, deviation and status not specified).
 */
function resetObject(esme: EsmeServices, object: string): void {
  const s = esme.state;
  if (hasAttribute(s, `${object}.buffer`)) setAttribute(s, `${object}.buffer`, []);
  if (typeof getAttribute(s, `${object}.value`) === 'number') setAttribute(s, `${object}.value`, 0);
  if (hasAttribute(s, `${object}.captureTime`))
    setAttribute(s, `${object}.captureTime`, new Date(esme.now()).toISOString().slice(0, 19));
  if (object === 'eventLog') esme.state.eventLog = [];
}
