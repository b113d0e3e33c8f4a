import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { type XmlElement as LxElement, XmlC14NMode, XmlDocument } from 'libxml2-wasm';
import { C14nCanonicalization, ExclusiveCanonicalization } from 'xml-crypto';
import { DUIS_DIR } from '../../test/support/fixtures.ts';
import { type C14nAlgorithm, canonicaliseElement } from './c14n.ts';
import { elementChildren, parseXmlDocument, type XmlElement } from './xml.ts';

const TEMPLATES = join(DUIS_DIR, 'templates');
const SAMPLES = join(DUIS_DIR, 'samples');
const DOCS: Array<[string, string]> = [
  ...readdirSync(TEMPLATES)
    .sort()
    .map((f): [string, string] => [f, readFileSync(join(TEMPLATES, f), 'utf8')]),
  ...readdirSync(SAMPLES)
    .sort()
    .map((f): [string, string] => [`samples/${f}`, readFileSync(join(SAMPLES, f), 'utf8')]),
];

const MODE = { c14n: XmlC14NMode.XML_C14N_1_0, 'exc-c14n': XmlC14NMode.XML_C14N_EXCLUSIVE_1_0 } as const;

/** Every element of a tree, in document order, with its index path (to find the same one in libxml2). */
function elements(root: XmlElement): Array<[XmlElement, number[]]> {
  const out: Array<[XmlElement, number[]]> = [];
  const walk = (e: XmlElement, path: number[]) => {
    out.push([e, path]);
    elementChildren(e).forEach((c, i) => {
      walk(c, [...path, i]);
    });
  };
  walk(root, []);
  return out;
}

/** libxml2's canonical form of the element at `path` (element-child indexes from the root). */
function libxml2(xml: string, paths: number[][], algorithm: C14nAlgorithm): string[] {
  const doc = XmlDocument.fromString(xml);
  try {
    return paths.map((path) => {
      let e = doc.root as LxElement;
      for (const i of path) {
        let k = -1;
        let c = e.firstChild;
        for (; c; c = c.next) if (c instanceof (doc.root.constructor as typeof LxElement) && ++k === i) break;
        e = c as LxElement;
      }
      return e.canonicalizeToString({ mode: MODE[algorithm] });
    });
  } finally {
    doc.dispose();
  }
}

function xmlCrypto(e: import('@xmldom/xmldom').Element, algorithm: C14nAlgorithm): string {
  const c = algorithm === 'c14n' ? new C14nCanonicalization() : new ExclusiveCanonicalization();
  return c.process(e as unknown as Element, {}) as string;
}

/**
 * Checks the elements of `xml` (all of them, or those no deeper than `depth`) in both forms against
 * libxml2, and the root against xml-crypto (unless `xmlCryptoToo` is false).
 */
function agrees(name: string, xml: string, { depth = Infinity, xmlCryptoToo = true } = {}) {
  const root = parseXmlDocument(xml).documentElement!;
  const all = elements(root).filter(([, p]) => p.length <= depth);
  for (const algorithm of ['c14n', 'exc-c14n'] as const) {
    const expected = libxml2(
      xml,
      all.map(([, p]) => p),
      algorithm,
    );
    all.forEach(([e, path], i) => {
      assert.equal(canonicaliseElement(e, algorithm), expected[i], `${name} ${algorithm} /${path.join('/')}`);
    });
    if (xmlCryptoToo)
      assert.equal(
        canonicaliseElement(root, algorithm),
        xmlCrypto(new DOMParser().parseFromString(xml, 'application/xml').documentElement!, algorithm),
        `${name} ${algorithm} xml-crypto`,
      );
  }
}

