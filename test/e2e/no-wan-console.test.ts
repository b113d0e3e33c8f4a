/**
 * Issue 15 in the supplier console, headless Chromium (playwright-core, the
 * system /usr/bin/chromium) on the running system (real HTTP, MQTT over TLS,
 * real time): a home installed without any WAN (`noWanInstallation`).
 *
 * 1. A top-up sent from the console's form on the PPMID route ends
 *    `applied, unconfirmed` with its evidence line: the credit the PPMID read
 *    from the ESME over the HAN after the top-up (status report credit read).
 * 2. 8.1.1 Commission Device is offered by the send form and goes through
 *    the PPMID (CV 4 then 6, the no-WAN commissioning policy, decision C8).
 * 3. The WAN appears for the first time: the buffered response reaches the
 *    supplier once and the same row moves to `responded`, keeping the evidence.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { SimHome } from '../../src/sim/estate.ts';
import { type RunningSystem, startSystem } from '../../src/system/index.ts';
import { browserSignIn, operatorToken } from '../support/auth.ts';
import { ARTIFACTS, launchChromium } from '../support/browser.ts';
import { withTimeout } from '../support/wait.ts';

const STEP_MS = 60_000;

describe('Supplier console: a home without WAN, applied-unconfirmed with evidence, then responded (issue 15)', () => {
  let sys: RunningSystem;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  let home: SimHome;

  const sel = (testid: string) => `[data-testid="${testid}"]`;
  const row = (id: string) => `${sel('command-row')}[data-id="${id}"]`;

  async function send(o: { target: string; sr: string; route: string; amount?: string }) {
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
    return (await resp.json()) as { id: string; route: string; commandVariants: number[] };
  }

  /** The row's text once `re` matches it (the list follows the supplier's SSE). */
  async function rowText(id: string, state: string, re: RegExp): Promise<string> {
    await page.waitForSelector(`${row(id)}[data-state="${state}"]`);
    await page
      .waitForFunction(([s, src]) => new RegExp(src).test(document.querySelector(s)?.textContent ?? ''), [
        row(id),
        re.source,
      ] as const)
      .catch(async (err) => {
        throw new Error(`row ${id}: ${await page.textContent(row(id))}\n${err}`);
      });
    return (await page.textContent(row(id))) ?? '';
  }

  before(async () => {
    sys = await startSystem({
      ephemeral: true,
      homes: 2,
      wanMix: 'reliable=1,none=1',
      noWanInstallation: true,
      seed: 'no-wan-console',
      host: '127.0.0.1',
      ports: { dsp: 0, start: 0, chm: 0, supplier: 0, mqtt: 0, wan: 0 },
      workload: 'none',
      wan: { latency: { kind: 'fixed', ms: 50 } },
    });
    assert.deepEqual(await withTimeout(sys.provisioned, 120_000, 'every PPMID provisioned (SU-3)'), []);
    home = sys.estate!.homes.find((h) => h.plan.wanClass === 'none')!;
    profileDir = mkdtempSync(join(tmpdir(), 'nowan-chromium-'));
    context = await launchChromium(profileDir, { viewport: { width: 1366, height: 900 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_MS);
    await browserSignIn(page, sys.urls.supplierConsole!, operatorToken(sys));
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await context?.close();
    await sys?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it('shows the PPMID credit read as evidence, offers 8.1.1 through the PPMID, then the same rows become responded', async () => {
    const { chf, esme } = home.plan;
    assert.equal(home.link.isUp(), false, 'no WAN since the installation');
    await page.goto(sys.urls.supplierConsole!);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector(`${sel('live')}.on`);
    await page.click(`${sel('home-row')}[data-id="${home.premisesId}"] button`);
    await page.waitForFunction(
      (p) => document.querySelector<HTMLSelectElement>('[data-testid="send-home"]')?.value === p,
      home.premisesId,
    );

    // 1. a £2 top-up on the PPMID route
    const before = home.esme.stateView.meterBalance;
    const topUp = await send({ target: esme, sr: 'top-up', route: 'ppmid', amount: '2' });
    assert.equal(topUp.route, 'ppmid');
    const unconfirmed = await rowText(topUp.id, 'applied-unconfirmed', /PPMID read credit £/);
    assert.equal(home.esme.stateView.meterBalance, before + 200 * 1000);
    assert.match(unconfirmed, /applied, unconfirmed/);
    assert.match(unconfirmed, new RegExp(`forwarded by PPMID ${home.plan.ppmid}`));
    const credit = `£${(home.esme.stateView.meterBalance / 100_000).toFixed(2)}`;
    assert.ok(unconfirmed.includes(`PPMID read credit ${credit} at `), `${unconfirmed} has ${credit}`);
    const api = (await sys.supplier!.command(topUp.id))!.command;
    assert.equal(api.evidence?.creditRead?.creditRemaining, home.esme.stateView.meterBalance);
    assert.equal(api.responses, 0);
    // the timeline of the command says it too
    await page.click(`${row(topUp.id)} a.open`);
    await page.waitForFunction((id) => document.body.dataset.timeline === id, topUp.id);
    const hops = await page.locator(`${sel('timeline')} > li`).allTextContents();
    assert.ok(
      hops.some((h) => /Applied, unconfirmed: forwarded by the PPMID into a home without WAN/.test(h)),
      hops.join('\n'),
    );
    assert.ok(
      hops.some(
        (h) =>
          /PPMID read the meter's credit over the HAN/.test(h) && h.includes(`PPMID read credit ${credit}`),
      ),
      hops.join('\n'),
    );
    await page.screenshot({
      path: join(ARTIFACTS, 'supplier-no-wan-unconfirmed.png'),
      animations: 'disabled',
    });

    // 2. 8.1.1 Commission Device from the form: through the PPMID, CV 4 then 6
    await page.selectOption(sel('send-sr'), 'commission-device');
    await page.waitForFunction(() =>
      /PPMID only \(CV 4 then 6\)/.test(
        document.querySelector('[data-testid="route-note"]')?.textContent ?? '',
      ),
    );
    const commission = await send({ target: esme, sr: 'commission-device', route: 'ppmid' });
    assert.equal(commission.route, 'ppmid');
    assert.deepEqual(commission.commandVariants, [4, 6]);
    await rowText(commission.id, 'applied-unconfirmed', /applied, unconfirmed/);

    // 3. the WAN appears for the first time: the buffered responses arrive once
    sys.wan!.backchannel.forceUp(chf);
    const responded = await rowText(topUp.id, 'responded', /confirmed; was applied, unconfirmed/);
    assert.ok(responded.includes(`PPMID read credit ${credit}`), responded);
    await rowText(commission.id, 'responded', /responded/);
    const done = (await sys.supplier!.command(topUp.id))!.command;
    assert.equal(done.state, 'responded');
    assert.equal(done.responses, 1, 'exactly one response');
    assert.deepEqual(done.evidence?.creditRead, api.evidence?.creditRead);
    await page.screenshot({ path: join(ARTIFACTS, 'supplier-no-wan-responded.png'), animations: 'disabled' });
  });
});
