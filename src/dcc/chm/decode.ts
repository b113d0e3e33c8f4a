/**
 * Decoding of the alerts a Communications Hub raises, as the CHM reads them
 * (SECMP0038 CSP-2, 3.1.3): the PROVISIONAL SECMP0038 alerts (PPMID Connected
 * CH-5, PPMID Relay Rejected with its reason CH-2, buffer full CH-8,
 * standalone entered / left CH-6) in full, and the CHF's GBCS alerts (e.g.
 * 0x8F84, 0x819D, 0x8F30) by Alert Code and name. Pure.
 */
import { lookupAlertCode } from '../../gbcs/codes/alert-codes.ts';
import {
  decodeProvisionalAlert,
  dlmsAlertCode,
  PROVISIONAL_ALERT_CODES,
  type ProvisionalAlert,
  type ProvisionalAlertKind,
} from '../../gbcs/codes/provisional.ts';
import { GbcsUnsupportedError } from '../../gbcs/errors.ts';
import { type DlmsData, decodeDlmsApdu, parseCosemDateTime } from '../../gbcs/payload/dlms.ts';
import type { GbcsMessage } from '../../gbcs/types.ts';
import { type Eui, toHex } from '../../runtime/bytes.ts';

export type ChAlertType = ProvisionalAlertKind | 'gbcs' | 'unreadable';

/** Every alert type the CHM knows, with a label for the dashboard. */
export const CH_ALERT_TYPES: ReadonlyArray<{ type: ChAlertType; label: string; code: number | null }> = [
  ...PROVISIONAL_ALERT_CODES.map((a) => ({ type: a.alert as ChAlertType, label: a.name, code: a.code })),
  { type: 'gbcs', label: 'GBCS CHF alert', code: null },
  { type: 'unreadable', label: 'Unreadable alert content', code: null },
];

export interface DecodedChAlert {
  alertCode: number | null;
  alertType: ChAlertType;
  name: string;
  provisional: boolean;
  /** the alert's COSEM date-time as epoch ms (UTC), when fully specified */
  alertAt: number | null;
  ppmid: Eui | null;
  /** relay-reject reason, connect how, buffer id or standalone cause */
  reason: string | null;
  target: Eui | null;
  /** the decoded payload, JSON-ready */
  detail: Record<string, unknown>;
  /** the provisional alert, when it is one */
  provisionalAlert: ProvisionalAlert | null;
}

/** Epoch ms of a 12-byte COSEM date-time read as UTC, or null when a field is unspecified. */
export function cosemToEpoch(b: Uint8Array): number | null {
  const t = parseCosemDateTime(b);
  if (!t || t.year === undefined || t.month === undefined || t.day === undefined) return null;
  if (t.hour === undefined || t.minute === undefined || t.second === undefined) return null;
  // GBCS date-times are UTC (devices send deviation 0 or unspecified), so the deviation is not applied
  const ms = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, (t.hundredths ?? 0) * 10);
  return Number.isFinite(ms) ? ms : null;
}

function jsonData(d: DlmsData): unknown {
  switch (d.type) {
    case 'structure':
    case 'array':
      return d.items.map(jsonData);
    case 'octet-string':
      return toHex(d.value);
    case 'bit-string':
      return toHex(d.bytes);
    default:
      return 'value' in d ? (typeof d.value === 'bigint' ? d.value.toString() : d.value) : null;
  }
}

/** Decodes the content of a CH alert. Never throws: unreadable content gives `alertType: 'unreadable'`. */
export function decodeChAlert(m: GbcsMessage): DecodedChAlert {
  const base: DecodedChAlert = {
    alertCode: null,
    alertType: 'unreadable',
    name: 'Unreadable alert content',
    provisional: false,
    alertAt: null,
    ppmid: null,
    reason: null,
    target: null,
    detail: {},
    provisionalAlert: null,
  };
  try {
    const p = decodeProvisionalAlert(m.content);
    const info = PROVISIONAL_ALERT_CODES.find((x) => x.code === p.alertCode)!;
    const a = p.alert;
    const out: DecodedChAlert = {
      ...base,
      alertCode: p.alertCode,
      alertType: a.alert,
      name: info.name,
      provisional: true,
      alertAt: cosemToEpoch(p.dateTime),
      detail: { ...a },
      provisionalAlert: a,
    };
    switch (a.alert) {
      case 'ppmid-connected':
        out.ppmid = a.ppmid;
        out.reason = a.how;
        break;
      case 'ppmid-relay-rejected':
        out.ppmid = a.ppmid;
        out.reason = a.reason;
        out.target = a.target;
        break;
      case 'buffer-full':
        out.reason = a.buffer;
        break;
      case 'standalone-entered':
      case 'standalone-left':
        out.reason = a.cause;
        break;
    }
    return out;
  } catch (e) {
    // not provisional (GbcsUnsupportedError), or a provisional code with a bad payload: read the plain layout
    if (!(e instanceof GbcsUnsupportedError))
      base.detail = { error: e instanceof Error ? e.message : String(e) };
  }
  try {
    const apdu = decodeDlmsApdu(m.content);
    const code = dlmsAlertCode(apdu);
    if (code === undefined || apdu.apdu !== 'data-notification' || apdu.body.type !== 'structure')
      return base;
    const items = apdu.body.items;
    const dt = items[1]?.type === 'octet-string' ? items[1].value : undefined;
    const info = lookupAlertCode(code);
    const provisional = PROVISIONAL_ALERT_CODES.some((x) => x.code === code);
    return {
      ...base,
      alertCode: code,
      // a provisional code whose payload did not decode is reported as unreadable
      alertType: provisional ? 'unreadable' : 'gbcs',
      name: info?.name ?? `Alert 0x${code.toString(16).toUpperCase().padStart(4, '0')}`,
      provisional,
      alertAt: dt ? cosemToEpoch(dt) : null,
      detail: { ...base.detail, payload: items.slice(2).map(jsonData) },
    };
  } catch {
    return base;
  }
}
