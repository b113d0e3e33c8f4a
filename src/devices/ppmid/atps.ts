/**
 * The PPMID side of the test automation API (SECMP0038 TE-1, TE-2; assessment
 * 3.1.7): route `ppmid-inbox` puts a supplier-signed envelope into the
 * PPMID's internet inbox, through its PP-2 checks. (Raw bytes through the HAN
 * node, the "compromised PPMID", is the ATPS `ppmid` route and not this.)
 *
 * `makeSignedEnvelope` is also the test helper for envelopes.
 */
import type { KeyObject } from 'node:crypto';
import {
  type DeliveryOutcome,
  ENVELOPE_HEADER_LENGTH,
  type PpmidReason,
  signEnvelope,
  statusReportToJson,
} from '../../delivery/index.ts';
import { formatRequestId, parseRequestId, type RequestId } from '../../duis/request-id.ts';
import { decodeMessage } from '../../gbcs/decode.ts';
import { type Eui, fromHex, normaliseEui, toHex } from '../../runtime/bytes.ts';
import type { SeededRandom } from '../../runtime/random.ts';
import { PpmidError } from './errors.ts';
import type { Ppmid } from './ppmid.ts';

/** The DUIS RequestID a Command for Local Delivery answers: business originator, target, counter (DUIS.md). */
export function requestIdForCommand(gbcs: Uint8Array): RequestId {
  const m = decodeMessage(gbcs);
  return {
    originator: m.otherInfo.supplementaryRemotePartyId ?? m.originator,
    target: m.recipient,
    counter: m.otherInfo.supplementaryRemotePartyCounter ?? m.originatorCounter,
  };
}

export interface MakeEnvelopeOptions {
  gbcs: Uint8Array;
  ppmid: Eui;
  supplierId: Eui;
  /** the supplier's delivery PRIVATE key */
  deliveryKey: KeyObject;
  /** default: derived from the GBCS (`requestIdForCommand`) */
  requestId?: RequestId;
  createdAt: number;
  /** default createdAt + ttlMs */
  expiresAt?: number;
  /** default 1 hour */
  ttlMs?: number;
  /** default: 16 bytes from `random`, or derived from the RequestID when no random is given */
  envelopeId?: string;
  random?: SeededRandom;
}

/** A delivery envelope signed by the supplier's delivery key. */
export function makeSignedEnvelope(o: MakeEnvelopeOptions): Uint8Array {
  let requestId = o.requestId;
  if (!requestId) requestId = requestIdForCommand(o.gbcs);
  const envelopeId =
    o.envelopeId ??
    (o.random
      ? toHex(o.random.bytes(16))
      : `${requestId.target}${requestId.counter.toString(16).toUpperCase().padStart(16, '0')}`);
  // whole milliseconds on the wire (the HAN model's clock runs in fractions)
  const createdAt = Math.floor(o.createdAt);
  return signEnvelope(
    {
      envelopeId,
      supplierId: o.supplierId,
      ppmid: o.ppmid,
      requestId,
      createdAt,
      expiresAt: Math.floor(o.expiresAt ?? createdAt + (o.ttlMs ?? 3600_000)),
      gbcs: o.gbcs,
    },
    o.deliveryKey,
  );
}

/** Ways the ATPS can spoil an envelope to test the PP-2 checks (all after signing, except `wrong-ppmid` and `expired`). */
export const INBOX_TAMPERS = [
  'none',
  'signature',
  'unsigned',
  'unknown-key',
  'wrong-ppmid',
  'expired',
  'gbcs',
] as const;
export type InboxTamper = (typeof INBOX_TAMPERS)[number];

/** The JSON body of the `ppmid-inbox` route. */
export interface PpmidInboxInput {
  /** the GBCS Command for Local Delivery, hex */
  gbcs: string;
  /** DUIS form `90-B3-...:00-DB-...:1000`; default derived from the GBCS */
  requestId?: string;
  /** validity from now, default 1 hour */
  ttlMs?: number;
  envelopeId?: string;
  tamper?: InboxTamper;
}

/** The JSON the route returns (`ppmidDecision` / `ppmidReason` are the fields the inject output adds). */
export interface PpmidInboxOutput {
  ppmidDecision: DeliveryOutcome;
  ppmidReason: PpmidReason | null;
  ppmidDetail: string;
  envelopeId: string;
  requestId: string | null;
  repeated: boolean;
  /** the signed status report published for the decision, hex, and decoded */
  statusReportHex: string;
  statusReport: Record<string, unknown>;
  /** the envelope that went into the inbox, hex */
  envelope: string;
}

