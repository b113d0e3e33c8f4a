import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allTemplates } from '../../test/support/dsp-transform.ts';
import { srvSupported, srvTable } from '../dcc/dsp/srv-table.ts';
import {
  buildDuisRequest,
  DuisXsdValidator,
  isSignedPreCommandVariant,
  parseDuisRequest,
  serialiseNode,
} from '../duis/index.ts';
import {
  checkedDuisBody,
  DuisOrderError,
  duisBodyFromJson,
  duisBodyToJson,
  mustOrderableSrv,
  orderableSrvs,
} from './duis-order.ts';

const xmllint = new DuisXsdValidator();

/** The request a body becomes, as the supplier's DUIS client builds it (unsigned: the XSD has ds:Signature optional). */
function requestOf(srv: string, body: ReturnType<typeof duisBodyFromJson>): string {
  const cv = mustOrderableSrv(srv).commandVariants.find((c) => !isSignedPreCommandVariant(c))!;
  return buildDuisRequest({
    header: {
      requestId: { originator: '90B3D51F30010000', target: '0000000000000001', counter: 1000n },
      commandVariant: cv,
      serviceReferenceVariant: srv,
    },
    body,
  });
}

describe('supplier DUIS orders: the orderable SRVs', () => {
  it('are every SRV the SRV table says the DSP answers, but 8.13 (its own route)', () => {
    const want = srvTable()
      .filter((e) => srvSupported(e.srv) && e.srv !== '8.13')
      .map((e) => e.srv);
    assert.deepEqual(
      orderableSrvs().map((o) => o.srv),
      want,
    );
    assert.ok(want.length > 50, `only ${want.length} SRVs`);
  });

  it('refuses an unknown SRV, an SRV the DSP does not answer, and 8.13, naming the field', () => {
    const unsupported = srvTable().find((e) => !srvSupported(e.srv));
    const cases: Array<[unknown, RegExp]> = [
      ['9.9.9', /not a DUIS V5.4 Service Reference Variant/],
      [42, /not a DUIS V5.4/],
      ['8.13', /local-response/],
    ];
    if (unsupported) cases.push([unsupported.srv, /does not answer it yet \(E11/]);
    for (const [srv, why] of cases)
      assert.throws(
        () => mustOrderableSrv(srv),
        (e: unknown) =>
          e instanceof DuisOrderError &&
          e.field === 'srv' &&
          e.code === 'SUPPLIER_BAD_REQUEST' &&
          why.test(e.message),
      );
  });
});

describe('supplier DUIS orders: JSON -> DUIS body, against the DUIS XSD', () => {
  // Every DUIS template of an orderable SRV (not a Signed Pre-Command): body -> JSON -> body is the same
  // element tree, and the request built from the JSON passes xmllint with the DUIS XSD.
  const templates = allTemplates().filter((t) => {
    if (!orderableSrvs().some((o) => o.srv === t.srv)) return false;
    return !isSignedPreCommandVariant(parseDuisRequest(t.xml).header.commandVariant);
  });
  it('has templates for most orderable SRVs', () => {
    assert.ok(new Set(templates.map((t) => t.srv)).size > 40, `${templates.length} templates`);
  });
  const built: Array<[string, string]> = [];
  for (const t of templates)
    it(`${t.file}: body -> JSON -> body, checked in process`, () => {
      const req = parseDuisRequest(t.xml);
      const json = JSON.parse(JSON.stringify(duisBodyToJson(req.body)));
      const node = checkedDuisBody(t.srv, json);
      assert.equal(serialiseNode(node), serialiseNode(req.body));
      // the wrapped form is the same body
      assert.equal(
        serialiseNode(duisBodyFromJson(t.srv, { [req.body.name]: json })),
        serialiseNode(req.body),
      );
      built.push([t.file, requestOf(t.srv, node)]);
    });
  it('every request built from the JSON bodies passes xmllint with the DUIS XSD', () => {
    assert.equal(built.length, templates.length);
    const verdicts = xmllint.validateMany(built.map(([, xml]) => xml));
    const bad = verdicts.flatMap((v, i) => (v.valid ? [] : [`${built[i][0]}: ${v.errors.join('; ')}`]));
    assert.deepEqual(bad, []);
  });
});

describe('supplier DUIS orders: bodies that do not fit name the field', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    // 6.13 needs its log type and period
    ['6.13', {}, 'body', /Missing child element|ReadLogPeriod/],
    [
      '6.13',
      {
        ReadLogPeriod: { StartDateTime: '2015-01-01T00:00:00Z', EndDateTime: '2015-01-02T00:00:00Z' },
        LogToRead: 'Nonsense',
      },
      'body.LogToRead',
      /Nonsense/,
    ],
    [
      '6.13',
      {
        ReadLogPeriod: { StartDateTime: 'yesterday', EndDateTime: '2015-01-02T00:00:00Z' },
        LogToRead: 'Event',
      },
      'body.ReadLogPeriod.StartDateTime',
      /yesterday|dateTime/,
    ],
    ['4.1.1', { Bogus: 1 }, 'body.Bogus', /not expected/],
    ['2.2', { UTRN: '12' }, 'body.UTRN', /UTRN|pattern|length/],
    ['2.2', [1], 'body', /expected an object/],
    ['2.2', { UTRN: [[1]] }, 'body.UTRN[0]', /array inside an array/],
    ['2.2', { 'bad name': 1 }, 'body.bad name', /not an element name/],
    ['2.2', { UTRN: 2 ** 60 }, 'body.UTRN', /beyond 2\^53/],
  ];
  for (const [srv, body, field, why] of cases)
    it(`${srv} ${JSON.stringify(body)} -> ${field}`, () => {
      assert.throws(
        () => checkedDuisBody(srv, body),
        (e: unknown) => {
          assert.ok(e instanceof DuisOrderError, String(e));
          assert.equal(e.field, field, e.message);
          assert.match(e.message, why);
          assert.equal(e.httpStatus, 400);
          return true;
        },
      );
    });
});
