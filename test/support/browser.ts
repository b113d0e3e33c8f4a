/**
 * Headless Chromium for the browser tests: the system's /usr/bin/chromium
 * driven by playwright-core (nothing downloaded), a fresh profile per test
 * file, and test-artifacts/ for screenshots.
 */
import { resolve } from 'node:path';
import { type BrowserContext, chromium, type LaunchOptions } from 'playwright-core';

export const ARTIFACTS = resolve(new URL('../../test-artifacts', import.meta.url).pathname);

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A persistent context on a fresh profile directory. */
export function launchChromium(
  profileDir: string,
  o: { viewport?: { width: number; height: number }; acceptDownloads?: boolean } = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: o.viewport ?? { width: 1366, height: 768 },
    ...(o.acceptDownloads ? { acceptDownloads: true } : {}),
  } satisfies LaunchOptions & Record<string, unknown>);
}
