/**
 * The Receive Response Service over mutual TLS (issue 13), as the DCC User
 * Interface authenticates both directions: the DSP POSTs its asynchronous
 * DUIS Responses and Alerts with a client certificate of the DCC User
 * Interface CA whose CN is the DSP's identity; anything else is refused at
 * the handshake (no certificate, another CA) or with 403 (another CN), before
 * the body is read. The XML signature is still verified behind it.
 *
 * It shares the supplier's port (adapters/http/tls-sniff.ts): a TLS handshake
 * reaches this server, plain HTTP the consoles and API, where a POST to the
 * receive path is then refused (426) so nothing reaches the supplier over
 * plain HTTP.
 */
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { sniffTls } from '../adapters/http/tls-sniff.ts';
import { Logger } from '../runtime/logger.ts';
import { SupplierError } from './errors.ts';
import type { SupplierService } from './service.ts';

const log = Logger.get('supplier:receive-tls');

export interface ReceiveTlsOptions {
  /** The supplier's server certificate and key (PEM), of the DCC User Interface CA. */
  certPem: string;
  keyPem: string;
  /** The CA the DSP's client certificate must chain to. */
  caPem: string;
  /** The CNs of the DSP client certificates accepted. */
  peers: readonly string[];
}

/** The receive route itself: a signed DUIS document in, the supplier's answer out. */
export function registerReceiveRoute(app: FastifyInstance, service: SupplierService, path: string): void {
  app.post(path, async (req: FastifyRequest, reply: FastifyReply) => {
    const body = req.body;
    if (typeof body !== 'string')
      return reply.code(415).send({ error: 'UNSUPPORTED_MEDIA_TYPE', message: 'send application/xml' });
    try {
      return reply.code(200).send(await service.receive(body));
    } catch (err) {
      // Not a DUIS Response: the sender's fault (400), not a bad gateway.
      if (err instanceof SupplierError && err.code === 'SUPPLIER_DSP_PROTOCOL')
        return reply.code(400).send({ error: err.code, message: err.message });
      throw err;
    }
  });
}

/** On the plain HTTP side: a POST to the receive path is refused, the TLS URL named. */
export function refuseReceiveOverPlainHttp(
  app: FastifyInstance,
  service: SupplierService,
  path: string,
): void {
  app.post(path, async (_req, reply) => {
    service.metrics.inc('receive.refused{plain-http}');
    return reply.code(426).header('upgrade', 'TLS/1.3').send({
      error: 'RECEIVE_TLS_REQUIRED',
      message:
        'the Receive Response Service is mutual TLS only (https on this port, the DSP client certificate)',
    });
  });
}

/**
 * Serves the receive route over TLS on the port `plain` already listens on.
 * Returns what to call before the plain server closes.
 */
export async function attachReceiveTls(
  plain: FastifyInstance,
  service: SupplierService,
  o: ReceiveTlsOptions & { path: string; bodyLimit?: number },
): Promise<{ close(): Promise<void> }> {
  const peers = new Set(o.peers);
  const app = Fastify({
    logger: false,
    bodyLimit: o.bodyLimit ?? 1024 * 1024,
    https: {
      cert: o.certPem,
      key: o.keyPem,
      ca: o.caPem,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2' as const,
    },
  }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  app.addHook('onRequest', async (req, reply) => {
    const socket = req.raw.socket as TLSSocket;
    const cn = socket.authorized ? socket.getPeerCertificate().subject?.CN : undefined;
    if (typeof cn === 'string' && peers.has(cn)) return;
    service.metrics.inc('receive.refused{tls-peer}');
    log.warn('Receive Response POST refused: not the DSP', { cn: String(cn) });
    return reply
      .code(403)
      .send({ error: 'RECEIVE_TLS_PEER', message: 'only the DSP may POST to the Receive Response Service' });
  });
  app.setErrorHandler((err, _req, reply) => {
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (e.statusCode && e.statusCode < 500)
      return reply.code(e.statusCode).send({ error: e.code ?? 'BAD_REQUEST', message: e.message });
    log.error('Receive Response POST failed', { error: String(err) });
    return reply.code(500).send({ error: 'INTERNAL', message: 'internal error' });
  });
  registerReceiveRoute(app, service, o.path);
  await app.ready();
  const sniffer = sniffTls(plain.server, app.server as unknown as import('node:tls').Server);
  return {
    async close() {
      sniffer.close();
      await app.close();
    },
  };
}

/** `http://h:p` + path → the `https://h:p` URL of the same port. */
export function tlsReceiveUrl(baseUrl: string, path: string): string {
  const u = new URL(path, baseUrl);
  u.protocol = 'https:';
  return u.href;
}
