/**
 * `ppmid-relay atps inject`, spawned as a user runs it: one JSON object per
 * input with the CH and device decisions.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bearer, dataDirToken } from './support/auth.ts';
import { runCli, startCli } from './support/cli.ts';
import { RTDS_MESSAGES } from './support/fixtures.ts';

const cli = (args: string[], input?: string) => runCli(args, { input, timeoutMs: 120_000 });
const lines = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('ppmid-relay atps inject', () => {
  it('--route ppmid --fresh-home: ESME command delivered and accepted, CHF command discarded', () => {
    const r = cli([
      'atps',
      'inject',
      '--profile',
      'rtds',
      '--route',
      'ppmid',
      '--fresh-home',
      join(RTDS_MESSAGES, '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX'),
      join(RTDS_MESSAGES, '8.11_CCS01/CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX'),
    ]);
    assert.equal(r.status, 0, r.stderr);
    const [a, b] = lines(r.stdout);
    assert.equal(a.chDecision, 'delivered');
    assert.equal(a.deviceDecision, 'accepted');
    assert.equal(a.useCase, 'ECS17b');
    assert.equal(a.responseRoute, 'wan');
    assert.match(String(a.response), /^DD/);
    assert.equal(b.chDecision, 'discarded');
    assert.equal(b.chReason, 'target-is-chf');
    assert.deepEqual(b.alerts, ['8E02']);
    for (const k of ['source', 'route', 'target', 'targetType', 'deviceReason']) assert.ok(k in a, k);
  });

  it('--route ppmid-inbox: a supplier-signed envelope through PP-2; firmware activation refused at the PPMID', () => {
    const r = cli([
      'atps',
      'inject',
      '--profile',
      'rtds',
      '--route',
      'ppmid-inbox',
      '--fresh-home',
      join(RTDS_MESSAGES, '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX'),
      join(RTDS_MESSAGES, '11.3_CS06/CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX'),
    ]);
    assert.equal(r.status, 0, r.stderr);
    const [a, b] = lines(r.stdout);
    assert.deepEqual(
      [a.ppmidDecision, a.ppmidReason, a.chDecision, a.deviceDecision, a.useCase, a.responseRoute],
      ['accepted-queued', null, 'delivered', 'accepted', 'ECS17b', 'wan'],
    );
    assert.deepEqual(a.statusReports, ['accepted-queued', 'forwarded']);
    assert.match(String(a.envelopeId), /^[0-9A-F]{32}$/);
    assert.deepEqual([b.ppmidDecision, b.ppmidReason, b.chDecision], ['rejected', 'firmware', null]);
    assert.deepEqual(b.statusReports, ['rejected']);
  });

  it('--route ppmid-inbox --tamper signature: refused as bad-signature; --tamper off the inbox route is refused', () => {
    const file = join(RTDS_MESSAGES, '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX');
    const r = cli([
      'atps',
      'inject',
      '--profile',
      'rtds',
      '--route',
      'ppmid-inbox',
      '--tamper',
      'signature',
      file,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const [a] = lines(r.stdout);
    assert.deepEqual([a.ppmidDecision, a.ppmidReason, a.chDecision], ['rejected', 'bad-signature', null]);
    assert.notEqual(
      cli(['atps', 'inject', '--profile', 'rtds', '--route', 'ppmid', '--tamper', 'gbcs', file]).status,
      0,
    );
  });

  it('atps customer: a UTRN typed twice on the PPMID credits the GSME once; emergency credit', () => {
    const r = cli([
      'atps',
      'customer',
      '--profile',
      'generated',
      '--value',
      '12',
      '--repeat',
      '2',
      '--emergency-credit',
    ]);
    assert.equal(r.status, 0, r.stderr);
    type Out = {
      action: string;
      balanceBefore: number;
      balanceAfter: number;
      emergencyCreditActive: boolean;
      display: { lastCustomerAction: { state: string } };
    };
    const [first, second, ec] = lines(r.stdout) as unknown as Out[];
    assert.equal(first.action, 'ppmid-utrn');
    assert.equal(first.balanceAfter - first.balanceBefore, 12 * 100_000);
    assert.equal(first.display.lastCustomerAction.state, 'accepted');
    assert.equal(second.balanceAfter, first.balanceAfter);
    assert.equal(second.display.lastCustomerAction.state, 'refused');
    assert.equal(ec.action, 'ppmid-emergency-credit');
    assert.equal(ec.emergencyCreditActive, true);
    for (const v of ['abc', '12abc', '9000']) {
      const bad = cli(['atps', 'customer', '--profile', 'generated', '--value', v]);
      assert.equal(bad.status, 1, v);
      assert.equal(bad.stderr, `ppmid-relay: --value must be a whole number 0..8191, got "${v}"\n`);
    }
  });

  it('stdin and bad input: an error line and exit status 1', () => {
    const r = cli(['atps', 'inject', '--profile', 'rtds', '--route', 'wan', '-'], '!!! not a message !!!\n');
    assert.equal(r.status, 1);
    assert.ok(lines(r.stdout)[0].error);
  });

  it('--esme-variant: ECS26k (per-phase voltage configuration) reads phases 2 and 3 only on a polyphase ESME', () => {
    const ecs26k = join(RTDS_MESSAGES, '6.2.1_ECS26k/ECS26k_6.2.1_SUCCESS_COMMAND_GBCS.HEX');
    const run = (variant: string) =>
      cli(['atps', 'inject', '--profile', 'rtds', '--route', 'wan', '--esme-variant', variant, ecs26k]);
    const poly = run('polyphase');
    const single = run('single');
    assert.equal(poly.status, 0, poly.stderr);
    assert.equal(single.status, 0, single.stderr);
    const [p] = lines(poly.stdout);
    const [s] = lines(single.stdout);
    for (const r of [p, s]) {
      assert.equal(r.deviceDecision, 'accepted');
      assert.equal(r.useCase, 'ECS26k');
    }
    assert.notEqual(p.response, s.response, 'a single-element ESME has no phase 2/3 objects');
    const bad = run('triphase');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--esme-variant must be single, twin, polyphase, got triphase/);
  });

  it('refuses an unknown route', () => {
    const r = cli(['atps', 'inject', '--profile', 'rtds', '--route', 'carrier-pigeon', '-'], '');
    assert.notEqual(r.status, 0);
  });
});

describe('ppmid-relay atps serve', () => {
  it('issue 13: operators only (token printed on the first start), read-only cannot change; OpenAPI public', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atps-serve-'));
    const atps = await startCli(
      ['atps', 'serve', '--port', '0', '--data-dir', dir],
      process.env,
      /atps: listening on (http:\/\/\S+)/,
    );
    try {
      const op = bearer(dataDirToken(dir));
      const viewer = bearer(dataDirToken(dir, 'viewer'));
      const post = (headers: Record<string, string>) =>
        fetch(`${atps.url}/homes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ profile: 'rtds' }),
        });
      assert.equal((await fetch(`${atps.url}/openapi.json`)).status, 200);
      assert.equal((await fetch(`${atps.url}/homes`)).status, 401);
      assert.equal((await post({})).status, 401);
      assert.equal((await post(viewer)).status, 403);
      assert.equal((await fetch(`${atps.url}/homes`, { headers: viewer })).status, 200);
      const created = await post(op);
      assert.ok(created.status < 300, `${created.status} ${await created.text()}`);
    } finally {
      atps.child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
