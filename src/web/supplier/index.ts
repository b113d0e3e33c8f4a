/**
 * The Supplier console (issue 6): a web page for a supplier's operator, served
 * by the supplier service's HTTP server under `/console/`. Plain HTML, CSS and
 * vanilla JS modules from this folder (no framework, no build step); the page
 * talks to the supplier's JSON API (`/api/v1/...`, src/supplier/http.ts) and
 * its Server-Sent Events.
 *
 * Besides the static files this adds, under the prefix:
 * - `config.json`: where the API is, links to the start page and the CHM
 *   Alerts Dashboard, whether estate observations are available;
 * - `api/catalogue`: the Service Requests the console offers, with what the
 *   DUIS catalogue allows (critical, local delivery: SECMP0038 DSP-3);
 * - `api/route-preview`: what the route planner (SU-1) would choose for a
 *   home and an SR now, with its reasons (no counter spent, nothing sent);
 * - `api/observed`, `api/observed/events`: what the CH and the meter did with
 *   a command in the simulated home (EstateObserver), when one is given.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { serviceRequest } from '../../duis/index.ts';
import { Logger } from '../../runtime/logger.ts';
import { openSse } from '../../runtime/web-assets.ts';
import { orderableSrvs } from '../../supplier/duis-order.ts';
import { SupplierError } from '../../supplier/errors.ts';
import { type CommandOrder, srvOfOrder } from '../../supplier/model.ts';
import { commissionRoute } from '../../supplier/no-wan.ts';
import { allowsLocalDelivery, chooseRoute } from '../../supplier/route-planner.ts';
import type { SupplierService } from '../../supplier/service.ts';
import type { EstateObserver, ObservedHop } from './observer.ts';
import { supplierStats } from './stats.ts';

export { EstateObserver, type ObservableHome, type ObservedHop } from './observer.ts';

const log = Logger.get('web:supplier');

export const SUPPLIER_CONSOLE_PREFIX = '/console';

export interface SupplierConsoleLinks {
  /** The start page of the running system (`ppmid-relay up`). */
  startPage?: string;
  /** The CHM Alerts Dashboard. */
  chmDashboard?: string;
}

export interface SupplierConsoleOptions {
  service: SupplierService;
  /** Where the console is mounted (default `/console`). */
  prefix?: string;
  /** Base URL of the supplier API as the browser reaches it (default '': the same server). */
  apiBase?: string;
  /** Links to the other consoles; a function is read on every request (URLs known once those servers listen). */
  links?: SupplierConsoleLinks | (() => SupplierConsoleLinks);
  /** What the simulated homes' CHs and meters did with each command (optional). */
  observer?: EstateObserver;
  /** A name for the supplier shown in the header (default: its EUI). */
  supplierName?: string;
  /** SSE keep-alive comment period for `api/observed/events` and `api/stats/events` (ms, default 15 000). */
  sseKeepAliveMs?: number;
  /** `api/stats/events` sends fresh figures at most this often while commands move (ms, default 1 000). */
  statsThrottleMs?: number;
}

const HERE = new URL('./', import.meta.url);
const SHARED = new URL('../shared/', import.meta.url);

/** Files the console serves: URL path under the prefix -> file and content type. */
const ASSETS: ReadonlyArray<readonly [string, URL, string]> = [
  ['index.html', new URL('index.html', HERE), 'text/html; charset=utf-8'],
  ['console.css', new URL('console.css', HERE), 'text/css; charset=utf-8'],
  ['shared/base.css', new URL('base.css', SHARED), 'text/css; charset=utf-8'],
  ...[
    'main.js',
    'api.js',
    'dom.js',
    'labels.js',
    'homes.js',
    'send.js',
    'timeline.js',
    'commands.js',
    'stats.js',
  ].map((f) => [`js/${f}`, new URL(`js/${f}`, HERE), 'text/javascript; charset=utf-8'] as const),
];

