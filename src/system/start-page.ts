/**
 * The start page of a running system (default http://127.0.0.1:8080/): the
 * URL of every console and API, and the estate console: the estate at a
 * glance in live charts (WAN up and down over time, commands per route and
 * state, PPMID relays, alerts), each home's WAN, CH mode, uplink buffer,
 * meters and PPMID, with a side door to take a home's WAN down and up (the
 * SM WAN backchannel, SECMP0038 CSP-1) so a user can watch a command reach a
 * meter through the PPMID while the WAN is down (docs/running.md). The page
 * (src/web/start) updates through Server-Sent Events; no reloads.
 *
 *   GET  /                                 HTML: the estate console (src/web/start)
 *   GET  /api/system                       JSON: URLs, consoles, options, provisioning summary
 *   GET  /api/estate/homes                 JSON: every home (WAN, balances, PPMID)
 *   GET  /api/estate/homes/:id             JSON: one home (+ its CH status and metrics, its WAN link, recent events)
 *   GET  /api/estate/summary               JSON: the estate now (estate-watch.ts)
 *   GET  /api/estate/history               JSON: the samples so far (one per 5 s, the last hour)
 *   GET  /api/estate/events                SSE: `hello` {summary, history}, then `sample` {sample, summary}
 *   POST /api/estate/homes/:id/wan         {"state":"down"|"up"|"model"}: force the CH's WAN, or back to its class
 *   GET  /sim/last/:file                   the last `sim run` report (report.html, report.json, CSVs)
 *   GET  /health
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { openSse, registerSharedWebAssets, SHARED_WEB_PUBLIC_PATHS } from '../runtime/web-assets.ts';
import type { SimHome } from '../sim/estate.ts';
import { lastReportPath, readLastReport } from '../sim/last-report.ts';
import { formatWanMix } from '../sim/plan.ts';
import { EstateWatch } from './estate-watch.ts';
import type { RunningSystem } from './system.ts';

const WEB = new URL('../web/start/', import.meta.url);

export interface RunningStartPage {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** `link: false`: a machine endpoint a browser cannot open (mutual TLS), shown as text, not as a link. */
type ConsoleEntry = { name: string; url: string; what: string; link?: false };

function consoles(sys: RunningSystem): ConsoleEntry[] {
  const u = sys.urls;
  const out: ConsoleEntry[] = [];
  if (u.start)
    out.push({
      name: 'Start page / estate console',
      url: `${u.start}/`,
      what: 'this page; /api/estate/homes',
    });
  if (u.supplier)
    out.push({
      name: 'Supplier service',
      url: `${u.supplier}/`,
      what: 'premises, commands, PPMIDs: /api/v1/... (OpenAPI at /openapi.json), live events /api/v1/events',
    });
  if (u.supplierConsole)
    out.push({
      name: 'Supplier console',
      url: u.supplierConsole,
      what: 'homes, commands with their live timeline, PPMIDs',
    });
  if (u.supplierReceive)
    out.push({
      name: 'Supplier Receive Response Service',
      url: u.supplierReceive,
      what: 'the DSP POSTs DUIS responses here over mutual TLS (its client certificate only; not a page)',
      link: false,
    });
  if (u.dsp)
    out.push({
      name: 'DCC DSP (DUIS)',
      url: u.dsp,
      what: 'POST /api/v1/serviceS|T|D; reports /api/v1/dsp/...',
    });
  if (u.chmDashboard)
    out.push({
      name: 'CSP CHM Alerts Dashboard',
      url: u.chmDashboard,
      what: 'alerts, CHs, Block / Unblock Buffer Feed; /api/...',
    });
  if (u.mqtt)
    out.push({
      name: 'MQTT broker (internet leg)',
      url: u.mqtt,
      what: 'ppmid/v1/<EUI>/inbox|status|presence',
    });
  return out;
}

/** Device events carry bigint counters and byte arrays: JSON as decimal strings and hex. */
function jsonSafe(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, (_k, x) =>
      typeof x === 'bigint'
        ? x.toString()
        : x instanceof Uint8Array
          ? Buffer.from(x).toString('hex').toUpperCase()
          : x,
    ),
  );
}

/** What the estate console serves without an operator. */
export const START_PAGE_PUBLIC_PATHS: readonly string[] = [
  '/health',
  '/start.js',
  '/start.css',
  '/shared/base.css',
  ...SHARED_WEB_PUBLIC_PATHS,
];
/** The estate's test backchannels: off unless the test API is enabled (issue 13). */
export const START_PAGE_TEST_PATHS: readonly RegExp[] = [/^\/api\/estate\/homes\/[^/]+\/wan$/];

