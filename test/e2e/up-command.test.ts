/**
 * `npm start` as a user runs it (`node bin/ppmid-relay.js up`), in a child
 * process:
 * - `up --check`: everything on ephemeral ports, one top-up through a PPMID,
 *   the printed result, exit 0;
 * - `up` on ephemeral ports: the printed URLs answer (start page, supplier
 *   API, DSP status, CHM health), every PPMID is provisioned, and SIGINT stops
 *   everything cleanly with exit status 0.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { bearer, dataDirToken, duisClient } from '../support/auth.ts';
import { freePortBlock } from '../support/ports.ts';
import { waitFor, withTimeout } from '../support/wait.ts';

const BIN = resolve(new URL('../../bin/ppmid-relay.js', import.meta.url).pathname);

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, PPMID_LOG: 'warn,system=info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  return { child, out: () => out, err: () => err, exit };
}

describe('e2e: ppmid-relay up', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'ppmid-up-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('up --check: one top-up through a PPMID, printed, exit 0', async () => {
    const r = run(['up', '--check', '--data-dir', tmp()]);
    children.push(r.child);
    const { code } = await withTimeout(r.exit, 150_000, () => `up --check to exit\n${r.out()}\n${r.err()}`);
    assert.equal(code, 0, `${r.out()}\n${r.err()}`);
    assert.match(r.out(), /smoke check: OK/);
    assert.match(r.out(), /route ppmid\) -> responded/);
    assert.match(r.out(), /PPMID leg\s+[0-9A-F]{16} forwarded/);
    assert.match(r.out(), /ESME balance\s+£2\.50 -> £12\.50/);
  });

  it('up with a port of its block taken: every busy port named with its party and option, before any key is made', async () => {
    const base = await freePortBlock(6);
    const blocker = createServer();
    await new Promise<void>((ok) => blocker.listen({ host: '127.0.0.1', port: base + 5 }, ok));
    try {
      const dir = tmp();
      const r = run(['up', '--data-dir', dir, '--port-base', String(base), '--homes', '1']);
      children.push(r.child);
      const { code } = await withTimeout(r.exit, 60_000, () => `up to refuse\n${r.out()}\n${r.err()}`);
      assert.equal(code, 1, r.err());
      assert.match(r.err(), new RegExp(`MQTT broker port ${base + 5} is in use \\(--mqtt-port\\)`));
      assert.doesNotMatch(r.err(), /EADDRINUSE|--start-port|--supplier-port/);
      assert.deepEqual(readdirSync(dir), [], 'nothing generated or opened');
    } finally {
      blocker.close();
    }
  });

  it('up --port-base N: every printed URL and the start page on N .. N+5; the URLs answer; SIGINT stops everything and exits 0', async () => {
    const dir = tmp();
    const base = await freePortBlock(6);
    const ports = ['--port-base', String(base)];
    const r = run([
      'up',
      '--data-dir',
      dir,
      '--homes',
      '3',
      '--wan-mix',
      'reliable=2,none=1',
      '--workload',
      'none',
      ...ports,
    ]);
    children.push(r.child);
    await waitFor(() => /estate ready|not provisioned/.test(r.out()) || r.child.exitCode !== null, 120_000, {
      what: () => `up to provision the estate\n${r.out()}\n${r.err()}`,
    });
    assert.match(r.out(), /estate ready: 3 PPMIDs provisioned/);
    const url = (label: string) => {
      const m = new RegExp(`${label}\\s+(https?://[^\\s/]+)`).exec(r.out());
      assert.ok(m, `${label} URL printed:\n${r.out()}`);
      return m[1];
    };
    // issue 13: the credentials are printed once and kept 0600 under <data-dir>/credentials
    const token = dataDirToken(dir);
    assert.match(r.out(), new RegExp(`operator\\s+operator\\s+${token}`));
    assert.equal(statSync(join(dir, 'credentials', 'operator.token')).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const authed = (u: string) => fetch(u, { headers: bearer(token) });
    assert.equal((await fetch(`${url('supplier API')}/api/v1/premises`)).status, 401);
    const start = await (await authed(`${url('start page')}/api/system`)).json();
    assert.deepEqual(start.provisioning, { 'relay-enabled': 3 });
    assert.equal(start.wanMix, 'reliable=2,intermittent=0,none=1');
    const premises = await (await authed(`${url('supplier API')}/api/v1/premises`)).json();
    assert.equal(premises.length, 3);
    // the DCC User Interface is https (issue 13): the operator trusts its CA
    const dspClient = duisClient(dir, null);
    const dspUrl = url('DSP \\(DUIS\\)');
    assert.match(dspUrl, /^https:/);
    const dsp = await (await dspClient(`${dspUrl}/api/v1/dsp/status`)).json();
    dspClient.close();
    assert.equal(dsp.devices, 15);
    const chm = await fetch(`${url('CHM Alerts Dashboard')}/api/health`);
    assert.equal(chm.status, 200);
    const page = await (await authed(`${url('start page')}/`)).text();
    assert.match(page, /Consoles and APIs/);
    assert.ok(
      (start.consoles as Array<{ name: string }>).some((c) => /CHM Alerts Dashboard/.test(c.name)),
      'the start page lists the CHM Alerts Dashboard',
    );
    // --port-base moved every URL: the banner's and the start page's
    const printed = [...r.out().matchAll(/(?:https?|mqtts?):\/\/127\.0\.0\.1:(\d+)/g)].map((m) =>
      Number(m[1]),
    );
    assert.ok(printed.length >= 7, r.out());
    for (const p of printed)
      assert.ok(p >= base && p <= base + 5, `${p} outside ${base}..${base + 5}\n${r.out()}`);
    assert.match(r.out(), new RegExp(`supplier console\\s+http://127\\.0\\.0\\.1:${base + 1}/console/`));
    assert.match(r.out(), new RegExp(`MQTT broker\\s+mqtts://127\\.0\\.0\\.1:${base + 5}`));
    const listed = (start.consoles as Array<{ name: string; url: string }>).map((c) => [c.name, c.url]);
    for (const [, u] of listed)
      assert.ok(Number(new URL(u).port) >= base && Number(new URL(u).port) <= base + 5, u);
    assert.ok(
      listed.some(([n, u]) => n === 'Supplier console' && u === `http://127.0.0.1:${base + 1}/console/`),
    );

    r.child.kill('SIGINT');
    const { code, signal } = await withTimeout(r.exit, 60_000, () => `up to stop on SIGINT\n${r.err()}`);
    assert.equal(signal, null);
    assert.equal(code, 0, r.err());
    assert.match(r.err(), /SIGINT: stopping/);
    assert.match(r.err(), /\[system\] stopped/);
  });
});
