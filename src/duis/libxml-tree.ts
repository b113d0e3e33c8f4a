/**
 * The DUIS tree (xml-tree.ts) read from the document libxml2 parsed for the
 * in-process XSD check (xsd-inprocess.ts), so that a request the XSD
 * accepted is not parsed a second time (by saxes) for its signature and its
 * DUIS reading (issue 17: one parse per request instead of two).
 *
 * The tree is the one `parseXmlTree` builds from the same text (tested over
 * every DUIS template and hand-written corner cases, libxml-tree.test.ts):
 * same elements, names, namespaces, attribute values, text, CDATA and
 * comments, the XML declaration as written, and the whitespace after it.
 * One difference, which nothing reading a request sees: an element's
 * namespace declarations come before its other attributes (libxml2 keeps
 * them apart; Canonical XML orders both anyway, and a request is never
 * serialised again).
 *
 * Only when the reading is certain to be that tree: anything saxes might
 * refuse or read differently and libxml2 let through gives `undefined`, and
 * the caller parses the text with xml-tree.ts as before (its errors, its
 * messages): a parse warning from libxml2 (e.g. an XML version other than
 * 1.0, a relative namespace name), a namespace name with leading or trailing
 * whitespace, a comment or processing instruction outside the root, an
 * entity reference or processing instruction node, nesting deeper than
 * `maxDepth`.
 *
 * Reads libxml2's node structures through libxml2-wasm's own accessors
 * (`libxml2-wasm/lib/libxml2.mjs`, the module its public classes use; the
 * version is pinned by the lockfile). NOT PURE (reads WASM memory of a live
 * document; the caller disposes it).
 */
import type { XmlDocument as LibxmlDocument } from 'libxml2-wasm';
import {
  XmlNamedNodeStruct,
  XmlNodeStruct,
  XmlNsStruct,
  XmlTreeCommonStruct,
  xmlNodeGetContent,
} from 'libxml2-wasm/lib/libxml2.mjs';
import {
  XmlTreeAttr,
  XmlTreeAttributes,
  XmlTreeComment,
  XmlTreeDocument,
  XmlTreeElement,
  XmlTreeText,
} from './xml-tree.ts';

// libxml2 xmlElementType
const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;
const COMMENT = 8;

const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const XML_DECL_START = /^<\?xml[\s?]/;

/** Thrown inside the walk when the document is not one this module reads exactly (caught below). */
class NotExact extends Error {}

const NO_ATTRIBUTES = new XmlTreeAttributes([]);

/**
 * The text of a text, CDATA or comment node: its `content` string read in
 * place (xmlNode's `content` pointer, 32 bytes after its `name` pointer on
 * wasm32: `name` at 8, `content` at 40), without xmlNodeGetContent's copy.
 * The tests compare every text read here with saxes'.
 */
const contentOf = (node: number): string => XmlTreeCommonStruct.name_(node + 32);

/** One document's namespaces (prefix, name), read once per xmlNs. */
type Namespaces = Map<number, readonly [string, string | null]>;

function namespaceOf(ns: number, seen: Namespaces): readonly [string, string | null] {
  let n = seen.get(ns);
  if (!n) {
    n = [XmlNsStruct.prefix(ns), XmlNsStruct.href(ns) || null];
    seen.set(ns, n);
  }
  return n;
}

/** An attribute's value: its one text child read in place, else libxml2's own reading of its children. */
function attributeValue(attr: number): string {
  const first = XmlTreeCommonStruct.children(attr);
  if (first === 0) return '';
  if (XmlTreeCommonStruct.next(first) === 0 && XmlTreeCommonStruct.type(first) === TEXT)
    return contentOf(first);
  return xmlNodeGetContent(attr);
}

