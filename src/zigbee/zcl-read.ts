/**
 * ZCL Read Attributes (global command 0x00) and Read Attributes Response
 * (0x01), ZCL 2.5.1 / 2.5.2: what a ZigBee SE client (the PPMID) sends to
 * read a server's attributes (the ESME's Prepayment cluster) over the HAN.
 *
 * Request payload: attribute ids, u16 LE each. Response payload: one record
 * per attribute asked, in order: attribute id (u16 LE), status (u8) and, when
 * the status is SUCCESS, the data type (u8) and the value (little-endian,
 * width by type). Only the data types the SE reads here use are decoded;
 * another is `ZigbeeUnsupportedError` (its width is unknown, so the rest of
 * the frame cannot be read).
 */
import { ZigbeeMalformedError, ZigbeeUnsupportedError } from './errors.ts';
import { ByteWriter, need, readU8, readU16le } from './wire.ts';
import { decodeZclHeader, encodeZclHeader, ZCL_STATUS_SUCCESS, type ZclDirection } from './zcl.ts';

export const ZCL_READ_ATTRIBUTES = 0x00;
export const ZCL_READ_ATTRIBUTES_RESPONSE = 0x01;
/** ZCL status UNSUPPORTED_ATTRIBUTE (ZCL 2.6.3). */
export const ZCL_STATUS_UNSUPPORTED_ATTRIBUTE = 0x86;

/** ZCL data types (ZCL 2.6.2) decoded here, with their width in bytes. */
export const ZCL_TYPE = {
  bitmap8: 0x18,
  uint8: 0x20,
  uint16: 0x21,
  uint32: 0x23,
  uint48: 0x25,
  int32: 0x2b,
  utcTime: 0xe2,
} as const;
export type ZclTypeName = keyof typeof ZCL_TYPE;
const WIDTH: Record<number, number> = { 24: 1, 32: 1, 33: 2, 35: 4, 37: 6, 43: 4, 226: 4 };
const SIGNED = new Set<number>([0x2b]);

export interface ZclReadRequest {
  transactionSequenceNumber: number;
  attributeIds: number[];
}

export type ZclAttributeRecord =
  | { attributeId: number; status: typeof ZCL_STATUS_SUCCESS; dataType: number; value: number }
  | { attributeId: number; status: number };

export interface ZclReadResponse {
  transactionSequenceNumber: number;
  records: ZclAttributeRecord[];
}

/** Read Attributes, client to server; the response answers it, so no Default Response is asked. */
export function encodeReadAttributes(r: ZclReadRequest): Uint8Array {
  if (r.attributeIds.length === 0) throw new RangeError('Read Attributes needs at least one attribute id');
  const w = new ByteWriter(3 + 2 * r.attributeIds.length);
  w.bytes(
    encodeZclHeader({
      frameType: 'global',
      direction: 'c2s',
      disableDefaultResponse: true,
      transactionSequenceNumber: r.transactionSequenceNumber,
      commandId: ZCL_READ_ATTRIBUTES,
    }),
  );
  for (const id of r.attributeIds) w.u16le(id, 'attributeId');
  return w.finish();
}

function globalFrame(data: Uint8Array, commandId: number, direction: ZclDirection, what: string) {
  const h = decodeZclHeader(data);
  if (h.value.frameType !== 'global' || h.value.commandId !== commandId || h.value.direction !== direction)
    throw new ZigbeeMalformedError(`not a ZCL ${what}`, 0);
  if (h.value.manufacturerCode !== undefined)
    throw new ZigbeeUnsupportedError(`manufacturer-specific ${what}`, 0);
  return h;
}

export function decodeReadAttributes(data: Uint8Array): ZclReadRequest {
  const h = globalFrame(data, ZCL_READ_ATTRIBUTES, 'c2s', 'Read Attributes');
  const n = data.length - h.offset;
  if (n === 0 || n % 2 !== 0)
    throw new ZigbeeMalformedError(
      `Read Attributes payload of ${n} byte(s): attribute ids are 2 bytes each`,
      h.offset,
    );
  const attributeIds: number[] = [];
  for (let o = h.offset; o < data.length; o += 2) attributeIds.push(readU16le(data, o, 'attribute id'));
  return { transactionSequenceNumber: h.value.transactionSequenceNumber, attributeIds };
}

function writeValue(w: ByteWriter, type: number, v: number): void {
  const width = WIDTH[type];
  if (width === undefined) throw new RangeError(`ZCL data type 0x${type.toString(16)} is not encodable here`);
  const signed = SIGNED.has(type);
  const min = signed ? -(2 ** (width * 8 - 1)) : 0;
  const max = signed ? 2 ** (width * 8 - 1) - 1 : 2 ** (width * 8) - 1;
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw new RangeError(`${v} does not fit ZCL data type 0x${type.toString(16)}`);
  let u = v < 0 ? 2 ** (width * 8) + v : v;
  for (let i = 0; i < width; i++) {
    w.u8(u % 256);
    u = Math.floor(u / 256);
  }
}

/** Read Attributes Response, server to client (same transaction sequence number as the request). */
export function encodeReadAttributesResponse(r: ZclReadResponse): Uint8Array {
  const w = new ByteWriter(16);
  w.bytes(
    encodeZclHeader({
      frameType: 'global',
      direction: 's2c',
      disableDefaultResponse: true,
      transactionSequenceNumber: r.transactionSequenceNumber,
      commandId: ZCL_READ_ATTRIBUTES_RESPONSE,
    }),
  );
  for (const rec of r.records) {
    w.u16le(rec.attributeId, 'attributeId').u8(rec.status, 'status');
    if (rec.status === ZCL_STATUS_SUCCESS && 'value' in rec) {
      w.u8(rec.dataType, 'dataType');
      writeValue(w, rec.dataType, rec.value);
    } else if (rec.status === ZCL_STATUS_SUCCESS) throw new RangeError('a SUCCESS record needs a value');
  }
  return w.finish();
}

export function decodeReadAttributesResponse(data: Uint8Array): ZclReadResponse {
  const h = globalFrame(data, ZCL_READ_ATTRIBUTES_RESPONSE, 's2c', 'Read Attributes Response');
  if (h.offset === data.length)
    throw new ZigbeeMalformedError('Read Attributes Response without records', h.offset);
  const records: ZclAttributeRecord[] = [];
  let o = h.offset;
  while (o < data.length) {
    const attributeId = readU16le(data, o, 'attribute id');
    const status = readU8(data, o + 2, 'attribute status');
    o += 3;
    if (status !== ZCL_STATUS_SUCCESS) {
      records.push({ attributeId, status });
      continue;
    }
    const dataType = readU8(data, o++, 'attribute data type');
    const width = WIDTH[dataType];
    if (width === undefined)
      throw new ZigbeeUnsupportedError(`ZCL data type 0x${dataType.toString(16).padStart(2, '0')}`, o - 1);
    need(data, o, width, 'attribute value');
    let value = 0;
    for (let i = width - 1; i >= 0; i--) value = value * 256 + data[o + i];
    if (SIGNED.has(dataType) && value >= 2 ** (width * 8 - 1)) value -= 2 ** (width * 8);
    o += width;
    records.push({ attributeId, status, dataType, value });
  }
  return { transactionSequenceNumber: h.value.transactionSequenceNumber, records };
}
