/**
 * GBCS Message Codes (GBCS Table 13.3.5.x "Message Code"): the first two bytes
 * of other-information in every Remote Party Message; they name the use case.
 *
 * A view of the use-case catalogue (src/gbcs/use-cases, docs/use-cases.md),
 * the one table of use cases: DLMS codes (ESME, CHF, DLMS alerts) come from
 * it; the GBZ and ASN.1 codes below stay here until their catalogue rows
 * exist (a code with a catalogue row is taken from the catalogue).
 *
 * Declarative table (style: one row per code, lookups built from it). Every
 * code used by an RTDS reference message is here (`source: 'rtds'`, checked
 * by test/gbcs-codes.test.ts against the fixture folders); a few more that
 * this project relies on and whose GBCS name is well established are added
 * with `source: 'gbcs'`.
 *
 * - useCase: GBCS use case id as the RTDS folder spells it (`<SRV>_<UseCase>`);
 *   RTDS folder variants of the same code are listed in `aliases`.
 * - srv: the DUIS Service Reference Variant that produces the command, null for
 *   device-originated alerts and for commands with no SR (the RTDS `NA` folders).
 * - target: the device type the command is addressed to (for an alert: the
 *   device that raises it). RTDS EUIs ...A0 ESME, A1 GSME, A2 CHF, A3 GPF,
 *   A4 PPMID, A5 HCALCS, A6 a second ESME-like device.
 * - critical: a Critical Command (the business originator signs it, GBCS 4.3);
 *   for an alert, the device signs it. Taken from the RTDS signatures.
 * - payload: the payload format (GBCS 7.2); `altPayload` where the same code is
 *   used by device types of both families (generic alerts).
 *
 * PROVISIONAL codes for SECMP0038 live in provisional.ts; they are merged
 * into MESSAGE_CODES (marked `provisional: true`) so lookups find them.
 */
import { useCaseByCode, useCaseRows } from '../use-cases/index.ts';
import type { DeviceTarget, PayloadFormat, UseCaseRowBase } from '../use-cases/row.ts';
import { PROVISIONAL_MESSAGE_CODES } from './provisional.ts';

export type { DeviceTarget, PayloadFormat };

export interface MessageCodeInfo {
  code: number;
  useCase: string;
  name: string;
  srv: string | null;
  target: DeviceTarget;
  critical: boolean;
  payload: PayloadFormat;
  /** 'command' for a Remote Party Command (its Response carries the same code), 'alert' for a device alert. */
  kind: 'command' | 'alert';
  /** Other device types the same code is sent to (or raised by). */
  targets?: readonly DeviceTarget[];
  /** Second payload format for codes used by both DLMS and GBZ devices. */
  altPayload?: PayloadFormat;
  /** Other spellings of the use case in RTDS folder names. */
  aliases?: readonly string[];
  /** 'rtds': seen in the RTDS reference messages; 'gbcs': added from the GBCS table; 'provisional': SECMP0038. */
  source: 'rtds' | 'gbcs' | 'provisional';
  /** true only for the PROVISIONAL SECMP0038 codes of provisional.ts. */
  provisional?: boolean;
  /** Set when the name could not be confirmed against GBCS text (inferred from the DUIS SR). */
  nameUnconfirmed?: true;
}

type Row = Omit<MessageCodeInfo, 'source' | 'kind'> & {
  kind?: 'command' | 'alert';
  source?: 'rtds' | 'gbcs';
};

const c = (
  code: number,
  useCase: string,
  name: string,
  srv: string | null,
  target: DeviceTarget,
  critical: boolean,
  payload: PayloadFormat,
  extra: Partial<Row> = {},
): Row => ({ code, useCase, name, srv, target, critical, payload, ...extra });

const ALERT = { kind: 'alert' as const };
const GBCS = { source: 'gbcs' as const };

