/**
 * DUIS Responses (Service Responses, acknowledgements, Device Alerts, DCC
 * Alerts): parse and build. Structure (DUIS XSD `Response`): root
 * `sr:Response` with `schemaVersion`; Header: RequestID?, ResponseID?,
 * ResponseCode, ResponseDateTime; Body: one of ResponseMessage,
 * DeviceAlertMessage, DCCAlertMessage, SMETS1ResponseMessage; optional
 * `ds:Signature` last.
 */
import { type Eui, normaliseEui } from '../runtime/bytes.ts';
import { DuisSchemaError, DuisUnsupportedError } from './errors.ts';
import { DUIS_SCHEMA_VERSION, readHeaderFields, rootParts, singleBodyElement } from './request.ts';
import {
  formatRequestId,
  parseRequestId,
  parseResponseId,
  type RequestId,
  type ResponseId,
} from './request-id.ts';
import { type DuisResponseCode, isDuisResponseCode } from './response-codes.ts';
import { serviceReferenceOf, serviceRequest } from './service-requests.ts';
import {
  formatBase64,
  formatDateTime,
  formatEui,
  formatHexBinary,
  parseBase64,
  parseDateTime,
  parseEui,
  parseHexBinary,
  parseInteger,
} from './values.ts';
import {
  type BuiltDuisDocument,
  builtDuisDocument,
  child,
  type DuisNode,
  el,
  parseXmlDocument,
  SR_NS,
  toDuisNode,
  type XmlDocument,
  type XmlLimits,
} from './xml.ts';

export interface DuisResponseHeader {
  requestId?: RequestId;
  responseId?: ResponseId;
  responseCode: DuisResponseCode;
  responseDateTime: Date;
}

/** The optional content of a ResponseMessage after ServiceReference/ServiceReferenceVariant. */
export type ResponseMessagePayload =
  /** A device's GBCS response (I0 via the Receive Response Service), base64 `GBCSPayload`. */
  | { type: 'GBCSPayload'; gbcs: Uint8Array }
  /** Command for Local Delivery (CV 2, 3, 6, 7): `LocalCommand/GBCSPayload`. */
  | { type: 'LocalCommand'; gbcs: Uint8Array }
  /** Pre-Command for the user to sign (CV 4): `PreCommand/GBCSVersion`, `PreCommand/GBCSPayload`. */
  | { type: 'PreCommand'; gbcsVersion: string; gbcs: Uint8Array }
  /** Any other choice (CINMessage, DSPInventory, DSPScheduleID ...) as a generic tree. */
  | { type: 'Other'; node: DuisNode };

/**
 * The device's GBCS a ResponseMessage carries: `GBCSPayload`, or the
 * `GBCSPayload` inside a choice that wraps it (CINMessage for 9.1,
 * DSPScheduledMessage for a DSP schedule's run). Undefined when none.
 */
export function deviceGbcsOf(payload: ResponseMessagePayload | undefined): Uint8Array | undefined {
  if (payload?.type === 'GBCSPayload') return payload.gbcs;
  if (payload?.type !== 'Other') return undefined;
  const n = payload.node;
  if (n.name !== 'CINMessage' && n.name !== 'DSPScheduledMessage') return undefined;
  const text = n.children.find((c) => c.name === 'GBCSPayload')?.text;
  return text === undefined ? undefined : parseBase64(text, `${n.name}/GBCSPayload`);
}

export interface ResponseMessage {
  kind: 'ResponseMessage';
  serviceReference: string;
  serviceReferenceVariant: string;
  payload?: ResponseMessagePayload;
}

export interface DeviceAlertMessage {
  kind: 'DeviceAlertMessage';
  /** GBCS Alert Code, upper-case hex (xs:hexBinary), e.g. `8F84`. */
  alertCode: string;
  throttledAlertSequenceId?: number;
  throttledAlertCount?: number;
  gbcsPayload: Uint8Array;
}

export interface DccAlertMessage {
  kind: 'DCCAlertMessage';
  /** `AD1`, `N1`..`N65`, `N999` (XSD enumeration). */
  dccAlertCode: string;
  throttledAlertSequenceId?: number;
  throttledAlertCount?: number;
  /** The single child of `DCCAlert` (e.g. `PPMIDAlert`), as a generic tree. */
  alert: DuisNode;
}

export interface Smets1ResponseMessage {
  kind: 'SMETS1ResponseMessage';
  node: DuisNode;
}

