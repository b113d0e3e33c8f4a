/**
 * ZCL On/Off cluster (0x0006, ZCL 3.8) commands Off (0x00) and On (0x01):
 * cluster-specific, client to server, no payload; answered with a Default
 * Response (zcl.ts). What the ESME sends its HAN Connected Auxiliary Load
 * Control Switch to drive the switch (docs/devices.md "HCALCS in a home":
 * PROVISIONAL, GBCS's own ESME-to-HCALCS mechanism was not available here).
 */
import { ZigbeeMalformedError, ZigbeeUnsupportedError } from './errors.ts';
import { decodeZclHeader, encodeZclHeader } from './zcl.ts';

export const ON_OFF_CLUSTER_ID = 0x0006;
export const ZCL_ON_OFF_OFF = 0x00;
export const ZCL_ON_OFF_ON = 0x01;

export interface OnOffCommand {
  transactionSequenceNumber: number;
  on: boolean;
}

/** The frame of an On or Off command (Default Response wanted). */
export function encodeOnOffCommand(c: OnOffCommand): Uint8Array {
  return encodeZclHeader({
    frameType: 'cluster',
    direction: 'c2s',
    disableDefaultResponse: false,
    transactionSequenceNumber: c.transactionSequenceNumber,
    commandId: c.on ? ZCL_ON_OFF_ON : ZCL_ON_OFF_OFF,
  });
}

/**
 * Decodes a whole On or Off command frame. Throws ZigbeeMalformedError for a
 * frame that is not a client-to-server cluster command or carries a payload,
 * ZigbeeUnsupportedError for another On/Off command (Toggle, the effects).
 */
export function decodeOnOffCommand(data: Uint8Array): OnOffCommand {
  const h = decodeZclHeader(data);
  if (h.value.frameType !== 'cluster' || h.value.direction !== 'c2s')
    throw new ZigbeeMalformedError('not a client-to-server On/Off cluster command', 0);
  if (h.value.manufacturerCode !== undefined)
    throw new ZigbeeUnsupportedError('manufacturer-specific On/Off command', 0);
  if (h.value.commandId !== ZCL_ON_OFF_ON && h.value.commandId !== ZCL_ON_OFF_OFF)
    throw new ZigbeeUnsupportedError(`On/Off command 0x${h.value.commandId.toString(16)}`, h.offset - 1);
  if (data.length !== h.offset)
    throw new ZigbeeMalformedError(
      `On/Off command has no payload, got ${data.length - h.offset} bytes`,
      h.offset,
    );
  return {
    transactionSequenceNumber: h.value.transactionSequenceNumber,
    on: h.value.commandId === ZCL_ON_OFF_ON,
  };
}
