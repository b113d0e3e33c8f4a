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
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { ChmMessageSink, CspDownlink, DspDeviceMessageSink } from '../../dcc/contracts.ts';
import type { DownlinkMessage, DownlinkOrigin, DownlinkOutcome } from '../../dcc/wan/sm-wan.ts';
import { type Eui, fromHex, normaliseEui, toHex } from '../../runtime/bytes.ts';
import type { Clock, TimerHandle } from '../../runtime/clock.ts';
import { PpmidRelayError } from '../../runtime/errors.ts';
import { Logger } from '../../runtime/logger.ts';
import { Metrics } from '../../runtime/metrics.ts';

const log = Logger.get('wan-link');

export class WanLinkError extends PpmidRelayError {
  constructor(code: 'WAN_LINK_BAD_REQUEST' | 'WAN_LINK_FULL' | 'WAN_LINK_CLOSED', message: string) {
    super(code, message);
  }
}

export const WAN_LINK_DEFAULT_PORT = 8082;

interface DownlinkBody {
  origin: DownlinkOrigin;
  chf: string;
  gbcs: string;
  requestId?: string;
  target?: string;
  ttlMs?: number;
  /** where to POST the outcome ({linkId, outcome}); omitted: nobody asked */
  replyTo?: string;
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
  private readonly queue: Array<{ path: string; body: unknown; attempts: number }> = [];
  private busy = false;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly baseUrl: string,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly o: { capacity?: number; maxAttempts?: number } = {},
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  post(path: string, body: unknown): void {
    if (this.closed) throw new WanLinkError('WAN_LINK_CLOSED', 'the WAN link is closed');
    if (this.queue.length >= (this.o.capacity ?? 10_000)) {
      this.metrics.inc('wan-link.dropped');
      log.error('WAN link queue full: message dropped', { to: this.baseUrl, path });
      return;
    }
    this.queue.push({ path, body, attempts: 0 });
    this.metrics.gauge('wan-link.queue').set(this.queue.length);
    this.pump();
  }

  private pump(): void {
    if (this.busy || this.closed || this.queue.length === 0 || this.timer) return;
    const head = this.queue[0];
    this.busy = true;
    head.attempts++;
    fetch(new URL(head.path, this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(head.body),
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (res) => {
        await res.arrayBuffer().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) return true;
        if (res.status >= 400 && res.status < 500) {
          this.metrics.inc('wan-link.refused');
          log.error('WAN link POST refused: message dropped', { to: this.baseUrl, status: res.status });
          return true; // a 4xx will not get better by retrying
        }
        return false;
      })
      .catch(() => false)
      .then((done) => {
        this.busy = false;
        if (this.closed) return;
        if (done || head.attempts >= (this.o.maxAttempts ?? 1_000)) {
          if (!done) this.metrics.inc('wan-link.gave-up');
          else this.metrics.inc('wan-link.sent');
          this.queue.shift();
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
  private nextId = 1;
  readonly metrics: Metrics;

  constructor(
    o: { wanUrl: string; clock: Clock; metrics?: Metrics },
    /** This process's WanLinkEndpoint (for outcomes), set once it listens. */
    public replyTo?: string,
  ) {
    this.metrics = o.metrics ?? new Metrics();
    this.poster = new OrderedPoster(o.wanUrl, o.clock, this.metrics);
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
    if (onOutcome && this.replyTo) {
      const id = this.nextId++;
      this.waiting.set(id, onOutcome);
      body.linkId = id;
      body.replyTo = this.replyTo;
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
}): Promise<RunningWanLinkEndpoint> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  badRequest(app);
  app.get('/wan/v1/health', async () => ({ ok: true, dsp: !!o.dsp, chm: !!o.chm }));
  for (const to of ['dsp', 'chm'] as const) {
    app.post(`/wan/v1/uplink/${to}`, async (req, reply) => {
      const b = req.body as UplinkBody;
      const msg = { chf: eui(b?.chf, 'chf'), gbcs: hex(b?.gbcs, 'gbcs'), at: Number(b?.at) };
      if (!Number.isFinite(msg.at)) throw new WanLinkError('WAN_LINK_BAD_REQUEST', 'at must be a time');
      if (to === 'dsp') {
        if (!o.dsp) return reply.code(404).send({ error: 'NO_DSP_HERE' });
        o.dsp.onDeviceMessage(msg);
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
  if (o.downlink) o.downlink.replyTo = url;
  log.info('WAN link endpoint listening', { url });
  return { app, url, close: () => app.close() };
}

// ---------------------------------------------------------------- estate (SmWan) side

/** SmWan's DSP or CHM sink in another process. */
export class HttpUplinkSink implements DspDeviceMessageSink, ChmMessageSink {
  private readonly poster: OrderedPoster;
  constructor(
    private readonly to: 'dsp' | 'chm',
    o: { url: string; clock: Clock; metrics?: Metrics },
  ) {
    this.poster = new OrderedPoster(o.url, o.clock, o.metrics ?? new Metrics());
  }
  onDeviceMessage(msg: { chf: Eui; gbcs: Uint8Array; at: number }): void {
    this.poster.post(`/wan/v1/uplink/${this.to}`, { chf: msg.chf, gbcs: toHex(msg.gbcs), at: msg.at });
  }
  onChMessage(msg: { chf: Eui; gbcs: Uint8Array; at: number }): void {
    this.onDeviceMessage(msg);
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
}): Promise<RunningWanLinkEndpoint & { closePosters(): void }> {
  const metrics = o.metrics ?? new Metrics();
  const repliers = new Map<string, OrderedPoster>();
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  badRequest(app);
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
    if (b.replyTo && typeof b.linkId === 'number') {
      let poster = repliers.get(b.replyTo);
      if (!poster) {
        poster = new OrderedPoster(b.replyTo, o.clock, metrics);
        repliers.set(b.replyTo, poster);
      }
      const p = poster;
      const linkId = b.linkId;
      onOutcome = (outcome) => p.post('/wan/v1/outcome', { linkId, outcome });
    }
    o.wan.send(msg, onOutcome);
    return reply.code(202).send({ accepted: true });
  });
  const url = await listen(app, o.host ?? '127.0.0.1', o.port ?? WAN_LINK_DEFAULT_PORT);
  log.info('SM WAN link server listening', { url });
  return {
    app,
    url,
    closePosters: () => {
      for (const p of repliers.values()) p.close();
    },
    close: async () => {
      for (const p of repliers.values()) p.close();
      await app.close();
    },
  };
}
