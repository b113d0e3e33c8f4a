/**
 * A strict, non-validating XML 1.0 + Namespaces 1.0 parser for DUIS
 * documents, and the small DOM it builds (the members xml.ts, request.ts,
 * response.ts and signature.ts read, with the names and values the W3C DOM
 * gives them, so a tree from here reads like one from @xmldom/xmldom).
 * Pure. One pass over the text; about a fifth of the CPU of xmldom 0.9 on a
 * DUIS request, whose DOM checks every insertion (issue 17 "Performance").
 *
 * Input is the text `screenXmlText` (xml.ts) has already checked: size,
 * UTF-8, XML `Char`s only, and no `<!DOCTYPE`/`<!ENTITY` (or other DTD)
 * markup anywhere. So there is no DTD, and the only entities are the five
 * predefined ones and character references. Everything else that is not
 * well-formed is a DuisMalformedError (the first fault, with its line and
 * column), a processing instruction a DuisForbiddenMarkupError, nesting
 * deeper than `maxDepth` a DuisTooLargeError:
 * - line ends normalised (CRLF and CR to LF) before parsing (XML 1.0 2.11);
 * - the XML declaration only at the start, version 1.x, encoding and
 *   standalone well-formed;
 * - element and attribute names are QNames (XML Name characters, at most
 *   one colon, neither at the start nor the end); end tags match;
 * - attributes: whitespace between them, quoted values without `<`, no
 *   duplicate (by name, and by namespace and local name), values normalised
 *   (TAB and LF to space; a character reference is kept as the character);
 * - references: `&lt;` `&gt;` `&amp;` `&apos;` `&quot;`, `&#N;` and
 *   `&#xH;` of an XML Char; any other `&` is an error;
 * - text without `]]>`; CDATA sections; comments without `--`;
 * - namespaces: every prefix used is declared; `xmlns:p=""`, binding
 *   `xmlns`, binding `xml` to anything but its namespace, or another prefix
 *   to the xml or xmlns namespace, are errors;
 * - exactly one root element; after it only whitespace and comments.
 */
import { DuisForbiddenMarkupError, DuisMalformedError, DuisTooLargeError } from './errors.ts';

const ELEMENT_NODE = 1;
const ATTRIBUTE_NODE = 2;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const COMMENT_NODE = 8;
const DOCUMENT_NODE = 9;

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

// ---------------------------------------------------------------------------
// The tree

/** A node: its place in the tree (a doubly linked list of siblings under a parent). */
export abstract class XmlTreeNode {
  abstract readonly nodeType: number;
  parentNode: XmlTreeParent | null = null;
  previousSibling: XmlTreeNode | null = null;
  nextSibling: XmlTreeNode | null = null;
}

/** A document or an element: a node with children. */
export abstract class XmlTreeParent extends XmlTreeNode {
  firstChild: XmlTreeNode | null = null;
  lastChild: XmlTreeNode | null = null;

  appendChild<T extends XmlTreeNode>(c: T): T {
    return this.insertBefore(c, null);
  }

  /** Inserts `c` (detached from where it was) before `ref`, or last when `ref` is null. */
  insertBefore<T extends XmlTreeNode>(c: T, ref: XmlTreeNode | null): T {
    if (ref !== null && ref.parentNode !== this) throw new DuisMalformedError('insertBefore: not a child');
    if (c.parentNode) c.parentNode.removeChild(c);
    const prev = ref === null ? this.lastChild : ref.previousSibling;
    c.parentNode = this;
    c.previousSibling = prev;
    c.nextSibling = ref;
    if (prev) prev.nextSibling = c;
    else this.firstChild = c;
    if (ref) ref.previousSibling = c;
    else this.lastChild = c;
    return c;
  }

  removeChild<T extends XmlTreeNode>(c: T): T {
    if (c.parentNode !== this) throw new DuisMalformedError('removeChild: not a child');
    if (c.previousSibling) c.previousSibling.nextSibling = c.nextSibling;
    else this.firstChild = c.nextSibling;
    if (c.nextSibling) c.nextSibling.previousSibling = c.previousSibling;
    else this.lastChild = c.previousSibling;
    c.parentNode = null;
    c.previousSibling = null;
    c.nextSibling = null;
    return c;
  }

