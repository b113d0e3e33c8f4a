/**
 * Issue 17: a future-dated request whose ExecutionDateTime is before the
 * DSP's clock is refused, over HTTP (XSD on, XML-DSig verified, signed
 * answers): PROVISIONAL E30 (src/dcc/dsp/execution-date.ts), before its
 * Command Variant is considered (a CV 2 gets E30, not the E17 of future-dated
 * local delivery), for a DSP-held (4.1.1) and a device-future-dated (1.6)
 * SR alike. The same requests dated after the clock, and the DUIS
 * cancellation date 3000-12-31, are accepted. The clock is virtual.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DspService, RunningDspHttp } from '../../src/dcc/dsp/index.ts';
import { type DuisResponse, formatDateTime, verifyAndParseDuisResponse } from '../../src/duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../src/duis/xsd-inprocess.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import { CspDownlinkTestDouble } from '../support/csp-downlink-test-double.ts';
import {
  DSP_TRUST,
  NETWORK_USER,
  openTestDspHttp,
  RecordingTransport,
  SUPPLIER_USER,
  type TestDspHttp,
  templateRequest,
} from '../support/dsp-service.ts';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const READ_411 = 'ECS17b_4.1.1_DSP_FUTURE_DATED_REQUEST_DUIS.XML';
const GAS_16 = 'GCS03_1.6_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML';
const GAS_16_CANCEL = 'GCS03_1.6_CANCELLATION_SUCCESS_REQUEST_DUIS.XML';

let counter = 7_000n;
const dated = (file: string, at: number | undefined, cv?: 1 | 2 | 4) =>
  templateRequest(file, {
    counter: ++counter,
    ...(cv ? { cv } : {}),
    edit: (x) =>
      at === undefined
        ? x
        : x.replace(/<sr:ExecutionDateTime>[^<]*</, `<sr:ExecutionDateTime>${formatDateTime(new Date(at))}<`),
  });

describe('DSP over HTTP: a future-dated request whose ExecutionDateTime has passed (PROVISIONAL E30)', () => {
  let t: TestDspHttp;
  let dsp: DspService;
  let http: RunningDspHttp;

  before(async () => {
    t = await openTestDspHttp({
      clock: new VirtualClock(NOW),
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

  async function post(endpoint: string, xml: string): Promise<DuisResponse> {
    const res = await fetch(`${http.url}/api/v1/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml,
    });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    const v = validateAgainstDuisXsdInProcess(body);
    assert.ok(v.valid, `XSD: ${v.errors.join('; ')}`);
    return verifyAndParseDuisResponse(body, DSP_TRUST).response;
  }

  const cases: Array<{ name: string; endpoint: string; xml: () => string; code: string }> = [
    {
      name: "4.1.1 DSP-held, the DCC template as it is (2015-01-15, before the DSP's 2026 clock)",
      endpoint: 'serviceS',
      xml: () => dated(READ_411, undefined),
      code: 'E30',
    },
    {
      name: '4.1.1 DSP-held, one second before the clock',
      endpoint: 'serviceS',
      xml: () => dated(READ_411, NOW - 1000),
      code: 'E30',
    },
    {
      name: '4.1.1 CV 2, dated before the clock: E30, not the E17 of future-dated local delivery',
      endpoint: 'serviceD',
      xml: () => dated(READ_411, NOW - 60_000, 2),
      code: 'E30',
    },
    {
      name: '4.1.1 CV 2, dated after the clock: E17 (future-dated work is not offered for local delivery)',
      endpoint: 'serviceD',
      xml: () => dated(READ_411, NOW + 60_000, 2),
      code: 'E17',
    },
    {
      name: '4.1.1 DSP-held, dated at the clock: accepted',
      endpoint: 'serviceS',
      xml: () => dated(READ_411, NOW),
      code: 'I99',
    },
    {
      name: '4.1.1 DSP-held, an hour after the clock: accepted',
      endpoint: 'serviceS',
      xml: () => dated(READ_411, NOW + 3_600_000),
      code: 'I99',
    },
    {
      name: '1.6 device-future-dated (CV 4), a day before the clock',
      endpoint: 'serviceT',
      xml: () => dated(GAS_16, NOW - 86_400_000),
      code: 'E30',
    },
    {
      name: '1.6 device-future-dated (CV 4), the template date 2030-01-15: accepted (Pre-Command)',
      endpoint: 'serviceT',
      xml: () => dated(GAS_16, undefined),
      code: 'I0',
    },
    {
      name: '1.6 cancellation (CV 4, ExecutionDateTime 3000-12-31): not a date, accepted',
      endpoint: 'serviceT',
      xml: () => dated(GAS_16_CANCEL, undefined),
      code: 'I0',
    },
  ];

  for (const c of cases)
    it(`${c.name}: ${c.code}`, async () => {
      const before = dsp.metrics.counter('rejected.DSP_EXECUTION_IN_PAST').value;
      const r = await post(c.endpoint, c.xml());
      assert.equal(r.header.responseCode, c.code);
      assert.equal(
        dsp.metrics.counter('rejected.DSP_EXECUTION_IN_PAST').value - before,
        c.code === 'E30' ? 1 : 0,
        'counted under its typed error',
      );
    });
});
