/**
 * Issue 17: a semantically bad device-SR body and an SR the user's role may
 * not send get the answer of the DSP's one refusal table, through the HTTP
 * service (XSD on, XML-DSig): the DUIS Response Code DUIS defines for the
 * case (a signed, XSD-valid DUIS Response, HTTP 200) where this project
 * knows that code's meaning (BODY_REFUSALS in transform/errors.ts), else
 * HTTP 400 DSP_BODY_INVALID; never a 500. One case per code and per kind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DspService, RunningDspHttp } from '../../src/dcc/dsp/index.ts';
import { BODY_REFUSALS } from '../../src/dcc/dsp/transform/errors.ts';
import {
  type DuisResponse,
  RESPONSE_CODE_MEANINGS,
  verifyAndParseDuisResponse,
} from '../../src/duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../src/duis/xsd-inprocess.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import { CspDownlinkTestDouble } from '../support/csp-downlink-test-double.ts';
import {
  DSP_TRUST,
  NETWORK_OPERATOR,
  NETWORK_USER,
  networkSigner,
  openTestDspHttp,
  PPMID,
  RecordingTransport,
  SUPPLIER,
  SUPPLIER_USER,
  type TestDspHttp,
  templateRequest,
} from '../support/dsp-service.ts';

interface Case {
  name: string;
  /** The refusal table row it shows, or the role refusal. */
  row: keyof typeof BODY_REFUSALS | 'role' | 'target-type' | 'accepted';
  xml: () => string;
  expect: { code: string } | { httpStatus: number; error: string };
}

let counter = 5_000n;
const next = () => ++counter;
const asNetwork = { originator: NETWORK_OPERATOR, signer: networkSigner };
const asSupplier = { originator: SUPPLIER };

const CASES: Case[] = [
  {
    name: '8.11 adds a device that is not in the inventory to the CHF Device Log',
    row: 'unknown-device',
    xml: () =>
      templateRequest('CCS01_8.11_SUCCESS_REQUEST_DUIS.XML', {
        counter: next(),
        edit: (x) =>
          x.replace('<sr:DeviceID>00-DB-12-34-56-78-90-A0', '<sr:DeviceID>00-DB-12-34-56-78-90-FF'),
      }),
    expect: { code: 'E19' },
  },
  {
    name: '8.11 adds a Communications Hub Function (a type a CHF Device Log does not take)',
    row: 'device-type',
    xml: () =>
      templateRequest('CCS01_8.11_SUCCESS_REQUEST_DUIS.XML', {
        counter: next(),
        edit: (x) =>
          x.replace('<sr:DeviceID>00-DB-12-34-56-78-90-A0', '<sr:DeviceID>00-DB-12-34-56-78-90-A2'),
      }),
    expect: { code: 'E11' },
  },
  {
    name: '4.1.1 to a PPMID (the target is of a type the SR does not take)',
    row: 'target-type',
    xml: () =>
      templateRequest('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML', { counter: next(), target: PPMID }),
    expect: { code: 'E11' },
  },
  {
    name: '4.6.1 with EndDateTime before StartDateTime',
    row: 'inconsistent',
    xml: () =>
      templateRequest('GCS16a_4.6.1_SUCCESS_REQUEST_DUIS.XML', {
        counter: next(),
        edit: (x) => x.replace('2016-01-01T00:00:03.00Z', '2014-01-01T00:00:03.00Z'),
      }),
    expect: { httpStatus: 400, error: 'DSP_BODY_INVALID' },
  },
  {
    name: '8.11 Add without AddDeviceToCHFWhitelist',
    row: 'invalid',
    xml: () =>
      templateRequest('CCS01_8.11_SUCCESS_REQUEST_DUIS.XML', {
        counter: next(),
        edit: (x) => x.replace(/<sr:AddDeviceToCHFWhitelist>[\s\S]*<\/sr:AddDeviceToCHFWhitelist>/, ''),
      }),
    expect: { httpStatus: 400, error: 'DSP_BODY_INVALID' },
  },
  ...(['ECS29a_6.5', 'ECS37_6.18.1', 'ECS29f_6.27'] as const).flatMap((t): Case[] => [
    {
      name: `${t.split('_')[1]} from the import supplier: E2 (the distributor's only, SRV table and GBCS roles agree)`,
      row: 'role',
      xml: () => templateRequest(`${t}_SUCCESS_REQUEST_DUIS.XML`, { counter: next(), ...asSupplier }),
      expect: { code: 'E2' },
    },
    {
      name: `${t.split('_')[1]} from the distributor: accepted`,
      row: 'accepted',
      xml: () => templateRequest(`${t}_SUCCESS_REQUEST_DUIS.XML`, { counter: next(), ...asNetwork }),
      expect: { code: 'I99' },
    },
  ]),
];

describe('DSP refusals over HTTP (XSD on, signed answers): the refusal table', () => {
  let t: TestDspHttp;
  let dsp: DspService;
  let http: RunningDspHttp;

  before(async () => {
    t = await openTestDspHttp({
      clock: new VirtualClock(),
      downlink: new CspDownlinkTestDouble(),
      transport: new RecordingTransport(),
      users: [SUPPLIER_USER, NETWORK_USER],
    });
    ({ dsp, http } = t);
    assert.equal(dsp.xsdValidation, true);
  });
  after(async () => {
    await t?.close();
  });

  it('the table: every DUIS code it answers with is a code whose meaning is recorded; the others are HTTP 400', () => {
    for (const [kind, r] of Object.entries(BODY_REFUSALS)) {
      if (r.responseCode) {
        assert.equal(r.httpStatus, 200, kind);
        assert.ok(
          RESPONSE_CODE_MEANINGS[r.responseCode],
          `${kind}: ${r.responseCode} has a recorded meaning`,
        );
      } else assert.equal(r.httpStatus, 400, kind);
    }
  });

  for (const c of CASES)
    it(`${c.row}: ${c.name}`, async () => {
      const res = await fetch(`${http.url}/api/v1/serviceS`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: c.xml(),
      });
      const body = await res.text();
      assert.notEqual(res.status, 500, body);
      if ('code' in c.expect) {
        assert.equal(res.status, 200, body);
        const v = validateAgainstDuisXsdInProcess(body);
        assert.ok(v.valid, `XSD: ${v.errors.join('; ')}`);
        const r: DuisResponse = verifyAndParseDuisResponse(body, DSP_TRUST).response;
        assert.equal(r.header.responseCode, c.expect.code, body);
        if (c.row !== 'accepted' && c.row !== 'role' && c.row !== 'target-type')
          assert.equal(BODY_REFUSALS[c.row].responseCode, c.expect.code, 'the table row');
      } else {
        assert.equal(res.status, c.expect.httpStatus, body);
        assert.match(body, new RegExp(c.expect.error));
        if (c.row !== 'accepted' && c.row !== 'role' && c.row !== 'target-type')
          assert.equal(BODY_REFUSALS[c.row].httpStatus, c.expect.httpStatus, 'the table row');
      }
    });
});
