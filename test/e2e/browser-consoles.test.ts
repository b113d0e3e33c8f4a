/**
 * The consoles in headless Chromium (playwright-core, the system
 * /usr/bin/chromium, a fresh profile; nothing is downloaded), on the running
 * system (src/system: every party, real HTTP, MQTT over TLS, real time) on
 * ephemeral ports (issue 6):
 *
 * 1. Supplier console: a home's WAN goes down. A WAN top-up to its GSME stays
 *    unanswered, so the route planner classifies the WAN `absent` (SU-1,
 *    thresholds shortened for the test) and a top-up in pounds to the ESME
 *    goes through the enhanced PPMID (CV 2). The timeline, live over SSE,
 *    reaches the meter's decision while the response waits in the CH's buffer
 *    (CH-4); the WAN comes back and the response arrives (SU-2 `responded`).
 * 2. CHM Alerts Dashboard: the PPMID Connected alert of that CH (CH-5,
 *    CSP-2); Block on the CH until it is listed in standalone mode (CSP-3).
 * 3. Supplier console: a new local-delivery command is discarded at the CH
 *    (standalone, CH-6) and the timeline says so; then the CH is cleared (A20)
 *    and unblocked.
 *
 * Screenshots go to test-artifacts/ (supplier-console.png,
 * supplier-timeline.png, chm-dashboard-blocked.png). Every wait is for a DOM
 * state or an event, with a timeout; nothing sleeps.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { SimHome } from '../../src/sim/estate.ts';
import { type RunningSystem, startSystem } from '../../src/system/index.ts';
import { authFetch, browserSignIn, operatorToken } from '../support/auth.ts';
import { ARTIFACTS, launchChromium } from '../support/browser.ts';
import { withTimeout } from '../support/wait.ts';

/** Longest wait for one DOM state (real time: HTTP, MQTT/TLS, the HAN and the WAN model). */
const STEP_MS = 60_000;

