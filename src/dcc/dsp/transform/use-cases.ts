/**
 * The DUIS -> GBCS transform table: for each supported Service Reference
 * Variant, how to read its body, which GBCS use case serves which device
 * type, and how that use case's payload is built from the body (STYLE.md:
 * declarative tables). Every payload rule was read off the RTDS reference
 * Commands/Pre-Commands next to their DUIS templates (the DCC reference data
 * set); test/dsp-transform.test.ts pins each template to its RTDS bytes.
 *
 * Payload facts used here (RTDS, GBCS 7.2):
 * - DLMS commands are built by the use-case catalogue from named fields
 *   (src/gbcs/use-cases: encodeCommand; access-requests with invoke-id =
 *   low 24 bits of the Originator Counter, break-on-error, no date-time,
 *   GBCS.md 2); this file maps the DUIS body to those fields.
 * - GBZ commands carry ZCL client-to-server commands with sequence = the
 *   component index, and the DSP's current UTC time as Issuer Event ID.
 * - ESME future dating travels in the DLMS data (activation date-times), GBZ
 *   future dating in the ZCL Implementation Date/Time, CS06's in an optional
 *   GeneralizedTime; DUIS reads (4.1.1) and CHF commands (8.11) are future
 *   dated by the DSP (it holds the command), not in GBCS.
 */
import {
  type ActivateFirmware,
  activateFirmware,
  type DeviceType,
  readInstantaneousImportRegisters,
  type SupplyAction,
  type SynchroniseClock,
  supplyAction,
  synchroniseClock,
  type TopUpDevice,
  topUpDevice,
  type UpdateHanDeviceLog,
  type UpdatePaymentMode,
  type UpdatePricePrimaryElement,
  updateHanDeviceLog,
  updatePaymentMode,
  updatePricePrimaryElement,
} from '../../../duis/index.ts';
import { formatCosemDateTimeText } from '../../../gbcs/use-cases/cosem-text.ts';
import { COSEM_OBJECTS } from '../../../gbcs/use-cases/index.ts';
import { PROTECTED_OBJECTS } from '../../../gbcs/use-cases/protected-objects.ts';
import { toHex, u64be } from '../../../runtime/bytes.ts';
import type { EsmeVariant } from './context.ts';
import {
  cosemCommandDateTime,
  cosemExecutionDateTime,
  type Execution,
  GENERALIZED_TIME_CANCEL,
  generalizedTime,
  zigbeeExecutionTime,
} from './encoding.ts';
import { bodyDeviceType, DspBodyInvalidError, DspUnknownDeviceError } from './errors.ts';
import { type ElectricityPrices, type GasPrices, type PrimaryPrices, primaryPrices } from './prices.ts';
import { type AnySrvTransform, type BuildInput, type SrvTransform, type UseCaseRule, uc } from './rule.ts';

// ---------------------------------------------------------------- DLMS: the use-case catalogue

/** A COSEM date-time as the catalogue's exact text. */
const dt = (b: Uint8Array): string => formatCosemDateTimeText(b);

const obisOf = (o: keyof typeof COSEM_OBJECTS): string => COSEM_OBJECTS[o].obis;

// ---------------------------------------------------------------- 4.1.1 Read Instantaneous Import Registers

/**
 * ECS17b: a protected read through the Data Protection object
 * (get_protected_attributes, method 1): the register object list and the
 * protection parameters, whose transaction-id is `04` (payload-encryption
 * KDF type) followed by the Originator Counter, with the header originator
 * and recipient system titles (RTDS ECS17b SINGLE and TWIN commands).
 */
function buildEcs17b(i: BuildInput<unknown>): unknown {
  return {
    protectedReadImportEnergy: {
      getProtectedAttributes: {
        objectList: [
          {
            classId: PROTECTED_OBJECTS.importRegisters.classId,
            logicalName: PROTECTED_OBJECTS.importRegisters.obis,
            attributeIndex: PROTECTED_OBJECTS.importRegisters.attribute,
            dataIndex: 0,
            restriction: { restrictionType: 0, restrictionValue: null },
          },
        ],
        protectionParameters: [
          {
            protectionType: 2,
            protectionOptions: {
              transactionId: `04${toHex(u64be(i.originatorCounter))}`,
              originatorSystemTitle: i.originator,
              recipientSystemTitle: i.recipient,
              dateTime: '',
              keyInfo: { keyInfoType: 2, agreedKey: { keyParameters: '02', keyCipheredData: '' } },
            },
          },
        ],
      },
    },
  };
}

