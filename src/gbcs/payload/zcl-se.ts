/**
 * The ZigBee Smart Energy cluster commands GBCS carries in GBZ (ZCL rev. 6,
 * SE 1.4 Annex D as profiled by GBCS 7.2.10 and the GBZ use cases), declared
 * once: per cluster, per direction, per command id, the payload's fields with
 * their ZCL types and units. The GBZ named codec (gbz-named.ts), the use-case
 * catalogue (src/gbcs/use-cases), the GSME emulator and the DSP transform all
 * read this table; none of them spells a ZCL command's bytes again.
 *
 * Direction: `toServer` is a client-to-server command (frame control bit 3
 * clear, e.g. Prepayment Consumer Top Up sent by a remote party, 0x01);
 * `toClient` server-to-client (bit 3 set: the Price, Messaging, Calendar and
 * Device Management "publish" commands a GSME receives, 0x09, and the
 * responses a GSME sends). Every layout below was checked byte for byte
 * against the RTDS GBZ messages that use it (test: gbz-named.test.ts);
 * commands no RTDS message uses are marked `rtds: false`.
 *
 * Units: `UTCTime` fields are seconds since 2000-01-01T00:00:00Z (GBCS: 0 now,
 * 0xFFFFFFFF cancel where a command can be future dated); money is in the
 * base unit of the currency scaled by the Price Trailing Digit, which GBCS
 * GSMEs set to 5: 1/100000 GBP, i.e. milli-pence (RTDS: a 10 pound top-up is
 * 1 000 000, price trailing digit 0x50); energy and volume by the Metering
 * Multiplier/Divisor (GSME: m3).
 */
import type { ZclField } from './zcl-fields.ts';

export interface ZclCommandDef {
  readonly id: number;
  /** camelCase key used in named fields */
  readonly name: string;
  /** the SE specification's name */
  readonly title: string;
  readonly fields: readonly ZclField[];
  /** false when no RTDS message carries the command (layout from SE 1.4 only) */
  readonly rtds?: false;
}

export interface ZclClusterDef {
  readonly id: number;
  readonly name: string;
  readonly title: string;
  readonly toServer: readonly ZclCommandDef[];
  readonly toClient: readonly ZclCommandDef[];
}

const u32 = <const N extends string>(name: N) => ({ name, type: 'uint32' }) as const;
const utc = <const N extends string>(name: N) => ({ name, type: 'utc', unit: 'UTCTime' }) as const;
const providerId = { name: 'providerId', type: 'uint32' } as const;
const issuerEventId = {
  name: 'issuerEventId',
  type: 'uint32',
  doc: 'GBCS: the DCC UTCTime when the command was built',
} as const;
const issuerTariffId = { name: 'issuerTariffId', type: 'uint32' } as const;
const issuerCalendarId = { name: 'issuerCalendarId', type: 'uint32' } as const;
const commandIndex = { name: 'commandIndex', type: 'uint8' } as const;
const totalNumberOfCommands = { name: 'totalNumberOfCommands', type: 'uint8' } as const;
const snapshotCause = { name: 'snapshotCause', type: 'map32' } as const;

// ---------------------------------------------------------------- Price 0x0700

