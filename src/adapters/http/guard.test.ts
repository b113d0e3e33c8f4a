import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { Metrics } from '../../runtime/metrics.ts';
import { OperatorRegistry } from '../../runtime/operators.ts';
import { hostName, installHttpGuard, SESSION_COOKIE } from './guard.ts';

function app(o: { testApi?: boolean } = {}) {
  const operators = OperatorRegistry.ephemeral();
  const metrics = new Metrics();
  const a = Fastify();
  installHttpGuard(a, {
    operators,
    bindHost: '127.0.0.1',
    publicPaths: ['/open', '/assets/'],
    testPaths: [/^\/homes\/[^/]+\/wan$/],
    testApi: o.testApi ?? false,
    metrics,
    now: () => 1_000_000,
  });
  a.get('/open', async () => ({ ok: 1 }));
  a.get('/data', async (req) => ({ by: req.operator?.name }));
  a.post('/change', async (req) => ({ by: req.operator?.name }));
  a.post('/homes/:id/wan', async () => ({ down: true }));
  const op = operators.tokenFor('operator');
  const ro = operators.tokenFor('read-only');
  return { a, operators, metrics, op, ro };
}
const H = { host: '127.0.0.1:8070' };

describe('HTTP guard (issue 13)', () => {
  it('refuses a foreign Host (DNS rebinding) even on public routes', async () => {
    const { a, metrics, op } = app();
    for (const host of ['evil.example:8070', 'evil.example', '127.0.0.1.evil.example']) {
      const r = await a.inject({ url: '/open', headers: { host, authorization: `Bearer ${op}` } });
      assert.equal(r.statusCode, 421, host);
    }
    for (const host of ['127.0.0.1:8070', 'localhost:1', '[::1]:8070'])
      assert.equal((await a.inject({ url: '/open', headers: { host } })).statusCode, 200, host);
    assert.equal(metrics.snapshot().counters['http.refused{host}'], 3);
  });

  it('needs an operator token; read-only operators cannot change anything', async () => {
    const { a, op, ro } = app();
    assert.equal((await a.inject({ url: '/data', headers: H })).statusCode, 401);
    assert.equal(
      (await a.inject({ url: '/data', headers: { ...H, authorization: 'Bearer nope' } })).statusCode,
      401,
    );
    const ok = await a.inject({ url: '/data', headers: { ...H, authorization: `Bearer ${ro}` } });
    assert.deepEqual(ok.json(), { by: 'viewer' });
    const denied = await a.inject({
      method: 'POST',
      url: '/change',
      headers: { ...H, authorization: `Bearer ${ro}` },
    });
    assert.equal(denied.statusCode, 403);
    const done = await a.inject({
      method: 'POST',
      url: '/change',
      headers: { ...H, authorization: `Bearer ${op}` },
    });
    assert.deepEqual(done.json(), { by: 'operator' });
  });

  it('a browser is sent to /login; the session cookie works, and changes need this origin (CSRF)', async () => {
    const { a, op } = app();
    const html = await a.inject({ url: '/data', headers: { ...H, accept: 'text/html' } });
    assert.equal(html.statusCode, 303);
    assert.equal(html.headers.location, '/login?next=%2Fdata');
    const bad = await a.inject({
      method: 'POST',
      url: '/login',
      headers: { ...H, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=wrong&next=/data',
    });
    assert.equal(bad.statusCode, 401);
    const login = await a.inject({
      method: 'POST',
      url: '/login',
      headers: { ...H, 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:8070' },
      payload: `token=${encodeURIComponent(op)}&next=//evil.example/`,
    });
    assert.equal(login.statusCode, 303);
    assert.equal(login.headers.location, '/', 'no open redirect');
    const setCookie = String(login.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const cookie = setCookie.split(';')[0];
    assert.deepEqual((await a.inject({ url: '/data', headers: { ...H, cookie } })).json(), {
      by: 'operator',
    });
    // a cross-site form post carries the cookie only if SameSite fails; the Origin check refuses it anyway
    for (const headers of [{}, { origin: 'http://evil.example' }, { origin: 'null' }]) {
      const r = await a.inject({ method: 'POST', url: '/change', headers: { ...H, cookie, ...headers } });
      assert.equal(r.statusCode, 403, JSON.stringify(headers));
    }
    const same = await a.inject({
      method: 'POST',
      url: '/change',
      headers: { ...H, cookie, origin: 'http://127.0.0.1:8070' },
    });
    assert.equal(same.statusCode, 200);
    // a forged or expired session is refused
    const [name, exp, mac] = cookie.split('=')[1].split('.');
    for (const v of [`${name}.${Number(exp) + 1}.${mac}`, `viewer.${exp}.${mac}`, 'x'])
      assert.equal(
        (await a.inject({ url: '/data', headers: { ...H, cookie: `${SESSION_COOKIE}=${v}` } })).statusCode,
        401,
      );
  });

  it('test backchannels answer only with the test API on, and then to operators', async () => {
    const off = app();
    const r = await off.a.inject({
      method: 'POST',
      url: '/homes/h/wan',
      headers: { ...H, authorization: `Bearer ${off.op}` },
    });
    assert.equal(r.statusCode, 404);
    const on = app({ testApi: true });
    assert.equal((await on.a.inject({ method: 'POST', url: '/homes/h/wan', headers: H })).statusCode, 401);
    const ok = await on.a.inject({
      method: 'POST',
      url: '/homes/h/wan',
      headers: { ...H, authorization: `Bearer ${on.op}` },
    });
    assert.equal(ok.statusCode, 200);
  });

  it('hostName parses host headers', () => {
    assert.equal(hostName('[::1]:80'), '::1');
    assert.equal(hostName('LocalHost:80'), 'localhost');
    assert.equal(hostName('a.b'), 'a.b');
    assert.equal(hostName(undefined), undefined);
  });
});

describe('OperatorRegistry on disk', () => {
  it('creates one operator and one viewer once, 0600 in a 0700 directory; a reopen reads them', () => {
    const root = mkdtempSync(join(tmpdir(), 'ops-'));
    try {
      const dir = join(root, 'credentials');
      const first = OperatorRegistry.open(dir);
      assert.deepEqual(
        first.created.map((c) => [c.name, c.role]),
        [
          ['operator', 'operator'],
          ['viewer', 'read-only'],
        ],
      );
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      for (const f of ['operator.token', 'viewer.token', 'session.key'])
        assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
      const again = OperatorRegistry.open(dir);
      assert.deepEqual(again.created, []);
      const token = readFileSync(join(dir, 'operator.token'), 'utf8').trim();
      assert.deepEqual(again.authenticate(token), { name: 'operator', role: 'operator' });
      // sessions are signed with the shared key: another process of the data directory accepts them
      assert.deepEqual(again.session(first.issueSession({ name: 'viewer', role: 'read-only' }, 0), 1), {
        name: 'viewer',
        role: 'read-only',
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