/** An SR the console offers, from the DUIS catalogue. */
export interface ConsoleSr {
  /** Order kind (the supplier API's `order.kind`) and, for supply, its action. */
  key: string;
  kind: CommandOrder['kind'];
  action?: 'Enable' | 'Disable' | 'Arm';
  srv: string;
  name: string;
  critical: boolean;
  /** Whether the SR may be delivered through a PPMID (CV 2/3 or 6/7; SECMP0038 DSP-3). */
  localDelivery: boolean;
  /** `duis` entries: the device types DUIS lets the SR address (empty: non-device, the DCC answers). */
  targets?: readonly string[];
  /** `duis` entries: the DUIS body element the JSON body fills. */
  bodyElement?: string;
}

const OFFERED: ReadonlyArray<Pick<ConsoleSr, 'key' | 'kind' | 'action'>> = [
  { key: 'top-up', kind: 'top-up' },
  { key: 'read-registers', kind: 'read-registers' },
  { key: 'price', kind: 'price' },
  { key: 'supply-enable', kind: 'supply', action: 'Enable' },
  { key: 'supply-disable', kind: 'supply', action: 'Disable' },
  { key: 'supply-arm', kind: 'supply', action: 'Arm' },
  { key: 'commission-device', kind: 'commission-device' },
];

/**
 * The SRs the console offers with their catalogue facts: the typed orders with their own forms, then
 * every SRV a `duis` order may name (the DSP's SRV table, src/supplier/duis-order.ts), with a JSON body.
 */
export function consoleCatalogue(): ConsoleSr[] {
  const typed = OFFERED.map((o) => {
    const srv = srvOfOrder(
      (o.kind === 'supply' ? { kind: 'supply', action: o.action } : { kind: o.kind }) as CommandOrder,
    );
    const def = serviceRequest(srv);
    if (!def) throw new SupplierError('SUPPLIER_CONFIG', `SR ${srv} is not in the DUIS catalogue`);
    return {
      ...o,
      srv,
      name: def.name,
      critical: def.class === 'critical',
      // 8.1.1: local delivery (CV 6) only under the no-WAN commissioning policy (supplier/no-wan.ts, decision C8)
      localDelivery: allowsLocalDelivery(def) || o.kind === 'commission-device',
    };
  });
  const generic: ConsoleSr[] = orderableSrvs().map((o) => ({
    key: `duis:${o.srv}`,
    kind: 'duis',
    srv: o.srv,
    name: o.name,
    critical: o.class === 'critical',
    localDelivery: o.localDelivery,
    targets: o.targets,
    bodyElement: o.bodyElement,
  }));
  return [...typed, ...generic];
}

function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof SupplierError)
    return reply.code(err.httpStatus).send({ error: err.code, message: err.message });
  log.error('console request failed', { error: err instanceof Error ? err.stack : String(err) });
  return reply
    .code(500)
    .send({ error: 'INTERNAL', message: err instanceof Error ? err.message : String(err) });
}

function observedJson(h: ObservedHop): Record<string, unknown> {
  return { ...h, at: new Date(h.at).toISOString() };
}

/**
 * Mounts the Supplier console on a fastify app (the supplier HTTP server's,
 * `buildSupplierApp`): `GET <prefix>/` and its assets and helper routes.
 * Call before the app is ready.
 */
