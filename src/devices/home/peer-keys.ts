/**
 * Device-to-device application link keys in a home (ZigBee SE: the CH, as
 * trust centre, hands two devices a shared APS link key so that one can read
 * the other's ZSE attributes; SECMP0038 issue 15: the PPMID reads the ESME's
 * credit). The emulator's stand-in for that key establishment (which it does
 * not model): when the second device of a pair joins, the key is derived by
 * the CH from the two install-code link keys it alone knows,
 * HMAC-SHA256(keyA || keyB, "GB-HAN-APP-LINK-KEY" || euiA || euiB) cut to
 * 16 bytes, A and B in EUI order. Deterministic, so a rebuilt home (restart,
 * snapshot restore) gives both devices the same key again.
 */
import { createHmac } from 'node:crypto';
import { type Eui, fromHex, normaliseEui } from '../../runtime/bytes.ts';
import type { DeviceType } from '../contracts.ts';

/**
 * Device types whose pairs get a key: the PPMID reads the ESME (Prepayment
 * and Metering clusters); the ESME drives its HCALCS (On/Off cluster).
 */
const PAIRS: ReadonlyArray<readonly [DeviceType, DeviceType]> = [
  ['PPMID', 'ESME'],
  ['ESME', 'HCALCS'],
];

export function peerPairWanted(a: DeviceType, b: DeviceType): boolean {
  return PAIRS.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
}

export function peerApplicationLinkKey(
  a: { eui: Eui; linkKey: Uint8Array },
  b: { eui: Eui; linkKey: Uint8Array },
): Uint8Array {
  const [x, y] = normaliseEui(a.eui) < normaliseEui(b.eui) ? [a, b] : [b, a];
  const mac = createHmac('sha256', Buffer.concat([x.linkKey, y.linkKey]))
    .update('GB-HAN-APP-LINK-KEY')
    .update(fromHex(normaliseEui(x.eui)))
    .update(fromHex(normaliseEui(y.eui)))
    .digest();
  return new Uint8Array(mac.subarray(0, 16));
}
