/**
 * Where the CSP sends what arrives from a CH over the SM WAN (SECMP0038 CSP-1,
 * CSP-2; decided here and in docs/wan.md), from the bytes alone: the CRA flag,
 * originator and recipient (peekRouting), and, for the CHF's own alerts, the
 * Alert Code in the (unencrypted) DLMS alert content.
 *
 * | what                                                           | to        |
 * |----------------------------------------------------------------|-----------|
 * | header unreadable                                              | dropped (counted) |
 * | a Command (CRA 1): never legitimate uplink                     | dropped (counted) |
 * | anything addressed to the WAN provider (CHM's own commands' Responses) | CHM |
 * | CHF/GPF alert with a PROVISIONAL SECMP0038 Alert Code (0x8E01..): PPMID Connected, Relay Rejected, buffer full, standalone | CHM (3.1.3; DUIS has no Device Alert for them) |
 * | any other CHF/GPF alert (GBCS CHF alerts e.g. 0x8F84, 0x819D, 0x8F30) | DSP (a DUIS Device Alert) and CHM (CH monitoring) |
 * | everything else (device Responses and Alerts, CHF Responses to DCC commands) | DSP |
 */
import { dlmsAlertCode, PROVISIONAL_ALERT_CODES } from '../../gbcs/codes/provisional.ts';
import { decodeMessage } from '../../gbcs/decode.ts';
import { decodeDlmsApdu } from '../../gbcs/payload/dlms.ts';
import { ENVELOPE_GBT, peekRouting, RoutingInfo } from '../../gbcs/peek.ts';
import type { Eui } from '../../runtime/bytes.ts';

export type UplinkRoute =
  | { to: 'dsp'; why: 'device-message' | 'chf-response' }
  | { to: 'chm'; why: 'to-wan-provider' | 'provisional-ch-alert'; alertCode?: number }
  | { to: 'both'; why: 'ch-alert'; alertCode: number | null }
  | { to: 'drop'; why: 'malformed' | 'command-uplink' };

export interface UplinkRoutingContext {
  /** the CH's CHF Entity ID */
  chf: Eui;
  /** the CH's GPF Entity ID, when known */
  gpf?: Eui;
  /** the WAN provider (the CSP's CHM) remote-party EUI */
  wanProvider: Eui;
  /** also give provisional CH alerts to the DSP (default false) */
  provisionalAlertsToDsp?: boolean;
}

const PROVISIONAL = new Set(PROVISIONAL_ALERT_CODES.map((a) => a.code));
const scratch = new RoutingInfo();

/** The Alert Code of a CHF alert's DLMS content, or null when it cannot be read. */
export function chfAlertCode(bytes: Uint8Array): number | null {
  try {
    const m = decodeMessage(bytes);
    return dlmsAlertCode(decodeDlmsApdu(m.content)) ?? null;
  } catch {
    return null;
  }
}

/** Classifies one uplink message. Never throws. */
export function routeUplink(bytes: Uint8Array, ctx: UplinkRoutingContext): UplinkRoute {
  let i: RoutingInfo;
  try {
    i = peekRouting(bytes, scratch);
  } catch {
    return { to: 'drop', why: 'malformed' };
  }
  if (i.craFlag === 1) return { to: 'drop', why: 'command-uplink' };
  if (i.targetEui === ctx.wanProvider) return { to: 'chm', why: 'to-wan-provider' };
  const originator = i.originatorEui;
  const fromCh = originator === ctx.chf || (ctx.gpf !== undefined && originator === ctx.gpf);
  if (fromCh && i.craFlag === 3) {
    const code = i.envelope === ENVELOPE_GBT ? null : chfAlertCode(bytes);
    if (code !== null && PROVISIONAL.has(code))
      return ctx.provisionalAlertsToDsp
        ? { to: 'both', why: 'ch-alert', alertCode: code }
        : { to: 'chm', why: 'provisional-ch-alert', alertCode: code };
    return { to: 'both', why: 'ch-alert', alertCode: code };
  }
  return { to: 'dsp', why: fromCh ? 'chf-response' : 'device-message' };
}