/**
 * Builds an envelope from `input` (signed with `supplier.deliveryKey`, then
 * spoiled as `input.tamper` says) and hands it to the PPMID's inbox. Throws
 * `PpmidError` (PPMID_CONFIG) for a body it cannot use (bad hex, bad RequestID);
 * everything about the envelope itself is the PPMID's decision.
 */
export function injectPpmidInbox(
  ppmid: Ppmid,
  input: PpmidInboxInput,
  supplier: { supplierId: Eui; deliveryKey: KeyObject },
  /** default: the PPMID's clock */
  now: number = ppmid.clock.now(),
): PpmidInboxOutput {
  let gbcs: Uint8Array;
  let requestId: RequestId | undefined;
  try {
    gbcs = fromHex(input.gbcs);
    requestId = input.requestId !== undefined ? parseRequestId(input.requestId) : undefined;
  } catch (err) {
    throw new PpmidError('PPMID_CONFIG', `ppmid-inbox body: ${(err as Error).message}`);
  }
  if (gbcs.length === 0) throw new PpmidError('PPMID_CONFIG', 'ppmid-inbox body: empty gbcs');
  if (!requestId) {
    try {
      requestId = requestIdForCommand(gbcs);
    } catch {
      // unreadable GBCS: a placeholder RequestID; the PPMID refuses the message as malformed
      requestId = { originator: normaliseEui(supplier.supplierId), target: ppmid.eui, counter: 0n };
    }
  }
  const tamper = input.tamper ?? 'none';
  const ttl = input.ttlMs ?? 3600_000;
  const bytes = makeSignedEnvelope({
    gbcs,
    ppmid: tamper === 'wrong-ppmid' ? flipLastBit(ppmid.eui) : ppmid.eui,
    supplierId: supplier.supplierId,
    deliveryKey: supplier.deliveryKey,
    requestId,
    createdAt: tamper === 'expired' ? now - 2 * ttl : now,
    expiresAt: tamper === 'expired' ? now - ttl : now + ttl,
    ...(input.envelopeId !== undefined ? { envelopeId: input.envelopeId } : {}),
  });
  const sigAt = bytes.length - 64;
  if (tamper === 'signature') bytes[sigAt + 10] ^= 0x01;
  if (tamper === 'unsigned') bytes.fill(0, sigAt);
  if (tamper === 'unknown-key') bytes[28] ^= 0xff;
  if (tamper === 'gbcs') bytes[ENVELOPE_HEADER_LENGTH] ^= 0x01;
  return deliverAndReport(ppmid, bytes);
}

/**
 * Hands exact envelope bytes to the PPMID's inbox again: what an MQTT QoS 1
 * redelivery or a supplier's retry of the same envelope does (PP-2: the
 * PPMID answers with the envelope's latest outcome and queues nothing).
 * Throws `PpmidError` (PPMID_CONFIG) for hex it cannot read.
 */
export function redeliverPpmidInbox(ppmid: Ppmid, envelopeHex: string): PpmidInboxOutput {
  let bytes: Uint8Array;
  try {
    bytes = fromHex(envelopeHex);
  } catch (err) {
    throw new PpmidError('PPMID_CONFIG', `ppmid-inbox envelope: ${(err as Error).message}`);
  }
  if (bytes.length === 0) throw new PpmidError('PPMID_CONFIG', 'ppmid-inbox envelope: empty');
  return deliverAndReport(ppmid, bytes);
}

function deliverAndReport(ppmid: Ppmid, bytes: Uint8Array): PpmidInboxOutput {
  const d = ppmid.deliverEnvelope(bytes);
  return {
    ppmidDecision: d.outcome,
    ppmidReason: d.reason,
    ppmidDetail: d.detail,
    envelopeId: d.envelopeId,
    requestId: d.requestId ? formatRequestId(d.requestId) : null,
    repeated: d.repeated,
    statusReportHex: toHex(d.report.bytes),
    statusReport: statusReportToJson(d.report),
    envelope: toHex(bytes),
  };
}

function flipLastBit(eui: Eui): Eui {
  const b = fromHex(eui);
  b[7] ^= 0x01;
  return toHex(b);
}
