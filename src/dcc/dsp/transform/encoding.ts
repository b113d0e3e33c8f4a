/**
 * The small encodings the DSP transform needs beyond the payload codecs of
 * src/gbcs/payload: how a DUIS ExecutionDateTime (immediate, future date or
 * cancellation) and other instants appear in the three GBCS payload formats.
 * The payloads themselves are built from named fields by the use-case
 * catalogue (src/gbcs/use-cases).
 *
 * Every rule here was read off the RTDS reference Pre-Commands and Commands
 * (fixtures rtds/messages) next to their DUIS templates; the test file pins
 * each one to the RTDS bytes.
 */
import { cosemUtcDateTime, ZIGBEE_EPOCH_OFFSET } from '../../../gbcs/payload/index.ts';
import { DspBodyInvalidError } from './errors.ts';

/** DUIS: a future-dated SR with this ExecutionDateTime cancels the pending future-dated command. */
export const DUIS_CANCELLATION_DATE_TIME = Date.UTC(3000, 11, 31, 0, 0, 0);

/** When a command takes effect on the device. */
export type Execution = { kind: 'immediate' } | { kind: 'at'; at: Date } | { kind: 'cancel' };

export const IMMEDIATE: Execution = Object.freeze({ kind: 'immediate' });

/** DUIS ExecutionDateTime -> Execution (absent = immediate, 3000-12-31T00:00:00Z = cancel). */
export function executionOf(executionDateTime: Date | undefined): Execution {
  if (executionDateTime === undefined) return IMMEDIATE;
  if (executionDateTime.getTime() === DUIS_CANCELLATION_DATE_TIME) return { kind: 'cancel' };
  return { kind: 'at', at: executionDateTime };
}

// ---------------------------------------------------------------- COSEM (DLMS) date-time

/**
 * A 12-byte COSEM date-time (Blue Book 4.1.6.1) in the form GBCS commands
 * carry it: UTC fields, day of week not specified (FF), deviation not
 * specified (0x8000), clock status not specified (FF). RTDS ECS70 validity
 * interval and ECS02/ECS03 activation times: `07DE0C1FFF173B0A008000FF`.
 */
export function cosemCommandDateTime(d: Date, path = 'date-time'): Uint8Array {
  const y = d.getUTCFullYear();
  if (Number.isNaN(y) || y < 0 || y > 0xfffe)
    throw new DspBodyInvalidError(
      `year ${y} does not fit a COSEM date-time`,
      path,
      undefined,
      'not-encodable',
    );
  return cosemUtcDateTime(d, { hundredths: true });
}

/**
 * The execution (activation) date-time of a future-datable ESME command:
 * immediate is all date and time fields zero, cancellation all of them
 * not-specified (FF), in both cases deviation 0x8000 and status FF (RTDS
 * ECS02/ECS03 IMMEDIATE, FUTURE_DATED and CANCELLATION Pre-Commands).
 */
export function cosemExecutionDateTime(e: Execution, path = 'ExecutionDateTime'): Uint8Array {
  switch (e.kind) {
    case 'immediate':
      return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0xff]);
    case 'cancel':
      return Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0xff]);
    case 'at':
      return cosemCommandDateTime(e.at, path);
  }
}

// ---------------------------------------------------------------- ZigBee UTC time (GBZ)

/** Seconds since 2000-01-01T00:00:00Z as a ZCL UTCTime (uint32); 0 and 0xFFFFFFFF are reserved for "now" and "cancel". */
export function zigbeeUtcTime(d: Date, path = 'date-time'): number {
  const s = Math.floor(d.getTime() / 1000) - ZIGBEE_EPOCH_OFFSET;
  if (!Number.isFinite(s) || s <= 0 || s >= 0xffffffff) {
    throw new DspBodyInvalidError(
      `${d.toISOString()} does not fit a ZigBee UTCTime`,
      path,
      undefined,
      'not-encodable',
    );
  }
  return s;
}

/**
 * The Implementation Date/Time of a future-datable GBZ command: 0 immediate,
 * 0xFFFFFFFF cancellation, else the UTCTime (RTDS GCS02/GCS03 Pre-Commands).
 */
export function zigbeeExecutionTime(e: Execution, path = 'ExecutionDateTime'): number {
  switch (e.kind) {
    case 'immediate':
      return 0;
    case 'cancel':
      return 0xffffffff;
    case 'at':
      return zigbeeUtcTime(e.at, path);
  }
}

// ---------------------------------------------------------------- ASN.1 GeneralizedTime

/** `YYYYMMDDHHMMSSZ` (seconds precision, UTC), as in the RTDS GCS28 and CS06 payloads. */
export function generalizedTime(d: Date, path = 'date-time'): string {
  const y = d.getUTCFullYear();
  if (Number.isNaN(y) || y < 0 || y > 9999)
    throw new DspBodyInvalidError(
      `year ${y} does not fit a GeneralizedTime`,
      path,
      undefined,
      'not-encodable',
    );
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(y, 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

/** The cancellation execution time of an ASN.1 command (RTDS CS06 CANCELLATION: `99991231235959Z`). */
export const GENERALIZED_TIME_CANCEL = '99991231235959Z';
