/**
 * Communications Hub Function use cases (DLMS/COSEM): Device Log management
 * (CCS0x), CHF identity and logs, Sub GHz (DBCH0x). Accesses and shapes read
 * off the RTDS reference messages (confirmed: 'rtds').
 */
import type { DlmsAccess } from '../dlms-row.ts';
import { dlmsAccess, dlmsCommand } from '../dlms-row.ts';
import { roleFields } from './roles.ts';

const { get, getRange, set, action } = dlmsAccess;

function chf<const U extends string, const A extends readonly DlmsAccess[]>(
  code: number,
  useCase: U,
  name: string,
  srv: string,
  accesses: A,
) {
  return dlmsCommand({
    code,
    useCase,
    name,
    targets: ['CHF'],
    critical: false,
    srvs: [srv],
    ...roleFields(useCase),
    confirmed: 'rtds',
    accesses,
  });
}

export const CHF_ROWS = [
  chf(0x0001, 'CCS01', 'Add Device to CHF Device Log', '8.11', [
    action('zigbeeNetworkControl', 'registerDevice'),
    set('zigbeeNetworkControl', 'joinTimeout'),
    set('zigbeeNetworkControl', 'enableDisableJoining'),
  ]),
  chf(0x0002, 'CCS02', 'Remove Device from CHF Device Log', '8.11', [
    action('zigbeeNetworkControl', 'unregisterDevice'),
  ]),
  chf(0x0003, 'CCS03', 'Restore CHF Device Log', '8.12.1', [
    action('zigbeeNetworkControl', 'restoreDeviceLog'),
  ]),
  chf(0x00fe, 'CCS07', 'Read CHF Device Logs', '8.9', [
    action('zigbeeNetworkControl', 'readDeviceLog'),
    action('gpfDeviceLog', 'readDeviceLog'),
  ]),
  chf(0x010f, 'CCS06', 'Read CHF Device Log and Check HAN Communications', '8.9', [
    get('zigbeeNetworkControl', 'activeDevices'),
  ]),
  chf(0x0092, 'ECS26i', 'Read Configuration Data Device Information (CHF identity)', '6.2.4', [
    get('deviceId1', 'value'),
    get('deviceId', 'value'),
    get('manufacturerModel', 'value'),
  ]),
  chf(0x00fa, 'ECS26n', 'Read CHF Configuration Data Device Information (CH identity and type)', '6.2.4', [
    get('deviceId', 'value'),
    get('manufacturerModel', 'value'),
  ]),
  chf(0x0094, 'ECS35d', 'Read CHF Security Log', '6.13', [getRange('securityLog', 'buffer')]),
  chf(0x010a, 'DBCH01', 'Read CHF Sub GHz Channel', '6.31', [get('subGhzChannel', 'value')]),
  chf(0x010b, 'DBCH02', 'Read CHF Sub GHz Channel Log', '6.32', [getRange('subGhzChannelLog', 'buffer')]),
  chf(0x010d, 'DBCH04', 'Set CHF Sub GHz Configuration', '6.28', [set('subGhzConfiguration', 'value')]),
  chf(0x010e, 'DBCH05', 'Request CHF Sub GHz Channel Scan', '6.29', [
    set('subGhzChannelScanRequest', 'value'),
  ]),
] as const;
