/**
 * The network adapter of the DCC's internal ports (dcc/contracts.ts) for a
 * split deployment (ARCHITECTURE "Scaling out"): the CSP's SM WAN runs in the
 * estate process, next to the Communications Hubs it serves; the DSP and the
 * CHM run elsewhere. In one process the same ports are wired in process
 * (SmWan implements CspDownlink; the DSP and the CHM are its sinks).
 *
 *   DSP / CHM process                                  estate process (SmWan)
 *   HttpCspDownlink ──POST /wan/v1/downlink──────────▶ WanLinkServer ─▶ SmWan.send
 *   WanLinkEndpoint ◀─POST /wan/v1/outcome──────────── (the CHM's Block / Unblock outcomes)
 *   WanLinkEndpoint ◀─POST /wan/v1/uplink/dsp|chm───── HttpUplinkSink (SmWan's DSP / CHM sinks)
 *
 * Bodies are JSON with the GBCS bytes in hex (real bytes, unchanged). Each
 * sender keeps one ordered queue per destination, so the per-CH order the SM
 * WAN guarantees survives the hop; a failed POST is retried with backoff on
 * the Clock (bounded queue, counted; the oldest waits, nothing is reordered).
 * This plumbing is not part of the modelled WAN: it adds no loss of its own.
 *
 * Authentication (issue 13): both sides of a deployment hold the WAN link
 * keys (derived from the data directory's credentials): one for the DCC side
 * (DSP, CHM) and one for the estate side (SM WAN). Every POST carries
 * `x-wan-link-peer`, `x-wan-link-time` (ms) and `x-wan-link-signature`
 * (HMAC-SHA256 over method, path, time and the SHA-256 of the body). A
 * server accepts only the other side, within ±60 s of its wall clock, and
 * each signature once (a bounded cache of the window: full means 503 and the
 * sender retries). Outcomes go to the CHM endpoint configured in the estate
 * process, never to a URL a request names; the per-peer state is two
 * posters and a bounded table of awaited outcomes.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { ChmMessageSink, CspDownlink, DspDeviceMessageSink } from '../../dcc/contracts.ts';
import type { DownlinkMessage, DownlinkOrigin, DownlinkOutcome } from '../../dcc/wan/sm-wan.ts';
import { BOUNDS, makeRoom } from '../../runtime/bounds.ts';
import { type Eui, fromHex, normaliseEui, toHex } from '../../runtime/bytes.ts';
import type { Clock, TimerHandle } from '../../runtime/clock.ts';
import { PpmidRelayError } from '../../runtime/errors.ts';
import { Logger } from '../../runtime/logger.ts';
import { Metrics } from '../../runtime/metrics.ts';
import type { PostJournal } from './post-journal.ts';

const log = Logger.get('wan-link');

export class WanLinkError extends PpmidRelayError {
  constructor(
    code: 'WAN_LINK_BAD_REQUEST' | 'WAN_LINK_FULL' | 'WAN_LINK_CLOSED' | 'WAN_LINK_UNAUTHENTICATED',
    message: string,
  ) {
    super(code, message);
  }
}

/** The two sides of the WAN link: the DSP/CHM processes and the estate's SM WAN. */
export type WanLinkPeer = 'dcc' | 'estate';

/** The keys of both sides (every process of a deployment derives them from its data directory). */
export interface WanLinkKeys {
  key(peer: WanLinkPeer): Uint8Array;
}

const SKEW_MS = 60_000;

function signature(key: Uint8Array, method: string, path: string, time: string, body: string): string {
  const digest = createHash('sha256').update(body, 'utf8').digest('hex');
  return createHmac('sha256', key).update(`${method}\n${path}\n${time}\n${digest}`).digest('hex');
}

/** The headers that authenticate a POST as `peer`. */
export function wanLinkHeaders(
  keys: WanLinkKeys,
  peer: WanLinkPeer,
  path: string,
  body: string,
  now = Date.now(),
): Record<string, string> {
  const time = String(now);
  return {
    'x-wan-link-peer': peer,
    'x-wan-link-time': time,
    'x-wan-link-signature': signature(keys.key(peer), 'POST', path, time, body),
  };
}

/**
 * A server's check of the other side: peer, freshness, signature, replay.
 * Installs a JSON parser that keeps the raw body (the signature covers it).
 */
