/**
 * The DUIS documents of a DSP schedule's runs (scheduler.ts), pure:
 *  - the device Service Request a run sends (CV 1, originated by the
 *    schedule's user, target the scheduled device), which goes through the
 *    DSP's ordinary device path;
 *  - the response body the user receives for a run: ResponseMessage with
 *    DSPScheduledMessage (GBCSPayload, DSPScheduleID), the XSD's format for
 *    DSP-scheduled responses;
 *  - the DCC alert for a run that could not be sent: DCCAlertMessage with
 *    CommandFailure (CommandRequestID, DSPScheduleID, DeviceID).
 *
 * Originator Counter of a run (PROVISIONAL: DUIS/GBCS wording not recorded
 * here): the user's counter space, max(last accepted + 1, the DSP's time in
 * ms), accepted like a user's request, so the device sees the user's counter
 * rise and the user's next (time-based) RequestID stays above it.
 */
import {
  type DuisNode,
  type DuisRequest,
  el,
  type ResponseMessagePayload,
  serviceRequest,
} from '../../duis/index.ts';
import { type Eui, euiToDuis } from '../../runtime/bytes.ts';
import { runBody, type ScheduleSpec } from './schedules.ts';

/**
 * DCCAlertCode of the DSP's own schedule alerts, by DCCAlert choice
 * (PROVISIONAL: DUIS assigns a code per DCC alert; its table is not recorded
 * in this project, so both take the XSD's catch-all N999).
 */
export const SCHEDULE_ALERT_CODES = { CommandFailure: 'N999', DSPScheduleRemoval: 'N999' } as const;

/** The counter of a run: above the user's last one and at least the DSP's time in ms. */
export function runCounter(last: bigint | undefined, now: number): bigint {
  const t = BigInt(Math.floor(now));
  return last !== undefined && last >= t ? last + 1n : t;
}

/** The device SR a run sends. */
export function scheduledRunRequest(user: Eui, spec: ScheduleSpec, counter: bigint, at: number): DuisRequest {
  const definition = serviceRequest(spec.srv);
  if (!definition) throw new Error(`no DUIS definition of SRV ${spec.srv}`);
  return {
    schemaVersion: '5.4',
    header: {
      requestId: { originator: user, target: spec.device, counter },
      commandVariant: 1,
      serviceReference: definition.serviceReference,
      serviceReferenceVariant: spec.srv,
    },
    body: runBody(spec, at),
    definition,
    hasSignature: false,
  };
}

/** The ResponseMessage payload of a run's device response. */
export function scheduledMessage(gbcs: Uint8Array, scheduleId: number): ResponseMessagePayload {
  return {
    type: 'Other',
    node: el('DSPScheduledMessage', [
      el('GBCSPayload', Buffer.from(gbcs).toString('base64')),
      el('DSPScheduleID', String(scheduleId)),
    ]),
  };
}

/** The DCCAlert child for a run that was not sent. */
export function commandFailureAlert(requestId: string, scheduleId: number, device: Eui): DuisNode {
  return el('CommandFailure', [
    el('CommandRequestID', requestId),
    el('DSPScheduleID', String(scheduleId)),
    el('DeviceID', euiToDuis(device)),
  ]);
}

/** The DCCAlert child for a schedule the DSP removed itself (XSD DSPScheduleRemoval: DeviceID, DSPScheduleID). */
export function scheduleRemovalAlert(scheduleId: number, device: Eui): DuisNode {
  return el('DSPScheduleRemoval', [
    el('DeviceID', euiToDuis(device)),
    el('DSPScheduleID', String(scheduleId)),
  ]);
}
