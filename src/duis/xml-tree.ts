/**
 * The small DOM of a DUIS document (the members xml.ts, request.ts,
 * response.ts and signature.ts read, with the names and values the W3C DOM
 * gives them, so a tree from here reads like one from @xmldom/xmldom), built
 * from the events of saxes 6 (a strict XML 1.0 + Namespaces 1.0 parser), and
 * its serialiser. Pure.
 *
 * Input is the text `screenXmlText` (xml.ts) has already checked: size,
 * UTF-8, XML `Char`s only, and no `<!DOCTYPE`/`<!ENTITY` (or other DTD)
 * markup anywhere. So there is no DTD, and the only entities are the five
 * predefined ones and character references. saxes checks well-formedness
 * and namespaces (line ends and attribute values normalised, references
 * decoded, QNames, end tags, duplicate attributes, undeclared prefixes,
 * `xmlns:p=""`, the xml and xmlns prefixes and namespaces, one root); any
 * fault it reports is a DuisMalformedError (the first, with saxes' line and
 * column). On top of saxes:
 * - the document is XML 1.0 whatever version its declaration gives (1.x is
 *   accepted, as libxml2 does, but 1.1 line ends and names are not used);
 * - a namespace declaration whose value has leading or trailing whitespace
 *   is refused, as libxml2 does (saxes alone would accept it and bind the
 *   trimmed value: a parser differential on the signature path);
 * - a DOCTYPE (already refused by the screen) and a processing instruction
 *   are a DuisForbiddenMarkupError, nesting deeper than `maxDepth` a
 *   DuisTooLargeError.
 * Whitespace and comments around the root are kept as document children,
 * except whitespace at the very end (as xmldom did).
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { DuisForbiddenMarkupError, DuisMalformedError, DuisTooLargeError } from './errors.ts';

const ELEMENT_NODE = 1;
const ATTRIBUTE_NODE = 2;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const COMMENT_NODE = 8;
const DOCUMENT_NODE = 9;

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
// The parser: the events of saxes (strict XML 1.0 + Namespaces 1.0) made into the tree

const XML_DECL_START = /^<\?xml[\s?]/;

const SAXES_OPTIONS = {
  xmlns: true,
  position: true,
  defaultXMLVersion: '1.0',
  forceXMLVersion: true,
} as const;

/**
 * saxes with its handler slots made in the constructor. saxes' `on()` adds a
 * handler as a computed-name property; past a dozen such properties V8 puts
 * the object in dictionary mode, and every field the parser reads per
 * character (`chunk`, `i`, `column`...) became a hash lookup: a DUIS document
 * parsed about four times slower than saxes alone (issue 16, measured). Made
 * here by name (`undefined`, as saxes leaves an unset handler), the slots
 * exist before `on()` writes them, so the parser keeps fast properties
 * (xml-tree.test.ts checks it).
 */
export class DuisSaxesParser extends SaxesParser<typeof SAXES_OPTIONS> {
  constructor() {
    super(SAXES_OPTIONS);
    const slots = this as unknown as Record<string, unknown>;
    slots.xmldeclHandler = undefined;
    slots.textHandler = undefined;
    slots.piHandler = undefined;
    slots.doctypeHandler = undefined;
    slots.commentHandler = undefined;
    slots.openTagStartHandler = undefined;
    slots.attributeHandler = undefined;
    slots.openTagHandler = undefined;
    slots.closeTagHandler = undefined;
    slots.cdataHandler = undefined;
    slots.errorHandler = undefined;
    slots.endHandler = undefined;
    slots.readyHandler = undefined;
  }
}

/** A builder's document between parses (never written to: the handlers run only during a parse). */
const NO_DOCUMENT = new XmlTreeDocument(undefined);

/**
 * One saxes parser with its handlers, reused document after document (saxes
 * resets itself at the end of a document); the state of the document being
 * built is in its fields. A parse that throws leaves saxes mid-document, so
 * its builder is dropped (parseXmlTree).
 */