const PRICE = {
  id: 0x0700,
  name: 'price',
  title: 'Price',
  toServer: [
    {
      id: 0x00,
      name: 'getCurrentPrice',
      title: 'Get Current Price',
      rtds: false,
      fields: [{ name: 'commandOptions', type: 'map8', doc: 'GBCS GCS21f: 0x00 the active price' }],
    },
    {
      id: 0x03,
      name: 'getBlockPeriods',
      title: 'Get Block Periods',
      rtds: false,
      fields: [
        utc('startTime'),
        { name: 'numberOfEvents', type: 'uint8' },
        { name: 'tariffType', type: 'map8' },
      ],
    },
    {
      id: 0x04,
      name: 'getConversionFactor',
      title: 'Get Conversion Factor',
      rtds: false,
      fields: [
        utc('earliestStartTime'),
        u32('minIssuerEventId'),
        { name: 'numberOfCommands', type: 'uint8' },
      ],
    },
    {
      id: 0x05,
      name: 'getCalorificValue',
      title: 'Get Calorific Value',
      rtds: false,
      fields: [
        utc('earliestStartTime'),
        u32('minIssuerEventId'),
        { name: 'numberOfCommands', type: 'uint8' },
      ],
    },
    {
      id: 0x06,
      name: 'getTariffInformation',
      title: 'Get Tariff Information',
      rtds: false,
      fields: [
        utc('earliestStartTime'),
        u32('minIssuerEventId'),
        { name: 'numberOfCommands', type: 'uint8' },
        { name: 'tariffType', type: 'map8' },
      ],
    },
    { id: 0x07, name: 'getPriceMatrix', title: 'Get Price Matrix', rtds: false, fields: [issuerTariffId] },
    {
      id: 0x08,
      name: 'getBlockThresholds',
      title: 'Get Block Thresholds',
      rtds: false,
      fields: [issuerTariffId],
    },
    {
      id: 0x0b,
      name: 'getBillingPeriod',
      title: 'Get Billing Period',
      fields: [
        utc('earliestStartTime'),
        u32('minIssuerEventId'),
        { name: 'numberOfCommands', type: 'uint8' },
        { name: 'tariffType', type: 'map8' },
      ],
    },
  ],
  toClient: [
    {
      id: 0x00,
      name: 'publishPrice',
      title: 'Publish Price',
      rtds: false,
      fields: [
        providerId,
        { name: 'rateLabel', type: 'octstr', maxLength: 12, doc: 'GBCS: unused, empty' },
        issuerEventId,
        utc('currentTime'),
        { name: 'unitOfMeasure', type: 'enum8', doc: 'GBCS GCS21f: 0x01 m3/h' },
        { name: 'currency', type: 'uint16', doc: 'ISO 4217 numeric (826 GBP, 978 EUR)' },
        {
          name: 'priceTrailingDigitAndPriceTier',
          type: 'map8',
          doc: 'high nibble digits after the decimal point, low nibble the active price tier',
        },
        {
          name: 'numberOfPriceTiersAndRegisterTier',
          type: 'map8',
          doc: 'high nibble tiers available, low nibble the register tier in use',
        },
        utc('startTime'),
        { name: 'durationInMinutes', type: 'uint16' },
        {
          name: 'price',
          type: 'uint32',
          unit: 'milli-pence/kWh',
          scaledBy: 'priceTrailingDigitAndPriceTier',
        },
        {
          name: 'additionalFields',
          type: 'bytes',
          doc: 'GBCS: a meter may add up to 19 more octets (the SE 1.4 optional fields), which carry no meaning and are ignored; empty when absent',
        },
      ],
    },
    {
      id: 0x01,
      name: 'publishBlockPeriod',
      title: 'Publish Block Period',
      rtds: false,
      fields: [
        providerId,
        issuerEventId,
        utc('blockPeriodStartTime'),
        { name: 'blockPeriodDuration', type: 'uint24', doc: 'in the units of blockPeriodDurationType' },
        { name: 'blockPeriodControl', type: 'map8' },
        { name: 'blockPeriodDurationType', type: 'map8' },
        { name: 'tariffType', type: 'map8' },
        { name: 'tariffResolutionPeriod', type: 'enum8' },
      ],
    },
    {
      id: 0x02,
      name: 'publishConversionFactor',
      title: 'Publish Conversion Factor',
      fields: [
        issuerEventId,
        utc('startTime'),
        {
          name: 'conversionFactor',
          type: 'uint32',
          unit: 'ratio',
          scaledBy: 'conversionFactorTrailingDigit',
        },
        {
          name: 'conversionFactorTrailingDigit',
          type: 'map8',
          doc: 'high nibble: digits after the decimal point',
        },
      ],
    },
    {
      id: 0x03,
      name: 'publishCalorificValue',
      title: 'Publish Calorific Value',
      fields: [
        issuerEventId,
        utc('startTime'),
        { name: 'calorificValue', type: 'uint32', unit: 'MJ/m3', scaledBy: 'calorificValueTrailingDigit' },
        { name: 'calorificValueUnit', type: 'enum8', doc: '0x01 MJ/m3, 0x02 MJ/kg' },
        {
          name: 'calorificValueTrailingDigit',
          type: 'map8',
          doc: 'high nibble: digits after the decimal point',
        },
      ],
    },
    {
      id: 0x04,
      name: 'publishTariffInformation',
      title: 'Publish Tariff Information',
      fields: [
        providerId,
        issuerEventId,
        issuerTariffId,
        utc('startTime'),
        {
          name: 'tariffTypeChargingScheme',
          type: 'map8',
          doc: 'low nibble tariff type, high nibble charging scheme (0x00 TOU, 0x10 block)',
        },
        { name: 'tariffLabel', type: 'octstr', maxLength: 24 },
        { name: 'numberOfPriceTiersInUse', type: 'uint8' },
        { name: 'numberOfBlockThresholdsInUse', type: 'uint8' },
        { name: 'unitOfMeasure', type: 'enum8', doc: '0x00 kWh (GBCS gas prices are per kWh)' },
        { name: 'currency', type: 'uint16', doc: 'ISO 4217 numeric (826 GBP, 978 EUR)' },
        {
          name: 'priceTrailingDigit',
          type: 'map8',
          doc: 'high nibble: digits after the decimal point of prices',
        },
        { name: 'standingCharge', type: 'uint32', unit: 'milli-pence/day', scaledBy: 'priceTrailingDigit' },
        { name: 'tierBlockMode', type: 'enum8', doc: '0xFF not used' },
        { name: 'blockThresholdMultiplier', type: 'uint24' },
        { name: 'blockThresholdDivisor', type: 'uint24' },
      ],
    },
    {
      id: 0x05,
      name: 'publishPriceMatrix',
      title: 'Publish Price Matrix',
      fields: [
        providerId,
        issuerEventId,
        utc('startTime'),
        issuerTariffId,
        commandIndex,
        totalNumberOfCommands,
        { name: 'subPayloadControl', type: 'map8', doc: '1: TOU (tier ids), 0: block (tier/block ids)' },
        {
          name: 'entries',
          type: 'records',
          fields: [
            { name: 'tierBlockId', type: 'uint8' },
            { name: 'price', type: 'uint32', unit: 'milli-pence/kWh', scaledBy: 'priceTrailingDigit' },
          ],
        },
      ],
    },
    {
      id: 0x06,
      name: 'publishBlockThresholds',
      title: 'Publish Block Thresholds',
      rtds: false,
      fields: [
        providerId,
        issuerEventId,
        utc('startTime'),
        issuerTariffId,
        commandIndex,
        totalNumberOfCommands,
        { name: 'subPayloadControl', type: 'map8' },
        {
          name: 'tiers',
          type: 'records',
          fields: [
            { name: 'tierNumberOfBlockThresholds', type: 'map8', doc: 'high nibble tier, low nibble count' },
            {
              name: 'blockThresholds',
              type: 'list',
              of: 'uint48',
              countFrom: 'tierNumberOfBlockThresholds',
              countMask: 0x0f,
              unit: 'kWh',
            },
          ],
        },
      ],
    },
    {
      id: 0x09,
      name: 'publishBillingPeriod',
      title: 'Publish Billing Period',
      fields: [
        providerId,
        issuerEventId,
        utc('billingPeriodStartTime'),
        { name: 'billingPeriodDuration', type: 'uint24', doc: 'in the units of billingPeriodDurationType' },
        {
          name: 'billingPeriodDurationType',
          type: 'map8',
          doc: 'low nibble units (0 minutes, 1 days, 2 weeks, 3 months), high nibble timebase',
        },
        { name: 'tariffType', type: 'map8' },
      ],
    },
    {
      id: 0x0e,
      name: 'cancelTariff',
      title: 'Cancel Tariff',
      rtds: false,
      fields: [providerId, issuerTariffId, { name: 'tariffType', type: 'map8' }],
    },
  ],
} as const satisfies ZclClusterDef;

