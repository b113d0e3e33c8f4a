/**
 * The DSP over real HTTP on 127.0.0.1 (ephemeral ports): every Command
 * Variant 1-8 with requests built from the DCC templates and signed with the
 * fixture supplier XML key, XSD validation on (the default); every XML the
 * DSP emits, synchronous or POSTed to the user's Receive Response Service (a
 * small fastify receiver here), validates against the DUIS XSD and carries a
 * valid DSP signature. DSP-6: both routes delivered, the meter answered
 * twice, the receiver gets exactly one POST. DSP-4/5 over HTTP GET.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  type DspService,
  type DuisEndpoint,
  fetchResponseTransport,
  parseCsv,
  parseLocalDeliveryCsv,
  type RunningDspHttp,
} from '../../src/dcc/dsp/index.ts';
import {
  type DuisResponse,
  returnLocalCommandResponseBody,
  signedPreCommandBody,
  validateAgainstDuisXsd,
  verifyAndParseDuisResponse,
} from '../../src/duis/index.ts';
import { toHex } from '../../src/runtime/bytes.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import { CspDownlinkTestDouble } from '../support/csp-downlink-test-double.ts';
import {
  ACB,
  DSP_TRUST,
  deviceResponse,
  ESME,
  openTestDspHttp,
  rtdsContent,
  rtdsSecurity,
  SUPPLIER,
  SUPPLIER_USER,
  signedRequest,
  type TestDspHttp,
  templateRequest,
} from '../support/dsp-service.ts';

const ECS17B = 'ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML';
const ECS17B_RESPONSE = '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX';
const ECS17B_ERROR = '4.1.1_ECS17b/ECS17b_4.1.1_ERROR_RESPONSE_GBCS.HEX';
const ECS70 = 'ECS70_6.11_SUCCESS_REQUEST_DUIS.XML';

/** Every document the DSP emits: XSD-valid and signed by the DSP. */
function checkEmitted(xml: string): DuisResponse {
  const v = validateAgainstDuisXsd(xml);
  assert.ok(v.valid, `XSD: ${v.errors.join('; ')}\n${xml}`);
  return verifyAndParseDuisResponse(xml, DSP_TRUST).response;
}

