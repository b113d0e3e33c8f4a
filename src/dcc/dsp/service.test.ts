/**
 * DSP service core, in process (no HTTP), under a VirtualClock: every check
 * and its DUIS answer (table-driven), and the Command Variants' happy paths
 * on the RTDS estate with the fixture templates as input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CHF,
  CSP,
  DSP_TRUST,
  deviceResponse,
  ESME,
  executionNotBefore,
  GSME,
  NETWORK_OPERATOR,
  networkSigner,
  OTHER_PARTY,
  OTHER_XML_CERT,
  openTestDsp,
  otherSigner,
  rtds,
  rtdsContent,
  SUPPLIER,
  signedRequest,
  supplierSigner,
  type TestDsp,
  templateRequest,
} from '../../../test/support/dsp-service.ts';
import {
  type DuisResponse,
  DuisXsdValidator,
  deviceGbcsOf,
  signedPreCommandBody,
  verifyAndParseDuisResponse,
} from '../../duis/index.ts';
import { el } from '../../duis/xml.ts';
import { validateAgainstDuisXsdInProcess } from '../../duis/xsd-inprocess.ts';
import { toHex } from '../../runtime/bytes.ts';
import type { DspReply, DuisEndpoint } from './service.ts';
import { dspDb } from './tables.ts';

const ECS17B = 'ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML';
const ECS17B_COMMAND = '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX';
const ECS17B_RESPONSE = '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX';

function response(reply: DspReply): DuisResponse {
  assert.equal(reply.contentType, 'application/xml', reply.body);
  return verifyAndParseDuisResponse(reply.body, DSP_TRUST).response;
}

describe('DSP service: checks and their DUIS answers', () => {
  let t: TestDsp;
  before(async () => {
    t = await openTestDsp('sqlite');
  });
  after(async () => {
    await t?.close();
  });

  let counter = 5000n;
  const next = () => ++counter;

  interface Case {
    name: string;
    endpoint: DuisEndpoint;
    input: () => string;
    /** A DUIS Response Code, or an HTTP status with the typed error code. */
    expect: { responseCode: string } | { httpStatus: number; error: string };
  }

  const cases: Case[] = [
    {
      name: 'bad XML, unsigned (refused before any parse, issue 13)',
      endpoint: 'serviceS',
      input: () => '<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"><sr:Header>',
      expect: { httpStatus: 403, error: 'DSP_PRECHECK_REFUSED' },
    },
    {
      name: 'bad XML, signed by a known user (the parser refuses it)',
      endpoint: 'serviceS',
      input: () => templateRequest(ECS17B, { counter: next() }).replace(/<\/sr:Request>\s*$/, '</sr:Requ>'),
      expect: { httpStatus: 400, error: 'DUIS_MALFORMED' },
    },
    {
      name: 'forbidden markup (DOCTYPE, refused before any parse)',
      endpoint: 'serviceS',
      input: () =>
        `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>${templateRequest(ECS17B).replace(/^<\?xml[^>]*\?>/, '')}`,
      expect: { httpStatus: 400, error: 'DSP_PRECHECK_REFUSED' },
    },
    {
      name: 'bad signature (body changed after signing)',
      endpoint: 'serviceS',
      input: () =>
        templateRequest(ECS17B, { counter: next() }).replace(
          '<sr:ReadInstantaneousImportRegisters/>',
          '<sr:ReadInstantaneousImportRegisters><sr:ExecutionDateTime>2030-01-01T00:00:00Z</sr:ExecutionDateTime></sr:ReadInstantaneousImportRegisters>',
        ),
      expect: { httpStatus: 401, error: 'DUIS_SIGNATURE_INVALID' },
    },
    {
      name: 'wrong signer (supplier request signed by the network operator)',
      endpoint: 'serviceS',
      input: () => templateRequest(ECS17B, { counter: next(), signer: networkSigner }),
      expect: { httpStatus: 401, error: 'DUIS_SIGNATURE_INVALID' },
    },
    {
      name: 'role not eligible (network operator tops up a meter)',
      endpoint: 'serviceS',
      input: () =>
        templateRequest('CS01a_2.2_SUCCESS_REQUEST_DUIS.XML', {
          counter: next(),
          originator: NETWORK_OPERATOR,
          signer: networkSigner,
        }),
      expect: { responseCode: 'E2' },
    },
    {
      name: 'unknown target',
      endpoint: 'serviceS',
      input: () => templateRequest(ECS17B, { counter: next(), target: '00DB1234567890FF' }),
      expect: { responseCode: 'E19' },
    },
    {
      name: 'non-device SR not addressed to the ACB',
      endpoint: 'serviceD',
      input: () =>
        templateRequest('8.13_RETURN_LOCAL_COMMAND_RESPONSE_CS06_REQUEST_DUIS.XML', {
          counter: next(),
          target: ESME,
        }),
      expect: { responseCode: 'E19' },
    },
    {
      name: 'replayed counter',
      endpoint: 'serviceS',
      input: () => templateRequest(ECS17B, { counter: 10n }),
      expect: { httpStatus: 409, error: 'DSP_COUNTER_REPLAY' },
    },
    {
      name: 'CV not allowed for the SR (Pre-Command of a non-critical read)',
      endpoint: 'serviceT',
      input: () => templateRequest(ECS17B, { counter: next(), cv: 4 }),
      expect: { responseCode: 'E12' },
    },
    {
      name: 'critical SR as a plain Service Request (CV 1)',
      endpoint: 'serviceS',
      input: () => templateRequest('ECS70_6.11_SUCCESS_REQUEST_DUIS.XML', { counter: next(), cv: 1 }),
      expect: { responseCode: 'E12' },
    },
    {
      name: 'CV on the wrong endpoint (CV 1 to serviceD)',
      endpoint: 'serviceD',
      input: () => templateRequest(ECS17B, { counter: next() }),
      expect: { responseCode: 'E13' },
    },
    {
      name: 'CV on the wrong endpoint (CV 4 to serviceS)',
      endpoint: 'serviceS',
      input: () => templateRequest('ECS70_6.11_SUCCESS_REQUEST_DUIS.XML', { counter: next() }),
      expect: { responseCode: 'E13' },
    },
    {
      name: 'Commission Device (8.1.1) for local delivery without the no-WAN policy',
      endpoint: 'serviceD',
      input: () =>
        signedRequest({
          target: ESME,
          counter: next(),
          cv: 6,
          srv: '8.1.1',
          body: signedPreCommandBody({
            gbcsPayload: rtds('6.11_ECS70/ECS70_6.11_SUCCESS_PRECOMMAND_GBCS.HEX'),
          }),
        }),
      expect: { responseCode: 'E17' },
    },
    {
      name: 'firmware distribution (11.1) for local delivery',
      endpoint: 'serviceD',
      input: () => templateRequest('11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML', { counter: next(), cv: 2 }),
      expect: { responseCode: 'E17' },
    },
    {
      name: 'PPMID firmware (11.4) for local delivery',
      endpoint: 'serviceS',
      input: () => templateRequest('11.4_UPDATE_PPMID_FIRMWARE_REQUEST_DUIS.XML', { counter: next(), cv: 3 }),
      expect: { responseCode: 'E17' },
    },
    {
      name: 'future-dated read for local delivery',
      endpoint: 'serviceD',
      input: () =>
        templateRequest('ECS17b_4.1.1_DSP_FUTURE_DATED_REQUEST_DUIS.XML', {
          counter: next(),
          cv: 2,
          edit: executionNotBefore(Date.UTC(2030, 0, 1)),
        }),
      expect: { responseCode: 'E17' },
    },
    {
      name: 'a device SR this DSP does not transform for the target type (8.1.1 to a CHF: the DCC processes it alone, no GBCS): the DUIS refusal E11, not HTTP 501',
      endpoint: 'serviceT',
      input: () =>
        signedRequest({
          target: CHF,
          counter: next(),
          cv: 4,
          srv: '8.1.1',
          body: el('CommissionDeviceSynchroniseClock', [
            el('CurrentDateTime', '2015-01-01T00:00:00Z'),
            el('TolerancePeriod', '60'),
          ]),
        }),
      expect: { responseCode: 'E11', error: 'DSP_UNSUPPORTED_SERVICE_REQUEST' },
    },
  ];

  it('accepts one request first, so that lower counters are replays', async () => {
    const r = t.dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 100n }));
    assert.equal(r.responseCode, 'I99', r.body);
  });

  for (const c of cases) {
    it(c.name, () => {
      const before = t.downlink.sent.length;
      const reply = t.dsp.handleRequest(c.endpoint, c.input());
      if ('responseCode' in c.expect) {
        assert.equal(reply.httpStatus, 200, reply.body);
        const r = response(reply);
        assert.equal(r.header.responseCode, c.expect.responseCode, reply.error);
        assert.equal(r.body.kind, 'ResponseMessage');
        assert.ok(r.header.requestId, 'an error response names the request');
      } else {
        assert.equal(reply.httpStatus, c.expect.httpStatus, reply.body);
        assert.equal(reply.error, c.expect.error, reply.body);
        assert.equal(reply.contentType, 'text/plain');
      }
      assert.equal(t.downlink.sent.length, before, 'nothing goes over the WAN');
    });
  }

  for (const engine of ['in-process', 'xmllint'] as const) {
    it(`schema-invalid input (XSD on, ${engine}) is refused with HTTP 400 before the signature is looked at`, async () => {
      const x = await openTestDsp('sqlite', {
        xsdValidation: true,
        ...(engine === 'xmllint' ? { xsdValidator: new DuisXsdValidator() } : {}),
      });
      try {
        assert.equal(x.dsp.xsdEngine, engine, 'in process is the default');
        const xml = templateRequest(ECS17B, { counter: 7n }).replace(
          '<sr:CommandVariant>1</sr:CommandVariant>',
          '<sr:CommandVariant>1</sr:CommandVariant><sr:Unexpected/>',
        );
        for (const reply of [
          x.dsp.handleRequest('serviceS', xml),
          await x.dsp.handleRequestAsync('serviceS', xml),
        ]) {
          assert.equal(reply.httpStatus, 400);
          assert.equal(reply.error, 'DSP_XSD_INVALID');
          assert.match(reply.body, /Unexpected': This element is not expected/);
        }
        const ok = x.dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 8n }));
        assert.equal(ok.responseCode, 'I99', ok.body);
        const okAsync = await x.dsp.handleRequestAsync('serviceS', templateRequest(ECS17B, { counter: 9n }));
        assert.equal(okAsync.responseCode, 'I99', okAsync.body);
        const malformed = await x.dsp.handleRequestAsync('serviceS', '<sr:Request><sr:Header></sr:Request>');
        assert.equal(malformed.httpStatus, 403);
        assert.equal(malformed.error, 'DSP_PRECHECK_REFUSED', 'unsigned: refused before the XSD');
      } finally {
        await x.close();
      }
    });
  }

  it('a suspended user gets E3', async () => {
    t.dsp.registerUser({
      eui: NETWORK_OPERATOR,
      roles: ['ED'],
      status: 'suspended',
      xmlSigningCertificates: [t.dsp.user(NETWORK_OPERATOR)!.xmlSigningCertificates[0]],
      receiveUrl: 'http://127.0.0.1:9/x',
    });
    const reply = t.dsp.handleRequest(
      'serviceS',
      templateRequest(ECS17B, { counter: next(), originator: NETWORK_OPERATOR, signer: networkSigner }),
    );
    assert.equal(response(reply).header.responseCode, 'E3');
  });

  it('a gas supplier commanding an ESME gets E4', () => {
    t.dsp.registerUser({
      eui: OTHER_PARTY,
      roles: ['GS'],
      xmlSigningCertificates: [OTHER_XML_CERT],
      receiveUrl: 'http://127.0.0.1:9/gas',
    });
    const reply = t.dsp.handleRequest(
      'serviceS',
      templateRequest(ECS17B, { counter: next(), originator: OTHER_PARTY, signer: otherSigner }),
    );
    assert.equal(response(reply).header.responseCode, 'E4');
    const gas = t.dsp.handleRequest(
      'serviceS',
      templateRequest(ECS17B, {
        counter: next(),
        originator: OTHER_PARTY,
        signer: otherSigner,
        target: GSME,
      }),
    );
    assert.notEqual(response(gas).header.responseCode, 'E4', "a GSME is the gas supplier's");
  });

  it('a rejected request leaves no record and does not move the counter', () => {
    assert.equal(t.dsp.lastCounter(SUPPLIER), 100n);
  });
});

