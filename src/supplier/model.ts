/**
 * The supplier's records: premises, enhanced PPMIDs, commands and their
 * timelines (SECMP0038 SU-1, SU-2, SU-3), and what a caller may order
 * (`CommandOrder`) with the DUIS body each order becomes. JSON-safe except
 * where noted (bigint Request ID counters go through the store's json.ts).
 */

import type { DeliveryOutcome, PpmidReason } from '../delivery/index.ts';
import type { DeviceType } from '../devices/contracts.ts';
import {
  type CommandVariant,
  type DuisNode,
  el,
  formatRequestId,
  parseRequestId,
  type RequestId,
  readInstantaneousImportRegistersBody,
  returnLocalCommandResponseBody,
  SR_NS,
  serviceRequest,
  supplyBody,
  synchroniseClockBody,
  topUpDeviceBody,
  updateHanDeviceLogBody,
  updatePaymentModeBody,
  updatePricePrimaryElementBody,
} from '../duis/index.ts';
import { type Eui, fromHex, normaliseEui } from '../runtime/bytes.ts';
import { type CommandState, isTerminal } from './command-states.ts';
import type { Route, WanClass } from './config.ts';
import type { CreditReadEvidence } from './credit-evidence.ts';
import { checkedDuisBody, type DuisJson, duisBodyExecutionDateTime, duisBodyFromJson } from './duis-order.ts';
import { SupplierError } from './errors.ts';
import { CH_TIME_SRV, COMMISSION_TOLERANCE_S } from './no-wan.ts';

// ---------------------------------------------------------------- premises and PPMIDs

export interface PremisesDevice {
  eui: Eui;
  type: DeviceType;
}

export interface Premises {
  /** The supplier's id of the premises (e.g. an MPxN or a site name). */
  id: string;
  name?: string;
  /** The Communications Hub (CHF EUI). */
  chf: Eui;
  /** The devices the supplier commands there (meters, and the CHF itself for 8.11). */
  devices: PremisesDevice[];
  /** The enhanced PPMID registered for the premises (SU-3), if any. */
  ppmid?: Eui;
  /** Last time any device response or alert of the premises arrived over the WAN (SU-1). */
  lastWanResponseAt?: number;
  /**
   * The CH's installation outcome as reported to the DCC (DUIS 8.14.1 Install
   * Success with SM WAN, 8.14.2 Install Success No SM WAN) and when the
   * supplier recorded it: SU-1 starts from it (route-planner.ts).
   */
  installation?: { smWan: 'connected' | 'none'; at: number };
  createdAt: number;
  updatedAt: number;
}

/**
 * SU-3 provisioning of an enhanced PPMID:
 * `registered` (credentials issued, trusted here) -> `device-log-pending`
 * (8.11 Add sent to the CHF) -> `relay-enabled` (8.11 answered I0: the CHF
 * Device Log holds the PPMID with its relay flag) | `failed`.
 */
export type PpmidState = 'registered' | 'device-log-pending' | 'relay-enabled' | 'failed' | 'revoked';

export interface PpmidRecord {
  eui: Eui;
  premisesId: string;
  state: PpmidState;
  /** Whether this supplier may route commands through it (C3: set once the 8.11 with the relay flag succeeded). */
  relayEnabled: boolean;
  /** Install code (hex, with CRC) the CHF derives the APS link key from (CH-9). */
  installCode: string;
  /** PEM SPKI of the PPMID's reporting key: status reports must verify with it (PP-2). */
  reportingPublicKeyPem: string;
  reportingKeyId: string;
  /** PEM of the MQTT client certificate issued to it (PP-1), if this supplier issued one. */
  clientCertificatePem?: string;
  /** The delivery key id the PPMID was given to trust. */
  deliveryKeyId: string;
  /** The 8.11 command that sets the Device Log entry. */
  deviceLogCommandId?: string;
  /** Installed in a home without WAN (no-wan.ts): its 8.11 travels through itself. */
  noWan?: boolean;
  /** false while the 8.11 that set the relay flag is `applied-unconfirmed` (no response without WAN). */
  relayConfirmed?: boolean;
  failure?: string;
  createdAt: number;
  updatedAt: number;
}

