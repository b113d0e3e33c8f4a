/**
 * The start page of a running system (default http://127.0.0.1:8080/): the
 * URL of every console and API, and the estate console: each home's WAN,
 * meters and PPMID, with a side door to take a home's WAN down and up (the
 * SM WAN backchannel, SECMP0038 CSP-1) so a user can watch a command reach a
 * meter through the PPMID while the WAN is down (docs/running.md).
 *
 *   GET  /                                 HTML: consoles, URLs, homes
 *   GET  /api/system                       JSON: URLs, options, provisioning summary
 *   GET  /api/estate/homes                 JSON: every home (WAN, balances, PPMID)
 *   GET  /api/estate/homes/:id             JSON: one home (+ CH status, recent CH and PPMID events)
 *   POST /api/estate/homes/:id/wan         {"state":"down"|"up"|"model"}: force the CH's WAN, or back to its class
 *   GET  /health
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { SimHome } from '../sim/estate.ts';
import { formatWanMix } from '../sim/plan.ts';
import type { RunningSystem } from './system.ts';

export interface RunningStartPage {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function consoles(sys: RunningSystem): Array<{ name: string; url: string; what: string }> {
  const u = sys.urls;
  const out: Array<{ name: string; url: string; what: string }> = [];
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
      what: 'DSP POSTs DUIS responses here',
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

function homeRow(h: SimHome): string {
  const v = h.view() as {
    premisesId: string;
    wanClass: string;
    wanUp: boolean;
    esme: { eui: string; meterBalanceMillipence: number };
    gsme: { meterBalanceMillipence: number };
    ppmid: { eui: string; provisioning: string; joined: boolean; internet: string };
  };
  const gbp = (mp: number) => `£${(mp / 100_000).toFixed(2)}`;
  return `<tr><td><a href="/api/estate/homes/${esc(v.premisesId)}">${esc(v.premisesId)}</a></td><td>${esc(v.wanClass)}</td><td>${v.wanUp ? 'up' : '<b>down</b>'}</td><td><code>${esc(h.plan.chf)}</code></td><td><code>${esc(v.esme.eui)}</code> ${gbp(v.esme.meterBalanceMillipence)}</td><td>${gbp(v.gsme.meterBalanceMillipence)}</td><td><code>${esc(v.ppmid.eui)}</code> ${esc(v.ppmid.provisioning)}${v.ppmid.joined ? ', joined' : ''}, ${esc(v.ppmid.internet)}</td></tr>`;
}

function page(sys: RunningSystem): string {
  const rows = consoles(sys)
    .map(
      (c) =>
        `<tr><td>${esc(c.name)}</td><td><a href="${esc(c.url)}">${esc(c.url)}</a></td><td>${esc(c.what)}</td></tr>`,
    )
    .join('\n');
  const homes = sys.estate ? sys.estate.homes.map(homeRow).join('\n') : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ppmid-relay: running system</title>
<meta http-equiv="refresh" content="10">
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}code{font-size:12px}</style>
</head><body>
<h1>ppmid-relay: SECMP0038 running system</h1>
<p>Homes: ${sys.plan.homes.length} (${esc(formatWanMix(sys.config.wanMix))}), seed <code>${esc(sys.config.seed)}</code>, store <code>${esc(sys.store.location)}</code>. Walkthrough: docs/running.md.</p>
<h2>Consoles and APIs</h2>
<table><tr><th>what</th><th>URL</th><th></th></tr>
${rows}
</table>
<h2>Estate</h2>
<p>Take a home's WAN down: <code>curl -X POST ${esc(sys.urls.start ?? '')}/api/estate/homes/home-0000/wan -H 'content-type: application/json' -d '{"state":"down"}'</code></p>
<table><tr><th>premises</th><th>WAN class</th><th>WAN</th><th>CHF</th><th>ESME balance</th><th>GSME balance</th><th>PPMID</th></tr>
${homes}
</table>
</body></html>`;
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
export const START_PAGE_PUBLIC_PATHS: readonly string[] = ['/health'];
/** The estate's test backchannels: off unless the test API is enabled (issue 13). */
export const START_PAGE_TEST_PATHS: readonly RegExp[] = [/^\/api\/estate\/homes\/[^/]+\/wan$/];

export async function startStartPage(o: {
  system: RunningSystem;
  host?: string;
  port?: number;
  guard?: (app: FastifyInstance) => void;
}): Promise<RunningStartPage> {
  const sys = o.system;
  const app = Fastify({ logger: false });
  o.guard?.(app);
  app.get('/health', async () => ({ ok: true }));
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(page(sys)));
  app.get('/api/system', async () => ({
    urls: sys.urls,
    consoles: consoles(sys),
    homes: sys.plan.homes.length,
    wanMix: formatWanMix(sys.config.wanMix),
    seed: sys.config.seed,
    store: sys.store.location,
    parties: [...sys.config.parties],
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
    return { premisesId: h.premisesId, chf: h.plan.chf, wanUp: h.link.isUp(), forced: state };
  });
  await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 8080 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (o.port ?? 8080);
  const host = o.host ?? '127.0.0.1';
  return {
    app,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => app.close(),
  };
}
