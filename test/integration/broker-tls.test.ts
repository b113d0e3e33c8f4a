/**
 * SECMP0038 PP-1 on the embedded broker's TLS listener: "MQTT over TLS with a
 * per-device client certificate". Who gets in, and what they may touch.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import {
  ALL_STATUS_FILTER,
  connectMqttLink,
  type EmbeddedBroker,
  type InternetMessage,
  inboxTopic,
  MqttInternet,
  startEmbeddedBroker,
  statusTopic,
  supplierClientId,
} from '../../src/adapters/mqtt/index.ts';
import { type PemCredentials, TestPki } from '../../src/adapters/pki/index.ts';
import { uniqueEuis } from '../support/internet-targets.ts';
import { waitFor, waitForEvent, withTimeout } from '../support/wait.ts';

/** A bare mqtt.js client (no local checks): resolves when connected, rejects with why it was not. */
function rawConnect(
  url: string,
  o: { clientId: string; ca: string; creds?: PemCredentials },
): Promise<mqtt.MqttClient> {
  const c = mqtt.connect(url, {
    clientId: o.clientId,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ca: o.ca,
    ...(o.creds ? { cert: o.creds.certPem, key: o.creds.keyPem } : {}),
    rejectUnauthorized: true,
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
    `outcome of ${o.clientId} connecting`,
  );
}

describe('embedded broker, TLS listener (PP-1)', () => {
  let pki: TestPki;
  let rogue: TestPki;
  let broker: EmbeddedBroker;
  let url: string;
  const [P1, P2, S1, S2] = uniqueEuis(4);

  before(async () => {
    pki = await TestPki.open();
    rogue = await TestPki.open({ caName: 'someone else CA' });
    broker = await startEmbeddedBroker({
      tlsPort: 0,
      pki,
      // S1 serves P1 only; S2 serves P2 only.
      policy: { supplierServes: (s, p) => (s === S1 && p === P1) || (s === S2 && p === P2) },
    });
    url = broker.urls.tls!;
  });
  after(() => broker.close());

  it('accepts a PPMID and a supplier whose certificate CN is their client id', async () => {
    for (const id of [P1, supplierClientId(S1)]) {
      const c = await rawConnect(url, {
        clientId: id,
        ca: pki.caCertPem,
        creds: await pki.clientCredentials(id),
      });
      assert.equal(c.connected, true);
      await c.endAsync();
    }
  });

  it('issue 13: a revoked certificate is dropped while connected and refused after; its replacement connects', async () => {
    const [P9] = uniqueEuis(1);
    const old = await pki.issueClient(P9, { unit: 'PPMID' });
    const c = await rawConnect(url, { clientId: P9, ca: pki.caCertPem, creds: old });
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    pki.revoke(old.certPem, 'replaced');
    await withTimeout(closed, 10_000, 'the connection of the revoked certificate closed');
    c.end(true);
    assert.equal(broker.metrics.counter('connection.revoked').value, 1);
    await assert.rejects(
      rawConnect(url, { clientId: P9, ca: pki.caCertPem, creds: old }),
      (e: Error & { code?: number }) => e.code === 5,
    );
    assert.equal(broker.metrics.counter('connect.refused{reason=revoked}').value, 1);
    const fresh = await rawConnect(url, {
      clientId: P9,
      ca: pki.caCertPem,
      creds: await pki.issueClient(P9, { unit: 'PPMID' }),
    });
    assert.equal(fresh.connected, true);
    await fresh.endAsync();
  });

  it('refuses a client without a certificate (TLS handshake)', async () => {
    const before = broker.metrics.counter('tls.handshake.refused').value;
    await assert.rejects(rawConnect(url, { clientId: P1, ca: pki.caCertPem }));
    await waitFor(() => broker.metrics.counter('tls.handshake.refused').value > before, 30_000, {
      what: 'the broker to count the refused handshake',
    });
  });

  it('refuses a certificate from another CA, even with the right CN', async () => {
    const before = broker.metrics.counter('tls.handshake.refused').value;
    const accepted = broker.metrics.counter('connect.accepted{listener=tls}').value;
    await assert.rejects(
      rawConnect(url, { clientId: P1, ca: pki.caCertPem, creds: await rogue.clientCredentials(P1) }),
    );
    await waitFor(() => broker.metrics.counter('tls.handshake.refused').value > before, 30_000, {
      what: 'the broker to count the refused handshake',
    });
    assert.equal(broker.metrics.counter('connect.accepted{listener=tls}').value, accepted);
  });

  it('refuses a client id that is not the one in its certificate (CONNACK 5)', async () => {
    const before = broker.metrics.counter('connect.refused{reason=identity}').value;
    await assert.rejects(
      rawConnect(url, { clientId: P2, ca: pki.caCertPem, creds: await pki.clientCredentials(P1) }),
      (e: Error & { code?: number }) => e.code === 5,
    );
    assert.equal(broker.metrics.counter('connect.refused{reason=identity}').value, before + 1);
    // Through the adapter: a typed refusal.
    await assert.rejects(
      connectMqttLink(P2, {
        url,
        protocolVersion: 4,
        tls: { caPem: pki.caCertPem, client: await pki.clientCredentials(P1) },
        reconnectPeriodMs: 0,
      }),
      { code: 'MQTT_CONNECT_REFUSED' },
    );
  });

  it('accepts a DNS SAN equal to the client id; refuses ids outside the scheme even with a matching certificate', async () => {
    const viaSan = await pki.issueClient(P2, { commonName: 'PPMID front panel', dnsNames: [P2] });
    const c = await rawConnect(url, { clientId: P2, ca: pki.caCertPem, creds: viaSan });
    await c.endAsync();
    await assert.rejects(
      rawConnect(url, {
        clientId: 'debug-tool',
        ca: pki.caCertPem,
        creds: await pki.clientCredentials('debug-tool'),
      }),
      (e: Error & { code?: number }) => e.code === 2,
    );
  });

  it('a PPMID cannot subscribe to another PPMID inbox, nor to status reports', async () => {
    const internet = new MqttInternet(url, { protocolVersion: 4, pki });
    try {
      const p1 = await internet.connect(P1, { presence: false });
      await assert.rejects(
        p1.subscribe(inboxTopic(P2), () => {}),
        { code: 'MQTT_SUBSCRIBE_REFUSED' },
      );
      await assert.rejects(
        p1.subscribe(ALL_STATUS_FILTER, () => {}),
        { code: 'MQTT_SUBSCRIBE_REFUSED' },
      );
      await p1.subscribe(inboxTopic(P1), () => {});
    } finally {
      await internet.close();
    }
  });

  it('a PPMID publishing into another PPMID inbox is disconnected and nothing is delivered (raw client, no local check)', async () => {
    const internet = new MqttInternet(url, { protocolVersion: 4, pki });
    const got: InternetMessage[] = [];
    try {
      await internet.connect(P2, {
        presence: false,
        handlers: [{ filter: inboxTopic(P2), handler: (m) => void got.push(m) }],
      });
      const intruder = await rawConnect(url, {
        clientId: P1,
        ca: pki.caCertPem,
        creds: await pki.clientCredentials(P1),
      });
      const refusedBefore = broker.metrics.counter('publish.refused').value;
      const closed = waitForEvent(intruder, 'close', { what: 'the broker closing the intruder' });
      intruder.publish(inboxTopic(P2), Buffer.from('forged'), { qos: 1 });
      await closed;
      intruder.end(true);
      assert.equal(broker.metrics.counter('publish.refused').value, refusedBefore + 1);
      // Prove delivery would have happened by now: a legitimate message sent after it arrives alone.
      const s2 = await internet.connect(supplierClientId(S2));
      await s2.publish(inboxTopic(P2), Buffer.from('genuine'));
      await waitFor(() => got.length >= 1, 30_000, { what: 'the genuine message' });
      assert.deepEqual(
        got.map((m) => Buffer.from(m.payload).toString()),
        ['genuine'],
      );
    } finally {
      await internet.close();
    }
  });

  it('a supplier reaches only the PPMIDs it serves: its publications elsewhere are refused, others` reports withheld', async () => {
    const internet = new MqttInternet(url, { protocolVersion: 4, pki });
    const reports: string[] = [];
    try {
      const s1 = await internet.connect(supplierClientId(S1), {
        handlers: [{ filter: ALL_STATUS_FILTER, handler: (m) => void reports.push(m.topic) }],
      });
      await assert.rejects(
        s1.subscribe(statusTopic(P2), () => {}),
        { code: 'MQTT_SUBSCRIBE_REFUSED' },
      );
      const p1 = await internet.connect(P1, { presence: false });
      const p2 = await internet.connect(P2, { presence: false });
      const withheldBefore = broker.metrics.counter('forward.withheld').value;
      await p2.publish(statusTopic(P2), Buffer.from('not for S1'));
      await p1.publish(statusTopic(P1), Buffer.from('for S1'));
      await waitFor(() => reports.length >= 1, 30_000, { what: "P1's report at S1" });
      assert.deepEqual(reports, [statusTopic(P1)]);
      assert.ok(broker.metrics.counter('forward.withheld').value > withheldBefore);
      // A raw S1 publishing to P2's inbox is cut off.
      const raw = await rawConnect(url, {
        clientId: `${supplierClientId(S1)}`,
        ca: pki.caCertPem,
        creds: await pki.clientCredentials(supplierClientId(S1)),
      });
      const closed = waitForEvent(raw, 'close', { what: 'the broker closing S1' });
      raw.publish(inboxTopic(P2), Buffer.from('x'), { qos: 1 });
      await closed;
      raw.end(true);
    } finally {
      await internet.close();
    }
  });
});
