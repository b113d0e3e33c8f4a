/**
 * The CHM's HTTP server (fastify): the Alerts Dashboard page (plain HTML, CSS
 * and vanilla JS from ./web), a JSON API for everything the CHM does, CSV
 * downloads of every view, live updates as Server-Sent Events, and the
 * OpenAPI document of the API (SECMP0038 CSP-2, CSP-3, CSP-4). Default port
 * 8081. Routes: see `CHM_OPENAPI` below and docs/chm.md.
 *
 * Query times (`from`, `to`): epoch milliseconds, `YYYY-MM-DD` (UTC midnight)
 * or an ISO 8601 instant; `from` inclusive, `to` exclusive.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { normaliseEui } from '../../runtime/bytes.ts';
import { Logger } from '../../runtime/logger.ts';
import {
  openApiEntries,
  openSse,
  registerSharedWebAssets,
  SHARED_WEB_PUBLIC_PATHS,
} from '../../runtime/web-assets.ts';
import type { Chm, ChmEvent } from './chm.ts';
import { CH_ALERT_TYPES } from './decode.ts';
import { CHM_ERROR_STATUS, ChmError } from './errors.ts';
import { CHM_OPENAPI } from './openapi.ts';
import {
  alertsCsv,
  alertsPerDayCsv,
  type BillingPeriod,
  billingCsv,
  billingReport,
  chsCsv,
  performanceCsv,
  performanceExclusions,
} from './reports.ts';
import type { AlertFilter, ChMode, ChmCommand } from './repository.ts';

const log = Logger.get('chm:http');

export const CHM_DEFAULT_PORT = 8081;
/** Time buckets of the alerts-over-time chart. */
const BUCKETS = {
  minute: 60_000,
  '5min': 300_000,
  '15min': 900_000,
  hour: 3_600_000,
  '6h': 21_600_000,
  day: 86_400_000,
} as const;
const MODES: readonly ChMode[] = ['normal', 'block-pending', 'standalone', 'unblock-pending'];
const WEB = new URL('./web/', import.meta.url);
/** The consoles' shared stylesheet (src/web/shared/base.css), linked before style.css. */
const SHARED_WEB = new URL('../../web/shared/', import.meta.url);

export interface ChmHttpOptions {
  chm: Chm;
  /** Largest request body (DSP-4 files are uploaded as text), default 16 MiB. */
  bodyLimit?: number;
  /** SSE keep-alive comment period (default 15 s). */
  heartbeatMs?: number;
  /** Installs the operator guard (src/adapters/http/guard.ts) before the routes. */
  guard?: (app: FastifyInstance) => void;
}

/** What the CHM serves without an operator (the dashboard's page needs a session). */
export const CHM_PUBLIC_PATHS: readonly string[] = [
  '/api/health',
  '/api/openapi.json',
  '/app.js',
  '/style.css',
  '/shared/base.css',
  ...SHARED_WEB_PUBLIC_PATHS,
];

type Query = Record<string, string | undefined>;

function bad(message: string): ChmError {
  return new ChmError('CHM_BAD_REQUEST', message);
}

/** epoch ms, `YYYY-MM-DD` or ISO 8601 -> epoch ms. */
export function parseTime(s: string | undefined, what: string): number | undefined {
  if (s === undefined || s.trim() === '') return undefined;
  const t = s.trim();
  const ms = /^\d+$/.test(t)
    ? Number(t)
    : /^\d{4}-\d{2}-\d{2}$/.test(t)
      ? Date.parse(`${t}T00:00:00Z`)
      : Date.parse(t);
  if (!Number.isFinite(ms)) throw bad(`${what} "${s}" is not a time (epoch ms, YYYY-MM-DD or ISO 8601)`);
  return ms;
}

function parseEuiParam(s: string | undefined, what: string): string | undefined {
  if (s === undefined || s.trim() === '') return undefined;
  try {
    return normaliseEui(s);
  } catch {
    throw bad(`${what} "${s}" is not an EUI-64`);
  }
}

function intParam(s: string | undefined, what: string, dflt: number, max: number): number {
  if (s === undefined || s === '') return dflt;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw bad(`${what} must be a non-negative integer`);
  return Math.min(n, max);
}

/** The alert filter of a query string: chf, type (comma-separated), from, to, verified. */
export function alertFilterOf(q: Query): AlertFilter {
  const f: AlertFilter = {};
  f.chf = parseEuiParam(q.chf, 'chf');
  if (q.type) {
    const types = q.type
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const known = new Set(CH_ALERT_TYPES.map((t) => t.type as string));
    for (const t of types) if (!known.has(t)) throw bad(`unknown alert type "${t}"`);
    f.type = types;
  }
  f.from = parseTime(q.from, 'from');
  f.to = parseTime(q.to, 'to');
  if (q.verified === 'true' || q.verified === 'false') f.verified = q.verified === 'true';
  else if (q.verified !== undefined && q.verified !== '') throw bad('verified must be true or false');
  if (f.from !== undefined && f.to !== undefined && f.to <= f.from)
    throw bad('the period is empty (to <= from)');
  return f;
}