/** GCS13a: ZCL Read Attributes on the Metering cluster: divisor, multiplier, unit of measure, current summation delivered (the row's attribute list). */
function buildGcs13a(_i: BuildInput<unknown>): unknown {
  return { readMetering: {} };
}

const READ_IMPORT: SrvTransform<{ executionDateTime?: Date }> = {
  srv: '4.1.1',
  critical: false,
  originator: 'user',
  futureDating: 'dsp',
  read: readInstantaneousImportRegisters,
  executionDateTime: (b) => b.executionDateTime,
  useCases: [
    uc({ useCase: 'ECS17b', targets: ['ESME'], fields: buildEcs17b }),
    uc({ useCase: 'GCS13a', targets: ['GSME', 'GPF'], fields: buildGcs13a }),
  ],
};

// ---------------------------------------------------------------- 2.2 Top Up Device

/** CS01a: Token Gateway `enter` (method 1) with the UTRN's 20 ASCII digits. */
function buildCs01a(i: BuildInput<TopUpDevice>): unknown {
  return { tokenGateway: { enter: i.body.utrn } };
}

/** CS01b: Prepayment cluster Consumer Top Up: originating device 0 (ESI), the UTRN as the top-up code. */
function buildCs01b(i: BuildInput<TopUpDevice>): unknown {
  return { consumerTopUp: { originatingDevice: 0, topUpCode: i.body.utrn } };
}

const TOP_UP: SrvTransform<TopUpDevice> = {
  srv: '2.2',
  critical: false,
  originator: 'user',
  futureDating: 'none',
  read: topUpDevice,
  executionDateTime: () => undefined,
  useCases: [
    uc({ useCase: 'CS01a', targets: ['ESME'], fields: buildCs01a }),
    uc({ useCase: 'CS01b', targets: ['GSME'], fields: buildCs01b }),
  ],
};

// ---------------------------------------------------------------- 1.6 Update Payment Mode

const CREDIT_TOKEN = obisOf('meterBalance'); // 0-0:19.10.0.255
const CREDIT_EMERGENCY = obisOf('emergencyCredit'); // 0-0:19.10.1.255
const CREDIT_2 = '0-0:19.10.2.255';
const CHARGE = (n: number) => `0-0:19.20.${n}.255`;

type CreditCharge = { creditReference: string; chargeReference: string; collectionConfiguration: string };

/** One credit_charge_configuration entry: credit reference, charge reference, collection configuration bit-string(3). */
function creditCharge(credit: string, charge: string, bits: string): CreditCharge {
  return { creditReference: credit, chargeReference: charge, collectionConfiguration: bits };
}

const ALL = '111';

/**
 * The ESME Account credit_charge_configuration for credit mode (ECS02):
 * charges 19.20.0 and 19.20.4 from credit 19.10.0, plus 19.20.5 on a twin
 * element ESME (RTDS ECS02 IMMEDIATE_SINGLE vs FUTURE_DATED/CANCELLATION_TWIN).
 */
function creditModeChargeConfiguration(variant: EsmeVariant): CreditCharge[] {
  const entries = [creditCharge(CREDIT_TOKEN, CHARGE(0), ALL), creditCharge(CREDIT_TOKEN, CHARGE(4), ALL)];
  if (variant === 'twin') entries.push(creditCharge(CREDIT_TOKEN, CHARGE(5), ALL));
  return entries;
}

/**
 * The credit_charge_configuration for prepayment mode (ECS03), as the RTDS
 * ECS03 Pre-Commands have it: ten entries over credits 19.10.0 and 19.10.1;
 * SuspendDebtDisabled=true clears the third collection bit (`110`) of the
 * time-based debt charges 19.20.1 and 19.20.2; SuspendDebtEmergency=true adds
 * the three 19.10.2 entries; a twin element ESME adds 19.20.5 for both
 * credits. Checked on all three RTDS combinations (true/true single,
 * true/false twin, false/true twin).
 */