describe('DSP service: 9.1 Request Customer Identification Number (CINMessage)', () => {
  let t: TestDsp;
  before(async () => {
    t = await openTestDsp('sqlite', { cinSource: () => '4711' });
  });
  after(async () => {
    await t?.close();
  });

  it('CV 1: the DSP draws the CIN, GCS36 carries it, the device response reaches the user as CINMessage with it', async () => {
    const reply = t.dsp.handleRequest(
      'serviceS',
      templateRequest('GCS36_9.1_SUCCESS_REQUEST_DUIS.XML', { counter: 1000n }),
    );
    assert.equal(response(reply).header.responseCode, 'I99', reply.body);
    const sent = t.downlink.sent.at(-1)!;
    // Update CIN: octet string of four ASCII digits "4711"
    assert.match(toHex(sent.gbcs), /0434373131/);
    assert.equal(t.dsp.request(sent.requestId)?.cin, '4711');
    const resp = deviceResponse(sent.gbcs, rtdsContent('9.1_GCS36/GCS36_9.1_SUCCESS_RESPONSE_GBCS.HEX'));
    t.dsp.onDeviceMessage({ chf: CHF, gbcs: resp, at: t.clock.now() });
    t.clock.advance(0);
    await t.dsp.idle();
    const xml = t.transport.posts.at(-1)!.xml;
    const v = validateAgainstDuisXsdInProcess(xml);
    assert.ok(v.valid, v.errors.join('; '));
    const r = verifyAndParseDuisResponse(xml, DSP_TRUST).response;
    assert.equal(r.header.responseCode, 'I0');
    assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'Other');
    const node = r.body.payload.node;
    assert.equal(node.name, 'CINMessage');
    const child = (n: string) => node.children.find((c) => c.name === n)?.text;
    assert.equal(child('CustomerIdentificationNumber'), '4711');
    assert.equal(child('GBCSPayload'), Buffer.from(resp).toString('base64'));
    // what a user (the supplier) takes as the device's GBCS response
    assert.equal(toHex(deviceGbcsOf(r.body.payload)!), toHex(resp));
  });
});

