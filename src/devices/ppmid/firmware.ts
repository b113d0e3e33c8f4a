/**
 * Firmware through a PPMID: refused (SECMP0038 CH-3, DSP-3, risk R9; GBCS.md 5).
 *
 * GBCS carries firmware images on the ZigBee OTA Upgrade cluster (0x0019),
 * never in a Remote Party Command; the DSP refuses local delivery for firmware
 * distribution (DSP-3, assessment 2.7: "HHT cannot be used ... to distribute
 * firmware ... The same limitations would apply to a delivery via PPMID"), and
 * R9 recommends that no firmware transfer be permitted through a PPMID. So
 * the PPMID refuses, with reason `firmware`:
 *
 * - by Message Code: **CS06 Activate Firmware (0x0012, DUIS 11.3)**. It is a
 *   Command and carries no image, but it is the step of the firmware
 *   distribution process (11.1 distribute, 11.3 activate) that makes an image
 *   run. Forwarding it would let the local route complete what DSP-3 keeps
 *   off it, and a wrongly timed activation is exactly the HAN-integrity risk
 *   R9 names. Decision: refused; the supplier sends 11.3 over the WAN.
 * - by payload, whatever the Message Code: a GBZ component on the OTA
 *   Upgrade cluster (0x0019), or a DLMS access-request touching the COSEM
 *   Image transfer class (class_id 18). No legitimate Remote Party Command
 *   has either (none of the 314 RTDS commands does); a message that does is
 *   an image smuggled past the OTA route.
 *
 * Forwarded: the firmware-version READS (11.2: ECS52 0x0059, GCS38 0x0084,
 * CS08 0x0129 - the last targets a PPMID/HCALCS and is refused by the target
 * check when aimed at a PPMID). They change nothing. Firmware alerts (CCS08,
 * FDRA, CS09, Future Dated Firmware Activation) are alerts, refused anyway as
 * `not-a-command`.
 */
import type { MessageCodeInfo } from '../../gbcs/codes/message-codes.ts';
import type { DecodedPayload } from '../../gbcs/payload/index.ts';

/** Use cases refused because they belong to firmware distribution. */
export const FIRMWARE_USE_CASES: ReadonlySet<string> = new Set(['CS06']);
/** ZigBee OTA Upgrade cluster: the only carrier of firmware images on the HAN. */
export const OTA_UPGRADE_CLUSTER = 0x0019;
/** COSEM interface class "Image transfer" (DLMS Blue Book class_id 18). */
export const COSEM_IMAGE_TRANSFER_CLASS = 18;

/** Why the message is firmware-related, or null when it is not. */
export function firmwareRefusal(info: MessageCodeInfo, payload: DecodedPayload): string | null {
  if (FIRMWARE_USE_CASES.has(info.useCase))
    return `${info.useCase} ${info.name} belongs to firmware distribution (DSP-3, R9): send it over the WAN`;
  const ota = payload.gbz?.components.find((c) => c.clusterId === OTA_UPGRADE_CLUSTER);
  if (ota)
    return 'GBZ component on the OTA Upgrade cluster 0x0019 (firmware images never go through a PPMID, CH-3)';
  if (payload.dlms?.apdu === 'access-request') {
    const img = payload.dlms.requests.find((r) => r.classId === COSEM_IMAGE_TRANSFER_CLASS);
    if (img)
      return 'DLMS request on the COSEM Image transfer class 18 (firmware images never go through a PPMID, CH-3)';
  }
  return null;
}
