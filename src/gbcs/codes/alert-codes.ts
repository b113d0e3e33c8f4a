/**
 * GBCS Alert Codes (GBCS Table 16.2 "Alert Codes"): the 16-bit code in a DLMS
 * alert's data-notification body, a GBZ alert header or an ASN.1 alert.
 * GBCS allocates them in two blocks: 0x8000-0x81FF (mostly non-critical
 * device events) and 0x8F00-0x8FFF (critical / security alerts).
 *
 * The rows below are the GBCS names of the codes this project meets (every
 * alert code in the RTDS fixtures, the routing alerts of GBCS.md 5, and the
 * common device alerts). PROVISIONAL SECMP0038 codes are added from
 * provisional.ts and carry `provisional: true`.
 */
import { PROVISIONAL_ALERT_CODES } from './provisional.ts';

export interface AlertCodeInfo {
  code: number;
  name: string;
  provisional?: boolean;
}

const GBCS_ALERTS: readonly [number, string][] = [
  [0x8002, 'Average RMS Voltage above Average RMS Over Voltage Threshold'],
  [0x8006, 'Average RMS Voltage below Average RMS Under Voltage Threshold'],
  [0x8010, 'Over Current'],
  [0x8020, 'RMS Voltage above Extreme Over Voltage Threshold'],
  [0x8024, 'RMS Voltage above Voltage Swell Threshold'],
  [0x8028, 'RMS Voltage below Extreme Under Voltage Threshold'],
  [0x802c, 'RMS Voltage below Voltage Sag Threshold'],
  [0x8071, 'GPF Device Log Changed'],
  [0x810d, 'Combined Credit Below Low Credit Threshold (prepayment mode)'],
  [0x810e, 'Credit Added Locally'],
  [0x8119, 'Emergency Credit Has Become Available (prepayment mode)'],
  [0x811a, 'Failure in changing or maintaining HCALCS or ALCS state'],
  [0x8131, 'Success in changing or maintaining HCALCS or ALCS state'],
  [0x8145, 'Clock adjusted (within tolerance)'],
  [0x8154, 'Immediate HAN Interface Command Received and Successfully Actioned'],
  [0x8155, 'Immediate HAN Interface Command Received but not Successfully Actioned'],
  [0x8161, 'User Interface Command Input and Successfully Actioned'],
  [0x8162, 'User Interface Command Input but not Successfully Actioned'],
  [0x8183, 'Device joined SMHAN'],
  [0x8184, 'Valve tested'],
  [0x819d, 'GSME Command Not Retrieved'],
  [0x819e, 'Tap Off Message Response or Alert Failure'],
  [0x81a0, 'Smart Meter Integrity Issue - Warning'],
  [0x81a2, 'CH Connected to ESME'],
  [0x81a3, 'CH Disconnected from ESME'],
  [0x81a4, 'Close Tunnel Command Rejected'],
  [0x81a5, 'Communication From Local Port (e.g. Optical)'],
  [0x81a6, 'Customer Acknowledged Message on HAN Device'],
  [0x81aa, 'Emergency Credit Exhausted'],
  [0x81ab, 'Emergency Credit Activated'],
  [0x81b2, 'Error Unexpected Hardware Reset'],
  [0x81ba, 'Request Tunnel Command Rejected'],
  [0x81bd, 'Supply Connect Failure (Valve or Load Switch)'],
  [0x81c0, 'Supply Disconnect Failure (Valve or Load Switch)'],
  [0x81c4, 'UTRN Manual Entry Suspended'],
  [0x81c5, 'UTRN rejected as locked out'],
  [0x81c6, 'Clock not adjusted (outside tolerance)'],
  [0x8f01, 'Active Power Import above Load Limit Threshold'],
  [0x8f0a, 'Billing Data Log Updated'],
  [0x8f0c, 'Clock not adjusted (adjustment greater than 10 seconds)'],
  [0x8f0f, 'Credit Below Disablement Threshold (prepayment mode)'],
  [0x8f12, 'CHF Device Log Changed'],
  [0x8f1b, 'Firmware Verification Failed At Power On'],
  [0x8f1c, 'Firmware Verification Failed'],
  [0x8f1d, 'GSME Power Supply Loss'],
  [0x8f1e, 'Integrity check of content or format of command failed'],
  [0x8f1f, 'Low Battery Capacity'],
  [0x8f20, 'Limited Duty Cycle Action Taken'],
  [0x8f21, 'Duty Cycle fallen below Normal-Limited Duty Cycle Threshold'],
  [0x8f22, 'Critical Duty Cycle Action Taken'],
  [0x8f23, 'Duty Cycle fallen below Limited-Critical Duty Cycle Threshold'],
  [0x8f24, 'Regulated Duty Cycle Action Taken'],
  [0x8f25, 'Duty Cycle fallen below Critical-Regulated Duty Cycle Threshold'],
  [0x8f26, 'Sub GHz Channel Changed'],
  [0x8f27, 'Sub GHz Channel Scan initiated'],
  [0x8f28, 'Sub GHz Channel Scan Request Assessment Outcome'],
  [0x8f29, 'Three Lost GSME Searches Failed'],
  [0x8f2a, 'Sub GHz Configuration Changed'],
  [0x8f2b, 'Sub GHz Channel not changed due to Frequency Agility Parameters'],
  [0x8f2c, 'Message Discarded Due to Duty Cycle Management'],
  [0x8f2d, 'No More Sub GHz Device Capacity'],
  [0x8f30, 'Source Does not have Authority for Command'],
  [0x8f32, 'Supply Armed'],
  [0x8f35, 'Supply Outage Restored'],
  [0x8f36, 'Supply Outage Restored - Outage >= 3 minutes'],
  [0x8f3d, 'Trusted Source Authentication Failure'],
  [0x8f3e, 'Unauthorised Communication Access attempted'],
  [0x8f3f, 'Unauthorised Physical Access - Tamper Detect'],
  [0x8f43, 'Change in the executing Firmware version'],
  [0x8f47, 'Credit would cause Meter Balance to exceed Maximum Meter Balance Threshold'],
  [0x8f48, 'Device joining failed'],
  [0x8f49, 'Device joining succeeded'],
  [0x8f4a, 'Device Unjoining failed'],
  [0x8f4b, 'Device Unjoining succeeded'],
  [0x8f4c, "Device's own Digital Signing Certificate replacement failed"],
  [0x8f4d, "Device's own Digital Signing Certificate replacement succeeded"],
  [0x8f4e, "Device's own Key Agreement Certificate replacement failed"],
  [0x8f4f, "Device's own Key Agreement Certificate replacement succeeded"],
  [0x8f51, 'Duplicate UTRN entered'],
  [0x8f52, 'Event Log Cleared'],
  [0x8f53, 'Failed Authentication or Authorisation not covered by other codes'],
  [0x8f57, 'Supply interrupted'],
  [0x8f5b, 'UTRN exceeds Maximum Credit Threshold'],
  [0x8f60, 'Unusual numbers of malformed, out-of-order or unexpected Commands received'],
  [0x8f63, 'UTRN not Authentic'],
  [0x8f64, 'UTRN not for this Device'],
  [0x8f66, 'Future-dated HAN Interface Command Successfully Actioned'],
  [0x8f67, 'Future-dated HAN Interface Command not Successfully Actioned'],
  [0x8f69, 'Device commissioned'],
  [0x8f70, 'Update Security Credentials'],
  [0x8f72, 'Firmware Verification Successful'],
  [0x8f73, 'Unauthorised Physical Access - Battery Cover Removed'],
  [0x8f74, 'Unauthorised Physical Access - Meter Cover Removed'],
  [0x8f75, 'Unauthorised Physical Access - Strong Magnetic field'],
  [0x8f76, 'Unauthorised Physical Access - Terminal Cover Removed'],
  [0x8f78, 'Unauthorised Physical Access - Other'],
  [0x8f82, 'Remaining Battery Capacity reset'],
  [0x8f83, 'Disablement of Supply due to insufficient credit has been suspended'],
  [0x8f84, 'Failure to Deliver Remote Party Message to ESME'],
  [0x8f89, 'Firmware transfer alert FAIL'],
  [0x8f8a, 'Firmware transfer alert SUCCESS'],
  [0x8f8b, 'Read Firmware version alert'],
];

