/**
 * What the DSP hands the SM WAN for one Command: the Command itself, or, when
 * it exceeds what the CH's HAN tunnel carries in one transfer and its target
 * sits behind that tunnel, its GBT blocks (GBCS 7.2.11) in order. The sender
 * splits and the target device reassembles; the CH routes each block on its
 * `DD 09` routing header without reassembling (docs/chf.md, docs/gbcs.md).
 * One DSP request still has one outcome: the device answers the whole Command
 * once, and that response correlates to the request as before.
 */
import type { DeviceType } from '../../duis/index.ts';
import { transfersFor } from '../../gbcs/gbt.ts';
import { GSME_MAILBOX_HEADER } from '../../zigbee/gsme-mailbox.ts';

/** HAN.md: the GB-HRGP tunnel's maximum transfer size, each way. */
export const HAN_MAX_TRANSFER = 1500;

/** Device types a CH reaches over a HAN tunnel (or the GSME mailbox); the CHF and GPF are the CH itself. */
const BEHIND_HAN_TUNNEL: ReadonlySet<DeviceType> = new Set<DeviceType>(['ESME', 'GSME', 'PPMID', 'HCALCS']);

/**
 * The transfers for a Command to a device of `targetType` (unknown type: sent whole, as before);
 * `maxTransfer` is the tunnel's, a GSME's messages getting the mailbox header's less.
 */
export function downlinkTransfers(
  gbcs: Uint8Array,
  targetType: DeviceType | undefined,
  maxTransfer: number = HAN_MAX_TRANSFER,
): Uint8Array[] {
  if (targetType === undefined || !BEHIND_HAN_TUNNEL.has(targetType)) return [gbcs];
  // the CH hands a GSME its mailbox messages in GET-RESPONSEs, which add their header to the transfer
  return transfersFor(gbcs, targetType === 'GSME' ? maxTransfer - GSME_MAILBOX_HEADER : maxTransfer);
}