function matches(
  f: AlertFilter,
  a: { chf: string; alertType: string; receivedAt: number; verified: boolean },
) {
  if (f.chf && a.chf !== f.chf) return false;
  if (f.type && !(Array.isArray(f.type) ? f.type : [f.type]).includes(a.alertType)) return false;
  if (f.from !== undefined && a.receivedAt < f.from) return false;
  if (f.to !== undefined && a.receivedAt >= f.to) return false;
  if (f.verified !== undefined && a.verified !== f.verified) return false;
  return true;
}

function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof ChmError)
    return reply.code(CHM_ERROR_STATUS[e.code]).send({ error: e.code, message: e.message });
  const err = e as { statusCode?: number; message?: string };
  if (typeof err?.statusCode === 'number' && err.statusCode < 500)
    return reply.code(err.statusCode).send({ error: 'CHM_BAD_REQUEST', message: err.message });
  log.error('CHM HTTP handler failed', { error: e instanceof Error ? e.stack : String(e) });
  return reply.code(500).send({ error: 'CHM_INTERNAL', message: e instanceof Error ? e.message : String(e) });
}

function csv(reply: FastifyReply, name: string, text: string): FastifyReply {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}"`)
    .send(text);
}

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15);

function bodyOf(b: unknown): { operator?: string; note?: string } {
  if (b === undefined || b === null || b === '') return {};
  if (typeof b !== 'object') throw bad('the body must be a JSON object');
  const o = b as Record<string, unknown>;
  if (o.operator !== undefined && typeof o.operator !== 'string') throw bad('operator must be a string');
  if (o.note !== undefined && o.note !== null && typeof o.note !== 'string')
    throw bad('note must be a string');
  return { operator: o.operator as string | undefined, note: (o.note as string | undefined) ?? undefined };
}

