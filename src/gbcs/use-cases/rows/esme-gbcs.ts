/**
 * DLMS use cases GBCS defines (Message Code table: codes and names) that no
 * RTDS reference message shows. Names and codes are GBCS's (confirmed:
 * 'gbcs-text' where the payload is also known). Where a payload is built
 * here by analogy with a confirmed row (same objects, the other element or
 * phase, the read of what a confirmed row sets) the row says
 * confirmed: 'unconfirmed'; where nothing can be inferred the row is
 * payloadUnknown and the engine refuses it (docs/use-cases.md).
 */

import type { ZclCommandKey } from '../../payload/zcl-se.ts';
import { type DlmsAccess, dlmsAccess, dlmsCommand } from '../dlms-row.ts';
import type { DeviceTarget } from '../row.ts';
import type { EsmeVariant } from './esme.ts';
import { roleFields } from './roles.ts';

const { get, getRange, set, action } = dlmsAccess;

interface Opts {
  targets?: readonly DeviceTarget[];
  variants?: readonly EsmeVariant[];
  srv?: string | readonly string[];
  /** The accesses match GBCS V3.1's use-case table ("DLMS COSEM specific content", in its order). */
  confirmed?: 'gbcs-text';
  /** Alert Codes the use case raises (future-dated: 8F66 / 8F67). */
  alerts?: readonly number[];
  /** Where the payload comes from (row.ts `note`). */
  note?: string;
}

/** Future-dated execution alerts (GBCS: 8F66 actioned, 8F67 not actioned). */
const FUTURE_DATED = [0x8f66, 0x8f67] as const;

/** A row whose payload is inferred by analogy with a confirmed row. */
function inferred<const U extends string, const A extends readonly DlmsAccess[]>(
  code: number,
  useCase: U,
  name: string,
  critical: boolean,
  accesses: A,
  o: Opts = {},
) {
  return dlmsCommand({
    code,
    useCase,
    name,
    targets: o.targets ?? ['ESME'],
    ...(o.targets && !o.targets.includes('ESME')
      ? {}
      : { esmeVariants: o.variants ?? ['single', 'twin', 'polyphase'] }),
    critical,
    srvs: o.srv ? (typeof o.srv === 'string' ? [o.srv] : o.srv) : [],
    ...roleFields(useCase),
    confirmed: o.confirmed ?? 'unconfirmed',
    ...(o.alerts ? { alerts: o.alerts } : {}),
    ...(o.note ? { note: o.note } : {}),
    accesses,
  });
}

/** A row whose payload is GBCS's own (GBCS V3.1 use-case tables: objects, attributes, types, in GBCS 19.2.1 order). */
function gbcsTable<const U extends string, const A extends readonly DlmsAccess[]>(
  code: number,
  useCase: U,
  name: string,
  critical: boolean,
  accesses: A,
  o: Opts = {},
) {
  return { ...inferred(code, useCase, name, critical, accesses, o), confirmed: 'gbcs-text' as const };
}

/** A row GBCS names whose payload is not known here. */
function unknown<const U extends string>(
  code: number,
  useCase: U,
  name: string,
  critical: boolean,
  o: Opts = {},
) {
  return dlmsCommand({
    code,
    useCase,
    name,
    targets: o.targets ?? ['ESME'],
    critical,
    srvs: o.srv ? (typeof o.srv === 'string' ? [o.srv] : o.srv) : [],
    ...roleFields(useCase),
    confirmed: 'gbcs-text',
    payloadUnknown: true,
    accesses: [],
  });
}

/** A Message Code GBCS allocates with no payload (row.ts `noPayloadByGbcs`): encode/decode refuse it, saying so. */
function noPayload<const U extends string>(
  code: number,
  useCase: U,
  name: string,
  zseCommand: ZclCommandKey,
) {
  return dlmsCommand({
    code,
    useCase,
    name,
    targets: ['ESME'],
    critical: false,
    srvs: [],
    ...roleFields(useCase),
    confirmed: 'gbcs-text',
    noPayloadByGbcs: true,
    zseCommand,
    accesses: [],
  });
}

const POLY = { variants: ['polyphase'] } as const;
/** Accesses checked against GBCS V3.1's use-case table. */
const GBCS_V31 = { confirmed: 'gbcs-text' } as const;
const TWIN = { variants: ['twin'] } as const;
/** The auxiliary controller rows: no pair in GBCS V3.1's use-case tables; the later file (gbcs-use-cases.html @c5d22f4e) has them. */
const LATER = 'GBCS later use-case table (c5d22f4e)';