function requirePeer(
  app: FastifyInstance,
  keys: WanLinkKeys,
  from: WanLinkPeer,
  metrics: Metrics,
  capacity: number = BOUNDS['wan-link.replay-cache'].capacity,
): void {
  // signature -> when it leaves the window (bounds.ts: refused when full of live ones, so no replay gets in)
  const seen = new Map<string, number>();
  const size = metrics.gauge('wan-link.replay-cache');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    (req as FastifyRequest & { rawBody?: string }).rawBody = String(body);
    try {
      done(null, JSON.parse(String(body)));
    } catch {
      done(new WanLinkError('WAN_LINK_BAD_REQUEST', 'the body is not JSON'), undefined);
    }
  });
  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST') return;
    const refuse = (why: string, status = 401) => {
      metrics.inc(`wan-link.refused{${why}}`);
      log.warn('WAN link request refused', { why, path: req.url });
      return reply.code(status).send({ error: 'WAN_LINK_UNAUTHENTICATED', message: why });
    };
    const peer = req.headers['x-wan-link-peer'];
    const time = String(req.headers['x-wan-link-time'] ?? '');
    const sig = String(req.headers['x-wan-link-signature'] ?? '');
    if (peer !== from) return refuse('peer');
    const now = Date.now();
    if (!/^\d{1,16}$/.test(time) || Math.abs(Number(time) - now) > SKEW_MS) return refuse('stale');
    const want = Buffer.from(
      signature(
        keys.key(from),
        'POST',
        req.url,
        time,
        (req as FastifyRequest & { rawBody?: string }).rawBody ?? '',
      ),
      'hex',
    );
    const got = Buffer.from(/^[0-9a-f]{64}$/.test(sig) ? sig : '', 'hex');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return refuse('signature');
    if (seen.has(sig)) return refuse('replay');
    if (seen.size >= capacity) {
      for (const [s, exp] of seen) if (exp < now) seen.delete(s);
      if (seen.size >= capacity) return refuse('busy', 503);
    }
    seen.set(sig, Number(time) + SKEW_MS);
    size.set(seen.size);
  });
}

export const WAN_LINK_DEFAULT_PORT = 8082;

interface DownlinkBody {
  origin: DownlinkOrigin;
  chf: string;
  gbcs: string;
  requestId?: string;
  target?: string;
  ttlMs?: number;
  /** the sender's handle of the outcome (POSTed to the CHM endpoint the estate is configured with) */
  linkId?: number;
}

interface UplinkBody {
  chf: string;
  gbcs: string;
  at: number;
}

// ---------------------------------------------------------------- ordered POST queue

const RETRY_MS = [250, 1_000, 2_000, 5_000, 10_000, 30_000];

