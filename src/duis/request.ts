/**
 * DUIS Service Requests: parse (untrusted input) and build.
 *
 * Structure (DUIS XSD `Request`): root `sr:Request` with `schemaVersion`,
 * children `Header`, `Body`, optional `ds:Signature` (last). Header, in
 * order: RequestID, FirstInSequence?, PrecedingServiceRequestID?,
 * CommandVariant, ServiceReference, ServiceReferenceVariant. Body: exactly
 * one element, the SR's element from the catalogue, or `SignedPreCommand`
 * for CV 5/6/7.
 *
 * Parsing checks the structure and header values, not the whole XSD (the
 * body stays a generic tree; `validateAgainstDuisXsd` in xsd.ts does the
 * full schema check). It does not verify the signature: see signature.ts.
 */
import { DuisCommandVariantError, DuisSchemaError } from './errors.ts';
import { formatRequestId, parseRequestId, type RequestId } from './request-id.ts';
import {
  type CommandVariant,
  isCommandVariant,
  isSignedPreCommandVariant,
  type ServiceRequestDefinition,
  SIGNED_PRE_COMMAND_ELEMENT,
  serviceReferenceOf,
  serviceRequest,
} from './service-requests.ts';
import { parseBoolean } from './values.ts';
import {
  type BuiltDuisDocument,
  builtDuisDocument,
  DS_NS,
  type DuisNode,
  directText,
  elementChildren,
  parseXmlDocument,
  SR_NS,
  toDuisNode,
  type XmlDocument,
  type XmlElement,
  type XmlLimits,
} from './xml.ts';

/** The schema version this project writes. */
export const DUIS_SCHEMA_VERSION = '5.4';

export interface DuisRequestHeader {
  requestId: RequestId;
  firstInSequence?: boolean;
  precedingServiceRequestId?: RequestId;
  commandVariant: CommandVariant;
  /** e.g. `4.1` */
  serviceReference: string;
  /** e.g. `4.1.1` */
  serviceReferenceVariant: string;
}

export interface DuisRequest {
  schemaVersion: string;
  header: DuisRequestHeader;
  /** The Body's single element: the SR element, or `SignedPreCommand` for CV 5/6/7. */
  body: DuisNode;
  /** Catalogue entry for the header's Service Reference Variant. */
  definition: ServiceRequestDefinition;
  /** True if a ds:Signature element is present. NOT a verification: use verifyDuisSignature. */
  hasSignature: boolean;
}

export interface ParseRequestOptions extends XmlLimits {
  /**
   * Refuse a Command Variant the catalogue does not allow for the SRV
   * (DuisCommandVariantError, DUIS E12). Default true. The DSP may turn this
   * off to apply its own policy (e.g. SECMP0038 DSP-3 no-WAN commissioning).
   */
  checkCommandVariant?: boolean;
}

const HEADER_ORDER = [
  'RequestID',
  'FirstInSequence',
  'PrecedingServiceRequestID',
  'CommandVariant',
  'ServiceReference',
  'ServiceReferenceVariant',
] as const;
const HEADER_REQUIRED = new Set([
  'RequestID',
  'CommandVariant',
  'ServiceReference',
  'ServiceReferenceVariant',
]);

/** Checks the root element's name and namespace and returns its element children (Header, Body, Signature?). */
export function rootParts(
  root: XmlElement,
  rootName: 'Request' | 'Response',
): { schemaVersion: string; header: XmlElement; body: XmlElement; signature: XmlElement | undefined } {
  if (root.namespaceURI !== SR_NS || root.localName !== rootName) {
    throw new DuisSchemaError(
      `root element is {${root.namespaceURI ?? ''}}${root.localName}, expected {${SR_NS}}${rootName}`,
      rootName,
    );
  }
  const schemaVersion = root.getAttribute('schemaVersion');
  if (schemaVersion === null || !/^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(schemaVersion)) {
    throw new DuisSchemaError('schemaVersion attribute missing or not a decimal', rootName);
  }
  if (directText(root).trim() !== '')
    throw new DuisSchemaError('text directly inside the root element', rootName);
  const kids = elementChildren(root);
  const [header, body, signature, ...extra] = kids;
  if (!header || header.namespaceURI !== SR_NS || header.localName !== 'Header') {
    throw new DuisSchemaError('first child must be Header', rootName);
  }
  if (!body || body.namespaceURI !== SR_NS || body.localName !== 'Body') {
    throw new DuisSchemaError('second child must be Body', rootName);
  }
  if (signature && (signature.namespaceURI !== DS_NS || signature.localName !== 'Signature')) {
    throw new DuisSchemaError(`unexpected element ${signature.localName} after Body`, rootName);
  }
  if (extra.length > 0) throw new DuisSchemaError('elements after the Signature', rootName);
  return { schemaVersion: schemaVersion.trim(), header, body, signature };
}

