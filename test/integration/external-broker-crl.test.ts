/**
 * Issue 13 with an external broker (`MQTT_URL`): a real Mosquitto, configured
 * as docs/running.md "An external broker and revocation" says
 * (mosquitto-conf.ts: TLS, client certificate CN = user, the ACL of acl.ts,
 * `crlfile` = the CRL the test CA writes), refuses a PPMID certificate the
 * CA revoked once it has re-read the CRL (SIGHUP), while the other PPMIDs
 * and the supplier keep exchanging messages. Skipped, saying why, only when
 * no `mosquitto` binary is installed (apt-get install mosquitto).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import '../../src/gbcs/x509-runtime.ts';
import * as x509 from '@peculiar/x509';
import mqtt from 'mqtt';
import { mosquittoAcl, mosquittoConf } from '../../src/adapters/mqtt/mosquitto-conf.ts';
import { statusTopic, supplierClientId } from '../../src/adapters/mqtt/topics.ts';
import { type PemCredentials, TestPki } from '../../src/adapters/pki/index.ts';
import { uniqueEuis } from '../support/internet-targets.ts';
import { freePortBlock } from '../support/ports.ts';
import { waitFor, withTimeout } from '../support/wait.ts';

const probe = spawnSync('mosquitto', ['-h'], { encoding: 'utf8' });
const noMosquitto =
  (probe.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
    ? 'no mosquitto binary on this machine (apt-get install -y mosquitto): the external-broker CRL test needs one'
    : false;

/** A bare mqtt.js v5 client: resolves when connected, rejects with why it was not. */
function connect(url: string, clientId: string, ca: string, creds: PemCredentials): Promise<mqtt.MqttClient> {
  const c = mqtt.connect(url, {
    clientId,
    protocolVersion: 5,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ca,
    cert: creds.certPem,
    key: creds.keyPem,
    rejectUnauthorized: true,
    servername: 'localhost',
  });
  return withTimeout(
    new Promise<mqtt.MqttClient>((resolve, reject) => {
      c.once('connect', () => resolve(c));
      c.once('error', (e) => {
        c.end(true);
        reject(e);
      });
      c.once('close', () => reject(new Error('closed before CONNACK')));
    }),
    8000,
    `outcome of ${clientId} connecting`,
  );
}

/** Whether `clientId` with `creds` gets a CONNACK (closing it at once). */
async function admitted(url: string, clientId: string, ca: string, creds: PemCredentials): Promise<boolean> {
  try {
    await (await connect(url, clientId, ca, creds)).endAsync();
    return true;
  } catch {
    return false;
  }
}

/** Tries `attempt` up to `times` times (each a real TLS connection, no sleeping) until it holds. */
async function eventually(attempt: () => Promise<boolean>, times: number, what: () => string): Promise<void> {
  for (let i = 0; i < times; i++) if (await attempt()) return;
  assert.fail(`not after ${times} attempts: ${what()}`);
}

