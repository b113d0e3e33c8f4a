/**
 * The guard every control-plane HTTP server of the system installs (issue
 * 13): supplier API and console, CHM API and Alerts Dashboard, the estate
 * console, the DSP's reports.
 *
 * In order, on every request:
 * 1. Host header: the host name must be one this server is reached by
 *    (loopback names, the bound address, `PPMID_ALLOWED_HOSTS`); a page of
 *    another origin that re-binds its DNS name to 127.0.0.1 sends its own
 *    name and is refused (421), even on public routes.
 * 2. Public routes (signed DUIS, health, OpenAPI, static assets) pass.
 * 3. An operator: `Authorization: Bearer <token>`, or the session cookie
 *    `/login` sets (HttpOnly, SameSite=Strict). None: 401 (a browser asking
 *    for a page is sent to /login).
 * 4. Role: anything but GET / HEAD needs the `operator` role (403 for
 *    `read-only`).
 * 5. CSRF: a cookie-authenticated change must carry an Origin (or Referer)
 *    of this very host, and no `Sec-Fetch-Site: cross-site`. A bearer token
 *    is never sent by a browser on its own, so it needs no such check.
 *
 * Every refusal is counted (`http.refused{reason}`) and logged at debug.
 */
import { networkInterfaces } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from '../../runtime/logger.ts';
import { Metrics } from '../../runtime/metrics.ts';
import type { Operator, OperatorRegistry } from '../../runtime/operators.ts';

const log = Logger.get('http:guard');

export const SESSION_COOKIE = 'ppmid_session';

export type GuardRefusal = 'host' | 'unauthenticated' | 'role' | 'csrf' | 'test-api-off';

export interface HttpGuardOptions {
  operators: OperatorRegistry;
  /** The address the server binds (its own name is allowed in Host). */
  bindHost?: string;
  /** Further host names (also `PPMID_ALLOWED_HOSTS`, comma-separated). */
  allowedHosts?: readonly string[];
  /** Paths that need no operator: exact, or a prefix ending in `/` or `*`. */
  publicPaths?: readonly (string | RegExp)[];
  /**
   * Test backchannels (WAN down, faults): paths refused with 404 unless the
   * test API is enabled, then for operators only.
   */
  testPaths?: readonly (string | RegExp)[];
  testApi?: boolean;
  metrics?: Metrics;
  now?: () => number;
}

declare module 'fastify' {
  interface FastifyRequest {
    operator?: Operator;
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The host names a server bound to `bindHost` answers to. */
export function allowedHostNames(bindHost: string | undefined, extra: readonly string[] = []): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', ...extra.map((h) => h.toLowerCase())]);
  for (const h of (process.env.PPMID_ALLOWED_HOSTS ?? '').split(','))
    if (h.trim()) names.add(h.trim().toLowerCase());
  if (bindHost && bindHost !== '0.0.0.0' && bindHost !== '::') names.add(bindHost.toLowerCase());
  else if (bindHost) {
    // bound to every interface: the addresses of this machine (a name needs PPMID_ALLOWED_HOSTS)
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) names.add(a.address.toLowerCase());
  }
  return names;
}

/** `host[:port]` or `[v6][:port]` → the lower-case host name. */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : undefined;
  }
  const colon = h.indexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

function matches(path: string, patterns: readonly (string | RegExp)[]): boolean {
  for (const p of patterns) {
    if (typeof p !== 'string') {
      if (p.test(path)) return true;
    } else if (
      p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : p.endsWith('/') ? path.startsWith(p) : path === p
    )
      return true;
  }
  return false;
}