describe('DSP service: CV 1 and CV 2 on the RTDS estate', () => {
  let t: TestDsp;
  before(async () => {
    t = await openTestDsp('sqlite');
  });
  after(async () => {
    await t?.close();
  });

  it('CV 1: I99, the RTDS Command over the WAN, then the device response POSTed as I0 with the GBCS payload', async () => {
    const reply = t.dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 1000n }));
    const ack = response(reply);
    assert.equal(ack.header.responseCode, 'I99');
    assert.equal(ack.body.kind === 'ResponseMessage' && ack.body.payload, undefined);
    assert.equal(t.downlink.sent.length, 1);
    const sent = t.downlink.sent[0];
    assert.equal(sent.target, ESME);
    assert.equal(sent.chf, CHF);
    assert.equal(toHex(sent.gbcs), toHex(rtds(ECS17B_COMMAND)), 'byte-exact RTDS command, ACB MAC included');
    assert.equal(t.dsp.request(sent.requestId)?.state, 'sent');

    const resp = deviceResponse(sent.gbcs, rtdsContent(ECS17B_RESPONSE));
    t.dsp.onDeviceMessage({ chf: CHF, gbcs: resp, at: t.clock.now() });
    t.clock.advance(0);
    await t.dsp.idle();
    assert.equal(t.transport.posts.length, 1);
    const r = verifyAndParseDuisResponse(t.transport.posts[0].xml, DSP_TRUST).response;
    assert.equal(r.header.responseCode, 'I0');
    assert.equal(r.header.responseId?.originator, ESME);
    assert.equal(r.header.responseId?.target, SUPPLIER);
    assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'GBCSPayload');
    assert.equal(toHex(r.body.payload.gbcs), toHex(resp));
    assert.equal(t.transport.posts[0].url, 'http://127.0.0.1:9/receive');
    assert.equal(t.dsp.request(sent.requestId)?.state, 'responded');
  });

  it('CV 2: I0 with the Local Command (the same RTDS bytes), nothing over the WAN, DSP-4 log row', async () => {
    const reply = t.dsp.handleRequest('serviceD', templateRequest(ECS17B, { counter: 1001n, cv: 2 }));
    const r = response(reply);
    assert.equal(r.header.responseCode, 'I0');
    assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'LocalCommand');
    assert.equal(t.downlink.sent.length, 1, 'still only the CV 1 command');
    await t.dsp.flush();
    const rows = await dspDb(t.store.db).selectFrom('dsp_local_delivery_log').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].request_id, reply.requestId);
    assert.equal(rows[0].csp, CSP);
    assert.equal(rows[0].cv, 2);
    assert.equal(rows[0].user_eui, SUPPLIER);
  });

  it('every signed request from the supplier key is accepted only once', () => {
    const again = t.dsp.handleRequest(
      'serviceD',
      templateRequest(ECS17B, { counter: 1001n, cv: 2, signer: supplierSigner }),
    );
    assert.equal(again.httpStatus, 409);
  });
});
