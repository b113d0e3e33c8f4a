/**
 * `ppmid-relay dsp serve` as a real process (system clock, SQLite under a
 * temporary PPMID_DATA_DIR, port 0), then the DSP-4/DSP-5 commands on the
 * same store.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bearer, dataDirToken } from '../../../test/support/auth.ts';
import { runCli, startCli, writeDspConfig } from '../../../test/support/cli.ts';
import {
  CHF,
  CSP,
  ESME,
  SUPPLIER,
  supplierSigner,
  templateRequest,
  XML_KEYS,
} from '../../../test/support/dsp-service.ts';
import { TestPki } from '../../adapters/pki/index.ts';
import { chTimePath, signChTimeRequest } from '../../dcc/dsp/ch-time-desk.ts';
import { parseCsv, parseLocalDeliveryCsv } from '../../dcc/dsp/local-delivery-csv.ts';
import { verifyAndParseDuisResponse, XmlSigningCertificateStore } from '../../duis/index.ts';
import { PROVISIONAL_MESSAGE_CODE } from '../../gbcs/codes/provisional.ts';
import { decodeMessage } from '../../gbcs/index.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { tlsFetch } from '../../runtime/https-client.ts';

const ECS17B = 'ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML';

/** A GET with any Host header (fetch will not set one). */
function rawGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ppmid-relay dsp serve / local-delivery-export / charges / performance', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsp-cli-'));
  const env = { ...process.env, PPMID_DATA_DIR: join(dir, 'data'), DATABASE_URL: '' };
  let child: ChildProcess | undefined;
  after(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves DUIS over HTTP with the configured users and inventory; the reports read the same store', async () => {
    const config = join(dir, 'dsp.json');
    writeDspConfig(config, 'http://127.0.0.1:9/receive');
    const dsp = await startCli(
      ['dsp', 'serve', '--config', config, '--port', '0', '--no-xsd'],
      env,
      /DSP listening on (http:\/\/\S+)/,
    );
    child = dsp.child;
    const { url } = dsp;
    // issue 13: the reports are for operators (the credentials printed on the first start), Host checked
    const token = dataDirToken(join(dir, 'data'));
    assert.equal((await fetch(`${url}/api/v1/dsp/charges`)).status, 401);
    assert.equal((await fetch(`${url}/api/v1/dsp/charges`, { headers: bearer(token) })).status, 200);
    const rebound = await rawGet(`${url}/api/v1/dsp/status`, { host: 'evil.example', ...bearer(token) });
    assert.equal(rebound, 421, 'a foreign Host header is refused');
    const trust = new XmlSigningCertificateStore([
      readFileSync(join(XML_KEYS, 'dsp-xml-sign-90B3D51F30000002-ds.pem'), 'utf8'),
    ]);
    const post = async (endpoint: string, xml: string) => {
      const res = await fetch(`${url}/api/v1/${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: xml,
      });
      assert.equal(res.status, 200);
      return verifyAndParseDuisResponse(await res.text(), trust).response;
    };
    const local = await post('serviceD', templateRequest(ECS17B, { counter: 1000n, cv: 2 }));
    assert.equal(local.header.responseCode, 'I0');
    const wan = await post('serviceS', templateRequest(ECS17B, { counter: 1001n, cv: 1 }));
    assert.equal(wan.header.responseCode, 'E20', 'no SM WAN in this process');
    dsp.child.kill('SIGTERM');
    await new Promise((r) => dsp.child.once('exit', r));
    child = undefined;

    const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const run = (...args: string[]) => runCli(['dsp', ...args], { env });
    const exp = run('local-delivery-export', '--date', date, '--csp', CSP);
    assert.equal(exp.status, 0, exp.stderr);
    const records = parseLocalDeliveryCsv(exp.stdout);
    assert.equal(records.length, 1);
    assert.equal(records[0].target, ESME);
    const files = run('local-delivery-export', '--date', date, '--out', join(dir, 'export'));
    assert.equal(files.status, 0, files.stderr);
    assert.match(files.stdout.trim(), new RegExp(`${CSP}/local-delivery-${date}\\.csv$`));
    const charges = run('charges', '--date', date, '--csv');
    assert.equal(charges.status, 0, charges.stderr);
    assert.deepEqual(parseCsv(charges.stdout)[1].slice(2), [SUPPLIER, 'non-critical', '2', '1', '2', 'GBP']);
    const perf = run('performance', '--date', date);
    assert.equal(perf.status, 0, perf.stderr);
    assert.equal(JSON.parse(perf.stdout).summary.excludedByReason['local-delivery'], 1);
  });

  it('--tls: the DCC User Interface on https, a DUIS request needs the user client certificate', async () => {
    const config = join(dir, 'dsp-tls.json');
    writeDspConfig(config, 'https://127.0.0.1:9/receive');
    const tlsEnv = { ...env, PPMID_DATA_DIR: join(dir, 'data-tls') };
    const dsp = await startCli(
      ['dsp', 'serve', '--config', config, '--port', '0', '--no-xsd', '--tls'],
      tlsEnv,
      /DSP listening on (https:\/\/\S+)/,
    );
    child = dsp.child;
    const pki = await TestPki.open({ dir: join(dir, 'data-tls', 'keys', 'duis-tls') });
    const body = templateRequest(ECS17B, { counter: 2000n, cv: 2 });
    const post = async (f: ReturnType<typeof tlsFetch>) => {
      const res = await f(`${dsp.url}/api/v1/serviceD`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body,
      });
      return { status: res.status, text: await res.text() };
    };
    const anonymous = tlsFetch({ caPem: pki.caCertPem });
    const user = tlsFetch({ ...(await pki.clientCredentials(SUPPLIER, 'DCC User')), caPem: pki.caCertPem });
    try {
      const refused = await post(anonymous);
      assert.equal(refused.status, 401, refused.text);
      assert.match(refused.text, /DSP_TLS_CLIENT_CERTIFICATE/);
      const ok = await post(user);
      assert.equal(ok.status, 200, ok.text);
      assert.match(ok.text, /I0/);
    } finally {
      anonymous.close();
      user.close();
      dsp.child.kill('SIGTERM');
      await new Promise((r) => dsp.child.once('exit', r));
      child = undefined;
    }
  });

  it('--workers 2: the same service with checks and signing on worker threads (XSD on); a replay is refused', async () => {
    const config = join(dir, 'dsp-workers.json');
    writeDspConfig(config, 'http://127.0.0.1:9/receive');
    const dsp = await startCli(
      ['dsp', 'serve', '--config', config, '--port', '0', '--workers', '2'],
      { ...env, PPMID_DATA_DIR: join(dir, 'data-workers') },
      /DSP listening on (http:\/\/\S+)/,
    );
    child = dsp.child;
    const trust = new XmlSigningCertificateStore([
      readFileSync(join(XML_KEYS, 'dsp-xml-sign-90B3D51F30000002-ds.pem'), 'utf8'),
    ]);
    const post = (endpoint: string, xml: string) =>
      fetch(`${dsp.url}/api/v1/${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: xml,
      });
    const xml = templateRequest(ECS17B, { counter: 3000n, cv: 2 });
    const res = await post('serviceD', xml);
    assert.equal(res.status, 200);
    const local = verifyAndParseDuisResponse(await res.text(), trust).response;
    assert.equal(local.header.responseCode, 'I0');
    const again = await post('serviceD', xml);
    assert.equal(again.status, 409);
    assert.match(await again.text(), /^DSP_COUNTER_REPLAY/);
    dsp.child.kill('SIGTERM');
    await new Promise((r) => dsp.child.once('exit', r));
    child = undefined;
  });

  it('issue 15: POST /api/v1/dsp/users/{user}/ch-time/{chf} issues the PROVISIONAL Set CH Time to a signed no-WAN user, logged in DSP-4', async () => {
    const config = join(dir, 'dsp-cht.json');
    writeDspConfig(config, 'http://127.0.0.1:9/receive');
    const cfg = JSON.parse(readFileSync(config, 'utf8'));
    cfg.users[0].policies = { noWanCommissioning: true };
    writeFileSync(config, JSON.stringify(cfg));
    const chtEnv = { ...env, PPMID_DATA_DIR: join(dir, 'data-cht') };
    const dsp = await startCli(
      ['dsp', 'serve', '--config', config, '--port', '0', '--no-xsd'],
      chtEnv,
      /DSP listening on (http:\/\/\S+)/,
    );
    child = dsp.child;
    try {
      const key = supplierSigner.privateKey;
      const ask = (counter: bigint, o: { key?: typeof key; signedAt?: number; chf?: string } = {}) => {
        const r = {
          user: SUPPLIER,
          chf: o.chf ?? CHF,
          userCounter: counter,
          signedAt: o.signedAt ?? Date.now(),
        };
        return fetch(`${dsp.url}${chTimePath(SUPPLIER, r.chf)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            userCounter: counter.toString(),
            signedAt: r.signedAt,
            signature: signChTimeRequest(o.key ?? key, r),
          }),
        });
      };
      const ok = await ask(5000n);
      const body = (await ok.json()) as { gbcs: string; preset: number; validTo: number };
      assert.equal(ok.status, 200, JSON.stringify(body));
      const msg = decodeMessage(fromHex(body.gbcs));
      assert.equal(msg.messageCode, PROVISIONAL_MESSAGE_CODE.SET_CH_TIME);
      assert.equal(msg.recipient, CHF);
      assert.equal(body.validTo - body.preset, 10 * 60_000);
      // refused: another key, a replayed counter, a stale signature, not a CHF
      const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
      assert.equal((await ask(5001n, { key: other })).status, 401);
      assert.equal((await ask(5000n)).status, 403, 'replay');
      assert.equal((await ask(5002n, { signedAt: Date.now() - 3_600_000 })).status, 403, 'stale');
      assert.equal((await ask(5003n, { chf: ESME })).status, 404);
      // DSP-4: the issue is in the local-delivery log the CSP gets
      const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
      const exp = runCli(['dsp', 'local-delivery-export', '--date', date, '--csp', CSP], { env: chtEnv });
      assert.equal(exp.status, 0, exp.stderr);
      const rows = parseLocalDeliveryCsv(exp.stdout).filter((r) => r.srv === 'SECMP0038-CHT');
      assert.equal(rows.length, 1);
      assert.equal(rows[0].target, CHF);
      assert.equal(rows[0].cv, 2);
    } finally {
      dsp.child.kill('SIGTERM');
      await new Promise((r) => dsp.child.once('exit', r));
      child = undefined;
    }
  });
});
