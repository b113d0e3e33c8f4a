/**
 * The DSP with worker threads (dsp-workers.ts) over real HTTP, XSD on:
 * - the same answers, records and metrics as one thread, request for request
 *   (a table of good and bad requests sent to both);
 * - replays are refused across workers: one signed request sent many times at
 *   once is accepted once; a Pre-Command signed back (CV 5) many times at once
 *   is completed once;
 * - users registered or removed while running reach the workers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DSP_TRUST,
  ESME,
  OTHER_PARTY,
  OTHER_XML_CERT,
  openTestDsp,
  otherSigner,
  rtdsSecurity,
  SUPPLIER,
  signedRequest,
  type TestDsp,
  templateRequest,
} from '../../../test/support/dsp-service.ts';
import {
  type DuisResponse,
  formatRequestId,
  signedPreCommandBody,
  verifyAndParseDuisResponse,
} from '../../duis/index.ts';
import { InProcessDuisXsdValidator } from '../../duis/xsd-inprocess.ts';
import { DspFrontWorkers } from './dsp-workers.ts';
import { type RunningDspHttp, startDspHttp } from './http.ts';
import type { DuisEndpoint } from './service.ts';

const ECS17B = 'ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML';
const ECS70 = 'ECS70_6.11_SUCCESS_REQUEST_DUIS.XML';
const CS01A = 'CS01a_2.2_SUCCESS_REQUEST_DUIS.XML';

interface Answer {
  status: number;
  /** The parsed signed DUIS Response, or the typed error code of a text answer. */
  duis?: DuisResponse;
  error?: string;
}

