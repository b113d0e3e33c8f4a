/**
 * The DUIS Service Request catalogue: one row per Service Reference Variant
 * of the DUIS Schema V5.4 (129 values), as data (STYLE.md: declarative
 * tables). Sources, checked by service-requests.test.ts against the XSD:
 *
 * - `srv`, order: the XSD `ServiceReferenceVariant` enumeration.
 * - `bodyElement`: the Request/Body choice, whose elements follow the SRV
 *   enumeration one to one (plus `SignedPreCommand`, used with CV 5/6/7).
 * - `commandVariants`, hence `class`: the XSD annotates each SRV with its
 *   allowed Command Variants: "4, 5, 6, 7" critical, "1, 2, 3" non-critical,
 *   "8" non-device, with two exceptions: 8.1.1 Commission Device "4, 5"
 *   (no local delivery; SECMP0038 DSP-3 lets a DSP policy open 6/7 for
 *   no-WAN commissioning) and 8.5 Service Opt Out "1". This gives DUIS's
 *   37 critical, 76 non-critical and 16 non-device SRs.
 *   Deviation (documented in docs/duis.md, pinned by the test): the XSD
 *   annotates 7.12 and 7.13 "1, 2, 3" and 7.14 and 7.15 "4, 5, 6, 7", but the
 *   RTDS reference data has Pre-Commands for 7.12 (ECS38) and 7.13 (ECS47a)
 *   and the DCC templates send them with CV 4, so they are critical here;
 *   7.14 and 7.15 are reads and are taken as non-critical, which keeps the
 *   37 / 76 split DUIS states.
 * - `futureDating`: whether the body type carries `ExecutionDateTime`
 *   (optional via FutureDatedAbstractType, or mandatory).
 * - `name` and `deviceTypes`: from DUIS knowledge, not from the XSD (the
 *   schema does not say); `deviceTypes` is best effort (see docs/duis.md).
 */

export type CommandVariant = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;
export const COMMAND_VARIANTS: readonly CommandVariant[] = [1, 2, 3, 4, 5, 6, 7, 8];

export type ServiceRequestClass = 'critical' | 'non-critical' | 'non-device';
export type FutureDating = 'none' | 'optional' | 'mandatory';
export type DeviceType = 'ESME' | 'GSME' | 'CHF' | 'GPF' | 'PPMID' | 'HCALCS';

export interface ServiceRequestDefinition {
  /** Service Reference Variant, e.g. `4.1.1`. */
  readonly srv: string;
  /** Service Reference, e.g. `4.1` (the SRV without its third component). */
  readonly serviceReference: string;
  /** DUIS name, e.g. `Read Instantaneous Import Registers`. */
  readonly name: string;
  /** Local name of the Request/Body child, e.g. `ReadInstantaneousImportRegisters`. */
  readonly bodyElement: string;
  readonly class: ServiceRequestClass;
  /** Command Variants the DSP accepts for this SRV (XSD annotation). */
  readonly commandVariants: readonly CommandVariant[];
  /** Whether the body may (or must) carry ExecutionDateTime. */
  readonly futureDating: FutureDating;
  /** Device types the request may target; empty for non-device SRs (they target the ACB). */
  readonly deviceTypes: readonly DeviceType[];
}

const CRIT: readonly CommandVariant[] = [4, 5, 6, 7];
const NONCRIT: readonly CommandVariant[] = [1, 2, 3];
const NONDEV: readonly CommandVariant[] = [8];

type Row = [
  srv: string,
  name: string,
  body: string,
  cvs: readonly CommandVariant[],
  fd: FutureDating,
  devices: string,
];

const E = 'E';
const G = 'G';
const EG = 'EG';
const ANY_SMKI = 'EGCPM'; // devices holding SMKI certificates
const FW = 'EGCPMH';

