/**
 * The PPMID's own HAN read of an ESME's credit (ZSE Prepayment cluster
 * 0x0705, Credit Remaining 0x0001, a ZCL Read Attributes): the evidence a
 * supplier has for a top-up relayed into a home without WAN (SECMP0038
 * issue 15, SU-2: the command's response waits at the CH, CH-4). Pure codec
 * side: the request the PPMID sends and the reading it takes from the answer.
 */
import type { Eui } from '../../runtime/bytes.ts';
import { normaliseEui } from '../../runtime/bytes.ts';
import { ZigbeeMalformedError } from '../../zigbee/errors.ts';
import { ZCL_STATUS_SUCCESS } from '../../zigbee/zcl.ts';
import { decodeReadAttributesResponse, encodeReadAttributes, ZCL_TYPE } from '../../zigbee/zcl-read.ts';
import { ATTR_CREDIT_REMAINING, PREPAYMENT_CLUSTER_ID } from '../esme/zse-server.ts';

export { PREPAYMENT_CLUSTER_ID };

/** What the PPMID read: the meter's credit remaining (milli-pence), which meter, when (the PPMID's clock). */
export interface CreditReading {
  creditRemaining: number;
  meter: Eui;
  readAt: number;
}

/** The Read Attributes frame for Credit Remaining (send on cluster 0x0705). */
export function creditReadRequest(transactionSequenceNumber: number): Uint8Array {
  return encodeReadAttributes({ transactionSequenceNumber, attributeIds: [ATTR_CREDIT_REMAINING] });
}

/**
 * The reading in `asdu`, the answer of `meter` to the request with
 * `transactionSequenceNumber`. Throws `ZigbeeError`: malformed frame, another
 * transaction, or the meter did not give Credit Remaining (its status is in
 * the message).
 */
export function creditReadingFrom(
  meter: Eui,
  asdu: Uint8Array,
  transactionSequenceNumber: number,
  now: number,
): CreditReading {
  const r = decodeReadAttributesResponse(asdu);
  if (r.transactionSequenceNumber !== transactionSequenceNumber)
    throw new ZigbeeMalformedError(
      `Read Attributes Response for transaction ${r.transactionSequenceNumber}, expected ${transactionSequenceNumber}`,
    );
  const rec = r.records.find((x) => x.attributeId === ATTR_CREDIT_REMAINING);
  if (!rec) throw new ZigbeeMalformedError('Read Attributes Response without Credit Remaining');
  if (rec.status !== ZCL_STATUS_SUCCESS || !('value' in rec))
    throw new ZigbeeMalformedError(
      `Credit Remaining refused by the meter (ZCL status 0x${rec.status.toString(16).padStart(2, '0')})`,
    );
  if (rec.dataType !== ZCL_TYPE.int32)
    throw new ZigbeeMalformedError(
      `Credit Remaining of ZCL type 0x${rec.dataType.toString(16)}, expected int32`,
    );
  return { creditRemaining: rec.value, meter: normaliseEui(meter), readAt: now };
}
