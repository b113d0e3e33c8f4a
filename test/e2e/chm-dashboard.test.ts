/**
 * The CHM Alerts Dashboard in headless Chromium (playwright-core, the system
 * /usr/bin/chromium, a fresh profile; nothing is downloaded): seeded alerts
 * from real CHFs, filters by CH and type, a live alert arriving without a
 * reload (SSE), Block on a CH until it is listed as standalone, the CSV
 * download of the current view, and a screenshot in test-artifacts/
 * (SECMP0038 CSP-2, CSP-3, 3.1.3).
 *
 * The estate runs on a VirtualClock: after a browser action the test
 * advances it, so the CHF's answer arrives when the test says.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { openTestStore, type TestStore } from '../../src/adapters/store/testing.ts';
import { type ChmEstate, connectPpmid, createChmEstate, ppmidSends } from '../../src/dcc/chm/estate.ts';
import { type RunningChmServer, startChmServer } from '../../src/dcc/chm/http.ts';
import { formatLocalDeliveryCsv, parseCsv } from '../../src/dcc/dsp/local-delivery-csv.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import { ARTIFACTS, launchChromium } from '../support/browser.ts';

describe('CHM Alerts Dashboard in a browser (CSP-2, CSP-3)', () => {
  let store: TestStore;
  let clock: VirtualClock;
  let e: ChmEstate;
  let server: RunningChmServer;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  const settle = async (ms = 5_000) => {
    clock.advance(ms);
    await e.chm.whenIdle();
  };

  before(async () => {
    store = await openTestStore('sqlite');
    clock = new VirtualClock(Date.UTC(2026, 4, 12, 9, 30));
    e = await createChmEstate({ clock, store, homes: 4 });
    // seeded alerts: every PPMID connects; home 1's PPMID relays a Response (CH-2 rejects it)
    for (const h of e.homes) connectPpmid(h);
    await settle();
    const h1 = e.homes[1];
    ppmidSends(
      h1,
      h1.home.chf.security.seal(
        {
          cra: 'response',
          originatorCounter: 42n,
          originator: h1.chf,
          recipient: e.profile.supplier,
          otherInfo: { messageCode: 0x0001 },
          content: Uint8Array.of(0),
        },
        { mac: false },
      ),
    );
    await settle(60_000);
    server = await startChmServer({ chm: e.chm, port: 0 });
    profileDir = mkdtempSync(join(tmpdir(), 'chm-chromium-'));
    context = await launchChromium(profileDir, {
      viewport: { width: 1366, height: 768 },
      acceptDownloads: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    await server?.close();
    await store?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it('loads with the seeded alerts, filters by CH and type, and shows a live alert without reload', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('[data-testid="live"].on');
    const total = await e.chm.repo.countAlerts({});
    assert.equal(total, 9, '4 PPMIDs x (joined, tunnel opened) + 1 relay rejection');
    assert.equal(await page.textContent('[data-testid="alert-count"]'), String(total));
    assert.equal(await page.locator('[data-testid="alert-row"]').count(), total);

    const h1 = e.homes[1];
    await page.selectOption('[data-testid="filter-chf"]', h1.chf);
    await page.selectOption('[data-testid="filter-type"]', 'ppmid-connected');
    await page.click('#alert-filters button[type="submit"]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="alert-count"]')?.textContent === '2',
    );
    const rows = page.locator('[data-testid="alert-row"]');
    assert.equal(await rows.count(), 2);
    for (let i = 0; i < 2; i++) {
      assert.equal(await rows.nth(i).getAttribute('data-chf'), h1.chf);
      assert.equal(await rows.nth(i).getAttribute('data-type'), 'ppmid-connected');
    }

    // live: the PPMID of home 1 drops off the HAN and comes back (CH-5 PPMID Connected "rejoined")
    h1.home.setOnline(h1.ppmid, false);
    h1.home.setOnline(h1.ppmid, true);
    // and an alert that does not match the filter (another CH) must not appear
    e.homes[2].home.setOnline(e.homes[2].ppmid, false);
    e.homes[2].home.setOnline(e.homes[2].ppmid, true);
    await settle();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="alert-count"]')?.textContent === '4',
    );
    assert.equal(await rows.count(), 4);
    assert.equal(await page.locator('[data-testid="alert-row"].fresh').count(), 2);
    assert.ok(
      (await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-chf')))).every((c) => c === h1.chf),
    );
    assert.match((await rows.nth(0).textContent()) ?? '', /rejoined|tunnel-opened/);
  });

  it('downloads the current view as CSV', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="alerts-csv"]'),
    ]);
    const path = await download.path();
    const csv = parseCsv(readFileSync(path, 'utf8'));
    assert.equal(csv[0][0], 'id');
    assert.equal(csv.length, 5, 'header + the 4 alerts of the filtered view');
    const chfCol = csv[0].indexOf('chf');
    const typeCol = csv[0].indexOf('alert_type');
    assert.ok(csv.slice(1).every((r) => r[chfCol] === e.homes[1].chf && r[typeCol] === 'ppmid-connected'));
    assert.match(download.suggestedFilename(), /^chm-alerts-.*\.csv$/);
  });

  it('Block on a CH: the CHF goes standalone and the dashboard lists it; screenshot', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'chm-dashboard.png'), fullPage: false });
    const h0 = e.homes[0];
    await page.fill('[data-testid="operator"]', 'alice');
    await page.dispatchEvent('[data-testid="operator"]', 'change');
    await page.click('nav.tabs button[data-tab="chs"]');
    assert.equal(await page.locator('[data-testid="ch-row"]').count(), 4);
    assert.equal(await page.locator('[data-testid="standalone-row"]').count(), 0);
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/chs/${h0.chf}/block`)),
      page.click(`#chs-body [data-testid="block-${h0.chf}"]`),
    ]);
    assert.equal(resp.status(), 202);
    // the command waits at the CSP until virtual time moves: the WAN carries it, the CHF answers
    await e.chm.whenIdle();
    await settle();
    assert.equal(h0.home.chf.standalone, true);
    await page.waitForSelector(`[data-testid="standalone-row"][data-chf="${h0.chf}"]`);
    assert.equal(await page.textContent('[data-testid="standalone-count"]'), '1 in standalone mode');
    assert.equal(await page.isEnabled(`#standalone-body [data-testid="clear-${h0.chf}"]`), true);
    assert.equal(
      await page.isEnabled(`#standalone-body [data-testid="unblock-${h0.chf}"]`),
      false,
      'A20: not before cleared',
    );
    const cmd = (await e.chm.repo.commands({ chf: h0.chf }))[0];
    assert.equal(cmd.operator, 'alice');
    assert.equal(cmd.status, 'succeeded');
    await page.screenshot({ path: join(ARTIFACTS, 'chm-dashboard-chs.png'), fullPage: false });
  });

  it('loads a DSP-4 file from the page and shows the reports', async () => {
    const file = join(profileDir, 'local-delivery-20260512.csv');
    const rec = (i: number, user: string, cv: 2 | 3 | 6 | 7) => ({
      requestId: `90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:${i}`,
      user,
      target: '00DB1234567890A0',
      chf: e.homes[0].chf,
      csp: 'north',
      srv: '4.1.1',
      cv,
      issuedAt: Date.UTC(2026, 4, 12, 8) + i * 60_000,
      gbcsSha256: i.toString(16).toUpperCase().padStart(64, '0'),
    });
    writeFileSync(
      file,
      formatLocalDeliveryCsv([
        rec(1, '90B3D51F30010000', 3),
        rec(2, '90B3D51F30010000', 7),
        rec(3, '90B3D51F30030000', 2),
      ]),
    );
    await page.click('nav.tabs button[data-tab="dsp"]');
    await page.setInputFiles('[data-testid="dsp-files"]', file);
    await page.click('#dsp-upload button[type="submit"]');
    await page.waitForFunction(() =>
      /3 added/.test(document.querySelector('[data-testid="dsp-result"]')?.textContent ?? ''),
    );
    await page.waitForSelector('[data-testid="imports-table"] tbody tr:not(.empty)');
    await page.click('nav.tabs button[data-tab="reports"]');
    await page.waitForSelector('[data-testid="billing-table"] tbody tr:not(.empty)');
    assert.equal(await page.locator('[data-testid="billing-table"] tbody tr').count(), 2);
    assert.ok((await page.locator('[data-testid="apd-table"] tbody tr').count()) >= 4);
    const perf = page.locator('[data-testid="perf-table"] tbody tr');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="perf-table"] tbody tr').length === 4,
    );
    assert.match((await perf.allTextContents()).join(' '), /isolated-ch/);
    await page.screenshot({ path: join(ARTIFACTS, 'chm-dashboard-reports.png'), fullPage: false });
  });
});