const ROWS: Row[] = [
  // ---- CHF: the DLMS use cases are in the catalogue (src/gbcs/use-cases)
  c(0x0128, 'CCS08', 'Firmware Transfer Alert', null, 'CHF', false, 'asn1', { ...ALERT, ...GBCS }),

  // ---- Security credentials, join/unjoin, firmware (ASN.1 DER)
  c(0x0008, 'CS02a', 'Provide Security Credentials Details', null, 'ANY', false, 'asn1', {
    aliases: ['CS02aSignature'],
  }),
  c(0x000a, 'CS02c', 'Issue Security Credentials', '6.17', 'ANY', true, 'asn1'),
  c(0x000b, 'CS02d', 'Update Device Certificates on Device', '6.15.2', 'ANY', true, 'asn1'),
  c(0x000c, 'CS02e', 'Provide Device Certificates from Device', '6.24.2', 'ANY', true, 'asn1'),
  c(0x011b, 'CS02f', 'Retrieve Device Security Credentials (KRP)', '6.24.1', 'ANY', false, 'asn1', {
    aliases: ['CS02fMAC'],
    nameUnconfirmed: true,
  }),
  c(
    0x0102,
    'CS02bSupplierBySupplier',
    'CS02b Update Security Credentials (supplierBySupplier)',
    '6.15.1',
    'ANY',
    true,
    'asn1',
  ),
  c(
    0x0103,
    'CS02bNOByNOHandover',
    'CS02b Update Security Credentials (networkOperatorByNetworkOperator)',
    '6.21',
    'ANY',
    true,
    'asn1',
  ),
  c(
    0x0104,
    'CS02bACBByACB',
    'CS02b Update Security Credentials (accessControlBrokerByACB)',
    '8.5',
    'ANY',
    false,
    'asn1',
  ),
  c(
    0x0105,
    'CS02bWPByWP',
    'CS02b Update Security Credentials (wanProviderByWanProvider)',
    null,
    'ANY',
    true,
    'asn1',
  ),
  c(
    0x0107,
    'CS02bSupplierByTransCoS',
    'CS02b Update Security Credentials (supplierByTransCoS)',
    '6.23',
    'ANY',
    true,
    'asn1',
  ),
  c(
    0x0108,
    'CS02bAnyExceptAbnormalRootByRecovery',
    'CS02b Update Security Credentials (anyExceptAbnormalRootByRecovery)',
    null,
    'ANY',
    true,
    'asn1',
  ),
  c(
    0x0109,
    'CS02bAnyByContingency',
    'CS02b Update Security Credentials (anyByContingency)',
    null,
    'ANY',
    true,
    'asn1',
  ),
  c(
    0x0125,
    'CS02gLoadControllerByLoadController',
    'CS02g Update Security Credentials (loadControllerByLoadController)',
    null,
    'ESME',
    true,
    'asn1',
    {
      nameUnconfirmed: true,
    },
  ),
  c(
    0x0126,
    'CS02gLoadControllerBySupplier',
    'CS02g Update Security Credentials (loadControllerBySupplier)',
    '6.15.1',
    'ESME',
    true,
    'asn1',
    {
      nameUnconfirmed: true,
    },
  ),
  c(0x000d, 'CS03A1', 'Method A Join (Meter)', '8.7.1', 'ESME', true, 'asn1', { targets: ['ESME', 'GSME'] }),
  c(0x00ab, 'CS03A2', 'Method A Join (non Meter)', '8.7.2', 'PPMID', true, 'asn1', {
    targets: ['PPMID', 'HCALCS'],
    aliases: ['CS03A2NonCritical'],
  }),
  c(0x00af, 'CS03C', 'Method C Join', '8.7.2', 'PPMID', true, 'asn1', {
    targets: ['PPMID', 'HCALCS', 'Type2'],
    aliases: ['CS03CNonCritical'],
  }),
  c(0x000f, 'CS04AC', 'Method A or C Unjoin', '8.8.2', 'ANY', true, 'asn1', {
    aliases: ['CS04ACNonCritical'],
  }),
  c(0x0010, 'CS04B', 'Method B Unjoin', '8.8.2', 'GSME', false, 'asn1', { targets: ['GSME', 'ESME'] }),
  c(0x0012, 'CS06', 'Activate Firmware', '11.3', 'ANY', true, 'asn1'),
  c(0x0013, 'CS07', 'Read Device Join Details', '8.10', 'ANY', false, 'asn1', GBCS),
  c(0x0129, 'CS08', 'Read PPMID/HCALCS Firmware Version', '11.2', 'PPMID', false, 'asn1', {
    targets: ['PPMID', 'HCALCS'],
  }),
  c(0x012b, 'CS09', 'Read Firmware Version Alert (PPMID/HCALCS)', null, 'PPMID', true, 'asn1', {
    ...ALERT,
    nameUnconfirmed: true,
  }),
  c(
    0x00ca,
    'FutureDatedFirmwareActivationAlert',
    'Future Dated Firmware Activation Alert',
    null,
    'ANY',
    true,
    'asn1',
    ALERT,
  ),
  c(
    0x00cb,
    'FutureDatedSecurityCredentialsAlert',
    'Future Dated Update Security Credentials Alert',
    null,
    'ANY',
    true,
    'asn1',
    ALERT,
  ),
  c(
    0x0124,
    'FutureDatedLoadControllerCredentialsAlert',
    'Future Dated Update Security Credentials Alert (Load Controller)',
    null,
    'ESME',
    true,
    'asn1',
    { ...ALERT, nameUnconfirmed: true },
  ),
  c(0x008c, 'GCS59', 'Restore GPF Device Log', '8.12.2', 'GPF', false, 'asn1'),
  c(0x00b2, 'GCS62', 'Backup GPF Device Log', null, 'GPF', false, 'asn1', ALERT),
  c(0x007f, 'GCS28', 'Set Clock on GSME', '6.11', 'GSME', true, 'asn1'),

  // ---- GSME / GPF (GBZ)
  c(0x0097, 'CS01b', 'Apply Prepayment Top Up to a GSME', '2.2', 'GSME', false, 'gbz'),
  c(0x006b, 'GCS01a', 'Set Tariff and Price on GSME', '1.1.1', 'GSME', true, 'gbz', GBCS),
  c(0x00a3, 'GCS01b', 'Set Price on GSME', '1.2.1', 'GSME', true, 'gbz'),
  c(0x006c, 'GCS02', 'Set GSME Payment Mode to Credit', '1.6', 'GSME', true, 'gbz', GBCS),
  c(0x006d, 'GCS03', 'Set GSME Payment Mode to Prepayment', '1.6', 'GSME', true, 'gbz'),
  c(0x0070, 'GCS06', 'Activate Emergency Credit Remotely on GSME', '2.5', 'GSME', true, 'gbz'),
  c(0x0071, 'GCS07', 'Send Message to GSME', '3.1', 'GSME', false, 'gbz'),
  c(0x0072, 'GCS09', 'Set Change of Tenancy Date on GPF', '3.2', 'GPF', false, 'gbz'),
  c(0x0074, 'GCS13a', 'Read GSME Consumption Register', '4.1.1', 'GSME', false, 'gbz', {
    targets: ['GSME', 'GPF'],
  }),
  c(0x00b6, 'GCS13c', 'Read GSME Register (TOU)', '4.1.2', 'GSME', false, 'gbz', {
    targets: ['GSME', 'GPF'],
  }),
  c(0x00b8, 'GCS13b', 'Read GSME Block Counters', '4.1.4', 'GSME', false, 'gbz', {
    targets: ['GSME', 'GPF'],
  }),
  c(0x0075, 'GCS14', 'Read GSME Prepayment Registers', '4.3', 'GSME', false, 'gbz', {
    targets: ['GSME', 'GPF'],
  }),
  c(
    0x00c3,
    'GCS15b',
    'Read GSME Billing Data Log (change of mode / tariff triggered)',
    '4.4.2',
    'GSME',
    false,
    'gbz',
  ),
  c(
    0x0076,
    'GCS15c',
    'Read GSME Billing Data Log (billing calendar triggered)',
    '4.4.3',
    'GSME',
    false,
    'gbz',
  ),
  c(
    0x00c4,
    'GCS15d',
    'Read GSME Billing Data Log (payment-based debt payments)',
    '4.4.4',
    'GSME',
    false,
    'gbz',
  ),
  c(0x0077, 'GCS16a', 'Read GSME Daily Read Log(s)', '4.6.1', 'GSME', false, 'gbz'),
  c(0x0096, 'GCS16b', 'Read GSME Daily Read Log(s) (prepayment)', '4.14', 'GSME', false, 'gbz', {
    targets: ['GSME', 'GPF'],
  }),
  c(0x0078, 'GCS17', 'Read GSME Profile Data Log', '4.8.1', 'GSME', false, 'gbz'),
  c(0x0079, 'GCS18', 'Read Gas Network Data Log', '4.10', 'GSME', false, 'gbz'),
  c(0x00b5, 'GCS21b', 'Read GSME Configuration Data Prepayment', '4.13', 'GSME', false, 'gbz'),
  c(
    0x00bf,
    'GCS21j',
    'Read GSME Configuration Data Device Information (Payment Mode)',
    '6.2.9',
    'GSME',
    false,
    'gbz',
  ),
  c(
    0x00da,
    'GCS21k',
    'Read GSME Configuration Data Device Information (Billing Calendar, all periodicities)',
    '6.2.3',
    'GSME',
    false,
    'gbz',
  ),
  c(
    0x00fb,
    'GCS21m',
    'Read GSME Configuration Data Device Information (identity, type and supply tamper / depletion state)',
    '6.2.4',
    'GSME',
    false,
    'gbz',
  ),
  c(
    0x00f1,
    'GCS20r',
    'Read Non-Critical Event and Alert Behaviours - GSME - Supplier',
    '6.2.10',
    'GSME',
    false,
    'gbz',
  ),
  c(0x007c, 'GCS23', 'Set CV and Conversion Factor Value(s) on the GSME', '6.6', 'GSME', true, 'gbz'),
  c(
    0x007d,
    'GCS24',
    'Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME',
    '6.7',
    'GSME',
    true,
    'gbz',
  ),
  c(
    0x00fc,
    'GCS24a',
    'Set Uncontrolled Gas Flow Rate (greater resolution) and Supply Tamper State on the GSME',
    '6.7',
    'GSME',
    true,
    'gbz',
  ),
  c(0x0080, 'GCS31', 'Start Network Data Log on GSME', '14.1', 'GSME', false, 'gbz'),
  c(0x0081, 'GCS32', 'Remotely Close the Valve in the GSME', '7.2', 'GSME', true, 'gbz', GBCS),
  c(0x0082, 'GCS33', 'Read GSME Valve Status', '7.4', 'GSME', false, 'gbz', GBCS),
  c(0x0083, 'GCS36', 'Send CIN to GSME', '9.1', 'GSME', false, 'gbz'),
  c(0x0084, 'GCS38', 'Read GSME Firmware Version', '11.2', 'GSME', false, 'gbz', GBCS),
  c(0x0085, 'GCS39', 'Arm Valve in GSME', '7.3', 'GSME', true, 'gbz'),
  c(0x0086, 'GCS40a', 'Adjust Prepayment Mode Meter Balance on the GSME', '1.5', 'GSME', true, 'gbz'),
  c(0x00c0, 'GCS40c', 'Adjust Credit Mode Meter Balance on the GSME', '1.5', 'GSME', true, 'gbz'),
  c(0x00c2, 'GCS40d', 'Reset Credit Mode Meter Balance on the GSME', '1.5', 'GSME', true, 'gbz'),
  c(0x008d, 'GCS60', 'Read Meter Balance for GSME', '4.18', 'GSME', false, 'gbz'),
  c(0x0014, 'CS10a', 'Read ZigBee Device Event Log', '6.13', 'GSME', false, 'gbz', {
    ...GBCS,
    targets: ['GSME', 'GPF'],
  }),
  c(0x0015, 'CS11', 'Clear ZigBee Device Event Log', '3.3', 'GSME', false, 'gbz', {
    ...GBCS,
    targets: ['GSME', 'GPF'],
  }),
  c(0x009b, 'PCS01', 'Apply Prepayment Top Up to a GSME using PPMID', null, 'GSME', false, 'gbz'),
  c(0x0090, 'PCS02', 'Activate Emergency Credit on GSME from PPMID', null, 'GSME', false, 'gbz'),
  c(
    0x00cd,
    'FutureDatedAlert-ZigBee',
    'Future Dated Execution of Instruction Alert (GBZ)',
    null,
    'GSME',
    true,
    'gbz',
    ALERT,
  ),
  c(0x00cf, 'FDRA-ZigBee', 'Firmware Distribution Receipt Alert (GSME)', null, 'GSME', true, 'gbz', ALERT),
  c(0x00f2, 'MIIWA-GSME', 'Meter Integrity Issue Warning Alert - GSME', null, 'GSME', false, 'gbz', {
    ...ALERT,
    ...GBCS,
  }),
  c(0x008b, 'GCS53', 'Push Billing Data Log as an Alert', null, 'GSME', false, 'gbz', { ...ALERT, ...GBCS }),
];