/**
 * Codes seen only in the RTDS (newer GBCS versions, auxiliary controller
 * use cases ECS100-ECS200). GBCS names not confirmed here, except those of
 * 0x8F86 / 0x8F87: the names of their use cases ECS101 / ECS102 in the GBCS
 * later use-case table (c5d22f4e).
 */
const RTDS_ONLY_ALERTS: readonly [number, string][] = [
  [0x8f85, 'ESME alert 0x8F85 (RTDS ECS100; GBCS name not confirmed)'],
  [0x8f86, 'Limit APC [n] Level Command processed (ECS101; GBCS later use-case table, c5d22f4e)'],
  [0x8f87, 'Limit APC [n] Level ended or cancelled (ECS102; GBCS later use-case table, c5d22f4e)'],
  [0x8f88, 'ESME alert 0x8F88 (RTDS ECS200; GBCS name not confirmed)'],
];

/** The GBCS (non-provisional) alert codes. */
export const GBCS_ALERT_CODES: readonly AlertCodeInfo[] = Object.freeze(
  [...GBCS_ALERTS, ...RTDS_ONLY_ALERTS].map(([code, name]) => Object.freeze({ code, name })),
);

/** Every alert code known here: GBCS ones plus the PROVISIONAL SECMP0038 ones. */
export const ALERT_CODES: readonly AlertCodeInfo[] = Object.freeze([
  ...GBCS_ALERT_CODES,
  ...PROVISIONAL_ALERT_CODES.map((p) => Object.freeze({ code: p.code, name: p.name, provisional: true })),
]);

const BY_CODE = new Map<number, AlertCodeInfo>(ALERT_CODES.map((a) => [a.code, a]));

export function lookupAlertCode(code: number): AlertCodeInfo | undefined {
  return BY_CODE.get(code);
}

/** `0x8F84 Failure to Deliver Remote Party Message to ESME` (with `[PROVISIONAL]` where it applies). */
export function describeAlertCode(code: number): string {
  const hex = `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const a = BY_CODE.get(code);
  if (!a) return `${hex} (unknown alert code)`;
  return `${hex} ${a.name}${a.provisional ? ' [PROVISIONAL]' : ''}`;
}
