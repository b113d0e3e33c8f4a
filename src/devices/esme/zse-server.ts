/**
 * The ESME as a ZigBee SE attribute server on the HAN (the PPMID and IHD read
 * it: SECMP0038 issue 15, the evidence of a top-up in a home without WAN).
 * Pure: a Read Attributes frame in, the Read Attributes Response out,
 * answered from the meter's own state (never a fixed value).
 *
 * Attributes served (ZSE 1.x):
 * - Prepayment cluster 0x0705, 0x0001 Credit Remaining (int32): the meter
 *   balance (`meterBalance`). Unit: milli-pence (1/100 000 GBP), the unit the
 *   ESME keeps and the PPMID displays; a real ESME scales by the Price
 *   cluster's trailing digits, which this model does not serve.
 * - Metering cluster 0x0702, 0x0000 Current Summation Delivered (uint48):
 *   the active import register, Wh.
 * Any other attribute is answered UNSUPPORTED_ATTRIBUTE; another cluster is
 * not served (null: the node logs and drops it).
 */

import { ZCL_STATUS_SUCCESS } from '../../zigbee/zcl.ts';
import {
  decodeReadAttributes,
  encodeReadAttributesResponse,
  ZCL_STATUS_UNSUPPORTED_ATTRIBUTE,
  ZCL_TYPE,
  type ZclAttributeRecord,
} from '../../zigbee/zcl-read.ts';
import type { EsmeState } from './state.ts';

export const PREPAYMENT_CLUSTER_ID = 0x0705;
export const METERING_CLUSTER_ID = 0x0702;
export const ATTR_CREDIT_REMAINING = 0x0001;
export const ATTR_CURRENT_SUMMATION_DELIVERED = 0x0000;

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

function record(state: EsmeState, clusterId: number, attributeId: number): ZclAttributeRecord {
  if (clusterId === PREPAYMENT_CLUSTER_ID && attributeId === ATTR_CREDIT_REMAINING)
    return {
      attributeId,
      status: ZCL_STATUS_SUCCESS,
      dataType: ZCL_TYPE.int32,
      value: Math.max(INT32_MIN, Math.min(INT32_MAX, Math.trunc(state.meterBalance))),
    };
  if (clusterId === METERING_CLUSTER_ID && attributeId === ATTR_CURRENT_SUMMATION_DELIVERED)
    return {
      attributeId,
      status: ZCL_STATUS_SUCCESS,
      dataType: ZCL_TYPE.uint48,
      value: Math.max(0, Math.trunc(state.registers.activeImportWh)),
    };
  return { attributeId, status: ZCL_STATUS_UNSUPPORTED_ATTRIBUTE };
}

/** Whether the ESME serves attribute reads on `clusterId`. */
export function servesCluster(clusterId: number): boolean {
  return clusterId === PREPAYMENT_CLUSTER_ID || clusterId === METERING_CLUSTER_ID;
}

/**
 * Answers a Read Attributes frame on `clusterId` from `state`; null when the
 * cluster is not served. Throws `ZigbeeError` for a malformed frame.
 */
export function answerAttributeRead(
  state: EsmeState,
  clusterId: number,
  asdu: Uint8Array,
): Uint8Array | null {
  if (!servesCluster(clusterId)) return null;
  const req = decodeReadAttributes(asdu);
  return encodeReadAttributesResponse({
    transactionSequenceNumber: req.transactionSequenceNumber,
    records: req.attributeIds.map((id) => record(state, clusterId, id)),
  });
}
