/**
 * Issue 13, "every per-peer or per-URL map is bounded": each row of the one
 * table of bounds (src/runtime/bounds.ts) is flooded with distinct keys by a
 * real peer over real sockets, with a small cap; the collection stays at its
 * cap, what it drops is counted, and legitimate traffic still gets through.
 * A row of the table without a flood here fails the first test.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import Fastify from 'fastify';
import { sniffTls } from '../../src/adapters/http/tls-sniff.ts';
import {
  HttpCspDownlink,
  OrderedPoster,
  startWanLinkEndpoint,
  startWanLinkServer,
  type WanLinkKeys,
  wanLinkHeaders,
} from '../../src/adapters/wan-link/wan-link.ts';
import type { DownlinkOutcome } from '../../src/dcc/wan/sm-wan.ts';
import { BOUNDS, type BoundName, evictionsOf } from '../../src/runtime/bounds.ts';
import { SystemClock, VirtualClock } from '../../src/runtime/clock.ts';
import { Metrics } from '../../src/runtime/metrics.ts';
import { openSse } from '../../src/runtime/web-assets.ts';
import { waitFor } from '../support/wait.ts';

const KEYS: WanLinkKeys = { key: (peer) => Buffer.from(`bounds test key of the ${peer} side`) };
const CHF = '00DB12345A000002';
const CAP = 8;
const FLOOD = 60;

const closers: Array<() => unknown> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

const downlinkBody = (i: number) =>
  JSON.stringify({ origin: 'dsp', chf: CHF, gbcs: `DD${(i % 256).toString(16).padStart(2, '0')}`, n: i });

/** One flood per bound: floods with FLOOD distinct keys at cap CAP and checks legitimate traffic. */
const floods: Record<BoundName, () => Promise<void>> = {
  async 'wan-link.replay-cache'() {
    const metrics = new Metrics();
    const sent: string[] = [];
    const server = await startWanLinkServer({
      wan: { send: (m) => sent.push(m.requestId ?? '') },
      clock: new SystemClock(),
      port: 0,
      keys: KEYS,
      metrics,
      replayCacheCapacity: CAP,
    });
    closers.push(() => server.close());
    const path = '/wan/v1/downlink';
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const size = () => metrics.gauge('wan-link.replay-cache').value;
    // distinct forged signatures: refused before they are remembered
    for (let i = 0; i < FLOOD; i++) {
      const body = downlinkBody(i);
      const h = {
        ...wanLinkHeaders(KEYS, 'dcc', path, body),
        'x-wan-link-signature': randomBytes(32).toString('hex'),
      };
      assert.equal((await post(body, h)).status, 401);
    }
    assert.equal(size(), 0, 'forged signatures are not remembered');
    assert.equal(metrics.snapshot().counters['wan-link.refused{signature}'], FLOOD);
    // the genuine peer's distinct signed posts: remembered up to the cap, then refused (a replay never gets in)
    const statuses: number[] = [];
    const accepted: Array<[string, Record<string, string>]> = [];
    for (let i = 0; i < FLOOD; i++) {
      const body = downlinkBody(1000 + i);
      const h = wanLinkHeaders(KEYS, 'dcc', path, body);
      const s = (await post(body, h)).status;
      statuses.push(s);
      if (s === 202) accepted.push([body, h]);
    }
    assert.deepEqual(statuses, [...Array(CAP).fill(202), ...Array(FLOOD - CAP).fill(503)]);
    assert.equal(size(), CAP);
    assert.equal(metrics.gauge('wan-link.replay-cache').highWater, CAP);
    assert.equal(metrics.snapshot().counters['wan-link.refused{busy}'], FLOOD - CAP);
    assert.equal((await post(...accepted[0])).status, 401, 'a replay is still refused at the cap');
    assert.equal(sent.length, CAP);
  },

  async 'wan-link.awaited-outcomes'() {
    // the real loop: DSP side -> SM WAN link server -> outcome to the configured endpoint -> callback
    const metrics = new Metrics();
    const clock = new SystemClock();
    const answer: Array<(o: DownlinkOutcome) => void> = [];
    let endpointUrl: string | undefined;
    const server = await startWanLinkServer({
      wan: { send: (_m, cb) => cb && answer.push(cb) },
      clock,
      port: 0,
      keys: KEYS,
      chmUrl: () => endpointUrl,
    });
    const real = new HttpCspDownlink({
      wanUrl: server.url,
      clock,
      metrics,
      keys: KEYS,
      outcomeCapacity: CAP,
    });
    const endpoint = await startWanLinkEndpoint({ downlink: real, port: 0, keys: KEYS });
    endpointUrl = endpoint.url;
    closers.push(
      () => server.close(),
      () => server.closePosters(),
      () => endpoint.close(),
      () => real.close(),
    );
    const got: number[] = [];
    for (let i = 0; i < FLOOD; i++)
      real.send({ origin: 'chm', chf: CHF, gbcs: new Uint8Array([0xdd, i]) }, () => got.push(i));
    assert.equal(real.awaiting, CAP);
    assert.equal(metrics.snapshot().counters['bound.evicted{wan-link.awaited-outcomes}'], FLOOD - CAP);
    assert.equal(metrics.snapshot().counters['wan-link.outcome-forgotten'], FLOOD - CAP);
    await waitFor(() => answer.length === FLOOD, 30_000, {
      what: () => `${answer.length} downlinks at the SM WAN`,
    });
    // every outcome comes back; only the awaited ones (the newest CAP) reach a callback
    for (const a of answer) a({ status: 'delivered' } as unknown as DownlinkOutcome);
    await waitFor(() => got.length === CAP, 30_000, { what: () => `outcomes delivered: ${got}` });
    assert.deepEqual(
      got,
      Array.from({ length: CAP }, (_, k) => FLOOD - CAP + k),
    );
    assert.equal(real.awaiting, 0);
  },

  async 'wan-link.post-queue'() {
    // a peer that holds every answer until released
    const held: ServerResponse[] = [];
    let received = 0;
    const peer = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        received++;
        held.push(res);
      });
    });
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
    closers.push(
      () =>
        new Promise((r) => {
          peer.close(() => r(undefined));
          peer.closeAllConnections();
        }),
    );
    const addr = peer.address() as { port: number };
    const metrics = new Metrics();
    const poster = new OrderedPoster(`http://127.0.0.1:${addr.port}`, new VirtualClock(), metrics, {
      capacity: CAP,
    });
    closers.push(() => poster.close());
    const done: boolean[] = [];
    for (let i = 0; i < FLOOD; i++) poster.post('/x', { i }, (ok) => done.push(ok));
    assert.equal(poster.depth, CAP);
    assert.equal(metrics.snapshot().counters['wan-link.dropped'], FLOOD - CAP);
    assert.deepEqual(done, Array(FLOOD - CAP).fill(false), 'each dropped POST is told so');
    // the peer answers: the queued ones go through in order, then new traffic too
    const release = () => {
      for (const r of held.splice(0)) r.writeHead(202).end();
    };
    const flush = (n: number) =>
      waitFor(
        () => {
          release();
          return done.filter(Boolean).length === n;
        },
        30_000,
        { what: () => `${done.filter(Boolean).length} of ${n} POSTs answered` },
      );
    await flush(CAP);
    poster.post('/x', { legit: true }, (ok) => done.push(ok));
    await flush(CAP + 1);
    assert.equal(received, CAP + 1);
    assert.equal(poster.depth, 0);
  },

  async 'http.sse-streams'() {
    const app = Fastify({ logger: false, forceCloseConnections: true });
    const streams = new Set<ServerResponse>();
    const sends: Array<(e: string, d: unknown) => void> = [];
    app.get('/events', async (req, reply) => {
      const sse = openSse(req, reply, { streams, maxStreams: CAP });
      sends.push((e, d) => sse.send(e, d));
    });
    app.get('/ping', async () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    closers.push(() => app.close());
    const port = (app.server.address() as { port: number }).port;
    const before = evictionsOf('http.sse-streams');
    const ended: number[] = [];
    const bodies: string[] = [];
    const clients: IncomingMessage[] = [];
    for (let i = 0; i < FLOOD; i++) {
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const r = request({ host: '127.0.0.1', port, path: '/events' }, resolve);
        r.on('error', reject);
        r.end();
      });
      bodies[i] = '';
      res.on('data', (c: Buffer) => {
        bodies[i] += c.toString();
      });
      res.on('end', () => ended.push(i));
      clients.push(res);
    }
    closers.push(() => {
      for (const c of clients) c.destroy();
    });
    assert.equal(streams.size, CAP);
    assert.equal(evictionsOf('http.sse-streams') - before, FLOOD - CAP);
    await waitFor(() => ended.length === FLOOD - CAP, 30_000, {
      what: () => `${ended.length} oldest streams ended`,
    });
    assert.deepEqual(
      [...ended].sort((a, b) => a - b),
      Array.from({ length: FLOOD - CAP }, (_, k) => k),
    );
    // the newest streams still get events; the server still answers other requests
    for (const send of sends.slice(-CAP)) send('hello', { legit: true });
    await waitFor(() => bodies.slice(-CAP).every((b) => b.includes('"legit":true')), 30_000, {
      what: 'events on the live streams',
    });
    assert.equal((await fetch(`http://127.0.0.1:${port}/ping`)).status, 200);
  },

  async 'http.undecided-connections'() {
    const metrics = new Metrics();
    const http = createServer((_req, res) => res.end('plain'));
    const tls = createTlsServer({});
    const sniffer = sniffTls(http, tls, { maxUndecided: CAP, metrics });
    let seen = 0;
    http.on('connection', () => seen++);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    closers.push(
      () => sniffer.close(),
      () => {
        http.closeAllConnections();
        http.close();
      },
    );
    const port = (http.address() as { port: number }).port;
    const silent: Socket[] = [];
    const closed = new Set<number>();
    for (let i = 0; i < FLOOD; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => closed.add(i));
      silent.push(s);
    }
    closers.push(() => {
      for (const s of silent) s.destroy();
    });
    await waitFor(() => seen === FLOOD, 30_000, { what: () => `${seen} connections seen` });
    assert.equal(sniffer.undecided, CAP);
    assert.equal(metrics.snapshot().counters['bound.evicted{http.undecided-connections}'], FLOOD - CAP);
    await waitFor(() => closed.size === FLOOD - CAP, 30_000, {
      what: () => `${closed.size} silent connections ended`,
    });
    // a genuine request is still answered
    const r = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(await r.text(), 'plain');
  },
};

describe('issue 13: every per-peer / per-connection collection is bounded (src/runtime/bounds.ts)', () => {
  it('every row of the table of bounds has a flood here', () => {
    assert.deepEqual(Object.keys(floods).sort(), Object.keys(BOUNDS).sort());
    for (const row of Object.values(BOUNDS)) assert.ok(row.capacity > CAP, row.name);
  });
  for (const name of Object.keys(BOUNDS) as BoundName[])
    it(`${name} (${BOUNDS[name].policy}): ${FLOOD} distinct keys at cap ${CAP}; legitimate traffic still works`, async () => {
      try {
        await floods[name]();
      } finally {
        for (const c of closers.splice(0).reverse()) await c();
      }
    });
});