// ---------------------------------------------------------------- Metering 0x0702

const METERING = {
  id: 0x0702,
  name: 'metering',
  title: 'Metering',
  toServer: [
    {
      id: 0x00,
      name: 'getProfile',
      title: 'Get Profile',
      rtds: false,
      fields: [
        { name: 'intervalChannel', type: 'enum8' },
        utc('endTime'),
        { name: 'numberOfPeriods', type: 'uint8' },
      ],
    },
    {
      id: 0x06,
      name: 'getSnapshot',
      title: 'Get Snapshot',
      fields: [
        utc('earliestStartTime'),
        utc('latestEndTime'),
        { name: 'snapshotOffset', type: 'uint8' },
        snapshotCause,
      ],
    },
    {
      id: 0x07,
      name: 'startSampling',
      title: 'Start Sampling',
      fields: [
        issuerEventId,
        utc('startSamplingTime'),
        { name: 'sampleType', type: 'enum8', doc: '0 consumption delivered' },
        { name: 'sampleRequestInterval', type: 'uint16', unit: 'seconds' },
        { name: 'maxNumberOfSamples', type: 'uint16' },
      ],
    },
    {
      id: 0x08,
      name: 'getSampledData',
      title: 'Get Sampled Data',
      fields: [
        { name: 'sampleId', type: 'uint16' },
        utc('earliestSampleTime'),
        { name: 'sampleType', type: 'enum8' },
        { name: 'numberOfSamples', type: 'uint16' },
      ],
    },
    {
      id: 0x0b,
      name: 'changeSupply',
      title: 'Change Supply',
      fields: [
        providerId,
        issuerEventId,
        utc('requestDateTime'),
        utc('implementationDateTime'),
        { name: 'proposedSupplyStatus', type: 'enum8', doc: '0 off (valve closed), 1 off/armed, 2 on' },
        { name: 'supplyControlBits', type: 'map8', doc: 'bit 0: acknowledge required' },
      ],
    },
    {
      // GBCS V3.1 PECS03: a PPMID's request to enable an ESME's supply (HAN only, no GBCS payload)
      id: 0x0c,
      name: 'localChangeSupply',
      title: 'Local Change Supply',
      rtds: false,
      fields: [
        {
          name: 'proposedSupplyStatus',
          type: 'enum8',
          doc: '1 off/armed, 2 on (GBCS PECS03: only 2 can succeed)',
        },
      ],
    },
    {
      id: 0x0d,
      name: 'setSupplyStatus',
      title: 'Set Supply Status',
      fields: [
        issuerEventId,
        { name: 'supplyTamperState', type: 'enum8' },
        { name: 'supplyDepletionState', type: 'enum8' },
        { name: 'supplyUncontrolledFlowState', type: 'enum8' },
        { name: 'loadLimitSupplyState', type: 'enum8' },
      ],
    },
    {
      id: 0x0e,
      name: 'setUncontrolledFlowThreshold',
      title: 'Set Uncontrolled Flow Threshold',
      fields: [
        providerId,
        issuerEventId,
        { name: 'uncontrolledFlowThreshold', type: 'uint16', unit: 'm3/h', scaledBy: 'multiplier/divisor' },
        { name: 'unitOfMeasure', type: 'enum8', doc: '0x01 m3' },
        { name: 'multiplier', type: 'uint16' },
        { name: 'divisor', type: 'uint16' },
        { name: 'stabilisationPeriod', type: 'uint8', unit: 'seconds' },
        { name: 'measurementPeriod', type: 'uint16', unit: 'seconds' },
      ],
    },
  ],
  toClient: [
    {
      id: 0x00,
      name: 'getProfileResponse',
      title: 'Get Profile Response',
      rtds: false,
      fields: [
        utc('endTime'),
        { name: 'status', type: 'enum8' },
        { name: 'profileIntervalPeriod', type: 'enum8' },
        { name: 'numberOfPeriodsDelivered', type: 'uint8' },
        {
          name: 'intervals',
          type: 'list',
          of: 'uint24',
          unit: 'm3',
          doc: 'scaled by the Metering Multiplier/Divisor',
        },
      ],
    },
    {
      id: 0x06,
      name: 'publishSnapshot',
      title: 'Publish Snapshot',
      fields: [
        u32('snapshotId'),
        utc('snapshotTime'),
        { name: 'totalSnapshotsFound', type: 'uint8' },
        commandIndex,
        totalNumberOfCommands,
        snapshotCause,
        { name: 'snapshotPayloadType', type: 'enum8' },
        {
          name: 'snapshotPayload',
          type: 'bytes',
          doc: 'layout set by snapshotPayloadType (SE 1.4 D.3.2.3.1.7)',
        },
      ],
    },
    {
      id: 0x07,
      name: 'getSampledDataResponse',
      title: 'Get Sampled Data Response',
      fields: [
        { name: 'sampleId', type: 'uint16' },
        utc('sampleStartTime'),
        { name: 'sampleType', type: 'enum8' },
        { name: 'sampleRequestInterval', type: 'uint16', unit: 'seconds' },
        { name: 'numberOfSamples', type: 'uint16' },
        {
          name: 'samples',
          type: 'list',
          of: 'uint24',
          unit: 'm3',
          doc: 'scaled by the Metering Multiplier/Divisor',
        },
      ],
    },
    {
      id: 0x0c,
      name: 'supplyStatusResponse',
      title: 'Supply Status Response',
      fields: [
        providerId,
        issuerEventId,
        utc('implementationDateTime'),
        { name: 'supplyStatus', type: 'enum8' },
      ],
    },
    {
      id: 0x0d,
      name: 'startSamplingResponse',
      title: 'Start Sampling Response',
      fields: [{ name: 'sampleId', type: 'uint16', doc: '0xFFFF: sampling not started' }],
    },
  ],
} as const satisfies ZclClusterDef;

