/**
 * The embedded MQTT broker (aedes) for the internet leg (SECMP0038 PP-1),
 * used when no external broker is configured (`MQTT_URL` unset).
 *
 * - TLS listener: client certificate required and verified against the
 *   PKI's CA; the certificate's CN (or a DNS SAN) must equal the MQTT client
 *   id, and the client id must be a PPMID EUI or `supplier-<EUI>`. ACL: acl.ts,
 *   strict.
 * - TCP listener (optional, 127.0.0.1 by default): unauthenticated, for local
 *   development and tests; `open` authorization by default (ids claiming a
 *   role are still held to its rules), or `strict`.
 * - Persistent sessions and QoS 1 messages queued for offline clients are
 *   kept in aedes' in-memory persistence: they survive a client reconnect but
 *   not a broker restart. The durable layers are the PPMID outbox (PP-3) and
 *   the supplier's command tracker (SU-2), which re-send.
 * - aedes 1.2 speaks MQTT 3.1.1 (protocol level 4), not MQTT 5: clients of the
 *   embedded broker connect with `protocolVersion: 4` (`EmbeddedBroker.protocolVersion`).
 */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { Logger } from '../../runtime/logger.ts';
import { Metrics } from '../../runtime/metrics.ts';
import type { RevocationCheck } from '../pki/revocations.ts';
import type { PemCredentials } from '../pki/test-pki.ts';
import {
  type AccessPolicy,
  type Authorization,
  mayConnect,
  mayPublish,
  mayReceive,
  maySubscribe,
} from './acl.ts';

const log = Logger.get('mqtt:broker');

export interface BrokerTls {
  /** PEM of the CA that issues client certificates. */
  caCertPem: string;
  /** The broker's certificate and key. */
  server: PemCredentials;
  /** The CA's revocation list (issue 13): a revoked client certificate is refused, and dropped if connected. */
  revocations?: RevocationCheck;
}

export interface EmbeddedBrokerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Plain TCP listener port (0: ephemeral); omitted: no TCP listener. */
  tcpPort?: number;
  /** TLS listener port (0: ephemeral); omitted: no TLS listener. Needs `pki`. */
  tlsPort?: number;
  /** CA and server credentials for TLS (a TestPki fits). */
  pki?: BrokerTls;
  /** Authorization on the TCP listener (default `open`). TLS is always `strict`. */
  tcpAuthorization?: Authorization;
  policy?: AccessPolicy;
  metrics?: Metrics;
}

export interface EmbeddedBroker {
  /** `mqtt://host:port` / `mqtts://host:port` of the listeners that were asked for. */
  readonly urls: { tcp?: string; tls?: string };
  /** MQTT protocol level clients must use (aedes: 4 = MQTT 3.1.1). */
  readonly protocolVersion: 4;
  readonly metrics: Metrics;
  readonly aedes: Aedes;
  close(): Promise<void>;
}

interface ListenerInfo {
  kind: 'tcp' | 'tls';
  authorization: Authorization;
}

function authError(message: string, returnCode: number): AuthenticateError {
  const e = new Error(message) as AuthenticateError;
  (e as { returnCode: number }).returnCode = returnCode;
  return e;
}
// MQTT 3.1.1 CONNACK return codes (3.2.2.3)
const RC_IDENTIFIER_REJECTED = 2;
const RC_NOT_AUTHORIZED = 5;

