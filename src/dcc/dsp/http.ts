/**
 * The DSP's HTTP face: a thin fastify adapter over DspService, matching the
 * DCC test system's conventions (DUIS.md): `POST /api/v1/serviceS` (send
 * command, CV 1/3/5/7), `/api/v1/serviceT` (transform, CV 4),
 * `/api/v1/serviceD` (DCC-only and local delivery, CV 2/6/8), XML both ways
 * (`application/xml` or `text/xml` in, `application/xml` out), default port
 * 8079. Each answer is sent only after the DSP's store writes for it are
 * committed (persistence.ts).
 *
 * Reports (SECMP0038 DSP-4, DSP-5) and status, read-only:
 *   GET /api/v1/dsp/local-delivery?csp=NAME&from=..&to=..   CSV (local-delivery-csv.ts)
 *   GET /api/v1/dsp/charges?from=..&to=..[&user=EUI][&format=csv]
 *   GET /api/v1/dsp/performance?from=..&to=..[&targetMs=N][&format=csv]
 *   GET /api/v1/dsp/requests/:requestId                     JSON of one request record
 *   GET /api/v1/dsp/status                                  JSON: counts, outbox, metrics
 *
 * SECMP0038 C3 (SU-3), JSON, signed by the user (relay-registration.ts):
 *   PUT /api/v1/dsp/users/:eui/ppmid-relay/:ppmid   {chf, enabled, signedAt, signature}
 * PROVISIONAL Set CH Time (issue 15, ch-time-desk.ts), JSON, signed by the user:
 *   POST /api/v1/dsp/users/:eui/ch-time/:chf        {userCounter, signedAt, signature}
 *   GET /openapi.json                               OpenAPI 3.1 of these routes
 * `from`/`to`: `YYYY-MM-DD`, `YYYYMMDD` or ISO 8601; `date=YYYYMMDD` is one
 * UTC day; default: the current UTC day on the DSP clock.
 */

import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { RevocationCheck } from '../../adapters/pki/revocations.ts';
import { normaliseEui } from '../../runtime/bytes.ts';
import { Logger } from '../../runtime/logger.ts';
import {
  indexPage,
  openApiEntries,
  registerSharedWebAssets,
  SHARED_WEB_PUBLIC_PATHS,
} from '../../runtime/web-assets.ts';
import { ChTimeDesk } from './ch-time-desk.ts';
import { DspFrontWorkers } from './dsp-workers.ts';
import { DspServiceError } from './errors.ts';
import { DAY_MS, formatLocalDeliveryCsv } from './local-delivery-csv.ts';
import { queryLocalDeliveries } from './local-delivery-log.ts';
import { DSP_OPENAPI } from './openapi.ts';
import { RelayRegistrationDesk } from './relay-registration.ts';
import { chargesCsv, chargesReport, performanceCsv, performanceReport } from './reports.ts';
import type { DspService, DuisEndpoint } from './service.ts';

const log = Logger.get('dsp:http');

export const DSP_DEFAULT_PORT = 8079;

/**
 * The CN of the DSP's own DCC User Interface client certificate: what it
 * presents when it POSTs Responses and Alerts to a user's Receive Response
 * Service over mutual TLS (issue 13, supplier/receive-tls.ts).
 */
export const DSP_TLS_CLIENT_ID = 'DCC-DSP';

export interface DspHttpOptions {
  dsp: DspService;
  /** Largest request body in bytes (default 1 MiB, the DUIS codec's limit). */
  bodyLimit?: number;
  /** Installs the operator guard (src/adapters/http/guard.ts) on the reports. */
  guard?: (app: FastifyInstance) => void;
  /**
   * The DCC User Interface over TLS (issue 13): the DSP's server certificate,
   * and the CA of the users' client certificates. DUIS requests and relay
   * registrations then need a client certificate whose CN is the user's
   * EUI, the same user as the signed request's.
   */
  tls?: {
    certPem: string;
    keyPem: string;
    clientCaPem: string;
    /** The CA's revocation list (issue 13): a revoked user certificate is refused like none. */
    revocations?: RevocationCheck;
  };
  /**
   * Checks 0-2 and Response signing on these worker threads (dsp-workers.ts),
   * the DSP's state on this one. `startDspHttp({ workers: N })` starts and
   * closes them itself.
   */
  frontWorkers?: DspFrontWorkers;
}

