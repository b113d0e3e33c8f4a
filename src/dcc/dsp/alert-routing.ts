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
 *   what the DCC does with it is the row of `DCC_ADDRESSED_ALERTS` for its
 *   GBCS Message Code (the use case; the row also names the alert codes
 *   that use case carries): pass it on as a DUIS DCC Alert, forward it as a
 *   DeviceAlertMessage to the user the payload or the DSP's records name,
 *   or keep it (`dcc-kept`: the DCC's own data, no user told). An alert
 *   with no row (a generic alert, an alert code the row does not carry) is
 *   `unroutable` (recorded, not forwarded).
 *
 * `DCC_ADDRESSED_ALERTS`, one row per use case (Message Code):
 *
 * The CHF's Sub GHz alerts to the ACB (`DUAL_BAND_CH_ALERTS`), DBCH06
 * Limited Duty Cycle Action Taken (0x8F20-0x8F25), DBCH07
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
 * CS14 Device Addition To / Removal From HAN Whitelist (0x0018, alert
 * 0x8F12 CHF Device Log Changed) and GCS62 Backup GPF Device Log (0x00B2,
 * alert 0x8071 GPF Device Log Changed): kept (`dcc-kept`). Their payload is
 * the whole Device Log (CS14: the CHF's, as CCS07 reads it with the devices'
 * link keys; GCS62: the GPF's with device types), which is what the DCC
 * needs to restore a CH's logs onto a replacement (8.12.1 / 8.12.2): the
 * DSP keeps it as that CH's backup (device-log-backups.ts). PROVISIONAL:
 * that no user is told (the DUIS XSD's DCCAlert choice has no element for
 * a device log change; DeviceLogRestored is the 8.12 restore's).
 *
 * Failure to Deliver Remote Party Message to ESME (0x00D5, alert 0x8F84):
 * a DeviceAlertMessage (the whole GBCS alert) to the Business Originator of
 * the message the CHF could not deliver, the first field of the payload's
 * Remote Party Message (Business Originator ID, Business Target ID, CRA
 * flag, Originator Counter: the field names a public GBCS parser reads
 * there; the row's body is UNCONFIRMED, rows/dlms-alerts.ts), if that is an
 * active user; else unroutable. PROVISIONAL: DeviceAlertMessage rather than
 * a DCC Alert (no DCCAlert child names an undelivered command to an ESME).
 *
 * Firmware Distribution Receipt Alert (0x00CE, alert 0x8F72) to the ACB:
 * checked against the latest 11.1 Update Firmware the DSP recorded for the
 * device (non-device.ts: requester, RequestID, the OTA image's SHA-256 the
 * device reports, zigbee/ota.ts). The same hash: a DeviceAlertMessage to
 * the 11.1 requester. Another hash: the DCC Alert
 * `FirmwareDistributionFailure` (UpdateFirmwareRequestID = the 11.1's
 * RequestID, MeterIDs = the device) to the requester. No recorded 11.1 (or
 * a requester no longer active): unroutable. PROVISIONAL: the DCCAlertCode
 * (N999) and the success path as a DeviceAlertMessage.
 *
 * CCS08 Firmware Transfer Alert (0x0128, any alert code; the row's body is
 * UNCONFIRMED, rows/asn1.ts): the DCC Alert `CommsHubAlert`
 * (CommsHubDeviceID = the CHF, AlertCode, TimeStamp = the payload's
 * execution date-time) with its `FirmwareTransferAlert` child: OtherDeviceID
 * = the payload's entity, FirmwareVersion = its 4 octets in hex,
 * TransferResponseCode = its response code (0 FileTransferSuccess, 1
 * FirmwareImageDiscarded, 2 HardwareVersionMismatch, 3 FileTransferFailure:
 * the payload's and the XSD enumeration's order are the same),
 * UpdateFirmwareRequestID = the RequestID of the latest 11.1 the DSP
 * recorded for that device, when it has one (a response code outside 0-3:
 * the child is omitted). Recipient: that 11.1's requester, else the
 * registered supplier of the device; neither active: unroutable.
 * PROVISIONAL: the DCCAlertCode (N999) and the recipients.
 *
 * Before an ACB-addressed alert with a row is routed its MAC (and signature)
 * and Originator Counter are checked (alert-integrity.ts, through the view):
 * a failing one is `unroutable` with `rejected` set to the typed reason.
 */
import { type DuisNode, el } from '../../duis/index.ts';
import type { GbcsMessage } from '../../gbcs/index.ts';
import { decodeAlert, useCaseById } from '../../gbcs/use-cases/index.ts';
import { type Eui, euiToDuis, normaliseEui } from '../../runtime/bytes.ts';
import { type AcbAlertRejection, rejectionText } from './alert-integrity.ts';
import type { DspInventoryDevice } from './inventory.ts';
import type { DspUser, UserRole } from './users.ts';

/** The latest 11.1 Update Firmware the DSP recorded for a device (non-device.ts). */
export interface FirmwareDistribution {
  /** the user who sent the 11.1 */
  user: Eui;
  /** its DUIS RequestID */
  requestId: string;
  /** the OTA image's SHA-256 (hex upper case) as a device reports it in its receipt alert; absent: not an OTA image */
  imageHash?: string;
}

/** What the router reads of the DSP. */
export interface AlertRoutingView {
  /** A registered user (any status). */
  user(eui: Eui): DspUser | undefined;
  /** The inventory devices on the HAN of CHF `chf`. */
  devicesOnChf(chf: Eui): readonly DspInventoryDevice[];
  /** The registered supplier user of meter `meter` (registration.ts). */
  supplierOf(meter: Eui): Eui | undefined;
  /** The latest 11.1 recorded for `device` with its requester, if any. */
  firmwareDistributionTo(device: Eui): FirmwareDistribution | undefined;
  /** Checks an ACB-addressed alert (alert-integrity.ts `AcbAlertGate.admit`): undefined = admitted. */
  admitAcbAlert(msg: GbcsMessage): AcbAlertRejection | undefined;
}

export type AlertRoute =
  /** to the user the alert is addressed to (or the DCC forwards it to), as a DeviceAlertMessage */
  | { kind: 'device-alert'; user: Eui }
  /** the DCC's own alert passed on to `users` as a DCCAlertMessage */
  | { kind: 'dcc-alert'; users: Eui[]; dccAlertCode: string; alert: DuisNode }
  /** the DCC's own data (a Device Log backup, device-log-backups.ts): kept, no user told */
  | { kind: 'dcc-kept'; useCase: string }
  /** not forwarded; `rejected`: the alert failed its integrity or replay check (alert-integrity.ts) */
  | { kind: 'unroutable'; reason: string; rejected?: AcbAlertRejection };

/** A device alert addressed to the ACB that the DCC acts on: one row per use case. */
export interface DccAddressedAlert {
  /** the GBCS use case of the alert (catalogue row) */
  useCase: string;
  /** the alert codes it carries; absent: any (CCS08, whose alert code no source here fixes) */
  alertCodes?: readonly number[];
  /** where a verified alert goes */
  route(msg: GbcsMessage, alertCode: number, view: AlertRoutingView): AlertRoute;
}

const hex = (n: number, digits: number) => n.toString(16).toUpperCase().padStart(digits, '0');

/** An active user holding one of `roles` (any role when absent). */
function activeUser(
  view: AlertRoutingView,
  eui: Eui | undefined,
  roles?: readonly UserRole[],
): Eui | undefined {
  const u = eui === undefined ? undefined : view.user(eui);
  if (u?.status !== 'active') return undefined;
  return roles && !roles.some((r) => u.roles.includes(r)) ? undefined : u.eui;
}

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

/** The supplier User Role of each meter type on a CH's HAN that hears of the CH's Sub GHz alerts. */
const METER_SUPPLIER_ROLE: Readonly<Partial<Record<string, UserRole>>> = { ESME: 'IS', GSME: 'GS' };

/** A Dual Band CH alert: a DualBandCHAlert DCC Alert (N999, PROVISIONAL) to the registered suppliers of the CH's meters. */
function toMeterSuppliers(useCase: string, alert: (msg: GbcsMessage, alertCode: number) => DuisNode) {
  return (msg: GbcsMessage, alertCode: number, view: AlertRoutingView): AlertRoute => {
    const roles = new Set<UserRole>();
    const users: Eui[] = [];
    for (const d of view.devicesOnChf(msg.originator)) {
      const role = METER_SUPPLIER_ROLE[d.deviceType];
      if (!role) continue;
      roles.add(role);
      const u = activeUser(view, view.supplierOf(d.eui), [role]);
      if (u && !users.includes(u)) users.push(u);
    }
    if (users.length === 0)
      return {
        kind: 'unroutable',
        reason: `${useCase} from ${msg.originator}: no active registered ${[...roles].join('/') || 'supplier'} user for the meters on its HAN`,
      };
    return { kind: 'dcc-alert', users, dccAlertCode: 'N999', alert: alert(msg, alertCode) };
  };
}

/** The CHF's alerts to the ACB passed on as a DualBandCHAlert: alert codes, use case, how the child is built. */
const DUAL_BAND_CH_ALERTS: readonly (readonly [readonly number[], string, typeof dualBandChAlert])[] = [
  [[0x8f20, 0x8f21, 0x8f22, 0x8f23, 0x8f24, 0x8f25], 'DBCH06', dualBandChAlert],
  [[0x8f26], 'DBCH07', dualBandChAlert],
  [[0x8f28], 'DBCH08', dualBandChAlert],
  [[0x8f2a], 'DBCH09', dualBandChAlert],
  [[0x8f2c], 'DBCH10', dualBandChAlert],
  [[0x8f2d], 'DBCH11', dualBandChCapacityAlert],
];

/** 8F84: to the Business Originator of the undelivered message (the payload's first 8 octets), as a DeviceAlertMessage. */
function toBusinessOriginator(msg: GbcsMessage, _alertCode: number, view: AlertRoutingView): AlertRoute {
  let originator: Eui;
  try {
    const f = decodeAlert('FailureToDeliverToEsme', msg.content).fields as { remotePartyMessage: string };
    originator = normaliseEui(f.remotePartyMessage.slice(0, 16));
  } catch (e) {
    return {
      kind: 'unroutable',
      reason: `FailureToDeliverToEsme from ${msg.originator}: payload: ${String(e)}`,
    };
  }
  const user = activeUser(view, originator);
  if (!user)
    return {
      kind: 'unroutable',
      reason: `FailureToDeliverToEsme from ${msg.originator}: the Business Originator ${originator} is no active user`,
    };
  return { kind: 'device-alert', user };
}

/** 8F72 to the ACB: the receipt checked against the device's latest recorded 11.1 (see the module comment). */
function firmwareReceipt(msg: GbcsMessage, _alertCode: number, view: AlertRoutingView): AlertRoute {
  const dist = view.firmwareDistributionTo(msg.originator);
  const user = activeUser(view, dist?.user);
  if (!dist || !user)
    return {
      kind: 'unroutable',
      reason: `FDRA-DLMS from ${msg.originator}: ${dist ? `the 11.1 requester ${dist.user} is no active user` : 'no 11.1 Update Firmware recorded for the device'}`,
    };
  let hash: string;
  try {
    hash = (
      decodeAlert('FDRA-DLMS', msg.content).fields as { firmwareHash: string }
    ).firmwareHash.toUpperCase();
  } catch (e) {
    return { kind: 'unroutable', reason: `FDRA-DLMS from ${msg.originator}: payload: ${String(e)}` };
  }
  if (dist.imageHash === undefined || dist.imageHash === hash) return { kind: 'device-alert', user };
  return {
    kind: 'dcc-alert',
    users: [user],
    dccAlertCode: 'N999',
    alert: el('FirmwareDistributionFailure', [
      el('UpdateFirmwareRequestID', dist.requestId),
      el('MeterIDs', euiToDuis(msg.originator)),
    ]),
  };
}

/** CCS08's response code -> the XSD's TransferResponseCode (same order). */
const TRANSFER_RESPONSE_CODE = [
  'FileTransferSuccess',
  'FirmwareImageDiscarded',
  'HardwareVersionMismatch',
  'FileTransferFailure',
] as const;

/** GeneralizedTime `YYYYMMDDhhmmssZ` -> xs:dateTime; undefined if it is not that form. */
function xsDateTime(t: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(t);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : undefined;
}

/** CCS08 to the ACB: a CommsHubAlert with its FirmwareTransferAlert (see the module comment). */
function firmwareTransfer(msg: GbcsMessage, alertCode: number, view: AlertRoutingView): AlertRoute {
  let f: { executionDateTime: string; entityId: string; firmwareVersion: string; responseCode: number };
  let other: Eui;
  try {
    f = decodeAlert('CCS08', msg.content).fields as typeof f;
    other = normaliseEui(f.entityId);
  } catch (e) {
    return { kind: 'unroutable', reason: `CCS08 from ${msg.originator}: payload: ${String(e)}` };
  }
  const dist = view.firmwareDistributionTo(other);
  const user = activeUser(view, dist?.user) ?? activeUser(view, view.supplierOf(other));
  if (!user)
    return {
      kind: 'unroutable',
      reason: `CCS08 from ${msg.originator}: no active 11.1 requester or registered supplier of ${other}`,
    };
  const at = xsDateTime(f.executionDateTime);
  const code = TRANSFER_RESPONSE_CODE[f.responseCode];
  return {
    kind: 'dcc-alert',
    users: [user],
    dccAlertCode: 'N999',
    alert: el('CommsHubAlert', [
      el('CommsHubDeviceID', euiToDuis(msg.originator)),
      el('AlertCode', hex(alertCode, 4)),
      ...(at ? [el('TimeStamp', at)] : []),
      ...(code
        ? [
            el('FirmwareTransferAlert', [
              ...(dist ? [el('UpdateFirmwareRequestID', dist.requestId)] : []),
              el('OtherDeviceID', euiToDuis(other)),
              el('FirmwareVersion', f.firmwareVersion.toUpperCase()),
              el('TransferResponseCode', code),
            ]),
          ]
        : []),
    ]),
  };
}

/** A Device Log changed alert: the DSP keeps the log as the CH's backup (service.ts, device-log-backups.ts). */
const kept = (useCase: string) => (): AlertRoute => ({ kind: 'dcc-kept', useCase });

const ROWS: readonly DccAddressedAlert[] = [
  ...DUAL_BAND_CH_ALERTS.map(([alertCodes, useCase, alert]) => ({
    useCase,
    alertCodes,
    route: toMeterSuppliers(useCase, alert),
  })),
  { useCase: 'CS14', alertCodes: [0x8f12], route: kept('CS14') },
  { useCase: 'GCS62', alertCodes: [0x8071], route: kept('GCS62') },
  { useCase: 'FailureToDeliverToEsme', alertCodes: [0x8f84], route: toBusinessOriginator },
  { useCase: 'FDRA-DLMS', alertCodes: [0x8f72], route: firmwareReceipt },
  { useCase: 'CCS08', route: firmwareTransfer },
];

/** GBCS Message Code -> what the DCC does with that use case's alert to the ACB (see the module comment). */
export const DCC_ADDRESSED_ALERTS: Readonly<Record<number, DccAddressedAlert>> = Object.fromEntries(
  ROWS.map((r) => [useCaseById(r.useCase)!.code, r]),
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
  const rule = msg.otherInfo.supplementaryRemotePartyId ? undefined : DCC_ADDRESSED_ALERTS[msg.messageCode];
  if (!rule || (rule.alertCodes && !rule.alertCodes.includes(alertCode)))
    return { kind: 'unroutable', reason: `no user ${party}` };
  const rejected = view.admitAcbAlert(msg);
  if (rejected) return { kind: 'unroutable', reason: rejectionText(rejected, rule.useCase, msg), rejected };
  return rule.route(msg, alertCode, view);
}