export type DuisResponseBody = ResponseMessage | DeviceAlertMessage | DccAlertMessage | Smets1ResponseMessage;

export interface DuisResponse {
  schemaVersion: string;
  header: DuisResponseHeader;
  body: DuisResponseBody;
  /** True if a ds:Signature element is present. NOT a verification. */
  hasSignature: boolean;
}

const HEADER_ORDER = ['RequestID', 'ResponseID', 'ResponseCode', 'ResponseDateTime'];
const HEADER_REQUIRED = new Set(['ResponseCode', 'ResponseDateTime']);

/** DCCAlertCode values of the XSD: AD1, N1..N31, N33..N65, N999 (there is no N32). */
export function isDccAlertCode(s: string): boolean {
  if (s === 'AD1' || s === 'N999') return true;
  const m = /^N([1-9]\d?)$/.exec(s);
  return m !== null && Number(m[1]) <= 65 && Number(m[1]) !== 32;
}

const DCC_ALERT_CHOICES = new Set([
  'PowerOutageEvent',
  'DeviceStatusChangeEvent',
  'DSPScheduleRemoval',
  'CommandFailure',
  'FirmwareDistributionFailure',
  'UpdateHANDeviceLogResult',
  'ChangeOfSupplier',
  'DeviceLogRestored',
  'PPMIDAlert',
  'SecurityCredentialsUpdated',
  'PPMIDRemoval',
  'QuarantinedRequest',
  'FirmwareVersionMismatch',
  'DualBandCHAlert',
  'S1SPAlertDSP',
  'SMETS1CHFirmwareNotification',
  'ALCSHCALCSConfigurationChange',
  'FirmwareUpgradeRequested',
  'CSPFirmwareDeliveryStatus',
  'CommsHubAlert',
  'ECoSAlert',
  'CommsHubFirmwareActivation',
  'CoSCertificateAlert',
  'DUISVersionMismatch',
]);

const RESPONSE_MESSAGE_CHOICES = new Set([
  'CINMessage',
  'DSPInventory',
  'DSPOptIn',
  'DSPSchedulesRead',
  'DSPScheduledMessage',
  'DSPScheduleID',
  'DSPUpdateFirmwareWarning',
  'DSPUpdatePPMIDFirmwareWarning',
  'DSPWANMatrix',
  'FutureDatedDeviceAlertMessage',
  'GBCSPayload',
  'LocalCommand',
  'PreCommand',
]);

function text(node: DuisNode, name: string, path: string): string {
  const c = child(node, name);
  if (!c || c.text === undefined) throw new DuisSchemaError(`${name} missing`, path);
  return c.text.trim();
}

function orderCheck(node: DuisNode, order: readonly string[], path: string): void {
  let pos = 0;
  for (const c of node.children) {
    const idx = order.indexOf(c.name, pos);
    if (idx < 0 || c.namespace !== SR_NS)
      throw new DuisSchemaError(`unexpected or misplaced ${c.name}`, path);
    pos = idx + 1;
  }
}

function throttling(
  node: DuisNode,
  path: string,
): { throttledAlertSequenceId?: number; throttledAlertCount?: number } {
  const out: { throttledAlertSequenceId?: number; throttledAlertCount?: number } = {};
  const seq = child(node, 'ThrottledAlertSequenceId');
  if (seq)
    out.throttledAlertSequenceId = parseInteger(
      seq.text ?? '',
      `${path}/ThrottledAlertSequenceId`,
      0,
      0xffffffff,
    );
  const cnt = child(node, 'ThrottledAlertCount');
  if (cnt)
    out.throttledAlertCount = parseInteger(cnt.text ?? '', `${path}/ThrottledAlertCount`, 0, 0xffffffff);
  return out;
}

