/**
 * The simulator's report page in a browser (issue 16): report.html opens
 * from disk with no network, and every plot is an SVG with drawn marks.
 * Chromium is the Debian one (/usr/bin/chromium) driven by playwright-core.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { configureLogging } from '../../src/runtime/logger.ts';
import { BUILT_IN_SCENARIOS, validateScenario } from '../../src/sim/scenario.ts';
import { runScenario } from '../../src/sim/simulate.ts';

const ARTIFACTS = resolve(new URL('../../test-artifacts', import.meta.url).pathname);

describe('sim report in a browser', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('report.html renders every plot without the network', async () => {
    configureLogging({ spec: 'error' });
    const out = mkdtempSync(join(tmpdir(), 'sim-report-'));
    const profile = mkdtempSync(join(tmpdir(), 'sim-chromium-'));
    dirs.push(out, profile);
    const s = validateScenario({
      ...BUILT_IN_SCENARIOS.benefit,
      wan: { intermittentShare: 0.5, noneShare: 0, meanUpHours: 1, meanDownHours: 1 },
      workload: { topUpsPerHomeDay: 48, readsPerHomeDay: 48 },
      arms: [
        { name: 'no-ppmid', route: 'wan' },
        { name: 'race', route: 'race' },
      ],
    });
    const r = await runScenario(s, { homes: 2, days: 0.05, seed: 'browser', out });
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    try {
      const page = await context.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (req) => {
        if (!req.url().startsWith('file:')) requests.push(req.url());
      });
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(pathToFileURL(join(out, 'report.html')).href);
      assert.equal(await page.textContent('#answer'), r.answer.sentence);
      assert.equal(await page.textContent('#seed'), 'browser');
      const plots = await page.$$eval('figure.plot', (figs) =>
        figs.map((f) => {
          const svg = f.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return {
            id: f.id,
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            marks: svg
              ? svg.querySelectorAll(
                  'g.mark-rect path, g.mark-line path, g.mark-symbol path, g.mark-rect rect',
                ).length
              : 0,
          };
        }),
      );
      assert.ok(plots.length >= 3, `plots: ${JSON.stringify(plots)}`);
      for (const p of plots) {
        assert.ok(p.width > 100 && p.height > 100, `${p.id} has a size: ${JSON.stringify(p)}`);
        assert.ok(p.marks > 0, `${p.id} draws marks: ${JSON.stringify(p)}`);
      }
      assert.deepEqual(requests, [], 'no network');
      assert.deepEqual(errors, []);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'sim-report.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
