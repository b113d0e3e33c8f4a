/**
 * Where the DSP sends a device alert that reached it over the SM WAN
 * (pure: the DSP's users and inventory come in through `AlertRoutingView`).
 *
 * - An alert addressed to a user (the GBCS Recipient is a registered user,
 *   e.g. an ESME's alert to its supplier), or to the ACB acting for one (the
 *   Supplementary Remote Party ID), goes to that user as a DUIS
 *   DeviceAlertMessage (service.ts builds it; 8F66 / 8F67 become the
 *   FutureDatedDeviceAlertMessage, future-dated-alerts.ts).
 * - An alert addressed to the ACB with no party behind it is the DCC's own:
 *   the DCC passes it on as a DUIS DCC Alert only where `DCC_ADDRESSED_ALERTS`
 *   has a row for its alert code; any other is `unroutable` (recorded, not
 *   forwarded).
 *
 * `DCC_ADDRESSED_ALERTS`, one row per GBCS alert code (derived from
 * `DUAL_BAND_CH_ALERTS`, one row per use case): the CHF's Sub GHz alerts to
 * the ACB, DBCH06 Limited Duty Cycle Action Taken (0x8F20-0x8F25), DBCH07
 * Sub GHz Channel Changed (0x8F26), DBCH08 Sub GHz Channel Scan Request
 * Assessment Outcome (0x8F28), DBCH09 Sub GHz Configuration Changed
 * (0x8F2A), DBCH10 Message Discarded Due to Duty Cycle Management (0x8F2C)
 * and DBCH11 No More Sub GHz Device Capacity (0x8F2D).
 *   Established from the DUIS XSD (V5.4): the DCCAlert choice
 *   `DualBandCHAlert` (CHFDeviceID, DeviceAlertCode as hexBinary, optional
 *   GBCSHexadecimalMessageCode, optional choice of one child per kind of
 *   alert) is how a Dual Band CH's alert reaches users, as a DCCAlertMessage.
 *   Recipients: the registered supplier (registration.ts, the same data the
 *   DSP's device access check reads) of each meter on the CH's HAN whose
 *   type the row names (an ESME's Import Supplier, a GSME's Gas Supplier),
 *   if that user is active and holds the role. A meter with no registered
 *   supplier adds no one; no recipient at all: unroutable.
 *   PROVISIONAL (not in the XSD, DUIS's alert tables are not recorded in
 *   this project): the DCCAlertCode (the XSD's catch-all N999, as the DSP's
 *   schedule alerts, schedule-runs.ts) and that the suppliers of the meters
 *   are the recipients.
 *   The optional choice child is filled only for DBCH11
 *   (`NoMoreSubGHzDeviceCapacity`: DeviceID = the payload's device EUI-64;
 *   optional DeviceType omitted). NOT DONE, omitted because the payload's
 *   mapping onto the XSD element is not established (rows/dlms-alerts.ts):
 *   DBCH06 (`LimitedDutyCycleActionTaken`: DeviceIDToSuspend; the payload
 *   is an 8-octet `dutyCycleAction` not documented as a device ID, and five
 *   of its six codes are not "action taken" alerts), DBCH07
 *   (`SubGHzChannelChanged`: the inferred 32-bit channel has no band,
 *   channel number or scan trigger mapping), DBCH08
 *   (`SubGHzChannelScanRequestAssessmentOutcome`: which one-octet outcome
 *   and channel values are which StatusCode / ScanTrigger is not recorded),
 *   DBCH09 (`SubGHzConfigurationChanged`: the configuration structure's
 *   mapping onto SubGHzConfiguration), DBCH10
 *   (`MessageDiscardedDueToDutyCycleManagement`: RequestID and CRAFlag; the
 *   25-octet discarded-message field's layout is not documented in the row).
 *   Those users get the CHF, the alert code and the Message Code.
 *
 * Before an ACB-addressed alert with a row is routed its MAC (and signature)
 * and Originator Counter are checked (alert-integrity.ts, through the view):
 * a failing one is `unroutable` with `rejected` set to the typed reason.
 */
import { type DuisNode, el } from '../../duis/index.ts';
import type { GbcsMessage } from '../../gbcs/index.ts';
import { decodeAlert } from '../../gbcs/use-cases/index.ts';
import { type Eui, euiToDuis, normaliseEui } from '../../runtime/bytes.ts';
import { type AcbAlertRejection, rejectionText } from './alert-integrity.ts';
import type { DspInventoryDevice } from './inventory.ts';
import type { DspUser, UserRole } from './users.ts';

/** What the router reads of the DSP. */
export interface AlertRoutingView {
  /** A registered user (any status). */
  user(eui: Eui): DspUser | undefined;
  /** The inventory devices on the HAN of CHF `chf`. */
  devicesOnChf(chf: Eui): readonly DspInventoryDevice[];
  /** The registered supplier user of meter `meter` (registration.ts). */
  supplierOf(meter: Eui): Eui | undefined;
  /** Checks an ACB-addressed alert (alert-integrity.ts `AcbAlertGate.admit`): undefined = admitted. */
  admitAcbAlert(msg: GbcsMessage): AcbAlertRejection | undefined;
}

export type AlertRoute =
  /** to the user the alert is addressed to, as a DeviceAlertMessage */
  | { kind: 'device-alert'; user: Eui }
  /** the DCC's own alert passed on to `users` as a DCCAlertMessage */
  | { kind: 'dcc-alert'; users: Eui[]; dccAlertCode: string; alert: DuisNode }
  /** not forwarded; `rejected`: the alert failed its integrity or replay check (alert-integrity.ts) */
  | { kind: 'unroutable'; reason: string; rejected?: AcbAlertRejection };

