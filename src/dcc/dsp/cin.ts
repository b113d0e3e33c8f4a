/**
 * DUIS 9.1 Request Customer Identification Number: the DCC draws the CIN
 * (four decimal digits), the transform sends it to the device (GCS36,
 * transform/prepay-srs.ts) and the device's response reaches the user as
 * CINMessage: the GBCS response and the CIN (MMC Schema V5.4).
 */
import { randomInt } from 'node:crypto';
import { el, type ResponseMessagePayload } from '../../duis/index.ts';

/** A fresh CIN: four decimal digits, uniformly drawn (node:crypto). */
export function randomCin(): string {
  return String(randomInt(0, 10_000)).padStart(4, '0');
}

/** The ResponseMessage payload of a 9.1 device response: CINMessage (GBCSPayload, CustomerIdentificationNumber). */
export function cinMessage(gbcs: Uint8Array, cin: string): ResponseMessagePayload {
  return {
    type: 'Other',
    node: el('CINMessage', [
      el('GBCSPayload', Buffer.from(gbcs).toString('base64')),
      el('CustomerIdentificationNumber', cin),
    ]),
  };
}