/** Reads a header's children as name -> text, enforcing order, uniqueness and required elements. */
export function readHeaderFields(
  header: XmlElement,
  order: readonly string[],
  required: ReadonlySet<string>,
  path: string,
): Map<string, string> {
  const fields = new Map<string, string>();
  let pos = 0;
  for (const k of elementChildren(header)) {
    const name = k.localName!;
    if (k.namespaceURI !== SR_NS) throw new DuisSchemaError(`foreign element ${name} in Header`, path);
    const idx = order.indexOf(name, pos);
    if (idx < 0) {
      throw new DuisSchemaError(
        order.includes(name) ? `${name} out of order or repeated` : `unexpected element ${name}`,
        path,
      );
    }
    if (elementChildren(k).length > 0)
      throw new DuisSchemaError(`${name} must be a simple value`, `${path}/${name}`);
    fields.set(name, directText(k));
    pos = idx + 1;
  }
  for (const r of required) if (!fields.has(r)) throw new DuisSchemaError(`${r} missing`, path);
  return fields;
}

/** The single element child of a Body. */
export function singleBodyElement(body: XmlElement, path: string): XmlElement {
  if (directText(body).trim() !== '') throw new DuisSchemaError('text directly inside Body', path);
  const kids = elementChildren(body);
  if (kids.length !== 1)
    throw new DuisSchemaError(`Body must hold exactly one element, found ${kids.length}`, path);
  if (kids[0].namespaceURI !== SR_NS)
    throw new DuisSchemaError('Body element is not in the DUIS namespace', path);
  return kids[0];
}

/** Parses an untrusted DUIS Service Request. Throws DuisError subclasses only. */
export function parseDuisRequest(input: string | Uint8Array, options: ParseRequestOptions = {}): DuisRequest {
  return duisRequestFromDocument(parseXmlDocument(input, options), options);
}

/** parseDuisRequest on an already parsed (and screened) document. */
export function duisRequestFromDocument(doc: XmlDocument, options: ParseRequestOptions = {}): DuisRequest {
  const parts = rootParts(doc.documentElement!, 'Request');
  const f = readHeaderFields(parts.header, HEADER_ORDER, HEADER_REQUIRED, 'Request/Header');
  const hp = 'Request/Header';

  const requestId = parseRequestId(f.get('RequestID')!, `${hp}/RequestID`);
  const cvText = f.get('CommandVariant')!.trim();
  const cv = /^[1-8]$/.test(cvText) ? Number(cvText) : Number.NaN;
  if (!isCommandVariant(cv))
    throw new DuisSchemaError(`CommandVariant "${cvText}" is not 1..8`, `${hp}/CommandVariant`);
  const srv = f.get('ServiceReferenceVariant')!.trim();
  const definition = serviceRequest(srv);
  if (!definition) {
    throw new DuisSchemaError(`unknown ServiceReferenceVariant "${srv}"`, `${hp}/ServiceReferenceVariant`);
  }
  const sr = f.get('ServiceReference')!.trim();
  if (sr !== serviceReferenceOf(srv)) {
    throw new DuisSchemaError(`ServiceReference ${sr} does not match ServiceReferenceVariant ${srv}`, hp);
  }
  const header: DuisRequestHeader = {
    requestId,
    commandVariant: cv,
    serviceReference: sr,
    serviceReferenceVariant: srv,
  };
  if (f.has('FirstInSequence'))
    header.firstInSequence = parseBoolean(f.get('FirstInSequence')!, `${hp}/FirstInSequence`);
  if (f.has('PrecedingServiceRequestID')) {
    header.precedingServiceRequestId = parseRequestId(
      f.get('PrecedingServiceRequestID')!,
      `${hp}/PrecedingServiceRequestID`,
    );
  }

  const bodyEl = singleBodyElement(parts.body, 'Request/Body');
  const expected = isSignedPreCommandVariant(cv) ? SIGNED_PRE_COMMAND_ELEMENT : definition.bodyElement;
  if (bodyEl.localName !== expected) {
    throw new DuisSchemaError(
      `Body element ${bodyEl.localName} does not match SRV ${srv} with CV ${cv} (expected ${expected})`,
      'Request/Body',
    );
  }
  if ((options.checkCommandVariant ?? true) && !definition.commandVariants.includes(cv)) {
    throw new DuisCommandVariantError(srv, cv);
  }
  const body = toDuisNode(bodyEl, `Request/Body/${bodyEl.localName}`);
  return {
    schemaVersion: parts.schemaVersion,
    header,
    body,
    definition,
    hasSignature: parts.signature !== undefined,
  };
}