/** One destination: POSTs in order, retried with backoff until `maxAttempts`. */
export class OrderedPoster {
  private readonly queue: Array<{
    path: string;
    body: unknown;
    attempts: number;
    onDone?: (ok: boolean) => void;
    /** its entry in the journal (a durable poster) */
    kept?: number;
  }> = [];
  private busy = false;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly baseUrl: string,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly o: {
      capacity?: number;
      maxAttempts?: number;
      /** Signs each POST as this side (issue 13). */
      auth?: { keys: WanLinkKeys; as: WanLinkPeer };
      /** Keeps the queue across a crash (post-journal.ts): what was kept is sent first. */
      journal?: PostJournal;
    } = {},
  ) {
    const kept = o.journal?.load() ?? [];
    for (const k of kept) this.queue.push({ path: k.path, body: k.body, attempts: 0, kept: k.id });
    if (kept.length) {
      this.metrics.inc('wan-link.restored', kept.length);
      log.info('WAN link posts restored from the journal', { to: baseUrl, n: kept.length });
      this.pump();
    }
  }

  get depth(): number {
    return this.queue.length;
  }

  /** Queues a POST; `onDone(true)` once the peer answered 2xx, `onDone(false)` if it never will. */
  post(path: string, body: unknown, onDone?: (ok: boolean) => void): void {
    if (this.closed) throw new WanLinkError('WAN_LINK_CLOSED', 'the WAN link is closed');
    if (this.queue.length >= (this.o.capacity ?? BOUNDS['wan-link.post-queue'].capacity)) {
      this.metrics.inc('wan-link.dropped');
      log.error('WAN link queue full: message dropped', { to: this.baseUrl, path });
      onDone?.(false);
      return;
    }
    const kept = this.o.journal?.add(path, body);
    this.queue.push({
      path,
      body,
      attempts: 0,
      ...(onDone ? { onDone } : {}),
      ...(kept !== undefined ? { kept } : {}),
    });
    this.metrics.gauge('wan-link.queue').set(this.queue.length);
    this.pump();
  }

  private pump(): void {
    if (this.busy || this.closed || this.queue.length === 0 || this.timer) return;
    const head = this.queue[0];
    this.busy = true;
    head.attempts++;
    const url = new URL(head.path, this.baseUrl);
    const body = JSON.stringify(head.body);
    const auth = this.o.auth;
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(auth ? wanLinkHeaders(auth.keys, auth.as, url.pathname + url.search, body) : {}),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (res) => {
        await res.arrayBuffer().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) return 'ok' as const;
        if (res.status >= 400 && res.status < 500) {
          this.metrics.inc('wan-link.refused');
          log.error('WAN link POST refused: message dropped', { to: this.baseUrl, status: res.status });
          return 'refused' as const; // a 4xx will not get better by retrying
        }
        return false;
      })
      .catch(() => false as const)
      .then((result) => {
        this.busy = false;
        if (this.closed) return;
        const done = result !== false;
        if (done || head.attempts >= (this.o.maxAttempts ?? 1_000)) {
          if (!done) this.metrics.inc('wan-link.gave-up');
          else this.metrics.inc('wan-link.sent');
          head.onDone?.(result === 'ok');
          this.queue.shift();
          if (head.kept !== undefined) this.o.journal?.done(head.kept);
          this.metrics.gauge('wan-link.queue').set(this.queue.length);
          this.pump();
        } else {
          this.metrics.inc('wan-link.retry');
          const delay = RETRY_MS[Math.min(head.attempts - 1, RETRY_MS.length - 1)];
          this.timer = this.clock.setTimer(
            delay,
            () => {
              this.timer = undefined;
              this.pump();
            },
            'wan-link:retry',
          );
        }
      });
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
  }
}

// ---------------------------------------------------------------- DSP / CHM side

/** CspDownlink (DSP) and ChmDownlink (CHM) to an SM WAN in another process. */
export class HttpCspDownlink implements CspDownlink {
  private readonly poster: OrderedPoster;
  private readonly waiting = new Map<number, (o: DownlinkOutcome) => void>();
  private readonly outcomeCapacity: number | undefined;
  /** Outcome handles: unique across restarts (a restored POST carries the handle of the process before). */
  private nextId: number;
  readonly metrics: Metrics;

  constructor(o: {
    wanUrl: string;
    clock: Clock;
    metrics?: Metrics;
    keys?: WanLinkKeys;
    /** Keeps the commands not yet acknowledged by the SM WAN across a crash (issue 13). */
    journal?: PostJournal;
    /** Outcomes awaited at most (default bounds.ts); the oldest is forgotten, counted. */
    outcomeCapacity?: number;
  }) {
    this.metrics = o.metrics ?? new Metrics();
    this.outcomeCapacity = o.outcomeCapacity;
    this.nextId = Math.floor(o.clock.now()) * 1000 + 1;
    this.poster = new OrderedPoster(o.wanUrl, o.clock, this.metrics, {
      ...(o.keys ? { auth: { keys: o.keys, as: 'dcc' as const } } : {}),
      ...(o.journal ? { journal: o.journal } : {}),
    });
  }

  /** Outcomes awaited now (bounded). */
  get awaiting(): number {
    return this.waiting.size;
  }

  sendCommand(cmd: { requestId: string; target: Eui; chf: Eui; gbcs: Uint8Array }): void {
    this.send({ ...cmd, origin: 'dsp' });
  }

  send(msg: DownlinkMessage, onOutcome?: (o: DownlinkOutcome) => void): void {
    const body: DownlinkBody = {
      origin: msg.origin ?? 'dsp',
      chf: msg.chf,
      gbcs: toHex(msg.gbcs),
      ...(msg.requestId !== undefined ? { requestId: msg.requestId } : {}),
      ...(msg.target !== undefined ? { target: msg.target } : {}),
      ...(msg.ttlMs !== undefined ? { ttlMs: msg.ttlMs } : {}),
    };
    if (onOutcome) {
      const id = this.nextId++;
      makeRoom(this.waiting, 'wan-link.awaited-outcomes', {
        capacity: this.outcomeCapacity,
        metrics: this.metrics,
        onEvict: () => this.metrics.inc('wan-link.outcome-forgotten'),
      });
      this.waiting.set(id, onOutcome);
      body.linkId = id;
    }
    this.poster.post('/wan/v1/downlink', body);
  }

