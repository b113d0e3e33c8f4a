/**
 * Issue 14: the live dashboards in headless Chromium (playwright-core, the
 * system /usr/bin/chromium, a fresh profile) on a system built as `npm start`
 * builds it (the default WAN mix, the DSP-4 logs passed to the CHM by
 * themselves), on ephemeral ports in real time:
 *
 * - the start page, the supplier console and the CHM Alerts Dashboard draw
 *   their charts (Chart.js served by each server, no CDN) with data after
 *   top-ups, and update them live over Server-Sent Events without a reload;
 * - no console error and no failed request on any page (favicon included);
 * - every link of every page, and every URL the README documents, answers 200;
 * - the JSON and SSE endpoints behind the charts, and per-home figures on
 *   `GET /api/estate/homes/:id`.
 *
 * Screenshots: test-artifacts/start-page.png, supplier-console-charts.png,
 * chm-dashboard-charts.png, chm-dashboard-block-wan-down.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { CommandRecord } from '../../src/supplier/model.ts';
import { authFetch, authHeadersFor, browserSignIn, duisClient, operatorToken } from '../support/auth.ts';
import { ARTIFACTS, launchChromium } from '../support/browser.ts';
import { awaitCommand, type E2eSystem, http, startE2eSystem } from './harness.ts';

const STEP_MS = 90_000;

/** The first event of an SSE stream: `{event, data}`. */
async function firstEvent(url: string, name: string): Promise<unknown> {
  const ctl = new AbortController();
  const res = await authFetch(url, { signal: ctl.signal });
  assert.equal(res.status, 200, url);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${url} ended before a ${name} event`);
      buf += dec.decode(value, { stream: true });
      for (const block of buf.split('\n\n')) {
        const ev = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (ev === name && data) return JSON.parse(data);
      }
    }
  } finally {
    ctl.abort();
  }
}

describe('e2e: live dashboards with charts in a browser (issue 14)', () => {
  let e: E2eSystem;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  /** Console errors, page errors and failed requests of every page, with the page they came from. */
  const problems: string[] = [];
  const links = new Set<string>();

  before(async () => {
    // the SM WAN backchannel buttons of the start page need the test API (issue 13)
    e = await startE2eSystem({ homes: 4, wanMix: undefined, dspLogPeriodMs: 2_000, testApi: true });
    profileDir = mkdtempSync(join(tmpdir(), 'dash-chromium-'));
    context = await launchChromium(profileDir, { viewport: { width: 1440, height: 900 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${page.url()}: console error: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`${page.url()}: page error: ${err.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${page.url()}: ${r.status()} ${r.url()}`);
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    // issue 13: an operator signs in once; the session cookie serves every console on this host
    await browserSignIn(page, `${e.sys.urls.start}/`, operatorToken(e.sys));
  });

  after(async () => {
    await context?.close();
    await e?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  /** Every `a[href]` of the page (absolute), for the link check at the end. */
  async function collectLinks(): Promise<void> {
    const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
    for (const h of hrefs) if (h.startsWith('http')) links.add(h.split('#')[0]);
  }

  /** The number of points a chart draws now (set by shared/charts.js). */
  async function points(testid: string): Promise<number> {
    return Number((await page.getAttribute(`[data-testid="${testid}"]`, 'data-points')) ?? '0');
  }
  async function total(testid: string): Promise<number> {
    return Number((await page.getAttribute(`[data-testid="${testid}"]`, 'data-total')) ?? '0');
  }
  /** Waits until a chart draws a sum of at least `min` (its data-total, set by shared/charts.js). */
  async function waitChart(testid: string, min: number, what: string): Promise<void> {
    await page.waitForFunction(
      ([id, m]) =>
        Number(document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-total') ?? '0') >= m,
      [testid, min] as const,
      { timeout: STEP_MS },
    );
    assert.ok(await points(testid), `${what}: the chart has points`);
  }

  async function order(premisesId: string, body: Record<string, unknown>): Promise<CommandRecord> {
    const r = await http<CommandRecord>(
      e.sys.urls.supplier,
      'POST',
      `/api/v1/premises/${premisesId}/commands`,
      body,
    );
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return r.body;
  }

  it('start page: estate charts, homes with CH mode and uplink buffer, live over SSE without reload', async () => {
    const { sys } = e;
    await page.goto(sys.urls.start!);
    await page.waitForSelector('[data-testid="live"].on');
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'no-reload';
    });
    assert.equal(await page.locator('[data-testid="home-row"]').count(), 4);
    assert.equal((await page.locator('[data-testid="console-row"]').count()) >= 5, true);
    await waitChart('chart-wan', 1, 'WAN up/down');
    await waitChart('chart-alerts', 1, 'CHM alerts per type (PPMID Connected at provisioning)');

    // Live: a reliable home's WAN goes down from the page (SM WAN backchannel); the row and the chart follow.
    const home = sys.estate!.homes.find((h) => h.plan.wanClass === 'reliable')!;
    await page.click(`[data-testid="wan-down-${home.premisesId}"]`);
    await page.waitForFunction(
      (id) => document.querySelector(`[data-testid="wan-${id}"]`)?.textContent === 'down',
      home.premisesId,
      { timeout: STEP_MS },
    );
    // A top-up through its PPMID: the response waits in the CH's uplink buffer (CH-4), shown live.
    const c = await order(home.premisesId, {
      order: { kind: 'top-up', value: 200, valueClass: 'pennies' },
      route: 'ppmid',
    });
    await page.waitForFunction(
      (id) => document.querySelector(`[data-testid="buffer-${id}"]`)?.textContent === '1',
      home.premisesId,
      { timeout: STEP_MS },
    );
    await waitChart('chart-commands', 1, 'commands per route and state');
    await waitChart('chart-relays', 1, 'PPMID relays delivered');
    assert.equal(Number(await page.textContent('[data-testid="tile-relays"]')) >= 1, true);
    await page.screenshot({ path: join(ARTIFACTS, 'start-page.png'), fullPage: true });
    // The WAN returns (button "model"): the command is answered.
    await page.click(`[data-testid="wan-model-${home.premisesId}"]`);
    const done = await awaitCommand(sys, c.id);
    assert.equal(done.state, 'responded', done.reason);
    assert.equal(await page.evaluate(() => (window as unknown as { marker: string }).marker), 'no-reload');
    await collectLinks();
  });

  it('supplier console: latency CDF by route, commands per state over time, all homes; live', async () => {
    const { sys } = e;
    // A WAN top-up and one routed by the planner through the no-WAN home's PPMID (SU-1 none).
    const reliable = sys.estate!.homes.find((h) => h.plan.wanClass === 'reliable')!;
    const wanCmd = await order(reliable.premisesId, {
      order: { kind: 'top-up', value: 100, valueClass: 'pennies' },
      route: 'wan',
    });
    assert.equal((await awaitCommand(sys, wanCmd.id)).state, 'responded');
    await page.goto(sys.urls.supplierConsole!);
    await page.waitForSelector('body[data-live="true"]');
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'no-reload';
    });
    await page.waitForSelector('[data-testid="homes-table"] tbody tr.home');
    assert.equal(await page.locator('[data-testid="homes-table"] tbody tr.home').count(), 4, 'every home');
    await waitChart('chart-latency', 1, 'latency CDF');
    await waitChart('chart-states', 1, 'commands per state over time');
    const before = await total('chart-routes');
    assert.ok(before >= 2);
    assert.match((await page.textContent('[data-testid="latency-summary"]')) ?? '', /median/);

    const noWan = sys.estate!.homes.find((h) => h.plan.wanClass === 'none')!;
    const local = await order(noWan.premisesId, {
      order: { kind: 'top-up', value: 100, valueClass: 'pennies' },
    });
    assert.equal(local.route, 'ppmid');
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="chart-routes"]')?.getAttribute('data-total')) > n,
      before,
      { timeout: STEP_MS },
    );
    await awaitCommand(sys, local.id, (x) => x.ppmid?.status === 'forwarded');
    assert.equal(await page.evaluate(() => (window as unknown as { marker: string }).marker), 'no-reload');
    await page.screenshot({ path: join(ARTIFACTS, 'supplier-console-charts.png'), fullPage: true });
    await collectLinks();
  });

  it('CHM dashboard: alerts per type over time, local deliveries per day (DSP logs loaded by themselves), CH modes; Block to a CH whose WAN is down is pending', async () => {
    const { sys } = e;
    await page.goto(sys.urls.chmDashboard!);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('[data-testid="live"].on');
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'no-reload';
    });
    await waitChart('chart-alerts', 1, 'alerts per type');
    await waitChart('chart-modes', 4, 'CHs by mode');
    assert.equal(await total('chart-modes'), 4);
    // The DSP passes its local-delivery log every 2 s here: the PPMID top-ups appear in billing.
    await waitChart('chart-billing', 2, 'local deliveries and charges per day');
    // Charges at the DSP-5 tariff of the system's DSP (CV 2 of a non-critical SR: 2p each by default).
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-testid="chart-billing"]')?.getAttribute('data-charges')) >= 4,
      undefined,
      { timeout: STEP_MS },
    );
    assert.match(
      (await page.textContent('[data-testid="billing-note"]')) ?? '',
      /in \d+ DSP log files, charges \d+\.\d\d GBP/,
    );
    assert.equal(await page.textContent('[data-testid="standalone-count"]'), 'none in standalone mode');
    await page.screenshot({ path: join(ARTIFACTS, 'chm-dashboard-charts.png'), fullPage: true });

    // Block Buffer Feed to the CH whose SM WAN is down: the answer says so, the CH shows it pending.
    const noWan = sys.estate!.homes.find((h) => h.plan.wanClass === 'none')!;
    assert.equal(noWan.link.isUp(), false);
    await page.fill('[data-testid="operator"]', 'alice');
    await page.dispatchEvent('[data-testid="operator"]', 'change');
    await page.click('nav.tabs button[data-tab="chs"]');
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/chs/${noWan.plan.chf}/block`)),
      page.click(`#chs-body [data-testid="block-${noWan.plan.chf}"]`),
    ]);
    assert.equal(resp.status(), 202);
    const body = (await resp.json()) as { wan: string; message: string; status: string };
    assert.equal(body.wan, 'down');
    assert.match(body.message, /SM WAN is down/);
    await page.waitForSelector(`[data-testid="pending-${noWan.plan.chf}"]`);
    assert.match(
      (await page.textContent(`[data-testid="pending-${noWan.plan.chf}"]`)) ?? '',
      /waiting: SM WAN down/,
    );
    assert.equal(await page.textContent(`[data-testid="wan-${noWan.plan.chf}"]`), 'down');
    assert.match((await page.textContent('#toast')) ?? '', /SM WAN is down/);
    await page.screenshot({ path: join(ARTIFACTS, 'chm-dashboard-block-wan-down.png'), fullPage: false });

    // Live: a Block to a CH with its WAN up goes standalone; the label follows without a reload.
    const up = sys.estate!.homes.find((h) => h.plan.wanClass === 'reliable' && h.link.isUp())!;
    await page.click(`#chs-body [data-testid="block-${up.plan.chf}"]`);
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="standalone-count"]')?.textContent === '1 in standalone mode',
      undefined,
      { timeout: STEP_MS },
    );
    assert.match((await page.textContent('[data-testid="standalone-label"]')) ?? '', /1 in standalone mode/);
    assert.equal(await page.evaluate(() => (window as unknown as { marker: string }).marker), 'no-reload');
    await collectLinks();
  });

  it('every link of every page and every documented URL answers 200; no console error anywhere', async () => {
    const u = e.sys.urls;
    const documented = [
      `${u.start}/`,
      `${u.supplier}/`,
      `${u.supplier}/api/v1/`,
      `${u.supplier}/console/`,
      `${u.supplier}/openapi.json`,
      `${u.dsp}/`,
      `${u.dsp}/api/v1/serviceS`,
      `${u.dsp}/api/v1/serviceT`,
      `${u.dsp}/api/v1/serviceD`,
      `${u.chm}/`,
      `${u.chm}/api/`,
      `${u.start}/favicon.ico`,
      `${u.supplier}/favicon.ico`,
      `${u.dsp}/favicon.ico`,
      `${u.chm}/favicon.ico`,
    ];
    const failures: string[] = [];
    // The DSP serves the DCC User Interface on https with the system's test CA (issue 13).
    const dspTls = duisClient(e.dir, null);
    try {
      for (const url of [...new Set([...links, ...documented])]) {
        const res = url.startsWith('https:')
          ? await dspTls(url, { headers: authHeadersFor(url) })
          : await authFetch(url, { redirect: 'follow' });
        await res.arrayBuffer();
        if (res.status !== 200) failures.push(`${res.status} ${url}`);
      }
    } finally {
      dspTls.close();
    }
    assert.deepEqual(failures, [], 'links that do not answer 200');
    // The Receive Response Service is mutual TLS for the DSP alone (issue 13): listed as text, never as a link.
    assert.match(u.supplierReceive!, /^https:/);
    assert.ok(![...links].some((l) => l.startsWith(u.supplierReceive!)), 'the receive URL is not a link');
    assert.ok(links.size >= 10, `links checked: ${links.size}`);
    // The pages once more, to catch what a first load logs (e.g. a favicon 404).
    // (the DSP's https pages are checked above: a browser would first have to trust the test CA)
    for (const url of [u.start!, u.supplierConsole!, u.chmDashboard!, `${u.supplier}/`]) {
      await page.goto(url);
      await page.waitForLoadState('load');
    }
    assert.deepEqual(problems, [], 'console errors and failed requests');
  });

  it('the JSON and SSE endpoints behind the charts; per-home figures are that home only', async () => {
    const { sys } = e;
    const summary = await http<{ homes: unknown[]; wan: { up: number; down: number }; commands: unknown[] }>(
      sys.urls.start,
      'GET',
      '/api/estate/summary',
    );
    assert.equal(summary.status, 200);
    assert.equal(summary.body.homes.length, 4);
    assert.equal(summary.body.wan.up + summary.body.wan.down, 4);
    assert.ok(summary.body.commands.length > 0);
    const history = await http<{ samples: Array<{ t: number; wanUp: number }> }>(
      sys.urls.start,
      'GET',
      '/api/estate/history',
    );
    assert.ok(history.body.samples.length >= 2);
    const hello = (await firstEvent(`${sys.urls.start}/api/estate/events`, 'hello')) as {
      summary: { homes: unknown[] };
      history: unknown[];
    };
    assert.equal(hello.summary.homes.length, 4);

    const stats = await http<{
      latency: Array<{ route: string; n: number }>;
      totals: Record<string, number>;
    }>(sys.urls.supplier, 'GET', '/console/api/stats');
    assert.equal(stats.status, 200);
    assert.ok(stats.body.latency.some((l) => l.route === 'wan' && l.n >= 1));
    const live = (await firstEvent(`${sys.urls.supplier}/console/api/stats/events`, 'stats')) as {
      totals: Record<string, number>;
    };
    assert.deepEqual(Object.keys(live.totals).sort(), Object.keys(stats.body.totals).sort());

    const apt = await http<{
      bucketMs: number;
      types: string[];
      buckets: Array<{ counts: Record<string, number> }>;
    }>(sys.urls.chm, 'GET', '/api/reports/alerts-over-time');
    assert.ok(apt.body.types.includes('ppmid-connected'));
    const counted = apt.body.buckets.reduce(
      (a, b) => a + Object.values(b.counts).reduce((x, y) => x + y, 0),
      0,
    );
    assert.equal(counted, await sys.chm!.repo.countAlerts({}));

    // Per home: its CH's metrics are its own (they add up to the estate's), not the estate's.
    const estate = sys.estate!.metricsSnapshot().counters['chf.alert.ppmid-connected'] ?? 0;
    let sum = 0;
    for (const h of sys.estate!.homes) {
      const r = await http<{ premisesId: string; ch: { metrics: { counters: Record<string, number> } } }>(
        sys.urls.start,
        'GET',
        `/api/estate/homes/${h.premisesId}`,
      );
      assert.equal(r.body.premisesId, h.premisesId);
      const mine = r.body.ch.metrics.counters['chf.alert.ppmid-connected'] ?? 0;
      assert.ok(mine > 0 && mine < estate, `${h.premisesId}: ${mine} of ${estate}`);
      sum += mine;
    }
    assert.equal(sum, estate);
  });
});
