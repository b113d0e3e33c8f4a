/**
 * ESME use cases (single element, twin element, polyphase), DLMS/COSEM.
 * Message Codes and names: GBCS Message Code table; accesses and shapes read
 * off the RTDS reference Commands and Responses (confirmed: 'rtds').
 */
import type { DlmsAccess } from '../dlms-row.ts';
import { dlmsAccess, dlmsCommand } from '../dlms-row.ts';
import type { Confirmation } from '../row.ts';
import { roleFields } from './roles.ts';

const { get, getRange, set, action } = dlmsAccess;

/** ESME variants (GBCS: single element, twin element, polyphase): the one list the DSP, devices and CLI use. */
export const ESME_VARIANTS = ['single', 'twin', 'polyphase'] as const;
export type EsmeVariant = (typeof ESME_VARIANTS)[number];

/**
 * ECS47a (GBCS later use-case table, c5d22f4e, ~offset 1,133,900): the
 * setting period start and end of each auxiliary controller N (1..5, each
 * optional: present only for the controller the command names), then the
 * script that applies the commanded state.
 */
export const AUX_CONTROLLER_SETTING_PERIODS = [
  set('auxControllerSettingStart1', 'value', { optional: true }),
  set('auxControllerSettingEnd1', 'value', { optional: true }),
  set('auxControllerSettingStart2', 'value', { optional: true }),
  set('auxControllerSettingEnd2', 'value', { optional: true }),
  set('auxControllerSettingStart3', 'value', { optional: true }),
  set('auxControllerSettingEnd3', 'value', { optional: true }),
  set('auxControllerSettingStart4', 'value', { optional: true }),
  set('auxControllerSettingEnd4', 'value', { optional: true }),
  set('auxControllerSettingStart5', 'value', { optional: true }),
  set('auxControllerSettingEnd5', 'value', { optional: true }),
  action('alcsStateScripts', 'execute'),
] as const;

/** Future-dated execution alerts (GBCS: 8F66 actioned, 8F67 not actioned). */
const FUTURE_DATED = [0x8f66, 0x8f67] as const;

interface Extra {
  alerts?: readonly number[];
  aliases?: readonly string[];
  variants?: readonly EsmeVariant[];
  nameUnconfirmed?: true;
  confirmed?: Confirmation;
  targets?: readonly ('ESME' | 'CHF')[];
}

function esme<const U extends string, const A extends readonly DlmsAccess[]>(
  code: number,
  useCase: U,
  name: string,
  srv: string | readonly string[],
  critical: boolean,
  accesses: A,
  extra: Extra = {},
) {
  const { variants, confirmed, targets, ...rest } = extra;
  return dlmsCommand({
    code,
    useCase,
    name,
    targets: targets ?? ['ESME'],
    esmeVariants: variants ?? ['single', 'twin', 'polyphase'],
    critical,
    srvs: typeof srv === 'string' ? [srv] : srv,
    ...roleFields(useCase),
    confirmed: confirmed ?? 'rtds',
    accesses,
    ...rest,
  });
}

const TWIN: Extra = { variants: ['twin'] };
const POLY: Extra = { variants: ['polyphase'] };

