/**
 * Device clock helpers shared by the meters: COSEM date-time (DLMS Blue Book
 * 4.1.6.1) as ESMEs write it in Grouping Headers and DLMS payloads, and
 * GeneralizedTime / ZigBee UTCTime for the ASN.1 and GBZ devices.
 *
 * RTDS ESME responses write `07DF0101FF000000008000FF` for 2015-01-01
 * 00:00:00: day of week not specified (FF), hundredths 00, deviation not
 * specified (8000), clock status not specified (FF). GSME responses carry
 * the clock status instead: 00 valid, 02 doubtful (time Unreliable).
 */
import { cosemUtcDateTime } from '../../gbcs/payload/dlms.ts';

import type { TimeStatus } from '../contracts.ts';

export type { TimeStatus };

/**
 * A meter's clock after it synchronised with the Communications Hub (GBCS:
 * the meters take UTC from the CH over the HAN, ZigBee Time cluster). The
 * meter adopts the CH's time only while the CH's time is Reliable; otherwise
 * it keeps its own clock and its time status is Unreliable (SECMP0038 3.1.1:
 * "without a connection to the WAN the meters will have the time status set
 * to Unreliable"). Pure.
 */
export function syncWithNetworkTime(
  own: { offsetMs: number },
  network: { time: number; status: TimeStatus },
  now: number,
): { offsetMs: number; status: TimeStatus } {
  if (network.status === 'reliable') return { offsetMs: network.time - now, status: 'reliable' };
  return { offsetMs: own.offsetMs, status: 'unreliable' };
}

/** COSEM clock status bit "doubtful value" (Blue Book 4.1.6.1), set while the time is Unreliable. */
export const CLOCK_STATUS_DOUBTFUL = 0x02;

/** 12-byte COSEM date-time of a UTC instant; `clockStatus` 0xFF = not specified (ESME style). */
export function cosemDateTime(epochMs: number, clockStatus = 0xff): Uint8Array {
  return cosemUtcDateTime(new Date(epochMs), { clockStatus });
}

/**
 * Epoch ms of a 12-byte COSEM date-time (UTC, deviation ignored), or null when
 * the date or time is (partly) not specified (wildcards, e.g. the "immediate"
 * `00..00` and the "cancel" `FF..FF` execution times of future-dated commands).
 */
export function parseCosemDateTime(b: Uint8Array): number | null {
  if (b.length !== 12) return null;
  const year = (b[0] << 8) | b[1];
  const [month, day, hour, minute, second] = [b[2], b[3], b[5], b[6], b[7]];
  if (year === 0xffff || year === 0 || month === 0 || month > 12 || day === 0 || day > 31) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const hundredths = b[8] === 0xff ? 0 : b[8];
  return Date.UTC(year, month - 1, day, hour, minute, second, hundredths * 10);
}

/** True for an all-wildcard COSEM date-time (`FFFF FF FF FF FF FF FF FF ...`): "cancel" in a future-dated command. */
export function isWildcardDateTime(b: Uint8Array): boolean {
  return b.length === 12 && b[0] === 0xff && b[1] === 0xff && b[2] === 0xff && b[3] === 0xff;
}

/** True for the all-zero date-time used by "execute immediately". */
export function isZeroDateTime(b: Uint8Array): boolean {
  if (b.length !== 12) return false;
  for (let i = 0; i < 9; i++) if (b[i] !== 0) return false;
  return true;
}

/** `YYYYMMDDHHMMSSZ` (ASN.1 GeneralizedTime as GBCS uses it). */
export function generalizedTime(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

/** Epoch ms of `YYYYMMDDHHMMSSZ`, or null if it is not that form. 9999-12-31T23:59:59Z is a real value ("never"). */
export function parseGeneralizedTime(s: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return null;
  return Date.UTC(y, mo - 1, d, h, mi, se);
}

/** Seconds between the Unix epoch and the ZigBee epoch 2000-01-01T00:00:00Z. */
const ZIGBEE_EPOCH_MS = Date.UTC(2000, 0, 1);

/** ZigBee UTCTime (seconds since 2000-01-01T00:00:00Z). */
export function zigbeeTime(epochMs: number): number {
  return Math.max(0, Math.floor((epochMs - ZIGBEE_EPOCH_MS) / 1000)) >>> 0;
}

export function fromZigbeeTime(t: number): number {
  return ZIGBEE_EPOCH_MS + t * 1000;
}

/** The RTDS reference instant: 2015-01-01T00:00:00Z (every RTDS response's date-time). */
export const RTDS_TIME = Date.UTC(2015, 0, 1);
