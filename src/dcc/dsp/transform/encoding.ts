/**
 * The small encodings the DSP transform needs beyond the payload codecs of
 * src/gbcs/payload: how a DUIS ExecutionDateTime (immediate, future date or
 * cancellation) and other instants appear in the three GBCS payload formats,
 * and a GBZ (ZigBee SE in GBCS) command builder.
 *
 * Every rule here was read off the RTDS reference Pre-Commands and Commands
 * (fixtures rtds/messages) next to their DUIS templates; the test file pins
 * each one to the RTDS bytes.
 */
import {
  cosemUtcDateTime,
  encodeGbz,
  gbzComponent,
  gbzPayload,
  ZIGBEE_EPOCH_OFFSET,
} from '../../../gbcs/payload/index.ts';
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
    throw new DspBodyInvalidError(`year ${y} does not fit a COSEM date-time`, path);
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
    throw new DspBodyInvalidError(`${d.toISOString()} does not fit a ZigBee UTCTime`, path);
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
    throw new DspBodyInvalidError(`year ${y} does not fit a GeneralizedTime`, path);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(y, 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

/** The cancellation execution time of an ASN.1 command (RTDS CS06 CANCELLATION: `99991231235959Z`). */
export const GENERALIZED_TIME_CANCEL = '99991231235959Z';

// ---------------------------------------------------------------- GBZ

/** One ZCL command of a GBZ payload (GBCS 7.2.10). */
export interface GbzCommand {
  cluster: number;
  /** ZCL frame control: 0x00 profile-wide (e.g. Read Attributes), 0x01 cluster-specific client to server. */
  frameControl: number;
  commandId: number;
  /** Little-endian ZCL payload. */
  payload: Uint8Array;
}

/**
 * A GBZ command payload (encoded by src/gbcs/payload/gbz.ts): one plaintext
 * component per ZCL command, no From Date Time, the ZCL transaction sequence
 * number being the component's index (RTDS GCS01b, GCS16b: 00, 01 ...).
 */
export function gbzCommandPayload(commands: readonly GbzCommand[]): Uint8Array {
  if (commands.length === 0 || commands.length > 255) throw new RangeError('GBZ needs 1..255 components');
  return encodeGbz(
    gbzPayload(
      commands.map((c, i) =>
        gbzComponent(
          c.cluster,
          { frameControl: c.frameControl, sequence: i, commandId: c.commandId },
          c.payload,
        ),
      ),
    ),
  );
}

/** Little-endian ZCL field writer. */
export class ZclWriter {
  private readonly out: number[] = [];
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u24(v: number): this {
    return this.u16(v & 0xffff).u8(v >>> 16);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  i32(v: number): this {
    return this.u32(v >>> 0);
  }
  /** ZCL octet string: one length byte, then the bytes. */
  octets(b: Uint8Array): this {
    if (b.length > 254) throw new RangeError('ZCL octet string over 254 bytes');
    this.u8(b.length);
    for (const x of b) this.u8(x);
    return this;
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}
