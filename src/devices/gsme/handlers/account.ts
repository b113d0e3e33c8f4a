/**
 * GSME payment mode and prices (critical, future-datable), and the runner
 * of their future-dated work:
 * - GCS02 / GCS03 (DUIS 1.6): Change Payment Mode (provider id, issuer
 *   event id, implementation time, proposed payment control configuration,
 *   cut-off value); the mode follows bit 1 (prepayment enabled), which must
 *   fit the use case. Implementation time 0: now; 0xFFFFFFFF: cancel; a
 *   later time: future-dated (8F66 when actioned). Answer: Change Payment
 *   Mode Response with the friendly and emergency credit settings.
 * - GCS01b (DUIS 1.2.1): Publish Tariff Information then Publish Price
 *   Matrix (one matrix command, index 0 of 1), each at its own Start Time:
 *   0 now (or a time that has come), a later UTCTime future-dated with its
 *   own 8F66 (RTDS ALERT_PUBLISH_TARIFF_INFORMATION / _PRICE_MATRIX),
 *   0xFFFFFFFF cancels the pending one (the RTDS cancellation carries
 *   0xFFFFFFFE in the Price Matrix: a cancellation too). Answer: a Default
 *   Response SUCCESS per component.
 */

import { zclCluster } from '../../../gbcs/payload/zcl-se.ts';
import { type CommandFieldsOf, encodeGbzAlert } from '../../../gbcs/use-cases/index.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import { fromZigbeeTime, zigbeeTime } from '../../meter-common/time.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import type { GsmePriceMatrix, GsmeState, GsmeTariffInformation, PaymentMode } from '../gsme.ts';
import type { GsmeServices } from '../services.ts';
import { SNAPSHOT_CAUSE, takeSnapshot } from '../snapshots.ts';
import { defaultResponse, faultedCommand, ZCL } from './gbz.ts';

/** GBCS event: Billing Data Log updated (a payment mode or price change is a billing event). */
const EVENT_BILLING_CHANGE = 0x8f0a;
/** Message Code of the GBZ Future Dated Execution of Instruction Alert. */
const MC_FUTURE_DATED_GBZ = 0x00cd;
const CANCEL = 0xffffffff;

/** A ZCL Publish Tariff Information command (GCS01a, GCS01b) as the GSME holds it. */
export function tariffInformationOf(
  ti: CommandFieldsOf<'GCS01b'>['tariffInformation'],
): GsmeTariffInformation {
  return {
    issuerEventId: ti.issuerEventId,
    issuerTariffId: ti.issuerTariffId,
    tariffTypeChargingScheme: ti.tariffTypeChargingScheme,
    label: ti.tariffLabel,
    numberOfPriceTiersInUse: ti.numberOfPriceTiersInUse,
    numberOfBlockThresholdsInUse: ti.numberOfBlockThresholdsInUse,
    unitOfMeasure: ti.unitOfMeasure,
    currency: ti.currency,
    priceTrailingDigit: ti.priceTrailingDigit,
    standingCharge: ti.standingCharge,
    tierBlockMode: ti.tierBlockMode,
    blockThresholdMultiplier: ti.blockThresholdMultiplier,
    blockThresholdDivisor: ti.blockThresholdDivisor,
  };
}

/** A future-dated Start Time: null now (0, or a time that has come), else the device time to run at. */
function startAt(zigbee: number, g: GsmeServices): number | null {
  const at = zigbee === 0 ? null : fromZigbeeTime(zigbee);
  return at !== null && at > g.now() ? at : null;
}

function entryOf(call: UseCaseCall<unknown>, at: number, data: Record<string, unknown>, key?: string) {
  const m = call.cmd.message;
  return {
    useCase: call.row.useCase,
    ...(key ? { key } : {}),
    messageCode: m.messageCode,
    originator: m.originator,
    counter: m.originatorCounter.toString(),
    executeAt: at,
    data,
  } satisfies FutureDatedEntry;
}

// ------------------------------------------------------------------ payment mode

