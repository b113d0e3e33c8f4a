/**
 * The PPMID's own device-to-device messages to the GSME (GBCS.md 2 and 5, the
 * SME.C.PPMID-GSME route the CHF already supports):
 *
 * - PCS01 (Message Code 0x009B) "Apply Prepayment Top Up to a GSME using
 *   PPMID": a GBZ payload with one component on the ZigBee SE Prepayment
 *   cluster (0x0705), ZCL cluster-specific client->server command 0x04
 *   Consumer Top Up: Originating Device (enum8, 0x02 = IHD/PPMID) and the
 *   Top Up Code (octet string: the 20 UTRN digits in ASCII).
 * - PCS02 (0x0090) "Activate Emergency Credit on GSME from PPMID": command
 *   0x00 Select Available Emergency Credit: Command Issue Date/Time (ZigBee
 *   UTCTime, u32 little-endian) and Originating Device (0x02).
 *
 * Both are Commands (CRA 1) from the PPMID's EUI to the GSME's, with the
 * PPMID's own Originator Counter, no signature (`00`) and the General
 * Ciphering MAC made from the PPMID's KA key and the GSME's KA certificate
 * (device-to-device: no ACB). Built with the shared DeviceSecurity.protect
 * (devices/security), not a copy. The layout is the RTDS NA_PCS01 / NA_PCS02
 * one; tests rebuild those fixtures byte for byte except the MAC.
 *
 * The GSME answers (routed back to the PPMID by the CHF) with a Consumer Top
 * Up Response (PCS01: Result Type enum8, Top Up Value int32, Source of Top Up
 * enum8, Credit Remaining int32, amounts little-endian in the GSME's unit,
 * milli-pence in RTDS) or a ZCL Default Response (PCS02).
 */
import { messageCodeForUseCase } from '../../gbcs/codes/message-codes.ts';
import { decodeResponse, encodeCommand, type GbzResponseFields } from '../../gbcs/use-cases/index.ts';
import { utrnCheckDigit } from '../../gbcs/utrn.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { DeviceSecurity } from '../security/device-security.ts';

/** ZigBee SE Prepayment "Originating Device": 0 Energy Service Interface, 1 Meter, 2 In-Home Display. */
export const ORIGINATING_DEVICE_IHD = 0x02;

export const PCS01_MESSAGE_CODE = messageCodeForUseCase('PCS01')!.code;
export const PCS02_MESSAGE_CODE = messageCodeForUseCase('PCS02')!.code;

/** ZigBee SE Consumer Top Up Response Result Type. */
export const TOP_UP_RESULT: Readonly<Record<number, string>> = {
  0: 'accepted',
  1: 'rejected-invalid-top-up',
  2: 'rejected-duplicate-top-up',
  3: 'rejected-error-invalid-top-up',
  4: 'rejected-max-credit-reached',
  5: 'rejected-keypad-lock',
  6: 'rejected-top-up-value-too-large',
  16: 'accepted-supply-enabled',
  17: 'accepted-supply-disabled',
  18: 'accepted-supply-armed',
};

export type UtrnLocalCheck = { ok: true } | { ok: false; reason: 'format' | 'check-digit' };

/**
 * What a PPMID can check of a typed UTRN on its own: 20 digits and the check
 * digit (GBCS.md 5a). The GMAC and the counter only the meter can check.
 */
export function checkUtrnLocally(utrn: string): UtrnLocalCheck {
  if (!/^\d{20}$/.test(utrn)) return { ok: false, reason: 'format' };
  return utrnCheckDigit(utrn.slice(0, 19)) === Number(utrn[19])
    ? { ok: true }
    : { ok: false, reason: 'check-digit' };
}

/** The PCS01 GBZ payload for a UTRN (the catalogue's PCS01 row: Prepayment Consumer Top Up from the IHD). */
export function pcs01Content(utrn: string): Uint8Array {
  return encodeCommand(
    'PCS01',
    { consumerTopUp: { originatingDevice: ORIGINATING_DEVICE_IHD, topUpCode: utrn } },
    { header: {} },
  );
}

/** The PCS02 GBZ payload (Select Available Emergency Credit); `issuedAt` in ZigBee UTCTime (seconds since 2000-01-01). */
export function pcs02Content(issuedAt: number): Uint8Array {
  if (!Number.isInteger(issuedAt) || issuedAt < 0 || issuedAt > 0xffffffff)
    throw new RangeError('issuedAt outside u32');
  return encodeCommand(
    'PCS02',
    {
      selectAvailableEmergencyCredit: {
        commandIssueDateTime: issuedAt,
        originatingDevice: ORIGINATING_DEVICE_IHD,
      },
    },
    { header: {} },
  );
}

/** PCS01 from the PPMID to `gsme` with the PPMID's Originator Counter `counter`, MAC'd device-to-device. */
export function buildPcs01(
  security: DeviceSecurity,
  o: { gsme: Eui; counter: bigint; utrn: string },
): Uint8Array {
  return security.protect({
    cra: 'command',
    counter: o.counter,
    recipient: o.gsme,
    otherInfo: { messageCode: PCS01_MESSAGE_CODE },
    dateTime: null,
    content: pcs01Content(o.utrn),
    signed: false,
  });
}

/** PCS02 from the PPMID to `gsme`. */
export function buildPcs02(
  security: DeviceSecurity,
  o: { gsme: Eui; counter: bigint; issuedAt: number },
): Uint8Array {
  return security.protect({
    cra: 'command',
    counter: o.counter,
    recipient: o.gsme,
    otherInfo: { messageCode: PCS02_MESSAGE_CODE },
    dateTime: null,
    content: pcs02Content(o.issuedAt),
    signed: false,
  });
}

export type GsmeAnswer =
  | {
      kind: 'top-up-response';
      result: number;
      resultName: string;
      accepted: boolean;
      topUpValue: number;
      source: number;
      creditRemaining: number;
    }
  | { kind: 'default-response'; command: number; status: number; accepted: boolean }
  | { kind: 'unrecognised'; detail: string };

/** Reads the GSME's answer to PCS01/PCS02 (`useCase`) by the catalogue's response of that row. */
export function readGsmeAnswer(content: Uint8Array, useCase: 'PCS01' | 'PCS02'): GsmeAnswer {
  let fields: GbzResponseFields;
  try {
    fields = decodeResponse(useCase, content).fields as GbzResponseFields;
  } catch (err) {
    return { kind: 'unrecognised', detail: err instanceof Error ? err.message : String(err) };
  }
  const c = fields.components[0];
  if (!c?.fields) return { kind: 'unrecognised', detail: 'no plaintext Prepayment cluster component' };
  const f = c.fields as Record<string, number>;
  if (c.command === 'consumerTopUpResponse') {
    const result = f.resultType;
    return {
      kind: 'top-up-response',
      result,
      resultName: TOP_UP_RESULT[result] ?? `result-0x${result.toString(16)}`,
      accepted: result === 0 || (result >= 0x10 && result <= 0x12),
      topUpValue: f.topUpValue,
      source: f.sourceOfTopUp,
      creditRemaining: f.creditRemaining,
    };
  }
  if (c.command === 'defaultResponse')
    return { kind: 'default-response', command: f.commandId, status: f.status, accepted: f.status === 0 };
  return { kind: 'unrecognised', detail: `${c.cluster}.${c.command}` };
}