/** The user EUI of a request's verified TLS client certificate (undefined: none, or not verified). */
function tlsUserOf(req: FastifyRequest, revocations?: RevocationCheck): string | undefined {
  const socket = req.raw.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (revocations?.isRevoked(String(cert.serialNumber ?? ''))) return undefined;
  const cn = cert.subject?.CN;
  return typeof cn === 'string' ? cn : undefined;
}

/**
 * What the DSP serves without an operator: the DUIS endpoints and the relay
 * registration (each request carries its user's signature), status and
 * OpenAPI. Its reports (local delivery, charges, performance, requests) are
 * for operators.
 */
export const DSP_PUBLIC_PATHS: readonly (string | RegExp)[] = [
  '/api/v1/serviceS',
  '/api/v1/serviceT',
  '/api/v1/serviceD',
  /^\/api\/v1\/dsp\/users\/[^/]+\/ppmid-relay\/[^/]+$/,
  /^\/api\/v1\/dsp\/users\/[^/]+\/ch-time\/[^/]+$/,
  '/api/v1/dsp/status',
  '/openapi.json',
  // the index pages: what this server is and its routes (exactly: a string ending in `/` is a
  // prefix to the guard, and '/' would make every report public)
  /^\/$/,
  /^\/api\/v1\/?$/,
  ...SHARED_WEB_PUBLIC_PATHS,
];

/** Parses `YYYY-MM-DD`, `YYYYMMDD` or an ISO 8601 instant to epoch ms. */
export function parseInstant(s: string, what: string): number {
  const t = s.trim();
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  const ms = compact
    ? Date.UTC(+compact[1], +compact[2] - 1, +compact[3])
    : /^\d{4}-\d{2}-\d{2}$/.test(t)
      ? Date.parse(`${t}T00:00:00Z`)
      : Date.parse(t);
  if (!Number.isFinite(ms))
    throw new DspServiceError('DSP_CONFIG', `${what} "${s}" is not a date`, { httpStatus: 400 });
  return ms;
}

/** The [from, to) period of a report query (see the header). */
export function periodOf(q: Record<string, string | undefined>, now: number): { from: number; to: number } {
  if (q.date !== undefined) {
    const from = parseInstant(q.date, 'date');
    return { from, to: from + DAY_MS };
  }
  const from = q.from !== undefined ? parseInstant(q.from, 'from') : Math.floor(now / DAY_MS) * DAY_MS;
  const to = q.to !== undefined ? parseInstant(q.to, 'to') : from + DAY_MS;
  if (!(to > from))
    throw new DspServiceError('DSP_CONFIG', 'the period is empty (to <= from)', { httpStatus: 400 });
  return { from, to };
}

function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  const status = e instanceof DspServiceError ? e.httpStatus : 500;
  const code = e instanceof DspServiceError ? e.code : 'DSP_INTERNAL';
  if (status >= 500)
    log.error('DSP HTTP handler failed', { error: e instanceof Error ? e.message : String(e) });
  return reply
    .code(status)
    .type('text/plain; charset=utf-8')
    .send(`${code}: ${e instanceof Error ? e.message : String(e)}`);
}