export function paymentMode(call: UseCaseCall<CommandFieldsOf<'GCS03'>>, g: GsmeServices): HandlerResult {
  const faulted = faultedCommand(
    [{ cluster: 'prepayment', command: 'changePaymentMode', commandId: 0x06 }],
    g.gbzFaults(),
  );
  if (faulted) return faulted;
  const useCase = call.row.useCase as 'GCS02' | 'GCS03';
  const mode: PaymentMode = useCase === 'GCS03' ? 'prepayment' : 'credit';
  const f = call.fields.changePaymentMode;
  const config = f.proposedPaymentControlConfiguration;
  if (((config & 0x02) !== 0) !== (mode === 'prepayment'))
    throw new CommandContentError(
      `payment control configuration 0x${config.toString(16)} does not fit ${useCase}`,
    );
  const ec = g.state.emergencyCredit;
  const response = {
    components: [
      {
        cluster: 'prepayment',
        command: 'changePaymentModeResponse',
        fields: {
          friendlyCredit: g.state.friendlyCredit.enabled ? 1 : 0,
          friendlyCreditCalendarId: g.state.friendlyCredit.calendarId,
          emergencyCreditLimit: ec.limit,
          emergencyCreditThreshold: ec.threshold,
        },
      },
    ],
  };
  if (f.implementationDateTime === CANCEL)
    return { response, outcome: 'cancelled', detail: { cancelled: g.cancelFutureDated(useCase) } };
  const at = startAt(f.implementationDateTime, g);
  if (at !== null) {
    g.scheduleFutureDated(
      entryOf(call, at, { mode, config, cluster: 0x0705, commandId: 0x06, frameControl: 0x01 }),
    );
    return { response, outcome: 'scheduled', detail: { executeAt: new Date(at).toISOString() } };
  }
  applyPaymentMode(g, mode, config);
  return { response, outcome: 'applied', detail: { paymentMode: mode } };
}

function applyPaymentMode(g: GsmeServices, mode: PaymentMode, config: number): void {
  // the billing data log keeps the registers as they stood at the change (snapshots.ts)
  if (g.state.paymentMode !== mode) takeSnapshot(g.state, g.now(), SNAPSHOT_CAUSE.changeOfMode);
  g.state.paymentMode = mode;
  g.state.paymentControlConfiguration = config;
  g.logEvent(EVENT_BILLING_CHANGE);
}

// ------------------------------------------------------------------ prices

const PRICE_PARTS = [
  { cluster: 'price', command: 'publishTariffInformation', commandId: 0x04 },
  { cluster: 'price', command: 'publishPriceMatrix', commandId: 0x05 },
] as const;

