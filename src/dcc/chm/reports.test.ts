import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { forEachStoreKind } from '../../adapters/store/testing.ts';
import { type HomeProfile, loadProfile } from '../../devices/home/profiles.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { formatLocalDeliveryCsv, type LocalDeliveryRecord, parseCsv } from '../dsp/local-delivery-csv.ts';
import { ChmError } from './errors.ts';
import { connectPpmid, createChmEstate } from './estate.ts';
import {
  alertsCsv,
  billingCsv,
  billingReport,
  performanceCsv,
  performanceExclusions,
  safeCell,
} from './reports.ts';

let profile: HomeProfile;
before(async () => {
  profile = await loadProfile('generated');
});

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const SUPPLIER_A = '90B3D51F30010000';
const SUPPLIER_B = '90B3D51F30030000';

function record(i: number, o: Partial<LocalDeliveryRecord> = {}): LocalDeliveryRecord {
  return {
    requestId: `90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:${1000 + i}`,
    user: SUPPLIER_A,
    target: '00DB1234567890A0',
    chf: '00DB1234567890A2',
    csp: 'north',
    srv: '4.1.1',
    cv: 3,
    issuedAt: T0 + i * 3_600_000,
    gbcsSha256: i.toString(16).toUpperCase().padStart(64, '0'),
    ...o,
  };
}