/** Builds the fastify app (not listening). */
export function buildDspHttpServer(opts: DspHttpOptions): FastifyInstance {
  const { dsp } = opts;
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    ...(opts.tls
      ? {
          https: {
            cert: opts.tls.certPem,
            key: opts.tls.keyPem,
            ca: opts.tls.clientCaPem,
            // asked for, checked per route: reports and status need an operator, not a DCC user
            requestCert: true,
            rejectUnauthorized: false,
            minVersion: 'TLSv1.2' as const,
          },
        }
      : {}),
  }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  /** The DUIS caller: with TLS, the verified client certificate's user, or a refusal. */
  const caller = (req: FastifyRequest, reply: FastifyReply): { tlsUser?: string } | undefined => {
    if (!opts.tls) return {};
    const tlsUser = tlsUserOf(req, opts.tls.revocations);
    if (tlsUser) return { tlsUser };
    dsp.metrics.inc('tls.refused');
    void reply
      .code(401)
      .type('text/plain; charset=utf-8')
      .send('DSP_TLS_CLIENT_CERTIFICATE: the DCC User Interface needs a DCC user client certificate');
    return undefined;
  };
  opts.guard?.(app);
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      const e = new Error('the body is not JSON') as Error & { statusCode: number };
      e.statusCode = 400;
      done(e, undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => {
    const e = new Error('DUIS requests are application/xml') as Error & { statusCode: number };
    e.statusCode = 415;
    done(e, undefined);
  });

  for (const endpoint of ['serviceS', 'serviceT', 'serviceD'] as const satisfies readonly DuisEndpoint[]) {
    app.post(`/api/v1/${endpoint}`, async (req, reply) => {
      const who = caller(req, reply);
      if (!who) return reply;
      const body = req.body;
      if (!(body instanceof Uint8Array))
        return reply.code(415).type('text/plain; charset=utf-8').send('DUIS requests are application/xml');
      const out = opts.frontWorkers
        ? await opts.frontWorkers.handle(endpoint, body, who)
        : await dsp.handleRequestAsync(endpoint, body, who);
      try {
        await dsp.flush();
      } catch (e) {
        return sendError(
          reply,
          new DspServiceError('DSP_BUSY', `the DSP store failed: ${String(e)}`, { httpStatus: 500 }),
        );
      }
      return reply
        .code(out.httpStatus)
        .type(
          out.contentType === 'application/xml'
            ? 'application/xml; charset=utf-8'
            : 'text/plain; charset=utf-8',
        )
        .send(out.body);
    });
  }

  app.get('/api/v1/dsp/local-delivery', async (req, reply) => {
    try {
      const q = req.query as Record<string, string | undefined>;
      const { from, to } = periodOf(q, dsp.clock.now());
      await dsp.flush();
      const records = await queryLocalDeliveries(dsp.db, { from, to, csp: q.csp });
      return reply.type('text/csv; charset=utf-8').send(formatLocalDeliveryCsv(records));
    } catch (e) {
      return sendError(reply, e);
    }
  });

  app.get('/api/v1/dsp/charges', async (req, reply) => {
    try {
      const q = req.query as Record<string, string | undefined>;
      const { from, to } = periodOf(q, dsp.clock.now());
      await dsp.flush();
      const r = await chargesReport(dsp.db, {
        from,
        to,
        currency: dsp.tariff.currency,
        user: q.user === undefined ? undefined : normaliseEui(q.user),
      });
      if (q.format === 'csv') return reply.type('text/csv; charset=utf-8').send(chargesCsv(r));
      return reply.send(r);
    } catch (e) {
      return sendError(reply, e);
    }
  });

  app.get('/api/v1/dsp/performance', async (req, reply) => {
    try {
      const q = req.query as Record<string, string | undefined>;
      const { from, to } = periodOf(q, dsp.clock.now());
      const targetMs = q.targetMs === undefined ? undefined : Number(q.targetMs);
      if (targetMs !== undefined && !(targetMs > 0))
        throw new DspServiceError('DSP_CONFIG', 'targetMs must be > 0', { httpStatus: 400 });
      await dsp.flush();
      const r = await performanceReport(dsp.db, { from, to, targetMs });
      if (q.format === 'csv') return reply.type('text/csv; charset=utf-8').send(performanceCsv(r));
      return reply.send(r);
    } catch (e) {
      return sendError(reply, e);
    }
  });

  app.get('/api/v1/dsp/requests/:requestId', async (req, reply) => {
    const { requestId } = req.params as { requestId: string };
    const r = dsp.request(requestId);
    if (!r)
      return reply.code(404).type('text/plain; charset=utf-8').send(`no request ${requestId} in memory`);
    return reply.send({ ...r, counter: r.counter.toString() });
  });

  /** On TLS, a user's own routes take only that user's client certificate (403 otherwise, answered here). */
  const sameTlsUser = (who: { tlsUser?: string }, eui: string, reply: FastifyReply): boolean => {
    if (who.tlsUser === undefined || normaliseEui(who.tlsUser) === normaliseEui(eui)) return true;
    reply
      .code(403)
      .type('text/plain; charset=utf-8')
      .send(`DSP_TLS_IDENTITY: the TLS client certificate is ${who.tlsUser}'s, not ${eui}'s`);
    return false;
  };

  // SECMP0038 C3: the supplier registers a PPMID's relay flag before its 8.11 Add.
  const desk = new RelayRegistrationDesk(dsp, dsp.clock);
  app.put('/api/v1/dsp/users/:eui/ppmid-relay/:ppmid', async (req, reply) => {
    const { eui, ppmid } = req.params as { eui: string; ppmid: string };
    const who = caller(req, reply);
    if (!who) return reply;
    try {
      if (!sameTlsUser(who, eui, reply)) return reply;
      const r = desk.register(eui, ppmid, req.body);
      await dsp.flush();
      log.info('relay flag registered (C3)', { user: eui, ppmid: r.ppmid, enabled: r.enabled });
      return reply.send(r);
    } catch (e) {
      if (e instanceof DspServiceError && e.httpStatus < 500)
        log.warn('relay flag registration refused', { user: eui, ppmid, code: e.code, reason: e.message });
      return sendError(reply, e);
    }
  });

  // PROVISIONAL Set CH Time for a CH without WAN (issue 15, ch-time-desk.ts): signed by the user.
  const chTime = new ChTimeDesk(dsp);
  app.post('/api/v1/dsp/users/:eui/ch-time/:chf', async (req, reply) => {
    const { eui, chf } = req.params as { eui: string; chf: string };
    const who = caller(req, reply);
    if (!who) return reply;
    try {
      if (!sameTlsUser(who, eui, reply)) return reply;
      const r = chTime.issue(eui, chf, req.body);
      await dsp.flush();
      log.info('Set CH Time issued (PROVISIONAL)', { user: eui, chf });
      return reply.send(r);
    } catch (e) {
      if (e instanceof DspServiceError && e.httpStatus < 500)
        log.warn('Set CH Time refused', { user: eui, chf, code: e.code, reason: e.message });
      return sendError(reply, e);
    }
  });

  app.get('/openapi.json', async (_req, reply) => reply.send(DSP_OPENAPI));

  // Index pages: the root and a GET on a DUIS endpoint (POST only) say what is here.
  registerSharedWebAssets(app);
  const page = (title: string, intro: string) =>
    indexPage({
      title,
      intro,
      sections: [
        { heading: 'API', entries: openApiEntries(DSP_OPENAPI) },
        { heading: 'Document', entries: [{ href: '/openapi.json', what: 'the OpenAPI document' }] },
      ],
    });
  app.get('/', (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(
        page(
          'DCC Data Service Provider (DSP)',
          'DUIS Service Requests with Command Variants 1-8 (SECMP0038 DSP-1), the DCC check and ACB MAC (DSP-2), local-delivery policies (DSP-3), logs and charges (DSP-4, DSP-5), exactly-once responses (DSP-6).',
        ),
      ),
  );
  app.get('/api/v1', (_req, reply) => reply.redirect('/', 302));
  app.get('/api/v1/', (_req, reply) => reply.redirect('/', 302));
  for (const endpoint of ['serviceS', 'serviceT', 'serviceD'] as const)
    app.get(`/api/v1/${endpoint}`, (_req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(
          page(
            `DUIS ${endpoint}`,
            `POST a signed DUIS Request here (application/xml); the answer is a signed DUIS acknowledgement or response. A GET only shows this page.`,
          ),
        ),
    );

  app.get('/api/v1/dsp/status', async (_req, reply) => {
    return reply.send({
      users: dsp.users().length,
      devices: dsp.inventory.all().length,
      isolatedChs: dsp.inventory.isolatedChs(),
      outbox: { pending: dsp.outbox.size, highWater: dsp.outbox.highWater, inFlight: dsp.outbox.inFlight },
      journal: {
        pending: dsp.journal.pending,
        written: dsp.journal.written,
        commits: dsp.journal.commits,
        failed: dsp.journal.error !== undefined,
      },
      xsdValidation: dsp.xsdValidation,
      metrics: dsp.metrics.snapshot(),
    });
  });

  return app;
}

export interface RunningDspHttp {
  app: FastifyInstance;
  /** e.g. `http://127.0.0.1:8079` */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts listening (default 127.0.0.1:8079; port 0 picks a free one). */
export async function startDspHttp(
  opts: DspHttpOptions & {
    host?: string;
    port?: number;
    /** Worker threads for checks 0-2 and signing (dsp-workers.ts); 0 or unset: all on this thread. */
    workers?: number;
  },
): Promise<RunningDspHttp> {
  const workers =
    opts.workers && opts.workers > 0 ? await DspFrontWorkers.start(opts.dsp, opts.workers) : undefined;
  const app = buildDspHttpServer(workers ? { ...opts, frontWorkers: workers } : opts);
  if (workers) app.addHook('onClose', () => workers.close());
  const host = opts.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: opts.port ?? DSP_DEFAULT_PORT });
  } catch (e) {
    await workers?.close();
    throw e;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? DSP_DEFAULT_PORT);
  const shown = host.includes(':') ? `[${host}]` : host;
  return { app, url: `${opts.tls ? 'https' : 'http'}://${shown}:${port}`, port, close: () => app.close() };
}