/** The names a verified client certificate binds: its subject CN(s) and DNS SANs. */
export function certificateNames(socket: TLSSocket): string[] {
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return [];
  const cn = cert.subject?.CN;
  const names = Array.isArray(cn) ? [...cn] : cn ? [cn] : [];
  for (const part of (cert.subjectaltname ?? '').split(',')) {
    const m = /^\s*DNS:(.+)$/.exec(part);
    if (m) names.push(m[1].trim());
  }
  return names;
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const policy = opts.policy ?? {};
  const metrics = opts.metrics ?? new Metrics('mqtt.broker.');
  if (opts.tcpPort === undefined && opts.tlsPort === undefined)
    throw new Error('startEmbeddedBroker: ask for a tcpPort, a tlsPort or both');
  if (opts.tlsPort !== undefined && !opts.pki) throw new Error('startEmbeddedBroker: TLS needs pki');

  const listenerOf = new WeakMap<object, ListenerInfo>();
  const info = (client: Client | null): ListenerInfo | undefined =>
    client ? listenerOf.get(client.conn) : undefined;
  const modeOf = (client: Client | null): Authorization => info(client)?.authorization ?? 'strict';

  /** The certificate serial each TLS client connected with (to drop it when that certificate is revoked). */
  const serialOf = new WeakMap<Client, string>();
  const connected = new Set<Client>();
  const aedes = await Aedes.createBroker({
    authenticate(client, _username, _password, done) {
      const l = info(client);
      if (!l) return done(authError('unknown listener', RC_NOT_AUTHORIZED), false);
      if (l.kind === 'tls') {
        const sock = client.conn as TLSSocket;
        // rejectUnauthorized already refused unverified chains; this guards a misconfiguration.
        if (!sock.authorized) {
          metrics.inc('connect.refused{reason=certificate}');
          return done(authError('client certificate not verified', RC_NOT_AUTHORIZED), false);
        }
        const serial = String(sock.getPeerCertificate()?.serialNumber ?? '').toUpperCase();
        if (opts.pki?.revocations?.isRevoked(serial)) {
          metrics.inc('connect.refused{reason=revoked}');
          log.warn('revoked client certificate refused', { clientId: client.id, serial });
          return done(authError(`the certificate of ${client.id} is revoked`, RC_NOT_AUTHORIZED), false);
        }
        serialOf.set(client, serial);
        const names = certificateNames(sock);
        if (!names.includes(client.id)) {
          metrics.inc('connect.refused{reason=identity}');
          log.warn('client id does not match its certificate', { clientId: client.id, names });
          return done(authError(`client id ${client.id} is not the certificate's`, RC_NOT_AUTHORIZED), false);
        }
      }
      if (!mayConnect(client.id, l.authorization)) {
        metrics.inc('connect.refused{reason=client-id}');
        return done(authError(`client id ${client.id} outside the scheme`, RC_IDENTIFIER_REJECTED), false);
      }
      metrics.inc(`connect.accepted{listener=${l.kind}}`);
      done(null, true);
    },
    authorizeSubscribe(client, sub, done) {
      if (maySubscribe(client.id, sub.topic, modeOf(client), policy)) return done(null, sub);
      metrics.inc('subscribe.refused');
      log.warn('subscription refused', { clientId: client.id, filter: sub.topic });
      done(null, null); // SUBACK 0x80 for this filter (MQTT 3.1.1 3.9.3)
    },
    authorizePublish(client, packet, done) {
      // client null: a will of a client already gone, authorized when it was set.
      if (!client || mayPublish(client.id, packet.topic, modeOf(client), policy)) return done(null);
      metrics.inc('publish.refused');
      log.warn('publication refused; closing the connection (MQTT-3.3.5-2)', {
        clientId: client.id,
        topic: packet.topic,
      });
      done(new Error(`${client.id} may not publish to ${packet.topic}`));
    },
    authorizeForward(client, packet) {
      if (mayReceive(client.id, packet.topic, policy)) return packet;
      metrics.inc('forward.withheld');
      return null;
    },
  });
  aedes.on('clientError', (client, err) =>
    log.debug('client error', { clientId: client.id, error: err.message }),
  );
  aedes.on('connectionError', (client, err) =>
    log.debug('connection error', { clientId: client?.id, error: err.message }),
  );
  const stopRevocations = opts.pki?.revocations?.onRevoke((r) => {
    for (const c of [...connected]) {
      if (serialOf.get(c) !== r.serial) continue;
      metrics.inc('connection.revoked');
      log.warn('connection of a revoked certificate closed', { clientId: c.id, serial: r.serial });
      c.close();
    }
  });
  aedes.on('client', (c) => {
    connected.add(c);
    metrics.gauge('clients').add(1);
  });
  aedes.on('clientDisconnect', (c) => {
    connected.delete(c);
    metrics.gauge('clients').add(-1);
  });

  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const track = (s: Socket, l: ListenerInfo) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {}); // aedes reports; a reset must not crash the process
    listenerOf.set(s, l);
    aedes.handle(s);
  };
  const urls: { tcp?: string; tls?: string } = {};
  const hostInUrl = host.includes(':') ? `[${host}]` : host;

  try {
    if (opts.tcpPort !== undefined) {
      const l: ListenerInfo = { kind: 'tcp', authorization: opts.tcpAuthorization ?? 'open' };
      const server = createTcpServer((s) => track(s, l));
      servers.push(server);
      urls.tcp = `mqtt://${hostInUrl}:${await listen(server, opts.tcpPort, host)}`;
    }
    if (opts.tlsPort !== undefined && opts.pki) {
      const l: ListenerInfo = { kind: 'tls', authorization: 'strict' };
      const server = createTlsServer(
        {
          key: opts.pki.server.keyPem,
          cert: opts.pki.server.certPem,
          ca: [opts.pki.caCertPem],
          requestCert: true,
          rejectUnauthorized: true,
          minVersion: 'TLSv1.2',
        },
        (s) => track(s, l),
      );
      server.on('tlsClientError', (err, s) => {
        metrics.inc('tls.handshake.refused');
        log.debug('TLS handshake refused', { error: err.message, remote: s.remoteAddress });
      });
      servers.push(server);
      urls.tls = `mqtts://${hostInUrl}:${await listen(server, opts.tlsPort, host)}`;
    }
  } catch (err) {
    for (const s of servers) s.close();
    await new Promise<void>((r) => aedes.close(() => r()));
    throw err;
  }
  log.info('embedded MQTT broker listening', urls);

  let closing: Promise<void> | undefined;
  return {
    urls,
    protocolVersion: 4,
    metrics,
    aedes,
    close() {
      closing ??= (async () => {
        stopRevocations?.();
        const closed = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
        await new Promise<void>((r) => aedes.close(() => r()));
        for (const s of sockets) s.destroy();
        await Promise.all(closed);
      })();
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}
