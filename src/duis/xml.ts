/**
 * Safe XML parsing for untrusted DUIS input, a small generic element tree,
 * and a deterministic serialiser. Pure: no I/O, no globals.
 *
 * Order of checks on input (cheapest and most dangerous first):
 *   1. size in bytes against `maxBytes` (before decoding or parsing);
 *   2. strict UTF-8 decoding (DUIS documents are UTF-8);
 *   3. characters outside XML 1.0 `Char`;
 *   4. any `<!DOCTYPE` / `<!ENTITY` markup anywhere: refused outright, so no
 *      external entity (XXE) and no entity expansion (billion laughs) can exist;
 *   5. parse with xml-tree.ts (saxes: strict XML 1.0 + Namespaces, every fault
 *      fatal), which also refuses processing instructions (only the XML
 *      declaration is allowed) and nesting deeper than `maxDepth`.
 */
import {
  DuisForbiddenMarkupError,
  DuisMalformedError,
  DuisSchemaError,
  DuisTooLargeError,
} from './errors.ts';
import {
  parseXmlTree,
  type XmlTreeDocument,
  type XmlTreeElement,
  type XmlTreeNode,
  type XmlTreeParent,
} from './xml-tree.ts';

export const SR_NS = 'http://www.dccinterface.co.uk/ServiceUserGateway';
export const RA_NS = 'http://www.dccinterface.co.uk/ResponseAndAlert';
export const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** Limits applied to untrusted XML. */
export interface XmlLimits {
  /** Maximum document size in bytes (UTF-8). Default 1 MiB. */
  maxBytes?: number;
  /** Maximum element nesting depth. Default 64 (the deepest DUIS body is well under 20). */
  maxDepth?: number;
}

export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 64;

// The parsed tree (xml-tree.ts: the DOM members these modules read).
export type XmlDocument = XmlTreeDocument;
export type XmlElement = XmlTreeElement;
export type XmlNode = XmlTreeNode;

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const PROCESSING_INSTRUCTION_NODE = 7;
const COMMENT_NODE = 8;
const DOCUMENT_TYPE_NODE = 10;

export const NodeType = {
  ELEMENT_NODE,
  TEXT_NODE,
  CDATA_SECTION_NODE,
  PROCESSING_INSTRUCTION_NODE,
  COMMENT_NODE,
  DOCUMENT_TYPE_NODE,
} as const;

// XML 1.0 Char production; anything else (C0 controls, lone surrogates, U+FFFE/FFFF) is refused.
const NON_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const FORBIDDEN_DECL = /<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;
const XML_DECL = /^\uFEFF?<\?xml\s[^?]*\?>/;

/** Byte length of the input as UTF-8, without decoding it. */
export function byteLength(input: string | Uint8Array): number {
  return typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
}

/** Fatal UTF-8 decoding, stateless between calls (no `stream`): made once. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes and screens untrusted input; returns the text that is safe to hand to the parser. */
export function screenXmlText(input: string | Uint8Array, limits: XmlLimits = {}): string {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = byteLength(input);
  if (size > maxBytes) {
    throw new DuisTooLargeError(`document is ${size} bytes, over the limit of ${maxBytes}`, maxBytes, size);
  }
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    try {
      text = UTF8.decode(input);
    } catch (e) {
      throw new DuisMalformedError('document is not valid UTF-8', { cause: e });
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new DuisMalformedError('document is empty');
  const bad = NON_XML_CHAR.exec(text);
  if (bad) {
    const cp = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new DuisMalformedError(`character U+${cp} is not allowed in XML 1.0 (at index ${bad.index})`);
  }
  const decl = FORBIDDEN_DECL.exec(text);
  if (decl) {
    throw new DuisForbiddenMarkupError(
      `<!${decl[1]} markup is not accepted in DUIS documents (at index ${decl.index})`,
    );
  }
  const xmlDecl = XML_DECL.exec(text);
  if (xmlDecl) {
    const enc = /encoding\s*=\s*["']([^"']*)["']/.exec(xmlDecl[0]);
    if (enc && !/^utf-?8$/i.test(enc[1])) {
      throw new DuisMalformedError(`encoding "${enc[1]}" is not supported: DUIS documents are UTF-8`);
    }
  }
  return text;
}

/**
 * Parses untrusted XML into a document tree, applying every check listed at
 * the top of this file. Throws DuisError subclasses only.
 */
export function parseXmlDocument(input: string | Uint8Array, limits: XmlLimits = {}): XmlDocument {
  const doc = parseXmlTree(screenXmlText(input, limits), limits.maxDepth ?? DEFAULT_MAX_DEPTH);
  if (!doc.documentElement) throw new DuisMalformedError('document has no root element');
  return doc;
}

/** Element children of a node, in document order. */
export function elementChildren(node: XmlTreeParent): XmlElement[] {
  const out: XmlElement[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling)
    if (c.nodeType === ELEMENT_NODE) out.push(c as XmlElement);
  return out;
}

/** Text directly inside an element (text and CDATA children), or '' if none. */
export function directText(node: XmlTreeParent): string {
  let s = '';
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === TEXT_NODE || c.nodeType === CDATA_SECTION_NODE)
      s += (c as unknown as { data: string }).data;
  }
  return s;
}