function readResponseMessage(n: DuisNode): ResponseMessage {
  const p = 'Response/Body/ResponseMessage';
  if (n.children.length < 2 || n.children.length > 3) {
    throw new DuisSchemaError(
      'ResponseMessage must hold ServiceReference, ServiceReferenceVariant and at most one more',
      p,
    );
  }
  const [sr, srv, extra] = n.children;
  if (sr.name !== 'ServiceReference' || srv.name !== 'ServiceReferenceVariant') {
    throw new DuisSchemaError('ResponseMessage must start with ServiceReference, ServiceReferenceVariant', p);
  }
  const serviceReference = (sr.text ?? '').trim();
  const serviceReferenceVariant = (srv.text ?? '').trim();
  if (!serviceRequest(serviceReferenceVariant)) {
    throw new DuisSchemaError(`unknown ServiceReferenceVariant "${serviceReferenceVariant}"`, p);
  }
  if (serviceReferenceOf(serviceReferenceVariant) !== serviceReference) {
    throw new DuisSchemaError(
      `ServiceReference ${serviceReference} does not match ${serviceReferenceVariant}`,
      p,
    );
  }
  const out: ResponseMessage = { kind: 'ResponseMessage', serviceReference, serviceReferenceVariant };
  if (!extra) return out;
  if (extra.namespace !== SR_NS || !RESPONSE_MESSAGE_CHOICES.has(extra.name)) {
    throw new DuisSchemaError(`unexpected ${extra.name} in ResponseMessage`, p);
  }
  const ep = `${p}/${extra.name}`;
  if (extra.name === 'GBCSPayload') {
    if (extra.text === undefined) throw new DuisSchemaError('GBCSPayload must be base64 text', ep);
    out.payload = { type: 'GBCSPayload', gbcs: parseBase64(extra.text, ep) };
  } else if (extra.name === 'LocalCommand') {
    orderCheck(extra, ['GBCSPayload'], ep);
    out.payload = {
      type: 'LocalCommand',
      gbcs: parseBase64(text(extra, 'GBCSPayload', ep), `${ep}/GBCSPayload`),
    };
  } else if (extra.name === 'PreCommand') {
    orderCheck(extra, ['GBCSVersion', 'GBCSPayload'], ep);
    out.payload = {
      type: 'PreCommand',
      gbcsVersion: child(extra, 'GBCSVersion')?.text ?? '',
      gbcs: parseBase64(text(extra, 'GBCSPayload', ep), `${ep}/GBCSPayload`),
    };
    if (!child(extra, 'GBCSVersion')) throw new DuisSchemaError('GBCSVersion missing', ep);
  } else {
    out.payload = { type: 'Other', node: extra };
  }
  return out;
}

function readDeviceAlert(n: DuisNode): DeviceAlertMessage {
  const p = 'Response/Body/DeviceAlertMessage';
  orderCheck(n, ['AlertCode', 'ThrottledAlertSequenceId', 'ThrottledAlertCount', 'GBCSPayload'], p);
  const code = parseHexBinary(text(n, 'AlertCode', p), `${p}/AlertCode`);
  if (code.length === 0) throw new DuisSchemaError('AlertCode is empty', p);
  return {
    kind: 'DeviceAlertMessage',
    alertCode: formatHexBinary(code),
    ...throttling(n, p),
    gbcsPayload: parseBase64(text(n, 'GBCSPayload', p), `${p}/GBCSPayload`),
  };
}

function readDccAlert(n: DuisNode): DccAlertMessage {
  const p = 'Response/Body/DCCAlertMessage';
  orderCheck(n, ['DCCAlertCode', 'ThrottledAlertSequenceId', 'ThrottledAlertCount', 'DCCAlert'], p);
  const code = text(n, 'DCCAlertCode', p);
  if (!isDccAlertCode(code))
    throw new DuisSchemaError(`DCCAlertCode "${code}" is not a DUIS DCC alert code`, p);
  const wrapper = child(n, 'DCCAlert');
  if (wrapper?.children.length !== 1) throw new DuisSchemaError('DCCAlert must hold one alert', p);
  const alert = wrapper.children[0];
  if (alert.namespace !== SR_NS || !DCC_ALERT_CHOICES.has(alert.name)) {
    throw new DuisSchemaError(`unexpected DCC alert ${alert.name}`, `${p}/DCCAlert`);
  }
  return { kind: 'DCCAlertMessage', dccAlertCode: code, ...throttling(n, p), alert };
}

/** Parses an untrusted DUIS Response. Throws DuisError subclasses only. */
export function parseDuisResponse(input: string | Uint8Array, options: XmlLimits = {}): DuisResponse {
  return duisResponseFromDocument(parseXmlDocument(input, options));
}

