/**
 * ZCL frame header (ZCL 2.4.1, HAN.md "ZCL frame header"):
 * frame control (bits 0-1 frame type, bit 2 manufacturer specific, bit 3
 * direction, bit 4 disable default response, bits 5-7 reserved), an optional
 * manufacturer code (u16 LE, only when bit 2 is set), the transaction
 * sequence number and the command id.
 */
import { ZigbeeMalformedError } from './errors.ts';
import { ByteWriter, readU8, readU16le } from './wire.ts';

/** Profile-wide (global) commands, or commands specific to the addressed cluster. */
export type ZclFrameType = 'global' | 'cluster';
/** `c2s`: client to server (direction bit 0); `s2c`: server to client (bit 1). */
export type ZclDirection = 'c2s' | 's2c';

export interface ZclHeader {
  frameType: ZclFrameType;
  /** Present iff the frame is manufacturer specific (frame control bit 2). */
  manufacturerCode?: number;
  direction: ZclDirection;
  disableDefaultResponse: boolean;
  transactionSequenceNumber: number;
  commandId: number;
}

/** Smart Energy profile id; GBCS HAN traffic uses it (HAN.md). */
export const ZIGBEE_PROFILE_SMART_ENERGY = 0x0109;

const FC_FRAME_TYPE_MASK = 0x03;
const FC_MANUFACTURER_SPECIFIC = 0x04;
const FC_DIRECTION_S2C = 0x08;
const FC_DISABLE_DEFAULT_RESPONSE = 0x10;
const FC_RESERVED = 0xe0;

export function encodeZclHeader(h: ZclHeader): Uint8Array {
  return writeZclHeader(h, new ByteWriter(5)).finish();
}

/** Writes a ZCL header to `w` (what `encodeZclHeader` encodes; a frame's codec writes its payload after it). */
export function writeZclHeader(h: ZclHeader, w: ByteWriter): ByteWriter {
  let fc = h.frameType === 'cluster' ? 1 : 0;
  if (h.manufacturerCode !== undefined) fc |= FC_MANUFACTURER_SPECIFIC;
  if (h.direction === 's2c') fc |= FC_DIRECTION_S2C;
  if (h.disableDefaultResponse) fc |= FC_DISABLE_DEFAULT_RESPONSE;
  w.u8(fc);
  if (h.manufacturerCode !== undefined) w.u16le(h.manufacturerCode, 'manufacturerCode');
  return w.u8(h.transactionSequenceNumber, 'transactionSequenceNumber').u8(h.commandId, 'commandId');
}

/**
 * Decodes a ZCL header at `offset`. Strict: frame types 2-3 and the reserved
 * frame-control bits 5-7 are rejected as malformed (a CHF has no reason to
 * accept frames it cannot interpret).
 */
export function decodeZclHeader(data: Uint8Array, offset = 0): { value: ZclHeader; offset: number } {
  const start = offset;
  const fc = readU8(data, offset++, 'ZCL frame control');
  const type = fc & FC_FRAME_TYPE_MASK;
  if (type > 1) throw new ZigbeeMalformedError(`ZCL frame type ${type} is reserved`, start);
  if (fc & FC_RESERVED)
    throw new ZigbeeMalformedError(
      `ZCL frame control 0x${fc.toString(16).padStart(2, '0')} sets reserved bits`,
      start,
    );
  let manufacturerCode: number | undefined;
  if (fc & FC_MANUFACTURER_SPECIFIC) {
    manufacturerCode = readU16le(data, offset, 'ZCL manufacturer code');
    offset += 2;
  }
  const transactionSequenceNumber = readU8(data, offset++, 'ZCL transaction sequence number');
  const commandId = readU8(data, offset++, 'ZCL command id');
  const value: ZclHeader = {
    frameType: type === 1 ? 'cluster' : 'global',
    direction: fc & FC_DIRECTION_S2C ? 's2c' : 'c2s',
    disableDefaultResponse: (fc & FC_DISABLE_DEFAULT_RESPONSE) !== 0,
    transactionSequenceNumber,
    commandId,
  };
  if (manufacturerCode !== undefined) value.manufacturerCode = manufacturerCode;
  return { value, offset };
}

// ---------------------------------------------------------------- Default Response (ZCL 2.5.12)

/** ZCL global command 0x0B: Default Response. */
export const ZCL_DEFAULT_RESPONSE_COMMAND_ID = 0x0b;
/** ZCL status SUCCESS (ZCL 2.6.3). */
export const ZCL_STATUS_SUCCESS = 0x00;

/**
 * A Default Response (ZCL 2.5.12): sent for a unicast command whose Disable
 * Default Response bit is 0 when no other command answers it (status
 * SUCCESS), or for an error. Same transaction sequence number as the
 * command it answers, the opposite direction.
 */
export interface ZclDefaultResponse {
  direction: ZclDirection;
  transactionSequenceNumber: number;
  /** the command id it answers */
  commandId: number;
  status: number;
}

export function encodeDefaultResponse(r: ZclDefaultResponse): Uint8Array {
  const h = encodeZclHeader({
    frameType: 'global',
    direction: r.direction,
    disableDefaultResponse: true,
    transactionSequenceNumber: r.transactionSequenceNumber,
    commandId: ZCL_DEFAULT_RESPONSE_COMMAND_ID,
  });
  const out = new Uint8Array(h.length + 2);
  out.set(h);
  out[h.length] = r.commandId & 0xff;
  out[h.length + 1] = r.status & 0xff;
  return out;
}

/** Decodes a whole Default Response frame; throws ZigbeeMalformedError for anything else. */
export function decodeDefaultResponse(data: Uint8Array, offset = 0): ZclDefaultResponse {
  const h = decodeZclHeader(data, offset);
  if (h.value.frameType !== 'global' || h.value.commandId !== ZCL_DEFAULT_RESPONSE_COMMAND_ID)
    throw new ZigbeeMalformedError('not a ZCL Default Response', offset);
  if (data.length - h.offset !== 2)
    throw new ZigbeeMalformedError(
      `Default Response payload is 2 bytes, got ${data.length - h.offset}`,
      h.offset,
    );
  return {
    direction: h.value.direction,
    transactionSequenceNumber: h.value.transactionSequenceNumber,
    commandId: readU8(data, h.offset, 'command id'),
    status: readU8(data, h.offset + 1, 'status'),
  };
}

/** Whether `data` starts with a ZCL header of a global Default Response (without decoding the rest). */
export function isDefaultResponseFrame(data: Uint8Array): boolean {
  if (data.length < 3) return false;
  const fc = data[0];
  if ((fc & FC_FRAME_TYPE_MASK) !== 0) return false;
  const idAt = fc & FC_MANUFACTURER_SPECIFIC ? 4 : 2;
  return data[idAt] === ZCL_DEFAULT_RESPONSE_COMMAND_ID;
}
