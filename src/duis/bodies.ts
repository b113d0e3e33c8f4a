/**
 * Typed views of the Service Request bodies the DSP and supplier need, and
 * builders that write them in XSD element order. Every other SR stays a
 * generic DuisNode (it parses, builds and round-trips; it just has no typed
 * accessor). Readers throw DuisSchemaError on a body that does not fit.
 *
 * Element names and order are those of DUIS Schema V5.4 (types named in each
 * comment).
 */
import type { Eui } from '../runtime/bytes.ts';
import { DuisSchemaError } from './errors.ts';
import { formatRequestId, parseRequestId, type RequestId } from './request-id.ts';
import {
  formatBase64,
  formatDateTime,
  formatEui,
  formatHexBinary,
  parseBase64,
  parseBoolean,
  parseDateTime,
  parseEui,
  parseHexBinary,
  parseInteger,
} from './values.ts';
import { child, type DuisNode, el, SR_NS } from './xml.ts';

function expectElement(node: DuisNode, name: string): void {
  if (node.name !== name || node.namespace !== SR_NS) {
    throw new DuisSchemaError(`expected body element ${name}, found ${node.name}`, node.name);
  }
}

function onlyChildren(node: DuisNode, allowed: readonly string[]): void {
  let pos = 0;
  for (const c of node.children) {
    const idx = allowed.indexOf(c.name, pos);
    if (idx < 0 || c.namespace !== SR_NS) {
      throw new DuisSchemaError(`unexpected or misplaced element ${c.name}`, `${node.name}/${c.name}`);
    }
    pos = idx + 1;
  }
  if (node.text !== undefined && node.text.trim() !== '') {
    throw new DuisSchemaError('unexpected text content', node.name);
  }
}

function requiredText(node: DuisNode, name: string): string {
  const c = child(node, name);
  if (!c || c.text === undefined) throw new DuisSchemaError(`${name} missing`, node.name);
  return c.text;
}

function optionalText(node: DuisNode, name: string): string | undefined {
  const c = child(node, name);
  if (!c) return undefined;
  if (c.text === undefined)
    throw new DuisSchemaError(`${name} must be a simple value`, `${node.name}/${name}`);
  return c.text;
}

/** `ExecutionDateTime` of a future-datable body (FutureDatedAbstractType), if present. */
export function executionDateTime(body: DuisNode): Date | undefined {
  const t = optionalText(body, 'ExecutionDateTime');
  return t === undefined ? undefined : parseDateTime(t, `${body.name}/ExecutionDateTime`);
}

function execNode(at: Date | undefined): DuisNode[] {
  return at === undefined ? [] : [el('ExecutionDateTime', formatDateTime(at))];
}

// --- Bodies with only an optional ExecutionDateTime (4.1.1 and the other on-demand/future-dated reads)

/** Reads a body whose type is FutureDatedAbstractType with nothing else (e.g. 4.1.1 ReadInstantaneousImportRegisters, 11.2). */
export function readFutureDatedOnlyBody(body: DuisNode, element: string): { executionDateTime?: Date } {
  expectElement(body, element);
  onlyChildren(body, ['ExecutionDateTime']);
  const at = executionDateTime(body);
  return at === undefined ? {} : { executionDateTime: at };
}

export function futureDatedOnlyBody(element: string, at?: Date): DuisNode {
  return el(element, execNode(at));
}

/** 4.1.1 Read Instantaneous Import Registers (type ReadInstantaneousImportRegisters). */
export function readInstantaneousImportRegisters(body: DuisNode): { executionDateTime?: Date } {
  return readFutureDatedOnlyBody(body, 'ReadInstantaneousImportRegisters');
}

export function readInstantaneousImportRegistersBody(at?: Date): DuisNode {
  return futureDatedOnlyBody('ReadInstantaneousImportRegisters', at);
}

// --- 2.2 Top Up Device (type TopUpDevice: UTRN, 20 decimal digits)

export interface TopUpDevice {
  utrn: string;
}

export function topUpDevice(body: DuisNode): TopUpDevice {
  expectElement(body, 'TopUpDevice');
  onlyChildren(body, ['UTRN']);
  const utrn = requiredText(body, 'UTRN').trim();
  if (!/^[0-9]{20}$/.test(utrn))
    throw new DuisSchemaError('UTRN must be 20 decimal digits', 'TopUpDevice/UTRN');
  return { utrn };
}