/** parseDuisResponse on an already parsed (and screened) document. */
export function duisResponseFromDocument(doc: XmlDocument): DuisResponse {
  const parts = rootParts(doc.documentElement!, 'Response');
  const hp = 'Response/Header';
  const f = readHeaderFields(parts.header, HEADER_ORDER, HEADER_REQUIRED, hp);
  const code = f.get('ResponseCode')!.trim();
  if (!isDuisResponseCode(code))
    throw new DuisSchemaError(`unknown ResponseCode "${code}"`, `${hp}/ResponseCode`);
  const header: DuisResponseHeader = {
    responseCode: code,
    responseDateTime: parseDateTime(f.get('ResponseDateTime')!, `${hp}/ResponseDateTime`),
  };
  if (f.has('RequestID')) header.requestId = parseRequestId(f.get('RequestID')!, `${hp}/RequestID`);
  if (f.has('ResponseID')) header.responseId = parseResponseId(f.get('ResponseID')!, `${hp}/ResponseID`);
  const bodyEl = singleBodyElement(parts.body, 'Response/Body');
  const node = toDuisNode(bodyEl, `Response/Body/${bodyEl.localName}`);
  let body: DuisResponseBody;
  switch (node.name) {
    case 'ResponseMessage':
      body = readResponseMessage(node);
      break;
    case 'DeviceAlertMessage':
      body = readDeviceAlert(node);
      break;
    case 'DCCAlertMessage':
      body = readDccAlert(node);
      break;
    case 'SMETS1ResponseMessage':
      body = { kind: 'SMETS1ResponseMessage', node };
      break;
    default:
      throw new DuisSchemaError(`unexpected Body element ${node.name}`, 'Response/Body');
  }
  return { schemaVersion: parts.schemaVersion, header, body, hasSignature: parts.signature !== undefined };
}

export interface DuisResponseInput {
  schemaVersion?: string;
  header: DuisResponseHeader;
  body: Exclude<DuisResponseBody, Smets1ResponseMessage>;
}

function throttlingNodes(b: { throttledAlertSequenceId?: number; throttledAlertCount?: number }): DuisNode[] {
  const out: DuisNode[] = [];
  for (const [name, v] of [
    ['ThrottledAlertSequenceId', b.throttledAlertSequenceId],
    ['ThrottledAlertCount', b.throttledAlertCount],
  ] as const) {
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
      throw new DuisSchemaError(`${name} must be an unsignedInt`);
    out.push(el(name, String(v)));
  }
  return out;
}

function bodyNode(b: DuisResponseInput['body']): DuisNode {
  switch (b.kind) {
    case 'ResponseMessage': {
      if (!serviceRequest(b.serviceReferenceVariant)) {
        throw new DuisSchemaError(`unknown ServiceReferenceVariant "${b.serviceReferenceVariant}"`);
      }
      if (serviceReferenceOf(b.serviceReferenceVariant) !== b.serviceReference) {
        throw new DuisSchemaError(
          `ServiceReference ${b.serviceReference} does not match ${b.serviceReferenceVariant}`,
        );
      }
      const kids = [
        el('ServiceReference', b.serviceReference),
        el('ServiceReferenceVariant', b.serviceReferenceVariant),
      ];
      const p = b.payload;
      if (p?.type === 'GBCSPayload') kids.push(el('GBCSPayload', formatBase64(p.gbcs)));
      else if (p?.type === 'LocalCommand')
        kids.push(el('LocalCommand', [el('GBCSPayload', formatBase64(p.gbcs))]));
      else if (p?.type === 'PreCommand') {
        kids.push(
          el('PreCommand', [el('GBCSVersion', p.gbcsVersion), el('GBCSPayload', formatBase64(p.gbcs))]),
        );
      } else if (p?.type === 'Other') {
        if (!RESPONSE_MESSAGE_CHOICES.has(p.node.name))
          throw new DuisSchemaError(`${p.node.name} is not allowed here`);
        kids.push(p.node);
      }
      return el('ResponseMessage', kids);
    }
    case 'DeviceAlertMessage': {
      const code = parseHexBinary(b.alertCode, 'DeviceAlertMessage/AlertCode');
      if (code.length === 0) throw new DuisSchemaError('AlertCode is empty', 'DeviceAlertMessage');
      return el('DeviceAlertMessage', [
        el('AlertCode', formatHexBinary(code)),
        ...throttlingNodes(b),
        el('GBCSPayload', formatBase64(b.gbcsPayload)),
      ]);
    }
    case 'DCCAlertMessage': {
      if (!isDccAlertCode(b.dccAlertCode)) throw new DuisSchemaError(`DCCAlertCode "${b.dccAlertCode}"`);
      if (!DCC_ALERT_CHOICES.has(b.alert.name) || b.alert.namespace !== SR_NS) {
        throw new DuisSchemaError(`${b.alert.name} is not a DCC alert`);
      }
      return el('DCCAlertMessage', [
        el('DCCAlertCode', b.dccAlertCode),
        ...throttlingNodes(b),
        el('DCCAlert', [b.alert]),
      ]);
    }
    default:
      throw new DuisUnsupportedError('building this response body is not supported');
  }
}