function cookie(req: FastifyRequest, name: string): string | undefined {
  const raw = req.headers.cookie;
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function bearer(req: FastifyRequest): string | undefined {
  const a = req.headers.authorization;
  if (!a) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(a);
  return m?.[1];
}

/** Same origin as the request's Host (scheme-agnostic: the Host check already pinned the name). */
function sameOrigin(req: FastifyRequest): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return false;
  const origin = req.headers.origin ?? (req.headers.referer ? safeOrigin(req.headers.referer) : undefined);
  if (!origin || origin === 'null') return false;
  try {
    return new URL(origin).host === (req.headers.host ?? '').toLowerCase();
  } catch {
    return false;
  }
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\')
    ? next
    : '/';
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function loginPage(next: string, error?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in · ppmid-relay</title>
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}
input{width:100%;padding:.5rem;font:inherit}button{margin-top:1rem;padding:.5rem 1rem;font:inherit}
.err{color:#b00020}</style></head><body><h1>Sign in</h1>
<p>Paste an operator token (printed by <code>npm start</code>; kept in <code>&lt;data-dir&gt;/credentials/</code>).</p>
${error ? `<p class="err" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/login"><label>Token <input name="token" type="password" autocomplete="off" required autofocus></label>
<input type="hidden" name="next" value="${escapeHtml(next)}"><button type="submit">Sign in</button></form></body></html>`;
}

/** Installs the guard (hooks and the /login, /logout routes) on `app`. */
export function installHttpGuard(app: FastifyInstance, o: HttpGuardOptions): void {
  const hosts = allowedHostNames(o.bindHost, o.allowedHosts);
  const publicPaths = ['/login', '/logout', ...(o.publicPaths ?? [])];
  const testPaths = o.testPaths ?? [];
  const metrics = o.metrics ?? new Metrics();
  const now = o.now ?? Date.now;

  const refuse = (
    reply: FastifyReply,
    req: FastifyRequest,
    reason: GuardRefusal,
    status: number,
    msg: string,
  ) => {
    metrics.inc(`http.refused{${reason}}`);
    log.debug('request refused', { reason, method: req.method, path: req.url.split('?')[0] });
    return reply
      .code(status)
      .send({ error: `HTTP_${reason.toUpperCase().replace(/-/g, '_')}`, message: msg });
  };

  app.addHook('onRequest', async (req, reply) => {
    const name = hostName(req.headers.host);
    if (!name || !hosts.has(name))
      return refuse(
        reply,
        req,
        'host',
        421,
        'this server does not answer to that Host (DNS rebinding guard)',
      );
    const path = req.url.split('?')[0];
    const isTest = matches(path, testPaths);
    if (isTest && !o.testApi)
      return refuse(reply, req, 'test-api-off', 404, 'test backchannels are off (start with --test-api)');
    if (!isTest && matches(path, publicPaths)) return;
    const token = bearer(req);
    let op = token ? o.operators.authenticate(token) : undefined;
    const viaCookie = !op && !token;
    if (viaCookie) op = o.operators.session(cookie(req, SESSION_COOKIE), now());
    if (!op) {
      if (req.method === 'GET' && !token && /text\/html/.test(req.headers.accept ?? ''))
        return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      reply.header('www-authenticate', 'Bearer realm="ppmid-relay"');
      return refuse(
        reply,
        req,
        'unauthenticated',
        401,
        'an operator token (Authorization: Bearer) or session is needed',
      );
    }
    if (!SAFE.has(req.method)) {
      if (op.role !== 'operator') return refuse(reply, req, 'role', 403, `operator ${op.name} is read-only`);
      if (viaCookie && !sameOrigin(req))
        return refuse(
          reply,
          req,
          'csrf',
          403,
          'a change by session needs an Origin of this server (CSRF guard)',
        );
    }
    req.operator = op;
  });

  if (!app.hasContentTypeParser('application/x-www-form-urlencoded'))
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 4096 },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
  app.get('/login', async (req, reply) => {
    const next = safeNext((req.query as { next?: string }).next);
    return reply.type('text/html; charset=utf-8').send(loginPage(next));
  });
  app.post('/login', async (req, reply) => {
    const b = (req.body ?? {}) as { token?: string; next?: string };
    const next = safeNext(b.next);
    // a login form posted from another site would plant the attacker's session (login CSRF)
    if ((req.headers.origin || req.headers.referer) && !sameOrigin(req))
      return refuse(reply, req, 'csrf', 403, 'sign in from this server only');
    const op = o.operators.authenticate(typeof b.token === 'string' ? b.token.trim() : undefined);
    if (!op) {
      metrics.inc('http.refused{unauthenticated}');
      return reply
        .code(401)
        .type('text/html; charset=utf-8')
        .send(loginPage(next, 'That token is not valid.'));
    }
    log.info('operator signed in', { operator: op.name, role: op.role });
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${encodeURIComponent(o.operators.issueSession(op, now()))}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200`,
    );
    return reply.redirect(next, 303);
  });
  app.post('/logout', async (req, reply) => {
    if (!sameOrigin(req) && !bearer(req))
      return refuse(reply, req, 'csrf', 403, 'sign out from this server only');
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return reply.redirect('/login', 303);
  });
}
