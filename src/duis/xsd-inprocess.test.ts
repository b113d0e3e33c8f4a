/**
 * In-process XSD validation (libxml2-wasm) against the reference, xmllint:
 * the same verdict (and, for well-formed documents, the same messages) on
 * every fixture, on hand-made invalid documents and on seeded mutations of
 * every template; screening; disposal; bounded WASM memory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { diag } from 'libxml2-wasm';
import { DUIS_DIR } from '../../test/support/fixtures.ts';
import { SeededRandom } from '../runtime/random.ts';
import { readInstantaneousImportRegistersBody } from './bodies.ts';
import { DuisError, DuisXsdUnavailableError } from './errors.ts';
import { buildDuisRequest } from './request.ts';
import { buildDuisResponse } from './response.ts';
import { signDuisXml, xmlSigner } from './signature.ts';
import { DuisXsdValidator, type XsdValidationResult } from './xsd.ts';
import { InProcessDuisXsdValidator, validateAgainstDuisXsdInProcess } from './xsd-inprocess.ts';

const xmllint = new DuisXsdValidator();
const inProcess = InProcessDuisXsdValidator.shared();

const fixtures: Array<[string, string]> = ['templates', 'samples'].flatMap((dir) =>
  readdirSync(join(DUIS_DIR, dir))
    .sort()
    .map((f): [string, string] => [`${dir}/${f}`, readFileSync(join(DUIS_DIR, dir, f), 'utf8')]),
);

/** `-:LINE: element NAME:` of each message: the wording can differ between libxml2 versions, not the place. */
const places = (r: XsdValidationResult) =>
  r.errors.map((e) => /^-:\d+: (?:element \w+: )?/.exec(e)?.[0] ?? e);

/**
 * Both validators on the same documents (xmllint in one run); asserts the
 * same verdict and, per `messages`, the same messages or the same places.
 */
function assertAgree(
  docs: ReadonlyArray<[string, string]>,
  messages: 'same' | 'same places' | 'any' = 'same',
): XsdValidationResult[] {
  const reference = xmllint.validateMany(docs.map(([, x]) => x));
  return docs.map(([name, xml], i) => {
    const ours = inProcess.validate(xml);
    assert.equal(ours.valid, reference[i].valid, `${name}: verdict\n${reference[i].errors.join('\n')}`);
    if (messages === 'same') assert.deepEqual(ours.errors, reference[i].errors, name);
    if (messages === 'same places') assert.deepEqual(places(ours), places(reference[i]), name);
    return ours;
  });
}

