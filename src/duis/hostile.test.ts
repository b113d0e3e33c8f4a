import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DUIS_DIR } from '../../test/support/fixtures.ts';
import { DuisError, type DuisErrorCode, dspRejection } from './errors.ts';
import { parseDuisRequest } from './request.ts';
import { parseDuisResponse } from './response.ts';
import { verifyDuisSignature, XmlSigningCertificateStore } from './signature.ts';

const TEMPLATE = readFileSync(join(DUIS_DIR, 'templates', 'CS01a_2.2_SUCCESS_REQUEST_DUIS.XML'), 'utf8');
const RESPONSE = readFileSync(join(DUIS_DIR, 'samples', 'readfw-response.xml'), 'utf8');
const SR = 'http://www.dccinterface.co.uk/ServiceUserGateway';

function code(fn: () => unknown): DuisErrorCode {
  try {
    fn();
  } catch (e) {
    if (e instanceof DuisError) return e.code;
    throw new Error(`untyped error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  throw new Error('no error');
}
const req = (xml: string | Uint8Array, opts = {}) => code(() => parseDuisRequest(xml, opts));

function minimal(body: string, header?: string): string {
  return (
    `<sr:Request xmlns:sr="${SR}" schemaVersion="5.4"><sr:Header>` +
    (header ??
      '<sr:RequestID>90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1</sr:RequestID><sr:CommandVariant>1</sr:CommandVariant><sr:ServiceReference>4.1</sr:ServiceReference><sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>') +
    `</sr:Header><sr:Body>${body}</sr:Body></sr:Request>`
  );
}

describe('hostile input gives typed errors', () => {
  it('accepts the minimal request these cases start from', () => {
    assert.equal(
      parseDuisRequest(minimal('<sr:ReadInstantaneousImportRegisters/>')).header.requestId.counter,
      1n,
    );
  });

  it('size: over the limit before parsing (default 1 MiB, configurable), string and bytes', () => {
    const big = TEMPLATE.replace('<sr:Header>', `<!--${'x'.repeat(1024 * 1024)}--><sr:Header>`);
    assert.equal(req(big), 'DUIS_TOO_LARGE');
    assert.equal(req(Buffer.from(big)), 'DUIS_TOO_LARGE');
    assert.equal(req(TEMPLATE, { maxBytes: 1000 }), 'DUIS_TOO_LARGE');
    assert.equal(parseDuisRequest(TEMPLATE, { maxBytes: 4000 }).header.serviceReferenceVariant, '2.2');
    // Multi-byte characters count as bytes, not UTF-16 units.
    assert.equal(req(`${'é'.repeat(600)}`, { maxBytes: 1000 }), 'DUIS_TOO_LARGE');
  });

  it('DOCTYPE, entity declarations (billion laughs, XXE) and processing instructions are refused', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>';
    assert.equal(req(laughs), 'DUIS_FORBIDDEN_MARKUP');
    assert.equal(
      req('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'),
      'DUIS_FORBIDDEN_MARKUP',
    );
    assert.equal(req('<!DOCTYPE r SYSTEM "http://example.com/x.dtd"><r/>'), 'DUIS_FORBIDDEN_MARKUP');
    assert.equal(req(TEMPLATE.replace('<sr:Header>', '<!DOCTYPE x><sr:Header>')), 'DUIS_FORBIDDEN_MARKUP');
    assert.equal(
      req(`<?xml-stylesheet href="x"?>${minimal('<sr:ReadInstantaneousImportRegisters/>')}`),
      'DUIS_FORBIDDEN_MARKUP',
    );
    assert.equal(req(minimal('<?pi x?><sr:ReadInstantaneousImportRegisters/>')), 'DUIS_FORBIDDEN_MARKUP');
    // An undeclared entity reference is not well-formed.
    assert.equal(
      req(minimal('<sr:ReadInstantaneousImportRegisters>&foo;</sr:ReadInstantaneousImportRegisters>')),
      'DUIS_MALFORMED',
    );
  });

  it('deep nesting is refused without recursion trouble', () => {
    const deep = (n: number) => minimal(`${'<sr:X>'.repeat(n)}${'</sr:X>'.repeat(n)}`);
    assert.equal(req(deep(100)), 'DUIS_TOO_LARGE');
    assert.equal(req(deep(50_000)), 'DUIS_TOO_LARGE');
    assert.equal(req(deep(100), { maxDepth: 200 }), 'DUIS_SCHEMA_INVALID'); // deep but then not a DUIS body
  });

  it('wrong root element or namespace', () => {
    assert.equal(
      req(TEMPLATE.replaceAll('ServiceUserGateway', 'ServiceUserGatewayX')),
      'DUIS_SCHEMA_INVALID',
    );
    assert.equal(
      req(minimal('<sr:ReadInstantaneousImportRegisters/>').replaceAll('sr:Request', 'sr:Requests')),
      'DUIS_SCHEMA_INVALID',
    );
    assert.equal(
      code(() => parseDuisResponse(TEMPLATE)),
      'DUIS_SCHEMA_INVALID',
    );
    assert.equal(req(RESPONSE), 'DUIS_SCHEMA_INVALID');
    assert.equal(req(`<Request xmlns="${SR}" schemaVersion="5.4"/>`), 'DUIS_SCHEMA_INVALID');
    assert.equal(req(minimal('<ReadInstantaneousImportRegisters/>')), 'DUIS_SCHEMA_INVALID'); // no namespace
  });

  it('two bodies, two body elements, extra root children, text in structure', () => {
    const two = TEMPLATE.replace(/(<sr:Body>[\s\S]*<\/sr:Body>)/, '$1$1');
    assert.equal(req(two), 'DUIS_SCHEMA_INVALID');
    assert.equal(
      req(minimal('<sr:ReadInstantaneousImportRegisters/><sr:ReadInstantaneousImportRegisters/>')),
      'DUIS_SCHEMA_INVALID',
    );
    assert.equal(req(minimal('')), 'DUIS_SCHEMA_INVALID');
    assert.equal(req(minimal('text<sr:ReadInstantaneousImportRegisters/>')), 'DUIS_SCHEMA_INVALID');
    assert.equal(
      req(minimal('<sr:TopUpDevice><sr:UTRN>73946144332040217315</sr:UTRN></sr:TopUpDevice>')),
      'DUIS_SCHEMA_INVALID',
    );
    assert.equal(
      req(
        minimal(
          '<sr:ReadInstantaneousImportRegisters>x<sr:ExecutionDateTime/></sr:ReadInstantaneousImportRegisters>',
        ),
      ),
      'DUIS_SCHEMA_INVALID',
    );
    assert.equal(req(TEMPLATE.replace('</sr:Request>', '<sr:More/></sr:Request>')), 'DUIS_SCHEMA_INVALID');
  });

  it('header fields: order, presence, values', () => {
    const h = (s: string) => req(minimal('<sr:ReadInstantaneousImportRegisters/>', s));
    const id = '<sr:RequestID>90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1</sr:RequestID>';
    const rest =
      '<sr:CommandVariant>1</sr:CommandVariant><sr:ServiceReference>4.1</sr:ServiceReference><sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>';
    assert.equal(h(rest), 'DUIS_SCHEMA_INVALID'); // no RequestID
    assert.equal(h(rest + id), 'DUIS_SCHEMA_INVALID'); // out of order
    assert.equal(h(id + id + rest), 'DUIS_SCHEMA_INVALID'); // repeated
    assert.equal(h(id.replace(':1<', ':18446744073709551616<') + rest), 'DUIS_SCHEMA_INVALID'); // counter > 2^64-1
    assert.equal(h(id.replace(':1<', ':01<') + rest), 'DUIS_SCHEMA_INVALID'); // leading zero
    assert.equal(h(id.replace('90-B3', '90B3') + rest), 'DUIS_SCHEMA_INVALID');
    assert.equal(h(id + rest.replace('>1<', '>9<')), 'DUIS_SCHEMA_INVALID');
    assert.equal(h(id + rest.replace('>4.1<', '>4.2<')), 'DUIS_SCHEMA_INVALID'); // SR does not match SRV
    assert.equal(h(id + rest.replaceAll('4.1.1', '4.1.9')), 'DUIS_SCHEMA_INVALID');
    assert.equal(h(`${id}<sr:FirstInSequence>maybe</sr:FirstInSequence>${rest}`), 'DUIS_SCHEMA_INVALID');
    assert.equal(h(id + rest.replace('>1<', '>4<')), 'DUIS_COMMAND_VARIANT_NOT_ALLOWED');
    const max = id.replace(':1<', ':18446744073709551615<');
    assert.equal(
      parseDuisRequest(minimal('<sr:ReadInstantaneousImportRegisters/>', max + rest)).header.requestId
        .counter,
      2n ** 64n - 1n,
    );
  });

  it('malformed XML, bad encodings and characters', () => {
    assert.equal(req(''), 'DUIS_MALFORMED');
    assert.equal(req('   '), 'DUIS_MALFORMED');
    assert.equal(req('<sr:Request'), 'DUIS_MALFORMED');
    assert.equal(req(TEMPLATE.replace('</sr:Header>', '')), 'DUIS_MALFORMED');
    assert.equal(req(minimal('<sr:ReadInstantaneousImportRegisters a="1" a="2"/>')), 'DUIS_MALFORMED');
    assert.equal(req(new Uint8Array([0x3c, 0x61, 0xff, 0xfe, 0x3e])), 'DUIS_MALFORMED');
    assert.equal(
      req(minimal('<sr:ReadInstantaneousImportRegisters>\u0001</sr:ReadInstantaneousImportRegisters>')),
      'DUIS_MALFORMED',
    );
    assert.equal(req(`${minimal('<sr:X/>')}\uD800`), 'DUIS_MALFORMED');
    assert.equal(
      req(`<?xml version="1.0" encoding="ISO-8859-1"?>${minimal('<sr:ReadInstantaneousImportRegisters/>')}`),
      'DUIS_MALFORMED',
    );
    assert.equal(req('<a:b/>'), 'DUIS_MALFORMED'); // unbound prefix
    // an end tag after the root has closed (xmldom alone takes it for the root's own end tag)
    const ok = minimal('<sr:ReadInstantaneousImportRegisters/>');
    assert.equal(req(`${ok}</sr:Request>`), 'DUIS_MALFORMED');
    assert.equal(req(`${ok}<!-- c --></sr:Request>`), 'DUIS_MALFORMED');
    assert.equal(req(`${ok}</sr:Other>`), 'DUIS_MALFORMED');
    parseDuisRequest(`${ok}<!-- after the root: a comment and whitespace are fine -->\n`);
    // A UTF-8 BOM is fine.
    parseDuisRequest(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEMPLATE)]));
  });

  it('maps every error to how the DSP answers', () => {
    const cases: Array<[DuisErrorCode, number]> = [
      ['DUIS_TOO_LARGE', 413],
      ['DUIS_MALFORMED', 400],
      ['DUIS_FORBIDDEN_MARKUP', 400],
      ['DUIS_SCHEMA_INVALID', 400],
      ['DUIS_SIGNATURE_INVALID', 401],
      ['DUIS_UNKNOWN_SIGNER', 401],
      ['DUIS_UNSUPPORTED', 501],
    ];
    for (const [c, status] of cases) assert.equal(dspRejection(new DuisError(c, 'x')).httpStatus, status, c);
    const cv = dspRejection(new DuisError('DUIS_COMMAND_VARIANT_NOT_ALLOWED', 'x'));
    assert.deepEqual([cv.httpStatus, cv.responseCode], [200, 'E12']);
  });
});

describe('fuzz (fast-check, seeded): parsers and verifier never throw untyped errors', () => {
  const trust = new XmlSigningCertificateStore();
  const all = (input: string | Uint8Array) => {
    for (const f of [
      () => parseDuisRequest(input),
      () => parseDuisResponse(input),
      () => verifyDuisSignature(input, trust),
    ]) {
      try {
        f();
      } catch (e) {
        if (!(e instanceof DuisError)) throw e;
      }
    }
  };

  it('random strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => all(s)),
      { seed: 5, numRuns: 1500 },
    );
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => all(b)),
      { seed: 6, numRuns: 1500 },
    );
  });

  it('random XML-ish text built from DUIS tokens', () => {
    const token = fc.constantFrom(
      '<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">',
      '</sr:Request>',
      '<sr:Header>',
      '</sr:Header>',
      '<sr:Body>',
      '</sr:Body>',
      '<sr:RequestID>90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1</sr:RequestID>',
      '<sr:CommandVariant>1</sr:CommandVariant>',
      '<sr:ServiceReference>2.2</sr:ServiceReference>',
      '<sr:ServiceReferenceVariant>2.2</sr:ServiceReferenceVariant>',
      '<sr:TopUpDevice>',
      '</sr:TopUpDevice>',
      '<sr:UTRN>73946144332040217315</sr:UTRN>',
      '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">',
      '</ds:Signature>',
      '<ds:SignedInfo>',
      '</ds:SignedInfo>',
      '&amp;',
      '&#0;',
      '<!-- c -->',
      '<![CDATA[x]]>',
      ' ',
      'x',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (ts) => all(ts.join(''))),
      { seed: 7, numRuns: 1500 },
    );
  });

  it('single-character edits of a template and of the signed sample', () => {
    const edit = (src: string) =>
      fc
        .tuple(fc.nat({ max: src.length - 1 }), fc.string({ maxLength: 3 }))
        .map(([i, s]) => src.slice(0, i) + s + src.slice(i + 1));
    fc.assert(
      fc.property(edit(TEMPLATE), (s) => all(s)),
      { seed: 8, numRuns: 500 },
    );
    fc.assert(
      fc.property(edit(RESPONSE), (s) => all(s)),
      { seed: 9, numRuns: 500 },
    );
  });
});