function prepaymentModeChargeConfiguration(
  suspendDebtDisabled: boolean,
  suspendDebtEmergency: boolean,
  variant: EsmeVariant,
): CreditCharge[] {
  const debt = suspendDebtDisabled ? '110' : ALL;
  const entries = [
    creditCharge(CREDIT_TOKEN, CHARGE(0), ALL),
    creditCharge(CREDIT_TOKEN, CHARGE(4), ALL),
    creditCharge(CREDIT_TOKEN, CHARGE(1), debt),
    creditCharge(CREDIT_TOKEN, CHARGE(2), debt),
    creditCharge(CREDIT_TOKEN, CHARGE(3), ALL),
    creditCharge(CREDIT_EMERGENCY, CHARGE(3), ALL),
    creditCharge(CREDIT_EMERGENCY, CHARGE(0), ALL),
    creditCharge(CREDIT_EMERGENCY, CHARGE(4), ALL),
    creditCharge(CREDIT_EMERGENCY, CHARGE(1), debt),
    creditCharge(CREDIT_EMERGENCY, CHARGE(2), debt),
  ];
  if (suspendDebtEmergency) {
    entries.push(
      creditCharge(CREDIT_2, CHARGE(4), ALL),
      creditCharge(CREDIT_2, CHARGE(1), ALL),
      creditCharge(CREDIT_2, CHARGE(2), ALL),
    );
  }
  if (variant === 'twin') {
    entries.push(creditCharge(CREDIT_TOKEN, CHARGE(5), ALL), creditCharge(CREDIT_EMERGENCY, CHARGE(5), ALL));
  }
  return entries;
}

/**
 * ECS02: set Account account_mode_and_status (credit, 1), credit_charge_configuration
 * and account_activation_time (the execution date-time).
 */
function buildEcs02(i: BuildInput<UpdatePaymentMode>): unknown {
  const when = dt(cosemExecutionDateTime(i.execution));
  return {
    account: {
      accountModeAndStatus: { paymentMode: 1, accountStatus: 1 },
      creditChargeConfiguration: creditModeChargeConfiguration(i.esmeVariant),
      accountActivationTime: when,
    },
  };
}

/**
 * ECS03: set Account mode (prepayment, 1), the disablement threshold and its
 * activation time on the GBCS class 9000 object (attributes 4 and 6), the
 * credit_charge_configuration and the account activation time.
 */
function buildEcs03(i: BuildInput<UpdatePaymentMode>): unknown {
  const m = i.body.paymentMode;
  if (m.mode !== 'Prepayment')
    throw new DspBodyInvalidError('ECS03 needs a Prepayment body', 'UpdatePaymentMode');
  const when = dt(cosemExecutionDateTime(i.execution));
  return {
    account: {
      accountModeAndStatus: { paymentMode: 2, accountStatus: 1 },
      creditChargeConfiguration: prepaymentModeChargeConfiguration(
        m.suspendDebtDisabled,
        m.suspendDebtEmergency,
        i.esmeVariant,
      ),
      accountActivationTime: when,
    },
    prepaymentConfiguration: { disablementThreshold: m.disablementThreshold, activationTime: when },
  };
}

/**
 * GCS02/GCS03: Prepayment cluster Change Payment Mode: Provider ID 0, Issuer
 * Event ID, Implementation Date/Time, Proposed Payment Control Configuration,
 * Cut Off Value.
 */
function changePaymentMode(
  _useCase: 'GCS02' | 'GCS03',
  i: BuildInput<UpdatePaymentMode>,
  configuration: number,
  cutOff: number,
): unknown {
  return {
    changePaymentMode: {
      providerId: 0,
      issuerEventId: i.issuerEventId(),
      implementationDateTime: zigbeeExecutionTime(i.execution),
      proposedPaymentControlConfiguration: configuration,
      cutOffValue: cutOff,
    },
  };
}

/** GCS02 (credit): configuration 0x0C94 and cut-off -1, fixed (RTDS 4.5.0 GCS02 Pre-Commands). */
function buildGcs02(i: BuildInput<UpdatePaymentMode>): unknown {
  return changePaymentMode('GCS02', i, 0x0c94, -1);
}

/**
 * GCS03 (prepayment): configuration 0x0097 (disconnection, prepayment, credit
 * management, credit display, contactor fitted) with bit 10 set when
 * SuspendDebtDisabled and bit 11 set unless SuspendDebtEmergency (RTDS GCS03:
 * false/false 0x0897, false/true 0x0097, true/false 0x0C97); cut-off value =
 * DisablementThreshold.
 */