export function topUpDeviceBody(v: TopUpDevice): DuisNode {
  if (!/^[0-9]{20}$/.test(v.utrn))
    throw new DuisSchemaError('UTRN must be 20 decimal digits', 'TopUpDevice/UTRN');
  return el('TopUpDevice', [el('UTRN', v.utrn)]);
}

// --- 7.1 / 7.2 / 7.3 Enable, Disable, Arm Supply (empty types EnableSupply, DisableSupply, ArmSupply)

export type SupplyAction = 'Enable' | 'Disable' | 'Arm';
const SUPPLY_ELEMENTS: Record<SupplyAction, string> = {
  Enable: 'EnableSupply',
  Disable: 'DisableSupply',
  Arm: 'ArmSupply',
};

export function supplyAction(body: DuisNode): SupplyAction {
  const entry = Object.entries(SUPPLY_ELEMENTS).find(([, e]) => e === body.name);
  if (!entry || body.namespace !== SR_NS)
    throw new DuisSchemaError(`${body.name} is not a supply body`, body.name);
  onlyChildren(body, []);
  return entry[0] as SupplyAction;
}

export function supplyBody(action: SupplyAction): DuisNode {
  return el(SUPPLY_ELEMENTS[action], []);
}

// --- 6.11 Synchronise Clock and 8.1.1 Commission Device (type SynchroniseClock)

export interface SynchroniseClock {
  currentDateTime: Date;
  /** Seconds, 0..86400 (XSD tolerancePeriod). */
  tolerancePeriod: number;
}

const CLOCK_ELEMENTS = ['SynchroniseClock', 'CommissionDeviceSynchroniseClock'];

export function synchroniseClock(body: DuisNode): SynchroniseClock {
  if (!CLOCK_ELEMENTS.includes(body.name) || body.namespace !== SR_NS) {
    throw new DuisSchemaError(`${body.name} is not a SynchroniseClock body`, body.name);
  }
  onlyChildren(body, ['CurrentDateTime', 'TolerancePeriod']);
  return {
    currentDateTime: parseDateTime(requiredText(body, 'CurrentDateTime'), `${body.name}/CurrentDateTime`),
    tolerancePeriod: parseInteger(
      requiredText(body, 'TolerancePeriod'),
      `${body.name}/TolerancePeriod`,
      0,
      86400,
    ),
  };
}

/** `element` is `SynchroniseClock` (6.11) or `CommissionDeviceSynchroniseClock` (8.1.1). */
export function synchroniseClockBody(
  v: SynchroniseClock,
  element: 'SynchroniseClock' | 'CommissionDeviceSynchroniseClock' = 'SynchroniseClock',
): DuisNode {
  if (!Number.isInteger(v.tolerancePeriod) || v.tolerancePeriod < 0 || v.tolerancePeriod > 86400) {
    throw new DuisSchemaError('TolerancePeriod must be 0..86400', element);
  }
  return el(element, [
    el('CurrentDateTime', formatDateTime(v.currentDateTime)),
    el('TolerancePeriod', String(v.tolerancePeriod)),
  ]);
}

// --- 8.11 Update HAN Device Log (type UpdateHANDeviceLog)

export interface AddDeviceToCHFWhitelist {
  /** Seconds, 1..3600. */
  joinTimePeriod: number;
  /** 6..16 bytes. */
  installCode: Uint8Array;
  importMpxn?: string;
  secondaryImportMpan?: string;
  exportMpan?: string;
}

export interface UpdateHanDeviceLog {
  executionDateTime?: Date;
  deviceId: Eui;
  requestType: 'Add' | 'Remove';
  addDeviceToCHFWhitelist?: AddDeviceToCHFWhitelist;
}

const WL_ORDER = ['JoinTimePeriod', 'InstallCode', 'ImportMPxN', 'SecondaryImportMPAN', 'ExportMPAN'];