describe('c14n: Canonical XML 1.0 and Exclusive C14N as libxml2 and xml-crypto write them', () => {
  it('every DUIS template and sample as it is (layout, comments, signatures): root, Header, Body, Signature, their children', () => {
    assert.ok(DOCS.length > 150);
    for (const [name, xml] of DOCS) agrees(name, xml, { depth: 2 });
  });

  it('every element of the DUIS samples and of a tenth of the templates', () => {
    DOCS.forEach(([name, xml], i) => {
      if (name.startsWith('samples/') || i % 10 === 0) agrees(name, xml);
    });
  });

  it('namespaces: redeclared, rebound, default and undone, on attributes, sorted', () => {
    agrees(
      'namespaces',
      `<?xml version="1.0"?><a:r xmlns:a="urn:a" xmlns:b="urn:b" xmlns="urn:d" z="1" b:y="2" a:y="3" y="4">` +
        `<a:x xmlns:a="urn:a" xmlns:c="urn:c"><c:in c:k="v" a:k="w" k="u"/></a:x>` +
        `<plain><inner xmlns=""><deeper xmlns="urn:e" xmlns:b="urn:b2"><b:q/></deeper></inner></plain>` +
        `<b:only xmlns:unused="urn:u"/></a:r>`,
    );
    agrees('default only below', `<r><s xmlns="urn:s"><t xmlns=""/></s><u xmlns=""/></r>`);
    // an attribute in a namespace the element does not use: exclusive writes it where the attribute is
    agrees('attribute namespace', `<r xmlns:p="urn:p"><e p:a="1"><f/></e></r>`);
  });

  it('entities, character references and whitespace in text and attribute values', () => {
    agrees(
      'escapes',
      '<r a="&amp;&lt;&gt;&quot;&apos;&#13;&#9;&#10;&#xD;" b="lit\ttab\nnl\r\ncrlf" c=\'"q"\'>' +
        '&amp;&lt;&gt;&quot;&apos;&#13;&#xD;&#9;&#10; text\r\nCRLF\rCR ]] &gt; ' +
        '<![CDATA[cdata & < > ]] \r\n]]>' +
        '<e>  </e>\n\t<f>\u00e9\u{1F600}\u20ac</f>\n</r>',
    );
    agrees('empty', '<r><e/><e></e><e a=""/></r>');
    agrees('comments', '<!-- before --><r><!-- in --><e>x<!-- mid -->y</e></r><!-- after -->');
  });

  it('xml:* attributes are inherited by a Canonical XML 1.0 apex, not an exclusive one', () => {
    agrees('xml attrs', '<r xml:lang="en" xml:space="preserve"><e xml:lang="cy"><f a="1"/></e><g/></r>');
  });

  it('processing instructions inside the element are written (as libxml2 writes this document)', () => {
    // xml.ts refuses processing instructions in DUIS input; xmldom parses them.
    const root = new DOMParser().parseFromString(
      '<r><?pi data  here?><e><?empty?></e></r>',
      'application/xml',
    ).documentElement!;
    for (const algorithm of ['c14n', 'exc-c14n'] as const) {
      // (xml-crypto refuses processing instructions)
      assert.equal(canonicaliseElement(root, algorithm), '<r><?pi data  here?><e><?empty?></e></r>');
    }
  });

  it('leaves out the omitted node and its subtree (the enveloped Signature)', () => {
    const doc = parseXmlDocument('<r xmlns:ds="urn:ds"><a>1</a><ds:Signature><ds:x/></ds:Signature><b/></r>');
    const root = doc.documentElement!;
    const sig = elementChildren(root)[1];
    assert.equal(canonicaliseElement(root, 'c14n', sig), '<r xmlns:ds="urn:ds"><a>1</a><b></b></r>');
    assert.equal(canonicaliseElement(root, 'exc-c14n', sig), '<r><a>1</a><b></b></r>');
  });

  it('orders names by code point, not UTF-16 unit (U+10000 after U+FFFD)', () => {
    // xml-crypto sorts by UTF-16 unit here; C14N (2.2) and libxml2 by code point
    agrees('astral attribute names', '<r \u{10000}="1" \uFF21="2" a="3"/>', { xmlCryptoToo: false });
  });

  it('refuses a prefix without a binding', () => {
    // no parser builds this (an unbound prefix is not well-formed): a hand-made element
    const e = {
      nodeType: 1,
      parentNode: null,
      firstChild: null,
      nextSibling: null,
      tagName: 'p:r',
      prefix: 'p',
      namespaceURI: null,
      attributes: { length: 0, item: () => null },
    };
    assert.throws(() => canonicaliseElement(e, 'exc-c14n'), /no namespace binding/);
  });
});