  /** Descendant elements with this namespace and local name ('*' for any), in document order. */
  getElementsByTagNameNS(namespaceURI: string | null, localName: string): XmlTreeNodeList<XmlTreeElement> {
    const out: XmlTreeElement[] = [];
    const walk = (p: XmlTreeParent) => {
      for (let c = p.firstChild; c; c = c.nextSibling) {
        if (c.nodeType !== ELEMENT_NODE) continue;
        const e = c as XmlTreeElement;
        if (
          (namespaceURI === '*' || e.namespaceURI === (namespaceURI || null)) &&
          (localName === '*' || e.localName === localName)
        )
          out.push(e);
        walk(e);
      }
    };
    walk(this);
    return new XmlTreeNodeList(out);
  }
}

/** A live-looking, fixed list (DOM `NodeList` members). */
export class XmlTreeNodeList<T> {
  constructor(readonly items: readonly T[]) {}
  get length(): number {
    return this.items.length;
  }
  item(i: number): T | null {
    return this.items[i] ?? null;
  }
}

export class XmlTreeAttr {
  readonly nodeType = ATTRIBUTE_NODE;
  constructor(
    /** The qualified name as written. */
    readonly name: string,
    readonly prefix: string | null,
    readonly localName: string,
    readonly namespaceURI: string | null,
    readonly value: string,
  ) {}
}

export class XmlTreeAttributes {
  constructor(readonly list: readonly XmlTreeAttr[]) {}
  get length(): number {
    return this.list.length;
  }
  item(i: number): XmlTreeAttr | null {
    return this.list[i] ?? null;
  }
}

const NO_ATTRIBUTES = new XmlTreeAttributes([]);

export class XmlTreeElement extends XmlTreeParent {
  readonly nodeType = ELEMENT_NODE;
  constructor(
    readonly tagName: string,
    readonly prefix: string | null,
    readonly localName: string,
    readonly namespaceURI: string | null,
    readonly attributes: XmlTreeAttributes = NO_ATTRIBUTES,
  ) {
    super();
  }
  get nodeName(): string {
    return this.tagName;
  }
  getAttribute(name: string): string | null {
    for (const a of this.attributes.list) if (a.name === name) return a.value;
    return null;
  }
  hasAttribute(name: string): boolean {
    return this.getAttribute(name) !== null;
  }
  getAttributeNS(namespaceURI: string | null, localName: string): string | null {
    for (const a of this.attributes.list)
      if (a.namespaceURI === (namespaceURI || null) && a.localName === localName) return a.value;
    return null;
  }
}

export class XmlTreeText extends XmlTreeNode {
  constructor(
    readonly nodeType: typeof TEXT_NODE | typeof CDATA_SECTION_NODE,
    public data: string,
  ) {
    super();
  }
}

export class XmlTreeComment extends XmlTreeNode {
  readonly nodeType = COMMENT_NODE;
  constructor(public data: string) {
    super();
  }
}

export class XmlTreeDocument extends XmlTreeParent {
  readonly nodeType = DOCUMENT_NODE;
  /** Never set: a DOCTYPE is refused before parsing. */
  readonly doctype = null;
  documentElement: XmlTreeElement | null = null;
  constructor(
    /** The XML declaration as written (`<?xml version="1.0" ...?>`), if the document has one. */
    readonly xmlDeclaration: string | undefined,
  ) {
    super();
  }
}

// ---------------------------------------------------------------------------
// The parser

