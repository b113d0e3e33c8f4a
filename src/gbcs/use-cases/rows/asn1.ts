/**
 * The ASN.1 (DER) use cases of GBCS: security credentials (CS02x), join and
 * unjoin (CS03x, CS04x), firmware (CS06, CS08, and their alerts), the GSME
 * clock (GCS28) and the GPF Device Log (GCS59, GCS62). Structures:
 * asn1-structures.ts; every row marked `rtds` decodes and re-encodes every
 * RTDS message of its code (use-cases.test.ts).
 */

import type { Asn1Schema } from '../../payload/der-schema.ts';
import { asn1Alert, asn1Command } from '../asn1-row.ts';
import type { DeviceTarget } from '../row.ts';
import * as S from './asn1-structures.ts';
import { roleFields } from './roles.ts';

/** Use cases every device type takes (GBCS: ANY). */
const ALL_DEVICES: readonly DeviceTarget[] = ['ANY'];
const METERS: readonly DeviceTarget[] = ['ESME', 'GSME'];
const FUTURE_DATED = [0x8f66, 0x8f67] as const;

type Extra = {
  confirmed?: 'rtds' | 'gbcs-text' | 'unconfirmed';
  aliases?: readonly string[];
  alerts?: readonly number[];
  nameUnconfirmed?: true;
  /** where the payload comes from (row.ts `note`) */
  note?: string;
};

function cmd<const U extends string, const C extends Asn1Schema, const R extends Asn1Schema>(
  code: number,
  useCase: U,
  name: string,
  targets: readonly DeviceTarget[],
  srvs: readonly string[],
  critical: boolean,
  command: C,
  response: R,
  extra: Extra = {},
) {
  return asn1Command({
    code,
    useCase,
    name,
    targets,
    critical,
    srvs,
    ...roleFields(useCase),
    confirmed: extra.confirmed ?? 'rtds',
    ...(extra.aliases ? { aliases: extra.aliases } : {}),
    ...(extra.alerts ? { alerts: extra.alerts } : {}),
    ...(extra.nameUnconfirmed ? { nameUnconfirmed: true } : {}),
    ...(extra.note ? { note: extra.note } : {}),
    command,
    response,
  });
}

function alert<const U extends string, const A extends Asn1Schema>(
  code: number,
  useCase: U,
  name: string,
  targets: readonly DeviceTarget[],
  critical: boolean,
  body: A,
  extra: Extra = {},
) {
  return asn1Alert({
    code,
    useCase,
    name,
    targets,
    critical,
    srvs: [],
    roles: [],
    rolesConfirmed: 'gbcs-text',
    confirmed: extra.confirmed ?? 'rtds',
    ...(extra.nameUnconfirmed ? { nameUnconfirmed: true } : {}),
    ...(extra.note ? { note: extra.note } : {}),
    alert: body,
  });
}

/** CS02b / CS02g: one Message Code per credentials replacement mode (the mode is the code's low byte). */
function updateCredentials<const U extends string>(
  code: number,
  useCase: U,
  mode: string,
  srvs: readonly string[],
  critical: boolean,
  extra: Extra & { targets?: readonly DeviceTarget[] } = {},
) {
  return cmd(
    code,
    useCase,
    `${useCase.startsWith('CS02g') ? 'CS02g' : 'CS02b'} Update Security Credentials (${mode})`,
    extra.targets ?? ALL_DEVICES,
    srvs,
    critical,
    S.UpdateSecurityCredentialsCommand,
    S.UpdateSecurityCredentialsResponse,
    { alerts: FUTURE_DATED, ...extra },
  );
}

/**
 * CS02b modes without an RTDS example: GBCS 13.3.3.1 (GBCS v0.8.1 text, the
 * public copy at essaydocs.org "version-1-release-note-28-november-2014",
 * page 163) makes every credentialsReplacementMode carry the same
 * @UpdateSecurityCredentials.CommandPayload (13.3.5.11); only the wrapping
 * (MAC header, KRP signature) differs by mode. So their payload is the
 * structure the RTDS modes confirm.
 */
const SAME_PAYLOAD_AS_EVERY_MODE = { confirmed: 'gbcs-text' } as const;