// Device letters: E ESME, G GSME, C CHF, P GPF, M PPMID, H HCALCS.
const ROWS: readonly Row[] = [
  [
    '1.1.1',
    'Update Import Tariff (Primary Element)',
    'UpdateImportTariffPrimaryElement',
    CRIT,
    'optional',
    EG,
  ],
  [
    '1.1.2',
    'Update Import Tariff (Secondary Element)',
    'UpdateImportTariffSecondaryElement',
    CRIT,
    'optional',
    E,
  ],
  ['1.2.1', 'Update Price (Primary Element)', 'UpdatePricePrimaryElement', CRIT, 'optional', EG],
  ['1.2.2', 'Update Price (Secondary Element)', 'UpdatePriceSecondaryElement', CRIT, 'optional', E],
  ['1.5', 'Update Meter Balance', 'UpdateMeterBalance', CRIT, 'none', EG],
  ['1.6', 'Update Payment Mode', 'UpdatePaymentMode', CRIT, 'optional', EG],
  ['1.7', 'Reset Tariff Block Counter Matrix', 'ResetTariffBlockCounterMatrix', CRIT, 'none', EG],
  ['2.1', 'Update Prepay Configuration', 'UpdatePrepayConfiguration', CRIT, 'optional', EG],
  ['2.2', 'Top Up Device', 'TopUpDevice', NONCRIT, 'none', EG],
  ['2.3', 'Update Debt', 'UpdateDebt', CRIT, 'none', EG],
  ['2.5', 'Activate Emergency Credit', 'ActivateEmergencyCredit', CRIT, 'none', EG],
  ['3.1', 'Display Message', 'DisplayMessage', NONCRIT, 'optional', EG],
  [
    '3.2',
    'Restrict Access for Change of Tenancy',
    'RestrictAccessForChangeOfTenancy',
    NONCRIT,
    'optional',
    'EP', // RTDS GCS09: the gas tenancy date goes to the GPF
  ],
  ['3.3', 'Clear Event Log', 'ClearEventLog', NONCRIT, 'none', EG],
  ['3.4', 'Update Supplier Name', 'UpdateSupplierName', NONCRIT, 'optional', EG],
  ['3.5', 'Disable Privacy PIN', 'DisablePrivacyPIN', NONCRIT, 'none', EG],
  [
    '4.1.1',
    'Read Instantaneous Import Registers',
    'ReadInstantaneousImportRegisters',
    NONCRIT,
    'optional',
    'EGP',
  ],
  [
    '4.1.2',
    'Read Instantaneous Import TOU Matrices',
    'ReadInstantaneousImportTOUMatrices',
    NONCRIT,
    'optional',
    'EGP',
  ],
  [
    '4.1.3',
    'Read Instantaneous Import TOU With Blocks Matrices',
    'ReadInstantaneousImportTOUWithBlocksMatrices',
    NONCRIT,
    'optional',
    E,
  ],
  [
    '4.1.4',
    'Read Instantaneous Import Block Counters',
    'ReadInstantaneousImportBlockCounters',
    NONCRIT,
    'optional',
    'EGP',
  ],
  ['4.2', 'Read Instantaneous Export Registers', 'ReadInstantaneousExportRegisters', NONCRIT, 'optional', E],
  ['4.3', 'Read Instantaneous Prepay Values', 'ReadInstantaneousPrepayValues', NONCRIT, 'optional', 'EGP'],
  [
    '4.4.2',
    'Retrieve Change of Mode / Tariff Triggered Billing Data Log',
    'RetrieveCoMOrTariffTriggeredBillingDataLog',
    NONCRIT,
    'optional',
    EG,
  ],
  [
    '4.4.3',
    'Retrieve Billing Calendar Triggered Billing Data Log',
    'RetrieveBillingCalendarTriggeredBillingDataLog',
    NONCRIT,
    'optional',
    EG,
  ],
  [
    '4.4.4',
    'Retrieve Billing Data Log (Payment-based Debt Payments)',
    'RetrieveBillingDataLogDebtPayments',
    NONCRIT,
    'optional',
    EG,
  ],
  [
    '4.4.5',
    'Retrieve Billing Data Log (Prepayment Credits)',
    'RetrieveBillingDataLogPrepaymentCredits',
    NONCRIT,
    'optional',
    EG,
  ],
  ['4.6.1', 'Retrieve Import Daily Read Log', 'RetrieveImportDailyReadLog', NONCRIT, 'optional', EG],
  ['4.6.2', 'Retrieve Export Daily Read Log', 'RetrieveExportDailyReadLog', NONCRIT, 'optional', E],
  ['4.8.1', 'Read Active Import Profile Data', 'ReadActiveImportProfileData', NONCRIT, 'optional', EG],
  ['4.8.2', 'Read Reactive Import Profile Data', 'ReadReactiveImportProfileData', NONCRIT, 'optional', E],
  ['4.8.3', 'Read Export Profile Data', 'ReadExportProfileData', NONCRIT, 'optional', E],
  ['4.10', 'Read Network Data', 'ReadNetworkData', NONCRIT, 'optional', EG],
  ['4.11.1', 'Read Tariff (Primary Element)', 'ReadTariffPrimaryElement', NONCRIT, 'none', EG],
  ['4.11.2', 'Read Tariff (Secondary Element)', 'ReadTariffSecondaryElement', NONCRIT, 'none', E],
  [
    '4.12.1',
    'Read Maximum Demand Import Registers',
    'ReadMaximumDemandImportRegisters',
    NONCRIT,
    'optional',
    E,
  ],
  [
    '4.12.2',
    'Read Maximum Demand Export Registers',
    'ReadMaximumDemandExportRegisters',
    NONCRIT,
    'optional',
    E,
  ],
  ['4.13', 'Read Prepayment Configuration', 'ReadPrepaymentConfiguration', NONCRIT, 'optional', EG],
  ['4.14', 'Read Prepayment Daily Read Log', 'ReadPrepaymentDailyReadLog', NONCRIT, 'optional', 'EGP'],
  ['4.15', 'Read Load Limit Data', 'ReadLoadLimitData', NONCRIT, 'optional', E],
  ['4.16', 'Read Active Power Import', 'ReadActivePowerImport', NONCRIT, 'none', E],
  ['4.17', 'Retrieve Daily Consumption Log', 'RetrieveDailyConsumptionLog', NONCRIT, 'optional', 'EGP'],
  ['4.18', 'Read Meter Balance', 'ReadMeterBalance', NONCRIT, 'optional', EG],
  ['5.1', 'Create Schedule', 'CreateSchedule', NONDEV, 'none', ''],
  ['5.2', 'Read Schedule', 'ReadSchedule', NONDEV, 'none', ''],
  ['5.3', 'Delete Schedule', 'DeleteSchedule', NONDEV, 'none', ''],
  ['6.2.1', 'Read Device Configuration (Voltage)', 'ReadDeviceConfigurationVoltage', NONCRIT, 'none', E],
  [
    '6.2.2',
    'Read Device Configuration (Randomisation)',
    'ReadDeviceConfigurationRandomisation',
    NONCRIT,
    'none',
    E,
  ],
  [
    '6.2.3',
    'Read Device Configuration (Billing Calendar)',
    'ReadDeviceConfigurationBillingCalendar',
    NONCRIT,
    'none',
    EG,
  ],
  [
    '6.2.4',
    'Read Device Configuration (Identity Exc MPxN)',
    'ReadDeviceConfigurationIdentityExcMPxN',
    NONCRIT,
    'none',
    'EGCPMH',
  ],
  [
    '6.2.5',
    'Read Device Configuration (Instantaneous Power Thresholds)',
    'ReadDeviceConfigurationInstantaneousPowerThresholds',
    NONCRIT,
    'none',
    E,
  ],
  ['6.2.7', 'Read Device Configuration (MPxN)', 'ReadDeviceConfigurationMPxN', NONCRIT, 'none', EG],
  ['6.2.8', 'Read Device Configuration (Gas)', 'ReadDeviceConfigurationGas', NONCRIT, 'none', G],
  [
    '6.2.9',
    'Read Device Configuration (Payment Mode)',
    'ReadDeviceConfigurationPaymentMode',
    NONCRIT,
    'none',
    EG,
  ],
  [
    '6.2.10',
    'Read Device Configuration (Event And Alert Behaviours)',
    'ReadDeviceConfigurationEventAndAlertBehaviours',
    NONCRIT,
    'none',
    EG,
  ],
  [
    '6.4.1',
    'Update Device Configuration (Load Limiting General Settings)',
    'UpdateDeviceConfigurationLoadLimitingGeneralSettings',
    CRIT,
    'optional',
    E,
  ],
  [
    '6.4.2',
    'Update Device Configuration (Load Limiting Counter Reset)',
    'UpdateDeviceConfigurationLoadLimitingCounterReset',
    NONCRIT,
    'optional',
    E,
  ],
  [
    '6.5',
    'Update Device Configuration (Voltage)',
    'UpdateDeviceConfigurationVoltage',
    NONCRIT,
    'optional',
    E,
  ],
  [
    '6.6',
    'Update Device Configuration (Gas Conversion)',
    'UpdateDeviceConfigurationGasConversion',
    CRIT,
    'none',
    G,
  ],
  ['6.7', 'Update Device Configuration (Gas Flow)', 'UpdateDeviceConfigurationGasFlow', CRIT, 'none', G],
  [
    '6.8',
    'Update Device Configuration (Billing Calendar)',
    'UpdateDeviceConfigurationBillingCalendar',
    CRIT,
    'none',
    EG,
  ],
  ['6.11', 'Synchronise Clock', 'SynchroniseClock', CRIT, 'none', EG],
  [
    '6.12',
    'Update Device Configuration (Instantaneous Power Threshold)',
    'UpdateDeviceConfigurationInstantaneousPowerThreshold',
    NONCRIT,
    'optional',
    E,
  ],
  ['6.13', 'Read Event Or Security Log', 'ReadEventOrSecurityLog', NONCRIT, 'none', 'EGCPMH'],
  [
    '6.14.1',
    'Update Device Configuration (Auxiliary Load Control Descriptions)',
    'UpdateDeviceConfigurationALCDescriptions',
    CRIT,
    'none',
    'EH',
  ],
  [
    '6.14.2',
    'Update Device Configuration (Auxiliary Load Control Scheduler)',
    'UpdateDeviceConfigurationALCScheduler',
    CRIT,
    'optional',
    'EH',
  ],
  [
    '6.14.3',
    'Update Device Configuration (Auxiliary Controller Scheduler)',
    'UpdateDeviceConfigurationAuxiliaryControllerScheduler',
    CRIT,
    'optional',
    'EH',
  ],
  ['6.15.1', 'Update Security Credentials (KRP)', 'UpdateSecurityCredentialsKRP', CRIT, 'optional', ANY_SMKI],
  [
    '6.15.2',
    'Update Security Credentials (Device)',
    'UpdateSecurityCredentialsDevice',
    CRIT,
    'none',
    ANY_SMKI,
  ],
  ['6.17', 'Issue Security Credentials', 'IssueSecurityCredentials', CRIT, 'none', ANY_SMKI],
  [
    '6.18.1',
    'Set Maximum Demand Configurable Time Period',
    'SetMaximumDemandConfigurableTimePeriod',
    NONCRIT,
    'optional',
    E,
  ],
  ['6.18.2', 'Reset Maximum Demand Registers', 'ResetMaximumDemandRegisters', NONCRIT, 'optional', E],
  [
    '6.20.1',
    'Set Device Configuration (Import MPxN)',
    'SetDeviceConfigurationImportMPxN',
    NONCRIT,
    'optional',
    EG,
  ],
  [
    '6.20.2',
    'Set Device Configuration (Export MPAN)',
    'SetDeviceConfigurationExportMPAN',
    NONCRIT,
    'optional',
    E,
  ],
  [
    '6.21',
    'Request Handover of DCC Controlled Device',
    'RequestHandoverOfDCCControlledDevice',
    NONCRIT,
    'optional',
    ANY_SMKI,
  ],
  ['6.22', 'Configure Alert Behaviour', 'ConfigureAlertBehaviour', NONCRIT, 'none', EG],
  [
    '6.23',
    'Update Security Credentials (CoS)',
    'UpdateSecurityCredentialsCoS',
    NONCRIT,
    'optional',
    ANY_SMKI,
  ],
  [
    '6.24.1',
    'Retrieve Device Security Credentials (KRP)',
    'RetrieveDeviceSecurityCredentialsKRP',
    NONCRIT,
    'none',
    ANY_SMKI,
  ],
  [
    '6.24.2',
    'Retrieve Device Security Credentials (Device)',
    'RetrieveDeviceSecurityCredentialsDevice',
    CRIT,
    'none',
    ANY_SMKI,
  ],
  ['6.25', 'Set Electricity Supply Tamper State', 'SetElectricitySupplyTamperState', CRIT, 'none', E],
  [
    '6.26',
    'Update Device Configuration (Daily Resetting of Tariff Block Counter Matrix)',
    'UpdateDeviceConfigurationDailyResettingOfTariffBlockCounterMatrix',
    CRIT,
    'none',
    EG,
  ],
  [
    '6.27',
    'Update Device Configuration (RMS Voltage Counter Reset)',
    'UpdateDeviceConfigurationRMSVoltageCounterReset',
    NONCRIT,
    'optional',
    E,
  ],
  ['6.28', 'Set CHF Sub GHz Configuration', 'SetCHFSubGHzConfiguration', NONCRIT, 'none', 'C'],
  ['6.29', 'Request CHF Sub GHz Channel Scan', 'RequestCHFSubGHzChannelScan', NONCRIT, 'none', 'C'],
  ['6.30', 'Read CHF Sub GHz Configuration', 'ReadCHFSubGHzConfiguration', NONCRIT, 'none', 'C'],
  ['6.31', 'Read CHF Sub GHz Channel', 'ReadCHFSubGHzChannel', NONCRIT, 'none', 'C'],
  ['6.32', 'Read CHF Sub GHz Channel Log', 'ReadCHFSubGHzChannelLog', NONCRIT, 'none', 'C'],
  ['7.1', 'Enable Supply', 'EnableSupply', CRIT, 'none', E],
  ['7.2', 'Disable Supply', 'DisableSupply', CRIT, 'none', EG],
  ['7.3', 'Arm Supply', 'ArmSupply', CRIT, 'none', EG],
  ['7.4', 'Read Supply Status', 'ReadSupplyStatus', NONCRIT, 'none', EG],
  ['7.5', 'Activate Auxiliary Load', 'ActivateAuxiliaryLoad', CRIT, 'none', 'EH'],
  ['7.6', 'Deactivate Auxiliary Load', 'DeactivateAuxiliaryLoad', CRIT, 'none', 'EH'],
  ['7.7', 'Read Auxiliary Load Switch Data', 'ReadALCSData', NONCRIT, 'optional', 'EH'],
  ['7.8', 'Reset Auxiliary Load', 'ResetAuxiliaryLoad', CRIT, 'none', 'EH'],
  ['7.9', 'Add Auxiliary Load to Boost Button', 'AddAuxiliaryLoadToBoostButton', NONCRIT, 'optional', 'EH'],
  [
    '7.10',
    'Remove Auxiliary Load from Boost Button',
    'RemoveAuxiliaryLoadFromBoostButton',
    NONCRIT,
    'optional',
    'EH',
  ],
  ['7.11', 'Read Boost Button Details', 'ReadBoostButtonDetails', NONCRIT, 'optional', 'EH'],
  ['7.12', 'Set Randomised Offset Limit', 'SetRandomisedOffsetLimit', CRIT, 'none', 'EH'],
  ['7.13', 'Set Auxiliary Controller State', 'SetAuxiliaryControllerState', CRIT, 'none', 'EH'],
  [
    '7.14',
    'Read Auxiliary Controller Configuration Data',
    'ReadAuxiliaryControllerConfigurationData',
    NONCRIT,
    'optional',
    'EH',
  ],
  [
    '7.15',
    'Read Auxiliary Controller Operational Data',
    'ReadAuxiliaryControllerOperationalData',
    NONCRIT,
    'optional',
    'EH',
  ],
  ['7.16', 'Limit APC Level', 'LimitAPCLevel', CRIT, 'none', 'EH'],
  ['8.1.1', 'Commission Device', 'CommissionDeviceSynchroniseClock', [4, 5], 'none', FW],
  ['8.2', 'Read Inventory', 'ReadInventory', NONDEV, 'none', ''],
  ['8.3', 'Decommission Device', 'DecommissionDevice', NONDEV, 'none', ''],
  ['8.4', 'Update Inventory', 'UpdateInventory', NONDEV, 'none', ''],
  ['8.5', 'Service Opt Out', 'ServiceOptOut', [1], 'mandatory', E],
  ['8.6', 'Service Opt In', 'ServiceOptIn', NONDEV, 'none', ''],
  ['8.7.1', 'Join Service (Critical)', 'JoinServiceCritical', CRIT, 'none', 'EGMH'],
  ['8.7.2', 'Join Service (Non-Critical)', 'JoinServiceNonCritical', NONCRIT, 'none', 'EGMH'],
  ['8.8.1', 'Unjoin Service (Critical)', 'UnjoinServiceCritical', CRIT, 'none', 'EGMH'],
  ['8.8.2', 'Unjoin Service (Non-Critical)', 'UnjoinServiceNonCritical', NONCRIT, 'none', 'EGMH'],
  ['8.9', 'Read Device Log', 'ReadDeviceLog', NONCRIT, 'optional', 'CP'],
  ['8.11', 'Update HAN Device Log', 'UpdateHANDeviceLog', NONCRIT, 'optional', 'CP'],
  ['8.12.1', 'Restore HAN Device Log', 'RestoreHANDeviceLog', NONCRIT, 'none', 'C'],
  ['8.12.2', 'Restore GPF Device Log', 'RestoreGPFDeviceLog', NONCRIT, 'none', 'P'],
  ['8.13', 'Return Local Command Response', 'ReturnLocalCommandResponse', NONDEV, 'none', ''],
  [
    '8.14.1',
    'Communications Hub Status Update - Install Success',
    'CHFInstallSuccessSMWAN',
    NONDEV,
    'none',
    '',
  ],
  [
    '8.14.2',
    'Communications Hub Status Update - Install No SM WAN',
    'CHFInstallSuccessNoSMWAN',
    NONDEV,
    'none',
    '',
  ],
  ['8.14.3', 'Communications Hub Status Update - Fault Return', 'CHFFaultReturn', NONDEV, 'none', ''],
  ['8.14.4', 'Communications Hub Status Update - No Fault Return', 'CHFNoFaultReturn', NONDEV, 'none', ''],
  [
    '9.1',
    'Request Customer Identification Number',
    'RequestCustomerIdentificationNumber',
    NONCRIT,
    'none',
    EG,
  ],
  ['11.1', 'Update Firmware', 'UpdateFirmware', NONDEV, 'none', ''],
  ['11.2', 'Read Firmware Version', 'ReadFirmwareVersion', NONCRIT, 'optional', FW],
  ['11.3', 'Activate Firmware', 'ActivateFirmware', CRIT, 'optional', FW],
  ['11.4', 'Update PPMID Firmware', 'UpdatePPMIDFirmware', NONDEV, 'none', ''],
  ['12.1', 'Request WAN Matrix', 'RequestWANMatrix', NONDEV, 'none', ''],
  ['12.2', 'Device Pre-notification', 'DevicePrenotification', NONDEV, 'none', ''],
  ['14.1', 'Record Network Data (Gas)', 'RecordNetworkDataGAS', NONCRIT, 'none', G],
];