export const ESME_ROWS = [
  // ---- 1.x tariff, price, payment mode, balance
  esme(
    0x00a2,
    'ECS01b',
    'Set Price on ESME',
    '1.2.1',
    true,
    [
      set('standingCharge', 'unitChargePassive'),
      set('primaryPriceCharge', 'unitChargePassive'),
      set('standingCharge', 'unitChargeActivationTime'),
      set('primaryPriceCharge', 'unitChargeActivationTime'),
    ],
    { alerts: FUTURE_DATED },
  ),
  esme(
    0x00b7,
    'ECS01c',
    'Set Tariff and Price on ESME Secondary',
    '1.1.2',
    true,
    [
      set('secondaryPriceCharge', 'unitChargePassive'),
      set('activityCalendarSecondary', 'seasonProfilePassive'),
      set('activityCalendarSecondary', 'weekProfilePassive'),
      set('activityCalendarSecondary', 'dayProfilePassive'),
      set('specialDaysSecondaryPassive', 'entries'),
      set('activityCalendarSecondary', 'activatePassiveCalendarTime'),
      set('secondaryPriceCharge', 'unitChargeActivationTime'),
      set('tariffSwitchingTableActivation', 'activationTime'),
    ],
    { ...TWIN, alerts: FUTURE_DATED },
  ),
  esme(
    0x001a,
    'ECS02',
    'Set ESME Payment Mode to Credit',
    '1.6',
    true,
    [
      set('account', 'accountModeAndStatus'),
      set('account', 'creditChargeConfiguration'),
      set('account', 'accountActivationTime'),
    ],
    { alerts: FUTURE_DATED },
  ),
  esme(
    0x001b,
    'ECS03',
    'Set ESME Payment Mode to Prepayment',
    '1.6',
    true,
    [
      set('account', 'accountModeAndStatus'),
      set('prepaymentConfiguration', 'disablementThreshold'),
      set('account', 'creditChargeConfiguration'),
      set('prepaymentConfiguration', 'activationTime'),
      set('account', 'accountActivationTime'),
    ],
    { alerts: FUTURE_DATED },
  ),
  esme(0x001c, 'ECS04a', 'Adjust Meter Balance on the ESME', '1.5', true, [
    action('meterBalance', 'updateAmount'),
  ]),
  esme(0x001d, 'ECS05', 'Reset Tariff Block Counter Matrix', '1.7', true, [
    action('tariffBlockCounterMatrixReset', 'execute'),
  ]),

  // ---- 2.x prepayment
  esme(0x0007, 'CS01a', 'Apply Prepayment Top Up to an ESME', '2.2', false, [
    action('tokenGateway', 'enter'),
  ]),
  esme(0x0020, 'ECS09', 'Activate Emergency Credit Remotely on ESME', '2.5', true, [
    action('emergencyCredit', 'invokeCredit'),
  ]),

  // ---- 3.x
  esme(0x0022, 'ECS12', 'Set Change of Tenancy Date on ESME', '3.2', false, [
    set('changeOfTenancyDate', 'value'),
  ]),
  esme(0x0023, 'ECS14', 'Disable Privacy PIN Protection on ESME', '3.5', false, [set('privacyPin', 'value')]),
  esme(0x0024, 'ECS15a', 'Clear ESME Event Log', '3.3', false, [action('eventLog', 'reset')]),
  esme(0x00c1, 'ECS15c', 'Clear ALCS Event Log', '3.3', false, [action('alcsEventLog', 'reset')]),
  esme(0x0025, 'ECS16', 'Write Supplier Contact Details on ESME', '3.4', false, [
    set('supplierTelephone', 'value'),
    set('supplierName', 'value'),
  ]),

  // ---- 4.x reads
  esme(0x0026, 'ECS17a', 'Read ESME Energy Registers (Export Energy)', '4.2', false, [
    get('activeEnergyExport', 'value'),
    get('activeEnergyExport', 'scalerUnit'),
    get('reactiveEnergyExport', 'value'),
    get('reactiveEnergyExport', 'scalerUnit'),
  ]),
  esme(0x0027, 'ECS17b', 'Read ESME Energy Registers (Import Energy)', '4.1.1', false, [
    action('protectedReadImportEnergy', 'getProtectedAttributes'),
  ]),
  esme(0x0028, 'ECS17c', 'Read ESME Energy Registers (Power)', '4.16', false, [
    get('instantaneousActivePower', 'value'),
  ]),
  esme(0x0029, 'ECS17d', 'Read ESME Energy Register (TOU)', '4.1.2', false, [
    action('protectedReadTouRegisters', 'getProtectedAttributes'),
  ]),
  esme(0x002b, 'ECS18a', 'Read Maximum Demand Registers (Export)', '4.12.2', false, [
    get('maximumDemandExportPeriodStart', 'value'),
    get('maximumDemandExport', 'value'),
    get('maximumDemandExport', 'scalerUnit'),
    get('maximumDemandExport', 'captureTime'),
  ]),
  esme(0x002c, 'ECS18b', 'Read Maximum Demand Registers (Import)', '4.12.1', false, [
    get('maximumDemandPeriodStart', 'value'),
    get('maximumDemandPeriodStartSecondary', 'value'),
    get('maximumDemandImport', 'value'),
    get('maximumDemandImport', 'scalerUnit'),
    get('maximumDemandImport', 'captureTime'),
    get('maximumDemandImportSecondary', 'value'),
    get('maximumDemandImportSecondary', 'scalerUnit'),
    get('maximumDemandImportSecondary', 'captureTime'),
    get('maximumDemandConfigurableTimePeriod', 'entries'),
  ]),
  esme(0x002d, 'ECS19', 'Read ESME Prepayment Registers', '4.3', false, [
    action('protectedReadPrepayment', 'getProtectedAttributes'),
  ]),
  esme(
    0x0030,
    'ECS20c',
    'Read ESME Billing Data Log (billing calendar triggered exc export)',
    '4.4.3',
    false,
    [action('protectedReadBilling', 'getProtectedAttributes')],
  ),
  esme(0x0034, 'ECS21b', 'Read Electricity (Prepayment) Daily Read Log', '4.14', false, [
    action('protectedReadDailyPrepayment', 'getProtectedAttributes'),
  ]),
  esme(0x0035, 'ECS21c', 'Read Electricity Daily Read Log (export only)', '4.6.2', false, [
    getRange('dailyReadLogExport', 'buffer'),
  ]),
  esme(0x0036, 'ECS22a', 'Read Electricity Half Hour Profile Data (export)', '4.8.3', false, [
    getRange('profileDataExport', 'buffer'),
  ]),
  esme(0x0037, 'ECS22b', 'Read Electricity Half Hour Profile Data (active import)', '4.8.1', false, [
    action('protectedReadProfileImport', 'getProtectedAttributes'),
  ]),
  esme(0x0038, 'ECS22c', 'Read Electricity Half Hour Profile Data (reactive import)', '4.8.2', false, [
    getRange('profileDataReactiveImport', 'buffer'),
  ]),
  esme(0x0039, 'ECS23', 'Read Voltage Operational Data', '4.10', false, [
    get('rmsVoltageSagCount', 'value'),
    get('rmsVoltageSagCount', 'scalerUnit'),
    get('rmsVoltageSwellCount', 'value'),
    get('rmsVoltageSwellCount', 'scalerUnit'),
    getRange('averageRmsVoltageProfile', 'buffer'),
    get('averageRmsVoltageProfile', 'capturePeriod'),
  ]),
  esme(0x003a, 'ECS24', 'Read ESME Tariff Data', '4.11.1', false, [
    get('consumptionThresholdRegister', 'value'),
    get('consumptionThresholdRegister', 'scalerUnit'),
    get('activityCalendar', 'seasonProfileActive'),
    get('activityCalendar', 'weekProfileActive'),
    get('activityCalendar', 'dayProfileActive'),
    get('specialDays', 'entries'),
    get('blockThresholdsTou1', 'thresholds'),
    get('blockThresholdsTou2', 'thresholds'),
    get('blockThresholdsTou3', 'thresholds'),
    get('blockThresholdsTou4', 'thresholds'),
    get('blockThresholdsTou5', 'thresholds'),
    get('blockThresholdsTou6', 'thresholds'),
    get('blockThresholdsTou7', 'thresholds'),
    get('blockThresholdsTou8', 'thresholds'),
    get('currencyUnit', 'valueActive'),
    get('standingCharge', 'unitChargeActive'),
    get('primaryPriceCharge', 'unitChargeActive'),
  ]),
  esme(
    0x00bd,
    'ECS24b',
    'Read ESME Tariff Data (second element)',
    '4.11.2',
    false,
    [
      get('secondaryPriceCharge', 'unitChargeActive'),
      get('consumptionThresholdRegisterSecondary', 'value'),
      get('consumptionThresholdRegisterSecondary', 'scalerUnit'),
      get('specialDaysSecondary', 'entries'),
      get('activityCalendarSecondary', 'seasonProfileActive'),
      get('activityCalendarSecondary', 'weekProfileActive'),
      get('activityCalendarSecondary', 'dayProfileActive'),
    ],
    TWIN,
  ),
  esme(0x0042, 'ECS27', 'Read ESME Load Limit Data', '4.15', false, [
    get('loadLimitSupplyStateOnExceed', 'value'),
    get('loadLimitCounter', 'value'),
    get('loadLimitCounter', 'scalerUnit'),
    get('loadLimitLimiter', 'thresholdNormal'),
    get('loadLimitLimiter', 'minOverThresholdDuration'),
    get('loadLimitLimiter', 'minUnderThresholdDuration'),
  ]),
  esme(0x0060, 'ECS66', 'Read ESME Daily Consumption Log', '4.17', false, [
    action('protectedReadDailyConsumption', 'getProtectedAttributes'),
  ]),
  esme(0x0069, 'ECS82', 'Read Meter Balance for ESME', '4.18', false, [
    get('meterBalance', 'currentCreditAmount'),
  ]),

  // ---- 6.x configuration
  esme(
    0x00c6,
    'ECS26k',
    'Read ESME Configuration Voltage Data (3 phase)',
    '6.2.1',
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
      get('rmsVoltageSagThresholdL2', 'value'),
      get('rmsVoltageSwellThresholdL2', 'value'),
      get('rmsVoltageSagThresholdL3', 'value'),
      get('rmsVoltageSwellThresholdL3', 'value'),
    ],
    POLY,
  ),
  esme(0x003d, 'ECS26c', 'Read ESME Configuration Data Device Information (randomisation)', '6.2.2', false, [
    get('randomisationOffset', 'value'),
    get('randomisationOffsetSecondary', 'value'),
    get('randomisationOffsetLimit', 'value'),
  ]),
  esme(
    0x003e,
    'ECS26d',
    'Read ESME Configuration Data Device Information (Billing Calendar)',
    '6.2.3',
    false,
    [get('billingCalendar', 'executionTime')],
  ),
  esme(
    0x00d9,
    'ECS26l',
    'Read ESME Configuration Data Device Information (Billing Calendar, all periodicities)',
    '6.2.3',
    false,
    [get('billingCalendar', 'executionTime')],
  ),
  esme(
    0x00f9,
    'ECS26m',
    'Read ESME Configuration Data Device Information (identity, type and supply tamper state)',
    '6.2.4',
    false,
    [
      get('deviceType', 'value'),
      get('deviceId', 'value'),
      get('manufacturerModel', 'value'),
      get('supplyTamperState', 'value'),
    ],
  ),
  esme(0x0045, 'ECS29a', 'Set Voltage Configurations on ESME', '6.5', false, [
    set('averageRmsVoltageProfile', 'capturePeriod'),
    ...voltageLimiterSets(),
    set('rmsVoltageSwellThreshold', 'value'),
    set('rmsVoltageSagThreshold', 'value'),
    action('rmsVoltageSagCount', 'reset'),
    action('rmsVoltageSwellCount', 'reset'),
  ]),
  esme(
    0x00ae,
    'ECS29b',
    'Set Voltage Configurations on ESME (3 phase)',
    '6.5',
    false,
    [
      set('averageRmsVoltageProfile', 'capturePeriod'),
      set('averageRmsVoltageProfileL2', 'capturePeriod'),
      set('averageRmsVoltageProfileL3', 'capturePeriod'),
      ...voltageLimiterSets(),
      set('rmsVoltageSwellThreshold', 'value'),
      set('rmsVoltageSagThreshold', 'value'),
      set('rmsVoltageSagThresholdL2', 'value'),
      set('rmsVoltageSwellThresholdL2', 'value'),
      set('rmsVoltageSagThresholdL3', 'value'),
      set('rmsVoltageSwellThresholdL3', 'value'),
      action('rmsVoltageSagCount', 'reset'),
      action('rmsVoltageSwellCount', 'reset'),
      action('rmsVoltageSagCountL2', 'reset'),
      action('rmsVoltageSwellCountL2', 'reset'),
      action('rmsVoltageSagCountL3', 'reset'),
      action('rmsVoltageSwellCountL3', 'reset'),
    ],
    POLY,
  ),
  esme(
    0x00d2,
    'ECS29d',
    'Set Voltage Configurations on Polyphase ESME without Counter Reset',
    '6.5',
    false,
    [
      set('rmsVoltageSagThreshold', 'value'),
      set('rmsVoltageSwellThreshold', 'value'),
      set('rmsVoltageSagThresholdL2', 'value'),
      set('rmsVoltageSwellThresholdL2', 'value'),
      set('rmsVoltageSagThresholdL3', 'value'),
      set('rmsVoltageSwellThresholdL3', 'value'),
      set('averageRmsVoltageProfile', 'capturePeriod'),
      set('averageRmsVoltageProfileL2', 'capturePeriod'),
      set('averageRmsVoltageProfileL3', 'capturePeriod'),
      ...voltageLimiterSets(),
    ],
    POLY,
  ),
  esme(
    0x00d4,
    'ECS29f',
    'Reset RMS Voltage Counters on Polyphase ESME',
    '6.27',
    false,
    [
      action('rmsVoltageSagCount', 'reset'),
      action('rmsVoltageSwellCount', 'reset'),
      action('rmsVoltageSagCountL2', 'reset'),
      action('rmsVoltageSwellCountL2', 'reset'),
      action('rmsVoltageSagCountL3', 'reset'),
      action('rmsVoltageSwellCountL3', 'reset'),
    ],
    POLY,
  ),
  esme(0x0047, 'ECS34', 'Set Instantaneous Power Threshold Configuration', '6.12', false, [
    set('powerThresholds', 'thresholds'),
  ]),
  esme(0x00b9, 'ECS35e', 'Read ESME Power Event Log', '6.13', false, [getRange('powerEventLog', 'buffer')]),
  esme(0x00ba, 'ECS35f', 'Read ALCS Event Log', '6.13', false, [getRange('alcsEventLog', 'buffer')]),
  // ECS35g (GBCS later use-case table, c5d22f4e, ~offset 314,500, pair UCPAIR182): Read Auxiliary
  // Controller Event Log, SME.C.NC, not future-dated, SR 6.13, Supplier / Network Operator / Load
  // Controller; one range get of class 7 0-17:99.98.2.255 attribute 2 (access selector 1, from / to
  // double-long-unsigned, selected_values an empty array), each entry timestamp (double-long-unsigned),
  // switchNumberAndAction (long-unsigned), outcome (enum), HANCommandID (double-long-unsigned): the
  // object and entry ECS35f reads (the same ALCS event log), as the RTDS ECS35g messages carry it
  esme(0x00fd, 'ECS35g', 'Read Auxiliary Controller Event Log', '6.13', false, [
    getRange('alcsEventLog', 'buffer'),
  ]),
  esme(0x004a, 'ECS37', 'Set Maximum Demand Configurable Time Period', '6.18.1', false, [
    set('maximumDemandConfigurableTimePeriod', 'entries'),
  ]),
  esme(0x004b, 'ECS38', 'Update Randomised Offset Limit', '7.12', true, [
    set('randomisationOffsetLimit', 'value'),
  ]),
  esme(0x0053, 'ECS46a', 'Set HC ALCS or ALCS Labels in ESME', '6.14.1', true, [
    set('alcsLabel1', 'value', { optional: true }),
    set('alcsLabel2', 'value', { optional: true }),
    set('alcsLabel3', 'value', { optional: true }),
    set('alcsLabel4', 'value', { optional: true }),
    set('alcsLabel5', 'value', { optional: true }),
  ]),
  esme(
    0x011a,
    'ECS46d',
    'Set Auxiliary Controller Scheduler on ESME',
    '6.14.3',
    true,
    [
      set('auxiliaryControllerSpecialDays', 'entries'),
      set('auxiliaryControllerSchedule', 'entries'),
      set('auxiliaryControllerScheduleActivation', 'activationTime'),
      set('auxiliaryControllerSpecialDaysActivation', 'activationTime'),
    ],
    { nameUnconfirmed: true, alerts: FUTURE_DATED },
  ),
  esme(0x00ac, 'ECS25a', 'Set Alert Behaviours - ESME - Supplier', '6.22', false, [
    set('supplierAlertBehaviours', 'value'),
  ]),
  esme(0x00b0, 'ECS25b', 'Set Alert Behaviours - ESME - Network Operator', '6.22', false, [
    set('networkOperatorAlertBehaviours', 'value'),
  ]),
  esme(0x00ea, 'ECS25a1', 'Set Event Behaviours - ESME to HAN Device - Supplier', '6.22', false, [
    set('supplierHanEventBehaviours', 'value'),
  ]),
  esme(0x00eb, 'ECS25a2', 'Set Event Behaviours - ESME Audible Alarm - Supplier', '6.22', false, [
    set('supplierAudibleAlarmBehaviours', 'value'),
  ]),
  esme(0x00ec, 'ECS25a3', 'Set Event Behaviours - ESME Logging - Supplier', '6.22', false, [
    set('supplierLoggingBehaviours', 'value'),
  ]),
  esme(0x00ed, 'ECS25b3', 'Set Event Behaviours - ESME Logging - Network Operator', '6.22', false, [
    set('networkOperatorLoggingBehaviours', 'value'),
  ]),
  esme(0x00ee, 'ECS25r1', 'Read Non-Critical Event and Alert Behaviours - ESME - Supplier', '6.2.10', false, [
    get('supplierNonCriticalAlerts1', 'value'),
    get('supplierNonCriticalAlerts2', 'value'),
    get('supplierNonCriticalAlerts3', 'value'),
    get('supplierNonCriticalAlerts4', 'value'),
  ]),
  esme(0x00db, 'ECS48', 'Configure Daily Resetting of Tariff Block Counter Matrix', '6.26', true, [
    set('blockCounterMatrixDailyReset', 'executionTime'),
  ]),
  esme(0x0062, 'ECS70', 'Set Clock on ESME', ['6.11', '8.1.1'], true, [
    set('clock', 'clockBase'),
    action('clock', 'presetAdjustingTime'),
    action('clock', 'adjustToPresetTime'),
    get('clock', 'time'),
    get('clock', 'status'),
  ]),
  esme(0x0068, 'ECS81', 'Set Supply Tamper State on ESME', '6.25', true, [set('supplyTamperState', 'value')]),

  // ---- 7.x supply, ALCS
  esme(0x0050, 'ECS43', 'Remotely Open the Load Switch on the ESME', '7.2', true, [
    action('disconnectControlScripts', 'execute'),
  ]),
  esme(0x0051, 'ECS44', 'Arm Load Switch in ESME', '7.3', true, [
    action('disconnectControlScripts', 'execute'),
  ]),
  esme(0x0052, 'ECS45', 'Read Status of Load Switch in the ESME', '7.4', false, [
    get('supplyState', 'controlState'),
  ]),
  esme(
    0x0055,
    'ECS47',
    'Set or Reset HC ALCS or ALCS State',
    // 7.5 activate, 7.6 deactivate, 7.8 reset: one use case, the script says which (alcs-scripts.ts)
    ['7.5', '7.6', '7.8'],
    true,
    [set('alcsStateScriptSelector', 'value'), action('alcsStateScripts', 'execute')],
    { aliases: ['ECS47Activate'] },
  ),
  // name, accesses: GBCS later use-case table (c5d22f4e, ~offset 1,133,900); RTDS shows controllers 1, 3, 5
  esme(0x011e, 'ECS47a', 'Set Auxiliary Controller [n] State', '7.13', true, AUX_CONTROLLER_SETTING_PERIODS),
  esme(0x00bb, 'ECS61a', 'Read HC ALCS and ALCS Data from ESME', '7.7', false, [
    get('alcsLabel1', 'value'),
    get('alcsLabel2', 'value'),
    get('alcsLabel3', 'value'),
    get('alcsLabel4', 'value'),
    get('alcsLabel5', 'value'),
    get('alcsDeviceId1', 'value'),
    get('alcsDeviceId2', 'value'),
    get('alcsDeviceId3', 'value'),
    get('alcsDeviceId4', 'value'),
    get('alcsDeviceId5', 'value'),
    get('alcsSpecialDays', 'entries'),
    get('alcsSchedule', 'entries'),
    get('alcs1', 'outputState'),
    get('alcs2', 'outputState'),
    get('alcs3', 'outputState'),
    get('alcs4', 'outputState'),
    get('alcs5', 'outputState'),
  ]),
  esme(0x005e, 'ECS61c', 'Read Boost Button Data from ESME', '7.11', false, [
    get('boostButtonEnabled', 'value'),
    getRange('boostButtonEventLog', 'buffer'),
    get('boostButtonAlcs1', 'value'),
    get('boostButtonAlcs2', 'value'),
    get('boostButtonAlcs3', 'value'),
    get('boostButtonAlcs4', 'value'),
    get('boostButtonAlcs5', 'value'),
  ]),
  esme(
    0x005f,
    'ECS62',
    'Set ALCS and Boost Button Association',
    // 7.9 adds, 7.10 removes: the same five boost button associations written
    ['7.9', '7.10'],
    false,
    [
      set('boostButtonAlcs1', 'value'),
      set('boostButtonAlcs2', 'value'),
      set('boostButtonAlcs3', 'value'),
      set('boostButtonAlcs4', 'value'),
      set('boostButtonAlcs5', 'value'),
    ],
    { aliases: ['ECS62Remove'] },
  ),

  // ---- 11.x firmware
  esme(
    0x0059,
    'ECS52',
    'Read ESME/Comms Hub Firmware Version',
    '11.2',
    false,
    [get('firmwareVersion', 'value')],
    {
      targets: ['ESME', 'CHF'],
    },
  ),
] as const;

function voltageLimiterSets() {
  return [
    set('voltageLimiter1', 'thresholdNormal'),
    set('voltageLimiter1', 'minOverThresholdDuration'),
    set('voltageLimiter2', 'thresholdNormal'),
    set('voltageLimiter2', 'minOverThresholdDuration'),
    set('voltageLimiter3', 'thresholdNormal'),
    set('voltageLimiter3', 'minOverThresholdDuration'),
    set('voltageLimiter4', 'thresholdNormal'),
    set('voltageLimiter4', 'minOverThresholdDuration'),
  ] as const;
}
