/**
 * Tests authenticate as the system's operators (issue 13): every control
 * plane (supplier API and console, CHM API and dashboard, the estate
 * console, the DSP's reports) needs `Authorization: Bearer <token>`.
 *
 * - `operatorToken(sys, role)`: a token of a running system's operators.
 * - `dataDirToken(dir, name)`: the token a data directory keeps
 *   (`<dir>/credentials/<name>.token`; child processes of split tests).
 * - `trustSystem(sys)`: remembers the system's operator token for each of
 *   its URLs, so `authFetch(url)` (and the e2e harness's `http`) sends it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FetchLike, tlsFetch } from '../../src/runtime/https-client.ts';
import type { OperatorRegistry, OperatorRole } from '../../src/runtime/operators.ts';

const byOrigin = new Map<string, string>();

export function operatorToken(sys: { operators: OperatorRegistry }, role: OperatorRole = 'operator'): string {
  return sys.operators.tokenFor(role);
}

export function dataDirToken(dataDir: string, name = 'operator'): string {
  return readFileSync(join(dataDir, 'credentials', `${name}.token`), 'utf8').trim();
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** Remembers `token` for every URL in `urls` (their origins). */
export function trustOrigins(urls: Iterable<string | undefined>, token: string): void {
  for (const u of urls) if (u) byOrigin.set(new URL(u).origin, token);
}

/** Remembers the system's operator token for all of its URLs. */
export function trustSystem(sys: { operators: OperatorRegistry; urls: object }): void {
  trustOrigins(Object.values(sys.urls) as string[], operatorToken(sys));
}

/** The headers that authenticate a request to `url` (none for an origin not trusted). */
export function authHeadersFor(url: string | URL): Record<string, string> {
  const t = byOrigin.get(new URL(url).origin);
  return t ? bearer(t) : {};
}

/** fetch with the operator token of the URL's origin (see trustOrigins). */
export function authFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    ...init,
    headers: { ...authHeadersFor(url), ...(init.headers as Record<string, string>) },
  });
}

/** The part of a playwright Page that signing in uses. */
interface SignInPage {
  goto(url: string): Promise<unknown>;
  fill(selector: string, value: string): Promise<void>;
  click(selector: string): Promise<void>;
  waitForURL(url: string | RegExp | ((u: URL) => boolean)): Promise<void>;
}

/**
 * Opens `url` in a browser page as an operator would: the server sends the
 * browser to /login, the token is typed in, the session cookie set, and the
 * page is back at `url`.
 */
export async function browserSignIn(page: SignInPage, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.waitForURL((u) => u.pathname === '/login');
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => u.href === new URL(url).href);
}

/**
 * A client of the DSP's DCC User Interface (https, issue 13) of a data
 * directory: as the DCC user `user` (its TLS client certificate, CN = its
 * EUI), or with `user: null` as an operator (the CA only, no certificate).
 */
export function duisClient(
  dataDir: string,
  user: string | null = '90B3D51F30010000',
): FetchLike & { close(): void } {
  const pki = join(dataDir, 'keys', 'duis-tls');
  return tlsFetch({
    caPem: readFileSync(join(pki, 'ca.crt'), 'utf8'),
    ...(user
      ? {
          // the user's own key and the certificate the CA signed for its CSR
          certPem: readFileSync(join(dataDir, 'keys', 'duis-user', `${user}.crt`), 'utf8'),
          keyPem: readFileSync(join(dataDir, 'keys', 'duis-user', `${user}.key`), 'utf8'),
        }
      : {}),
  });
}
