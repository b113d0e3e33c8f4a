/**
 * `ppmid-relay supplier serve` as a real process against the real DSP
 * (`ppmid-relay dsp serve`, no SM WAN attached: device commands answer E20),
 * then killed with SIGKILL and started again: its commands are still there
 * with their outcomes, and its next RequestID counter is above every one the
 * DSP accepted (the DSP refuses a replayed counter with HTTP 409).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bearer, dataDirToken } from '../../../test/support/auth.ts';
import { startCli, writeDspConfig } from '../../../test/support/cli.ts';
import { CHF, ESME } from '../../../test/support/dsp-service.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

describe('ppmid-relay supplier serve (real process, real DSP process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'supplier-cli-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends signed DUIS to the DSP, tracks the outcome, and survives SIGKILL with its counters', async () => {
    const supplierPort = await freePort();
    const config = join(dir, 'dsp.json');
    writeDspConfig(config, `http://127.0.0.1:${supplierPort}/duis/receive-response`);
    const dspEnv = { ...process.env, PPMID_DATA_DIR: join(dir, 'dsp'), DATABASE_URL: '', PPMID_LOG: 'warn' };
    const dsp = await startCli(
      ['dsp', 'serve', '--config', config, '--port', '0', '--no-xsd'],
      dspEnv,
      /DSP listening on (http:\/\/\S+)/,
    );
    children.push(dsp.child);

    const supEnv = {
      ...process.env,
      PPMID_DATA_DIR: join(dir, 'supplier'),
      DATABASE_URL: '',
      MQTT_URL: '',
      PPMID_LOG: 'warn',
    };
    const serve = ['supplier', 'serve', '--port', String(supplierPort), '--dsp-url', dsp.url];
    let sup = await startCli(serve, supEnv, /listening on (http:\/\/\S+) \(/);
    children.push(sup.child);
    // issue 13: the stand-alone supplier's operators are those of its data directory
    const auth = bearer(dataDirToken(join(dir, 'supplier')));
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${sup.url}${path}`, {
        method,
        ...(body === undefined
          ? { headers: auth }
          : { headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) }),
      });
      return {
        status: res.status,
        json: (await res.json()) as Record<string, unknown> & Array<Record<string, unknown>>,
      };
    };
    const terminal = async (id: string) => {
      let c: Record<string, unknown> = {};
      const poll = async () => {
        for (let i = 0; i < 400; i++) {
          c = (await api('GET', `/api/v1/commands/${id}`)).json.command as Record<string, unknown>;
          if (c.terminal) return c;
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error(`command ${id} not terminal: ${JSON.stringify(c)}`);
      };
      return poll();
    };

    const openapi = await api('GET', '/openapi.json');
    assert.equal(openapi.json.openapi, '3.1.0');
    const put = await api('PUT', '/api/v1/premises/P1', {
      chf: CHF,
      devices: [{ eui: ESME, type: 'ESME' }],
    });
    assert.equal(put.status, 200);
    assert.equal(put.json.wanClass, 'reliable');

    const read = await api('POST', '/api/v1/premises/P1/commands', { order: { kind: 'read-registers' } });
    assert.equal(read.status, 202);
    const readDone = await terminal(read.json.id as string);
    // The DSP verified the signature and the counter; with no SM WAN attached it answers E20.
    assert.equal(readDone.state, 'failed');
    assert.equal(readDone.reason, 'DSP answered E20');

    const supply = await api('POST', '/api/v1/premises/P1/commands', {
      order: { kind: 'supply', action: 'Enable' },
    });
    const supplyDone = await terminal(supply.json.id as string);
    assert.deepEqual(supplyDone.commandVariants, [4, 5]);
    assert.equal(
      supplyDone.reason,
      'DSP answered E20',
      'CV 4 answered with a Pre-Command, the signed CV 5 reached the WAN check',
    );
    const { json: detail } = await api('GET', `/api/v1/commands/${supply.json.id}`);
    const kinds = (detail.timeline as Array<{ kind: string }>).map((h) => h.kind);
    assert.ok(kinds.includes('pre-command-signed'), kinds.join(','));

    // kill -9, start again on the same store
    sup.child.kill('SIGKILL');
    await new Promise((r) => sup.child.once('exit', r));
    sup = await startCli(serve, supEnv, /listening on (http:\/\/\S+) \(/);
    children.push(sup.child);
    const list = await api('GET', '/api/v1/commands?premises=P1');
    assert.deepEqual(
      list.json.map((c) => [c.id, c.state]),
      [
        [supply.json.id, 'failed'],
        [read.json.id, 'failed'],
      ],
    );
    const again = await api('POST', '/api/v1/premises/P1/commands', { order: { kind: 'read-registers' } });
    const againDone = await terminal(again.json.id as string);
    assert.equal(
      againDone.reason,
      'DSP answered E20',
      'not HTTP 409: the counter is above every one the DSP accepted',
    );
    const counters = [readDone, supplyDone, againDone].map((c) => BigInt(String(c.requestId).split(':')[2]));
    assert.ok(counters[0] < counters[1] && counters[1] < counters[2]);
  });
});
