import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { XmlDocument } from 'libxml2-wasm';
import { DUIS_DIR } from '../../test/support/fixtures.ts';
import { canonicaliseElement } from './c14n.ts';
import { DuisForbiddenMarkupError, DuisMalformedError, DuisTooLargeError } from './errors.ts';
import { DuisSaxesParser, parseXmlTree, serialiseXmlTree, type XmlTreeElement } from './xml-tree.ts';

const DOCS: Array<[string, string]> = ['templates', 'samples'].flatMap((d) =>
  readdirSync(join(DUIS_DIR, d))
    .sort()
    .map((f): [string, string] => [`${d}/${f}`, readFileSync(join(DUIS_DIR, d, f), 'utf8')]),
);

/** libxml2 accepts it (as a namespace-well-formed document). */
function libxml2Accepts(xml: string): boolean {
  try {
    XmlDocument.fromString(xml).dispose();
    return true;
  } catch {
    return false;
  }
}

describe('xml-tree: the parser', () => {
  it('reads every DUIS template and sample as xmldom does (same tree, written back the same)', () => {
    assert.ok(DOCS.length > 150);
    for (const [name, xml] of DOCS) {
      const doc = parseXmlTree(xml, 64);
      const dom = new DOMParser().parseFromString(xml, 'application/xml');
      assert.equal(
        serialiseXmlTree(doc.documentElement!),
        new XMLSerializer().serializeToString(dom.documentElement!).replaceAll('\r', '&#13;'),
        name,
      );
      assert.equal(canonicaliseElement(doc.documentElement!, 'c14n'), lx(xml), name);
    }
  });

  it('names, namespaces and attributes as the DOM gives them', () => {
    const doc = parseXmlTree(
      '<?xml version="1.0" encoding="UTF-8"?><a:r xmlns:a="urn:a" xmlns="urn:d" k="1" a:k="2"><e xmlns="">t&amp;&#x41;<![CDATA[<c>]]></e><f/></a:r>',
      64,
    );
    const r = doc.documentElement!;
    assert.deepEqual([r.tagName, r.prefix, r.localName, r.namespaceURI], ['a:r', 'a', 'r', 'urn:a']);
    assert.equal(r.getAttribute('k'), '1');
    assert.equal(r.getAttribute('a:k'), '2');
    assert.equal(r.getAttributeNS('urn:a', 'k'), '2');
    assert.equal(r.getAttribute('missing'), null);
    const attrs = Array.from({ length: r.attributes.length }, (_, i) => r.attributes.item(i)!);
    assert.deepEqual(
      attrs.map((a) => [a.name, a.namespaceURI]),
      [
        ['xmlns:a', 'http://www.w3.org/2000/xmlns/'],
        ['xmlns', 'http://www.w3.org/2000/xmlns/'],
        ['k', null],
        ['a:k', 'urn:a'],
      ],
    );
    const e = r.firstChild as XmlTreeElement;
    assert.equal(e.namespaceURI, null);
    assert.deepEqual(
      [e.firstChild!.nodeType, (e.firstChild as unknown as { data: string }).data],
      [3, 't&A'],
    );
    assert.equal(e.lastChild!.nodeType, 4);
    assert.equal((e.nextSibling as XmlTreeElement).namespaceURI, 'urn:d');
    assert.equal(r.getElementsByTagNameNS('urn:d', 'f').length, 1);
    assert.equal(doc.xmlDeclaration, '<?xml version="1.0" encoding="UTF-8"?>');
  });

  it('normalises line ends and literal whitespace in attribute values, keeps references', () => {
    const r = parseXmlTree('<r a="x\ty\nz&#9;&#10;&#13;">l1\r\nl2\rl3&#13;</r>', 64).documentElement!;
    assert.equal(r.getAttribute('a'), 'x y z\t\n\r');
    assert.equal((r.firstChild as unknown as { data: string }).data, 'l1\nl2\nl3\r');
  });

  it('refuses what is not well-formed, as libxml2 does', () => {
    const bad = [
      '<r>',
      '<r></s>',
      '<r><a></r></a>',
      '<r/><r/>',
      '<r/>text',
      '<r></r></r>',
      'text<r/>',
      '<r a="1" a="2"/>',
      '<r xmlns:p="urn:x" xmlns:q="urn:x" p:a="1" q:a="2"/>',
      '<r a=1/>',
      '<r a="<"/>',
      '<r a="1"b="2"/>',
      '<p:r/>',
      '<r p:a="1"/>',
      '<r xmlns:p=""/>',
      '<r xmlns:xmlns="urn:x"/>',
      '<r xmlns:xml="urn:x"/>',
      '<r xmlns:p="http://www.w3.org/XML/1998/namespace"/>',
      '<r>&nbsp;</r>',
      '<r>&#0;</r>',
      '<r>&#xD800;</r>',
      '<r>& </r>',
      '<r>]]></r>',
      '<r><!-- a -- b --></r>',
      '<r><!-- a ---></r>',
      '<r><![CDATA[x</r>',
      '<1r/>',
      '<r:/>',
      '<:r/>',
      '<a:b:c xmlns:a="urn:a"/>',
      '<r>< /r>',
      ' <?xml version="1.0"?><r/>',
      '<?xml version="2.0"?><r/>',
      '<?xml encoding="UTF-8"?><r/>',
      '',
    ];
    for (const xml of bad) {
      assert.equal(libxml2Accepts(xml), false, `libxml2 accepts ${JSON.stringify(xml)}`);
      assert.throws(() => parseXmlTree(xml, 64), DuisMalformedError, JSON.stringify(xml));
    }
  });

  it('accepts what is well-formed, as libxml2 does', () => {
    const good = [
      '<r/>',
      '<r ></r >',
      '<?xml version="1.0"?>\n<!-- c --><r a = "1" b=\'"\'/>\n<!-- d -->\n',
      '<r xmlns="urn:d"><e xmlns=""/></r>',
      '<r xml:lang="en" xmlns:xml="http://www.w3.org/XML/1998/namespace"/>',
      '<r>]] &gt; ]&gt;<![CDATA[]]]]><![CDATA[>]]></r>',
      '<r>&#x1F600;&#65;</r>',
      '<\u00e9l\u00e9ment attr\u00b7ibut="1"/>',
    ];
    for (const xml of good) {
      assert.equal(libxml2Accepts(xml), true, `libxml2 refuses ${JSON.stringify(xml)}`);
      assert.doesNotThrow(() => parseXmlTree(xml, 64), JSON.stringify(xml));
    }
  });

  it('refuses processing instructions and nesting deeper than the limit with their own errors', () => {
    assert.throws(() => parseXmlTree('<r><?pi x?></r>', 64), DuisForbiddenMarkupError);
    assert.throws(() => parseXmlTree('<?pi x?><r/>', 64), DuisForbiddenMarkupError);
    assert.throws(() => parseXmlTree('<r/><?pi x?>', 64), DuisForbiddenMarkupError);
    assert.throws(() => parseXmlTree('<a><b><c/></b></a>', 2), DuisTooLargeError);
    assert.doesNotThrow(() => parseXmlTree('<a><b><c/></b></a>', 3));
  });

  it('parses each document afresh, also right after one that failed half-way (the saxes parser is reused)', () => {
    const good = '<?xml version="1.0"?>\n<r xmlns="urn:a"><a x="1">t</a><!-- c --></r>';
    const written = serialiseXmlTree(parseXmlTree(good, 64));
    assert.equal(written, good);
    const bad = [
      '<r><a></b></r>',
      '<r><?pi x?></r>',
      '<a><b><c/></b></a>',
      '<r xmlns="urn:d "/>',
      '<r><a>',
      '<r/><r/>',
      '<r>&bogus;</r>',
    ];
    for (const xml of bad) {
      assert.throws(() => parseXmlTree(xml, 2), xml);
      assert.equal(serialiseXmlTree(parseXmlTree(good, 64)), written, `after ${xml}`);
      // an unfinished document's line count, depth, namespaces and root are not carried over
      assert.throws(
        () => parseXmlTree('<r>\n  <a></b>\n</r>', 64),
        /unexpected close tag\. \(line 2, column 9\)/,
        `after ${xml}`,
      );
      assert.doesNotThrow(() => parseXmlTree('<a><b/></a>', 2), `after ${xml}`);
    }
    const one = parseXmlTree('<r><a/></r>', 64);
    const two = parseXmlTree('<s/>', 64);
    assert.equal(serialiseXmlTree(one), '<r><a/></r>');
    assert.equal(serialiseXmlTree(two), '<s/>');
  });

  it('says where the fault is', () => {
    // saxes reports where it found the fault: the end of the end tag.
    assert.throws(
      () => parseXmlTree('<r>\n  <a></b>\n</r>', 64),
      /unexpected close tag\. \(line 2, column 9\)/,
    );
  });

  it('refuses a DOCTYPE (also refused by the screen before parsing)', () => {
    assert.throws(() => parseXmlTree('<!DOCTYPE r><r/>', 64), DuisForbiddenMarkupError);
  });

  it('on top of saxes: a namespace name with surrounding whitespace is refused, as libxml2 does', () => {
    const xml = '<r xmlns:ds=" http://www.w3.org/2000/09/xmldsig#"><ds:s/></r>';
    // libxml2 refuses it too (not a valid URI); saxes alone would accept it and bind the trimmed value.
    assert.equal(libxml2Accepts(xml), false);
    assert.throws(() => parseXmlTree(xml, 64), DuisMalformedError);
    assert.throws(() => parseXmlTree('<r xmlns="urn:d "/>', 64), /leading or trailing whitespace/);
  });

  it('on top of saxes: a 1.1 declaration is read as XML 1.0 (no 1.1 line ends)', () => {
    const r = parseXmlTree('<?xml version="1.1"?><r>a\u0085b\u2028c</r>', 64).documentElement!;
    assert.equal((r.firstChild as unknown as { data: string }).data, 'a\u0085b\u2028c');
  });

  it('keeps whitespace and comments around the root, not the whitespace at the very end', () => {
    const doc = parseXmlTree('<?xml version="1.0"?>\n<!-- a -->\n<r/>\n<!-- b -->\n', 64);
    assert.equal(serialiseXmlTree(doc), '<?xml version="1.0"?>\n<!-- a -->\n<r/>\n<!-- b -->');
  });

  it('moves nodes: removeChild and insertBefore keep the sibling links', () => {
    const r = parseXmlTree('<r><a/><b/><c/></r>', 64).documentElement!;
    const b = r.firstChild!.nextSibling!;
    r.removeChild(b);
    assert.equal(serialiseXmlTree(r), '<r><a/><c/></r>');
    r.insertBefore(b, r.firstChild);
    assert.equal(serialiseXmlTree(r), '<r><b/><a/><c/></r>');
    r.appendChild(r.firstChild!);
    assert.equal(serialiseXmlTree(r), '<r><a/><c/><b/></r>');
    assert.equal(r.lastChild, b);
    assert.equal(b.previousSibling!.nextSibling, b);
  });
});

function lx(xml: string): string {
  const d = XmlDocument.fromString(xml);
  try {
    return d.canonicalizeToString({ mode: 0 });
  } finally {
    d.dispose();
  }
}

describe('xml-tree: the saxes parser', () => {
  it('keeps fast properties with every handler set (a dictionary-mode parser parsed about four times slower)', () => {
    setFlagsFromString('--allow-natives-syntax');
    const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
    const p = new DuisSaxesParser();
    for (const ev of [
      'xmldecl',
      'text',
      'processinginstruction',
      'doctype',
      'comment',
      'opentagstart',
      'attribute',
      'opentag',
      'closetag',
      'cdata',
      'error',
      'end',
      'ready',
    ] as const)
      p.on(ev, () => {});
    p.write('<a xmlns="urn:x" b="1">t</a>').close();
    assert.equal(hasFastProperties(p), true);
  });
});
