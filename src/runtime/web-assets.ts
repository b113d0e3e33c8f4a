/**
 * Files every HTTP server of the system shares with the browser: the
 * charting library (Chart.js, pinned in package.json and served from
 * node_modules, never from a CDN), the consoles' chart and live-update helpers
 * (src/web/shared/charts.js) and the favicon. The parties' servers (supplier,
 * DSP, CHM) and the start page mount them with `registerSharedWebAssets`; the
 * files are read once, on first use.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { makeRoom } from './bounds.ts';

const SHARED = new URL('../web/shared/', import.meta.url);

/**
 * What the shared files add to a server's public paths (no operator needed:
 * static assets, issue 13's guard), for a server that mounts them at its root.
 */
export const SHARED_WEB_PUBLIC_PATHS: readonly string[] = [
  '/favicon.ico',
  '/favicon.svg',
  '/vendor/chart.umd.min.js',
  '/shared/charts.js',
];

/** URL paths (under a server's prefix) of the shared files. */
export const SHARED_WEB_PATHS = {
  chartJs: 'vendor/chart.umd.min.js',
  charts: 'shared/charts.js',
  favicon: 'favicon.svg',
} as const;

interface Asset {
  type: string;
  body: string;
}

const cache = new Map<string, Asset>();

function load(key: keyof typeof SHARED_WEB_PATHS): Asset {
  let a = cache.get(key);
  if (a) return a;
  if (key === 'chartJs') {
    // chart.js's package exports do not name its UMD build: find it beside the CommonJS entry.
    const main = createRequire(import.meta.url).resolve('chart.js');
    a = {
      type: 'text/javascript; charset=utf-8',
      body: readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8'),
    };
  } else if (key === 'charts')
    a = {
      type: 'text/javascript; charset=utf-8',
      body: readFileSync(fileURLToPath(new URL('charts.js', SHARED)), 'utf8'),
    };
  else
    a = {
      type: 'image/svg+xml',
      body: readFileSync(fileURLToPath(new URL('favicon.svg', SHARED)), 'utf8'),
    };
  cache.set(key, a);
  return a;
}

/**
 * Serves the shared files under `prefix` (e.g. `/console`, or '' for the
 * root) and the favicon at `/favicon.ico` (browsers ask for it on every page,
 * JSON included) when `favicon` is true (the default).
 */
export function registerSharedWebAssets(
  app: FastifyInstance,
  o: { prefix?: string; favicon?: boolean } = {},
): void {
  const prefix = (o.prefix ?? '').replace(/\/+$/, '');
  const send =
    (key: keyof typeof SHARED_WEB_PATHS) => (_req: unknown, reply: import('fastify').FastifyReply) => {
      const a = load(key);
      return reply
        .type(a.type)
        .header('cache-control', key === 'chartJs' ? 'public, max-age=86400' : 'no-cache')
        .send(a.body);
    };
  for (const key of Object.keys(SHARED_WEB_PATHS) as Array<keyof typeof SHARED_WEB_PATHS>)
    app.get(`${prefix}/${SHARED_WEB_PATHS[key]}`, send(key));
  if (o.favicon ?? true) app.get('/favicon.ico', send('favicon'));
}

/** One line of an index page: a link, or a route with its method. */
export interface IndexEntry {
  method?: string;
  /** A path or URL; linked when it is a GET without parameters. */
  href: string;
  what: string;
}

const escHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A server's index page (its root, or a URL where a GET makes no sense, such
 * as a POST-only endpoint): what the server is and where to go, as plain HTML.
 */
export function indexPage(o: {
  title: string;
  intro: string;
  sections: Array<{ heading: string; entries: IndexEntry[] }>;
}): string {
  const row = (e: IndexEntry) => {
    const linkable = (e.method ?? 'GET') === 'GET' && !/[:{]/.test(e.href);
    const target = linkable
      ? `<a href="${escHtml(e.href)}">${escHtml(e.href)}</a>`
      : `<code>${escHtml(e.href)}</code>`;
    return `<tr><td>${e.method ? `<code>${escHtml(e.method)}</code>` : ''}</td><td>${target}</td><td>${escHtml(e.what)}</td></tr>`;
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escHtml(o.title)}</title><link rel="icon" href="/favicon.ico" type="image/svg+xml">
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#1b1f24}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #e2e5e9;padding:.35em .6em;vertical-align:top}code{font-size:12px}a{color:#0b4a8a}</style>
</head><body><h1>${escHtml(o.title)}</h1><p>${escHtml(o.intro)}</p>
${o.sections.map((s) => `<h2>${escHtml(s.heading)}</h2><table>${s.entries.map(row).join('')}</table>`).join('\n')}
</body></html>`;
}

/** The routes of an OpenAPI document as index entries (`{param}` paths are shown, not linked). */
export function openApiEntries(doc: { paths: Record<string, Record<string, unknown>> }): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      const o = op as { summary?: string; description?: string };
      out.push({ method: method.toUpperCase(), href: path, what: o.summary ?? o.description ?? '' });
    }
  return out;
}

/** An open Server-Sent Events stream (see `openSse`). */
export interface SseStream {
  /** Writes one event (`id` numbered per stream, `data` as JSON). */
  send(event: string, data: unknown): void;
  /** Runs `fn` once when the client goes away or the server closes. */
  onClose(fn: () => void): void;
}

/**
 * Turns a GET into a Server-Sent Events stream: headers, a retry hint, a
 * keep-alive comment every `keepAliveMs`, and membership of `streams` (end
 * them in the server's preClose hook so `close()` does not wait for browsers).
 */
export function openSse(
  req: import('fastify').FastifyRequest,
  reply: import('fastify').FastifyReply,
  o: {
    streams: Set<import('node:http').ServerResponse>;
    keepAliveMs?: number;
    /** Streams of this server at most (default bounds.ts `http.sse-streams`): the oldest is ended (its page reconnects). */
    maxStreams?: number;
  },
): SseStream {
  reply.hijack();
  const res = reply.raw;
  makeRoom(o.streams, 'http.sse-streams', { capacity: o.maxStreams, onEvict: (old) => old.end() });
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
  });
  res.write('retry: 2000\n\n');
  o.streams.add(res);
  let seq = 0;
  const closers: Array<() => void> = [];
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), o.keepAliveMs ?? 15_000);
  keepAlive.unref();
  req.raw.on('close', () => {
    clearInterval(keepAlive);
    o.streams.delete(res);
    for (const fn of closers.splice(0)) fn();
  });
  return {
    send(event, data) {
      if (!res.writableEnded) res.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose(fn) {
      closers.push(fn);
    },
  };
}