// ---------------------------------------------------------------- Messaging 0x0703

const MESSAGING = {
  id: 0x0703,
  name: 'messaging',
  title: 'Messaging',
  toServer: [],
  toClient: [
    {
      id: 0x00,
      name: 'displayMessage',
      title: 'Display Message',
      fields: [
        u32('messageId'),
        { name: 'messageControl', type: 'map8' },
        utc('startTime'),
        { name: 'durationInMinutes', type: 'uint16', unit: 'minutes', doc: '0xFFFF until changed' },
        { name: 'message', type: 'string' },
        { name: 'extendedMessageControl', type: 'map8', optional: true },
      ],
    },
    {
      id: 0x01,
      name: 'cancelMessage',
      title: 'Cancel Message',
      rtds: false,
      fields: [u32('messageId'), { name: 'messageControl', type: 'map8' }],
    },
  ],
} as const satisfies ZclClusterDef;

// ---------------------------------------------------------------- Prepayment 0x0705

const PREPAYMENT = {
  id: 0x0705,
  name: 'prepayment',
  title: 'Prepayment',
  toServer: [
    {
      id: 0x00,
      name: 'selectAvailableEmergencyCredit',
      title: 'Select Available Emergency Credit',
      fields: [
        utc('commandIssueDateTime'),
        { name: 'originatingDevice', type: 'enum8', doc: '0 ESI, 1 meter, 2 IHD (PPMID)' },
      ],
    },
    {
      id: 0x02,
      name: 'changeDebt',
      title: 'Change Debt',
      rtds: false,
      fields: [
        issuerEventId,
        { name: 'debtLabel', type: 'octstr', maxLength: 12 },
        { name: 'debtAmount', type: 'int32', unit: 'milli-pence' },
        { name: 'debtRecoveryMethod', type: 'enum8' },
        { name: 'debtAmountType', type: 'enum8' },
        utc('debtRecoveryStartTime'),
        { name: 'debtRecoveryCollectionTime', type: 'uint16', unit: 'minutes' },
        { name: 'debtRecoveryFrequency', type: 'enum8' },
        { name: 'debtRecoveryAmount', type: 'int32', unit: 'milli-pence' },
        { name: 'debtRecoveryBalancePercentage', type: 'uint16', unit: '0.01 %' },
      ],
    },
    {
      id: 0x03,
      name: 'emergencyCreditSetup',
      title: 'Emergency Credit Setup',
      rtds: false,
      fields: [
        issuerEventId,
        utc('startTime'),
        { name: 'emergencyCreditLimit', type: 'uint32', unit: 'milli-pence' },
        { name: 'emergencyCreditThreshold', type: 'uint32', unit: 'milli-pence' },
      ],
    },
    {
      id: 0x04,
      name: 'consumerTopUp',
      title: 'Consumer Top Up',
      fields: [
        { name: 'originatingDevice', type: 'enum8', doc: '0 ESI (remote party), 2 IHD (PPMID)' },
        { name: 'topUpCode', type: 'string', maxLength: 32, doc: 'the UTRN, 20 ASCII digits (GBCS.md 5a)' },
      ],
    },
    {
      id: 0x05,
      name: 'creditAdjustment',
      title: 'Credit Adjustment',
      fields: [
        issuerEventId,
        utc('startTime'),
        {
          name: 'creditAdjustmentType',
          type: 'enum8',
          doc: '0 incremental (prepayment), 2/3 credit-mode balance adjust/reset (GBCS)',
        },
        { name: 'creditAdjustmentValue', type: 'int32', unit: 'milli-pence' },
      ],
    },
    {
      id: 0x06,
      name: 'changePaymentMode',
      title: 'Change Payment Mode',
      fields: [
        providerId,
        issuerEventId,
        utc('implementationDateTime'),
        { name: 'proposedPaymentControlConfiguration', type: 'map16', doc: 'bit 1: prepayment enabled' },
        { name: 'cutOffValue', type: 'int32', unit: 'milli-pence' },
      ],
    },
    {
      id: 0x07,
      name: 'getPrepaySnapshot',
      title: 'Get Prepay Snapshot',
      fields: [
        utc('earliestStartTime'),
        utc('latestEndTime'),
        { name: 'snapshotOffset', type: 'uint8' },
        snapshotCause,
      ],
    },
    {
      id: 0x08,
      name: 'getTopUpLog',
      title: 'Get Top Up Log',
      rtds: false,
      fields: [utc('latestEndTime'), { name: 'numberOfRecords', type: 'uint8' }],
    },
    {
      id: 0x09,
      name: 'setLowCreditWarningLevel',
      title: 'Set Low Credit Warning Level',
      rtds: false,
      fields: [{ name: 'lowCreditWarningLevel', type: 'uint32', unit: 'milli-pence' }],
    },
    {
      id: 0x0a,
      name: 'getDebtRepaymentLog',
      title: 'Get Debt Repayment Log',
      fields: [
        utc('latestEndTime'),
        { name: 'numberOfDebts', type: 'uint8' },
        { name: 'debtType', type: 'enum8' },
      ],
    },
    {
      id: 0x0b,
      name: 'setMaximumCreditLimit',
      title: 'Set Maximum Credit Limit',
      rtds: false,
      fields: [
        providerId,
        issuerEventId,
        utc('implementationDateTime'),
        { name: 'maximumCreditLevel', type: 'uint32', unit: 'milli-pence' },
        { name: 'maximumCreditPerTopUp', type: 'uint32', unit: 'milli-pence' },
      ],
    },
    {
      id: 0x0c,
      name: 'setOverallDebtCap',
      title: 'Set Overall Debt Cap',
      rtds: false,
      fields: [
        providerId,
        issuerEventId,
        utc('implementationDateTime'),
        { name: 'overallDebtCap', type: 'int32', unit: 'milli-pence' },
      ],
    },
  ],
  toClient: [
    {
      id: 0x01,
      name: 'publishPrepaySnapshot',
      title: 'Publish Prepay Snapshot',
      fields: [
        u32('snapshotId'),
        utc('snapshotTime'),
        { name: 'totalSnapshotsFound', type: 'uint8' },
        commandIndex,
        totalNumberOfCommands,
        snapshotCause,
        { name: 'snapshotPayloadType', type: 'enum8' },
        {
          name: 'snapshotPayload',
          type: 'bytes',
          doc: 'layout set by snapshotPayloadType (SE 1.4 D.7.2.4.2)',
        },
      ],
    },
    {
      id: 0x02,
      name: 'changePaymentModeResponse',
      title: 'Change Payment Mode Response',
      fields: [
        { name: 'friendlyCredit', type: 'map8' },
        u32('friendlyCreditCalendarId'),
        { name: 'emergencyCreditLimit', type: 'uint32', unit: 'milli-pence' },
        { name: 'emergencyCreditThreshold', type: 'uint32', unit: 'milli-pence' },
      ],
    },
    {
      id: 0x03,
      name: 'consumerTopUpResponse',
      title: 'Consumer Top Up Response',
      fields: [
        {
          name: 'resultType',
          type: 'enum8',
          doc: '0 accepted, 1 invalid, 2 duplicate, 3 error, 4 max credit reached',
        },
        { name: 'topUpValue', type: 'int32', unit: 'milli-pence', doc: '-1: not applicable' },
        { name: 'sourceOfTopUp', type: 'enum8' },
        { name: 'creditRemaining', type: 'int32', unit: 'milli-pence', doc: '-1: not applicable' },
      ],
    },
    {
      id: 0x05,
      name: 'publishTopUpLog',
      title: 'Publish Top Up Log',
      rtds: false,
      fields: [
        commandIndex,
        totalNumberOfCommands,
        {
          name: 'topUps',
          type: 'records',
          fields: [
            // the UTRN as Consumer Top Up carries it (20 ASCII digits)
            { name: 'topUpCode', type: 'string', maxLength: 32 },
            { name: 'topUpAmount', type: 'int32', unit: 'milli-pence' },
            utc('topUpTime'),
          ],
        },
      ],
    },
    {
      id: 0x06,
      name: 'publishDebtLog',
      title: 'Publish Debt Log',
      rtds: false,
      fields: [
        commandIndex,
        totalNumberOfCommands,
        {
          name: 'debtPayloads',
          type: 'records',
          fields: [
            utc('collectionTime'),
            { name: 'amountCollected', type: 'uint32', unit: 'milli-pence' },
            { name: 'debtType', type: 'enum8' },
            { name: 'outstandingDebt', type: 'uint32', unit: 'milli-pence' },
          ],
        },
      ],
    },
  ],
} as const satisfies ZclClusterDef;