// ---------------------------------------------------------------------------
// Generic element tree

/**
 * One DUIS element as plain data: its local name and namespace, attributes
 * (unqualified, as DUIS uses them, e.g. `index="1"`), and either child
 * elements or text. DUIS has no mixed content, so an element with children
 * has `text === undefined`, and an element without children has a string
 * `text` (`''` when empty).
 */
export interface DuisNode {
  readonly name: string;
  readonly namespace: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly DuisNode[];
  readonly text: string | undefined;
}

/** Builds a DuisNode in the DUIS (sr) namespace: `el('TopUpDevice', [el('UTRN', '7394...')])`. */
export function el(
  name: string,
  content?: string | readonly DuisNode[],
  attributes: Record<string, string> = {},
  namespace = SR_NS,
): DuisNode {
  if (typeof content === 'string') return { name, namespace, attributes, children: [], text: content };
  if (!content || content.length === 0) return { name, namespace, attributes, children: [], text: '' };
  return { name, namespace, attributes, children: content, text: undefined };
}

/** Converts a DOM element to a DuisNode, refusing mixed content. `path` is for error messages. */
export function toDuisNode(elem: XmlElement, path: string): DuisNode {
  const attributes: Record<string, string> = {};
  const attrs = elem.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs.item(i)!;
    if (a.name === 'xmlns' || a.prefix === 'xmlns') continue;
    const key = a.namespaceURI && a.namespaceURI !== '' ? `{${a.namespaceURI}}${a.localName}` : a.localName!;
    attributes[key] = a.value;
  }
  const kids = elementChildren(elem);
  const name = elem.localName!;
  const namespace = elem.namespaceURI ?? '';
  if (kids.length === 0) return { name, namespace, attributes, children: [], text: directText(elem) };
  if (directText(elem).trim() !== '') {
    throw new DuisSchemaError(`element ${name} mixes text and child elements`, path);
  }
  return {
    name,
    namespace,
    attributes,
    children: kids.map((k) => toDuisNode(k, `${path}/${k.localName}`)),
    text: undefined,
  };
}

/** First child with this local name (any namespace in `ns`, default sr), or undefined. */
export function child(node: DuisNode, name: string, ns = SR_NS): DuisNode | undefined {
  return node.children.find((c) => c.name === name && c.namespace === ns);
}

/** All children with this local name. */
export function childrenNamed(node: DuisNode, name: string, ns = SR_NS): DuisNode[] {
  return node.children.filter((c) => c.name === name && c.namespace === ns);
}

// ---------------------------------------------------------------------------
// Serialiser

export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

export function escapeAttr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

const C14N_TEXT: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const C14N_ATTR: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

/**
 * Canonical XML 1.0 (inclusive, without comments) of a DuisNode as
 * `serialiseNode` writes it under a root that declares `sr` (DUIS.md "XML
 * signatures": what a Reference digests), computed from the tree instead of
 * by parsing the serialised text: empty elements as start-end pairs,
 * attributes sorted by name, text and attribute values escaped as C14N
 * escapes them. Undefined when the tree holds something this writer does not
 * cover (a namespace other than sr, an `xml*` attribute, nesting deeper than
 * `maxDepth`): the caller then canonicalises the parsed document.
 */