export function updateHanDeviceLog(body: DuisNode): UpdateHanDeviceLog {
  expectElement(body, 'UpdateHANDeviceLog');
  onlyChildren(body, ['ExecutionDateTime', 'DeviceID', 'RequestType', 'AddDeviceToCHFWhitelist']);
  const p = 'UpdateHANDeviceLog';
  const requestType = requiredText(body, 'RequestType').trim();
  if (requestType !== 'Add' && requestType !== 'Remove') {
    throw new DuisSchemaError(`RequestType "${requestType}" is not Add or Remove`, `${p}/RequestType`);
  }
  const out: UpdateHanDeviceLog = {
    deviceId: parseEui(requiredText(body, 'DeviceID'), `${p}/DeviceID`),
    requestType,
  };
  const at = executionDateTime(body);
  if (at) out.executionDateTime = at;
  const wl = child(body, 'AddDeviceToCHFWhitelist');
  if (wl) {
    onlyChildren(wl, WL_ORDER);
    const wp = `${p}/AddDeviceToCHFWhitelist`;
    const installCode = parseHexBinary(requiredText(wl, 'InstallCode'), `${wp}/InstallCode`);
    if (installCode.length < 6 || installCode.length > 16) {
      throw new DuisSchemaError('InstallCode must be 6..16 bytes', `${wp}/InstallCode`);
    }
    const w: AddDeviceToCHFWhitelist = {
      joinTimePeriod: parseInteger(requiredText(wl, 'JoinTimePeriod'), `${wp}/JoinTimePeriod`, 1, 3600),
      installCode,
    };
    const imp = optionalText(wl, 'ImportMPxN');
    if (imp !== undefined) w.importMpxn = imp.trim();
    const sec = optionalText(wl, 'SecondaryImportMPAN');
    if (sec !== undefined) w.secondaryImportMpan = sec.trim();
    const exp = optionalText(wl, 'ExportMPAN');
    if (exp !== undefined) w.exportMpan = exp.trim();
    out.addDeviceToCHFWhitelist = w;
  }
  return out;
}

export function updateHanDeviceLogBody(v: UpdateHanDeviceLog): DuisNode {
  const kids: DuisNode[] = [
    ...execNode(v.executionDateTime),
    el('DeviceID', formatEui(v.deviceId)),
    el('RequestType', v.requestType),
  ];
  const w = v.addDeviceToCHFWhitelist;
  if (w) {
    if (!Number.isInteger(w.joinTimePeriod) || w.joinTimePeriod < 1 || w.joinTimePeriod > 3600) {
      throw new DuisSchemaError('JoinTimePeriod must be 1..3600', 'AddDeviceToCHFWhitelist');
    }
    if (w.installCode.length < 6 || w.installCode.length > 16) {
      throw new DuisSchemaError('InstallCode must be 6..16 bytes', 'AddDeviceToCHFWhitelist');
    }
    const wk = [
      el('JoinTimePeriod', String(w.joinTimePeriod)),
      el('InstallCode', formatHexBinary(w.installCode)),
    ];
    if (w.importMpxn !== undefined) wk.push(el('ImportMPxN', w.importMpxn));
    if (w.secondaryImportMpan !== undefined) wk.push(el('SecondaryImportMPAN', w.secondaryImportMpan));
    if (w.exportMpan !== undefined) wk.push(el('ExportMPAN', w.exportMpan));
    kids.push(el('AddDeviceToCHFWhitelist', wk));
  }
  return el('UpdateHANDeviceLog', kids);
}

// --- 11.3 Activate Firmware (type ActivateFirmware: ExecutionDateTime?, FirmwareHash 32 bytes)

export interface ActivateFirmware {
  executionDateTime?: Date;
  firmwareHash: Uint8Array;
}

export function activateFirmware(body: DuisNode): ActivateFirmware {
  expectElement(body, 'ActivateFirmware');
  onlyChildren(body, ['ExecutionDateTime', 'FirmwareHash']);
  const firmwareHash = parseHexBinary(requiredText(body, 'FirmwareHash'), 'ActivateFirmware/FirmwareHash');
  if (firmwareHash.length !== 32)
    throw new DuisSchemaError('FirmwareHash must be 32 bytes', 'ActivateFirmware');
  const at = executionDateTime(body);
  return at ? { executionDateTime: at, firmwareHash } : { firmwareHash };
}

export function activateFirmwareBody(v: ActivateFirmware): DuisNode {
  if (v.firmwareHash.length !== 32)
    throw new DuisSchemaError('FirmwareHash must be 32 bytes', 'ActivateFirmware');
  return el('ActivateFirmware', [
    ...execNode(v.executionDateTime),
    el('FirmwareHash', formatHexBinary(v.firmwareHash)),
  ]);
}

// --- 1.6 Update Payment Mode (type UpdatePaymentMode)

export type PaymentMode =
  | { mode: 'Credit' }
  | {
      mode: 'Prepayment';
      suspendDebtDisabled: boolean;
      suspendDebtEmergency: boolean;
      disablementThreshold: number;
    };