// ---------------------------------------------------------------- Calendar 0x0707

const CALENDAR = {
  id: 0x0707,
  name: 'calendar',
  title: 'Calendar',
  toServer: [
    {
      id: 0x00,
      name: 'getCalendar',
      title: 'Get Calendar',
      rtds: false,
      fields: [
        utc('earliestStartTime'),
        u32('minIssuerEventId'),
        { name: 'numberOfCalendars', type: 'uint8' },
        { name: 'calendarType', type: 'enum8' },
        providerId,
      ],
    },
    {
      id: 0x01,
      name: 'getDayProfiles',
      title: 'Get Day Profiles',
      fields: [
        providerId,
        issuerCalendarId,
        { name: 'startDayId', type: 'uint8' },
        { name: 'numberOfDays', type: 'uint8' },
      ],
    },
    {
      id: 0x02,
      name: 'getWeekProfiles',
      title: 'Get Week Profiles',
      fields: [
        providerId,
        issuerCalendarId,
        { name: 'startWeekId', type: 'uint8' },
        { name: 'numberOfWeeks', type: 'uint8' },
      ],
    },
    { id: 0x03, name: 'getSeasons', title: 'Get Seasons', fields: [providerId, issuerCalendarId] },
    {
      id: 0x04,
      name: 'getSpecialDays',
      title: 'Get Special Days',
      fields: [
        utc('startTime'),
        { name: 'numberOfEvents', type: 'uint8' },
        { name: 'calendarType', type: 'enum8' },
        providerId,
        issuerCalendarId,
      ],
    },
  ],
  toClient: [
    {
      id: 0x00,
      name: 'publishCalendar',
      title: 'Publish Calendar',
      rtds: false,
      fields: [
        providerId,
        issuerEventId,
        issuerCalendarId,
        utc('startTime'),
        { name: 'calendarType', type: 'enum8' },
        { name: 'calendarTimeReference', type: 'enum8' },
        { name: 'calendarName', type: 'octstr', maxLength: 12 },
        { name: 'numberOfSeasons', type: 'uint8' },
        { name: 'numberOfWeekProfiles', type: 'uint8' },
        { name: 'numberOfDayProfiles', type: 'uint8' },
      ],
    },
    {
      id: 0x01,
      name: 'publishDayProfile',
      title: 'Publish Day Profile',
      fields: [
        providerId,
        issuerEventId,
        issuerCalendarId,
        { name: 'dayId', type: 'uint8' },
        { name: 'totalNumberOfScheduleEntries', type: 'uint8' },
        commandIndex,
        totalNumberOfCommands,
        { name: 'calendarType', type: 'enum8' },
        {
          name: 'scheduleEntries',
          type: 'records',
          fields: [
            { name: 'startTime', type: 'uint16', unit: 'minutes after midnight' },
            {
              name: 'priceTierOrSwitch',
              type: 'uint8',
              doc: 'active price tier, or friendly credit enable (calendar type)',
            },
          ],
        },
      ],
    },
    {
      id: 0x02,
      name: 'publishWeekProfile',
      title: 'Publish Week Profile',
      fields: [
        providerId,
        issuerEventId,
        issuerCalendarId,
        { name: 'weekId', type: 'uint8' },
        { name: 'dayIdRefMonday', type: 'uint8' },
        { name: 'dayIdRefTuesday', type: 'uint8' },
        { name: 'dayIdRefWednesday', type: 'uint8' },
        { name: 'dayIdRefThursday', type: 'uint8' },
        { name: 'dayIdRefFriday', type: 'uint8' },
        { name: 'dayIdRefSaturday', type: 'uint8' },
        { name: 'dayIdRefSunday', type: 'uint8' },
      ],
    },
    {
      id: 0x03,
      name: 'publishSeasons',
      title: 'Publish Seasons',
      rtds: false,
      fields: [
        providerId,
        issuerEventId,
        issuerCalendarId,
        commandIndex,
        totalNumberOfCommands,
        {
          name: 'seasons',
          type: 'records',
          fields: [
            { name: 'seasonStartDate', type: 'date' },
            { name: 'weekIdRef', type: 'uint8' },
          ],
        },
      ],
    },
    {
      id: 0x04,
      name: 'publishSpecialDays',
      title: 'Publish Special Days',
      rtds: false,
      fields: [
        providerId,
        issuerEventId,
        issuerCalendarId,
        utc('startTime'),
        { name: 'calendarType', type: 'enum8' },
        { name: 'totalNumberOfSpecialDays', type: 'uint8' },
        commandIndex,
        totalNumberOfCommands,
        {
          name: 'specialDays',
          type: 'records',
          fields: [
            { name: 'specialDayDate', type: 'date' },
            { name: 'dayIdRef', type: 'uint8' },
          ],
        },
      ],
    },
  ],
} as const satisfies ZclClusterDef;