// XML 1.0 (5th ed.) NameStartChar / NameChar without ':' (NCName, Namespaces 1.0).
const NC_START =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NC_CHAR = `${NC_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
/** A QName at the cursor: prefix and local part, or the local part alone. */
const QNAME = new RegExp(`([${NC_START}][${NC_CHAR}]*)(?::([${NC_START}][${NC_CHAR}]*))?`, 'uy');
/** Characters that may follow a name: whitespace, '=', '/', '>' (anything else is not a name character). */
const AFTER_NAME = /[\s=/>]/y;
const XML_DECL =
  /<\?xml(\s+version\s*=\s*(["'])1\.[0-9]+\2)(\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\4)?(\s+standalone\s*=\s*(["'])(?:yes|no)\6)?\s*\?>/y;
const WS = /[ \t\n]*/y;
const LITERAL_WS = /[\t\n]/;
const LITERAL_WS_ALL = /[\t\n]/g;
const TEXT_RUN = /[^<&]*/y;
const ATTR_RUN = /[^<&"']*/y;
const REFERENCE = /&(?:(lt|gt|amp|apos|quot)|#([0-9]+)|#x([0-9A-Fa-f]+));/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

interface Scope {
  /** Prefix -> namespace URI; '' the default namespace ('' as URI: none). */
  readonly bindings: ReadonlyMap<string, string>;
}

const ROOT_SCOPE: Scope = { bindings: new Map([['xml', XML_NS]]) };

interface RawAttr {
  qname: string;
  prefix: string | null;
  local: string;
  value: string;
}

/**
 * Parses screened XML text into an XmlTreeDocument. `maxDepth` bounds the
 * element nesting (the root is depth 1).
 */
export function parseXmlTree(input: string, maxDepth: number): XmlTreeDocument {
  const text = input.includes('\r') ? input.replace(/\r\n?/g, '\n') : input;
  const n = text.length;
  let pos = 0;

  const fail = (message: string, at = pos): never => {
    let line = 1;
    let col = 1;
    for (let i = 0; i < at && i < n; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    throw new DuisMalformedError(`XML is not well-formed: ${message} (line ${line}, column ${col})`);
  };
  const skipWs = (): boolean => {
    WS.lastIndex = pos;
    WS.test(text);
    const moved = WS.lastIndex !== pos;
    pos = WS.lastIndex;
    return moved;
  };
  const startsWith = (s: string) => text.startsWith(s, pos);
  const readQName = (what: string): { qname: string; prefix: string | null; local: string } => {
    QNAME.lastIndex = pos;
    const m = QNAME.exec(text);
    if (!m) return fail(`expected ${what}`);
    const end = QNAME.lastIndex;
    if (end < n && text.charCodeAt(end) !== 0x3e) {
      AFTER_NAME.lastIndex = end;
      if (!AFTER_NAME.test(text))
        return fail(`${what} "${m[0]}" followed by a character a name cannot have`, end);
    }
    pos = end;
    return m[2] === undefined
      ? { qname: m[0], prefix: null, local: m[1] }
      : { qname: m[0], prefix: m[1], local: m[2] };
  };
  /** A reference at the cursor ('&' seen), decoded. */
  const readReference = (): string => {
    REFERENCE.lastIndex = pos;
    const m = REFERENCE.exec(text);
    if (!m) {
      const name = /&([^;\s<&]{0,40});?/y;
      name.lastIndex = pos;
      return fail(`undefined entity or bad reference "${name.exec(text)?.[0] ?? '&'}"`);
    }
    let out: string;
    if (m[1] !== undefined) out = PREDEFINED[m[1]]!;
    else {
      const cp = m[2] !== undefined ? Number.parseInt(m[2], 10) : Number.parseInt(m[3]!, 16);
      if (!isXmlChar(cp)) return fail(`character reference ${m[0]} is not an XML character`);
      out = String.fromCodePoint(cp);
    }
    pos = REFERENCE.lastIndex;
    return out;
  };
  const readComment = (): string => {
    // at '<!--'
    const end = text.indexOf('--', pos + 4);
    if (end < 0) return fail('comment not closed');
    if (text.charCodeAt(end + 2) !== 0x3e) return fail('"--" inside a comment', end);
    const data = text.slice(pos + 4, end);
    pos = end + 3;
    return data;
  };
  const refusePi = (): never => {
    if (/^<\?xml[\s?]/i.test(text.slice(pos, pos + 6))) return fail('XML declaration not at the start');
    throw new DuisForbiddenMarkupError('processing instructions are not accepted in DUIS documents');
  };

  let xmlDeclaration: string | undefined;
  XML_DECL.lastIndex = 0;
  const decl = XML_DECL.exec(text);
  if (decl) {
    xmlDeclaration = decl[0];
    pos = XML_DECL.lastIndex;
  } else if (/^<\?xml[\s?]/.test(text)) fail('malformed XML declaration');
  const doc = new XmlTreeDocument(xmlDeclaration);

  /**
   * Misc* (prolog or epilogue): whitespace and comments. Whitespace is kept (the document is written
   * back with it, as xmldom did) except at the very end.
   */
  const misc = () => {
    for (;;) {
      const from = pos;
      if (skipWs() && pos < n) doc.appendChild(new XmlTreeText(TEXT_NODE, text.slice(from, pos)));
      if (startsWith('<!--')) doc.appendChild(new XmlTreeComment(readComment()));
      else if (startsWith('<?')) refusePi();
      else return;
    }
  };

  misc();
  if (pos >= n || text.charCodeAt(pos) !== 0x3c) fail('expected the root element');

  // Elements, iteratively: the open elements and their scopes.
  const open: XmlTreeElement[] = [];
  const scopes: Scope[] = [];
  let parent: XmlTreeParent = doc;
  let scope = ROOT_SCOPE;
  let textRun = '';
  const flushText = () => {
    if (textRun === '') return;
    parent.appendChild(new XmlTreeText(TEXT_NODE, textRun));
    textRun = '';
  };

  const startTag = () => {
    // at '<' + name
    const tagStart = pos;
    pos++;
    const name = readQName('an element name');
    let attrs: RawAttr[] | undefined;
    let selfClosing = false;
    for (;;) {
      const spaced = skipWs();
      const c = text.charCodeAt(pos);
      if (c === 0x3e) {
        pos++;
        break;
      }
      if (c === 0x2f) {
        if (text.charCodeAt(pos + 1) !== 0x3e) fail('expected "/>"');
        pos += 2;
        selfClosing = true;
        break;
      }
      if (pos >= n) fail(`start tag <${name.qname}> not closed`, tagStart);
      if (!spaced) fail('expected whitespace before an attribute');
      const a = readQName('an attribute name');
      skipWs();
      if (text.charCodeAt(pos) !== 0x3d) fail(`expected "=" after attribute ${a.qname}`);
      pos++;
      skipWs();
      const q = text.charCodeAt(pos);
      if (q !== 0x22 && q !== 0x27) fail(`attribute ${a.qname} value not quoted`);
      pos++;
      let value = '';
      for (;;) {
        ATTR_RUN.lastIndex = pos;
        ATTR_RUN.test(text);
        if (ATTR_RUN.lastIndex > pos) {
          // Attribute-value normalisation (CDATA type): a literal TAB or LF is a space, a reference to one stays.
          const run = text.slice(pos, ATTR_RUN.lastIndex);
          value += LITERAL_WS.test(run) ? run.replace(LITERAL_WS_ALL, ' ') : run;
          pos = ATTR_RUN.lastIndex;
        }
        if (pos >= n) fail(`attribute ${a.qname} value not closed`);
        const c2 = text.charCodeAt(pos);
        if (c2 === q) {
          pos++;
          break;
        }
        if (c2 === 0x3c) fail(`"<" in the value of attribute ${a.qname}`);
        if (c2 === 0x26) value += readReference();
        else {
          value += text[pos];
          pos++;
        }
      }
      attrs ??= [];
      for (const b of attrs) if (b.qname === a.qname) fail(`attribute ${a.qname} given twice`);
      attrs.push({ qname: a.qname, prefix: a.prefix, local: a.local, value });
    }
    // Namespaces: declarations first, then the element's and its attributes' names.
    let bindings: Map<string, string> | undefined;
    if (attrs) {
      for (const a of attrs) {
        if (a.prefix === null && a.local === 'xmlns') {
          if (a.value === XML_NS || a.value === XMLNS_NS) fail(`the default namespace cannot be ${a.value}`);
          bindings ??= new Map(scope.bindings);
          bindings.set('', a.value);
        } else if (a.prefix === 'xmlns') {
          if (a.local === 'xmlns') fail('the xmlns prefix cannot be declared');
          if (a.value === '') fail(`xmlns:${a.local}="" (a prefix cannot be undeclared in XML 1.0)`);
          if ((a.local === 'xml') !== (a.value === XML_NS))
            fail(`the xml prefix and only it is bound to ${XML_NS}`);
          if (a.value === XMLNS_NS) fail(`no prefix can be bound to ${XMLNS_NS}`);
          bindings ??= new Map(scope.bindings);
          bindings.set(a.local, a.value);
        }
      }
    }
    const here: Scope = bindings ? { bindings } : scope;
    // (no closure per element: a function made per call costs more than the lookups here)
    const ns =
      name.prefix === null
        ? here.bindings.get('') || null
        : (here.bindings.get(name.prefix) ??
          fail(`namespace prefix "${name.prefix}" of <${name.qname}> is not declared`, tagStart));
    let list: XmlTreeAttributes = NO_ATTRIBUTES;
    if (attrs) {
      const out: XmlTreeAttr[] = [];
      for (const a of attrs) {
        let aNs: string | null = null;
        if (a.prefix === null && a.local === 'xmlns') aNs = XMLNS_NS;
        else if (a.prefix !== null)
          aNs =
            a.prefix === 'xmlns'
              ? XMLNS_NS
              : (here.bindings.get(a.prefix) ??
                fail(`namespace prefix "${a.prefix}" of attribute ${a.qname} is not declared`, tagStart));
        if (a.prefix !== null && a.prefix !== 'xmlns')
          for (const b of out)
            if (b.namespaceURI === aNs && b.localName === a.local)
              fail(`attribute {${aNs}}${a.local} given twice`, tagStart);
        out.push(new XmlTreeAttr(a.qname, a.prefix, a.local, aNs, a.value));
      }
      list = new XmlTreeAttributes(out);
    }
    const e = new XmlTreeElement(name.qname, name.prefix, name.local, ns, list);
    if (open.length + 1 > maxDepth)
      throw new DuisTooLargeError(`elements nested deeper than ${maxDepth}`, maxDepth, open.length + 1);
    parent.appendChild(e);
    if (parent === doc) doc.documentElement = e;
    if (!selfClosing) {
      open.push(e);
      scopes.push(scope);
      parent = e;
      scope = here;
    }
  };

  startTag();
  while (open.length > 0) {
    TEXT_RUN.lastIndex = pos;
    TEXT_RUN.test(text);
    if (TEXT_RUN.lastIndex > pos) {
      const run = text.slice(pos, TEXT_RUN.lastIndex);
      if (run.includes(']]>')) fail('"]]>" in text', pos + run.indexOf(']]>'));
      textRun += run;
      pos = TEXT_RUN.lastIndex;
    }
    if (pos >= n) fail(`element <${open[open.length - 1].tagName}> not closed`);
    if (text.charCodeAt(pos) === 0x26) {
      textRun += readReference();
      continue;
    }
    // '<'
    const c = text.charCodeAt(pos + 1);
    if (c === 0x2f) {
      flushText();
      const closeAt = pos;
      pos += 2;
      const name = readQName('an end tag name');
      skipWs();
      if (text.charCodeAt(pos) !== 0x3e) fail(`end tag </${name.qname}> not closed`);
      pos++;
      const e = open.pop()!;
      if (name.qname !== e.tagName) fail(`end tag </${name.qname}> does not match <${e.tagName}>`, closeAt);
      scope = scopes.pop()!;
      parent = e.parentNode!;
    } else if (c === 0x21) {
      if (startsWith('<!--')) {
        flushText();
        parent.appendChild(new XmlTreeComment(readComment()));
      } else if (startsWith('<![CDATA[')) {
        flushText();
        const end = text.indexOf(']]>', pos + 9);
        if (end < 0) fail('CDATA section not closed');
        parent.appendChild(new XmlTreeText(CDATA_SECTION_NODE, text.slice(pos + 9, end)));
        pos = end + 3;
      } else fail('unexpected "<!" markup');
    } else if (c === 0x3f) {
      refusePi();
    } else {
      flushText();
      startTag();
    }
  }
  misc();
  if (pos < n) {
    if (text.charCodeAt(pos) === 0x3c && text.charCodeAt(pos + 1) === 0x2f)
      fail('end tag after the root element');
    fail(text.charCodeAt(pos) === 0x3c ? 'a second root element' : 'text after the root element');
  }
  return doc;
}

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

// ---------------------------------------------------------------------------
// Serialiser

const escapeTextValue = (s: string) =>
  /[&<>\r]/.test(s)
    ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;')
    : s;
const escapeAttrValue = (s: string) =>
  /[&<>"\t\n\r]/.test(s)
    ? s
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/\t/g, '&#9;')
        .replace(/\n/g, '&#10;')
        .replace(/\r/g, '&#13;')
    : s;

/**
 * Writes a node as XML that parses back to the same tree: attributes in
 * their order, empty elements self-closed, TAB, LF and CR in attribute
 * values and CR in text as character references (a parser would otherwise
 * normalise them), CDATA sections and comments as they were. A document
 * starts with its XML declaration, if it had one.
 */
export function serialiseXmlTree(node: XmlTreeNode): string {
  const out: string[] = [];
  const write = (c: XmlTreeNode) => {
    switch (c.nodeType) {
      case ELEMENT_NODE: {
        const e = c as XmlTreeElement;
        let start = `<${e.tagName}`;
        for (const a of e.attributes.list) start += ` ${a.name}="${escapeAttrValue(a.value)}"`;
        if (!e.firstChild) {
          out.push(`${start}/>`);
          return;
        }
        out.push(`${start}>`);
        for (let k: XmlTreeNode | null = e.firstChild; k; k = k.nextSibling) write(k);
        out.push(`</${e.tagName}>`);
        return;
      }
      case TEXT_NODE:
        out.push(escapeTextValue((c as XmlTreeText).data));
        return;
      case CDATA_SECTION_NODE:
        out.push(`<![CDATA[${(c as XmlTreeText).data}]]>`);
        return;
      case COMMENT_NODE:
        out.push(`<!--${(c as XmlTreeComment).data}-->`);
        return;
      case DOCUMENT_NODE: {
        const d = c as XmlTreeDocument;
        if (d.xmlDeclaration !== undefined) out.push(d.xmlDeclaration);
        for (let k: XmlTreeNode | null = d.firstChild; k; k = k.nextSibling) write(k);
        return;
      }
    }
  };
  write(node);
  return out.join('');
}