// ---------------------------------------------------------------- orders

export type SupplyActionName = 'Enable' | 'Disable' | 'Arm';

/** What a caller asks the supplier to do at a device. */
export type CommandOrder =
  /** 2.2 Top Up Device: a UTRN given, or generated from value + class with the supplier's prepayment key. */
  | { kind: 'top-up'; utrn?: string; value?: number; valueClass?: 'pennies' | 'pounds' }
  /** 4.1.1 Read Instantaneous Import Registers. */
  | { kind: 'read-registers'; executionDateTime?: string }
  /** 1.2.1 Update Price (Primary Element), electricity TOU prices. */
  | {
      kind: 'price';
      standingCharge: number;
      standingChargeScale: number;
      priceScale: number;
      touPrices: number[];
      executionDateTime?: string;
    }
  /** 1.6 Update Payment Mode. */
  | {
      kind: 'payment-mode';
      mode: 'Credit' | 'Prepayment';
      suspendDebtDisabled?: boolean;
      suspendDebtEmergency?: boolean;
      disablementThreshold?: number;
      executionDateTime?: string;
    }
  /** 7.1 / 7.2 / 7.3 Enable, Disable, Arm Supply. */
  | { kind: 'supply'; action: SupplyActionName }
  /** 8.11 Update HAN Device Log (target: the CHF), e.g. adding an enhanced PPMID (SU-3). */
  | {
      kind: 'device-log';
      requestType: 'Add' | 'Remove';
      deviceId: Eui;
      installCode?: string;
      joinTimePeriod?: number;
    }
  /** 8.13 Return Local Command Response (non-device, CV 8). */
  | { kind: 'return-local-response'; originalRequestId: string; deviceGbcsResponse: string }
  /** PROVISIONAL Set CH Time for a CH without WAN (no-wan.ts): no DUIS SR, issued by the DCC. */
  | { kind: 'ch-time' }
  /**
   * 8.1.1 Commission Device (ESME: ECS70, GSME: GCS28): the meter takes the CH's time (only when that is
   * Reliable) and the DCC records it commissioned. `currentDateTime` is filled in when the order is taken;
   * `tolerancePeriod` in seconds (default 3600). Through the PPMID only under the no-WAN commissioning
   * policy (no-wan.ts, decision C8).
   */
  | { kind: 'commission-device'; currentDateTime?: string; tolerancePeriod?: number }
  /**
   * Any SRV the DSP answers (duis-order.ts): `body` is JSON mirroring the DUIS body, checked against the
   * SRV table and DUIS Schema V5.4 when the order is taken.
   */
  | { kind: 'duis'; srv: string; body: DuisJson };

export const ORDER_KINDS = [
  'top-up',
  'read-registers',
  'price',
  'payment-mode',
  'supply',
  'device-log',
  'return-local-response',
  'ch-time',
  'commission-device',
  'duis',
] as const;

const SUPPLY_SRV: Record<SupplyActionName, string> = { Enable: '7.1', Disable: '7.2', Arm: '7.3' };

/** The Service Reference Variant an order becomes. */
export function srvOfOrder(o: CommandOrder): string {
  switch (o.kind) {
    case 'top-up':
      return '2.2';
    case 'read-registers':
      return '4.1.1';
    case 'price':
      return '1.2.1';
    case 'payment-mode':
      return '1.6';
    case 'supply':
      return SUPPLY_SRV[o.action];
    case 'device-log':
      return '8.11';
    case 'return-local-response':
      return '8.13';
    case 'ch-time':
      return CH_TIME_SRV;
    case 'commission-device':
      return '8.1.1';
    case 'duis':
      return o.srv;
  }
}