export function registerSupplierConsole(app: FastifyInstance, opts: SupplierConsoleOptions): void {
  const prefix = (opts.prefix ?? SUPPLIER_CONSOLE_PREFIX).replace(/\/+$/, '');
  const { service, observer } = opts;
  const files = new Map<string, { type: string; body: string }>();
  for (const [path, url, type] of ASSETS) files.set(path, { type, body: readFileSync(url, 'utf8') });
  const catalogue = consoleCatalogue();
  const streams = new Set<ServerResponse>();

  const serve = (path: string) => (_req: unknown, reply: FastifyReply) => {
    const f = files.get(path)!;
    return reply
      .type(f.type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(f.body);
  };

  app.get(prefix, (_req, reply) => reply.redirect(`${prefix}/`, 302));
  app.get(`${prefix}/`, serve('index.html'));
  for (const [path] of ASSETS) app.get(`${prefix}/${path}`, serve(path));

  app.get(`${prefix}/config.json`, async () => {
    const links = typeof opts.links === 'function' ? opts.links() : (opts.links ?? {});
    return {
      supplierId: service.supplierEui,
      supplierName: opts.supplierName ?? null,
      apiBase: opts.apiBase ?? '',
      links: { startPage: links.startPage ?? null, chmDashboard: links.chmDashboard ?? null },
      observed: observer !== undefined,
    };
  });

  app.get(`${prefix}/api/catalogue`, async () => ({ serviceRequests: catalogue }));

  app.get(`${prefix}/api/route-preview`, async (req, reply) => {
    try {
      const q = req.query as Record<string, string | undefined>;
      if (!q.premises) throw new SupplierError('SUPPLIER_BAD_REQUEST', 'premises is required');
      const sr = catalogue.find((s) => s.key === q.sr);
      if (!sr)
        throw new SupplierError(
          'SUPPLIER_BAD_REQUEST',
          `sr must be one of ${catalogue.map((s) => s.key).join(', ')}`,
        );
      const view = await service.premisesView(q.premises);
      const hasEnhancedPpmid = view.ppmid !== undefined && (view.ppmidRecord?.relayEnabled ?? false);
      const route = q.route === undefined || q.route === '' || q.route === 'auto' ? undefined : q.route;
      if (route !== undefined && !['wan', 'race', 'ppmid'].includes(route))
        throw new SupplierError('SUPPLIER_BAD_REQUEST', 'route must be auto, wan, race or ppmid');
      const base = { wanClass: view.wan.wanClass, wanReasons: view.wan.reasons, hasEnhancedPpmid };
      try {
        const forced = route ? { forced: route as 'wan' | 'race' | 'ppmid' } : {};
        const d =
          sr.kind === 'commission-device'
            ? commissionRoute({ wanClass: view.wan.wanClass, hasEnhancedPpmid, ...forced })
            : chooseRoute({
                srv: sr.srv,
                wanClass: view.wan.wanClass,
                hasEnhancedPpmid,
                futureDated: false,
                ...forced,
              });
        return { ...base, ok: true, route: d.route, commandVariants: d.commandVariants, reasons: d.reasons };
      } catch (err) {
        // A route the planner refuses: the same words the API will answer with.
        if (err instanceof SupplierError && err.code === 'SUPPLIER_BAD_REQUEST')
          return { ...base, ok: false, route: null, commandVariants: [], reasons: [err.message] };
        throw err;
      }
    } catch (err) {
      return sendError(reply, err);
    }
  });

  app.get(`${prefix}/api/observed`, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    if (!q.requestId)
      return reply.code(400).send({ error: 'SUPPLIER_BAD_REQUEST', message: 'requestId is required' });
    return {
      available: observer !== undefined,
      hops: (observer?.forRequest(q.requestId) ?? []).map(observedJson),
    };
  });

  app.get(`${prefix}/api/observed/events`, (req, reply) => {
    const sse = openSse(req, reply, { streams, keepAliveMs: opts.sseKeepAliveMs });
    sse.send('hello', { available: observer !== undefined });
    const off = observer?.subscribe((h) => sse.send('observed', observedJson(h)));
    if (off) sse.onClose(off);
  });

  // ---------------------------------------------------------------- charts (stats.ts)
  const stats = async () => {
    const { counts, times } = await service.commandStats();
    return supplierStats(counts, times, service.now());
  };
  app.get(`${prefix}/api/stats`, async (_req, reply) => {
    try {
      return await stats();
    } catch (err) {
      return sendError(reply, err);
    }
  });
  app.get(`${prefix}/api/stats/events`, (req, reply) => {
    const sse = openSse(req, reply, { streams, keepAliveMs: opts.sseKeepAliveMs });
    let timer: NodeJS.Timeout | undefined;
    const push = () => {
      timer = undefined;
      stats().then(
        (s) => sse.send('stats', s),
        (err: unknown) => log.warn('stats for the console failed', { error: String(err) }),
      );
    };
    push();
    // Commands move in bursts: one fresh set of figures per `statsThrottleMs` at most.
    sse.onClose(
      service.subscribe((e) => {
        if (e.type === 'command' && !timer) timer = setTimeout(push, opts.statsThrottleMs ?? 1000);
      }),
    );
    sse.onClose(() => clearTimeout(timer));
  });

  app.addHook('preClose', (done) => {
    for (const s of streams) s.end();
    streams.clear();
    done();
  });
}