describe('DSP over HTTP (CV 1-8, DSP-4/5/6)', () => {
  let t: TestDspHttp;
  let dsp: DspService;
  let http: RunningDspHttp;
  let receiver: FastifyInstance;
  const received: string[] = [];
  const clock = new VirtualClock();
  const downlink = new CspDownlinkTestDouble();

  before(async () => {
    receiver = Fastify();
    receiver.addContentTypeParser('application/xml', { parseAs: 'string' }, (_r, body, done) =>
      done(null, body),
    );
    receiver.post('/duis/receive', async (req, reply) => {
      received.push(req.body as string);
      return reply.code(200).send();
    });
    await receiver.listen({ host: '127.0.0.1', port: 0 });
    const addr = receiver.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    t = await openTestDspHttp({
      clock,
      downlink,
      transport: fetchResponseTransport({ timeoutMs: 30_000 }),
      users: [{ ...SUPPLIER_USER, receiveUrl: `http://127.0.0.1:${port}/duis/receive` }],
    });
    ({ dsp, http } = t);
    assert.equal(dsp.xsdValidation, true, 'XSD validation is on by default');
  });

  after(async () => {
    await t?.close();
    await receiver?.close();
  });

  async function post(endpoint: DuisEndpoint, xml: string, contentType = 'application/xml') {
    const res = await fetch(`${http.url}/api/v1/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: xml,
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  }

  async function duis(endpoint: DuisEndpoint, xml: string, code: string): Promise<DuisResponse> {
    const res = await post(endpoint, xml);
    assert.equal(res.status, 200, res.body);
    assert.match(res.type, /^application\/xml/);
    const r = checkEmitted(res.body);
    assert.equal(r.header.responseCode, code, res.body);
    return r;
  }

  function payload(r: DuisResponse, type: 'LocalCommand' | 'PreCommand' | 'GBCSPayload'): Uint8Array {
    assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === type, `expected ${type}`);
    return r.body.payload.gbcs;
  }

  /** Delivers the device's answer(s) to the DSP as the CSP would, then waits for the POSTs. */
  async function deviceAnswers(...gbcs: Uint8Array[]): Promise<void> {
    for (const g of gbcs)
      dsp.onDeviceMessage({ chf: downlink.sent[0]?.chf ?? ESME, gbcs: g, at: clock.now() });
    clock.advance(0);
    await dsp.idle();
  }

  async function signedPre(counter: bigint): Promise<Uint8Array> {
    const r = await duis('serviceT', templateRequest(ECS70, { counter }), 'I0');
    return rtdsSecurity().sign(payload(r, 'PreCommand'));
  }

  const spc = (counter: bigint, cv: 5 | 6 | 7, gbcs: Uint8Array) =>
    signedRequest({
      target: ESME,
      counter,
      cv,
      srv: '6.11',
      body: signedPreCommandBody({ gbcsPayload: gbcs }),
    });

  it('CV 1: I99, then the device response POSTed to the receiver as I0', async () => {
    await duis('serviceS', templateRequest(ECS17B, { counter: 1000n }), 'I99');
    const cmd = downlink.last()!;
    const before = received.length;
    await deviceAnswers(deviceResponse(cmd.gbcs, rtdsContent(ECS17B_RESPONSE)));
    assert.equal(received.length, before + 1);
    const r = checkEmitted(received.at(-1)!);
    assert.equal(r.header.responseCode, 'I0');
    assert.equal(r.header.requestId?.counter, 1000n);
    payload(r, 'GBCSPayload');
  });

  let cv2Command: Uint8Array;
  it('CV 2: I0 with the Local Command', async () => {
    const r = await duis('serviceD', templateRequest(ECS17B, { counter: 1001n, cv: 2 }), 'I0');
    cv2Command = payload(r, 'LocalCommand');
  });

  it('CV 3 and DSP-6: both routes delivered, two device responses, exactly one POST', async () => {
    const sent = downlink.sent.length;
    const r = await duis('serviceS', templateRequest(ECS17B, { counter: 1002n, cv: 3 }), 'I99');
    const local = payload(r, 'LocalCommand');
    assert.equal(downlink.sent.length, sent + 1);
    assert.equal(toHex(downlink.last()!.gbcs), toHex(local));
    const before = received.length;
    await deviceAnswers(
      deviceResponse(local, rtdsContent(ECS17B_RESPONSE)),
      deviceResponse(local, rtdsContent(ECS17B_ERROR)),
    );
    assert.equal(received.length, before + 1, 'one answer');
    const only = checkEmitted(received.at(-1)!);
    assert.equal(only.header.requestId?.counter, 1002n);
    assert.equal(
      toHex(payload(only, 'GBCSPayload')),
      toHex(deviceResponse(local, rtdsContent(ECS17B_RESPONSE))),
    );
  });

  it('CV 4 and CV 5: Pre-Command, then the Signed Pre-Command over the WAN', async () => {
    const sent = downlink.sent.length;
    await duis('serviceS', spc(2000n, 5, await signedPre(2000n)), 'I99');
    assert.equal(downlink.sent.length, sent + 1);
    assert.equal(rtdsSecurity().decodeVerify(downlink.last()!.gbcs).mac, 'valid');
  });

  it('CV 6: Signed Pre-Command for local delivery', async () => {
    const sent = downlink.sent.length;
    const r = await duis('serviceD', spc(2001n, 6, await signedPre(2001n)), 'I0');
    assert.equal(rtdsSecurity().decodeVerify(payload(r, 'LocalCommand')).signature, 'valid');
    assert.equal(downlink.sent.length, sent);
  });

  it('CV 7: Signed Pre-Command for local delivery and the WAN', async () => {
    const r = await duis('serviceS', spc(2002n, 7, await signedPre(2002n)), 'I99');
    assert.equal(toHex(payload(r, 'LocalCommand')), toHex(downlink.last()!.gbcs));
  });

  it('CV 8: 8.13 returns the CV 2 command response; it is POSTed once', async () => {
    const resp = deviceResponse(cv2Command, rtdsContent(ECS17B_RESPONSE));
    const before = received.length;
    await duis(
      'serviceD',
      signedRequest({
        target: ACB,
        counter: 3000n,
        cv: 8,
        srv: '8.13',
        body: returnLocalCommandResponseBody({
          originalRequestId: { originator: SUPPLIER, target: ESME, counter: 1001n },
          deviceGbcsResponse: resp,
        }),
      }),
      'I99',
    );
    clock.advance(0);
    await dsp.idle();
    await deviceAnswers(resp); // the same response also over the WAN
    assert.equal(received.length, before + 1);
    assert.equal(checkEmitted(received.at(-1)!).header.requestId?.counter, 1001n);
  });

  it('error answers over HTTP: a DUIS E-code, an HTTP status, a wrong content type', async () => {
    const e13 = await duis('serviceD', templateRequest(ECS17B, { counter: 4000n }), 'E13');
    assert.equal(e13.body.kind, 'ResponseMessage');
    const replay = await post('serviceS', templateRequest(ECS17B, { counter: 1000n }));
    assert.equal(replay.status, 409);
    assert.match(replay.body, /DSP_COUNTER_REPLAY/);
    const invalid = await post(
      'serviceS',
      templateRequest(ECS17B, { counter: 4001n }).replace('<sr:Header>', '<sr:Header><sr:Bogus/>'),
    );
    assert.equal(invalid.status, 400);
    assert.match(invalid.body, /DSP_XSD_INVALID/);
    const json = await post('serviceS', '{}', 'application/json');
    assert.equal(json.status, 415);
  });

  it('DSP-4 and DSP-5 over HTTP GET: the local-delivery CSV parses back; charges and performance as JSON and CSV', async () => {
    const csv = await fetch(`${http.url}/api/v1/dsp/local-delivery?csp=csp-north&date=20260101`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const records = parseLocalDeliveryCsv(await csv.text());
    assert.deepEqual(
      records.map((r) => [r.requestId.split(':')[2], r.cv]),
      [
        ['1001', 2],
        ['1002', 3],
        ['2001', 6],
        ['2002', 7],
      ],
    );
    const charges = (await (
      await fetch(`${http.url}/api/v1/dsp/charges?from=2026-01-01&to=2026-01-02`)
    ).json()) as {
      totals: Array<{ user: string; count: number; amount: number }>;
    };
    assert.deepEqual(charges.totals, [{ user: SUPPLIER, count: 4, amount: 2 + 3 + 4 + 5 }]);
    const ccsv = await (await fetch(`${http.url}/api/v1/dsp/charges?date=20260101&format=csv`)).text();
    assert.equal(parseCsv(ccsv).length, 5);
    const perf = (await (await fetch(`${http.url}/api/v1/dsp/performance?date=20260101`)).json()) as {
      summary: { measured: number; excluded: number };
    };
    assert.equal(perf.summary.measured, 2, 'CV 1 and CV 5');
    assert.equal(perf.summary.excluded, 4);
    const bad = await fetch(`${http.url}/api/v1/dsp/charges?from=yesterday`);
    assert.equal(bad.status, 400);
    const status = (await (await fetch(`${http.url}/api/v1/dsp/status`)).json()) as { users: number };
    assert.equal(status.users, 1);
  });
});