async function post(http: RunningDspHttp, endpoint: DuisEndpoint, xml: string): Promise<Answer> {
  const res = await fetch(`${http.url}/api/v1/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml' },
    body: xml,
  });
  const body = await res.text();
  if ((res.headers.get('content-type') ?? '').startsWith('application/xml')) {
    const v = InProcessDuisXsdValidator.shared().validate(body);
    assert.ok(v.valid, `XSD: ${v.errors.join('; ')}`);
    return { status: res.status, duis: verifyAndParseDuisResponse(body, DSP_TRUST).response };
  }
  return { status: res.status, error: body.split(':')[0] };
}

const code = (a: Answer) => a.duis?.header.responseCode ?? `${a.status} ${a.error}`;

describe('DSP worker threads', () => {
  let one: TestDsp;
  let many: TestDsp;
  let httpOne: RunningDspHttp;
  let httpMany: RunningDspHttp;
  let pool: DspFrontWorkers;

  before(async () => {
    one = await openTestDsp('sqlite', { xsdValidation: true });
    many = await openTestDsp('sqlite', { xsdValidation: true });
    httpOne = await startDspHttp({ dsp: one.dsp, port: 0 });
    pool = await DspFrontWorkers.start(many.dsp, 2);
    httpMany = await startDspHttp({ dsp: many.dsp, port: 0, frontWorkers: pool });
  });
  after(async () => {
    await httpOne?.close();
    await httpMany?.close();
    await pool?.close();
    await one?.close();
    await many?.close();
  });

  it('answers as one thread does, request for request (answers, records, metrics)', async () => {
    const preCommand = templateRequest(ECS70, { counter: 120n });
    const cases: Array<{ name: string; endpoint: DuisEndpoint; xml: string; expect: string }> = [
      {
        name: 'CV 1 read',
        endpoint: 'serviceS',
        xml: templateRequest(ECS17B, { counter: 100n }),
        expect: 'I99',
      },
      {
        name: 'CV 2 top-up (local)',
        endpoint: 'serviceD',
        xml: templateRequest(CS01A, { counter: 110n, cv: 2 }),
        expect: 'I0',
      },
      { name: 'CV 4 Pre-Command', endpoint: 'serviceT', xml: preCommand, expect: 'I0' },
      {
        name: 'unsigned garbage (check 0)',
        endpoint: 'serviceS',
        xml: '<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"><sr:Header>',
        expect: '403 DSP_PRECHECK_REFUSED',
      },
      {
        name: 'malformed, signed',
        endpoint: 'serviceS',
        xml: templateRequest(ECS17B, { counter: 130n }).replace(/<\/sr:Request>\s*$/, '</sr:Requ>'),
        expect: '400 DUIS_MALFORMED',
      },
      {
        name: 'XSD-invalid, signed',
        endpoint: 'serviceS',
        xml: templateRequest(ECS17B, {
          counter: 131n,
          edit: (x) =>
            x.replace(
              '<sr:ReadInstantaneousImportRegisters/>',
              '<sr:ReadInstantaneousImportRegisters><sr:Nope>1</sr:Nope></sr:ReadInstantaneousImportRegisters>',
            ),
        }),
        expect: '400 DSP_XSD_INVALID',
      },
      {
        name: 'body changed after signing',
        endpoint: 'serviceS',
        xml: templateRequest(ECS17B, { counter: 132n }).replace(
          '<sr:ReadInstantaneousImportRegisters/>',
          '<sr:ReadInstantaneousImportRegisters><sr:ExecutionDateTime>2030-01-01T00:00:00Z</sr:ExecutionDateTime></sr:ReadInstantaneousImportRegisters>',
        ),
        expect: '401 DUIS_SIGNATURE_INVALID',
      },
      {
        name: 'unknown target (a signed error Response)',
        endpoint: 'serviceS',
        xml: templateRequest(ECS17B, { counter: 133n, target: '00DB1234567890FF' }),
        expect: 'E19',
      },
      {
        name: 'wrong endpoint',
        endpoint: 'serviceD',
        xml: templateRequest(ECS17B, { counter: 134n }),
        expect: 'E13',
      },
      {
        name: 'replayed counter',
        endpoint: 'serviceS',
        xml: templateRequest(ECS17B, { counter: 100n }),
        expect: '409 DSP_COUNTER_REPLAY',
      },
    ];
    for (const c of cases) {
      const a = await post(httpOne, c.endpoint, c.xml);
      const b = await post(httpMany, c.endpoint, c.xml);
      assert.equal(code(a), c.expect, `${c.name} (one thread)`);
      assert.equal(code(b), c.expect, `${c.name} (workers)`);
      assert.deepEqual(b.duis, a.duis, c.name);
    }
    assert.equal(many.dsp.lastCounter(SUPPLIER), one.dsp.lastCounter(SUPPLIER));
    for (const counter of [100n, 110n, 120n]) {
      const id = formatRequestId({ originator: SUPPLIER, target: ESME, counter });
      assert.ok(many.dsp.request(id), id);
      assert.deepEqual(many.dsp.request(id), one.dsp.request(id));
    }
    assert.equal(many.downlink.sent.length, one.downlink.sent.length);
    assert.deepEqual(many.dsp.metrics.snapshot(), one.dsp.metrics.snapshot());
  });

  it('accepts one of many copies of a request sent at once to both workers (replay refused across workers)', async () => {
    const before = pool.calls.slice();
    const xml = templateRequest(ECS17B, { counter: 1000n });
    const answers = await Promise.all(Array.from({ length: 16 }, () => post(httpMany, 'serviceS', xml)));
    const codes = answers.map(code).sort();
    assert.deepEqual(codes, ['I99', ...Array(15).fill('409 DSP_COUNTER_REPLAY')].sort());
    assert.equal(many.dsp.lastCounter(SUPPLIER), 1000n);
    assert.equal(pool.calls.length, 2);
    for (const [i, n] of pool.calls.entries()) assert.ok(n > before[i], `worker ${i} took part`);
  });

  it('completes a Pre-Command once when its signed form arrives many times at once', async () => {
    const pre = await post(httpMany, 'serviceT', templateRequest(ECS70, { counter: 2000n }));
    assert.equal(code(pre), 'I0');
    const body = pre.duis?.body;
    assert.ok(body?.kind === 'ResponseMessage' && body.payload?.type === 'PreCommand');
    const cv5 = signedRequest({
      target: ESME,
      counter: 2000n,
      cv: 5,
      srv: '6.11',
      body: signedPreCommandBody({ gbcsPayload: rtdsSecurity().sign(body.payload.gbcs) }),
    });
    const sent = many.downlink.sent.length;
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(httpMany, 'serviceS', cv5)));
    assert.deepEqual(answers.map(code).sort(), ['I99', ...Array(7).fill('409 DSP_COUNTER_REPLAY')].sort());
    assert.equal(many.downlink.sent.length, sent + 1, 'one command to the WAN');
  });

  it('workers learn users registered and removed while running', async () => {
    const xml = () =>
      templateRequest(ECS17B, {
        counter: BigInt(many.clock.now()),
        originator: OTHER_PARTY,
        signer: otherSigner,
      });
    assert.equal(code(await post(httpMany, 'serviceS', xml())), '403 DSP_PRECHECK_REFUSED');
    many.dsp.registerUser({
      eui: OTHER_PARTY,
      name: 'other',
      roles: ['IS'],
      xmlSigningCertificates: [OTHER_XML_CERT],
      receiveUrl: 'http://127.0.0.1:9/other',
    });
    assert.equal(code(await post(httpMany, 'serviceS', xml())), 'I99');
    many.dsp.removeUser(OTHER_PARTY);
    assert.equal(code(await post(httpMany, 'serviceS', xml())), '403 DSP_PRECHECK_REFUSED');
  });

  it('the calls of one turn reach a worker as one message; each answer is its own', async () => {
    const own = await openTestDsp('sqlite', { xsdValidation: true });
    const single = await DspFrontWorkers.start(own.dsp, 1);
    try {
      const reqs = Array.from({ length: 8 }, (_, i) =>
        templateRequest(ECS17B, { counter: 500n + BigInt(i) }),
      );
      // one of them is a replay of another: refused, whatever batch it shares
      reqs.push(reqs[3]);
      const posts = single.posts;
      const replies = await Promise.all(reqs.map((xml) => single.handle('serviceS', Buffer.from(xml))));
      await own.dsp.flush();
      assert.deepEqual(
        replies.map((r) => r.responseCode ?? `${r.httpStatus} ${r.error}`),
        [...Array(8).fill('I99'), '409 DSP_COUNTER_REPLAY'],
      );
      for (const r of replies.slice(0, 8)) {
        const response = verifyAndParseDuisResponse(r.body, DSP_TRUST).response;
        const id = response.header.requestId;
        assert.ok(id);
        assert.equal(formatRequestId(id), r.requestId);
      }
      // the checks in one message, the signatures in another
      assert.equal(single.posts - posts, 2);
      assert.equal(single.calls[0], 9 + 8);
    } finally {
      await single.close();
      await own.close();
    }
  });
});