function at(s: string | undefined): Date | undefined {
  if (s === undefined) return undefined;
  const d = new Date(s);
  if (Number.isNaN(d.getTime()))
    throw new SupplierError('SUPPLIER_BAD_REQUEST', `executionDateTime ${JSON.stringify(s)} is not a date`);
  return d;
}

/** Whether the order is future dated (carries an ExecutionDateTime). */
export function isFutureDated(o: CommandOrder): boolean {
  return executionDateTimeOf(o) !== undefined;
}

/** The order's ExecutionDateTime, if future dated. */
export function executionDateTimeOf(o: CommandOrder): string | undefined {
  if (o.kind === 'duis') return duisBodyExecutionDateTime(duisBodyFromJson(o.srv, o.body));
  return 'executionDateTime' in o ? o.executionDateTime : undefined;
}

/** The DUIS Service Request body of an order (CV 1-4 and 8; CV 5-7 carry the Signed Pre-Command instead). */
export function bodyOfOrder(o: CommandOrder): DuisNode {
  try {
    switch (o.kind) {
      case 'top-up':
        if (o.utrn === undefined) throw new SupplierError('SUPPLIER_STATE', 'top-up without a UTRN');
        return topUpDeviceBody({ utrn: o.utrn });
      case 'read-registers':
        return readInstantaneousImportRegistersBody(at(o.executionDateTime));
      case 'price': {
        if (o.touPrices.length < 1 || o.touPrices.length > 48)
          throw new SupplierError('SUPPLIER_BAD_REQUEST', 'touPrices: 1..48 prices');
        // DUIS Schema V5.4: StandingCharge and TOUPrice are PriceType (xs:short), the scales PriceScale (-128..127).
        const inRange = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;
        if (!inRange(o.standingCharge, -32768, 32767) || !o.touPrices.every((p) => inRange(p, -32768, 32767)))
          throw new SupplierError(
            'SUPPLIER_BAD_REQUEST',
            'standingCharge and touPrices: integers -32768..32767',
          );
        if (!inRange(o.standingChargeScale, -128, 127) || !inRange(o.priceScale, -128, 127))
          throw new SupplierError(
            'SUPPLIER_BAD_REQUEST',
            'standingChargeScale and priceScale: integers -128..127',
          );
        const tariff = el(
          'TOUTariff',
          o.touPrices.map((p, i) => el('TOUPrice', String(p), { index: String(i + 1) })),
        );
        return updatePricePrimaryElementBody({
          executionDateTime: at(o.executionDateTime),
          price: {
            fuel: 'electricity',
            standingCharge: o.standingCharge,
            standingChargeScale: o.standingChargeScale,
            priceScale: o.priceScale,
            tariff,
          },
        });
      }
      case 'payment-mode':
        return updatePaymentModeBody({
          executionDateTime: at(o.executionDateTime),
          paymentMode:
            o.mode === 'Credit'
              ? { mode: 'Credit' }
              : {
                  mode: 'Prepayment',
                  suspendDebtDisabled: o.suspendDebtDisabled ?? false,
                  suspendDebtEmergency: o.suspendDebtEmergency ?? false,
                  disablementThreshold: o.disablementThreshold ?? 0,
                },
        });
      case 'supply':
        return supplyBody(o.action);
      case 'device-log':
        return updateHanDeviceLogBody({
          deviceId: normaliseEui(o.deviceId),
          requestType: o.requestType,
          ...(o.requestType === 'Add'
            ? {
                addDeviceToCHFWhitelist: {
                  joinTimePeriod: o.joinTimePeriod ?? 3600,
                  installCode: fromHex(o.installCode ?? ''),
                },
              }
            : {}),
        });
      case 'return-local-response':
        return returnLocalCommandResponseBody({
          originalRequestId: parseRequestId(o.originalRequestId),
          deviceGbcsResponse: fromHex(o.deviceGbcsResponse),
        });
      case 'ch-time':
        throw new SupplierError('SUPPLIER_STATE', 'Set CH Time has no DUIS body (no-wan.ts)');
      case 'duis':
        return checkedDuisBody(o.srv, o.body);
      case 'commission-device': {
        if (o.currentDateTime === undefined)
          throw new SupplierError('SUPPLIER_STATE', 'commission-device without its CurrentDateTime');
        return synchroniseClockBody(
          {
            currentDateTime: at(o.currentDateTime)!,
            tolerancePeriod: o.tolerancePeriod ?? COMMISSION_TOLERANCE_S,
          },
          'CommissionDeviceSynchroniseClock',
        );
      }
    }
  } catch (err) {
    if (err instanceof SupplierError) throw err;
    throw new SupplierError('SUPPLIER_BAD_REQUEST', `order ${o.kind}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Checks a body node is the SR's own element (used for raw bodies in tests). */
export function isBodyOf(srv: string, node: DuisNode): boolean {
  return serviceRequest(srv)?.bodyElement === node.name && node.namespace === SR_NS;
}

// ---------------------------------------------------------------- commands

export {
  COMMAND_STATES,
  type CommandState,
  isTerminal,
  TERMINAL_STATES,
  type TerminalState,
} from './command-states.ts';

/** The PPMID leg of a local-delivery command (CV 2/3/6/7; SU-2). */
export interface PpmidLeg {
  ppmid: Eui;
  envelopeId: string;
  /** The signed envelope, hex (kept until the broker acknowledged it, so a restart re-publishes the same bytes). */
  envelopeHex: string;
  expiresAt: number;
  /** `pending-publish` until the broker's PUBACK; then `published`; then the PPMID's reported outcomes. */
  status: 'pending-publish' | 'published' | DeliveryOutcome;
  reason?: PpmidReason | null;
  /** Highest PPMID report sequence folded in. */
  lastSequence?: number;
  /** When the PPMID reported `forwarded` (its report time) and after how many HAN transfers. */
  forwardedAt?: number;
  attempts?: number;
  /** The PPMID's own HAN read of the target meter's credit after the top-up (credit-evidence.ts). */
  creditRead?: CreditReadEvidence;
}

/** What the supplier knows of an `applied-unconfirmed` command (no device response yet; unconfirmed.ts). */
export interface UnconfirmedEvidence {
  /** the PPMID's signed status report: the CH took the command off the HAN */
  forwarded: { ppmid: Eui; at: number; sequence: number; attempts: number };
  /** the premises' WAN class when the route was chosen (why no response is expected) */
  wanClass: WanClass | null;
  /** forwarded into a premises classified without WAN, or the expiry came after forwarding */
  settled: 'forwarded-without-wan' | 'expired-after-forwarded';
  /** the PPMID's HAN read of the meter's credit after a top-up, when it reported one (credit-evidence.ts) */
  creditRead?: CreditReadEvidence;
}

export interface CommandResponse {
  code: string;
  at: number;
  responseId?: string;
  /** Device GBCS response (hex), when the Response carried one. */
  gbcs?: string;
}

export interface CommandRecord {
  /** The command's id in the API: a per-supplier sequence number, decimal. */
  id: string;
  /**
   * The DUIS RequestID, assigned when the command is dispatched (not when it
   * is queued): the DSP takes a user's counters only in increasing order, so
   * the counter is reserved in the same DUIS lane that sends the request.
   */
  requestId?: RequestId;
  premisesId: string;
  target: Eui;
  srv: string;
  order: CommandOrder;
  state: CommandState;
  /** Reason of `failed` / `expired` (and what answered, for `responded`). */
  reason?: string;
  route?: Route;
  wanClass?: WanClass;
  commandVariants?: CommandVariant[];
  routeReasons?: string[];
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  terminalAt?: number;
  /** When the command becomes `response-overdue` if no device response came (set when it goes in flight). */
  overdueAt?: number;
  /** When the request that put the command on the SM WAN (CV 1/3/5/7) was accepted (SU-1 history). */
  wanSentAt?: number;
  /** When the first device response arrived. */
  answeredAt?: number;
  response?: CommandResponse;
  /** Responses received for the Request ID (a second one is a duplicate: recorded, never a second terminal state). */
  responses: number;
  ppmid?: PpmidLeg;
  /**
   * Write-ahead of a DUIS request (stored before it is sent, cleared when the
   * DSP answered): after a restart the same signed bytes are sent again.
   */
  duisInFlight?: { cv: CommandVariant; xml: string };
  /** The user-signed Pre-Command (hex) of a critical command (CV 5/6/7 input). */
  signedPreCommand?: string;
  /** `applied-unconfirmed`: the evidence the supplier had (kept after a late `responded`). */
  evidence?: UnconfirmedEvidence;
  /** Number of timeline hops (the next hop's seq). */
  hops: number;
}

/** One step of a command's timeline (SU-2). */
export type HopKind =
  | 'created'
  | 'route-chosen'
  | 'queued-behind'
  | 'dispatched'
  | 'request-id'
  | 'duis-sent'
  | 'duis-answer'
  | 'in-flight'
  | 'pre-command-received'
  | 'pre-command-signed'
  | 'local-command-received'
  | 'envelope-published'
  | 'envelope-resent'
  | 'envelope-publish-failed'
  | 'ppmid-status'
  | 'ppmid-status-refused'
  | 'device-response'
  | 'duplicate-response'
  | 'local-response-returned'
  | 'reloaded'
  | 'responded'
  | 'failed'
  | 'expired'
  | 'applied-unconfirmed'
  | 'late-event'
  | 'late-response'
  | 'response-overdue';

export interface Hop {
  seq: number;
  at: number;
  kind: HopKind;
  detail: Record<string, unknown>;
}

export function requestIdText(r: RequestId): string {
  return formatRequestId(r);
}

export function commandView(c: CommandRecord): Record<string, unknown> {
  return {
    id: c.id,
    requestId: c.requestId ? formatRequestId(c.requestId) : null,
    premisesId: c.premisesId,
    target: c.target,
    srv: c.srv,
    // Issue 13: an install code is write-only (it yields the HAN link key, CH-9): never listed.
    order:
      'installCode' in c.order && c.order.installCode ? { ...c.order, installCode: 'write-only' } : c.order,
    state: c.state,
    // Grows with every hop: a client holding two views of one command keeps the larger (SSE vs a slower GET).
    version: c.hops,
    terminal: isTerminal(c.state),
    reason: c.reason ?? null,
    route: c.route ?? null,
    wanClass: c.wanClass ?? null,
    commandVariants: c.commandVariants ?? [],
    routeReasons: c.routeReasons ?? [],
    createdAt: new Date(c.createdAt).toISOString(),
    updatedAt: new Date(c.updatedAt).toISOString(),
    expiresAt: new Date(c.expiresAt).toISOString(),
    terminalAt: c.terminalAt === undefined ? null : new Date(c.terminalAt).toISOString(),
    response: c.response ? { ...c.response, at: new Date(c.response.at).toISOString() } : null,
    responses: c.responses,
    evidence: c.evidence
      ? {
          ...c.evidence,
          forwarded: { ...c.evidence.forwarded, at: new Date(c.evidence.forwarded.at).toISOString() },
          ...(c.evidence.creditRead
            ? {
                creditRead: {
                  ...c.evidence.creditRead,
                  readAt: new Date(c.evidence.creditRead.readAt).toISOString(),
                },
              }
            : {}),
        }
      : null,
    ppmid: c.ppmid
      ? {
          ppmid: c.ppmid.ppmid,
          envelopeId: c.ppmid.envelopeId,
          status: c.ppmid.status,
          reason: c.ppmid.reason ?? null,
          expiresAt: new Date(c.ppmid.expiresAt).toISOString(),
        }
      : null,
  };
}

export function hopView(h: Hop): Record<string, unknown> {
  return { seq: h.seq, at: new Date(h.at).toISOString(), kind: h.kind, detail: h.detail };
}