describe('in-process XSD validation agrees with xmllint', () => {
  it('every template and sample is valid for both', () => {
    for (const r of assertAgree(fixtures)) assert.deepEqual(r, { valid: true, errors: [] });
  });

  const topUp = readFileSync(join(DUIS_DIR, 'templates', 'CS01a_2.2_SUCCESS_REQUEST_DUIS.XML'), 'utf8');
  const response = readFileSync(join(DUIS_DIR, 'samples', 'readfw-response.xml'), 'utf8');
  const invalid: Array<[string, string]> = [
    [
      'UTRN too short (length and pattern facets)',
      topUp.replace('73946144332040217315', '7394614433204021731'),
    ],
    ['unexpected element', topUp.replace('<sr:Header>', '<sr:Header><sr:Nope/>')],
    ['missing element', topUp.replace(/<sr:ServiceReference>[^<]*<\/sr:ServiceReference>/, '')],
    [
      'CommandVariant outside the enumeration',
      topUp.replace(/<sr:CommandVariant>\d+/, '<sr:CommandVariant>0'),
    ],
    ['missing schemaVersion attribute', topUp.replace(' schemaVersion="5.4"', '')],
    ['unknown attribute', topUp.replace('<sr:Body>', '<sr:Body color="red">')],
    ['wrong namespace', topUp.replaceAll('http://www.dccinterface.co.uk/ServiceUserGateway', 'urn:other')],
    ['undeclared root', '<Request schemaVersion="5.4"/>'],
    [
      'bad ResponseDateTime',
      response.replace(/<sr:ResponseDateTime>[^<]*/, '<sr:ResponseDateTime>yesterday'),
    ],
    ['element after the Signature', response.replace('</sr:Response>', '<sr:Body/></sr:Response>')],
    [
      'Signature without SignatureValue',
      response.replace(/<ds:SignatureValue>[^<]*<\/ds:SignatureValue>/, ''),
    ],
    [
      'xsi:schemaLocation is not followed',
      topUp
        .replace(
          'schemaVersion="5.4"',
          'schemaVersion="5.4" xsi:schemaLocation="http://www.dccinterface.co.uk/ServiceUserGateway file:///etc/passwd"',
        )
        .replace('<sr:Header>', '<sr:Header><sr:Nope/>'),
    ],
  ];

  it('hand-made invalid documents: the same verdict and messages', () => {
    assertAgree(invalid).forEach((r, i) => {
      assert.equal(r.valid, false, invalid[i][0]);
      assert.match(r.errors[0], /^-:\d+: element \w+: Schemas validity error : /);
    });
  });

  it('not well-formed XML is invalid with the parser messages', () => {
    const [r] = assertAgree([['tag mismatch', '<x><y></x>']], 'any');
    assert.match(r.errors[0], /^-:1: parser error : Opening and ending tag mismatch/);
  });

  // Wording differs between Debian's libxml2 2.9 (xmllint) and the newer one in libxml2-wasm where
  // 2.9 refuses an integer of over 24 digits before checking facets; the verdict does not.
  it('seeded mutations of every template and sample: the same verdict, errors at the same places', () => {
    const rnd = new SeededRandom('xsd-inprocess-mutations');
    const docs: Array<[string, string]> = [];
    const values = ['', 'X', '-1', '0', '99999999999999999999999999', '2030-13-01T00:00:00Z', 'true', ' 1 '];
    for (const [name, xml] of fixtures) {
      for (let k = 0; k < 4; k++) {
        const m = mutate(xml, rnd, values);
        if (m) docs.push([`${name} #${k} ${m.what}`, m.xml]);
      }
    }
    const results = assertAgree(docs, 'same places');
    const invalidCount = results.filter((r) => !r.valid).length;
    assert.ok(
      invalidCount > docs.length / 4,
      `mutations should mostly break validity (${invalidCount}/${docs.length})`,
    );
    assert.ok(invalidCount < docs.length, 'and some keep it');
  });

  it('documents this module builds and signs validate in process', () => {
    const keys = join(DUIS_DIR, 'xml-sign-keys');
    const signer = xmlSigner(
      readFileSync(join(keys, 'xml-sign-90B3D51F30010000-ds.key')),
      readFileSync(join(keys, 'xml-sign-90B3D51F30010000-ds.pem'), 'utf8'),
    );
    const requestId = {
      originator: '90B3D51F30010000' as const,
      target: '00DB1234567890A0' as const,
      counter: 7n,
    };
    const docs: Array<[string, string]> = [
      [
        'request 4.1.1',
        signDuisXml(
          buildDuisRequest({
            header: { requestId, commandVariant: 1, serviceReferenceVariant: '4.1.1' },
            body: readInstantaneousImportRegistersBody(),
          }),
          signer,
        ),
      ],
      [
        'response I99',
        signDuisXml(
          buildDuisResponse({
            header: { requestId, responseCode: 'I99', responseDateTime: new Date(0) },
            body: { kind: 'ResponseMessage', serviceReference: '4.1', serviceReferenceVariant: '4.1.1' },
          }),
          signer,
        ),
      ],
    ];
    for (const r of assertAgree(docs)) assert.deepEqual(r, { valid: true, errors: [] });
  });
});