const DEVICE_LETTERS: Record<string, DeviceType> = {
  E: 'ESME',
  G: 'GSME',
  C: 'CHF',
  P: 'GPF',
  M: 'PPMID',
  H: 'HCALCS',
};

function classOf(cvs: readonly CommandVariant[]): ServiceRequestClass {
  if (cvs.includes(8)) return 'non-device';
  if (cvs.includes(4)) return 'critical';
  return 'non-critical';
}

/** Every Service Reference Variant of DUIS V5.4, in schema order. */
export const SERVICE_REQUESTS: readonly ServiceRequestDefinition[] = ROWS.map(
  ([srv, name, bodyElement, cvs, futureDating, devices]) =>
    Object.freeze({
      srv,
      serviceReference: srv.split('.').slice(0, 2).join('.'),
      name,
      bodyElement,
      class: classOf(cvs),
      commandVariants: Object.freeze([...cvs]),
      futureDating,
      deviceTypes: Object.freeze([...devices].map((d) => DEVICE_LETTERS[d])),
    }),
);

/** Body element of a Signed Pre-Command (CV 5, 6, 7) in place of the SR's own element. */
export const SIGNED_PRE_COMMAND_ELEMENT = 'SignedPreCommand';

const BY_SRV = new Map(SERVICE_REQUESTS.map((d) => [d.srv, d]));
const BY_ELEMENT = new Map(SERVICE_REQUESTS.map((d) => [d.bodyElement, d]));

