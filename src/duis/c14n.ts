/**
 * Canonical XML 1.0 (inclusive) and Exclusive XML Canonicalization 1.0, both
 * without comments, of an element and its descendants, written in one walk
 * of a parsed document (DUIS.md "XML signatures": a Reference digests the
 * root's Canonical XML 1.0, SignedInfo is signed in its exclusive form).
 * Pure; works on any DOM with the few members `C14nElement` names (the
 * xmldom tree xml.ts parses).
 *
 * What is written, per W3C xml-c14n (section 2.3) and xml-exc-c14n (3):
 * - an element as a start-end pair, its namespace declarations first
 *   (sorted by prefix, the default one first), then its attributes sorted by
 *   namespace URI then local name (unqualified ones first);
 * - inclusive: a declaration is written where its binding differs from the
 *   one in effect on the output parent (so a redundant redeclaration is
 *   dropped, `xmlns=""` only undoes a default namespace), and the apex
 *   writes every namespace in scope, and the `xml:*` attributes it inherits
 *   from its ancestors (section 2.4);
 * - exclusive (no InclusiveNamespaces PrefixList): only the namespaces an
 *   element visibly uses (its own prefix or the default namespace, and its
 *   attributes' prefixes), where an output ancestor has not already written
 *   the same binding;
 * - text and CDATA as text, `&`, `<`, `>` and CR escaped; attribute values
 *   with `&`, `<`, `"`, TAB, LF and CR escaped; comments left out;
 *   processing instructions as `<?target data?>`.
 * `omit` leaves one descendant out with its subtree (the enveloped
 * Signature), which is what the enveloped-signature transform does to a
 * `Reference URI=""`.
 * Tested against xml-crypto and libxml2 on every DUIS template and on
 * namespace, whitespace and escaping edge cases (c14n.test.ts).
 */

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const PROCESSING_INSTRUCTION_NODE = 7;
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** The members of a DOM node the canonicaliser reads. */
export interface C14nNode {
  readonly nodeType: number;
  readonly parentNode: C14nNode | null;
  readonly nextSibling: C14nNode | null;
}
export interface C14nAttr {
  readonly name: string;
  readonly localName: string | null;
  readonly prefix: string | null;
  readonly namespaceURI: string | null;
  readonly value: string;
}
export interface C14nElement extends C14nNode {
  readonly firstChild: C14nNode | null;
  readonly tagName: string;
  readonly prefix: string | null;
  readonly namespaceURI: string | null;
  readonly attributes: { readonly length: number; item(i: number): C14nAttr | null };
}

export type C14nAlgorithm = 'c14n' | 'exc-c14n';

/** Prefix -> namespace URI; '' is the default namespace ('' as URI: none). */
type Bindings = ReadonlyMap<string, string>;
const NO_BINDINGS: Bindings = new Map();