// ---------------------------------------------------------------- Device Management 0x0708

const DEVICE_MANAGEMENT = {
  id: 0x0708,
  name: 'deviceManagement',
  title: 'Device Management',
  toServer: [
    {
      id: 0x04,
      name: 'reportEventConfiguration',
      title: 'Report Event Configuration',
      fields: [
        commandIndex,
        totalNumberOfCommands,
        {
          name: 'events',
          type: 'records',
          fields: [
            { name: 'eventId', type: 'uint16' },
            { name: 'eventConfiguration', type: 'map8', doc: 'bits 0-2: log / alert / push behaviour' },
          ],
        },
      ],
    },
  ],
  toClient: [
    {
      id: 0x00,
      name: 'publishChangeOfTenancy',
      title: 'Publish Change of Tenancy',
      fields: [
        providerId,
        issuerEventId,
        { name: 'tariffType', type: 'map8' },
        utc('implementationDateTime'),
        { name: 'proposedTenancyChangeControl', type: 'map32' },
      ],
    },
    {
      id: 0x01,
      name: 'publishChangeOfSupplier',
      title: 'Publish Change of Supplier',
      rtds: false,
      fields: [
        providerId,
        issuerEventId,
        { name: 'tariffType', type: 'map8' },
        u32('proposedProviderId'),
        utc('providerChangeImplementationTime'),
        { name: 'providerChangeControl', type: 'map32' },
        { name: 'proposedProviderName', type: 'octstr', maxLength: 16 },
        { name: 'proposedProviderContactDetails', type: 'octstr', maxLength: 19 },
      ],
    },
    {
      // GBCS V3.1 use-case tables (GCS11): the GSME's privacy PIN is disabled by this command carrying
      // password type 0x02 (consumer menu), an empty password and duration 0 (valid until changed)
      id: 0x02,
      name: 'requestNewPasswordResponse',
      title: 'Request New Password Response',
      rtds: false,
      fields: [
        issuerEventId,
        utc('implementationDateTime'),
        { name: 'durationInMinutes', type: 'uint16', doc: '0: valid until changed' },
        { name: 'passwordType', type: 'enum8', doc: '0x01 service menu, 0x02 consumer menu' },
        { name: 'password', type: 'octstr', doc: 'empty: PIN protection off' },
      ],
    },
    {
      id: 0x03,
      name: 'updateSiteId',
      title: 'Update SiteID',
      rtds: false,
      fields: [
        issuerEventId,
        utc('siteIdTime'),
        providerId,
        { name: 'siteId', type: 'octstr', maxLength: 32, doc: 'the MPRN' },
      ],
    },
    {
      id: 0x04,
      name: 'setEventConfiguration',
      title: 'Set Event Configuration',
      rtds: false,
      fields: [
        issuerEventId,
        utc('startDateTime'),
        { name: 'eventConfiguration', type: 'map8' },
        { name: 'configurationControl', type: 'enum8', doc: '0x00 apply by list (the form GBCS uses)' },
        // the Apply by List sub-payload: the number of events, then that many event ids
        { name: 'numberOfEvents', type: 'uint8' },
        { name: 'eventIds', type: 'list', of: 'uint16', countFrom: 'numberOfEvents' },
      ],
    },
    {
      id: 0x05,
      name: 'getEventConfiguration',
      title: 'Get Event Configuration',
      fields: [{ name: 'eventId', type: 'uint16', doc: '0x81FF all GBCS alerts (RTDS GCS20r)' }],
    },
    {
      id: 0x06,
      name: 'updateCin',
      title: 'Update CIN',
      fields: [
        issuerEventId,
        utc('implementationTime'),
        providerId,
        { name: 'customerIdNumber', type: 'octstr', maxLength: 24 },
      ],
    },
  ],
} as const satisfies ZclClusterDef;

