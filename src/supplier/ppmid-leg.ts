/**
 * The PPMID leg of a local-delivery command (SECMP0038 SU-2, PP-1, PP-2):
 * wrapping the DCC's Command for Local Delivery in a delivery envelope signed
 * with the supplier's delivery key (the codec is src/delivery), and folding
 * the PPMID's status reports into the command. Pure: the service does the
 * publishing and the store.
 */
import type { KeyObject } from 'node:crypto';
import {
  DeliveryError,
  type DeliveryOutcome,
  decodeStatusReport,
  FINAL_OUTCOMES,
  type StatusReport,
  signEnvelope,
  verifyStatusReport,
} from '../delivery/index.ts';
import type { RequestId } from '../duis/index.ts';
import { type Eui, toHex } from '../runtime/bytes.ts';
import type { Route } from './config.ts';
import type { PpmidLeg } from './model.ts';

/** Builds the signed envelope for `gbcs` and the leg record (status `pending-publish`). */
export function buildPpmidLeg(o: {
  supplierEui: Eui;
  ppmid: Eui;
  requestId: RequestId;
  gbcs: Uint8Array;
  envelopeId: string;
  now: number;
  expiresAt: number;
  deliveryKey: KeyObject;
}): { leg: PpmidLeg; envelope: Uint8Array } {
  const envelope = signEnvelope(
    {
      envelopeId: o.envelopeId,
      supplierId: o.supplierEui,
      ppmid: o.ppmid,
      requestId: o.requestId,
      createdAt: o.now,
      expiresAt: o.expiresAt,
      gbcs: o.gbcs,
    },
    o.deliveryKey,
  );
  return {
    envelope,
    leg: {
      ppmid: o.ppmid,
      envelopeId: o.envelopeId.toUpperCase(),
      envelopeHex: toHex(envelope),
      expiresAt: o.expiresAt,
      status: 'pending-publish',
    },
  };
}

export type ReportCheck =
  | { ok: true; report: StatusReport }
  | { ok: false; reason: string; report?: StatusReport };

/**
 * Decodes and authenticates a status report that arrived on
 * `ppmid/v1/<topicEui>/status`: well formed, from that PPMID, signed with the
 * reporting key provisioned for it, about this supplier.
 */
export function checkStatusReport(
  payload: Uint8Array,
  topicEui: Eui,
  reportingKey: KeyObject | undefined,
  supplierEui: Eui,
): ReportCheck {
  let report: StatusReport;
  try {
    report = decodeStatusReport(payload);
  } catch (err) {
    return { ok: false, reason: err instanceof DeliveryError ? `${err.code}: ${err.message}` : String(err) };
  }
  if (report.ppmid !== topicEui)
    return { ok: false, reason: `report names PPMID ${report.ppmid} on the topic of ${topicEui}`, report };
  if (!reportingKey) return { ok: false, reason: `PPMID ${topicEui} is not provisioned here`, report };
  if (!verifyStatusReport(report, reportingKey))
    return { ok: false, reason: 'signature does not verify with the provisioned reporting key', report };
  if (report.supplierId !== null && report.supplierId !== supplierEui)
    return { ok: false, reason: `report is for supplier ${report.supplierId}`, report };
  return { ok: true, report };
}

export interface FoldResult {
  /** False: a redelivery (sequence already folded in); record nothing. */
  fresh: boolean;
  /** The leg's status after the report (final outcomes are never overwritten). */
  status: PpmidLeg['status'];
  /** For a PPMID-only command (CV 2/6): the failure the report means, if any. */
  failure?: string;
}

/**
 * What a report does to a leg. A `rejected` with reason `duplicate` is the
 * PPMID refusing a second copy of an envelope it already took (a re-publish
 * after a restart): it never fails the command.
 */
export function foldStatusReport(leg: PpmidLeg, report: StatusReport, route: Route | undefined): FoldResult {
  if (leg.lastSequence !== undefined && report.sequence <= leg.lastSequence)
    return { fresh: false, status: leg.status };
  const current = leg.status;
  const isFinal = (s: PpmidLeg['status']) => FINAL_OUTCOMES.has(s as DeliveryOutcome);
  const duplicate = report.outcome === 'rejected' && report.reason === 'duplicate';
  const status = isFinal(current) || duplicate ? current : report.outcome;
  const out: FoldResult = { fresh: true, status };
  if (route === 'ppmid' && !duplicate && !isFinal(current)) {
    if (report.outcome === 'rejected' || report.outcome === 'delivery-failed' || report.outcome === 'expired')
      out.failure = `PPMID ${report.outcome}${report.reason ? ` (${report.reason})` : ''}${report.detail ? `: ${report.detail}` : ''}`;
  }
  return out;
}
