/**
 * DSP-4 exports and DSP-5 reports on both stores (SQLite and PostgreSQL):
 * a day of traffic of every kind, then the local-delivery files per CSP
 * (written by the job on the Clock, parsed back), the charges per user and
 * the performance-measure exclusions, with their figures.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import {
  CHF,
  DSP_TRUST,
  deviceResponse,
  ESME,
  NETWORK_OPERATOR,
  networkSigner,
  openTestDsp,
  rtdsContent,
  rtdsSecurity,
  SUPPLIER,
  signedRequest,
  type TestDsp,
  templateRequest,
} from '../../../test/support/dsp-service.ts';
import { forEachStoreKind } from '../../adapters/store/testing.ts';
import { signedPreCommandBody, verifyAndParseDuisResponse } from '../../duis/index.ts';
import { DAY_MS, parseCsv, parseLocalDeliveryCsv } from './local-delivery-csv.ts';
import { LocalDeliveryExporter } from './local-delivery-log.ts';
import { chargesCsv, chargesReport, performanceCsv, performanceReport } from './reports.ts';

const ECS17B = 'ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML';
const ECS17B_RESPONSE = '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX';
const ECS70 = 'ECS70_6.11_SUCCESS_REQUEST_DUIS.XML';
const SOUTH_ESME = '00DB1234567890A6';

function ok(reply: { body: string; httpStatus: number }, code: string): void {
  assert.equal(reply.httpStatus, 200, reply.body);
  assert.equal(verifyAndParseDuisResponse(reply.body, DSP_TRUST).response.header.responseCode, code);
}

/** A day of traffic; returns the Request IDs by role. */
function dayOfTraffic(t: TestDsp): Record<string, string> {
  const { dsp, clock } = t;
  const ids: Record<string, string> = {};
  const respond = (afterMs: number) => {
    const cmd = t.downlink.last()!;
    clock.advance(afterMs);
    dsp.onDeviceMessage({
      chf: cmd.chf,
      gbcs: deviceResponse(cmd.gbcs, rtdsContent(ECS17B_RESPONSE)),
      at: clock.now(),
    });
  };
  clock.advance(3600_000);
  let r = dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 1000n }));
  ok(r, 'I99');
  ids.wanFast = r.requestId!;
  respond(2_000);
  r = dsp.handleRequest('serviceD', templateRequest(ECS17B, { counter: 1001n, cv: 2 }));
  ok(r, 'I0');
  ids.local = r.requestId!;
  r = dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 1002n, cv: 3 }));
  ok(r, 'I99');
  ids.race = r.requestId!;
  for (const [counter, cv] of [
    [1003n, 6],
    [1004n, 7],
  ] as const) {
    const pre = verifyAndParseDuisResponse(
      dsp.handleRequest('serviceT', templateRequest(ECS70, { counter })).body,
      DSP_TRUST,
    ).response;
    assert.ok(pre.body.kind === 'ResponseMessage' && pre.body.payload?.type === 'PreCommand');
    r = dsp.handleRequest(
      cv === 6 ? 'serviceD' : 'serviceS',
      signedRequest({
        target: ESME,
        counter,
        cv,
        srv: '6.11',
        body: signedPreCommandBody({ gbcsPayload: rtdsSecurity().sign(pre.body.payload.gbcs) }),
      }),
    );
    ok(r, cv === 6 ? 'I0' : 'I99');
    ids[`cv${cv}`] = r.requestId!;
  }
  r = dsp.handleRequest(
    'serviceD',
    templateRequest(ECS17B, { counter: 500n, cv: 2, originator: NETWORK_OPERATOR, signer: networkSigner }),
  );
  ok(r, 'I0');
  ids.networkLocal = r.requestId!;
  r = dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 1006n, target: SOUTH_ESME }));
  ok(r, 'I99');
  ids.wanSlow = r.requestId!;
  respond(45_000);
  dsp.setChIsolated(CHF, true);
  r = dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 1007n }));
  ok(r, 'I99');
  ids.isolated = r.requestId!;
  respond(1_000);
  return ids;
}