  /** An outcome came back (WanLinkEndpoint). */
  outcome(linkId: number, o: DownlinkOutcome): void {
    const cb = this.waiting.get(linkId);
    this.waiting.delete(linkId);
    cb?.(o);
  }

  close(): void {
    this.poster.close();
  }
}

/** The DSP's / CHM's receiving end: uplink from the SM WAN and downlink outcomes. */
export interface RunningWanLinkEndpoint {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

function hex(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string' || !/^([0-9A-Fa-f]{2})+$/.test(s))
    throw new WanLinkError('WAN_LINK_BAD_REQUEST', `${what} must be hex bytes`);
  return fromHex(s);
}

function eui(s: unknown, what: string): Eui {
  try {
    return normaliseEui(String(s));
  } catch {
    throw new WanLinkError('WAN_LINK_BAD_REQUEST', `${what} is not an EUI-64`);
  }
}

async function listen(app: FastifyInstance, host: string, port: number) {
  await app.listen({ host, port });
  const addr = app.server.address();
  const p = typeof addr === 'object' && addr ? addr.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${p}`;
}

function badRequest(app: FastifyInstance): void {
  app.setErrorHandler((err, _req, reply) => {
    const e = err as { statusCode?: number; message?: string };
    const status = err instanceof WanLinkError ? 400 : (e.statusCode ?? 500);
    return reply.code(status).send({
      error: err instanceof WanLinkError ? err.code : 'WAN_LINK_ERROR',
      message: e.message ?? String(err),
    });
  });
}

export async function startWanLinkEndpoint(o: {
  dsp?: DspDeviceMessageSink;
  chm?: ChmMessageSink;
  downlink?: HttpCspDownlink;
  host?: string;
  port?: number;
  /** Accept only the estate side's signed POSTs (issue 13); omitted: anonymous (unit tests only). */
  keys?: WanLinkKeys;
  metrics?: Metrics;
  /** Signatures remembered against replay at most (default bounds.ts). */
  replayCacheCapacity?: number;
}): Promise<RunningWanLinkEndpoint> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  badRequest(app);
  if (o.keys) requirePeer(app, o.keys, 'estate', o.metrics ?? new Metrics(), o.replayCacheCapacity);
  app.get('/wan/v1/health', async () => ({ ok: true, dsp: !!o.dsp, chm: !!o.chm }));
  for (const to of ['dsp', 'chm'] as const) {
    app.post(`/wan/v1/uplink/${to}`, async (req, reply) => {
      const b = req.body as UplinkBody;
      const msg = { chf: eui(b?.chf, 'chf'), gbcs: hex(b?.gbcs, 'gbcs'), at: Number(b?.at) };
      if (!Number.isFinite(msg.at)) throw new WanLinkError('WAN_LINK_BAD_REQUEST', 'at must be a time');
      if (to === 'dsp') {
        if (!o.dsp) return reply.code(404).send({ error: 'NO_DSP_HERE' });
        // answered once the DSP holds it durably: the estate's CH keeps its copy until then
        if ((await o.dsp.onDeviceMessage(msg)) === false)
          return reply
            .code(503)
            .send({ error: 'DSP_NOT_HELD', message: 'the DSP could not store it; send again' });
      } else {
        if (!o.chm) return reply.code(404).send({ error: 'NO_CHM_HERE' });
        o.chm.onChMessage(msg);
      }
      return reply.code(202).send({ accepted: true });
    });
  }
  app.post('/wan/v1/outcome', async (req, reply) => {
    const b = req.body as { linkId: number; outcome: DownlinkOutcome };
    if (!o.downlink || typeof b?.linkId !== 'number' || !b.outcome)
      throw new WanLinkError('WAN_LINK_BAD_REQUEST', 'linkId and outcome');
    o.downlink.outcome(b.linkId, b.outcome);
    return reply.code(202).send({ accepted: true });
  });
  const url = await listen(app, o.host ?? '127.0.0.1', o.port ?? WAN_LINK_DEFAULT_PORT);
  log.info('WAN link endpoint listening', { url });
  return { app, url, close: () => app.close() };
}

// ---------------------------------------------------------------- estate (SmWan) side

/** SmWan's DSP or CHM sink in another process. */
export class HttpUplinkSink implements DspDeviceMessageSink, ChmMessageSink {
  private readonly poster: OrderedPoster;
  constructor(
    private readonly to: 'dsp' | 'chm',
    o: { url: string; clock: Clock; metrics?: Metrics; keys?: WanLinkKeys },
  ) {
    this.poster = new OrderedPoster(o.url, o.clock, o.metrics ?? new Metrics(), {
      ...(o.keys ? { auth: { keys: o.keys, as: 'estate' as const } } : {}),
    });
  }
  /** Resolves true once the DSP's process answered that it holds the message durably. */
  onDeviceMessage(msg: { chf: Eui; gbcs: Uint8Array; at: number }): Promise<boolean> {
    return new Promise((resolve) =>
      this.poster.post(
        `/wan/v1/uplink/${this.to}`,
        { chf: msg.chf, gbcs: toHex(msg.gbcs), at: msg.at },
        resolve,
      ),
    );
  }
  onChMessage(msg: { chf: Eui; gbcs: Uint8Array; at: number }): void {
    void this.onDeviceMessage(msg);
  }
  close(): void {
    this.poster.close();
  }
}

/** The SM WAN's face to DSPs and CHMs of other processes. */
export async function startWanLinkServer(o: {
  wan: { send(msg: DownlinkMessage, onOutcome?: (o: DownlinkOutcome) => void): void };
  clock: Clock;
  host?: string;
  port?: number;
  metrics?: Metrics;
  /** Accept only the DCC side's signed POSTs and sign the outcomes (issue 13); omitted: anonymous (unit tests only). */
  keys?: WanLinkKeys;
  /** The WAN link endpoint of the CHM (Block / Unblock outcomes go there, and nowhere else). */
  chmUrl?: string | (() => string | undefined);
  /** Signatures remembered against replay at most (default bounds.ts). */
  replayCacheCapacity?: number;
}): Promise<RunningWanLinkEndpoint & { closePosters(): void }> {
  const metrics = o.metrics ?? new Metrics();
  // One poster, to the configured CHM endpoint: the per-peer state is fixed (issue 13: no caller-chosen URL).
  let poster: OrderedPoster | undefined;
  const outcomePoster = (): OrderedPoster | undefined => {
    const url = typeof o.chmUrl === 'function' ? o.chmUrl() : o.chmUrl;
    if (!poster && url)
      poster = new OrderedPoster(url, o.clock, metrics, {
        ...(o.keys ? { auth: { keys: o.keys, as: 'estate' as const } } : {}),
      });
    return poster;
  };
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  badRequest(app);
  if (o.keys) requirePeer(app, o.keys, 'dcc', metrics, o.replayCacheCapacity);
  app.get('/wan/v1/health', async () => ({ ok: true, wan: true }));
  app.post('/wan/v1/downlink', async (req, reply) => {
    const b = req.body as DownlinkBody;
    if (b?.origin !== 'dsp' && b?.origin !== 'chm')
      throw new WanLinkError('WAN_LINK_BAD_REQUEST', 'origin is dsp or chm');
    const msg: DownlinkMessage = {
      origin: b.origin,
      chf: eui(b.chf, 'chf'),
      gbcs: hex(b.gbcs, 'gbcs'),
      ...(b.requestId !== undefined ? { requestId: String(b.requestId) } : {}),
      ...(b.target !== undefined ? { target: eui(b.target, 'target') } : {}),
      ...(typeof b.ttlMs === 'number' ? { ttlMs: b.ttlMs } : {}),
    };
    let onOutcome: ((x: DownlinkOutcome) => void) | undefined;
    if (typeof b.linkId === 'number' && Number.isSafeInteger(b.linkId)) {
      const linkId = b.linkId;
      const outcomes = outcomePoster();
      if (outcomes) onOutcome = (outcome) => outcomes.post('/wan/v1/outcome', { linkId, outcome });
      else
        log.warn('an outcome was asked for, but no CHM endpoint is configured (--chm-wan-url)', { linkId });
    }
    o.wan.send(msg, onOutcome);
    return reply.code(202).send({ accepted: true });
  });
  const url = await listen(app, o.host ?? '127.0.0.1', o.port ?? WAN_LINK_DEFAULT_PORT);
  log.info('SM WAN link server listening', { url });
  return {
    app,
    url,
    closePosters: () => poster?.close(),
    close: async () => {
      poster?.close();
      await app.close();
    },
  };
}
