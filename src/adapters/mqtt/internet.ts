/**
 * Choosing the internet leg for a run (ARCHITECTURE "Where state lives"):
 * an external broker when `MQTT_URL` names one (e.g. Mosquitto,
 * mqtt://127.0.0.1:1883, or mqtts://… with the PKI's client certificates),
 * otherwise the embedded aedes broker on a TLS listener with the test PKI
 * persisted under `<dataDir>/pki` (so restarts reuse the certificates).
 */
import { join, resolve } from 'node:path';
import { TestPki } from '../pki/test-pki.ts';
import type { AccessPolicy } from './acl.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from './broker.ts';
import { MqttInternet } from './mqtt-link.ts';

export interface OpenInternetOptions {
  /** `mqtt://…` / `mqtts://…` of an external broker; unset: embedded broker. */
  mqttUrl?: string;
  /** Protocol level for the external broker (default 5). The embedded one is always 4 (aedes). */
  protocolVersion?: 4 | 5;
  /** Where the PKI lives (`<dataDir>/pki`); default `./data`. */
  dataDir?: string;
  /** A PKI to use instead of the one in dataDir (tests: in memory). */
  pki?: TestPki;
  /**
   * Issue 13: where to also write the CA's CRL for an external broker
   * (`MQTT_CRL_FILE`, e.g. Mosquitto's `crlfile`); it is always in `<dataDir>/pki/ca.crl`.
   */
  crlFile?: string;
  /** Embedded broker: host (127.0.0.1), TLS port (default 8883; 0 = ephemeral), optional plain TCP port. */
  host?: string;
  tlsPort?: number;
  tcpPort?: number;
  policy?: AccessPolicy;
}

export interface OpenedInternet {
  internet: MqttInternet;
  /** The embedded broker, when one was started. */
  broker?: EmbeddedBroker;
  pki?: TestPki;
  /** Closes the links, then the embedded broker. */
  close(): Promise<void>;
}

export function internetOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): OpenInternetOptions {
  return {
    mqttUrl: env.MQTT_URL || undefined,
    protocolVersion: env.MQTT_PROTOCOL_VERSION === '4' ? 4 : undefined,
    dataDir: env.PPMID_DATA_DIR || undefined,
    crlFile: env.MQTT_CRL_FILE || undefined,
  };
}

export async function openInternet(opts: OpenInternetOptions = {}): Promise<OpenedInternet> {
  const needPki = !opts.mqttUrl || opts.mqttUrl.startsWith('mqtts:');
  const pki =
    opts.pki ??
    (needPki
      ? await TestPki.open({ dir: join(resolve(opts.dataDir ?? 'data'), 'pki'), crlFile: opts.crlFile })
      : undefined);
  if (opts.mqttUrl) {
    const internet = new MqttInternet(opts.mqttUrl, { protocolVersion: opts.protocolVersion ?? 5, pki });
    return { internet, pki, close: () => internet.close() };
  }
  const broker = await startEmbeddedBroker({
    host: opts.host,
    tlsPort: opts.tlsPort ?? 8883,
    tcpPort: opts.tcpPort,
    pki,
    policy: opts.policy,
  });
  const internet = new MqttInternet(broker.urls.tls!, {
    protocolVersion: broker.protocolVersion,
    pki,
    onClose: () => broker.close(),
  });
  return { internet, broker, pki, close: () => internet.close() };
}