function buildGcs03(i: BuildInput<UpdatePaymentMode>): unknown {
  const m = i.body.paymentMode;
  if (m.mode !== 'Prepayment')
    throw new DspBodyInvalidError('GCS03 needs a Prepayment body', 'UpdatePaymentMode');
  const configuration = 0x0097 | (m.suspendDebtDisabled ? 0x0400 : 0) | (m.suspendDebtEmergency ? 0 : 0x0800);
  return changePaymentMode('GCS03', i, configuration, m.disablementThreshold);
}

const isCredit = (b: UpdatePaymentMode) => b.paymentMode.mode === 'Credit';
const isPrepayment = (b: UpdatePaymentMode) => b.paymentMode.mode === 'Prepayment';

const PAYMENT_MODE: SrvTransform<UpdatePaymentMode> = {
  srv: '1.6',
  critical: true,
  originator: 'user',
  futureDating: 'device',
  read: updatePaymentMode,
  executionDateTime: (b) => b.executionDateTime,
  useCases: [
    uc({
      useCase: 'ECS02',
      targets: ['ESME'],
      when: isCredit,
      whenText: 'Credit',
      fields: buildEcs02,
    }),
    uc({
      useCase: 'ECS03',
      targets: ['ESME'],
      when: isPrepayment,
      whenText: 'Prepayment',
      fields: buildEcs03,
    }),
    uc({
      useCase: 'GCS02',
      targets: ['GSME'],
      when: isCredit,
      whenText: 'Credit',
      fields: buildGcs02,
    }),
    uc({
      useCase: 'GCS03',
      targets: ['GSME'],
      when: isPrepayment,
      whenText: 'Prepayment',
      fields: buildGcs03,
    }),
  ],
};

// ---------------------------------------------------------------- 1.2.1 Update Price (Primary Element)

/** The commodity the price charge applies to: Register 1-0:1.8.0.255 (active energy import) value, attr 2. */
const ACTIVE_IMPORT = '1-0:1.8.0.255';
/** Commodity scale of the price charge: energy in Wh, prices per kWh (RTDS ECS01b: 3). */
const PRICE_COMMODITY_SCALE = 3;

/**
 * The charge_table index of a price in the ESME primary price Charge: TOU
 * rate n (1..48) is the single byte n; block price b (1..4) of block tariff
 * column t (DUIS BlockPrices index 1..8) is the byte 0xA0 + 0x10 * (b - 1) + t
 * (A1..A8, B1..B8, C1..C8, D1..D8). Read off the RTDS ECS01b Pre-Commands:
 * BlockPrices index 1 BlockPrice 1/2/3 = 2361/4289/6566 at A1/B1/C1 (BLOCK),
 * BlockPrices 1 and 2 at A1, B1 and A2, B2 (FUTURE_DATED_TOU_BLOCK).
 */
export function esmeBlockPriceIndex(block: number, column: number): number {
  return 0xa0 + 0x10 * (block - 1) + column;
}

/**
 * The 80 charge_table entries ECS01b always carries (RTDS: every ECS01b
 * Pre-Command): the 48 TOU rates, then the 4 x 8 block prices; prices the
 * request does not give are 0.
 */
function primaryChargeTable(p: ElectricityPrices): { index: string; chargePerUnit: number }[] {
  const entries: { index: string; chargePerUnit: number }[] = [];
  const index = (n: number) => toHex(Uint8Array.of(n));
  for (let n = 1; n <= 48; n++) entries.push({ index: index(n), chargePerUnit: p.tou.get(n) ?? 0 });
  for (let b = 1; b <= 4; b++)
    for (let t = 1; t <= 8; t++)
      entries.push({ index: index(esmeBlockPriceIndex(b, t)), chargePerUnit: p.blocks.get(t)?.get(b) ?? 0 });
  return entries;
}

/**
 * ECS01b: set the passive unit charges (attribute 6) of the standing charge
 * (19.20.4: no commodity, one entry with an empty index) and of the primary
 * price charge (19.20.0: energy import, the 80-entry table), then their
 * activation times (attribute 7): zero immediate, the date, or all-FF to
 * cancel (RTDS ECS01b IMMEDIATE_TOU, IMMEDIATE_BLOCK, FUTURE_DATED and
 * CANCELLATION TOU_BLOCK Pre-Commands).
 */