/** A device alert addressed to the ACB that the DCC passes on as a DCC Alert. */
export interface DccAddressedAlert {
  /** the GBCS use case of the alert (catalogue row) */
  useCase: string;
  dccAlertCode: string;
  /** the DUIS User Roles that receive it, per device type on the CH's HAN */
  recipients: Readonly<Partial<Record<'ESME' | 'GSME', UserRole>>>;
  /** the DCCAlert child */
  alert(msg: GbcsMessage, alertCode: number): DuisNode;
}

const hex = (n: number, digits: number) => n.toString(16).toUpperCase().padStart(digits, '0');

/** The DUIS DualBandCHAlert of a CHF alert (XSD: CHFDeviceID, DeviceAlertCode, GBCSHexadecimalMessageCode). */
export function dualBandChAlert(msg: GbcsMessage, alertCode: number): DuisNode {
  return el('DualBandCHAlert', [
    el('CHFDeviceID', euiToDuis(msg.originator)),
    el('DeviceAlertCode', hex(alertCode, 4)),
    el('GBCSHexadecimalMessageCode', hex(msg.messageCode, 4)),
  ]);
}

/**
 * The DUIS DualBandCHAlert of a DBCH11 No More Sub GHz Device Capacity alert: as `dualBandChAlert`, plus the
 * XSD's `NoMoreSubGHzDeviceCapacity` child carrying the payload's device (an EUI-64 in the catalogue row,
 * the XSD's DeviceID; its optional DeviceType omitted). A payload that does not decode as DBCH11 gets no child
 * (the alert is MAC-verified and still passed on).
 */
export function dualBandChCapacityAlert(msg: GbcsMessage, alertCode: number): DuisNode {
  const base = dualBandChAlert(msg, alertCode);
  let deviceId: Eui;
  try {
    deviceId = normaliseEui((decodeAlert('DBCH11', msg.content).fields as { deviceId: string }).deviceId);
  } catch {
    return base;
  }
  return el('DualBandCHAlert', [
    ...base.children,
    el('NoMoreSubGHzDeviceCapacity', [el('DeviceID', euiToDuis(deviceId))]),
  ]);
}

/** The CHF's alerts to the ACB passed on as a DualBandCHAlert: alert codes, use case, how the child is built. */
const DUAL_BAND_CH_ALERTS: readonly (readonly [readonly number[], string, DccAddressedAlert['alert']])[] = [
  [[0x8f20, 0x8f21, 0x8f22, 0x8f23, 0x8f24, 0x8f25], 'DBCH06', dualBandChAlert],
  [[0x8f26], 'DBCH07', dualBandChAlert],
  [[0x8f28], 'DBCH08', dualBandChAlert],
  [[0x8f2a], 'DBCH09', dualBandChAlert],
  [[0x8f2c], 'DBCH10', dualBandChAlert],
  [[0x8f2d], 'DBCH11', dualBandChCapacityAlert],
];

/** Alert code -> how the DCC passes it on (see the module comment for what is PROVISIONAL). */
export const DCC_ADDRESSED_ALERTS: Readonly<Record<number, DccAddressedAlert>> = Object.fromEntries(
  DUAL_BAND_CH_ALERTS.flatMap(([codes, useCase, alert]) =>
    codes.map((code) => [
      code,
      {
        useCase,
        dccAlertCode: 'N999',
        recipients: { ESME: 'IS', GSME: 'GS' },
        alert,
      } satisfies DccAddressedAlert,
    ]),
  ),
);

/** Where alert `msg` (alert code `alertCode`, undefined when its payload has none) goes. */
export function routeDeviceAlert(
  msg: GbcsMessage,
  alertCode: number | undefined,
  view: AlertRoutingView,
): AlertRoute {
  const party = view.user(msg.recipient)
    ? msg.recipient
    : (msg.otherInfo.supplementaryRemotePartyId ?? msg.recipient);
  if (alertCode === undefined) return { kind: 'unroutable', reason: 'no alert code in the payload' };
  if (view.user(party)) return { kind: 'device-alert', user: party };
  const rule = msg.otherInfo.supplementaryRemotePartyId ? undefined : DCC_ADDRESSED_ALERTS[alertCode];
  if (!rule) return { kind: 'unroutable', reason: `no user ${party}` };
  const rejected = view.admitAcbAlert(msg);
  if (rejected) return { kind: 'unroutable', reason: rejectionText(rejected, rule.useCase, msg), rejected };
  const roles = new Set<UserRole>();
  const users: Eui[] = [];
  for (const d of view.devicesOnChf(msg.originator)) {
    const role = rule.recipients[d.deviceType as 'ESME' | 'GSME'];
    if (!role) continue;
    roles.add(role);
    const supplier = view.supplierOf(d.eui);
    const u = supplier === undefined ? undefined : view.user(supplier);
    if (u && u.status === 'active' && u.roles.includes(role) && !users.includes(u.eui)) users.push(u.eui);
  }
  if (users.length === 0)
    return {
      kind: 'unroutable',
      reason: `${rule.useCase} from ${msg.originator}: no active registered ${[...roles].join('/') || 'supplier'} user for the meters on its HAN`,
    };
  return { kind: 'dcc-alert', users, dccAlertCode: rule.dccAlertCode, alert: rule.alert(msg, alertCode) };
}