export function setPrices(call: UseCaseCall<CommandFieldsOf<'GCS01b'>>, g: GsmeServices): HandlerResult {
  const faulted = faultedCommand(PRICE_PARTS, g.gbzFaults());
  if (faulted) return faulted;
  const ti = call.fields.tariffInformation;
  const pm = call.fields.priceMatrix;
  if (pm.commandIndex !== 0 || pm.totalNumberOfCommands !== 1)
    throw new CommandContentError(
      `Price Matrix command ${pm.commandIndex} of ${pm.totalNumberOfCommands}: one command only`,
    );
  if (pm.subPayloadControl > 1) throw new CommandContentError(`Sub-Payload Control ${pm.subPayloadControl}`);
  const info = tariffInformationOf(ti);
  const matrix: GsmePriceMatrix = {
    issuerEventId: pm.issuerEventId,
    issuerTariffId: pm.issuerTariffId,
    subPayloadControl: pm.subPayloadControl,
    entries: pm.entries.map((e) => ({ tierBlockId: e.tierBlockId, price: e.price })),
  };
  const frameControls = (
    (call.header as { components?: Array<{ frameControl?: number }> }).components ?? []
  ).map((c) => c.frameControl ?? 0x09);
  const plans = [
    { name: 'tariffInformation', start: ti.startTime, cancel: [CANCEL], value: info },
    { name: 'priceMatrix', start: pm.startTime, cancel: [CANCEL, 0xfffffffe], value: matrix },
  ] as const;
  // every check is done: from here on state changes
  const done: Record<string, string> = {};
  plans.forEach((x, i) => {
    const commandId = PRICE_PARTS[i]!.commandId;
    const key = `Price 0x0${commandId}`;
    if ((x.cancel as readonly number[]).includes(x.start)) {
      done[x.name] = g.cancelFutureDated(key) ? 'cancelled' : 'nothing to cancel';
      return;
    }
    const at = startAt(x.start, g);
    if (at !== null) {
      g.scheduleFutureDated(
        entryOf(
          call,
          at,
          {
            price: x.name,
            value: x.value,
            cluster: 0x0700,
            frameControl: frameControls[i] ?? 0x09,
            commandId,
          },
          key,
        ),
      );
      done[x.name] = `scheduled ${new Date(at).toISOString()}`;
    } else {
      applyPrice(g, x.name, x.value);
      done[x.name] = 'applied';
    }
  });
  const states = Object.values(done);
  return {
    response: { components: PRICE_PARTS.map((p) => defaultResponse(p.cluster, p.commandId, ZCL.success)) },
    outcome: states.includes('applied')
      ? 'applied'
      : states.some((s) => s.startsWith('scheduled'))
        ? 'scheduled'
        : 'cancelled',
    detail: done,
  };
}

function applyPrice(
  g: GsmeServices,
  name: 'tariffInformation' | 'priceMatrix',
  value: GsmeTariffInformation | GsmePriceMatrix,
): void {
  const price: GsmeState['price'] = g.state.price;
  if (name === 'tariffInformation') takeSnapshot(g.state, g.now(), SNAPSHOT_CAUSE.changeOfTariff);
  if (name === 'tariffInformation') price.tariffInformation = structuredClone(value as GsmeTariffInformation);
  else price.priceMatrix = structuredClone(value as GsmePriceMatrix);
  g.logEvent(EVENT_BILLING_CHANGE);
}

// ------------------------------------------------------------------ future-dated

/**
 * Runs a future-dated GCS01b / GCS02 / GCS03 entry and returns its 8F66
 * alert (RTDS 1.6_GCS03, 1.2.1_GCS01b: the alert names the Message Code,
 * counter, cluster, frame control and command it ran).
 */
export function runFutureDated(
  entry: FutureDatedEntry,
  g: GsmeServices,
): { ok: boolean; alert: { payload: Uint8Array; messageCode: number } } {
  if (entry.useCase === 'GCS01b')
    applyPrice(
      g,
      entry.data.price as 'tariffInformation' | 'priceMatrix',
      entry.data.value as GsmeTariffInformation | GsmePriceMatrix,
    );
  else if (entry.useCase === 'GCS02' || entry.useCase === 'GCS03')
    applyPaymentMode(g, entry.data.mode as PaymentMode, entry.data.config as number);
  else throw new Error(`no runner for future-dated ${entry.useCase}`);
  return { ok: true, alert: futureDatedAlert(entry) };
}

/** The 8F66 alert of a future-dated GSME entry that ran (its data names the cluster, frame control and command). */
export function futureDatedAlert(entry: FutureDatedEntry): { payload: Uint8Array; messageCode: number } {
  const cluster = (entry.data.cluster as number | undefined) ?? 0x0705;
  const payload = encodeGbzAlert({
    alertCode: 0x8f66,
    alertTime: zigbeeTime(entry.executeAt),
    detail: {
      kind: 'future-dated-response',
      messageCode: entry.messageCode,
      originatorCounter: BigInt(entry.counter),
      cluster: zclCluster(cluster)?.name ?? 'prepayment',
      frameControl: entry.data.frameControl as number,
      commandId: entry.data.commandId as number,
    },
  });
  return { payload, messageCode: MC_FUTURE_DATED_GBZ };
}