export const ESME_GBCS_ROWS = [
  // ---- inferred payloads (UNCONFIRMED)
  gbcsTable(
    0x00c7,
    'ECS01d',
    'Set Price on ESME Secondary',
    true,
    [
      set('secondaryPriceCharge', 'unitChargePassive'),
      set('secondaryPriceCharge', 'unitChargeActivationTime'),
    ],
    {
      ...TWIN,
      srv: '1.2.2',
      alerts: FUTURE_DATED,
      note: 'GBCS V3.1 use-case tables (offset ~1,111,500): SME.C.C, future-dated, SRV 1.2, Supplier; class 113 0-0:19.20.5.255 attr 6 unit_charge_passive (commodity scale 3, commodity 3/1-20:1.8.0.255/2, charge_table[1..4] index octet-string(1), charge_per_unit long) then attr 7 unit_charge_activation_time octet-string(12): as the row; 8F66/8F67 added',
    },
  ),
  gbcsTable(
    0x003c,
    'ECS26b',
    'Read ESME Configuration Voltage Data',
    false,
    [
      get('voltageLimiter1', 'thresholdNormal'),
      get('voltageLimiter1', 'minOverThresholdDuration'),
      get('voltageLimiter2', 'thresholdNormal'),
      get('voltageLimiter2', 'minOverThresholdDuration'),
      get('voltageLimiter3', 'thresholdNormal'),
      get('voltageLimiter3', 'minOverThresholdDuration'),
      get('voltageLimiter4', 'thresholdNormal'),
      get('voltageLimiter4', 'minOverThresholdDuration'),
      get('rmsVoltageSwellThreshold', 'value'),
      get('rmsVoltageSagThreshold', 'value'),
    ],
    {
      srv: '6.2.1',
      note: 'GBCS V3.1 use-case tables (offset ~498,500): SME.C.NC, SRV 6.2; class 71 0-0:17.0.1..4.255 attr 4 threshold_normal and attr 6 min_over_threshold_duration (double-long-unsigned) per limiter, then class 1 1-0:32.35.0.4 and 1-0:32.31.0.4 attr 2: as the row',
    },
  ),
  gbcsTable(
    0x0040,
    'ECS26f',
    'Read ESME Configuration Data Device Information (instantaneous power thresholds)',
    false,
    [get('powerThresholds', 'thresholds')],
    {
      srv: '6.2.5',
      note: 'GBCS V3.1 use-case tables (offset ~422,000): SME.C.NC, SRV 6.2; class 21 0-0:16.0.0.255 attr 2 thresholds, an array of 2 double-long-unsigned (low/medium, medium/high): as the row',
    },
  ),
  gbcsTable(
    0x00be,
    'ECS26j',
    'Read ESME Configuration Data Device Information (Payment Mode)',
    false,
    [get('accountActive', 'accountModeAndStatus')],
    {
      srv: '6.2.9',
      note: 'GBCS V3.1 use-case tables (offset ~425,500): SME.C.NC, SRV 6.2; class 111 0-0:19.0.0.255 attr 2 account_mode_and_status (payment_mode enum, account_status enum 2). Corrected: the row read the passive account 0-1:19.0.0.255 that ECS02/ECS03 write',
    },
  ),
  // ECS30 / ECS30a: critical, as DUIS 6.8 (CV 4-7 only in the XSD) that sends them (the criticality of a
  // DUIS device SR is that of its GBCS use cases); same object as the ECS26d / ECS26l reads (RTDS)
  inferred(
    0x0046,
    'ECS30',
    'Set Billing Calendar on the ESME',
    true,
    [set('billingCalendar', 'executionTime')],
    {
      srv: '6.8',
      note: 'not defined in GBCS V3.1 use-case tables nor in the later file (c5d22f4e, table of contents ~70,000): in both the "Set Billing Calendar" pair holds only GCS25, ECS30a is the ESME one ("Set Billing Calendar - all periodicities"): inferred from ECS30a',
    },
  ),
  inferred(
    0x00d7,
    'ECS30a',
    'Set Billing Calendar on the ESME - all periodicities',
    true,
    // GBCS V3.1: class 22 0-0:15.0.0.255 attribute 4 (execution_time), GBCS 18.2.1 encoding
    [set('billingCalendar', 'executionTime')],
    { srv: '6.8', ...GBCS_V31 },
  ),
  // ECS28a (6.4.1): the passive value (class 9000 attr 4) of the supply state flag, power threshold, period
  // and restoration period, then their activation times (attr 6); activated, they are what ECS27 reads
  gbcsTable(
    0x0043,
    'ECS28a',
    'Set Load Limit Configurations - General Settings',
    true,
    [
      set('loadLimitSupplyStateOnExceed', 'valuePassive'),
      set('loadLimitPowerThreshold', 'valuePassive'),
      set('loadLimitPeriod', 'valuePassive'),
      set('loadLimitRestorationPeriod', 'valuePassive'),
      set('loadLimitSupplyStateOnExceed', 'activationTime'),
      set('loadLimitPowerThreshold', 'activationTime'),
      set('loadLimitPeriod', 'activationTime'),
      set('loadLimitRestorationPeriod', 'activationTime'),
    ],
    {
      srv: '6.4.1',
      alerts: FUTURE_DATED,
      note: 'GBCS V3.1 use-case tables (offset ~1,070,500): SME.C.C, future-dated, SRV 6.4, Supplier; class 9000 attr 4 value_passive of 0-0:94.44.0.3 (boolean), 0-0:94.44.128.7 power threshold, .128.6 period, .128.8 restoration period (double-long-unsigned), then attr 6 activate_passive_value_time octet-string(12) of each. Corrected: the row set the class 71 limiter 0-0:17.0.0.255 and 0-0:94.44.0.3 attr 2 directly',
    },
  ),
  gbcsTable(
    0x0044,
    'ECS28b',
    'Set Load Limit Configuration Counter Reset',
    false,
    [action('loadLimitCounter', 'reset')],
    {
      srv: '6.4.2',
      note: 'GBCS V3.1 use-case tables (offset ~1,064,500): SME.C.NC, not future-dated, SRV 6.4, Supplier; class 3 0-0:94.44.42.255 method 1 reset, integer 0: as the row',
    },
  ),
  // ECS57 (6.18.2): reset (Extended Register class 4, method 1, integer 0, each optional) of the maximum
  // demand registers, in GBCS V3.1's order: import 1-0:1.6.0.255, the configurable time period's import
  // 1-0:1.6.1.255, export 1-0:2.6.0.255; the DUIS body names the ones to reset
  inferred(
    0x005a,
    'ECS57',
    'Reset ESME Maximum Demand Registers',
    false,
    [
      action('maximumDemandImport', 'reset', { optional: true }),
      action('maximumDemandImportSecondary', 'reset', { optional: true }),
      action('maximumDemandExport', 'reset', { optional: true }),
    ],
    { srv: '6.18.2', ...GBCS_V31 },
  ),
  gbcsTable(0x0048, 'ECS35a', 'Read ESME Event Log', false, [getRange('eventLog', 'buffer')], {
    srv: '6.13',
    note: 'GBCS V3.1 use-case tables (offset ~540,000): SME.C.NC, SRV 6.13; class 7 0-0:99.98.0.255 attr 2 by selective access 1 (from/to double-long-unsigned, empty selected values), entry_eventLogEntry8 [1..100]: timestamp double-long-unsigned, logCode long-unsigned, otherInformation octet-string(8). Corrected: the entry lacked otherInformation',
  }),
  gbcsTable(0x0049, 'ECS35b', 'Read ESME Security Log', false, [getRange('securityLog', 'buffer')], {
    srv: '6.13',
    note: 'GBCS V3.1 use-case tables (offset ~551,500): SME.C.NC, SRV 6.13; class 7 0-0:99.98.1.255 attr 2 by selective access 1, security log entries of timestamp and log code: as the row',
  }),
  gbcsTable(0x0093, 'ECS35c', 'Read CHF Event Log', false, [getRange('eventLog', 'buffer')], {
    srv: '6.13',
    targets: ['CHF'],
    note: 'GBCS V3.1 use-case tables (offset ~360,000): SME.C.NC, SRV 6.13, ACB only; class 7 0-0:99.98.0.255 attr 2 by selective access 1, entry_eventLogEntry8 [1..100]: timestamp, logCode long-unsigned, otherInformation octet-string(8). Corrected: the entry lacked otherInformation',
  }),
  inferred(
    0x004f,
    'ECS42',
    'Remotely Close the Load Switch on the ESME',
    true,
    // GBCS V3.1: class 9 0-0:10.0.106.255 method 1, long-unsigned 0x0033 (script 51, remote supply enable)
    [action('disconnectControlScripts', 'execute')],
    { srv: '7.1', ...GBCS_V31 },
  ),
  inferred(
    0x00bc,
    'ECS23b',
    'Read Voltage Operational Data - 3 Phase',
    false,
    // GBCS V3.1 order: phase by phase, under-voltage count, over-voltage count, profile (as ECS23 per phase)
    [
      get('rmsVoltageSagCount', 'value'),
      get('rmsVoltageSagCount', 'scalerUnit'),
      get('rmsVoltageSwellCount', 'value'),
      get('rmsVoltageSwellCount', 'scalerUnit'),
      getRange('averageRmsVoltageProfile', 'buffer'),
      get('averageRmsVoltageProfile', 'capturePeriod'),
      get('rmsVoltageSagCountL2', 'value'),
      get('rmsVoltageSagCountL2', 'scalerUnit'),
      get('rmsVoltageSwellCountL2', 'value'),
      get('rmsVoltageSwellCountL2', 'scalerUnit'),
      getRange('averageRmsVoltageProfileL2', 'buffer'),
      get('averageRmsVoltageProfileL2', 'capturePeriod'),
      get('rmsVoltageSagCountL3', 'value'),
      get('rmsVoltageSagCountL3', 'scalerUnit'),
      get('rmsVoltageSwellCountL3', 'value'),
      get('rmsVoltageSwellCountL3', 'scalerUnit'),
      getRange('averageRmsVoltageProfileL3', 'buffer'),
      get('averageRmsVoltageProfileL3', 'capturePeriod'),
    ],
    { ...POLY, srv: '4.10', ...GBCS_V31 },
  ),
  gbcsTable(
    0x00d1,
    'ECS29c',
    'Set Voltage Configurations on ESME without Counter Reset',
    false,
    [
      set('rmsVoltageSagThreshold', 'value'),
      set('rmsVoltageSwellThreshold', 'value'),
      set('averageRmsVoltageProfile', 'capturePeriod'),
      set('voltageLimiter1', 'thresholdNormal'),
      set('voltageLimiter1', 'minOverThresholdDuration'),
      set('voltageLimiter2', 'thresholdNormal'),
      set('voltageLimiter2', 'minOverThresholdDuration'),
      set('voltageLimiter3', 'thresholdNormal'),
      set('voltageLimiter3', 'minOverThresholdDuration'),
      set('voltageLimiter4', 'thresholdNormal'),
      set('voltageLimiter4', 'minOverThresholdDuration'),
    ],
    {
      srv: '6.5',
      note: 'GBCS V3.1 use-case tables (offset ~1,240,800): SME.C.NC, SRV 6.5, Network Operator; class 1 1-0:32.31.0.4 then 1-0:32.35.0.4 attr 2, class 7 1-0:32.24.0.255 attr 4 capture_period, then class 71 0-0:17.0.1..4.255 attr 4 and 6 (all double-long-unsigned). Corrected: the order (the row had the capture period and limiters first, the thresholds last)',
    },
  ),
  inferred(
    0x00d3,
    'ECS29e',
    'Reset RMS Voltage Counters on ESME',
    false,
    // GBCS V3.1: class 3 method 1 (integer 0) on 1-0:32.32.0.4 then 1-0:32.36.0.4
    [action('rmsVoltageSagCount', 'reset'), action('rmsVoltageSwellCount', 'reset')],
    { srv: '6.27', ...GBCS_V31 },
  ),
  inferred(
    0x00ef,
    'ECS25r2',
    'Read Non-Critical Event and Alert Behaviours - ESME - Network Operator',
    false,
    // GBCS V3.1: only the network operator's WAN alerting (0-33:97.98.15.255) and logging
    // (0-33:97.98.18.255) settings, not the four objects ECS25r1 reads for the supplier
    [get('networkOperatorNonCriticalAlerts1', 'value'), get('networkOperatorNonCriticalAlerts4', 'value')],
    { srv: '6.2.10', ...GBCS_V31 },
  ),
  // DBCH03 (6.30): GBCS V3.1 use-case file (gbcs-use-cases.html @00ed2ddf, ~offset 387,300): one get of
  // SubGHzConfigurationSettings 0-0:94.44.10.0 (class 1) attribute 2, the 15-member structure DBCH04 sets
  gbcsTable(
    0x010c,
    'DBCH03',
    'Read CHF Sub GHz Configuration',
    false,
    [get('subGhzConfiguration', 'value')],
    {
      targets: ['CHF'],
      srv: '6.30',
    },
  ),
  // ECS46c (SR 6.14.2): GBCS V3.1 use-case file, pair "Set Configurations for load control in ESME
  // (excluding HC ALCS and ALCS Labels)" (~offset 1,004,500) and its ECS46c table (~1,012,500-1,017,500):
  // the five switch identities (0-0:94.44.0.21..25, each optional), the *next* ALCS calendar (channel 1:
  // special days 0-1:11.0.3.255, schedule 0-1:12.0.2.255, script 0-0:10.0.103.255, enabled, window
  // 0xFFFF) and its activation times (0-0:94.44.128.26 calendar, .35 special days): the objects the
  // later GBCS gives ECS46d, which replaced it. Future-datable on the device (8F66 / 8F67).
  gbcsTable(
    0x0054,
    'ECS46c',
    'Set HC ALCS and ALCS Configuration in ESME (excluding labels)',
    true,
    [
      set('alcsDeviceId1', 'value', { optional: true }),
      set('alcsDeviceId2', 'value', { optional: true }),
      set('alcsDeviceId3', 'value', { optional: true }),
      set('alcsDeviceId4', 'value', { optional: true }),
      set('alcsDeviceId5', 'value', { optional: true }),
      set('auxiliaryControllerSpecialDays', 'entries'),
      set('auxiliaryControllerSchedule', 'entries'),
      set('auxiliaryControllerScheduleActivation', 'activationTime'),
      set('auxiliaryControllerSpecialDaysActivation', 'activationTime'),
    ],
    {
      srv: '6.14.2',
      alerts: FUTURE_DATED,
      note: 'GBCS V3.1 use-case tables (offset ~1,004,500-1,017,500): SME.C.C, future-dated, SRV 6.14, Supplier; class 1 0-0:94.44.0.21..25 attr 2 (octet-string(8), optional in the update), class 11 0-1:11.0.3.255 attr 2 entries [0..20] (index long-unsigned, date octet-string(5), day_id unsigned), class 10 0-1:12.0.2.255 attr 2 entries [1..48] (index, enable 0x01, script 0-0:10.0.103.255, selector long-unsigned, switch_time octet-string(4), validity_window 0xFFFF, exec_weekdays bit-string(7), exec_specdays bit-string(<=20), begin_date, end_date octet-string(5)), class 9000 0-0:94.44.128.26 then 0-0:94.44.128.35 attr 6 (octet-string(12)). Corrected: the row wrote the current calendar (channel 0) with no activation times, not future-dated',
    },
  ),
  // ---- auxiliary controllers (APC, ALCS, HCALCS), SRs 7.14-7.16: ids, names, codes, message types
  // and accesses (in GBCS 19.2.1 order) from the GBCS later use-case table (gbcs-use-cases.html
  // @c5d22f4e, the file with Auxiliary Controllers, APC and SAPC; V3.1 does not define them).
  // ECS61d (~offset 300,900): SME.C.NC; the five descriptions (0-0:94.44.0.11..15, visible-string(22),
  // ECS46a's objects) and the *current* auxiliary controller calendar, channel 0 (0-0:11.0.3.255,
  // 0-0:12.0.2.255: the calendar the ALCS runs); ECS46d writes the next one (channel 1).
  gbcsTable(
    0x011c,
    'ECS61d',
    'Read Auxiliary Controller Configuration Data',
    false,
    [
      get('alcsLabel1', 'value'),
      get('alcsLabel2', 'value'),
      get('alcsLabel3', 'value'),
      get('alcsLabel4', 'value'),
      get('alcsLabel5', 'value'),
      get('alcsSpecialDays', 'entries'),
      get('alcsSchedule', 'entries'),
    ],
    {
      srv: '7.14',
      note: `${LATER} (offset ~300,900): ECS61d, SME.C.NC, not future-dated, SRV 7.14; class 1 0-0:94.44.0.11..15 attr 2 (visible-string(22)), class 11 0-0:11.0.3.255 attr 2, class 10 0-0:12.0.2.255 attr 2 (the current calendar, channel 0). Corrected: the row read the next calendar (channel 1) ECS46d writes`,
    },
  ),
  // ECS61e (~offset 328,500): SME.C.NC; typeAndIdentifier 0-0:94.44.0.21..25 (octet-string(8)) then
  // stateAndAssociatedInformation 0-0:94.44.0.31..35 (utf8-string(72000)); no output-state object
  gbcsTable(
    0x011d,
    'ECS61e',
    'Read Auxiliary Controller Operational Data',
    false,
    [
      get('alcsDeviceId1', 'value'),
      get('alcsDeviceId2', 'value'),
      get('alcsDeviceId3', 'value'),
      get('alcsDeviceId4', 'value'),
      get('alcsDeviceId5', 'value'),
      get('auxControllerStateInformation1', 'value'),
      get('auxControllerStateInformation2', 'value'),
      get('auxControllerStateInformation3', 'value'),
      get('auxControllerStateInformation4', 'value'),
      get('auxControllerStateInformation5', 'value'),
    ],
    {
      srv: '7.15',
      note: `${LATER} (offset ~328,500-341,000): ECS61e, SME.C.NC, not future-dated, SRV 7.15; class 1 0-0:94.44.0.21..25 attr 2 typeAndIdentifier (octet-string(8): the empty string with no controller, 0xFF for an APC, all zero for an ALCS, else the HCALCS's EUI), then 0-0:94.44.0.31..35 attr 2 stateAndAssociatedInformation (utf8-string(72000), sized to fit 63 GBT blocks of 1,149 octets). The content of the state information is GBCS section 7.2.9.2's, which neither use-case file holds: the row carries it as text, its meaning unread. Corrected: the row read the switches' output state`,
    },
  ),
  // ECS47e Limit APC [n] Level (~offset 265,000; the project called it ECS47b): SME.C.C, not
  // future-dated; the limit period start / end of APC N (0-0:94.44.(116+N).3 / .4, present only for
  // the N commanded) then script 0-0:10.0.107.255 method 1 (long-unsigned). Load Controller only.
  {
    ...gbcsTable(
      0x011f,
      'ECS47e',
      'Limit APC [n] Level',
      true,
      [
        set('apcLimitStart1', 'value', { optional: true }),
        set('apcLimitEnd1', 'value', { optional: true }),
        set('apcLimitStart2', 'value', { optional: true }),
        set('apcLimitEnd2', 'value', { optional: true }),
        set('apcLimitStart3', 'value', { optional: true }),
        set('apcLimitEnd3', 'value', { optional: true }),
        set('apcLimitStart4', 'value', { optional: true }),
        set('apcLimitEnd4', 'value', { optional: true }),
        set('apcLimitStart5', 'value', { optional: true }),
        set('apcLimitEnd5', 'value', { optional: true }),
        action('apcLimitScripts', 'execute'),
      ],
      {
        srv: '7.16',
        note: `${LATER} (offset ~265,000): ECS47e Limit APC [n] Level (the project's ECS47b), SME.C.C, not future-dated, replay protected, SRV 7.16, Load Controller only; class 1 0-0:94.44.(116+n).3 / .4 attr 2 (octet-string(12), present for the n commanded) then class 9 0-0:10.0.107.255 method 1 (long-unsigned). Corrected: the row reused ECS47a's objects and script`,
      },
    ),
    aliases: ['ECS47b'],
  },
  // PPMID-originated on the HAN: GBCS V3.1 (use-case file, pairs "Apply Prepayment Top Up to ESME (using
  // PPMID)", "Activate Emergency Credit on ESME from PPMID", "Request to Enable ESME Supply from PPMID") gives
  // each "solely to allocate a Message Code to be recorded in the ESME Event Log" when the ESME receives the
  // authenticated ZSE command; HAN Only, Message Type "ZSE specified", no DLMS content (esme/han-commands.ts)
  noPayload(0x0116, 'PECS01', 'Apply Prepayment Top Up to an ESME using PPMID', 'prepayment.consumerTopUp'),
  noPayload(
    0x0117,
    'PECS02',
    'Activate Emergency Credit on ESME from PPMID',
    'prepayment.selectAvailableEmergencyCredit',
  ),
  noPayload(0x0118, 'PECS03', 'Request to Enable ESME Supply from PPMID', 'metering.localChangeSupply'),

  // 1.5: set_amount_to_value 0 of the meter balance, the emergency credit balance and the accumulated debt
  gbcsTable(
    0x00b3,
    'ECS04b',
    'Reset Meter Balance on the ESME',
    true,
    [
      action('meterBalance', 'setAmountToValue'),
      action('emergencyCredit', 'setAmountToValue'),
      action('accumulatedDebt', 'setAmountToValue'),
    ],
    {
      srv: '1.5',
      note: 'GBCS V3.1 use-case tables (offset ~122,500): SME.C.C, not future-dated, SRV 1.5, Supplier; class 112 method 2 set_amount_to_value, double-long 0, on 0-0:19.10.0.255 (meter balance), 0-0:19.10.1.255 (emergency credit balance), 0-0:19.10.2.255 (accumulated debt). Corrected: the row reset the meter balance only',
    },
  ),
  // 3.1: the Supplier Message object
  // GBCS V3.1: class 1 0-2:96.13.1.255 attribute 2, octet-string(116)
  inferred(0x0021, 'ECS10', 'Send Message to ESME', false, [set('supplierMessage', 'value')], {
    srv: '3.1',
    ...GBCS_V31,
  }),
  // 4.4.x billing data logs: ECS20b a protected read like ECS20c; ECS20a / ECS20d plain range reads
  gbcsTable(
    0x002e,
    'ECS20a',
    'Read ESME Billing Data Log (payment based debt payments)',
    false,
    [getRange('debtPaymentLog', 'buffer')],
    {
      srv: '4.4.4',
      note: 'GBCS V3.1 use-case tables (offset ~307,500): SRV 4.4, Supplier and ACB; class 7 0-0:98.1.4.255 attr 2 by selective access 1 (from/to double-long-unsigned, empty selected values), entry_dlValueLogEntry [1..10]: timestamp, amount (double-long-unsigned). Corrected: the log was 0-0:98.1.2.255 (PROVISIONAL) with three columns',
    },
  ),
  gbcsTable(
    0x002f,
    'ECS20b',
    'Read ESME Billing Data Log (change of mode / tariff triggered exc export)',
    false,
    [action('protectedReadBillingChangeOfMode', 'getProtectedAttributes')],
    {
      srv: '4.4.2',
      note: 'GBCS V3.1 use-case tables (offset ~285,000): SME.C.NC, SRV 4.4, Supplier and ACB; class 30 0-0:43.2.3.255 method 1 get_protected_attributes of 7/0-0:98.1.2.255/2 (from/to octet-string(12); entries: timestamp, import registers, TOU and TOU-block registers, balances and debt registers): as the row',
    },
  ),
  gbcsTable(
    0x00c9,
    'ECS20d',
    'Read ESME Billing Data Log (prepayment credits)',
    false,
    [getRange('prepaymentCreditLog', 'buffer')],
    {
      srv: '4.4.5',
      note: 'GBCS V3.1 use-case tables (offset ~318,500): SME.C.NC, SRV 4.4, Supplier and ACB; class 7 0-0:98.1.5.255 attr 2 by selective access 1, entry_dlValueLogEntry [1..5]: timestamp, amount (double-long-unsigned). Corrected: the log was 0-0:98.1.3.255 (PROVISIONAL) with the UTRN as a third column',
    },
  ),
  gbcsTable(
    0x0033,
    'ECS21a',
    'Read Electricity Daily Read Log (exc export)',
    false,
    [action('protectedReadDailyRead', 'getProtectedAttributes')],
    {
      srv: '4.6.1',
      note: 'GBCS V3.1 use-case tables (offset ~524,000): SME.C.NC, SRV 4.6 (4.6.1: service-request-use-cases sheet), Supplier and ACB; class 30 0-0:43.2.5.255 method 1 get_protected_attributes of 7/0-0:98.1.9.255/2, 31 entries of timestamp, active import (twin: secondary), TOU and TOU-block registers: as the row',
    },
  ),
  // 4.13: the prepayment configuration in force, in the order of GBCS's table (each attribute once)
  gbcsTable(
    0x003b,
    'ECS26a',
    'Read ESME Configuration Data Prepayment',
    false,
    [
      get('timeDebt1', 'unitChargeActive'),
      get('nonDisablementSpecialDaysActive', 'entries'),
      get('timeDebt1', 'period'),
      get('timeDebt2', 'unitChargeActive'),
      get('timeDebt2', 'period'),
      get('paymentDebt', 'proportion'),
      get('maxCreditThreshold', 'valueActive'),
      get('disablementThreshold', 'thresholds'),
      get('maxMeterBalance', 'valueActive'),
      get('accountActive', 'lowCreditThreshold'),
      get('accountActive', 'maxProvision'),
      get('accountActive', 'maxProvisionPeriod'),
      get('emergencyCredit', 'presetCreditAmount'),
      get('emergencyCredit', 'creditAvailableThreshold'),
      get('nonDisablementScheduleActive', 'entries'),
      get('accountActive', 'creditChargeConfiguration'),
    ],
    {
      srv: '4.13',
      note: 'GBCS V3.1 use-case tables (offset ~455,000-473,000): SME.C.NC, SRV 4.13, Supplier; gets of 113 0-0:19.20.1.255 attr 5 and 8, 11 0-0:11.0.2.255 attr 2, 113 0-0:19.20.2.255 attr 5 and 8, 113 0-0:19.20.3.255 attr 13, 9000 0-0:94.44.2.10 attr 2, 21 0-0:16.0.1.255 attr 2, 9000 0-0:94.44.2.20 attr 2, 111 0-0:19.0.0.255 attr 16, 18, 19, 112 0-0:19.10.1.255 attr 9, 10, 10 0-0:12.0.1.255 attr 2, 111 0-0:19.0.0.255 attr 11 (the table lists the time debt unit charges twice; each is read once). Corrected: the row read the class 9000 active values of what ECS08a sets',
    },
  ),
  // the CHF's HAN communications check: the ZigBee network control's active devices, as CCS06 reads them.
  // UNCONFIRMED: 0x0004 is in neither the GBCS V3.1 (00ed2ddf) nor the later (c5d22f4e) use-case file
  inferred(
    0x0004,
    'CCS05',
    'Read CHF Device Log / Check HAN Communications (CHF Communications Store)',
    false,
    [get('zigbeeNetworkControl', 'activeDevices')],
    {
      targets: ['CHF'],
      note: 'inferred from CCS06 (RTDS): 0x0004 is in neither use-case file (GBCS V3.1 00ed2ddf, later c5d22f4e), whose tables of contents defer the CHF device log use cases to GBCS sections 11-13; that section text was not found in the public sources searched (search corpus pages: GBCS section text, CS07/CCS05 names)',
    },
  ),

  // ---- payloads from GBCS's use-case tables (no RTDS example)
  // ECS01a (1.1.1, future-datable, SME.C.C): the primary element's passive switching table (activity
  // calendar 0-0:13.0.0.255 attrs 7-9), special days (0-1:11.0.0.255), block thresholds per TOU column
  // (0-0:16.1.11..18.255), currency unit, standing charge and price matrix, then every activation time,
  // in the order of GBCS's table (section 19.2.1; the same order as ECS01c's table, which RTDS confirms)
  gbcsTable(
    0x0019,
    'ECS01a',
    'Set Tariff and Price on ESME',
    true,
    [
      set('activityCalendar', 'seasonProfilePassive'),
      set('activityCalendar', 'weekProfilePassive'),
      set('activityCalendar', 'dayProfilePassive'),
      set('specialDaysPassive', 'entries'),
      set('blockThresholdsPassiveTou1', 'thresholds'),
      set('blockThresholdsPassiveTou2', 'thresholds'),
      set('blockThresholdsPassiveTou3', 'thresholds'),
      set('blockThresholdsPassiveTou4', 'thresholds'),
      set('blockThresholdsPassiveTou5', 'thresholds'),
      set('blockThresholdsPassiveTou6', 'thresholds'),
      set('blockThresholdsPassiveTou7', 'thresholds'),
      set('blockThresholdsPassiveTou8', 'thresholds'),
      set('currencyUnit', 'valuePassive'),
      set('standingCharge', 'unitChargePassive'),
      set('primaryPriceCharge', 'unitChargePassive'),
      set('activityCalendar', 'activatePassiveCalendarTime'),
      set('specialDaysActivation', 'activationTime'),
      set('currencyUnit', 'activationTime'),
      set('standingCharge', 'unitChargeActivationTime'),
      set('primaryPriceCharge', 'unitChargeActivationTime'),
      set('tariffThresholdMatrixActivation', 'activationTime'),
    ],
    { srv: '1.1.1', alerts: [0x8f66, 0x8f67] },
  ),
  // ECS08a (2.1): the passive values and activation times of the prepayment settings and the
  // Non-Disablement Calendar, in the order of GBCS's table (section 19.2.1)
  gbcsTable(
    0x00de,
    'ECS08a',
    'Update Prepayment Configuration on ESME',
    true,
    [
      set('nonDisablementSpecialDays', 'entries'),
      set('maxMeterBalance', 'valuePassive'),
      set('maxCreditThreshold', 'valuePassive'),
      set('nonDisablementSchedule', 'entries'),
      set('debtRecoveryRateCap', 'valuePassive'),
      set('debtRecoveryRateCapPeriod', 'valuePassive'),
      set('lowCreditThreshold', 'valuePassive'),
      set('emergencyCreditLimit', 'valuePassive'),
      set('nonDisablementSpecialDaysActivation', 'activationTime'),
      set('emergencyCreditThreshold', 'valuePassive'),
      set('maxMeterBalance', 'activationTime'),
      set('maxCreditThreshold', 'activationTime'),
      set('debtRecoveryRateCap', 'activationTime'),
      set('debtRecoveryRateCapPeriod', 'activationTime'),
      set('lowCreditThreshold', 'activationTime'),
      set('emergencyCreditLimit', 'activationTime'),
      set('emergencyCreditThreshold', 'activationTime'),
      set('nonDisablementScheduleActivation', 'activationTime'),
    ],
    { srv: '2.1' },
  ),
  // ECS17e: a protected read (Data Protection 0-0:43.2.10.255 method 1) of the TOU-with-blocks register list
  // 1/0-0:94.44.34.2/2: a structure of one array of 64 double-long-unsigned (per block 1..4: its 8 TOU
  // register values, then its 8 block counters)
  gbcsTable(
    0x002a,
    'ECS17e',
    'Read ESME Energy Register (TOU with Blocks)',
    false,
    [action('protectedReadTouBlockRegisters', 'getProtectedAttributes')],
    { srv: '4.1.3' },
  ),

  // ECS07 (2.3): the debt recovery rates of time debt registers 1 and 2 (passive, then activated), the
  // recovery per payment, then the three register adjustments, in the order of GBCS's table
  gbcsTable(
    0x001e,
    'ECS07',
    'Manage Debt on the ESME',
    true,
    [
      set('timeDebt1', 'unitChargePassive'),
      set('timeDebt2', 'unitChargePassive'),
      set('paymentDebt', 'proportion'),
      set('timeDebt1', 'period'),
      set('timeDebt2', 'period'),
      action('timeDebt1', 'activatePassiveUnitCharge'),
      action('timeDebt2', 'activatePassiveUnitCharge'),
      action('paymentDebt', 'updateTotalAmountRemaining'),
      action('timeDebt1', 'updateTotalAmountRemaining'),
      action('timeDebt2', 'updateTotalAmountRemaining'),
    ],
    { srv: '2.3' },
  ),
  // ECS39a / ECS39b: set (class 1 attribute 2) the import MPANs 0-0:94.44.34.11 / the export MPAN 1-0:0.0.2.255
  gbcsTable(0x004c, 'ECS39a', 'Set MPAN Value on the ESME', false, [set('importMpans', 'value')], {
    srv: '6.20.1',
  }),
  gbcsTable(0x004d, 'ECS39b', 'Set Export MPAN Value on the ESME', false, [set('exportMpan', 'value')], {
    srv: '6.20.2',
  }),
  // ECS40: get (class 1 attribute 2) the import MPANs 0-0:94.44.34.11 (octet-string(26)) then the export MPAN
  // 1-0:0.0.2.255 (octet-string(13)): what ECS39a / ECS39b set
  gbcsTable(
    0x004e,
    'ECS40',
    'Read MPAN Value on the ESME',
    false,
    [get('importMpans', 'value'), get('exportMpan', 'value')],
    { srv: '6.2.7' },
  ),
  // ECS50 (9.1, ACB only): set the Customer Identification Number 0-3:96.13.1.255 (class 1 attribute 2)
  gbcsTable(0x0058, 'ECS50', 'Send CIN to ESME', false, [set('customerIdentificationNumber', 'value')], {
    srv: '9.1',
  }),

  // ---- payload not known here
  // ECS08 (0x001F): GBCS V3.1's use-case tables no longer define it (ECS08a replaces it)
  unknown(0x001f, 'ECS08', 'Update Prepayment Configuration on ESME', true, { srv: '2.1' }),
  unknown(
    0x003f,
    'ECS26e',
    'Read ESME Configuration Data Device Information (device identity exc MPAN)',
    false,
    {
      srv: '6.2.4',
    },
  ),
  // GBCS V3.1 use-case tables: a Message Code without payload; the ESME logs it when an HC ALCS asks it
  // for its scheduled events (ZSE Get Scheduled Events)
  noPayload(
    0x0119,
    'HECS01',
    'Request Control of a HAN Connected Auxiliary Load Control Switch from HCALCS',
    'drlc.getScheduledEvents',
  ),
] as const;
