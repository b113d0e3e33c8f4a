/**
 * The Supplier console's Service Request menu offers every SRV a `duis`
 * order may name (the DSP's SRV table, issue 17), in headless Chromium
 * (playwright-core, /usr/bin/chromium) on the running system (every party,
 * real HTTP, XSD and XML-DSig on at the DSP): the operator picks 6.13 Read
 * Event Or Security Log from the menu, gives its body as JSON, sends it to
 * the ESME, and the command ends `responded` with the meter's answer over
 * the WAN. A body that does not fit DUIS is refused with the field named,
 * and nothing is sent.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { orderableSrvs } from '../../src/supplier/duis-order.ts';
import { type RunningSystem, startSystem } from '../../src/system/index.ts';
import { browserSignIn, operatorToken } from '../support/auth.ts';
import { launchChromium } from '../support/browser.ts';
import { withTimeout } from '../support/wait.ts';

const STEP_MS = 60_000;

describe('Supplier console: any SRV from the Service Request menu (issue 17)', () => {
  let sys: RunningSystem;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  const sel = (testid: string) => `[data-testid="${testid}"]`;

  before(async () => {
    sys = await startSystem({
      ephemeral: true,
      homes: 1,
      wanMix: 'reliable=1',
      seed: 'browser-duis-order',
      host: '127.0.0.1',
      ports: { dsp: 0, start: 0, chm: 0, supplier: 0, mqtt: 0, wan: 0 },
      workload: 'none',
      wan: { latency: { kind: 'fixed', ms: 20 } },
    });
    assert.deepEqual(await withTimeout(sys.provisioned, 120_000, 'every PPMID provisioned (SU-3)'), []);
    profileDir = mkdtempSync(join(tmpdir(), 'duis-order-chromium-'));
    context = await launchChromium(profileDir, { viewport: { width: 1366, height: 768 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_MS);
    await browserSignIn(page, sys.urls.supplierConsole!, operatorToken(sys));
  });

  after(async () => {
    await context?.close();
    await sys?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it('the menu lists the SRV table; 6.13 with a JSON body goes to the meter and is answered', async () => {
    const home = sys.estate!.homes[0];
    await page.goto(sys.urls.supplierConsole!);
    await page.waitForSelector('body[data-ready="true"]');
    await page.click(`${sel('home-row')}[data-id="${home.premisesId}"] button`);
    const values = await page.$$eval(`${sel('send-sr')} option`, (os) =>
      os.map((o) => (o as HTMLOptionElement).value),
    );
    for (const o of orderableSrvs()) assert.ok(values.includes(`duis:${o.srv}`), `menu offers ${o.srv}`);

    await page.selectOption(sel('send-sr'), 'duis:6.13');
    await page.waitForSelector(`${sel('duis-body')}:visible`);
    assert.equal(await page.textContent(sel('duis-body-element')), 'ReadEventOrSecurityLog');
    await page.selectOption(sel('send-target'), home.plan.esme);
    await page.check(sel('route-wan'));

    // a body DUIS refuses: the supplier names the field, nothing is sent
    await page.fill(
      sel('duis-body'),
      JSON.stringify({
        ReadLogPeriod: { StartDateTime: 'yesterday', EndDateTime: '2026-01-01T00:00:00Z' },
        LogToRead: 'Event',
      }),
    );
    await page.click(sel('send-button'));
    await page.waitForSelector(`${sel('send-error')}:not([hidden])`);
    assert.match((await page.textContent(sel('send-error'))) ?? '', /body\.ReadLogPeriod\.StartDateTime/);

    const now = Date.now();
    const day = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
    await page.fill(
      sel('duis-body'),
      JSON.stringify({
        ReadLogPeriod: { StartDateTime: day(now - 86_400_000), EndDateTime: day(now) },
        LogToRead: 'Event',
      }),
    );
    const [resp] = await Promise.all([
      page.waitForResponse(
        (r) => r.request().method() === 'POST' && /\/api\/v1\/premises\/[^/]+\/commands$/.test(r.url()),
      ),
      page.click(sel('send-button')),
    ]);
    assert.equal(resp.status(), 202, await resp.text());
    const c = await resp.json();
    assert.deepEqual([c.srv, c.target, c.route, c.order.kind], ['6.13', home.plan.esme, 'wan', 'duis']);
    await page.waitForFunction((cid) => document.body.dataset.timeline === cid, c.id);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="command-state"]')?.textContent === 'responded',
    );
    const done = sys.supplier!.tracker.get(c.id);
    assert.equal(done?.response?.code, 'I0');
    assert.ok(done?.response?.gbcs, 'the meter GBCS response reached the supplier');
  });
});