/** A catalogue row as a Message Code entry (the catalogue is the one table; this is a view of it). */
function fromCatalogue(r: UseCaseRowBase): MessageCodeInfo {
  const info: MessageCodeInfo = {
    code: r.code,
    useCase: r.useCase,
    name: r.name,
    srv: r.srvs[0] ?? null,
    target: r.targets[0] ?? 'ANY',
    critical: r.critical,
    payload: r.family,
    kind: r.kind,
    source: r.confirmed === 'rtds' ? 'rtds' : 'gbcs',
  };
  if (r.targets.length > 1) info.targets = r.targets;
  if (r.altFamily) info.altPayload = r.altFamily;
  if (r.aliases) info.aliases = r.aliases;
  if (r.nameUnconfirmed) info.nameUnconfirmed = true;
  return Object.freeze(info);
}

/**
 * The GBCS Message Codes (no provisional ones): the use-case catalogue's
 * rows, then the GBZ and ASN.1 codes below that have no catalogue row yet.
 */
export const GBCS_MESSAGE_CODES: readonly MessageCodeInfo[] = Object.freeze([
  ...useCaseRows().map(fromCatalogue),
  ...ROWS.filter((r) => !useCaseByCode(r.code)).map(
    (r) => Object.freeze({ ...r, kind: r.kind ?? 'command', source: r.source ?? 'rtds' }) as MessageCodeInfo,
  ),
]);