describe('external broker (Mosquitto) and the CA revocation list', { skip: noMosquitto }, () => {
  let dir: string;
  let pki: TestPki;
  let broker: ChildProcess;
  let url: string;
  let log = '';
  const [P1, P2, S] = uniqueEuis(3);
  const supplierId = supplierClientId(S);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ppmid-mosquitto-'));
    pki = await TestPki.open({ dir: join(dir, 'pki'), crlFile: join(dir, 'broker', 'ca.crl') });
    const port = await freePortBlock(1);
    url = `mqtts://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'acl'), mosquittoAcl([supplierId]));
    writeFileSync(
      join(dir, 'mosquitto.conf'),
      mosquittoConf({
        port,
        pkiDir: join(dir, 'pki'),
        crlFile: join(dir, 'broker', 'ca.crl'),
        aclFile: join(dir, 'acl'),
        // as root Mosquitto would switch to its own user, who cannot read the 0600 keys
        ...(process.getuid?.() === 0 ? { runAs: userInfo().username } : {}),
      }) + 'log_dest stderr\nlog_type all\n',
    );
    broker = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    broker.stdout?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    broker.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    await waitFor(() => /running/.test(log), 15_000, {
      what: () => `mosquitto listening on ${url}; its log:\n${log}`,
    });
  });

  after(() => {
    broker?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a revoked PPMID certificate is refused after the CRL is re-read; the others still deliver', async () => {
    const ca = pki.caCertPem;
    const c1 = await pki.clientCredentials(P1, 'PPMID');
    const c2 = await pki.clientCredentials(P2, 'PPMID');
    const supplier = await connect(url, supplierId, ca, await pki.clientCredentials(supplierId, 'Supplier'));
    const got: string[] = [];
    supplier.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    await supplier.subscribeAsync('ppmid/v1/+/status', { qos: 1 });

    // both PPMIDs publish their status through Mosquitto; a PPMID cannot publish as another (ACL)
    for (const [eui, creds] of [
      [P1, c1],
      [P2, c2],
    ] as const) {
      const link = await connect(url, eui, ca, creds);
      await link.publishAsync(statusTopic(eui), `before ${eui}`, { qos: 1 });
      await link
        .publishAsync(statusTopic(eui === P1 ? P2 : P1), `forged by ${eui}`, { qos: 1 })
        .catch(() => {});
      await link.endAsync();
    }
    await waitFor(() => got.length >= 2, 10_000, { what: () => `two reports; got ${JSON.stringify(got)}` });

    // the CA revokes P1's certificate: the CRL (X.509, signed by the CA) is rewritten where crlfile points
    const serial = new X509Certificate(c1.certPem).serialNumber.toUpperCase();
    pki.revoke(c1.certPem, 'key-compromise');
    await pki.crlWritten();
    const crl = new x509.X509Crl(readFileSync(join(dir, 'broker', 'ca.crl'), 'utf8'));
    assert.ok(
      await crl.verify({ publicKey: new x509.X509Certificate(ca).publicKey }),
      'CRL signed by the CA',
    );
    assert.deepEqual(
      crl.entries.map((e) => e.serialNumber.toUpperCase()),
      [serial],
    );
    assert.equal(crl.entries[0].reason, x509.X509CrlReason.keyCompromise);
    assert.ok(crl.nextUpdate && crl.nextUpdate.getTime() > Date.now());

    // the operator's reload (docs/running.md: a path unit or the deploy hook sends SIGHUP)
    const reloads = (log.match(/Reloading config/g) ?? []).length;
    broker.kill('SIGHUP');
    await waitFor(() => (log.match(/Reloading config/g) ?? []).length > reloads, 10_000, {
      what: () => `mosquitto to reload on SIGHUP; its log:\n${log}`,
    });
    await eventually(
      async () => !(await admitted(url, P1, ca, c1)),
      20,
      () => `mosquitto to refuse the revoked certificate; its log:\n${log}`,
    );
    // and it stays refused
    assert.equal(await admitted(url, P1, ca, c1), false);

    // legitimate traffic still flows: P2 publishes, the supplier receives
    const link2 = await connect(url, P2, ca, c2);
    await link2.publishAsync(statusTopic(P2), `after ${P2}`, { qos: 1 });
    await link2.endAsync();
    await waitFor(() => got.some((g) => g.endsWith(`after ${P2}`)), 10_000, {
      what: () => `P2's report after the revocation; got ${JSON.stringify(got)}`,
    });
    await supplier.endAsync();
    assert.deepEqual(
      got.filter((g) => g.includes('forged')),
      [],
      'the ACL kept each PPMID to its own status topic',
    );
    // a fresh certificate for P1 (its replacement) connects
    assert.equal(await admitted(url, P1, ca, await pki.issueClient(P1, { unit: 'PPMID' })), true);
  });
});