const TEXT_ESCAPE = /[&<>\r]/g;
const TEXT_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\r': '&#xD;',
};
const ATTR_ESCAPE = /[&<"\t\n\r]/g;
const ATTR_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};
const escapeText = (s: string) => (/[&<>\r]/.test(s) ? s.replace(TEXT_ESCAPE, (c) => TEXT_ESCAPES[c]!) : s);
const escapeAttr = (s: string) =>
  /[&<"\t\n\r]/.test(s) ? s.replace(ATTR_ESCAPE, (c) => ATTR_ESCAPES[c]!) : s;

/** Code-point order (what C14N sorts by), not UTF-16 unit order: they differ only above U+FFFF. */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (U+D800-DFFF) stands for a code point above every BMP one.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

const NO_ATTRS: Attribute[] = [];

interface Attribute {
  ns: string;
  local: string;
  qname: string;
  value: string;
}

/** The namespace declarations written on `e` (prefix -> URI) and its other attributes. */
function readAttributes(e: C14nElement): { declared: Map<string, string> | undefined; attrs: Attribute[] } {
  let declared: Map<string, string> | undefined;
  const attrs: Attribute[] = [];
  const list = e.attributes;
  for (let i = 0; i < list.length; i++) {
    const a = list.item(i)!;
    if (a.namespaceURI === XMLNS_NS || a.name === 'xmlns' || a.prefix === 'xmlns') {
      declared ??= new Map();
      declared.set(a.name === 'xmlns' ? '' : a.localName!, a.value);
      continue;
    }
    attrs.push({
      ns: a.namespaceURI ?? '',
      local: a.localName ?? a.name,
      qname: a.name,
      value: a.value,
    });
  }
  return { declared, attrs };
}

/** Every binding in scope on `e` from its ancestors' and its own declarations (the `xml` prefix left out). */
function inScope(e: C14nElement): Map<string, string> {
  const chain: C14nElement[] = [];
  for (let n: C14nNode | null = e; n && n.nodeType === ELEMENT_NODE; n = n.parentNode)
    chain.push(n as C14nElement);
  const scope = new Map<string, string>();
  for (let i = chain.length - 1; i >= 0; i--) {
    const { declared } = readAttributes(chain[i]);
    if (declared) for (const [p, u] of declared) scope.set(p, u);
  }
  scope.delete('xml');
  return scope;
}

/**
 * Writes the binding `p` -> `u` unless the output already has it in effect;
 * returns what is in effect below (a copy of `renderedAbove` on the first change).
 */
function renderNamespace(
  rendered: Bindings,
  renderedAbove: Bindings,
  write: Array<[string, string]>,
  p: string,
  u: string,
): Bindings {
  const current = rendered.get(p) ?? '';
  if (current === u && (p === '' || rendered.has(p))) return rendered;
  const next = rendered === renderedAbove ? new Map(renderedAbove) : (rendered as Map<string, string>);
  next.set(p, u);
  write.push([p, u]);
  return next;
}

function prefixOf(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? '' : qname.slice(0, i);
}

/**
 * The canonical form of `apex` and its descendants (without `omit` and its
 * subtree, if given). Throws a plain Error on a tree it cannot canonicalise
 * (an element whose prefix has no binding): callers wrap it in their own
 * typed error.
 */
export function canonicaliseElement(apex: C14nElement, algorithm: C14nAlgorithm, omit?: C14nNode): string {
  const exclusive = algorithm === 'exc-c14n';
  // What the output's ancestors have written: nothing above the apex.
  const out: string[] = [];
  // The namespaces in scope at the apex's parent, for the apex's exclusive lookups and the inclusive apex rule.
  const parentScope =
    apex.parentNode?.nodeType === ELEMENT_NODE ? inScope(apex.parentNode as C14nElement) : NO_BINDINGS;
  writeElement(apex, parentScope, NO_BINDINGS, true);
  return out.join('');

  function writeElement(
    e: C14nElement,
    scopeAbove: Bindings,
    renderedAbove: Bindings,
    isApex: boolean,
  ): void {
    // Most DUIS elements have no attribute: nothing to read (an apex may inherit xml:* ones below).
    const { declared, attrs } =
      e.attributes.length === 0 && !isApex ? { declared: undefined, attrs: NO_ATTRS } : readAttributes(e);
    let scope = scopeAbove;
    if (declared) {
      const s = new Map(scopeAbove);
      for (const [p, u] of declared) if (p !== 'xml') s.set(p, u);
      scope = s;
    }
    // Namespace declarations to write, and what the output has in effect below this element.
    const write: Array<[string, string]> = [];
    let rendered = renderedAbove;
    if (exclusive) {
      const used = new Set<string>([prefixOf(e.tagName)]);
      for (const a of attrs) {
        const p = prefixOf(a.qname);
        if (p !== '' && p !== 'xml') used.add(p);
      }
      for (const p of used) {
        const u = scope.get(p) ?? '';
        if (p !== '' && u === '') throw new Error(`prefix "${p}" of ${e.tagName} has no namespace binding`);
        rendered = renderNamespace(rendered, renderedAbove, write, p, u);
      }
    } else if (isApex) {
      for (const [p, u] of scope) rendered = renderNamespace(rendered, renderedAbove, write, p, u);
    } else if (declared) {
      for (const [p, u] of declared)
        if (p !== 'xml') rendered = renderNamespace(rendered, renderedAbove, write, p, u);
    }
    write.sort((a, b) => compareCodePoints(a[0], b[0]));
    // C14N 1.0 (inclusive) apex: the xml:* attributes it inherits, unless it has its own.
    if (!exclusive && isApex) {
      for (let n = e.parentNode; n && n.nodeType === ELEMENT_NODE; n = n.parentNode) {
        const inherited = readAttributes(n as C14nElement).attrs;
        for (const a of inherited)
          if (a.ns === XML_NS && !attrs.some((b) => b.ns === XML_NS && b.local === a.local)) attrs.push(a);
      }
    }
    if (attrs.length > 1)
      attrs.sort((a, b) => compareCodePoints(a.ns, b.ns) || compareCodePoints(a.local, b.local));
    let start = `<${e.tagName}`;
    for (const [p, u] of write)
      start += p === '' ? ` xmlns="${escapeAttr(u)}"` : ` xmlns:${p}="${escapeAttr(u)}"`;
    for (const a of attrs) start += ` ${a.qname}="${escapeAttr(a.value)}"`;
    out.push(`${start}>`);
    for (let c = e.firstChild; c; c = c.nextSibling) {
      if (c === omit) continue;
      switch (c.nodeType) {
        case ELEMENT_NODE:
          writeElement(c as C14nElement, scope, rendered, false);
          break;
        case TEXT_NODE:
        case CDATA_SECTION_NODE:
          out.push(escapeText((c as unknown as { data: string }).data));
          break;
        case PROCESSING_INSTRUCTION_NODE: {
          const pi = c as unknown as { target: string; data: string };
          out.push(pi.data === '' ? `<?${pi.target}?>` : `<?${pi.target} ${pi.data}?>`);
          break;
        }
        // comments (and anything else) are not part of the canonical form without comments
      }
    }
    out.push(`</${e.tagName}>`);
  }
}