export const ASN1_ROWS = [
  // ---- CS02 security credentials
  cmd(
    0x0008,
    'CS02a',
    'Provide Security Credentials Details',
    ALL_DEVICES,
    [],
    false,
    S.ProvideSecurityCredentialDetailsCommand,
    S.ProvideSecurityCredentialDetailsResponse,
    { aliases: ['CS02aSignature'] },
  ),
  updateCredentials(0x0100, 'CS02bRootBySupplier', 'rootBySupplier', [], true, SAME_PAYLOAD_AS_EVERY_MODE),
  updateCredentials(
    0x0101,
    'CS02bRootByWanProvider',
    'rootByWanProvider',
    [],
    true,
    SAME_PAYLOAD_AS_EVERY_MODE,
  ),
  updateCredentials(0x0102, 'CS02bSupplierBySupplier', 'supplierBySupplier', ['6.15.1'], true),
  // 6.21 (handover) and 6.15.1 with RemotePartyRole NetworkOperator sent by the network operator (the DSP
  // builds it for both: security-srs.ts, credentials-srs.ts)
  updateCredentials(
    0x0103,
    'CS02bNOByNOHandover',
    'networkOperatorByNetworkOperator',
    ['6.15.1', '6.21'],
    true,
  ),
  updateCredentials(0x0104, 'CS02bACBByACB', 'accessControlBrokerByACB', ['8.5'], false),
  updateCredentials(0x0105, 'CS02bWPByWP', 'wanProviderByWanProvider', [], true),
  updateCredentials(
    0x0106,
    'CS02bTransCoSByTransCoS',
    'transCoSByTransCoS',
    [],
    true,
    SAME_PAYLOAD_AS_EVERY_MODE,
  ),
  updateCredentials(0x0107, 'CS02bSupplierByTransCoS', 'supplierByTransCoS', ['6.23'], true),
  updateCredentials(
    0x0108,
    'CS02bAnyExceptAbnormalRootByRecovery',
    'anyExceptAbnormalRootByRecovery',
    [],
    true,
  ),
  updateCredentials(0x0109, 'CS02bAnyByContingency', 'anyByContingency', [], true),
  updateCredentials(
    0x0125,
    'CS02gLoadControllerByLoadController',
    'loadControllerByLoadController',
    [],
    true,
    { targets: ['ESME'], nameUnconfirmed: true },
  ),
  updateCredentials(0x0126, 'CS02gLoadControllerBySupplier', 'loadControllerBySupplier', ['6.15.1'], true, {
    targets: ['ESME'],
    nameUnconfirmed: true,
  }),
  cmd(
    0x000a,
    'CS02c',
    'Issue Security Credentials',
    ALL_DEVICES,
    ['6.17'],
    true,
    S.KeyUsageCommand,
    S.IssueSecurityCredentialsResponse,
  ),
  cmd(
    0x000b,
    'CS02d',
    'Update Device Certificates on Device',
    ALL_DEVICES,
    ['6.15.2'],
    true,
    S.Certificate,
    S.ResponseCode,
  ),
  cmd(
    0x000c,
    'CS02e',
    'Provide Device Certificates from Device',
    ALL_DEVICES,
    ['6.24.2'],
    true,
    S.KeyUsageCommand,
    S.ProvideDeviceCertificateResponse,
  ),
  cmd(
    0x011b,
    'CS02f',
    'Retrieve Device Security Credentials (KRP)',
    ALL_DEVICES,
    ['6.24.1'],
    false,
    S.ProvideSecurityCredentialDetailsCommand,
    S.ProvideSecurityCredentialDetailsResponse,
    { aliases: ['CS02fMAC'], nameUnconfirmed: true },
  ),

  // ---- CS03 / CS04 join and unjoin
  cmd(
    0x000d,
    'CS03A1',
    'Method A Join (Meter)',
    METERS,
    ['8.7.1'],
    true,
    S.JoinDeviceCommand,
    S.ResponseCode,
  ),
  // CS03B: GBCS 13.7.4 (GBCS v0.8.1 text, essaydocs.org copy pages 195-196): the JoinDevice
  // CommandPayload every join carries (joinMethodAndRole methodB = 2, the other device's Entity
  // Identifier and DeviceType, its KA certificate only for a GSME-PPMID join), answered by the
  // JoinDevice ResponsePayload's JoinResponseCode; the structure RTDS confirms for CS03A1/A2/C
  cmd(0x000e, 'CS03B', 'Method B Join', METERS, ['8.7.1'], true, S.JoinDeviceCommand, S.ResponseCode, {
    confirmed: 'gbcs-text',
  }),
  cmd(
    0x00ab,
    'CS03A2',
    'Method A Join (non Meter)',
    ['PPMID', 'HCALCS'],
    ['8.7.2'],
    true,
    S.JoinDeviceCommand,
    S.ResponseCode,
    { aliases: ['CS03A2NonCritical'] },
  ),
  cmd(
    0x00af,
    'CS03C',
    'Method C Join',
    ['PPMID', 'HCALCS', 'Type2'],
    ['8.7.2'],
    true,
    S.JoinDeviceCommand,
    S.ResponseCode,
    { aliases: ['CS03CNonCritical'] },
  ),
  cmd(
    0x000f,
    'CS04AC',
    'Method A or C Unjoin',
    ALL_DEVICES,
    // 8.8.1 Unjoin Service (Critical) to a meter; 8.8.2 to a PPMID/HCALCS, the ACB originating
    ['8.8.1', '8.8.2'],
    true,
    S.UnjoinDeviceCommand,
    S.ResponseCode,
    { aliases: ['CS04ACNonCritical'] },
  ),
  cmd(0x0010, 'CS04B', 'Method B Unjoin', METERS, ['8.8.2'], false, S.UnjoinDeviceCommand, S.ResponseCode),

  // ---- firmware
  cmd(
    0x0012,
    'CS06',
    'Activate Firmware',
    ALL_DEVICES,
    ['11.3'],
    true,
    S.ActivateFirmwareCommand,
    S.ActivateFirmwareResponse,
    { alerts: FUTURE_DATED },
  ),
  cmd(
    0x0129,
    'CS08',
    'Read PPMID/HCALCS Firmware Version',
    ['PPMID', 'HCALCS'],
    ['11.2'],
    false,
    S.ReadFirmwareVersionCommand,
    S.ReadFirmwareVersionResponse,
  ),
  cmd(
    0x0013,
    'CS07',
    'Read Device Join Details',
    ALL_DEVICES,
    // GBCS V3.1 use-case table: Service Reference 8.9 (earlier DUIS versions had a separate 8.10)
    ['8.9'],
    false,
    S.ReadDeviceJoinDetailsCommand,
    S.ReadDeviceJoinDetailsResponse,
    // UNCONFIRMED: GBCS V3.1's use-case file lists CS07 (0x0013) with no table (GBCS 13.7); its
    // ASN.1 was not reached in the public GBCS text searched (v0.8.1 pages 195-196 give only JoinDevice)
    {
      confirmed: 'unconfirmed',
      note: 'both use-case files (V3.1 00ed2ddf, later c5d22f4e) list CS07 with no table, only "See section 13"; its ASN.1 was not found in the public GBCS text searched (GBCS v0.8.1 copy on essaydocs.org: pages 195-196 give JoinDevice, the Annex 3 ASN.1 page indexed is 249 only): structure inferred from the Device Log entries of GCS59 / GCS62',
    },
  ),

  // ---- GSME clock, GPF Device Log
  cmd(
    0x007f,
    'GCS28',
    'Set Clock on GSME',
    ['GSME'],
    ['6.11', '8.1.1'],
    true,
    S.SetClockCommand,
    S.SetClockResponse,
  ),
  cmd(
    0x008c,
    'GCS59',
    'Restore GPF Device Log',
    ['GPF'],
    ['8.12.2'],
    false,
    S.RestoreGpfDeviceLogCommand,
    S.RestoreGpfDeviceLogResponse,
  ),

  // ---- alerts
  alert(
    0x00ca,
    'FutureDatedFirmwareActivationAlert',
    'Future Dated Firmware Activation Alert',
    ALL_DEVICES,
    true,
    S.FutureDatedFirmwareActivationAlert,
  ),
  alert(
    0x00cb,
    'FutureDatedSecurityCredentialsAlert',
    'Future Dated Update Security Credentials Alert',
    ALL_DEVICES,
    true,
    S.FutureDatedSecurityCredentialsAlert,
  ),
  alert(
    0x0124,
    'FutureDatedLoadControllerCredentialsAlert',
    'Future Dated Update Security Credentials Alert (Load Controller)',
    ['ESME'],
    true,
    S.FutureDatedSecurityCredentialsAlert,
    { nameUnconfirmed: true },
  ),
  alert(
    0x012b,
    'CS09',
    'Read Firmware Version Alert (PPMID/HCALCS)',
    ['PPMID', 'HCALCS'],
    true,
    S.FirmwareVersionAlert,
    {
      nameUnconfirmed: true,
    },
  ),
  alert(0x00b2, 'GCS62', 'Backup GPF Device Log', ['GPF'], false, S.GpfDeviceLogBackupAlert),
  // UNCONFIRMED: 0x0128 is in no table of contents of the GBCS V3.1 (00ed2ddf) or later (c5d22f4e)
  // use-case files read; only the public message-code lists name it
  alert(0x0128, 'CCS08', 'Firmware Transfer Alert', ['CHF'], false, S.FirmwareTransferAlert, {
    confirmed: 'unconfirmed',
    note: "in neither use-case file's table of contents (V3.1 00ed2ddf, later c5d22f4e); GBCS section 11 text was not found in the public sources searched: element order as the public GBCS parser reads 0x0128, types as the sibling firmware alerts",
  }),
] as const;