export interface UpdatePaymentMode {
  executionDateTime?: Date;
  paymentMode: PaymentMode;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export function updatePaymentMode(body: DuisNode): UpdatePaymentMode {
  expectElement(body, 'UpdatePaymentMode');
  onlyChildren(body, ['ExecutionDateTime', 'Credit', 'Prepayment']);
  const credit = child(body, 'Credit');
  const prepay = child(body, 'Prepayment');
  if ((credit === undefined) === (prepay === undefined)) {
    throw new DuisSchemaError('exactly one of Credit and Prepayment', 'UpdatePaymentMode');
  }
  let paymentMode: PaymentMode;
  if (credit) {
    onlyChildren(credit, []);
    paymentMode = { mode: 'Credit' };
  } else {
    const p = prepay!;
    const pp = 'UpdatePaymentMode/Prepayment';
    onlyChildren(p, ['SuspendDebtDisabled', 'SuspendDebtEmergency', 'DisablementThreshold']);
    paymentMode = {
      mode: 'Prepayment',
      suspendDebtDisabled: parseBoolean(requiredText(p, 'SuspendDebtDisabled'), `${pp}/SuspendDebtDisabled`),
      suspendDebtEmergency: parseBoolean(
        requiredText(p, 'SuspendDebtEmergency'),
        `${pp}/SuspendDebtEmergency`,
      ),
      disablementThreshold: parseInteger(
        requiredText(p, 'DisablementThreshold'),
        `${pp}/DisablementThreshold`,
        INT32_MIN,
        INT32_MAX,
      ),
    };
  }
  const at = executionDateTime(body);
  return at ? { executionDateTime: at, paymentMode } : { paymentMode };
}

export function updatePaymentModeBody(v: UpdatePaymentMode): DuisNode {
  const m = v.paymentMode;
  const modeNode =
    m.mode === 'Credit'
      ? el('Credit', [])
      : el('Prepayment', [
          el('SuspendDebtDisabled', String(m.suspendDebtDisabled)),
          el('SuspendDebtEmergency', String(m.suspendDebtEmergency)),
          el('DisablementThreshold', String(m.disablementThreshold)),
        ]);
  return el('UpdatePaymentMode', [...execNode(v.executionDateTime), modeNode]);
}

// --- 1.2.1 Update Price (Primary Element) (type UpdatePricePrimaryElement / PricePrimary)

export type PricePrimary =
  | {
      fuel: 'electricity';
      standingCharge: number;
      standingChargeScale: number;
      priceScale: number;
      /** BlockTariff, TOUTariff or HybridTariff, as a generic tree. */
      tariff: DuisNode;
    }
  | {
      fuel: 'gas';
      currencyUnits: 'GBP' | 'ECB';
      standingCharge: number;
      /** BlockTariff or TOUTariff, as a generic tree. */
      tariff: DuisNode;
    };

export interface UpdatePricePrimaryElement {
  executionDateTime?: Date;
  price: PricePrimary;
}

export function updatePricePrimaryElement(body: DuisNode): UpdatePricePrimaryElement {
  expectElement(body, 'UpdatePricePrimaryElement');
  onlyChildren(body, ['ExecutionDateTime', 'PriceElements']);
  const pe = child(body, 'PriceElements');
  if (!pe) throw new DuisSchemaError('PriceElements missing', 'UpdatePricePrimaryElement');
  onlyChildren(pe, ['ElectricityPriceElements', 'GasPriceElements']);
  if (pe.children.length !== 1) throw new DuisSchemaError('one price element set', 'PriceElements');
  const set = pe.children[0];
  const p = `UpdatePricePrimaryElement/PriceElements/${set.name}`;
  let price: PricePrimary;
  if (set.name === 'ElectricityPriceElements') {
    onlyChildren(set, [
      'StandingCharge',
      'StandingChargeScale',
      'PriceScale',
      'BlockTariff',
      'TOUTariff',
      'HybridTariff',
    ]);
    const tariff = set.children.find((c) => ['BlockTariff', 'TOUTariff', 'HybridTariff'].includes(c.name));
    if (!tariff) throw new DuisSchemaError('tariff missing', p);
    price = {
      fuel: 'electricity',
      standingCharge: parseInteger(requiredText(set, 'StandingCharge'), `${p}/StandingCharge`, -32768, 32767),
      standingChargeScale: parseInteger(
        requiredText(set, 'StandingChargeScale'),
        `${p}/StandingChargeScale`,
        -128,
        127,
      ),
      priceScale: parseInteger(requiredText(set, 'PriceScale'), `${p}/PriceScale`, -128, 127),
      tariff,
    };
  } else {
    onlyChildren(set, ['CurrencyUnits', 'StandingCharge', 'BlockTariff', 'TOUTariff']);
    const tariff = set.children.find((c) => c.name === 'BlockTariff' || c.name === 'TOUTariff');
    if (!tariff) throw new DuisSchemaError('tariff missing', p);
    const cu = requiredText(set, 'CurrencyUnits').trim();
    if (cu !== 'GBP' && cu !== 'ECB')
      throw new DuisSchemaError(`CurrencyUnits "${cu}"`, `${p}/CurrencyUnits`);
    price = {
      fuel: 'gas',
      currencyUnits: cu,
      standingCharge: parseInteger(requiredText(set, 'StandingCharge'), `${p}/StandingCharge`, 0, 4294967295),
      tariff,
    };
  }
  const at = executionDateTime(body);
  return at ? { executionDateTime: at, price } : { price };
}

export function updatePricePrimaryElementBody(v: UpdatePricePrimaryElement): DuisNode {
  const p = v.price;
  const set =
    p.fuel === 'electricity'
      ? el('ElectricityPriceElements', [
          el('StandingCharge', String(p.standingCharge)),
          el('StandingChargeScale', String(p.standingChargeScale)),
          el('PriceScale', String(p.priceScale)),
          p.tariff,
        ])
      : el('GasPriceElements', [
          el('CurrencyUnits', p.currencyUnits),
          el('StandingCharge', String(p.standingCharge)),
          p.tariff,
        ]);
  return el('UpdatePricePrimaryElement', [...execNode(v.executionDateTime), el('PriceElements', [set])]);
}

// --- Signed Pre-Command (CV 5/6/7; type SignedPreCommand: ExecutionDateTime?, GBCSPayload base64)

export interface SignedPreCommand {
  executionDateTime?: Date;
  /** The user-signed GBCS Pre-Command. */
  gbcsPayload: Uint8Array;
}

export function signedPreCommand(body: DuisNode): SignedPreCommand {
  expectElement(body, 'SignedPreCommand');
  onlyChildren(body, ['ExecutionDateTime', 'GBCSPayload']);
  const gbcsPayload = parseBase64(requiredText(body, 'GBCSPayload'), 'SignedPreCommand/GBCSPayload');
  if (gbcsPayload.length === 0)
    throw new DuisSchemaError('GBCSPayload is empty', 'SignedPreCommand/GBCSPayload');
  const at = executionDateTime(body);
  return at ? { executionDateTime: at, gbcsPayload } : { gbcsPayload };
}

export function signedPreCommandBody(v: SignedPreCommand): DuisNode {
  return el('SignedPreCommand', [
    ...execNode(v.executionDateTime),
    el('GBCSPayload', formatBase64(v.gbcsPayload)),
  ]);
}

// --- 8.13 Return Local Command Response (type ReturnLocalCommandResponse)

export interface ReturnLocalCommandResponse {
  originalRequestId?: RequestId;
  /** The GBCS response the user captured locally. */
  deviceGbcsResponse: Uint8Array;
}

export function returnLocalCommandResponse(body: DuisNode): ReturnLocalCommandResponse {
  expectElement(body, 'ReturnLocalCommandResponse');
  onlyChildren(body, ['OriginalRequestID', 'DeviceGBCSResponse']);
  const p = 'ReturnLocalCommandResponse';
  // may be empty (xs:base64Binary without a minLength): what it carries is the DSP's check (E081302)
  const deviceGbcsResponse = parseBase64(requiredText(body, 'DeviceGBCSResponse'), `${p}/DeviceGBCSResponse`);
  const orig = optionalText(body, 'OriginalRequestID');
  return orig === undefined
    ? { deviceGbcsResponse }
    : { originalRequestId: parseRequestId(orig, `${p}/OriginalRequestID`), deviceGbcsResponse };
}

export function returnLocalCommandResponseBody(v: ReturnLocalCommandResponse): DuisNode {
  const kids: DuisNode[] = [];
  if (v.originalRequestId) kids.push(el('OriginalRequestID', formatRequestId(v.originalRequestId)));
  kids.push(el('DeviceGBCSResponse', formatBase64(v.deviceGbcsResponse)));
  return el('ReturnLocalCommandResponse', kids);
}
