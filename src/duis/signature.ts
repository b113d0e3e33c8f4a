/**
 * XML signatures as DUIS uses them (DUIS.md "XML signatures"): one enveloped
 * `ds:Signature`, the last child of the root; `SignedInfo` canonicalised
 * with exclusive C14N; `ecdsa-sha256` whose SignatureValue is the raw r||s
 * (64 bytes, base64); one `Reference URI=""` with the enveloped-signature
 * transform and a SHA-256 digest; `KeyInfo/X509Data/X509IssuerSerial`
 * (issuer DN, decimal serial). The signer is the originator in the RequestID.
 *
 * Reference digest: the Reference lists only the enveloped-signature
 * transform, so the node-set it leaves is turned into octets with Canonical
 * XML 1.0 (inclusive, without comments), per XMLDSig 4.3.3.2. That is what
 * the DCC does: the DCC-signed sample response verifies this way and not
 * with exclusive C14N. A Reference that adds an explicit exc-c14n or c14n
 * transform after enveloped-signature is also accepted.
 *
 * Insignificant whitespace (whitespace-only text between elements, in
 * elements that have element children; DUIS has no mixed content) is not
 * part of what is signed: the DCC's signing tool verifies the document with
 * it removed, so a signature over a pretty-printed document's whitespace
 * fails there. `signDuisXml` removes it and returns the compact document it
 * signed (so xmlsec1 and the DCC's tool both accept it, whatever the input's
 * layout); verification removes it too before digesting (what the DCC
 * verifies). Whitespace inside a value (a text-only element) is signed.
 *
 * The verifier is strict rather than general (no XPath, no Object, no
 * Manifest, one Reference to the whole document, fixed algorithm URIs), so
 * that signature-wrapping and algorithm-substitution attacks have nothing to
 * work with. Canonicalisation is c14n.ts (one walk of the parsed tree,
 * checked against xml-crypto and libxml2); the rest (structure checks,
 * digest, ECDSA with node:crypto) is here.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  sign,
  timingSafeEqual,
  verify,
  X509Certificate,
} from 'node:crypto';
import type { Eui } from '../runtime/bytes.ts';
import { canonicaliseElement } from './c14n.ts';
import { DuisCommandVariantError, DuisError, DuisSignatureError, DuisUnknownSignerError } from './errors.ts';
import { type DuisRequest, duisRequestFromDocument, type ParseRequestOptions } from './request.ts';
import { type DuisResponse, duisResponseFromDocument } from './response.ts';
import { certificateNames, sameDistinguishedName } from './x509-names.ts';
import {
  type BuiltDuisDocument,
  DS_NS,
  directText,
  elementChildren,
  NodeType,
  parseXmlDocument,
  screenXmlText,
  type XmlDocument,
  type XmlElement,
  type XmlLimits,
  type XmlNode,
} from './xml.ts';
import { serialiseXmlTree } from './xml-tree.ts';

export const XMLDSIG_ALGORITHMS = {
  exclusiveC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  ecdsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;
const A = XMLDSIG_ALGORITHMS;

// ---------------------------------------------------------------------------
// Certificates and trust

/** An XML-signing certificate with the facts signatures need, read once. */
export interface XmlSigningCertificate {
  certificate: X509Certificate;
  /** The certificate's public key, extracted once. */
  publicKey: KeyObject;
  /** RFC 4514 issuer DN, e.g. `CN=Z1,OU=07`. */
  issuerName: string;
  serialNumber: bigint;
  /** EUI of the organisation the certificate identifies (subject x500UniqueIdentifier), if any. */
  subjectEui: Eui | undefined;
  /** The validity period (notBefore, notAfter) in ms since the epoch, read once (not per verify). */
  validFromMs: number;
  validToMs: number;
  /** Whether the public key is ECDSA P-256 (checked once; a verify with another key is refused). */
  keyIsP256: boolean;
}