forEachStoreKind((kind) => {
  it('DSP-4 files per CSP per day, DSP-5 charges and performance exclusions, after a restart', async () => {
    const t = await openTestDsp(kind);
    const dir = mkdtempSync(join(tmpdir(), 'dsp-export-'));
    try {
      const ids = dayOfTraffic(t);
      await t.dsp.idle();
      const dsp = await t.restart(); // the reports come from the store, not from memory
      const exporter = new LocalDeliveryExporter(t.clock, dsp, { dir });
      exporter.start();
      t.clock.runUntil(Date.UTC(2026, 0, 2));
      await exporter.idle();
      assert.equal(exporter.lastError, undefined);
      assert.deepEqual(readdirSync(dir).sort(), ['csp-north', 'csp-south']);
      assert.deepEqual(readdirSync(join(dir, 'csp-south')), ['local-delivery-20260101.csv']);
      const north = parseLocalDeliveryCsv(
        readFileSync(join(dir, 'csp-north', 'local-delivery-20260101.csv'), 'utf8'),
      );
      assert.deepEqual(
        north.map((x) => [x.requestId, x.cv]),
        [
          [ids.local, 2],
          [ids.race, 3],
          [ids.cv6, 6],
          [ids.cv7, 7],
          [ids.networkLocal, 2],
        ],
      );
      assert.ok(north.every((x) => x.csp === 'csp-north' && x.chf === CHF && x.target === ESME));
      assert.deepEqual(
        parseLocalDeliveryCsv(readFileSync(join(dir, 'csp-south', 'local-delivery-20260101.csv'), 'utf8')),
        [],
      );

      const day = { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 1) + DAY_MS };
      const charges = await chargesReport(dsp.db, { ...day, currency: 'GBP' });
      assert.equal(charges.currency, 'GBP');
      assert.deepEqual(
        charges.lines.map((l) => [l.user, l.srClass, l.cv, l.count, l.amount]),
        [
          [SUPPLIER, 'critical', 6, 1, 4],
          [SUPPLIER, 'critical', 7, 1, 5],
          [SUPPLIER, 'non-critical', 2, 1, 2],
          [SUPPLIER, 'non-critical', 3, 1, 3],
          [NETWORK_OPERATOR, 'non-critical', 2, 1, 2],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
      assert.deepEqual(
        charges.totals.find((x) => x.user === SUPPLIER),
        { user: SUPPLIER, count: 4, amount: 14 },
      );
      const csv = parseCsv(chargesCsv(charges));
      assert.equal(csv[0].join(','), 'period_from,period_to,user,sr_class,cv,count,amount,currency');
      assert.equal(csv.length, 1 + charges.lines.length);
      const onlyNetwork = await chargesReport(dsp.db, { ...day, currency: 'GBP', user: NETWORK_OPERATOR });
      assert.deepEqual(onlyNetwork.totals, [{ user: NETWORK_OPERATOR, count: 1, amount: 2 }]);

      const perf = await performanceReport(dsp.db, { ...day, targetMs: 30_000 });
      assert.deepEqual(perf.summary, {
        measured: 2,
        measuredResponded: 2,
        measuredWithinTarget: 1,
        excluded: 6,
        excludedByReason: { 'local-delivery': 3, 'local-delivery-race': 2, 'ch-isolated': 1 },
      });
      const byId = new Map(perf.rows.map((x) => [x.requestId, x]));
      assert.equal(byId.get(ids.wanFast)?.responseMs, 2_000);
      assert.equal(byId.get(ids.wanSlow)?.responseMs, 45_000);
      assert.equal(byId.get(ids.isolated)?.exclusion, 'ch-isolated');
      assert.equal(byId.get(ids.race)?.exclusion, 'local-delivery-race');
      assert.equal(byId.get(ids.cv6)?.exclusion, 'local-delivery');
      const pcsv = parseCsv(performanceCsv(perf));
      assert.equal(pcsv.length, 1 + perf.rows.length);
      assert.equal(pcsv[0].at(-1), 'exclusion_reason');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await t.close();
    }
  });
});