/** The definition of a Service Reference Variant, or undefined if DUIS V5.4 has none. */
export function serviceRequest(srv: string): ServiceRequestDefinition | undefined {
  return BY_SRV.get(srv);
}

/** The definition whose Request/Body element has this local name. */
export function serviceRequestByBodyElement(element: string): ServiceRequestDefinition | undefined {
  return BY_ELEMENT.get(element);
}

export function isCommandVariant(n: unknown): n is CommandVariant {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 8;
}

/** CV 2, 3, 6, 7: the DSP returns a Command for Local Delivery (DUIS; SECMP0038 DSP-1). */
export function isLocalDeliveryCommandVariant(cv: CommandVariant): boolean {
  return cv === 2 || cv === 3 || cv === 6 || cv === 7;
}

/** CV 1, 3, 5, 7: the DSP sends the Command over the SM WAN. */
export function isWanCommandVariant(cv: CommandVariant): boolean {
  return cv === 1 || cv === 3 || cv === 5 || cv === 7;
}

/** CV 5, 6, 7: the input is a Signed Pre-Command (body `SignedPreCommand`), not a Service Request body. */
export function isSignedPreCommandVariant(cv: CommandVariant): boolean {
  return cv === 5 || cv === 6 || cv === 7;
}

/** CV 4: the DSP returns a Pre-Command for the user to sign. */
export function isTransformCommandVariant(cv: CommandVariant): boolean {
  return cv === 4;
}

