/**
 * UTRN: the 20-digit prepayment top-up code (GBCS 14.x, facts in docs
 * GBCS.md 5a; checked on the RTDS CS01a message).
 *
 * PTUT (64 bits): high 32 = 7 zero bits | low 10 bits of (counter >> 32) |
 * value class (2 bits: 0 pennies, 1 pounds) | value (13 bits); low 32 = the
 * last 4 bytes of a 16-byte GMAC whose key comes from the KDF (T = 01) with Z
 * between the supplier's prepayment KA key and the device's KA key, IV =
 * supplier || 00000000, AAD = 11 00 00 00 00 00 || supplier || device || 01 ||
 * counter || PTUT high 32. PPTD = 7394156990786306048 + PTUT; UTRN = PPTD ||
 * a Verhoeff-variant check digit.
 */
import { fromHex, normaliseEui, u64be } from '../runtime/bytes.ts';
import { gcmIv, gmac, KDF_COMMAND, kdf, kdfOtherInfo } from './crypto.ts';
import { GbcsMalformedError, GbcsUnknownKeyError } from './errors.ts';
import type { SecurityContext } from './security.ts';
import type { Eui } from './types.ts';

export const PPTD_OFFSET = 7394156990786306048n;

/** Value class: the 2-bit unit of the top-up value. */
export type UtrnValueClass = 'pennies' | 'pounds';

export interface UtrnRequest {
  supplier: Eui;
  device: Eui;
  /** the full 8-byte Originator Counter of the top-up */
  counter: bigint;
  /** 0..8191 in the value class's unit */
  value: number;
  valueClass: UtrnValueClass;
}

const P = [
  '0123456789',
  '1576283094',
  '5803796142',
  '8916043527',
  '9453126870',
  '4286573901',
  '2793806415',
  '7046913258',
].map((r) => [...r].map(Number));
const D = [
  '0123456789',
  '1234067895',
  '2340178956',
  '3401289567',
  '4012395678',
  '5987604321',
  '6598710432',
  '7659821043',
  '8765932104',
  '9876543210',
].map((r) => [...r].map(Number));
const INV = [...'1267583094'].map(Number);

/** The UTRN check digit of a PPTD (decimal digits), GBCS.md 5a. */
export function utrnCheckDigit(pptd: string): number {
  let c = 0;
  let k = 4;
  for (const ch of pptd) {
    const d = ch.charCodeAt(0) - 48;
    if (d < 0 || d > 9) throw new GbcsMalformedError(`PPTD has a non-digit: ${JSON.stringify(ch)}`);
    c = D[c][P[k][d]];
    k = (k + 1) & 7;
  }
  return INV[c];
}

/** The PTUT high 32 bits from counter, class and value. */
export function ptutHigh(counter: bigint, valueClass: UtrnValueClass, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 8191)
    throw new RangeError('UTRN value must be 0..8191');
  const c10 = Number((counter >> 32n) & 0x3ffn);
  const cls = valueClass === 'pounds' ? 1 : 0;
  return ((c10 << 15) | (cls << 13) | value) >>> 0;
}

/** The GMAC tag's last 4 bytes (PTUT low 32) for a top-up; `z` is the supplier-pp-KA / device-KA shared secret. */
export function utrnMac(z: Uint8Array, supplier: Eui, device: Eui, counter: bigint, high: number): number {
  const s = fromHex(normaliseEui(supplier));
  const d = fromHex(normaliseEui(device));
  const ctr = u64be(counter);
  const key = kdf(z, kdfOtherInfo(s, KDF_COMMAND, ctr, d));
  const aad = new Uint8Array(6 + 8 + 8 + 1 + 8 + 4);
  aad[0] = 0x11;
  aad.set(s, 6);
  aad.set(d, 14);
  aad[22] = 0x01;
  aad.set(ctr, 23);
  new DataView(aad.buffer).setUint32(31, high);
  const tag = gmac(key, gcmIv(s), aad);
  return tag.readUInt32BE(12);
}

/** Z between the supplier's prepayment KA key and the device's KA key (whichever private key is held). */
function utrnSecret(ctx: SecurityContext, supplier: Eui, device: Eui): Uint8Array {
  const ks = ctx.keyStore;
  const s = ks.get(normaliseEui(supplier), 'pp-ka');
  const d = ks.get(normaliseEui(device), 'ka');
  if (s?.privateKey && d?.publicKey) return ctx.cache.get(s.privateKey, d.publicKey);
  if (d?.privateKey && s?.publicKey) return ctx.cache.get(d.privateKey, s.publicKey);
  throw new GbcsUnknownKeyError(
    `no private key for the prepayment KA key of ${supplier} or the KA key of ${device}`,
    supplier,
  );
}

/** Generates the 20-digit UTRN. */
export function generateUtrn(ctx: SecurityContext, r: UtrnRequest): string {
  const high = ptutHigh(r.counter, r.valueClass, r.value);
  const low = utrnMac(utrnSecret(ctx, r.supplier, r.device), r.supplier, r.device, r.counter, high);
  const ptut = (BigInt(high) << 32n) | BigInt(low);
  const pptd = (PPTD_OFFSET + ptut).toString();
  return pptd + String(utrnCheckDigit(pptd));
}

export interface UtrnCheck {
  valid: boolean;
  reason?: 'format' | 'check-digit' | 'counter' | 'mac';
  value?: number;
  valueClass?: UtrnValueClass;
}

/**
 * Verifies a UTRN for a supplier, a device and the full counter the device
 * expects (the low 10 bits of counter>>32 travel in the PTUT; the rest must be
 * known). Checks format, check digit, counter bits and GMAC.
 */
export function verifyUtrn(
  ctx: SecurityContext,
  utrn: string,
  supplier: Eui,
  device: Eui,
  counter: bigint,
): UtrnCheck {
  if (!/^\d{20}$/.test(utrn)) return { valid: false, reason: 'format' };
  const pptd = utrn.slice(0, 19);
  if (utrnCheckDigit(pptd) !== Number(utrn[19])) return { valid: false, reason: 'check-digit' };
  const ptut = BigInt(pptd) - PPTD_OFFSET;
  if (ptut < 0n || ptut > 0xffffffffffffffffn) return { valid: false, reason: 'format' };
  const high = Number(ptut >> 32n);
  const low = Number(ptut & 0xffffffffn);
  if (high >>> 25 !== 0) return { valid: false, reason: 'format' };
  if (((high >>> 15) & 0x3ff) !== Number((counter >> 32n) & 0x3ffn))
    return { valid: false, reason: 'counter' };
  const cls = (high >>> 13) & 3;
  if (cls > 1) return { valid: false, reason: 'format' };
  const mac = utrnMac(utrnSecret(ctx, supplier, device), supplier, device, counter, high);
  if (mac !== low) return { valid: false, reason: 'mac' };
  return { valid: true, value: high & 0x1fff, valueClass: cls === 1 ? 'pounds' : 'pennies' };
}
