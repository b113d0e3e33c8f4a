import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { XmlDocument as LibxmlDocument, ParseOption } from 'libxml2-wasm';
import { ESME, SUPPLIER_XML_CERT, signedRequest } from '../../test/support/dsp-service.ts';
import { DUIS_DIR } from '../../test/support/fixtures.ts';
import { readInstantaneousImportRegistersBody } from './bodies.ts';
import { DuisSignatureError } from './errors.ts';
import { treeFromLibxml } from './libxml-tree.ts';
import { verifyAndParseDuisRequest, XmlSigningCertificateStore } from './signature.ts';
import { screenXmlText } from './xml.ts';
import {
  parseXmlTree,
  XmlTreeDocument,
  XmlTreeElement,
  type XmlTreeNode,
  type XmlTreeParent,
  type XmlTreeText,
} from './xml-tree.ts';
import { InProcessDuisXsdValidator } from './xsd-inprocess.ts';

const DOCS: Array<[string, string]> = ['templates', 'samples'].flatMap((d) =>
  readdirSync(join(DUIS_DIR, d))
    .sort()
    .map((f): [string, string] => [`${d}/${f}`, readFileSync(join(DUIS_DIR, d, f), 'utf8')]),
);

/** Every member of the tree the DUIS modules read, in one string (attributes in their order). */
function dump(n: XmlTreeNode): string {
  const kids = (p: XmlTreeParent) => {
    let s = '';
    for (let c = p.firstChild; c; c = c.nextSibling) s += dump(c);
    return s;
  };
  if (n instanceof XmlTreeDocument) return `D(${n.xmlDeclaration})[${kids(n)}]`;
  if (n instanceof XmlTreeElement) {
    const attrs = n.attributes.list.map((a) => [a.name, a.prefix, a.localName, a.namespaceURI, a.value]);
    return `E(${n.tagName}|${n.prefix}|${n.localName}|${n.namespaceURI}|${JSON.stringify(attrs)})[${kids(n)}]`;
  }
  return `N${n.nodeType}(${JSON.stringify((n as XmlTreeText).data)})`;
}

/** libxml2's parse of `text` read as the DUIS tree (undefined: not read; libxml2's error: thrown). */
function viaLibxml(text: string, maxDepth = 64) {
  const doc = LibxmlDocument.fromBuffer(Buffer.from(text, 'utf8'), {
    option: ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE,
  });
  try {
    return treeFromLibxml(doc, text, maxDepth);
  } finally {
    doc.dispose();
  }
}

describe('libxml-tree: the DUIS tree read from libxml2', () => {
  it('is the tree saxes builds for every DUIS template and sample', () => {
    assert.ok(DOCS.length > 150);
    for (const [name, xml] of DOCS) {
      const text = screenXmlText(xml);
      const tree = viaLibxml(text);
      assert.ok(tree, name);
      assert.equal(dump(tree), dump(parseXmlTree(text, 64)), name);
    }
  });

  it('reads values, CDATA, comments, references and line ends as saxes does', () => {
    for (const xml of [
      '<a>x<![CDATA[y<]]>z&amp;&lt;&#13;&#x20AC;<!--q-->w&#x10000;é</a>',
      '<?xml version="1.0" encoding="UTF-8"?>\r\n<p:a xmlns:p="urn:p" xmlns="urn:d" xml:lang="en" p:b="1&#9;&amp;&quot;&#10;" c="a\tb\nc\r\nd"><b/><c></c><d> </d><p:e xmlns:p="urn:q"/><f xmlns=""/></p:a>',
      '<?xml version="1.0"?>\n\n <a>\r\n  <b>v\r</b>\n</a>\n\n',
      '<a xmlns:x="relative"><x:b x:c=""/></a>',
    ])
      assert.equal(dump(viaLibxml(xml)!), dump(parseXmlTree(xml, 64)), xml);
  });

  it('puts an element namespace declarations before its other attributes (the one difference)', () => {
    const tree = viaLibxml('<a b="1" xmlns="urn:x"/>')!;
    assert.deepEqual(
      tree.documentElement!.attributes.list.map((a) => a.name),
      ['xmlns', 'b'],
    );
  });

  it('gives no tree where saxes may read or refuse differently (the caller then parses with saxes)', () => {
    for (const xml of [
      '<?xml version="1.1"?><a/>', // a libxml2 warning
      '<!--c--><a/>', // markup outside the root
      '<a/><!--c-->',
      '<a><?pi x?></a>', // saxes refuses processing instructions
      `${'<a>'.repeat(5)}${'</a>'.repeat(5)}`, // deeper than maxDepth (4)
    ])
      assert.equal(viaLibxml(xml, 4), undefined, xml);
    // a namespace name with surrounding whitespace: libxml2 refuses it itself here, saxes too
    assert.throws(() => viaLibxml('<a xmlns:x=" urn:x "/>'));
    assert.throws(() => parseXmlTree('<a xmlns:x=" urn:x "/>', 64));
  });

  it('the in-process XSD hands back the tree of a valid document only when asked, fresh per call', () => {
    const xsd = InProcessDuisXsdValidator.shared();
    const [, xml] = DOCS.find(([n]) => n.startsWith('templates/'))!;
    const plain = xsd.validate(xml);
    assert.equal(plain.valid, true);
    assert.equal(plain.document, undefined);
    const a = xsd.validate(xml, { readTree: true });
    const b = xsd.validate(xml, { readTree: true });
    assert.ok(a.document && b.document && a.document !== b.document);
    assert.equal(dump(a.document), dump(parseXmlTree(screenXmlText(xml), 64)));
    const invalid = xsd.validate(xml.replace(/<sr:CommandVariant>/, '<sr:Bogus/><sr:CommandVariant>'), {
      readTree: true,
    });
    assert.equal(invalid.valid, false);
    assert.equal(invalid.document, undefined);
  });

  it('verifyAndParseDuisRequest verifies and reads the tree it is given (the XSD check parsed the same text)', () => {
    const trust = new XmlSigningCertificateStore([SUPPLIER_XML_CERT]);
    const request = (counter: bigint) =>
      signedRequest({
        target: ESME,
        counter,
        cv: 1,
        srv: '4.1.1',
        body: readInstantaneousImportRegistersBody(),
      });
    const a = request(7n);
    const b = request(8n);
    const xsd = InProcessDuisXsdValidator.shared();
    const parsed = xsd.validate(b, { readTree: true }).document!;
    assert.equal(verifyAndParseDuisRequest(a, trust).request.header.requestId.counter, 7n);
    // given a tree, the text is not parsed again: what is verified and read is the tree
    assert.equal(verifyAndParseDuisRequest(a, trust, { parsed }).request.header.requestId.counter, 8n);
    // and a tree whose signature does not verify is refused like the text would be
    const tampered = xsd.validate(b.replace(':8</sr:RequestID>', ':9</sr:RequestID>'), { readTree: true })
      .document!;
    assert.throws(() => verifyAndParseDuisRequest(a, trust, { parsed: tampered }), DuisSignatureError);
  });
});
