import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, describe, it } from 'node:test';
import { waitFor } from '../../../test/support/wait.ts';
import type { DownlinkMessage, DownlinkOutcome } from '../../dcc/wan/sm-wan.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { Metrics } from '../../runtime/metrics.ts';
import {
  HttpCspDownlink,
  HttpUplinkSink,
  startWanLinkEndpoint,
  startWanLinkServer,
  type WanLinkKeys,
  wanLinkHeaders,
} from './wan-link.ts';

const CHF = '00DB12345A000002';
const KEYS: WanLinkKeys = { key: (peer) => Buffer.from(`test key of the ${peer} side of the link`) };

describe('WAN link over HTTP', () => {
  const closers: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
  });

  it('downlink in order to the SM WAN, outcomes back to the sender; uplink to the DSP and CHM sinks', async () => {
    const clock = new SystemClock();
    const sent: DownlinkMessage[] = [];
    const wan = {
      send(msg: DownlinkMessage, onOutcome?: (o: DownlinkOutcome) => void) {
        sent.push(msg);
        onOutcome?.({
          requestId: msg.requestId ?? '',
          chf: msg.chf,
          target: msg.target ?? null,
          origin: msg.origin ?? 'dsp',
          outcome: 'delivered',
          at: 1,
          attempts: 1,
          elapsedMs: 1,
        });
      },
    };
    let chmUrl: string | undefined;
    const server = await startWanLinkServer({ wan, clock, port: 0, keys: KEYS, chmUrl: () => chmUrl });
    closers.push(() => server.close());
    const down = new HttpCspDownlink({ wanUrl: server.url, clock, keys: KEYS });
    closers.push(() => down.close());
    const atDsp: Array<{ chf: string; gbcs: Uint8Array; at: number }> = [];
    const atChm: Array<{ chf: string; gbcs: Uint8Array; at: number }> = [];
    const ep = await startWanLinkEndpoint({
      dsp: {
        onDeviceMessage: (m) => {
          atDsp.push(m);
        },
      },
      chm: { onChMessage: (m) => atChm.push(m) },
      downlink: down,
      port: 0,
      keys: KEYS,
    });
    closers.push(() => ep.close());
    chmUrl = ep.url;

    for (let i = 0; i < 20; i++)
      down.sendCommand({
        requestId: `r${i}`,
        target: '00DB12345A000000',
        chf: CHF,
        gbcs: Uint8Array.of(0xdd, i),
      });
    const outcomes: DownlinkOutcome[] = [];
    down.send({ chf: CHF, gbcs: Uint8Array.of(0xdf), origin: 'chm', requestId: 'block' }, (o) =>
      outcomes.push(o),
    );
    await waitFor(() => sent.length === 21 && outcomes.length === 1, 30_000, {
      what: 'downlink and outcome',
    });
    assert.deepEqual(
      sent.slice(0, 20).map((m) => m.gbcs[1]),
      Array.from({ length: 20 }, (_, i) => i),
      'in order',
    );
    assert.equal(sent[20].origin, 'chm');
    assert.equal(outcomes[0].outcome, 'delivered');

    const toDsp = new HttpUplinkSink('dsp', { url: ep.url, clock, keys: KEYS });
    const toChm = new HttpUplinkSink('chm', { url: ep.url, clock, keys: KEYS });
    closers.push(
      () => toDsp.close(),
      () => toChm.close(),
    );
    toDsp.onDeviceMessage({ chf: CHF, gbcs: fromHex('DD0001'), at: 5 });
    toChm.onChMessage({ chf: CHF, gbcs: fromHex('DF0002'), at: 6 });
    await waitFor(() => atDsp.length === 1 && atChm.length === 1, 30_000, { what: 'uplink' });
    assert.deepEqual([...atDsp[0].gbcs], [0xdd, 0x00, 0x01]);
    assert.equal(atChm[0].at, 6);
  });

  it('retries a destination that fails, keeping the order', async () => {
    const clock = new SystemClock();
    const got: string[] = [];
    let fail = 2;
    const srv = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        if (fail-- > 0) {
          res.statusCode = 503;
          return res.end();
        }
        got.push((JSON.parse(body) as { gbcs: string }).gbcs);
        res.statusCode = 202;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => srv.close(() => r())));
    const sink = new HttpUplinkSink('dsp', {
      url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`,
      clock,
    });
    closers.push(() => sink.close());
    for (const b of ['01', '02', '03']) sink.onDeviceMessage({ chf: CHF, gbcs: fromHex(b), at: 0 });
    await waitFor(() => got.length === 3, 30_000, { what: 'three uplink messages after two failures' });
    assert.deepEqual(got, ['01', '02', '03']);
  });

  it('refuses malformed requests with 400', async () => {
    const server = await startWanLinkServer({
      wan: { send() {} },
      clock: new SystemClock(),
      port: 0,
      keys: KEYS,
    });
    closers.push(() => server.close());
    const body = JSON.stringify({ origin: 'dsp', chf: 'nope', gbcs: 'DD' });
    const res = await fetch(`${server.url}/wan/v1/downlink`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...wanLinkHeaders(KEYS, 'dcc', '/wan/v1/downlink', body),
      },
      body,
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'WAN_LINK_BAD_REQUEST');
  });

  it('issue 13: only the other side, signed, fresh and once; outcomes only to the configured CHM endpoint', async () => {
    const sent: DownlinkMessage[] = [];
    const metrics = new Metrics();
    const server = await startWanLinkServer({
      wan: {
        send: (m, cb) => {
          sent.push(m);
          cb?.({} as DownlinkOutcome);
        },
      },
      clock: new SystemClock(),
      port: 0,
      keys: KEYS,
      metrics,
    });
    closers.push(() => server.close());
    const path = '/wan/v1/downlink';
    const body = JSON.stringify({
      origin: 'dsp',
      chf: CHF,
      gbcs: 'DD00',
      linkId: 1,
      replyTo: 'http://169.254.169.254/',
    });
    const post = (headers: Record<string, string>, b = body) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: b,
      });
    const cases: Array<[string, Record<string, string>, string?]> = [
      ['anonymous', {}],
      ['the estate side signing a downlink', wanLinkHeaders(KEYS, 'estate', path, body)],
      ['another key', wanLinkHeaders({ key: () => Buffer.from('guess') }, 'dcc', path, body)],
      ['an hour old', wanLinkHeaders(KEYS, 'dcc', path, body, Date.now() - 3_600_000)],
      ['a body changed after signing', wanLinkHeaders(KEYS, 'dcc', path, body), body.replace('DD00', 'DD01')],
    ];
    for (const [what, headers, b] of cases) assert.equal((await post(headers, b)).status, 401, what);
    const good = wanLinkHeaders(KEYS, 'dcc', path, body);
    assert.equal((await post(good)).status, 202);
    assert.equal((await post(good)).status, 401, 'a replay');
    assert.equal(sent.length, 1);
    // the outcome was asked for with a replyTo: nothing is posted there (no CHM endpoint configured here)
    assert.equal(metrics.snapshot().counters['wan-link.sent'] ?? 0, 0);
  });
});