export function describeCertificate(cert: X509Certificate | string | Uint8Array): XmlSigningCertificate {
  let certificate: X509Certificate;
  try {
    certificate = cert instanceof X509Certificate ? cert : new X509Certificate(cert);
  } catch (e) {
    throw new DuisSignatureError('not a valid X.509 certificate', { cause: e });
  }
  const names = certificateNames(new Uint8Array(certificate.raw));
  const publicKey = certificate.publicKey;
  return {
    certificate,
    publicKey,
    issuerName: names.issuer,
    serialNumber: names.serialNumber,
    subjectEui: names.subjectEui,
    validFromMs: Date.parse(certificate.validFrom),
    validToMs: Date.parse(certificate.validTo),
    keyIsP256: isP256(publicKey),
  };
}

/** Where the verifier finds the certificate a signature names (issuer DN + serial). */
export interface XmlSigningTrustStore {
  find(issuerName: string, serialNumber: bigint): XmlSigningCertificate | undefined;
}

/** An in-memory trust store of XML-signing certificates. */
export class XmlSigningCertificateStore implements XmlSigningTrustStore {
  readonly #bySerial = new Map<bigint, XmlSigningCertificate[]>();

  constructor(certs: Iterable<X509Certificate | string | Uint8Array> = []) {
    for (const c of certs) this.add(c);
  }

  add(cert: X509Certificate | string | Uint8Array): XmlSigningCertificate {
    const d = describeCertificate(cert);
    const list = this.#bySerial.get(d.serialNumber) ?? [];
    if (!list.some((x) => sameDistinguishedName(x.issuerName, d.issuerName))) list.push(d);
    this.#bySerial.set(d.serialNumber, list);
    return d;
  }

  find(issuerName: string, serialNumber: bigint): XmlSigningCertificate | undefined {
    return this.#bySerial.get(serialNumber)?.find((x) => sameDistinguishedName(x.issuerName, issuerName));
  }

