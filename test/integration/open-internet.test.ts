/**
 * openInternet: the embedded broker by default (TLS, PKI persisted under
 * <dataDir>/pki and reused on restart), an external broker when MQTT_URL names one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  type InternetMessage,
  inboxTopic,
  internetOptionsFromEnv,
  type OpenedInternet,
  openInternet,
  supplierClientId,
} from '../../src/adapters/mqtt/index.ts';
import { MOSQUITTO_URL, uniqueEuis } from '../support/internet-targets.ts';
import { waitFor } from '../support/wait.ts';

async function roundTrip(o: OpenedInternet): Promise<void> {
  const [P, S] = uniqueEuis(2);
  const got: InternetMessage[] = [];
  const ppmid = await o.internet.connect(P, {
    presence: false,
    sessionExpirySec: 60,
    handlers: [{ filter: inboxTopic(P), handler: (m) => void got.push(m) }],
  });
  const supplier = await o.internet.connect(supplierClientId(S), { sessionExpirySec: 60 });
  await supplier.publish(inboxTopic(P), new Uint8Array([0xd9, 0x00, 0x01]));
  await waitFor(() => got.length === 1, 30_000, { what: 'the delivery' });
  assert.deepEqual(got[0].payload, new Uint8Array([0xd9, 0x00, 0x01]));
  await ppmid.close();
  await supplier.close();
}

describe('openInternet', () => {
  it('without MQTT_URL: embedded broker on TLS, the PKI persisted in dataDir and reused after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ppmid-internet-'));
    try {
      const first = await openInternet({ dataDir, tlsPort: 0 });
      let ca: string;
      try {
        assert.match(first.internet.url, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
        assert.equal(first.internet.protocolVersion, 4);
        ca = first.pki!.caCertPem;
        await roundTrip(first);
      } finally {
        await first.close();
      }
      const second = await openInternet({ dataDir, tlsPort: 0 });
      try {
        assert.equal(second.pki!.caCertPem, ca);
        await roundTrip(second);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it(
    'with MQTT_URL: the external broker (Mosquitto, MQTT 5)',
    process.env.PPMID_SKIP_MOSQUITTO === '1' ? { skip: 'PPMID_SKIP_MOSQUITTO=1 is set' } : {},
    async () => {
      const o = await openInternet({ mqttUrl: MOSQUITTO_URL });
      try {
        assert.equal(o.broker, undefined);
        assert.equal(o.internet.protocolVersion, 5);
        await roundTrip(o);
      } catch (err) {
        throw new Error(
          `external broker test failed at ${MOSQUITTO_URL} (set PPMID_SKIP_MOSQUITTO=1 to skip explicitly): ${(err as Error).message}`,
          { cause: err },
        );
      } finally {
        await o.close();
      }
    },
  );

  it('reads MQTT_URL, MQTT_PROTOCOL_VERSION, PPMID_DATA_DIR and MQTT_CRL_FILE', () => {
    assert.deepEqual(
      internetOptionsFromEnv({ MQTT_URL: 'mqtt://h:1', MQTT_PROTOCOL_VERSION: '4', PPMID_DATA_DIR: '/d' }),
      {
        mqttUrl: 'mqtt://h:1',
        protocolVersion: 4,
        dataDir: '/d',
        crlFile: undefined,
      },
    );
    assert.equal(
      internetOptionsFromEnv({ MQTT_CRL_FILE: '/etc/mosquitto/ca.crl' }).crlFile,
      '/etc/mosquitto/ca.crl',
    );
    assert.deepEqual(internetOptionsFromEnv({}), {
      mqttUrl: undefined,
      protocolVersion: undefined,
      dataDir: undefined,
      crlFile: undefined,
    });
  });
});