/** One structural or value mutation of a DUIS document (well-formed output), or undefined. */
function mutate(
  xml: string,
  rnd: SeededRandom,
  values: readonly string[],
): { xml: string; what: string } | undefined {
  const leaves = [...xml.matchAll(/<((?:sr|ra|ds):\w+)(?: [^>]*)?>([^<]*)<\/\1>/g)];
  if (leaves.length === 0) return undefined;
  const leaf = rnd.pick(leaves);
  const [whole, name, text] = leaf;
  const at = leaf.index ?? 0;
  const splice = (s: string) => xml.slice(0, at) + s + xml.slice(at + whole.length);
  switch (rnd.int(4)) {
    case 0: {
      const v = rnd.pick(values);
      return { xml: splice(whole.replace(`>${text}<`, `>${v}<`)), what: `${name} = "${v}"` };
    }
    case 1:
      return { xml: splice(''), what: `${name} removed` };
    case 2:
      return { xml: splice(whole + whole), what: `${name} duplicated` };
    default: {
      const renamed = `${name}X`;
      return { xml: splice(whole.replaceAll(name, renamed)), what: `${name} renamed` };
    }
  }
}

describe('in-process XSD validation: input, errors, lifecycle', () => {
  it('screens input like the parser (no DOCTYPE ever reaches libxml2)', () => {
    assert.throws(
      () =>
        validateAgainstDuisXsdInProcess('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'),
      (e: unknown) => e instanceof DuisError && e.code === 'DUIS_FORBIDDEN_MARKUP',
    );
    assert.throws(
      () => inProcess.validate('<a/>', { maxBytes: 3 }),
      (e: unknown) => e instanceof DuisError && e.code === 'DUIS_TOO_LARGE',
    );
  });

  it('a missing schema directory is DUIS_XSD_UNAVAILABLE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-xsd-'));
    try {
      assert.throws(
        () => new InProcessDuisXsdValidator({ xsdDir: dir }),
        (e: unknown) => e instanceof DuisXsdUnavailableError && /not found/.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('one compiled schema per directory and process; a disposed validator refuses, shared() recompiles', () => {
    assert.equal(InProcessDuisXsdValidator.shared(), inProcess);
    const own = new InProcessDuisXsdValidator();
    assert.notEqual(own, inProcess);
    assert.equal(own.validate(fixtures[0][1]).valid, true);
    own.dispose();
    assert.equal(own.disposed, true);
    assert.throws(() => own.validate(fixtures[0][1]), DuisXsdUnavailableError);
    own.dispose(); // idempotent
    assert.equal(inProcess.validate(fixtures[0][1]).valid, true, 'others are unaffected');
  });

  it('20,000 validations (valid, invalid, not well-formed) leave WASM memory bounded and no live documents', (t) => {
    diag.configure({ enabled: true });
    try {
      const docs = [
        fixtures[0][1],
        fixtures[0][1].replace('<sr:Header>', '<sr:Header><sr:Nope/>'),
        '<x><y></x>',
      ];
      for (let i = 0; i < 500; i++) inProcess.validate(docs[i % 3]);
      const before = process.memoryUsage().external;
      const t0 = performance.now();
      let valid = 0;
      for (let i = 0; i < 20_000; i++) if (inProcess.validate(docs[i % 3]).valid) valid++;
      const ms = performance.now() - t0;
      const grown = process.memoryUsage().external - before;
      t.diagnostic(
        `20k validations: ${ms.toFixed(0)} ms wall, external memory ${(before / 1e6).toFixed(1)} MB -> +${(grown / 1e6).toFixed(2)} MB`,
      );
      assert.equal(valid, 6667);
      // A leaked document per validation would grow WASM memory by tens of MB here.
      assert.ok(grown < 16e6, `external memory grew by ${grown} bytes`);
      const live = diag.report() as Record<string, { totalInstances: number }> | undefined;
      assert.equal(live?.XmlDocument?.totalInstances ?? 0, 0, 'every document disposed');
    } finally {
      diag.configure({ enabled: false });
    }
  });
});