// ---------------------------------------------------------------- Demand Response and Load Control 0x0701

/**
 * GBCS V3.1 HECS01: an HC ALCS asks its ESME for control with Get Scheduled
 * Events (HAN only, no GBCS payload). No RTDS message carries a DRLC command.
 */
const DRLC = {
  id: 0x0701,
  name: 'drlc',
  title: 'Demand Response and Load Control',
  toServer: [
    {
      id: 0x01,
      name: 'getScheduledEvents',
      title: 'Get Scheduled Events',
      rtds: false,
      fields: [
        utc('startTime'),
        { name: 'numberOfEvents', type: 'uint8', doc: '0: every scheduled event' },
        { name: 'issuerEventId', type: 'uint32', doc: '0: from the start time on' },
      ],
    },
  ],
  toClient: [],
} as const satisfies ZclClusterDef;

// ---------------------------------------------------------------- Events 0x0709

const EVENTS = {
  id: 0x0709,
  name: 'events',
  title: 'Events',
  toServer: [
    {
      id: 0x00,
      name: 'getEventLog',
      title: 'Get Event Log',
      rtds: false,
      fields: [
        { name: 'eventControlLogId', type: 'map8', doc: 'low nibble log id (1 general, 2 security ...)' },
        { name: 'eventId', type: 'uint16' },
        utc('startTime'),
        utc('endTime'),
        { name: 'numberOfEvents', type: 'uint8' },
        { name: 'eventOffset', type: 'uint16' },
      ],
    },
    {
      id: 0x01,
      name: 'clearEventLogRequest',
      title: 'Clear Event Log Request',
      rtds: false,
      fields: [{ name: 'logId', type: 'map8' }],
    },
  ],
  toClient: [
    {
      id: 0x01,
      name: 'publishEventLog',
      title: 'Publish Event Log',
      rtds: false,
      fields: [
        { name: 'totalNumberOfEvents', type: 'uint16' },
        commandIndex,
        totalNumberOfCommands,
        { name: 'logPayloadControl', type: 'map8' },
        {
          name: 'events',
          type: 'records',
          fields: [
            { name: 'logId', type: 'map8' },
            { name: 'eventId', type: 'uint16' },
            utc('eventTime'),
            { name: 'eventData', type: 'octstr' },
          ],
        },
      ],
    },
    {
      id: 0x02,
      name: 'clearEventLogResponse',
      title: 'Clear Event Log Response',
      rtds: false,
      fields: [{ name: 'clearedEventsLogs', type: 'map8' }],
    },
  ],
} as const satisfies ZclClusterDef;