function buildEcs01b(i: BuildInput<UpdatePricePrimaryElement>): unknown {
  const p = primaryPrices(i.body);
  if (p.fuel !== 'electricity')
    throw new DspBodyInvalidError('ECS01b needs ElectricityPriceElements', 'PriceElements');
  return primaryElementCharges(p, dt(cosemExecutionDateTime(i.execution)));
}

/**
 * The standing charge and primary price Charges (passive unit charge and
 * activation time `when`) of electricity prices, as ECS01b and ECS01a set
 * them (GBCS V3.1 tables: the same objects and types in both).
 */
export function primaryElementCharges(p: ElectricityPrices, when: string) {
  return {
    standingCharge: {
      unitChargePassive: {
        chargePerUnitScaling: { commodityScale: 0, priceScale: p.standingChargeScale },
        commodity: { classId: 0, logicalName: '0-0:0.0.0.0', attributeIndex: 0 },
        chargeTable: [{ index: '', chargePerUnit: p.standingCharge }],
      },
      unitChargeActivationTime: when,
    },
    primaryPriceCharge: {
      unitChargePassive: {
        chargePerUnitScaling: { commodityScale: PRICE_COMMODITY_SCALE, priceScale: p.priceScale },
        commodity: { classId: 3, logicalName: ACTIVE_IMPORT, attributeIndex: 2 },
        chargeTable: primaryChargeTable(p),
      },
      unitChargeActivationTime: when,
    },
  };
}

/** ISO 4217 numeric codes of the DUIS CurrencyUnits (ECB: the euro, RTDS GCS01b CANCELLATION 0x03D2). */
export const GAS_CURRENCY: Readonly<Record<GasPrices['currencyUnits'], number>> = { GBP: 826, ECB: 978 };

/**
 * The Start Time the RTDS GCS01b CANCELLATION Pre-Command carries in Publish
 * Price Matrix, where Publish Tariff Information carries 0xFFFFFFFF: the
 * reference data's value, kept as is (why GBCS uses 0xFFFFFFFE there is not
 * confirmed here).
 */
export const PRICE_MATRIX_CANCEL_TIME = 0xfffffffe;

/**
 * GCS01b: two Price cluster commands (server to client, 0x09):
 * Publish Tariff Information (0x04): Provider ID 0, Issuer Event ID, Issuer
 * Tariff ID 1, Start Time, Tariff Type/Charging Scheme (0x00 TOU, 0x10
 * block), empty label, Number of Price Tiers in Use (TOU: highest TOUPrice
 * index), Number of Block Thresholds in Use (NumberOfThresholds), unit of
 * measure 0 (kWh), currency (ISO 4217), price trailing digit 0x50, Standing
 * Charge, Tier Block Mode 0xFF (not used), block threshold multiplier 1 and
 * divisor 1000; then Publish Price Matrix (0x05): Provider ID 0, Issuer
 * Event ID, Start Time, Issuer Tariff ID 1, command 0 of 1, sub-payload
 * control 1 (TOU: tier ids 1..n) or 0 (block: tier 0 block ids 0..n-1), and
 * the prices, absent indexes below the highest as 0 (RTDS GCS01b IMMEDIATE_TOU,
 * FUTURE_DATED_BLOCK, CANCELLATION_BLOCK Pre-Commands).
 */
function buildGcs01b(i: BuildInput<UpdatePricePrimaryElement>): unknown {
  const p = primaryPrices(i.body);
  if (p.fuel !== 'gas') throw new DspBodyInvalidError('GCS01b needs GasPriceElements', 'PriceElements');
  return gasPriceComponents(p, i.issuerEventId(), i.execution);
}

/** GCS01b's two Price cluster commands of gas prices (also GCS01a's price part). */
export function gasPriceComponents(p: GasPrices, issuerEventId: number, execution: Execution) {
  const start = zigbeeExecutionTime(execution);
  const highest = Math.max(...p.prices.keys());
  const tou = p.kind === 'tou';
  const entries: { tierBlockId: number; price: number }[] = [];
  for (let n = 1; n <= highest; n++)
    entries.push({ tierBlockId: tou ? n : n - 1, price: p.prices.get(n) ?? 0 });
  return {
    tariffInformation: {
      providerId: 0,
      issuerEventId,
      issuerTariffId: 1,
      startTime: start,
      tariffTypeChargingScheme: tou ? 0x00 : 0x10,
      tariffLabel: '',
      numberOfPriceTiersInUse: tou ? highest : 0,
      numberOfBlockThresholdsInUse: p.numberOfThresholds,
      unitOfMeasure: 0x00,
      currency: GAS_CURRENCY[p.currencyUnits],
      priceTrailingDigit: 0x50,
      standingCharge: p.standingCharge,
      tierBlockMode: 0xff,
      blockThresholdMultiplier: 1,
      blockThresholdDivisor: 1000,
    },
    priceMatrix: {
      providerId: 0,
      issuerEventId,
      startTime: execution.kind === 'cancel' ? PRICE_MATRIX_CANCEL_TIME : start,
      issuerTariffId: 1,
      commandIndex: 0,
      totalNumberOfCommands: 1,
      subPayloadControl: tou ? 0x01 : 0x00,
      entries,
    },
  };
}