export interface DuisRequestInput {
  /** Default DUIS_SCHEMA_VERSION. */
  schemaVersion?: string;
  header: Omit<DuisRequestHeader, 'serviceReference'> & { serviceReference?: string };
  body: DuisNode;
}

/**
 * Builds an unsigned DUIS Service Request (sign it with signDuisXml). Checks
 * what parseDuisRequest checks, so a built request always parses back.
 */
export function buildDuisRequest(
  input: DuisRequestInput,
  options: { checkCommandVariant?: boolean } = {},
): string {
  return buildDuisRequestDocument(input, options).xml;
}

/** buildDuisRequest, with the canonical form of the root written from the same tree (for signBuiltDuis). */
export function buildDuisRequestDocument(
  input: DuisRequestInput,
  options: { checkCommandVariant?: boolean } = {},
): BuiltDuisDocument {
  const h = input.header;
  const definition = serviceRequest(h.serviceReferenceVariant);
  if (!definition)
    throw new DuisSchemaError(`unknown ServiceReferenceVariant "${h.serviceReferenceVariant}"`);
  if (!isCommandVariant(h.commandVariant))
    throw new DuisSchemaError(`CommandVariant ${h.commandVariant} is not 1..8`);
  const sr = h.serviceReference ?? definition.serviceReference;
  if (sr !== definition.serviceReference) {
    throw new DuisSchemaError(`ServiceReference ${sr} does not match ${h.serviceReferenceVariant}`);
  }
  const expected = isSignedPreCommandVariant(h.commandVariant)
    ? SIGNED_PRE_COMMAND_ELEMENT
    : definition.bodyElement;
  if (input.body.name !== expected || input.body.namespace !== SR_NS) {
    throw new DuisSchemaError(`body element ${input.body.name} does not match (expected ${expected})`);
  }
  if ((options.checkCommandVariant ?? true) && !definition.commandVariants.includes(h.commandVariant)) {
    throw new DuisCommandVariantError(h.serviceReferenceVariant, h.commandVariant);
  }
  const version = input.schemaVersion ?? DUIS_SCHEMA_VERSION;
  if (!/^\d+(\.\d+)?$/.test(version))
    throw new DuisSchemaError(`schemaVersion "${version}" is not a decimal`);
  let header = `<sr:RequestID>${formatRequestId(h.requestId)}</sr:RequestID>`;
  if (h.firstInSequence !== undefined)
    header += `<sr:FirstInSequence>${h.firstInSequence}</sr:FirstInSequence>`;
  if (h.precedingServiceRequestId !== undefined) {
    header += `<sr:PrecedingServiceRequestID>${formatRequestId(h.precedingServiceRequestId)}</sr:PrecedingServiceRequestID>`;
  }
  header += `<sr:CommandVariant>${h.commandVariant}</sr:CommandVariant>`;
  header += `<sr:ServiceReference>${sr}</sr:ServiceReference>`;
  header += `<sr:ServiceReferenceVariant>${h.serviceReferenceVariant}</sr:ServiceReferenceVariant>`;
  return builtDuisDocument('Request', version, header, input.body);
}