export async function startStartPage(o: {
  system: RunningSystem;
  host?: string;
  port?: number;
  guard?: (app: FastifyInstance) => void;
  /** How often the estate is sampled for the live charts (ms, default 5 000). */
  samplePeriodMs?: number;
}): Promise<RunningStartPage> {
  const sys = o.system;
  const app = Fastify({ logger: false });
  o.guard?.(app);
  const watch = new EstateWatch(sys, { periodMs: o.samplePeriodMs });
  const streams = new Set<ServerResponse>();
  registerSharedWebAssets(app);
  const files = new Map<string, { type: string; body: string }>();
  for (const [path, file, type] of [
    ['/', 'index.html', 'text/html; charset=utf-8'],
    ['/start.js', 'start.js', 'text/javascript; charset=utf-8'],
    ['/start.css', 'start.css', 'text/css; charset=utf-8'],
    ['/shared/base.css', '../shared/base.css', 'text/css; charset=utf-8'],
  ] as const)
    files.set(path, { type, body: readFileSync(new URL(file, WEB), 'utf8') });
  for (const [path, f] of files)
    app.get(path, (_req, reply) => reply.type(f.type).header('cache-control', 'no-cache').send(f.body));
  app.get('/health', async () => ({ ok: true }));
  app.get('/api/estate/summary', () => watch.summary());
  app.get('/api/estate/history', () => ({ periodMs: watch.periodMs, samples: watch.history() }));
  app.get('/api/estate/events', async (req, reply) => {
    const first = { summary: await watch.summary(), history: watch.history(), periodMs: watch.periodMs };
    const sse = openSse(req, reply, { streams });
    sse.send('hello', first);
    sse.onClose(watch.subscribe((u) => sse.send('sample', u)));
  });
  app.addHook('preClose', (done) => {
    for (const s of streams) s.end();
    streams.clear();
    done();
  });
  // the last `sim run` report (src/sim/last-report.ts): its page, report.json and CSVs
  app.get('/sim/last/:file', async (req, reply) => {
    const p = lastReportPath((req.params as { file: string }).file, sys.config.dataDir);
    if (!p) return reply.code(404).send({ error: 'no such report file' });
    const type = p.endsWith('.html')
      ? 'text/html; charset=utf-8'
      : p.endsWith('.json')
        ? 'application/json'
        : 'text/csv';
    return reply.type(type).send(readFileSync(p));
  });
  app.get('/api/system', async () => ({
    urls: sys.urls,
    consoles: consoles(sys),
    homes: sys.plan.homes.length,
    wanMix: formatWanMix(sys.config.wanMix),
    seed: sys.config.seed,
    store: sys.store.location,
    parties: [...sys.config.parties],
    /** The last `ppmid-relay sim run` report (served under /sim/last/), if any. */
    simLastReport: (() => {
      const last = readLastReport(sys.config.dataDir);
      return last
        ? {
            url: '/sim/last/report.html',
            scenario: last.scenario,
            answer: last.answer,
            partial: last.partial,
          }
        : null;
    })(),
    /** The SM WAN backchannel (POST /api/estate/homes/:id/wan) answers only with the test API on. */
    testApi: sys.config.testApi,
    provisioning: sys.estate
      ? sys.estate.homes.reduce<Record<string, number>>((a, h) => {
          a[h.provisioning] = (a[h.provisioning] ?? 0) + 1;
          return a;
        }, {})
      : null,
  }));
  const homeOf = (id: string): SimHome | undefined => {
    try {
      return sys.estate?.home(id);
    } catch {
      return undefined;
    }
  };
  app.get('/api/estate/homes', async () => jsonSafe(sys.estate?.homes.map((h) => h.view()) ?? []));
  app.get('/api/estate/homes/:id', async (req, reply) => {
    const h = homeOf((req.params as { id: string }).id);
    if (!h) return reply.code(404).send({ error: 'NO_SUCH_HOME' });
    // This home's figures only: its CH's status and metrics (one registry per home), its WAN link.
    return jsonSafe({
      ...h.view(),
      ch: h.home.chf.status(),
      wan: sys.wan?.chMetrics(h.plan.chf),
      recentChEvents: h.home.chf.events.slice(-30),
      recentPpmidEvents: h.ppmid?.events.slice(-30) ?? [],
      recentEsmeEvents: h.esme.events.slice(-10),
    });
  });
  app.post('/api/estate/homes/:id/wan', async (req, reply) => {
    const h = homeOf((req.params as { id: string }).id);
    const state = (req.body as { state?: string } | undefined)?.state;
    if (!h || !sys.wan) return reply.code(404).send({ error: 'NO_SUCH_HOME' });
    if (state === 'down') sys.wan.backchannel.forceDown(h.plan.chf);
    else if (state === 'up') sys.wan.backchannel.forceUp(h.plan.chf);
    else if (state === 'model') sys.wan.backchannel.release(h.plan.chf);
    else return reply.code(400).send({ error: 'BAD_REQUEST', message: 'state is down, up or model' });
    watch.sampleNow();
    return { premisesId: h.premisesId, chf: h.plan.chf, wanUp: h.link.isUp(), forced: state };
  });
  await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 8080 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (o.port ?? 8080);
  const host = o.host ?? '127.0.0.1';
  return {
    app,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: async () => {
      await watch.stop();
      app.server.closeAllConnections?.();
      await app.close();
    },
  };
}