const fuelOf = (b: UpdatePricePrimaryElement): PrimaryPrices['fuel'] => b.price.fuel;

const UPDATE_PRICE_PRIMARY: SrvTransform<UpdatePricePrimaryElement> = {
  srv: '1.2.1',
  critical: true,
  originator: 'user',
  futureDating: 'device',
  read: updatePricePrimaryElement,
  executionDateTime: (b) => b.executionDateTime,
  useCases: [
    uc({
      useCase: 'ECS01b',
      targets: ['ESME'],
      when: (b) => fuelOf(b) === 'electricity',
      whenText: 'ElectricityPriceElements',
      fields: buildEcs01b,
    }),
    uc({
      useCase: 'GCS01b',
      targets: ['GSME'],
      when: (b) => fuelOf(b) === 'gas',
      whenText: 'GasPriceElements',
      fields: buildGcs01b,
    }),
  ],
};

// ---------------------------------------------------------------- 7.1 / 7.2 / 7.3 supply

/**
 * ECS42/43/44: execute (method 1) the disconnect control Script Table with
 * the script of the action: 0x33 close the load switch (enable), 0x34 open
 * it (disable), 0x36 arm it (RTDS ECS42, ECS43, ECS44).
 */
function loadSwitchScript(_useCase: 'ECS42' | 'ECS43' | 'ECS44', script: number) {
  return (_i: BuildInput<SupplyAction>): unknown => ({ disconnectControlScripts: { execute: script } });
}

/**
 * GCS32/GCS39: Metering cluster ChangeSupply (0x0B): Provider ID 0, Issuer
 * Event ID, Request Date/Time 0, Implementation Date/Time 0 (now), Proposed
 * Supply Status (0 off: close the valve; 1 armed), Supply Control Bits 1
 * (acknowledge required) (RTDS GCS39; GCS32 from the 4.5.0 reference set).
 */
function changeSupply(_useCase: 'GCS32' | 'GCS39', status: number) {
  return (i: BuildInput<SupplyAction>): unknown => ({
    changeSupply: {
      providerId: 0,
      issuerEventId: i.issuerEventId(),
      requestDateTime: 0,
      implementationDateTime: 0,
      proposedSupplyStatus: status,
      supplyControlBits: 0x01,
    },
  });
}

function supplySrv(
  srv: string,
  rules: UseCaseRule<SupplyAction>[],
  notTransformed?: SrvTransform<SupplyAction>['notTransformed'],
): SrvTransform<SupplyAction> {
  const t: SrvTransform<SupplyAction> = {
    srv,
    critical: true,
    originator: 'user',
    futureDating: 'none',
    read: supplyAction,
    executionDateTime: () => undefined,
    useCases: rules,
  };
  if (notTransformed) t.notTransformed = notTransformed;
  return t;
}

const ENABLE_SUPPLY = supplySrv('7.1', [
  uc({ useCase: 'ECS42', targets: ['ESME'], fields: loadSwitchScript('ECS42', 0x33) }),
]);
const DISABLE_SUPPLY = supplySrv('7.2', [
  uc({ useCase: 'ECS43', targets: ['ESME'], fields: loadSwitchScript('ECS43', 0x34) }),
  uc({ useCase: 'GCS32', targets: ['GSME'], fields: changeSupply('GCS32', 0x00) }),
]);
const ARM_SUPPLY = supplySrv('7.3', [
  uc({ useCase: 'ECS44', targets: ['ESME'], fields: loadSwitchScript('ECS44', 0x36) }),
  uc({ useCase: 'GCS39', targets: ['GSME'], fields: changeSupply('GCS39', 0x01) }),
]);

// ---------------------------------------------------------------- 6.11 Synchronise Clock / 8.1.1 Commission Device

