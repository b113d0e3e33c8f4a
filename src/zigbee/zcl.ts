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
  let fc = h.frameType === 'cluster' ? 1 : 0;
  if (h.manufacturerCode !== undefined) fc |= FC_MANUFACTURER_SPECIFIC;
  if (h.direction === 's2c') fc |= FC_DIRECTION_S2C;
  if (h.disableDefaultResponse) fc |= FC_DISABLE_DEFAULT_RESPONSE;
  const w = new ByteWriter(5).u8(fc);
  if (h.manufacturerCode !== undefined) w.u16le(h.manufacturerCode, 'manufacturerCode');
  return w.u8(h.transactionSequenceNumber, 'transactionSequenceNumber').u8(h.commandId, 'commandId').finish();
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
