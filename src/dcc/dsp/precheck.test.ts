/**
 * Issue 13: the DSP's cheap checks before any parse, and the Request ID
 * counter bound (DUIS counters are time-based: nothing beyond the request
 * time window; counter 2^64-1 must not wedge a user).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  OTHER_PARTY,
  openTestDsp,
  otherSigner,
  SUPPLIER,
  type TestDsp,
  templateRequest,
} from '../../../test/support/dsp-service.ts';
import { DEFAULT_PRECHECK_LIMITS, DspPrecheckError, precheckDuisRequest } from './precheck.ts';

const ECS17B = 'ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML';
const known = (eui: string) => eui === SUPPLIER;

/** A body nested `depth` deep, padded to about `bytes`. */
function nested(depth: number, pad = 0): string {
  return `<sr:Request xmlns:sr="x">${'<a>'.repeat(depth)}${'x'.repeat(pad)}${'</a>'.repeat(depth)}</sr:Request>`;
}

describe('DSP precheck (issue 13)', () => {
  it('passes a genuine signed request and names its originator', () => {
    assert.equal(precheckDuisRequest(templateRequest(ECS17B), known), SUPPLIER);
  });

  const refusals: Array<[string, () => string, string]> = [
    ['700 KB', () => nested(10, 700_000), 'size'],
    ['nested 5000 deep', () => nested(5_000), 'depth'],
    ['20 000 siblings', () => `<r>${'<a/>'.repeat(20_000)}</r>`, 'elements'],
    ['a DOCTYPE', () => `<!DOCTYPE r [<!ENTITY x "y">]>${templateRequest(ECS17B)}`, 'doctype'],
    [
      'no signature',
      () => templateRequest(ECS17B).replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, ''),
      'unsigned',
    ],
    [
      'an unknown user',
      () => templateRequest(ECS17B, { originator: OTHER_PARTY, signer: otherSigner }),
      'unknown-user',
    ],
  ];
  for (const [what, input, reason] of refusals)
    it(`refuses ${what} (${reason})`, () => {
      assert.throws(
        () => precheckDuisRequest(input(), known),
        (e: unknown) => e instanceof DspPrecheckError && e.reason === reason,
      );
    });

  it('quoted ">" in attributes and self-closing elements do not confuse the depth count', () => {
    const xml = templateRequest(ECS17B).replace('<sr:Header>', `<sr:Header>${'<b c="a>b"/>'.repeat(100)}`);
    assert.equal(precheckDuisRequest(xml, known, { ...DEFAULT_PRECHECK_LIMITS, maxDepth: 12 }), SUPPLIER);
  });
});

describe('DSP Request ID counter bound (issue 13)', () => {
  let t: TestDsp;
  before(async () => {
    t = await openTestDsp('sqlite');
  });
  after(() => t.close());

  it('refuses a counter beyond the time window (2^64-1 included); the user is not wedged', () => {
    const now = BigInt(t.clock.now());
    for (const counter of [2n ** 64n - 1n, now + 2n * 86_400_000n]) {
      const r = t.dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter }));
      assert.equal(r.httpStatus, 400, r.body);
      assert.equal(r.error, 'DSP_COUNTER_OUT_OF_WINDOW');
    }
    assert.equal(t.dsp.lastCounter(SUPPLIER), undefined, 'a refused counter is not kept');
    // a time-based counter now, then the next one: both accepted
    for (const counter of [now, now + 1n]) {
      const ok = t.dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter }));
      assert.equal(ok.responseCode, 'I99', ok.body);
    }
  });

  it('counts hostile bodies refused before the parse', () => {
    const parsed = t.dsp.metrics.snapshot().counters['dsp.parsed'] ?? 0;
    for (let i = 0; i < 5; i++) t.dsp.handleRequest('serviceS', nested(5_000));
    const c = t.dsp.metrics.snapshot().counters;
    assert.equal(c['dsp.precheck.depth'], 5);
    assert.equal(c['dsp.parsed'] ?? 0, parsed, 'none reached the parser');
  });
});