class TreeBuilder {
  readonly #parser = new DuisSaxesParser();
  #doc = NO_DOCUMENT;
  #parent: XmlTreeParent = NO_DOCUMENT;
  #maxDepth = 0;
  #depth = 0;
  #rootClosed = false;
  /** Whitespace after the root element: kept only when a comment follows it (as the old parser and xmldom did). */
  #epilogueText: string | undefined;

  constructor() {
    const parser = this.#parser;
    parser.on('error', (err) => {
      const m = /^(\d+):(\d+): ([\s\S]*)$/.exec(err.message);
      throw new DuisMalformedError(
        m
          ? `XML is not well-formed: ${m[3]} (line ${m[1]}, column ${m[2]})`
          : `XML is not well-formed: ${err.message}`,
      );
    });
    parser.on('doctype', () => {
      throw new DuisForbiddenMarkupError('a DOCTYPE is not accepted in DUIS documents');
    });
    parser.on('processinginstruction', () => {
      throw new DuisForbiddenMarkupError('processing instructions are not accepted in DUIS documents');
    });
    parser.on('text', (data) => {
      if (this.#rootClosed) this.#epilogueText = (this.#epilogueText ?? '') + data;
      else this.#parent.appendChild(new XmlTreeText(TEXT_NODE, data));
    });
    parser.on('cdata', (data) => {
      this.#parent.appendChild(new XmlTreeText(CDATA_SECTION_NODE, data));
    });
    parser.on('comment', (data) => {
      if (this.#epilogueText !== undefined) {
        this.#doc.appendChild(new XmlTreeText(TEXT_NODE, this.#epilogueText));
        this.#epilogueText = undefined;
      }
      this.#parent.appendChild(new XmlTreeComment(data));
    });
    parser.on('opentag', (tag: SaxesTagNS) => {
      if (++this.#depth > this.#maxDepth)
        throw new DuisTooLargeError(
          `elements nested deeper than ${this.#maxDepth}`,
          this.#maxDepth,
          this.#depth,
        );
      let list = NO_ATTRIBUTES;
      const attrs = tag.attributes;
      let out: XmlTreeAttr[] | undefined;
      for (const name in attrs) {
        const a = attrs[name];
        // saxes binds the trimmed value; the DOM (and libxml2) the value as written: refuse the difference.
        if ((a.prefix === 'xmlns' || name === 'xmlns') && a.value !== a.value.trim())
          parser.fail(`namespace name ${JSON.stringify(a.value)} has leading or trailing whitespace.`);
        out ??= [];
        out.push(new XmlTreeAttr(name, a.prefix || null, a.local, a.uri || null, a.value));
      }
      if (out) list = new XmlTreeAttributes(out);
      const e = new XmlTreeElement(tag.name, tag.prefix || null, tag.local, tag.uri || null, list);
      const parent = this.#parent;
      parent.appendChild(e);
      if (parent === this.#doc) this.#doc.documentElement = e;
      this.#parent = e;
    });
    parser.on('closetag', () => {
      this.#depth--;
      const parent = this.#parent.parentNode!;
      this.#parent = parent;
      if (parent === this.#doc) this.#rootClosed = true;
    });
  }

  parse(input: string, maxDepth: number): XmlTreeDocument {
    const doc = new XmlTreeDocument(
      XML_DECL_START.test(input) ? input.slice(0, input.indexOf('?>') + 2) : undefined,
    );
    this.#doc = doc;
    this.#parent = doc;
    this.#maxDepth = maxDepth;
    this.#depth = 0;
    this.#rootClosed = false;
    this.#epilogueText = undefined;
    this.#parser.write(input).close();
    // hold no document between parses
    this.#doc = NO_DOCUMENT;
    this.#parent = NO_DOCUMENT;
    return doc;
  }
}

/** The builder free for the next parse (none while one is in use, or after one threw). */
let idleBuilder: TreeBuilder | undefined;

/**
 * Parses screened XML text into an XmlTreeDocument. `maxDepth` bounds the
 * element nesting (the root is depth 1).
 */
export function parseXmlTree(input: string, maxDepth: number): XmlTreeDocument {
  const builder = idleBuilder ?? new TreeBuilder();
  idleBuilder = undefined;
  const doc = builder.parse(input, maxDepth); // a throw drops the builder: saxes is mid-document
  idleBuilder = builder;
  return doc;
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