function attributesOf(node: number, seen: Namespaces): XmlTreeAttributes {
  let list: XmlTreeAttr[] | undefined;
  for (let ns = XmlNodeStruct.nsDef(node); ns; ns = XmlNsStruct.next(ns)) {
    const prefix = XmlNsStruct.prefix(ns);
    const href = XmlNsStruct.href(ns);
    // saxes binds the trimmed value (xml-tree.ts refuses the difference): read by xml-tree.ts
    if (href !== href.trim()) throw new NotExact();
    list ??= [];
    list.push(
      prefix === ''
        ? new XmlTreeAttr('xmlns', null, 'xmlns', XMLNS_NS, href)
        : new XmlTreeAttr(`xmlns:${prefix}`, 'xmlns', prefix, XMLNS_NS, href),
    );
  }
  for (let a = XmlNodeStruct.properties(node); a; a = XmlTreeCommonStruct.next(a)) {
    const local = XmlTreeCommonStruct.name_(a);
    const ns = XmlNamedNodeStruct.namespace(a);
    const [prefix, uri] = ns ? namespaceOf(ns, seen) : NO_NAMESPACE;
    list ??= [];
    list.push(
      new XmlTreeAttr(prefix ? `${prefix}:${local}` : local, prefix || null, local, uri, attributeValue(a)),
    );
  }
  return list ? new XmlTreeAttributes(list) : NO_ATTRIBUTES;
}

const NO_NAMESPACE = ['', null] as const;

function element(node: number, depth: number, maxDepth: number, seen: Namespaces): XmlTreeElement {
  if (depth > maxDepth) throw new NotExact();
  const local = XmlTreeCommonStruct.name_(node);
  const ns = XmlNamedNodeStruct.namespace(node);
  const [prefix, uri] = ns ? namespaceOf(ns, seen) : NO_NAMESPACE;
  const e = new XmlTreeElement(
    prefix ? `${prefix}:${local}` : local,
    prefix || null,
    local,
    uri,
    attributesOf(node, seen),
  );
  for (let c = XmlTreeCommonStruct.children(node); c; c = XmlTreeCommonStruct.next(c)) {
    switch (XmlTreeCommonStruct.type(c)) {
      case ELEMENT:
        e.appendChild(element(c, depth + 1, maxDepth, seen));
        break;
      case TEXT:
        e.appendChild(new XmlTreeText(TEXT, contentOf(c)));
        break;
      case CDATA:
        e.appendChild(new XmlTreeText(CDATA, contentOf(c)));
        break;
      case COMMENT:
        e.appendChild(new XmlTreeComment(contentOf(c)));
        break;
      default:
        throw new NotExact(); // entity reference, processing instruction, ...
    }
  }
  return e;
}

/**
 * The tree `parseXmlTree(text, maxDepth)` gives, read from `doc` (libxml2's
 * parse of the same `text`), or undefined when it might not be that tree
 * (see the header): the caller then parses `text`.
 */
export function treeFromLibxml(
  doc: LibxmlDocument,
  text: string,
  maxDepth: number,
): XmlTreeDocument | undefined {
  if (doc.warnings.length > 0) return undefined;
  const docPtr = (doc as unknown as { _ptr: number })._ptr;
  const first = XmlTreeCommonStruct.children(docPtr);
  // only the root at the document's level (no comment or processing instruction around it)
  if (!first || XmlTreeCommonStruct.next(first) || XmlTreeCommonStruct.type(first) !== ELEMENT)
    return undefined;
  let declaration: string | undefined;
  let prolog = '';
  if (XML_DECL_START.test(text)) {
    const end = text.indexOf('?>') + 2;
    declaration = text.slice(0, end);
    // whitespace only (nothing but the root follows), its line ends normalised as the parser does
    prolog = text.slice(end, text.indexOf('<', end)).replace(/\r\n?/g, '\n');
  }
  const out = new XmlTreeDocument(declaration);
  // saxes reports the whitespace after an XML declaration (none before the first markup)
  if (prolog !== '') out.appendChild(new XmlTreeText(TEXT, prolog));
  try {
    out.documentElement = out.appendChild(element(first, 1, maxDepth, new Map()));
  } catch (e) {
    if (e instanceof NotExact) return undefined;
    throw e;
  }
  return out;
}