/** Builds the fastify app (not listening). */
export function buildChmHttpServer(opts: ChmHttpOptions): FastifyInstance {
  const { chm } = opts;
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit ?? 16 * 1024 * 1024 });
  opts.guard?.(app);
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const streams = new Set<ServerResponse>();
  const assets = new Map<string, { type: string; body: string }>();
  for (const [file, url, type] of [
    ['index.html', new URL('index.html', WEB), 'text/html; charset=utf-8'],
    ['app.js', new URL('app.js', WEB), 'text/javascript; charset=utf-8'],
    ['style.css', new URL('style.css', WEB), 'text/css; charset=utf-8'],
    ['shared/base.css', new URL('base.css', SHARED_WEB), 'text/css; charset=utf-8'],
  ] as const)
    assets.set(file, { type, body: readFileSync(url, 'utf8') });

  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((e, _req, reply) => sendError(reply, e));
  app.addHook('preClose', (done) => {
    for (const s of streams) s.end();
    streams.clear();
    done();
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    done(null, payload);
  });

  // ---------------------------------------------------------------- the page
  const page = (file: string) => (_req: unknown, reply: FastifyReply) => {
    const a = assets.get(file)!;
    return reply.type(a.type).header('cache-control', 'no-cache').send(a.body);
  };
  app.get('/', page('index.html'));
  app.get('/index.html', page('index.html'));
  app.get('/app.js', page('app.js'));
  app.get('/style.css', page('style.css'));
  app.get('/shared/base.css', page('shared/base.css'));

  // ---------------------------------------------------------------- API
  registerSharedWebAssets(app);
  const apiIndex = async () => ({
    service: 'chm',
    wanProvider: chm.wanProvider,
    dashboard: '/',
    openapi: '/api/openapi.json',
    routes: openApiEntries(CHM_OPENAPI).map((e) => ({ method: e.method, path: e.href, summary: e.what })),
  });
  app.get('/api', apiIndex);
  app.get('/api/', apiIndex);
  app.get('/api/openapi.json', async () => CHM_OPENAPI);
  app.get('/api/health', async () => ({
    ok: true,
    wan: chm.hasDownlink,
    wanProvider: chm.wanProvider,
    now: chm.now(),
  }));
  app.get('/api/alert-types', async () => ({ types: CH_ALERT_TYPES }));

  app.get('/api/alerts', async (req) => {
    const q = req.query as Query;
    const f = alertFilterOf(q);
    const limit = intParam(q.limit, 'limit', 200, 5000);
    const offset = intParam(q.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const [total, alerts] = await Promise.all([chm.repo.countAlerts(f), chm.alerts(f, { limit, offset })]);
    return { total, limit, offset, alerts };
  });
  app.get('/api/alerts.csv', async (req, reply) => {
    const f = alertFilterOf(req.query as Query);
    return csv(reply, `chm-alerts-${stamp(chm.now())}.csv`, alertsCsv(await chm.alerts(f)));
  });
  app.get('/api/alerts/:id', async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isInteger(id)) throw bad('alert id must be an integer');
    const a = await chm.repo.alertById(id);
    if (!a) return reply.code(404).send({ error: 'CHM_NOT_FOUND', message: `no alert ${id}` });
    return { ...a, gbcsHex: await chm.repo.alertBytes(id) };
  });

  app.get('/api/events', (req, reply) => {
    const f = alertFilterOf(req.query as Query);
    const sse = openSse(req, reply, { streams, keepAliveMs: heartbeatMs });
    sse.onClose(
      chm.onEvent((e: ChmEvent) => {
        if (e.type === 'alert') {
          if (matches(f, e.alert)) sse.send('alert', e.alert);
        } else if (e.type === 'ch') sse.send('ch', e.ch);
        else if (e.type === 'command') sse.send('command', e.command);
        else sse.send('import', e);
      }),
    );
  });

  const chsQuery = (q: Query) => {
    const mode = q.mode
      ? q.mode.split(',').map((m) => {
          if (!MODES.includes(m as ChMode)) throw bad(`unknown mode "${m}"`);
          return m as ChMode;
        })
      : undefined;
    const ranIsolated =
      q.ranIsolated === undefined || q.ranIsolated === '' ? undefined : q.ranIsolated === 'true';
    return { mode, ranIsolated };
  };
  app.get('/api/chs', async (req) => ({
    chs: (await chm.chs(chsQuery(req.query as Query))).map((c) => ({ ...c, wan: chm.chWan(c.chf) })),
  }));
  app.get('/api/chs.csv', async (req, reply) =>
    csv(reply, `chm-chs-${stamp(chm.now())}.csv`, chsCsv(await chm.chs(chsQuery(req.query as Query)))),
  );
  app.get('/api/chs/standalone', async () => ({ chs: await chm.standaloneChs() }));
  app.get('/api/chs/standalone.csv', async (_req, reply) =>
    csv(reply, `chm-standalone-${stamp(chm.now())}.csv`, chsCsv(await chm.standaloneChs())),
  );
  app.get('/api/chs/:chf', async (req, reply) => {
    const chf = parseEuiParam((req.params as { chf: string }).chf, 'chf')!;
    const ch = await chm.ch(chf);
    if (!ch)
      return reply.code(404).send({ error: 'CHM_UNKNOWN_CH', message: `the CHM has no record of CH ${chf}` });
    const [periods, commands] = await Promise.all([
      chm.repo.isolationPeriods({ chf }),
      chm.repo.commands({ chf, limit: 50 }),
    ]);
    return { ...ch, isolationPeriods: periods, commands };
  });
  app.get('/api/chs/:chf/returns-record', async (req) =>
    chm.returnsRecord((req.params as { chf: string }).chf),
  );
  /**
   * A Block / Unblock answer says where the command is: on its way, or waiting
   * on the SM WAN because the CH's WAN is down (it stays pending until it is
   * delivered or its TTL ends).
   */
  const sent = (cmd: ChmCommand) => {
    const wan = chm.chWan(cmd.chf);
    const what = cmd.action === 'block' ? 'Block Buffer Feed' : 'Unblock Buffer Feed';
    return {
      ...cmd,
      wan,
      pending: true,
      message:
        wan === 'down'
          ? `${what} queued: the CH's SM WAN is down, so the command waits on the SM WAN and the CH stays ${cmd.action}-pending until it is delivered`
          : `${what} sent on the SM WAN: the CH is ${cmd.action}-pending until it answers`,
    };
  };
  app.post('/api/chs/:chf/block', async (req, reply) => {
    const b = bodyOf(req.body);
    const cmd = await chm.block((req.params as { chf: string }).chf, {
      operator: b.operator ?? '',
      note: b.note,
    });
    return reply.code(202).send(sent(cmd));
  });
  app.post('/api/chs/:chf/unblock', async (req, reply) => {
    const b = bodyOf(req.body);
    const cmd = await chm.unblock((req.params as { chf: string }).chf, {
      operator: b.operator ?? '',
      note: b.note,
    });
    return reply.code(202).send(sent(cmd));
  });
  app.post('/api/chs/:chf/clear', async (req) => {
    const b = bodyOf(req.body);
    return chm.markCleared((req.params as { chf: string }).chf, { operator: b.operator ?? '', note: b.note });
  });
  app.get('/api/commands', async (req) => {
    const q = req.query as Query;
    return {
      commands: await chm.repo.commands({
        chf: parseEuiParam(q.chf, 'chf'),
        limit: intParam(q.limit, 'limit', 200, 5000),
      }),
    };
  });

  // ---------------------------------------------------------------- reports
  app.get('/api/reports/alerts-over-time', async (req) => {
    const q = req.query as Query;
    const f = alertFilterOf(q);
    const now = chm.now();
    let bucketMs: number;
    if (q.bucket && q.bucket !== 'auto') {
      const b = BUCKETS[q.bucket as keyof typeof BUCKETS];
      if (!b) throw bad(`bucket must be auto or one of ${Object.keys(BUCKETS).join(', ')}`);
      bucketMs = b;
    } else {
      // auto: the smallest bucket that shows the whole span in at most 60 columns
      const first = f.from ?? (await chm.repo.firstAlertAt(f)) ?? now;
      const span = Math.max(0, (f.to ?? now) - first);
      bucketMs = Object.values(BUCKETS).find((b) => span / b <= 60) ?? BUCKETS.day;
    }
    const rows = await chm.repo.alertsOverTime(f, bucketMs);
    const types = [...new Set(rows.map((r) => r.alertType))].sort();
    const buckets: Array<{ start: number; counts: Record<string, number> }> = [];
    for (const r of rows) {
      let b = buckets[buckets.length - 1];
      if (!b || b.start !== r.start) {
        b = { start: r.start, counts: {} };
        buckets.push(b);
      }
      b.counts[r.alertType] = r.count;
    }
    return { bucketMs, types, buckets };
  });
  app.get('/api/reports/alerts-per-day', async (req) => ({
    rows: await chm.repo.alertsPerDay(alertFilterOf(req.query as Query)),
  }));
  app.get('/api/reports/alerts-per-day.csv', async (req, reply) =>
    csv(
      reply,
      `chm-alerts-per-day-${stamp(chm.now())}.csv`,
      alertsPerDayCsv(await chm.repo.alertsPerDay(alertFilterOf(req.query as Query))),
    ),
  );
  const periodQuery = (q: Query) => {
    const from = parseTime(q.from, 'from');
    const to = parseTime(q.to, 'to');
    if (from !== undefined && to !== undefined && to <= from) throw bad('the period is empty (to <= from)');
    const period = (q.period ?? 'month') as BillingPeriod;
    if (period !== 'day' && period !== 'month') throw bad('period must be day or month');
    return { from, to, period, tariff: chm.tariff };
  };
  app.get('/api/reports/billing', async (req) => ({
    rows: await billingReport(chm.repo, periodQuery(req.query as Query)),
  }));
  app.get('/api/reports/billing.csv', async (req, reply) =>
    csv(
      reply,
      `chm-billing-${stamp(chm.now())}.csv`,
      billingCsv(await billingReport(chm.repo, periodQuery(req.query as Query))),
    ),
  );
  app.get('/api/reports/performance', async (req) => ({
    rows: await performanceExclusions(chm.repo, periodQuery(req.query as Query)),
  }));
  app.get('/api/reports/performance.csv', async (req, reply) =>
    csv(
      reply,
      `chm-performance-exclusions-${stamp(chm.now())}.csv`,
      performanceCsv(await performanceExclusions(chm.repo, periodQuery(req.query as Query))),
    ),
  );

  // ---------------------------------------------------------------- DSP-4 logs
  app.post('/api/dsp-logs', async (req, reply) => {
    if (typeof req.body !== 'string') throw bad('send the DSP-4 CSV file as text/csv');
    const q = req.query as Query;
    const name = q.fileName || (req.headers['x-file-name'] as string | undefined) || 'upload.csv';
    const r = await chm.importDspLog(name, req.body);
    return reply.code(r.alreadyImported ? 200 : 201).send(r);
  });
  app.get('/api/dsp-logs', async () => ({ imports: await chm.repo.imports() }));

  return app;
}

export interface RunningChmServer {
  app: FastifyInstance;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the CHM server on `host:port` (port 0: an ephemeral port). */
export async function startChmServer(
  o: ChmHttpOptions & { host?: string; port?: number },
): Promise<RunningChmServer> {
  const app = buildChmHttpServer(o);
  await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? CHM_DEFAULT_PORT });
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { app, url: `http://${host}:${addr.port}`, port: addr.port, close: () => app.close() };
}