forEachStoreKind((_kind, open) => {
  async function estate(t: { after: (fn: () => Promise<void>) => void }) {
    const store = await open();
    t.after(() => store.close());
    const clock = new VirtualClock(T0);
    const e = await createChmEstate({ clock, store, homes: 2, profile });
    return { clock, e };
  }

  describe('DSP-4 local-delivery log import and CSP-4 reports', () => {
    it('imports a DSP-4 file with the DSP codec; a file is loaded once; known rows are duplicates', async (t) => {
      const { e } = await estate(t);
      const day1 = formatLocalDeliveryCsv([record(0), record(1), record(2, { user: SUPPLIER_B, cv: 7 })]);
      const r1 = await e.chm.importDspLog('local-delivery-20260101.csv', day1);
      assert.deepEqual([r1.rows, r1.added, r1.duplicates, r1.alreadyImported], [3, 3, 0, false]);
      const again = await e.chm.importDspLog('copy.csv', day1);
      assert.equal(again.alreadyImported, true);
      assert.equal(again.id, r1.id);
      // a later file repeating one row (e.g. a re-export) adds only the new ones
      const day2 = formatLocalDeliveryCsv([record(2, { user: SUPPLIER_B, cv: 7 }), record(30, { cv: 2 })]);
      const r2 = await e.chm.importDspLog('local-delivery-20260102.csv', day2);
      assert.deepEqual([r2.rows, r2.added, r2.duplicates], [2, 1, 1]);
      assert.equal((await e.chm.repo.localDeliveries()).length, 4);
      assert.equal((await e.chm.repo.imports()).length, 2);
    });

    it('refuses a malformed file with the line that is wrong, storing nothing', async (t) => {
      const { e } = await estate(t);
      const good = formatLocalDeliveryCsv([record(0), record(1)]);
      const bad = good.replace(',4.1.1,3,', ',4.1.1,5,');
      await assert.rejects(e.chm.importDspLog('bad.csv', bad), (err: ChmError) => {
        assert.equal(err.code, 'CHM_IMPORT');
        assert.match(err.message, /line 2/);
        return true;
      });
      await assert.rejects(e.chm.importDspLog('x.csv', 'not,a,dsp,file\r\n'), ChmError);
      assert.equal((await e.chm.repo.imports()).length, 0);
      assert.equal((await e.chm.repo.localDeliveries()).length, 0);
    });

    it('billing per user per period (day and month), with CSV', async (t) => {
      const { e } = await estate(t);
      await e.chm.importDspLog(
        'f.csv',
        formatLocalDeliveryCsv([
          record(0),
          record(1, { cv: 2 }),
          record(25, { user: SUPPLIER_B, cv: 7, chf: '00DB123456790012' }),
          record(26, { cv: 6 }),
          record(24 * 40, {}),
        ]),
      );
      const days = await billingReport(e.chm.repo, { period: 'day', from: T0, to: T0 + 2 * DAY });
      assert.deepEqual(
        days.map((r) => [r.period, r.user, r.localDeliveries, r.cv2, r.cv3, r.cv6, r.cv7, r.chs]),
        [
          ['2026-01-01', SUPPLIER_A, 2, 1, 1, 0, 0, 1],
          ['2026-01-02', SUPPLIER_A, 1, 0, 0, 1, 0, 1],
          ['2026-01-02', SUPPLIER_B, 1, 0, 0, 0, 1, 1],
        ],
      );
      const months = await billingReport(e.chm.repo, { period: 'month' });
      assert.deepEqual(
        months.map((r) => [r.period, r.user, r.localDeliveries]),
        [
          ['2026-01', SUPPLIER_A, 3],
          ['2026-01', SUPPLIER_B, 1],
          ['2026-02', SUPPLIER_A, 1],
        ],
      );
      const csv = parseCsv(billingCsv(months));
      assert.deepEqual(csv[0], [
        'period',
        'user',
        'csp',
        'local_deliveries',
        'cv2',
        'cv3',
        'cv6',
        'cv7',
        'chs',
        'charges',
        'currency',
      ]);
      assert.deepEqual(csv[1], ['2026-01', SUPPLIER_A, 'north', '3', '1', '1', '1', '0', '1', '', '']);
      assert.ok(
        days.every((r) => r.charges === null && r.currency === null),
        'no tariff: no charges',
      );
      // With the DSP-5 tariff: 4.1.1 is non-critical (CV 2: 2p, CV 3: 3p); a rate it lacks charges 0.
      const tariff = { currency: 'GBP', rates: { 'non-critical': { 2: 2, 3: 3 }, critical: { 6: 4, 7: 5 } } };
      const charged = await billingReport(e.chm.repo, { period: 'day', from: T0, to: T0 + 2 * DAY, tariff });
      assert.deepEqual(
        charged.map((r) => [r.period, r.user, r.charges, r.currency]),
        [
          ['2026-01-01', SUPPLIER_A, 5, 'GBP'],
          ['2026-01-02', SUPPLIER_A, 0, 'GBP'],
          ['2026-01-02', SUPPLIER_B, 0, 'GBP'],
        ],
      );
    });

    it('performance exclusion list: PPMID-delivered SRs and isolated CHs overlapping the period (A21)', async (t) => {
      const { clock, e } = await estate(t);
      const h = e.homes[1];
      await e.chm.importDspLog('f.csv', formatLocalDeliveryCsv([record(1), record(24 * 5)]));
      await e.chm.block(h.chf, { operator: 'alice' });
      clock.advance(10_000);
      await e.chm.whenIdle();
      const all = await performanceExclusions(e.chm.repo, { from: T0, to: T0 + DAY });
      assert.deepEqual(
        all.map((x) => [x.kind, x.chf, x.requestId, x.to]),
        [
          ['isolated-ch', h.chf, null, null],
          ['ppmid-delivered-sr', '00DB1234567890A2', record(1).requestId, null],
        ],
      );
      // a period before the block shows no isolation
      const before = await performanceExclusions(e.chm.repo, { from: T0 - DAY, to: T0 });
      assert.deepEqual(before, []);
      const csv = parseCsv(performanceCsv(all));
      assert.equal(csv.length, 3);
      assert.equal(csv[1][0], 'isolated-ch');
      assert.equal(csv[1][7], '', 'an ongoing isolation has no end');
    });

    it('alerts per CH per type per day', async (t) => {
      const { clock, e } = await estate(t);
      connectPpmid(e.homes[0]);
      clock.advance(10_000);
      await e.chm.whenIdle();
      clock.advance(DAY);
      e.homes[0].home.setOnline(e.homes[0].ppmid, false);
      e.homes[0].home.setOnline(e.homes[0].ppmid, true);
      connectPpmid(e.homes[1]);
      clock.advance(10_000);
      await e.chm.whenIdle();
      const rows = await e.chm.repo.alertsPerDay({});
      assert.deepEqual(
        rows.map((r) => [r.day, r.chf, r.alertType, r.count]),
        [
          ['2026-01-01', e.homes[0].chf, 'ppmid-connected', 2],
          ['2026-01-02', e.homes[0].chf, 'ppmid-connected', 2],
          ['2026-01-02', e.homes[1].chf, 'ppmid-connected', 2],
        ],
      );
      // back online: PPMID Connected "rejoined", then its tunnel opens again (CH-5)
      const day2 = await e.chm.alerts({ chf: e.homes[0].chf, from: T0 + DAY });
      assert.deepEqual(day2.map((a) => a.reason).sort(), ['rejoined', 'tunnel-opened']);
      const one = await e.chm.repo.alertsPerDay({ chf: e.homes[1].chf, from: T0 + DAY });
      assert.equal(one.length, 1);
    });
  });
});

describe('CSV safety', () => {
  it('prefixes cells a spreadsheet would run as a formula', () => {
    assert.equal(safeCell('=HYPERLINK("x")'), `'=HYPERLINK("x")`);
    assert.equal(safeCell('+1'), "'+1");
    assert.equal(safeCell('@x'), "'@x");
    assert.equal(safeCell('00DB1234567890A2'), '00DB1234567890A2');
    assert.equal(safeCell(-5), -5);
    const csv = alertsCsv([]);
    assert.ok(csv.startsWith('id,received_at,alert_at,chf'));
  });
});