describe('Supplier console and CHM Alerts Dashboard in a browser (issue 6)', () => {
  let sys: RunningSystem;
  let consoleUrl: string;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  let home: SimHome;
  let topUpId: string;

  const sel = (testid: string) => `[data-testid="${testid}"]`;
  const stage = (id: string, status: string) => `[data-testid="stage-${id}"][data-status="${status}"]`;

  /** Fills and sends the console's Send form; returns the new command's id. */
  async function send(o: { target: string; sr: string; route: string; amount?: string }): Promise<string> {
    await page.selectOption(sel('send-sr'), o.sr);
    await page.selectOption(sel('send-target'), o.target);
    if (o.amount !== undefined) await page.fill(sel('topup-amount'), o.amount);
    await page.check(sel(`route-${o.route}`));
    const [resp] = await Promise.all([
      page.waitForResponse(
        (r) => r.request().method() === 'POST' && /\/api\/v1\/premises\/[^/]+\/commands$/.test(r.url()),
      ),
      page.click(sel('send-button')),
    ]);
    assert.equal(resp.status(), 202, await resp.text());
    const id = (await resp.json()).id as string;
    await page.waitForFunction((cid) => document.body.dataset.timeline === cid, id, { timeout: STEP_MS });
    return id;
  }

  async function hopTexts(): Promise<string[]> {
    return page.locator(`${sel('timeline')} > li`).allTextContents();
  }

  before(async () => {
    sys = await startSystem({
      ephemeral: true,
      homes: 3,
      wanMix: 'reliable=3',
      seed: 'browser-consoles',
      host: '127.0.0.1',
      ports: { dsp: 0, start: 0, chm: 0, supplier: 0, mqtt: 0, wan: 0 },
      workload: 'none',
      wan: { latency: { kind: 'fixed', ms: 50 } },
      // SU-1 thresholds shortened so that a WAN outage is classified within seconds.
      supplier: { wan: { answerWithinMs: 2_000, absentAfterMs: 2_000 } },
    });
    const failures = await withTimeout(sys.provisioned, 120_000, 'every PPMID provisioned (SU-3)');
    assert.deepEqual(failures, []);
    // The system serves the console on the supplier's server, with the estate observer (CH and meter stages).
    assert.ok(sys.urls.supplierConsole, 'the system serves the supplier console');
    consoleUrl = sys.urls.supplierConsole;
    home = sys.estate!.homes[0];
    profileDir = mkdtempSync(join(tmpdir(), 'consoles-chromium-'));
    context = await launchChromium(profileDir, { viewport: { width: 1366, height: 768 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_MS);
    // issue 13: an operator signs in (the session cookie serves every console of the system)
    await browserSignIn(page, consoleUrl, operatorToken(sys));
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await context?.close();
    await sys?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it('top-up through the PPMID to a home whose WAN is down: live timeline to the meter decision, then the response over the WAN', async () => {
    const { chf, esme, gsme, ppmid } = home.plan;
    sys.wan!.backchannel.forceDown(chf);
    await page.goto(consoleUrl);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector(`${sel('live')}.on`);
    assert.equal(await page.locator(sel('home-row')).count(), 3);
    assert.equal(await page.getAttribute(sel('link-chm'), 'href'), sys.urls.chmDashboard);
    assert.equal(await page.getAttribute(sel('link-start'), 'href'), sys.urls.start);
    await page.click(`${sel('home-row')}[data-id="${home.premisesId}"] button`);
    await page.waitForFunction(
      (p) => document.querySelector<HTMLSelectElement>('[data-testid="send-home"]')?.value === p,
      home.premisesId,
    );
    assert.match((await page.textContent(sel('home-summary'))) ?? '', new RegExp(`relay enabled.*${ppmid}`));

    // A form error is shown where the operator looks, and nothing is sent.
    await page.fill(sel('topup-amount'), 'ten pounds');
    await page.click(sel('send-button'));
    await page.waitForSelector(`${sel('send-error')}:not([hidden])`);
    assert.match((await page.textContent(sel('send-error'))) ?? '', /Amount: enter pounds/);

    // 1. Evidence for SU-1: a WAN top-up to the GSME that the WAN cannot carry.
    const probe = await send({ target: gsme, sr: 'top-up', route: 'wan', amount: '5' });
    await page.waitForFunction(
      () => document.querySelector('[data-testid="command-state"]')?.textContent === 'in flight',
    );
    assert.equal(await page.isHidden(sel('send-error')), true);
    // 2. The planner now classifies the home's WAN absent (X = 2 s without any WAN response).
    await page.waitForSelector(`${sel('home-row')}[data-id="${home.premisesId}"] .badge.w-absent`);
    await page.selectOption(sel('send-sr'), 'top-up');
    await page.selectOption(sel('send-target'), esme);
    await page.check(sel('route-auto'));
    await page.waitForFunction(() =>
      /will choose PPMID only \(CV 2\): WAN absent/.test(
        document.querySelector('[data-testid="route-note"]')?.textContent ?? '',
      ),
    );
    // 3. The top-up in pounds: the service generates the UTRN; the planner sends it via the PPMID.
    const before = home.esme.stateView.meterBalance;
    topUpId = await send({ target: esme, sr: 'top-up', route: 'auto', amount: '10' });
    assert.notEqual(topUpId, probe);
    await page.waitForSelector(stage('meter', 'done'));
    await page.waitForSelector(stage('ppmid', 'done'));
    await page.waitForSelector(stage('response', 'active'));
    for (const s of ['duis', 'route', 'ch'])
      await page.waitForSelector(stage(s, 'done')).catch(async (err) => {
        const now = await page.evaluate(() =>
          Array.from(document.querySelectorAll('[data-testid^="stage-"]')).map(
            (e) => `${e.getAttribute('data-testid')}=${e.getAttribute('data-status')}`,
          ),
        );
        const api = await authFetch(`${sys.urls.supplier}/api/v1/commands/${topUpId}`)
          .then((r) => r.text())
          .catch((e: unknown) => String(e));
        throw new Error(
          `stage ${s} not done: page ${now.join(' ')}\npage hops:\n${(await hopTexts()).join('\n')}\nAPI: ${api.slice(0, 6000)}\n${err}`,
        );
      });
    const hops = await hopTexts();
    const has = (re: RegExp) =>
      assert.ok(
        hops.some((h) => re.test(h)),
        `a hop matches ${re}\n${hops.join('\n')}`,
      );
    has(/Route chosen: PPMID only \(CV 2\).*WAN absent: PPMID only/);
    has(/DUIS acknowledgement: I0 with LocalCommand \(CV 2\)/);
    has(/Delivery envelope published to the PPMID/);
    has(/PPMID accepted it/);
    has(/PPMID forwarded it to the Communications Hub/);
    has(new RegExp(`CH routed the command from PPMID ${ppmid} to ESME ${esme}: delivered`));
    has(/Meter accepted it/);
    has(/Response waiting in the CH's WAN buffer/);
    assert.equal(await page.textContent(sel('command-state')), 'in flight');
    assert.equal(
      home.esme.stateView.meterBalance - before,
      10 * 100 * 1000,
      'the ESME credited £10 once (millipence)',
    );
    assert.match((await page.textContent(sel('command-head'))) ?? '', /UTRN\d{4} \d{4} \d{4} \d{4} \d{4}/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, 'supplier-console.png'), animations: 'disabled' });

    // 4. The WAN comes back (backchannel): the response leaves the CH buffer and arrives.
    sys.wan!.backchannel.release(chf);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="command-state"]')?.textContent === 'responded',
    );
    await page.waitForSelector(stage('response', 'done'));
    const after = await hopTexts();
    assert.ok(
      after.some((h) => /Response via the WAN: I0/.test(h)),
      after.join('\n'),
    );
    assert.ok(after.some((h) => /^.*Responded/.test(h)));
    const row = page.locator(`${sel('command-row')}[data-id="${topUpId}"]`);
    assert.equal(await row.getAttribute('data-state'), 'responded');
    // The list filters: route PPMID only shows the top-up, not the WAN probe.
    await page.selectOption(sel('filter-route'), 'ppmid');
    await page.click(`${sel('command-filters')} button[type="submit"]`);
    await page.waitForSelector(`${sel('command-row')}[data-id="${probe}"]`, { state: 'detached' });
    assert.equal(await page.locator(`${sel('command-row')}[data-id="${topUpId}"]`).count(), 1);
    await page.click('#filters-reset');
    await page.waitForSelector(`${sel('command-row')}[data-id="${probe}"]`);
    // The artifact shows the whole timeline (on screen the list scrolls, newest in view).
    await page.addStyleTag({ content: 'ol.hops { max-height: none !important; }' });
    await page.locator('section.timeline').screenshot({
      path: join(ARTIFACTS, 'supplier-timeline.png'),
      animations: 'disabled',
    });
  });

  it('CHM dashboard: the PPMID Connected alert of that CH, Block until standalone; a local-delivery command is then discarded at the CH; Unblock', async () => {
    const { chf, esme } = home.plan;
    // The console links to the dashboard.
    await Promise.all([page.waitForURL(sys.urls.chmDashboard!), page.click(sel('link-chm'))]);
    await page.waitForSelector('body[data-ready="true"]');
    await page.selectOption(sel('filter-chf'), chf);
    await page.selectOption(sel('filter-type'), 'ppmid-connected');
    await page.click('#alert-filters button[type="submit"]');
    await page.waitForSelector(`${sel('alert-row')}[data-chf="${chf}"][data-type="ppmid-connected"]`);
    await page.fill(sel('operator'), 'supplier-console-test');
    await page.dispatchEvent(sel('operator'), 'change');
    await page.click('nav.tabs button[data-tab="chs"]');
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/chs/${chf}/block`)),
      page.click(`#chs-body ${sel(`block-${chf}`)}`),
    ]);
    assert.equal(resp.status(), 202);
    await page.waitForSelector(`${sel('standalone-row')}[data-chf="${chf}"]`);
    assert.equal(home.home.chf.standalone, true);
    await page.screenshot({ path: join(ARTIFACTS, 'chm-dashboard-blocked.png'), animations: 'disabled' });

    // Back in the supplier console: a new local-delivery command is discarded at the CH (CH-6).
    await page.goto(consoleUrl);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector(`${sel('live')}.on`);
    await page.click(`${sel('home-row')}[data-id="${home.premisesId}"] button`);
    const before = home.esme.stateView.meterBalance;
    const id = await send({ target: esme, sr: 'top-up', route: 'ppmid', amount: '3' });
    await page.waitForSelector(stage('ch', 'failed'));
    assert.match((await page.textContent(sel('stage-ch'))) ?? '', /standalone-mode/);
    const hops = await hopTexts();
    assert.ok(
      hops.some((h) => /CH discarded the command from PPMID .*: the CH is in standalone mode/.test(h)),
      hops.join('\n'),
    );
    assert.equal(
      await page.textContent(sel('command-state')),
      'in flight',
      'a real supplier learns nothing more',
    );
    assert.equal(home.esme.stateView.meterBalance, before, 'nothing reached the meter');
    assert.notEqual(id, topUpId);

    // Unblock: cleared first (A20), then Unblock Buffer Feed.
    await page.goto(sys.urls.chmDashboard!);
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('nav.tabs button[data-tab="chs"]');
    page.once('dialog', (d) => void d.accept('PPMID checked, nothing found'));
    await page.click(`#standalone-body ${sel(`clear-${chf}`)}`);
    await page.waitForSelector(`#standalone-body ${sel(`unblock-${chf}`)}:not([disabled])`);
    await page.click(`#standalone-body ${sel(`unblock-${chf}`)}`);
    await page.waitForSelector(`${sel('standalone-row')}[data-chf="${chf}"]`, { state: 'detached' });
    assert.equal(home.home.chf.standalone, false);
  });
});
