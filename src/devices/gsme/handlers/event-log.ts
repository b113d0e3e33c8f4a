/**
 * The ZigBee device logs of the GSME and the GPF (Events cluster 0x0709),
 * GBCS V3.1 use-case tables (CS10a, CS10b, CS11 message templates):
 * - CS10a (DUIS 6.13) Get Event Log of Log ID 3, the device's own General
 *   Event Log, or 6, the GPF's copy of the GSME's (GPF only); CS10b the same
 *   with Log ID 4, the Security Event Log, or 7, the GPF's copy of the
 *   GSME's. Answer: one Publish Event Log in clear (frame control 0x19,
 *   command index 0 of 1, Log Payload Control 0x00, Event Data empty), the
 *   entries logged in [Start Time, End Time] (Event ID 0: every event), or a
 *   Default Response NOT_FOUND when there are none;
 * - CS11 (DUIS 3.3) Clear Event Log Request of Log ID 3: the General Event
 *   Log is emptied, Clear Event Log Response ClearedEventsLogs 0x08; any
 *   other log (GBCS: the Security Log may not be cleared remotely) answers
 *   0x00 and nothing changes.
 * A Log ID the use case does not name, or one the device does not hold, is
 * content the device cannot accept (8F1E, nothing read). Entries are what
 * the device logged (GsmeView.logEvent, a rejected command's alert code in
 * the Security Log), oldest first (PROVISIONAL: ZSE leaves the order to the
 * device; GBCS asks for the entire log from offset 0).
 */
import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import { fromZigbeeTime, zigbeeTime } from '../../meter-common/time.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import { defaultResponse, ZCL } from './gbz.ts';
import type { GsmeView } from './index.ts';

/** One log entry: device time (epoch ms), GBCS event / alert code. */
export interface LogEntry {
  at: number;
  code: number;
}

/** ZSE Log IDs GBCS uses. */
export const LOG_ID = {
  general: 0x03,
  security: 0x04,
  gsmeGeneralCopy: 0x06,
  gsmeSecurityCopy: 0x07,
} as const;
/** ClearedEventsLogs bit of the General Event Log (GBCS V3.1 CS11 template: 0x08). */
const GENERAL_CLEARED = 0x08;
/** Entries a Publish Event Log carries at most (GBCS: 1-100) and a device keeps per log. */
export const LOG_CAPACITY = 100;

/** Appends to a device log, the oldest dropped beyond LOG_CAPACITY. */
export function appendLog(log: LogEntry[], at: number, code: number): void {
  log.push({ at, code });
  if (log.length > LOG_CAPACITY) log.splice(0, log.length - LOG_CAPACITY);
}

/** The Log IDs each read use case may name. */
const LOGS_OF: Record<string, readonly number[]> = {
  CS10a: [LOG_ID.general, LOG_ID.gsmeGeneralCopy],
  CS10b: [LOG_ID.security, LOG_ID.gsmeSecurityCopy],
};

/** The logs a device holds, by Log ID. */
export type DeviceLogs<D> = (d: D) => Partial<Record<number, LogEntry[]>>;

/** CS10a / CS10b: Get Event Log -> Publish Event Log (or NOT_FOUND) from the device's logs. */
export function readEventLog<D extends GsmeView>(logsOf: DeviceLogs<D>) {
  return (call: UseCaseCall<CommandFieldsOf<'CS10a'>>, d: D): HandlerResult => {
    const q = call.fields.getEventLog;
    const logId = q.eventControlLogId & 0x0f;
    const allowed = LOGS_OF[call.row.useCase] ?? [];
    if (!allowed.includes(logId))
      throw new CommandContentError(`${call.row.useCase} reads Log ID ${allowed.join(' or ')}, not ${logId}`);
    const log = logsOf(d)[logId];
    if (!log) throw new CommandContentError(`Log ID ${logId} is not held by this device`);
    if (d.gbzFaults().has('events.getEventLog'))
      return {
        response: { components: [defaultResponse('events', 0x00, ZCL.hardwareFailure)] },
        outcome: 'failed',
      };
    const from = fromZigbeeTime(q.startTime);
    const to = fromZigbeeTime(q.endTime);
    const matching = log.filter(
      (e) => e.at >= from && e.at <= to + 999 && (q.eventId === 0 || e.code === q.eventId),
    );
    const limit = q.numberOfEvents === 0 ? LOG_CAPACITY : Math.min(q.numberOfEvents, LOG_CAPACITY);
    const rows = matching.slice(q.eventOffset, q.eventOffset + limit);
    if (rows.length === 0)
      return {
        response: { components: [defaultResponse('events', 0x00, ZCL.notFound)] },
        outcome: 'read',
        detail: { logId, entries: 0 },
      };
    return {
      response: {
        components: [
          {
            cluster: 'events',
            command: 'publishEventLog',
            fields: {
              totalNumberOfEvents: rows.length,
              commandIndex: 0,
              totalNumberOfCommands: 1,
              logPayloadControl: 0,
              events: rows.map((e) => ({
                logId,
                eventId: e.code,
                eventTime: zigbeeTime(e.at),
                eventData: '',
              })),
            },
          },
        ],
      },
      outcome: 'read',
      detail: { logId, entries: rows.length },
    };
  };
}

/** CS11: Clear Event Log Request -> Clear Event Log Response; only the General Event Log (Log ID 3) is cleared. */
export function clearEventLog<D extends GsmeView>(generalLog: (d: D) => LogEntry[]) {
  return (call: UseCaseCall<CommandFieldsOf<'CS11'>>, d: D): HandlerResult => {
    if (d.gbzFaults().has('events.clearEventLogRequest'))
      return {
        response: { components: [defaultResponse('events', 0x01, ZCL.hardwareFailure)] },
        outcome: 'failed',
      };
    const logId = call.fields.clearEventLog.logId;
    const clear = logId === LOG_ID.general;
    const log = generalLog(d);
    const cleared = clear ? log.length : 0;
    if (clear) log.length = 0;
    return {
      response: {
        components: [
          {
            cluster: 'events',
            command: 'clearEventLogResponse',
            fields: { clearedEventsLogs: clear ? GENERAL_CLEARED : 0x00 },
          },
        ],
      },
      outcome: clear ? 'applied' : 'failed',
      detail: { logId, cleared },
    };
  };
}