/** Builds an unsigned DUIS Response (sign it with signDuisXml). */
export function buildDuisResponse(input: DuisResponseInput): string {
  return buildDuisResponseDocument(input).xml;
}

/** buildDuisResponse, with the canonical form of the root written from the same tree (for signBuiltDuis). */
export function buildDuisResponseDocument(input: DuisResponseInput): BuiltDuisDocument {
  const h = input.header;
  if (!isDuisResponseCode(h.responseCode))
    throw new DuisSchemaError(`unknown ResponseCode "${h.responseCode}"`);
  const version = input.schemaVersion ?? DUIS_SCHEMA_VERSION;
  if (!/^\d+(\.\d+)?$/.test(version))
    throw new DuisSchemaError(`schemaVersion "${version}" is not a decimal`);
  let header = '';
  if (h.requestId) header += `<sr:RequestID>${formatRequestId(h.requestId)}</sr:RequestID>`;
  if (h.responseId) header += `<sr:ResponseID>${formatRequestId(h.responseId)}</sr:ResponseID>`;
  header += `<sr:ResponseCode>${h.responseCode}</sr:ResponseCode>`;
  header += `<sr:ResponseDateTime>${formatDateTime(h.responseDateTime)}</sr:ResponseDateTime>`;
  return builtDuisDocument('Response', version, header, bodyNode(input.body));
}

// --- PPMIDAlert (DCCAlert choice; type PPMIDAlert)

export interface PpmidAlert {
  deviceId: Eui;
  /** Upper-case hex (xs:hexBinary). */
  deviceAlertCode: string;
  timestamp?: Date;
  firmwareUpgrade?: {
    firmwareVersion: string;
    activateImageResultCode: 'ActivationSuccess' | 'ActivationFailure';
  };
}

export function ppmidAlert(node: DuisNode): PpmidAlert {
  const p = 'DCCAlert/PPMIDAlert';
  if (node.name !== 'PPMIDAlert') throw new DuisSchemaError(`${node.name} is not a PPMIDAlert`, p);
  orderCheck(node, ['DeviceID', 'DeviceAlertCode', 'Timestamp', 'PPMIDFirmwareUpgradeAlert'], p);
  const out: PpmidAlert = {
    deviceId: parseEui(text(node, 'DeviceID', p), `${p}/DeviceID`),
    deviceAlertCode: formatHexBinary(
      parseHexBinary(text(node, 'DeviceAlertCode', p), `${p}/DeviceAlertCode`),
    ),
  };
  const ts = child(node, 'Timestamp');
  if (ts) out.timestamp = parseDateTime(ts.text ?? '', `${p}/Timestamp`);
  const fw = child(node, 'PPMIDFirmwareUpgradeAlert');
  if (fw) {
    const fp = `${p}/PPMIDFirmwareUpgradeAlert`;
    orderCheck(fw, ['FirmwareVersion', 'ActivateImageResultCode'], fp);
    const rc = text(fw, 'ActivateImageResultCode', fp);
    if (rc !== 'ActivationSuccess' && rc !== 'ActivationFailure')
      throw new DuisSchemaError(`result "${rc}"`, fp);
    out.firmwareUpgrade = { firmwareVersion: text(fw, 'FirmwareVersion', fp), activateImageResultCode: rc };
  }
  return out;
}

export function ppmidAlertNode(a: PpmidAlert): DuisNode {
  const kids = [
    el('DeviceID', formatEui(normaliseEui(a.deviceId))),
    el('DeviceAlertCode', formatHexBinary(parseHexBinary(a.deviceAlertCode, 'PPMIDAlert/DeviceAlertCode'))),
  ];
  if (a.timestamp) kids.push(el('Timestamp', formatDateTime(a.timestamp)));
  if (a.firmwareUpgrade) {
    kids.push(
      el('PPMIDFirmwareUpgradeAlert', [
        el('FirmwareVersion', a.firmwareUpgrade.firmwareVersion),
        el('ActivateImageResultCode', a.firmwareUpgrade.activateImageResultCode),
      ]),
    );
  }
  return el('PPMIDAlert', kids);
}