  get size(): number {
    let n = 0;
    for (const l of this.#bySerial.values()) n += l.length;
    return n;
  }
}

/** A signer: its XML-signing private key and certificate. */
export interface XmlSigner {
  privateKey: KeyObject;
  certificate: XmlSigningCertificate;
}

/**
 * Builds an XmlSigner from key and certificate material (PEM text or DER
 * bytes; a DER key is PKCS#8). Checks that the key matches the certificate
 * and is P-256.
 */
export function xmlSigner(
  key: string | Uint8Array | KeyObject,
  cert: X509Certificate | string | Uint8Array,
): XmlSigner {
  let privateKey: KeyObject;
  try {
    privateKey =
      key instanceof KeyObject
        ? key
        : typeof key === 'string'
          ? createPrivateKey(key)
          : createPrivateKey({ key: Buffer.from(key), format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw new DuisSignatureError('not a valid private key', { cause: e });
  }
  const certificate = describeCertificate(cert);
  checkP256(certificate.certificate.publicKey, 'certificate');
  const pub = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!pub.equals(certificate.certificate.publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new DuisSignatureError('private key does not match the certificate');
  }
  return { privateKey, certificate };
}

function isP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

function checkP256(key: KeyObject, what: string): void {
  if (!isP256(key)) throw new DuisSignatureError(`${what} key is not ECDSA P-256`);
}

// ---------------------------------------------------------------------------
// Canonicalisation

function canonicalise(node: XmlElement, algorithm: string, omit?: XmlNode): string {
  try {
    return canonicaliseElement(node, algorithm === A.exclusiveC14n ? 'exc-c14n' : 'c14n', omit);
  } catch (e) {
    if (e instanceof DuisError) throw e;
    throw new DuisSignatureError(`canonicalisation failed: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

/**
 * Canonical form of a whole document's root element (comments omitted):
 * `c14n` is Canonical XML 1.0, what a DUIS Reference digests; `exc-c14n` is
 * Exclusive XML Canonicalization. For tools and cross-checks.
 */
export function canonicalXml(
  input: string | Uint8Array,
  algorithm: 'c14n' | 'exc-c14n',
  limits: XmlLimits = {},
): string {
  const doc = parseXmlDocument(input, limits);
  return canonicalise(doc.documentElement!, algorithm === 'c14n' ? A.c14n : A.exclusiveC14n);
}

const XML_WHITESPACE = /^[ \t\r\n]*$/;

/**
 * Removes insignificant whitespace in place: whitespace-only text children of
 * every element that has an element child (the layout between elements).
 * Text-only elements keep their text, whitespace or not.
 */
export function stripInsignificantWhitespace(root: XmlElement): void {
  let hasElement = false;
  for (let c = root.firstChild; c; c = c.nextSibling)
    if (c.nodeType === NodeType.ELEMENT_NODE) {
      hasElement = true;
      break;
    }
  if (!hasElement) return;
  for (let c = root.firstChild; c; ) {
    const next = c.nextSibling;
    if (c.nodeType === NodeType.TEXT_NODE && XML_WHITESPACE.test((c as unknown as { data: string }).data))
      root.removeChild(c);
    else if (c.nodeType === NodeType.ELEMENT_NODE) stripInsignificantWhitespace(c as XmlElement);
    c = next;
  }
}

/**
 * Digest input of a `Reference URI=""` with enveloped-signature: the root
 * without the Signature, canonicalised (the canonicaliser leaves the
 * Signature's subtree out; the document is not changed).
 */
function referenceOctets(root: XmlElement, signature: XmlElement, c14nAlgorithm: string): string {
  if (signature.parentNode !== root) throw new DuisSignatureError('Signature is not a child of the root');
  return canonicalise(root, c14nAlgorithm, signature);
}

// ---------------------------------------------------------------------------
// Structure checks

function dsChildren(e: XmlElement, expected: readonly string[], what: string): XmlElement[] {
  if (directText(e).trim() !== '') throw new DuisSignatureError(`text inside ${what}`);
  const kids = elementChildren(e);
  const names = kids.map((k) =>
    k.namespaceURI === DS_NS ? k.localName : `{${k.namespaceURI}}${k.localName}`,
  );
  if (names.length !== expected.length || names.some((n, i) => n !== expected[i])) {
    throw new DuisSignatureError(
      `${what} must contain exactly ${expected.join(', ')} (found ${names.join(', ') || 'nothing'})`,
    );
  }
  return kids;
}

/** A leaf value element: text only, no child elements. */
function leaf(e: XmlElement, what: string): string {
  if (elementChildren(e).length > 0) throw new DuisSignatureError(`${what} must not contain elements`);
  return directText(e);
}

function algorithmOf(e: XmlElement, expected: readonly string[], what: string): string {
  const alg = e.getAttribute('Algorithm');
  if (alg === null || !expected.includes(alg)) {
    throw new DuisSignatureError(
      `${what} Algorithm "${alg ?? ''}" is not accepted (expected ${expected.join(' or ')})`,
    );
  }
  dsChildren(e, [], what);
  return alg;
}

function strictBase64(text: string, bytes: number, what: string): Uint8Array {
  // DCC signature values may contain CR (&#13;) and spaces: XML Schema base64Binary ignores whitespace.
  const clean = text.replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
    throw new DuisSignatureError(`${what} is not base64`);
  }
  const out = new Uint8Array(Buffer.from(clean, 'base64'));
  if (out.length !== bytes) throw new DuisSignatureError(`${what} is ${out.length} bytes, expected ${bytes}`);
  return out;
}

interface ParsedSignature {
  signature: XmlElement;
  signedInfo: XmlElement;
  referenceC14n: string;
  digest: Uint8Array;
  signatureValue: Uint8Array;
  issuerName: string;
  serialNumber: bigint;
}

/** Finds and checks the one Signature of a DUIS document. */
function readSignature(doc: XmlDocument): ParsedSignature {
  const root = doc.documentElement!;
  const all = doc.getElementsByTagNameNS(DS_NS, 'Signature');
  if (all.length === 0) throw new DuisSignatureError('document is not signed');
  if (all.length > 1)
    throw new DuisSignatureError(`document has ${all.length} Signature elements, expected one`);
  const signature = all.item(0)!;
  const rootKids = elementChildren(root);
  if (signature.parentNode !== root || rootKids[rootKids.length - 1] !== signature) {
    throw new DuisSignatureError('Signature must be the last child element of the root');
  }
  for (let n = signature.nextSibling; n; n = n.nextSibling) {
    if (n.nodeType === NodeType.TEXT_NODE && (n as unknown as { data: string }).data.trim() === '') continue;
    if (n.nodeType === NodeType.COMMENT_NODE) continue;
    throw new DuisSignatureError('content after the Signature');
  }
  const [signedInfo, signatureValueEl, keyInfo] = dsChildren(
    signature,
    ['SignedInfo', 'SignatureValue', 'KeyInfo'],
    'Signature',
  );
  const [c14nMethod, sigMethod, reference] = dsChildren(
    signedInfo,
    ['CanonicalizationMethod', 'SignatureMethod', 'Reference'],
    'SignedInfo',
  );
  algorithmOf(c14nMethod, [A.exclusiveC14n], 'CanonicalizationMethod');
  algorithmOf(sigMethod, [A.ecdsaSha256], 'SignatureMethod');
  if (reference.getAttribute('URI') !== '' || !reference.hasAttribute('URI')) {
    throw new DuisSignatureError('Reference URI must be "" (the whole document)');
  }
  if (reference.hasAttribute('Type')) throw new DuisSignatureError('Reference Type is not accepted');
  const [transforms, digestMethod, digestValue] = dsChildren(
    reference,
    ['Transforms', 'DigestMethod', 'DigestValue'],
    'Reference',
  );
  const ts = elementChildren(transforms);
  dsChildren(
    transforms,
    ts.map(() => 'Transform'),
    'Transforms',
  );
  if (ts.length < 1 || ts.length > 2) throw new DuisSignatureError('Reference must have 1 or 2 transforms');
  algorithmOf(ts[0], [A.envelopedSignature], 'first Transform');
  const referenceC14n =
    ts.length === 2 ? algorithmOf(ts[1], [A.exclusiveC14n, A.c14n], 'second Transform') : A.c14n;
  algorithmOf(digestMethod, [A.sha256], 'DigestMethod');
  const digest = strictBase64(leaf(digestValue, 'DigestValue'), 32, 'DigestValue');
  const signatureValue = strictBase64(leaf(signatureValueEl, 'SignatureValue'), 64, 'SignatureValue');
  const [x509Data] = dsChildren(keyInfo, ['X509Data'], 'KeyInfo');
  const [issuerSerial] = dsChildren(x509Data, ['X509IssuerSerial'], 'X509Data');
  const [issuerNameEl, serialEl] = dsChildren(
    issuerSerial,
    ['X509IssuerName', 'X509SerialNumber'],
    'X509IssuerSerial',
  );
  const issuerName = leaf(issuerNameEl, 'X509IssuerName').trim();
  const serialText = leaf(serialEl, 'X509SerialNumber').trim();
  if (!/^\d{1,64}$/.test(serialText))
    throw new DuisSignatureError('X509SerialNumber is not a decimal integer');
  if (issuerName === '') throw new DuisSignatureError('X509IssuerName is empty');
  return {
    signature,
    signedInfo,
    referenceC14n,
    digest,
    signatureValue,
    issuerName,
    serialNumber: BigInt(serialText),
  };
}

// ---------------------------------------------------------------------------
// Verify

export interface VerifyOptions extends XmlLimits {
  /** Check the certificate's validity period at this instant (from the caller's Clock). */
  at?: Date;
  /** Require the certificate to identify this EUI (DUIS: the signer is the originator in the RequestID). */
  expectedSignerEui?: Eui;
}

export interface VerifiedSignature {
  signer: XmlSigningCertificate;
}

function verifyDocument(
  doc: XmlDocument,
  trust: XmlSigningTrustStore,
  options: VerifyOptions,
): VerifiedSignature {
  // What the DCC verifies: the document without the layout between elements.
  stripInsignificantWhitespace(doc.documentElement!);
  const s = readSignature(doc);
  const signer = trust.find(s.issuerName, s.serialNumber);
  if (!signer) throw new DuisUnknownSignerError(s.issuerName, s.serialNumber);
  if (signer.serialNumber !== s.serialNumber || !sameDistinguishedName(signer.issuerName, s.issuerName)) {
    throw new DuisUnknownSignerError(s.issuerName, s.serialNumber);
  }
  const key = signer.publicKey;
  if (!signer.keyIsP256) throw new DuisSignatureError('signer certificate key is not ECDSA P-256');
  if (options.at) {
    const t = options.at.getTime();
    if (t < signer.validFromMs || t > signer.validToMs) {
      throw new DuisSignatureError('signer certificate is not valid at the given time');
    }
  }
  if (options.expectedSignerEui !== undefined && signer.subjectEui !== options.expectedSignerEui) {
    throw new DuisSignatureError(
      `signed by ${signer.subjectEui ?? 'an unidentified entity'}, expected ${options.expectedSignerEui}`,
    );
  }
  const octets = referenceOctets(doc.documentElement!, s.signature, s.referenceC14n);
  const actual = createHash('sha256').update(octets, 'utf8').digest();
  if (!timingSafeEqual(actual, Buffer.from(s.digest)))
    throw new DuisSignatureError('digest does not match the document');
  const signedInfo = canonicalise(s.signedInfo, A.exclusiveC14n);
  let ok = false;
  try {
    ok = verify(
      'sha256',
      Buffer.from(signedInfo, 'utf8'),
      { key, dsaEncoding: 'ieee-p1363' },
      s.signatureValue,
    );
  } catch (e) {
    throw new DuisSignatureError('signature verification failed', { cause: e });
  }
  if (!ok) throw new DuisSignatureError('signature value does not verify');
  return { signer };
}

/**
 * Verifies the XML signature of a DUIS document (request or response) with a
 * certificate from `trust`. Throws DuisSignatureError, DuisUnknownSignerError
 * or (for unparseable input) the parser's DuisError; returns the signer.
 */
export function verifyDuisSignature(
  input: string | Uint8Array,
  trust: XmlSigningTrustStore,
  options: VerifyOptions = {},
): VerifiedSignature {
  return verifyDocument(parseXmlDocument(input, options), trust, options);
}

/**
 * Verifies then parses a Service Request from the same bytes (so what is
 * verified is what is parsed). With `requireOriginatorSigner` (default true)
 * the signer's certificate must identify the RequestID's originator.
 */
export function verifyAndParseDuisRequest(
  input: string | Uint8Array,
  trust: XmlSigningTrustStore,
  options: VerifyOptions &
    ParseRequestOptions & {
      requireOriginatorSigner?: boolean;
      /**
       * `input` already parsed, by the in-process XSD check (`XsdValidationResult.document`):
       * verified and read instead of parsing `input` again. A fresh tree (it is changed).
       */
      parsed?: XmlDocument;
    } = {},
): { request: DuisRequest; signature: VerifiedSignature } {
  // One parse: the DOM that is verified is the DOM that is read. Structure first (to learn the
  // originator), then authenticate, then the CV rule (E12).
  const doc = options.parsed ?? parseXmlDocument(input, options);
  const request = duisRequestFromDocument(doc, { ...options, checkCommandVariant: false });
  const expected =
    options.expectedSignerEui ??
    ((options.requireOriginatorSigner ?? true) ? request.header.requestId.originator : undefined);
  const signature = verifyDocument(doc, trust, { ...options, expectedSignerEui: expected });
  const cv = request.header.commandVariant;
  if ((options.checkCommandVariant ?? true) && !request.definition.commandVariants.includes(cv)) {
    throw new DuisCommandVariantError(request.header.serviceReferenceVariant, cv);
  }
  return { request, signature };
}

/** Verifies then parses a Response from the same bytes. */
export function verifyAndParseDuisResponse(
  input: string | Uint8Array,
  trust: XmlSigningTrustStore,
  options: VerifyOptions = {},
): { response: DuisResponse; signature: VerifiedSignature } {
  const doc = parseXmlDocument(input, options);
  const response = duisResponseFromDocument(doc);
  const signature = verifyDocument(doc, trust, options);
  return { response, signature };
}

// ---------------------------------------------------------------------------
// Sign

export interface SignOptions extends XmlLimits {
  /** Remove an existing ds:Signature (e.g. a template's placeholder) before signing. Default false. */
  replaceExistingSignature?: boolean;
}

/**
 * The SignedInfo this module writes, as it appears in the document
 * (`document`: empty elements self-closed, the ds namespace declared on the
 * Signature) or in its exclusive canonical form (`exc-c14n`: what is
 * signed; the ds namespace declared on SignedInfo, empty elements as
 * start-end pairs). Every value is fixed or base64, so nothing needs
 * escaping; the tests check the second against the canonicalisation of the
 * first.
 */
function signedInfoXml(digest: string, form: 'document' | 'exc-c14n'): string {
  const [before, after] = SIGNED_INFO_PARTS[form];
  return before + digest + after;
}

/** The SignedInfo's text in each form before and after the digest (fixed: written once, not per signature). */
const SIGNED_INFO_PARTS = {
  document: signedInfoParts('document'),
  'exc-c14n': signedInfoParts('exc-c14n'),
};

function signedInfoParts(form: 'document' | 'exc-c14n'): [string, string] {
  const [before, after] = signedInfoTemplate('\u0000', form).split('\u0000');
  return [before, after];
}

function signedInfoTemplate(digest: string, form: 'document' | 'exc-c14n'): string {
  const empty = (name: string, algorithm: string) =>
    form === 'exc-c14n'
      ? `<ds:${name} Algorithm="${algorithm}"></ds:${name}>`
      : `<ds:${name} Algorithm="${algorithm}"/>`;
  return (
    `<ds:SignedInfo${form === 'exc-c14n' ? ` xmlns:ds="${DS_NS}"` : ''}>` +
    empty('CanonicalizationMethod', A.exclusiveC14n) +
    empty('SignatureMethod', A.ecdsaSha256) +
    `<ds:Reference URI="">` +
    `<ds:Transforms>${empty('Transform', A.envelopedSignature)}</ds:Transforms>` +
    empty('DigestMethod', A.sha256) +
    `<ds:DigestValue>${digest}</ds:DigestValue>` +
    `</ds:Reference>` +
    `</ds:SignedInfo>`
  );
}

const NON_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function escapeXml(s: string): string {
  if (NON_XML_CHAR.test(s)) throw new DuisSignatureError('issuer name has a character XML cannot carry');
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<ds:KeyInfo>` naming the signer's certificate by issuer DN and serial (fixed per signer: written once). */
function keyInfoXml(signer: XmlSigner): string {
  let xml = KEY_INFO.get(signer.certificate);
  if (xml === undefined) {
    xml = writeKeyInfo(signer);
    KEY_INFO.set(signer.certificate, xml);
  }
  return xml;
}

const KEY_INFO = new WeakMap<XmlSigningCertificate, string>();

function writeKeyInfo(signer: XmlSigner): string {
  return (
    `<ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial>` +
    `<ds:X509IssuerName>${escapeXml(signer.certificate.issuerName)}</ds:X509IssuerName>` +
    `<ds:X509SerialNumber>${signer.certificate.serialNumber}</ds:X509SerialNumber>` +
    `</ds:X509IssuerSerial></ds:X509Data></ds:KeyInfo>`
  );
}

/**
 * Serialises the document with `signatureXml` appended as the root's last
 * child (xml-tree.ts writes a CR in a value as a character reference, so the
 * signed digest survives a parse of the output).
 */
function serialiseWithSignature(doc: XmlDocument, root: XmlElement, signatureXml: string): string {
  let out = '';
  if (doc.xmlDeclaration !== undefined) out += doc.xmlDeclaration;
  for (let n: XmlNode | null = doc.firstChild; n; n = n.nextSibling) {
    if (n !== root) {
      out += serialiseXmlTree(n);
      continue;
    }
    const element = serialiseXmlTree(root);
    const end = `</${root.tagName}>`;
    if (element.endsWith(end)) out += element.slice(0, -end.length) + signatureXml + end;
    else if (element.endsWith('/>')) out += `${element.slice(0, -2)}>${signatureXml}${end}`;
    else throw new DuisSignatureError('cannot place the Signature in the serialised document');
  }
  return out;
}

/**
 * Signs a DUIS document (request or response) the DUIS way and returns the
 * signed XML: the ds:Signature is appended as the last child of the root.
 * The document is parsed once (with every check on untrusted input) for the
 * Reference digest; the Signature itself is written as text, and its
 * SignedInfo is signed in the exclusive canonical form written directly
 * (no second parse, no DOM import).
 */
export function signDuisXml(
  input: string | Uint8Array,
  signer: XmlSigner,
  options: SignOptions = {},
): string {
  const doc = parseXmlDocument(input, options);
  const root = doc.documentElement!;
  const existing = doc.getElementsByTagNameNS(DS_NS, 'Signature');
  if (existing.length > 0) {
    if (!options.replaceExistingSignature) throw new DuisSignatureError('document is already signed');
    const kids = elementChildren(root);
    if (existing.length !== 1 || kids[kids.length - 1] !== existing.item(0)) {
      throw new DuisSignatureError(
        'existing Signature is not the last child of the root; refusing to replace it',
      );
    }
    root.removeChild(existing.item(0)!);
  }
  // Sign what the DCC verifies: the document without the layout between elements (see header).
  stripInsignificantWhitespace(root);
  // Reference digest over the document without a signature (Canonical XML 1.0, see header).
  return serialiseWithSignature(doc, root, signatureXml(canonicalise(root, A.c14n), signer));
}

/** The ds:Signature over a document whose root's Canonical XML 1.0 is `canonicalRoot`. */
function signatureXml(canonicalRoot: string, signer: XmlSigner): string {
  const digest = createHash('sha256').update(canonicalRoot, 'utf8').digest('base64');
  const value = sign('sha256', Buffer.from(signedInfoXml(digest, 'exc-c14n'), 'utf8'), {
    key: signer.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return (
    `<ds:Signature xmlns:ds="${DS_NS}">` +
    signedInfoXml(digest, 'document') +
    `<ds:SignatureValue>${value.toString('base64')}</ds:SignatureValue>` +
    keyInfoXml(signer) +
    `</ds:Signature>`
  );
}

/**
 * Signs a document this party built (`buildDuisRequestDocument`,
 * `buildDuisResponseDocument`) from its tree: the Reference digest is taken
 * over the canonical form the builder wrote beside the text (xml.ts
 * `canonicalNode`), so its own document is not parsed again. The text gets
 * the checks a parse would make on its characters and size; a document
 * whose canonical form the builder could not write is signed by
 * `signDuisXml` (parsed). Same signed bytes as `signDuisXml(doc.xml)`
 * (tested), apart from the ECDSA value, which is randomised.
 */
export function signBuiltDuis(doc: BuiltDuisDocument, signer: XmlSigner, limits: XmlLimits = {}): string {
  if (doc.canonicalRoot === undefined) return signDuisXml(doc.xml, signer, limits);
  screenXmlText(doc.xml, limits);
  const end = doc.xml.lastIndexOf('</');
  if (end < 0) throw new DuisSignatureError('cannot place the Signature in the built document');
  return doc.xml.slice(0, end) + signatureXml(doc.canonicalRoot, signer) + doc.xml.slice(end);
}