/** CV 8: a non-device Service Request answered by the DCC itself. */
export function isNonDeviceCommandVariant(cv: CommandVariant): boolean {
  return cv === 8;
}

/**
 * How the synchronous HTTP response to this CV completes (DUIS): WAN variants
 * are acknowledged with I99 and answered later through the Receive Response
 * Service; 2, 4, 6 and 8 complete synchronously with I0. CV 3 and 7 do both:
 * the synchronous response carries the Local Command, the device response
 * comes later.
 */
export function isSynchronousCommandVariant(cv: CommandVariant): boolean {
  return cv === 2 || cv === 4 || cv === 6 || cv === 8;
}

/** True if `cv` is allowed for `srv` per the catalogue. */
export function isCommandVariantAllowed(srv: string, cv: CommandVariant): boolean {
  return BY_SRV.get(srv)?.commandVariants.includes(cv) ?? false;
}

/** Service Reference of a variant: `4.1.1` -> `4.1`, `8.13` -> `8.13`. */
export function serviceReferenceOf(srv: string): string {
  // what `srv.split('.').slice(0, 2).join('.')` gives, without the array
  const first = srv.indexOf('.');
  const second = first < 0 ? -1 : srv.indexOf('.', first + 1);
  return second < 0 ? srv : srv.slice(0, second);
}