/**
 * ECS70: set the Clock's clock_base (attribute 9) to 5, preset_adjusting_time
 * (method 5) with an unspecified preset time and the validity interval
 * [CurrentDateTime, CurrentDateTime + TolerancePeriod], adjust_to_preset_time
 * (method 4), then read time (2) and status (4) (RTDS ECS70).
 */
function buildEcs70(i: BuildInput<SynchroniseClock>): unknown {
  const start = i.body.currentDateTime;
  const end = new Date(start.getTime() + i.body.tolerancePeriod * 1000);
  const unspecified = Uint8Array.from([
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0xff,
  ]);
  return {
    clock: {
      clockBase: 5,
      presetAdjustingTime: {
        presetTime: dt(unspecified),
        validityIntervalStart: dt(cosemCommandDateTime(start, 'CurrentDateTime')),
        validityIntervalEnd: dt(cosemCommandDateTime(end, 'CurrentDateTime + TolerancePeriod')),
      },
      adjustToPresetTime: 0,
      time: null,
      status: null,
    },
  };
}

/** GCS28: DER SEQUENCE of two GeneralizedTimes, the validity interval [CurrentDateTime, + TolerancePeriod] (RTDS GCS28). */
function buildGcs28(i: BuildInput<SynchroniseClock>): unknown {
  const start = i.body.currentDateTime;
  const end = new Date(start.getTime() + i.body.tolerancePeriod * 1000);
  return {
    validityIntervalStart: generalizedTime(start, 'CurrentDateTime'),
    validityIntervalEnd: generalizedTime(end, 'CurrentDateTime + TolerancePeriod'),
  };
}

function clockSrv(srv: string): SrvTransform<SynchroniseClock> {
  const t: SrvTransform<SynchroniseClock> = {
    srv,
    critical: true,
    originator: 'user',
    futureDating: 'none',
    read: synchroniseClock,
    executionDateTime: () => undefined,
    useCases: [
      uc({ useCase: 'ECS70', targets: ['ESME'], fields: buildEcs70 }),
      uc({ useCase: 'GCS28', targets: ['GSME'], fields: buildGcs28 }),
    ],
  };
  if (srv === '8.1.1') {
    t.notTransformed = {
      targets: ['CHF', 'GPF', 'PPMID', 'HCALCS'],
      reason: 'Commission Device of a non-meter device is processed by the DCC alone (no GBCS command)',
    };
  }
  return t;
}

// GBCS.md 5: the Communications Hub cannot tell 8.1.1 from 6.11 in the bytes;
// the SR is known here, and the DSP service applies SECMP0038 DSP-3 to it.
const SYNCHRONISE_CLOCK = clockSrv('6.11');
const COMMISSION_DEVICE = clockSrv('8.1.1');

// ---------------------------------------------------------------- 8.11 Update HAN Device Log

/** ASN.1/GBCS DeviceType numbering (GBCS.md 5), as the CCS01 Device Log entry carries it (RTDS: ESME = 1). */
export const DEVICE_LOG_TYPE: Partial<Record<DeviceType, number>> = {
  GSME: 0,
  ESME: 1,
  GPF: 3,
  HCALCS: 4,
  PPMID: 5,
};

/**
 * CCS01: ZigBee network control (class 104) register_device (method 1) with
 * the Device Log entry {Device ID, device type, install code, 0}, then set
 * the join timeout (attribute 3, seconds: JoinTimePeriod) and enable joining
 * (attribute 2). The MPxNs of the SR stay with the DCC (RTDS CCS01).
 */
function buildCcs01(i: BuildInput<UpdateHanDeviceLog>): unknown {
  const w = i.body.addDeviceToCHFWhitelist;
  if (!w) throw new DspBodyInvalidError('Add needs AddDeviceToCHFWhitelist', 'UpdateHANDeviceLog');
  const type = i.deviceTypeOf(i.body.deviceId);
  if (type === undefined) throw new DspUnknownDeviceError(i.body.deviceId, 'Device Log device');
  const typeCode = DEVICE_LOG_TYPE[type];
  if (typeCode === undefined) {
    throw bodyDeviceType(`a ${type} cannot be added to a CHF Device Log`, 'UpdateHANDeviceLog/DeviceID');
  }
  const entry = {
    deviceId: i.body.deviceId,
    deviceType: typeCode,
    installCode: toHex(w.installCode),
    joinMethod: 0,
    // PROVISIONAL fifth element: the relay flag (SECMP0038 C3; GBCS has no field for it)
    ...(type === 'PPMID' && i.relayEnabledOf?.(i.body.deviceId) ? { relayEnabled: true } : {}),
  };
  return {
    zigbeeNetworkControl: {
      registerDevice: entry,
      joinTimeout: w.joinTimePeriod,
      enableDisableJoining: true,
    },
  };
}