/** GBCS Message Codes plus the PROVISIONAL SECMP0038 ones (`provisional: true`). */
export const MESSAGE_CODES: readonly MessageCodeInfo[] = Object.freeze([
  ...GBCS_MESSAGE_CODES,
  ...PROVISIONAL_MESSAGE_CODES.map((p): MessageCodeInfo => p),
]);

const BY_CODE = new Map<number, MessageCodeInfo>(MESSAGE_CODES.map((m) => [m.code, m]));
const BY_USE_CASE = new Map<string, MessageCodeInfo>();
for (const m of MESSAGE_CODES) {
  BY_USE_CASE.set(m.useCase.toUpperCase(), m);
  for (const a of m.aliases ?? []) BY_USE_CASE.set(a.toUpperCase(), m);
}

export function lookupMessageCode(code: number): MessageCodeInfo | undefined {
  return BY_CODE.get(code);
}

/** By GBCS use case id (`ECS17b`) or an RTDS folder alias (`CS03A2NonCritical`); case-insensitive. */
export function messageCodeForUseCase(useCase: string): MessageCodeInfo | undefined {
  return BY_USE_CASE.get(useCase.toUpperCase());
}

/** `0x0027 ECS17b Read ESME Energy Registers (Import Energy)` */
export function describeMessageCode(code: number): string {
  const hex = `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const m = BY_CODE.get(code);
  return m ? `${hex} ${m.useCase} ${m.name}` : `${hex} (unknown message code)`;
}