export function canonicalNode(node: DuisNode, maxDepth = DEFAULT_MAX_DEPTH): string | undefined {
  if (maxDepth < 1 || node.namespace !== SR_NS) return undefined;
  const qn = `sr:${node.name}`;
  let attrs = '';
  const names = Object.keys(node.attributes);
  if (names.length > 0) {
    names.sort();
    for (const k of names) {
      if (/^xml/i.test(k)) return undefined;
      attrs += ` ${k}="${node.attributes[k]!.replace(/[&<"\t\n\r]/g, (c) => C14N_ATTR[c]!)}"`;
    }
  }
  if (node.text !== undefined)
    return `<${qn}${attrs}>${node.text.replace(/[&<>\r]/g, (c) => C14N_TEXT[c]!)}</${qn}>`;
  let inner = '';
  for (const c of node.children) {
    const s = canonicalNode(c, maxDepth - 1);
    if (s === undefined) return undefined;
    inner += s;
  }
  return `<${qn}${attrs}>${inner}</${qn}>`;
}

/**
 * A DUIS document as the builders write it: the text, and the Canonical XML
 * 1.0 of its root element written from the same tree (undefined when
 * `canonicalNode` does not cover it), so signing needs no parse of what its
 * own party just built (signature.ts `signBuiltDuis`).
 */
export interface BuiltDuisDocument {
  readonly xml: string;
  readonly canonicalRoot: string | undefined;
}

/** A header of text-only sr elements whose values need no escaping is its own canonical form. */
const PLAIN_HEADER = /^(?:<sr:[A-Za-z]+>[^<>&\r]*<\/sr:[A-Za-z]+>)*$/;

/**
 * Writes a DUIS Request or Response: `sr` declared on the root with its
 * `schemaVersion`, the header (text-only sr elements, already written) and
 * the body element.
 */
export function builtDuisDocument(
  root: 'Request' | 'Response',
  schemaVersion: string,
  headerXml: string,
  body: DuisNode,
): BuiltDuisDocument {
  const open = `<sr:${root} xmlns:sr="${SR_NS}" schemaVersion="${escapeAttr(schemaVersion)}">`;
  const close = `</sr:${root}>`;
  const xml = `<?xml version="1.0" encoding="UTF-8"?>${open}<sr:Header>${headerXml}</sr:Header><sr:Body>${serialiseNode(body)}</sr:Body>${close}`;
  // root (1), Body (2), the body element at depth 3
  const bodyC14n =
    PLAIN_HEADER.test(headerXml) && /^[\d.]+$/.test(schemaVersion)
      ? canonicalNode(body, DEFAULT_MAX_DEPTH - 2)
      : undefined;
  return {
    xml,
    canonicalRoot:
      bodyC14n === undefined
        ? undefined
        : `${open}<sr:Header>${headerXml}</sr:Header><sr:Body>${bodyC14n}</sr:Body>${close}`,
  };
}

/** Namespace prefixes this module writes. */
export const PREFIXES: Readonly<Record<string, string>> = { [SR_NS]: 'sr', [RA_NS]: 'ra', [DS_NS]: 'ds' };

/** Serialises a DuisNode with the fixed prefixes in PREFIXES (declarations are the caller's job, on the root). */
export function serialiseNode(node: DuisNode): string {
  const prefix = PREFIXES[node.namespace];
  if (prefix === undefined)
    throw new DuisSchemaError(`no prefix for namespace "${node.namespace}"`, node.name);
  if (!/^[A-Za-z_][\w.-]*$/.test(node.name))
    throw new DuisSchemaError(`"${node.name}" is not an element name`);
  const qn = `${prefix}:${node.name}`;
  let attrs = '';
  for (const [k, v] of Object.entries(node.attributes)) {
    if (!/^[A-Za-z_][\w.-]*$/.test(k)) throw new DuisSchemaError(`"${k}" is not a supported attribute name`);
    attrs += ` ${k}="${escapeAttr(v)}"`;
  }
  if (node.text !== undefined) {
    if (node.children.length > 0) throw new DuisSchemaError('element with both text and children', node.name);
    return node.text === '' ? `<${qn}${attrs}/>` : `<${qn}${attrs}>${escapeText(node.text)}</${qn}>`;
  }
  if (node.children.length === 0) return `<${qn}${attrs}/>`;
  return `<${qn}${attrs}>${node.children.map(serialiseNode).join('')}</${qn}>`;
}