/** CCS02: ZigBee network control unregister_device (method 2) with the Device ID (RTDS CCS02). */
function buildCcs02(i: BuildInput<UpdateHanDeviceLog>): unknown {
  if (i.body.addDeviceToCHFWhitelist) {
    throw new DspBodyInvalidError(
      'AddDeviceToCHFWhitelist goes only with RequestType Add',
      'UpdateHANDeviceLog',
    );
  }
  return { zigbeeNetworkControl: { unregisterDevice: i.body.deviceId } };
}

const UPDATE_HAN_DEVICE_LOG: SrvTransform<UpdateHanDeviceLog> = {
  srv: '8.11',
  critical: false,
  originator: 'acb',
  futureDating: 'dsp',
  read: updateHanDeviceLog,
  executionDateTime: (b) => b.executionDateTime,
  useCases: [
    uc({
      useCase: 'CCS01',
      targets: ['CHF'],
      when: (b) => b.requestType === 'Add',
      whenText: 'Add',
      fields: buildCcs01,
    }),
    uc({
      useCase: 'CCS02',
      targets: ['CHF'],
      when: (b) => b.requestType === 'Remove',
      whenText: 'Remove',
      fields: buildCcs02,
    }),
  ],
  notTransformed: {
    targets: ['GPF'],
    reason: 'the GPF Device Log update is not built by this DSP (no reference command to check it against)',
  },
};

// ---------------------------------------------------------------- 11.3 Activate Firmware

/**
 * CS06: DER SEQUENCE { OCTET STRING firmware hash, INTEGER Originator Counter,
 * GeneralizedTime execution (absent when immediate, 99991231235959Z to cancel) }
 * (RTDS CS06 IMMEDIATE, FUTURE_DATED, CANCELLATION).
 */
function buildCs06(i: BuildInput<ActivateFirmware>): unknown {
  const fields: { manufacturerImageHash: string; originatorCounter: bigint; executionDateTime?: string } = {
    manufacturerImageHash: toHex(i.body.firmwareHash),
    originatorCounter: i.originatorCounter,
  };
  if (i.execution.kind === 'cancel') fields.executionDateTime = GENERALIZED_TIME_CANCEL;
  else if (i.execution.kind === 'at')
    fields.executionDateTime = generalizedTime(i.execution.at, 'ExecutionDateTime');
  return fields;
}

const ACTIVATE_FIRMWARE: SrvTransform<ActivateFirmware> = {
  srv: '11.3',
  critical: true,
  originator: 'user',
  futureDating: 'device',
  read: activateFirmware,
  executionDateTime: (b) => b.executionDateTime,
  useCases: [
    // the user originates and signs (its Pre-Command, CV 4 -> 5/6/7); the CHF and GPF take the
    // supplier directly (catalogue roles: Supplier; GBCS 11.5 text not reached: PROVISIONAL for them).
    // A PPMID / HCALCS holds no supplier cell, and the role table lets the ACB send CS06 for a supplier:
    // there the ACB fronts for the user (acb-fronting.ts; PROVISIONAL), originating the Pre-Command with
    // the user as Supplementary Remote Party and signing the Command once the user's signature verifies.
    uc({ useCase: 'CS06', targets: ['ESME', 'GSME', 'CHF', 'GPF', 'PPMID', 'HCALCS'], fields: buildCs06 }),
  ],
};

// ---------------------------------------------------------------- the table

export const SRV_TRANSFORMS: readonly AnySrvTransform[] = Object.freeze([
  UPDATE_PRICE_PRIMARY,
  PAYMENT_MODE,
  TOP_UP,
  READ_IMPORT,
  SYNCHRONISE_CLOCK,
  ENABLE_SUPPLY,
  DISABLE_SUPPLY,
  ARM_SUPPLY,
  COMMISSION_DEVICE,
  UPDATE_HAN_DEVICE_LOG,
  ACTIVATE_FIRMWARE,
]);