const BASIC = {
  id: 0x0000,
  name: 'basic',
  title: 'Basic',
  toServer: [],
  toClient: [],
} as const satisfies ZclClusterDef;
const OTA = {
  id: 0x0019,
  name: 'ota',
  title: 'OTA Upgrade',
  toServer: [],
  toClient: [],
} as const satisfies ZclClusterDef;

/** Every cluster GBZ uses, with the SE commands GBCS uses on it. */
export const ZCL_SE_CLUSTERS = [
  BASIC,
  OTA,
  PRICE,
  DRLC,
  METERING,
  MESSAGING,
  PREPAYMENT,
  CALENDAR,
  DEVICE_MANAGEMENT,
  EVENTS,
] as const;

export type ZclSeCluster = (typeof ZCL_SE_CLUSTERS)[number];
export type ZclClusterName = ZclSeCluster['name'];
/** `price.publishTariffInformation` style key of every cluster-specific command. */
export type ZclCommandKey = {
  [C in ZclSeCluster as C['name']]: `${C['name']}.${(C['toServer'][number] | C['toClient'][number])['name']}`;
}[ZclClusterName];

type CommandOf<K extends string> = {
  [C in ZclSeCluster as C['name']]: C['toServer'][number] | C['toClient'][number];
} extends infer M
  ? K extends `${infer CN}.${infer N}`
    ? CN extends keyof M
      ? Extract<M[CN], { name: N }>
      : never
    : never
  : never;

/** The field list of a cluster command, by key (a type-level lookup). */
export type ZclCommandFields<K extends ZclCommandKey> = CommandOf<K>['fields'];

const BY_ID = new Map<number, ZclClusterDef>(ZCL_SE_CLUSTERS.map((c) => [c.id, c]));
const BY_NAME = new Map<string, ZclClusterDef>(ZCL_SE_CLUSTERS.map((c) => [c.name, c]));

export function zclCluster(idOrName: number | string): ZclClusterDef | undefined {
  return typeof idOrName === 'number' ? BY_ID.get(idOrName) : BY_NAME.get(idOrName);
}

/** A cluster-specific command by cluster, direction (frame control bit 3) and id. */
export function zclSeCommand(
  clusterId: number,
  serverToClient: boolean,
  commandId: number,
): { cluster: ZclClusterDef; command: ZclCommandDef } | undefined {
  const cluster = BY_ID.get(clusterId);
  const command = (serverToClient ? cluster?.toClient : cluster?.toServer)?.find((c) => c.id === commandId);
  return cluster && command ? { cluster, command } : undefined;
}

/** A cluster-specific command by its key (`prepayment.consumerTopUp`), with its direction. */
export function zclSeCommandByKey(
  key: string,
): { cluster: ZclClusterDef; command: ZclCommandDef; serverToClient: boolean } | undefined {
  const [cn, name] = key.split('.');
  const cluster = BY_NAME.get(cn);
  if (!cluster) return undefined;
  const toServer = cluster.toServer.find((c) => c.name === name);
  if (toServer) return { cluster, command: toServer, serverToClient: false };
  const toClient = cluster.toClient.find((c) => c.name === name);
  return toClient ? { cluster, command: toClient, serverToClient: true } : undefined;
}
