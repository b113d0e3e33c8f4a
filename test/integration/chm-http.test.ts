/**
 * The CHM's HTTP server on a real ephemeral port (127.0.0.1): JSON API, CSV
 * downloads, the SSE live feed, Block / clear / Unblock over HTTP against
 * real CHFs behind the SM WAN model, DSP-4 upload and the reports
 * (SECMP0038 CSP-2, CSP-3, CSP-4). The estate runs on a VirtualClock that
 * the test advances; the HTTP side is real I/O.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestStore, type TestStore } from '../../src/adapters/store/testing.ts';
import { type ChmEstate, connectPpmid, createChmEstate, ppmidSends } from '../../src/dcc/chm/estate.ts';
import { type RunningChmServer, startChmServer } from '../../src/dcc/chm/http.ts';
import { formatLocalDeliveryCsv, parseCsv } from '../../src/dcc/dsp/local-delivery-csv.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import { withTimeout } from '../support/wait.ts';

const T0 = Date.UTC(2026, 2, 1);

/** A minimal SSE client over fetch: collects events, resolves waiters on a matching one. */
class SseClient {
  readonly events: Array<{ event: string; data: unknown }> = [];
  private readonly waiters: Array<{
    pred: (e: { event: string; data: unknown }) => boolean;
    resolve: () => void;
  }> = [];
  private readonly abort = new AbortController();
  opened!: Promise<void>;

  start(url: string): this {
    this.opened = fetch(url, { signal: this.abort.signal }).then((res) => {
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      void this.read(res.body!.getReader());
    });
    return this;
  }

  private async read(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) {
            const e = { event, data: JSON.parse(data) };
            this.events.push(e);
            for (const w of [...this.waiters])
              if (w.pred(e)) {
                this.waiters.splice(this.waiters.indexOf(w), 1);
                w.resolve();
              }
          }
          i = buf.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  }

  waitFor(what: string, pred: (e: { event: string; data: unknown }) => boolean): Promise<void> {
    if (this.events.some(pred)) return Promise.resolve();
    return withTimeout(new Promise<void>((resolve) => this.waiters.push({ pred, resolve })), 30_000, what);
  }

  close(): void {
    this.abort.abort();
  }
}

describe('CHM HTTP API on a real port (CSP-2, CSP-3, CSP-4)', () => {
  let store: TestStore;
  let clock: VirtualClock;
  let e: ChmEstate;
  let server: RunningChmServer;
  const settle = async (ms = 5_000) => {
    clock.advance(ms);
    await e.chm.whenIdle();
  };
  const get = async (path: string) => {
    const r = await fetch(`${server.url}${path}`);
    return {
      status: r.status,
      headers: r.headers,
      json: r.headers.get('content-type')?.includes('json') ? await r.json() : null,
      text: '',
    };
  };
  const getText = async (path: string) => {
    const r = await fetch(`${server.url}${path}`);
    return { status: r.status, headers: r.headers, text: await r.text() };
  };
  const post = async (path: string, body: unknown, type = 'application/json') => {
    const r = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: r.status, json: await r.json() };
  };

  before(async () => {
    store = await openTestStore('sqlite');
    clock = new VirtualClock(T0);
    e = await createChmEstate({ clock, store, homes: 3 });
    server = await startChmServer({ chm: e.chm, port: 0 });
  });
  after(async () => {
    await server.close();
    await store.close();
  });

  it('serves the dashboard page, its assets and the OpenAPI document', async () => {
    const page = await getText('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.text, /Alerts Dashboard/);
    assert.equal((await getText('/app.js')).status, 200);
    assert.equal((await getText('/style.css')).status, 200);
    const api = await get('/api/openapi.json');
    assert.equal(api.json.openapi, '3.1.0');
    for (const p of [
      '/api/alerts',
      '/api/events',
      '/api/chs/{chf}/block',
      '/api/dsp-logs',
      '/api/reports/billing',
    ])
      assert.ok(api.json.paths[p], p);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(server.port, 8081);
  });

  it('streams alerts live (SSE) and lists them filtered, as JSON and CSV', async () => {
    const sse = new SseClient().start(`${server.url}/api/events`);
    const filtered = new SseClient().start(`${server.url}/api/events?type=ppmid-relay-rejected`);
    await Promise.all([sse.opened, filtered.opened]);
    try {
      const [h0, h1] = e.homes;
      connectPpmid(h0);
      connectPpmid(h1);
      await settle();
      await sse.waitFor(
        '4 PPMID Connected alerts on the live feed',
        () => sse.events.filter((x) => x.event === 'alert').length >= 4,
      );
      // a relay rejection from h1 (a Response is not a Command: CH-2)
      const esmeResponse = e.homes[1].home.chf.security.seal(
        {
          cra: 'response',
          originatorCounter: 77n,
          originator: h1.chf,
          recipient: e.profile.supplier,
          otherInfo: { messageCode: 0x0001 },
          content: Uint8Array.of(0),
        },
        { mac: false },
      );
      ppmidSends(h1, esmeResponse);
      await settle();
      await filtered.waitFor('the relay rejection on the filtered feed', (x) => x.event === 'alert');
      assert.ok(
        filtered.events
          .filter((x) => x.event === 'alert')
          .every((x) => (x.data as { alertType: string }).alertType === 'ppmid-relay-rejected'),
      );
      assert.ok(
        sse.events.some((x) => x.event === 'ch'),
        'CH updates are streamed too',
      );

      const all = await get('/api/alerts');
      assert.equal(all.status, 200);
      assert.equal(all.json.total, 5);
      const byCh = await get(`/api/alerts?chf=${h1.chf.toLowerCase()}&type=ppmid-connected`);
      assert.equal(byCh.json.total, 2);
      assert.ok(byCh.json.alerts.every((a: { chf: string }) => a.chf === h1.chf));
      const rej = await get(`/api/alerts?type=ppmid-relay-rejected`);
      assert.equal(rej.json.alerts[0].reason, 'not-a-command');
      const one = await get(`/api/alerts/${rej.json.alerts[0].id}`);
      assert.match(one.json.gbcsHex, /^DD00/);
      const none = await get(`/api/alerts?from=${T0 + 86_400_000}`);
      assert.equal(none.json.total, 0);

      const csv = await getText(`/api/alerts.csv?chf=${h0.chf}`);
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
      assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="chm-alerts-/);
      const rows = parseCsv(csv.text);
      assert.equal(rows[0][0], 'id');
      assert.equal(rows.length, 3);
      assert.ok(rows.slice(1).every((r) => r[3] === h0.chf));

      const apd = await get('/api/reports/alerts-per-day');
      assert.deepEqual(
        apd.json.rows.map(
          (r: { chf: string; alertType: string; count: number }) => `${r.chf}:${r.alertType}:${r.count}`,
        ),
        [`${h0.chf}:ppmid-connected:2`, `${h1.chf}:ppmid-connected:2`, `${h1.chf}:ppmid-relay-rejected:1`],
      );
      assert.equal(parseCsv((await getText('/api/reports/alerts-per-day.csv')).text).length, 4);
    } finally {
      sse.close();
      filtered.close();
    }
  });

  it('Block / clear / Unblock over HTTP against a real CHF, with the standalone report', async () => {
    const h = e.homes[2];
    const sse = new SseClient().start(`${server.url}/api/events`);
    await sse.opened;
    try {
      const noOp = await post(`/api/chs/${h.chf}/block`, {});
      assert.equal(noOp.status, 400);
      assert.equal(noOp.json.error, 'CHM_BAD_REQUEST');
      const blocked = await post(`/api/chs/${h.chf}/block`, { operator: 'alice', note: 'tamper alert' });
      assert.equal(blocked.status, 202);
      assert.equal(blocked.json.status, 'queued');
      await settle();
      assert.equal(h.home.chf.standalone, true);
      await sse.waitFor(
        'the CH in standalone mode',
        (x) => x.event === 'ch' && (x.data as { mode: string }).mode === 'standalone',
      );
      const standalone = await get('/api/chs/standalone');
      assert.deepEqual(
        standalone.json.chs.map((c: { chf: string }) => c.chf),
        [h.chf],
      );
      const sc = parseCsv((await getText('/api/chs/standalone.csv')).text);
      assert.equal(sc[1][0], h.chf);
      assert.equal(sc[1][1], 'standalone');

      const early = await post(`/api/chs/${h.chf}/unblock`, { operator: 'alice' });
      assert.equal(early.status, 409);
      assert.equal(early.json.error, 'CHM_NOT_CLEARED');
      const cleared = await post(`/api/chs/${h.chf}/clear`, { operator: 'bob', note: 'PPMID swapped' });
      assert.equal(cleared.status, 200);
      assert.equal(cleared.json.cleared, true);
      const un = await post(`/api/chs/${h.chf}/unblock`, { operator: 'bob' });
      assert.equal(un.status, 202);
      await settle();
      assert.equal(h.home.chf.standalone, false);
      const ch = await get(`/api/chs/${h.chf}`);
      assert.equal(ch.json.mode, 'normal');
      assert.equal(ch.json.ranIsolated, true);
      assert.equal(ch.json.isolationPeriods.length, 1);
      assert.deepEqual(
        ch.json.commands.map((c: { action: string; status: string }) => `${c.action}:${c.status}`),
        ['unblock:succeeded', 'block:succeeded'],
      );
      const rr = await get(`/api/chs/${h.chf}/returns-record`);
      assert.equal(rr.json.faultReason, 'DCC Fault');
      const flagged = await get('/api/chs?ranIsolated=true');
      assert.deepEqual(
        flagged.json.chs.map((c: { chf: string }) => c.chf),
        [h.chf],
      );
      assert.equal((await get('/api/chs/00DB0000000000FF')).status, 404);
      assert.equal((await post('/api/chs/00DB0000000000FF/block', { operator: 'a' })).status, 404);
      assert.equal((await post('/api/chs/xyz/block', { operator: 'a' })).status, 400);
      assert.equal((await get('/api/alerts?type=nope')).status, 400);
      assert.equal((await get('/api/alerts?from=yesterday')).status, 400);
    } finally {
      sse.close();
    }
  });

  it('loads DSP-4 files over HTTP and reports billing and performance exclusions', async () => {
    const rec = (i: number, user = '90B3D51F30010000') => ({
      requestId: `90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:${i}`,
      user,
      target: '00DB1234567890A0',
      chf: e.homes[0].chf,
      csp: 'north',
      srv: '4.1.1',
      cv: 3 as const,
      issuedAt: T0 + i * 60_000,
      gbcsSha256: i.toString(16).toUpperCase().padStart(64, '0'),
    });
    const file = formatLocalDeliveryCsv([rec(1), rec(2), rec(3, '90B3D51F30030000')]);
    const up = await post('/api/dsp-logs?fileName=local-delivery-20260301.csv', file, 'text/csv');
    assert.equal(up.status, 201);
    assert.equal(up.json.added, 3);
    const again = await post('/api/dsp-logs?fileName=again.csv', file, 'text/csv');
    assert.equal(again.status, 200);
    assert.equal(again.json.alreadyImported, true);
    const broken = await post('/api/dsp-logs', 'request_id,user\r\nx,y\r\n', 'text/csv');
    assert.equal(broken.status, 422);
    assert.equal(broken.json.error, 'CHM_IMPORT');
    assert.equal((await get('/api/dsp-logs')).json.imports.length, 1);

    const bill = await get('/api/reports/billing?period=day&from=2026-03-01&to=2026-03-02');
    assert.deepEqual(
      bill.json.rows.map(
        (r: { period: string; user: string; localDeliveries: number }) =>
          `${r.period}:${r.user}:${r.localDeliveries}`,
      ),
      ['2026-03-01:90B3D51F30010000:2', '2026-03-01:90B3D51F30030000:1'],
    );
    const billCsv = await getText('/api/reports/billing.csv?period=month');
    assert.match(billCsv.headers.get('content-disposition') ?? '', /chm-billing-/);
    assert.equal(parseCsv(billCsv.text).length, 3);
    const perf = await get('/api/reports/performance?from=2026-03-01&to=2026-03-02');
    const kinds = perf.json.rows.map((r: { kind: string }) => r.kind);
    assert.equal(kinds.filter((k: string) => k === 'ppmid-delivered-sr').length, 3);
    assert.equal(kinds.filter((k: string) => k === 'isolated-ch').length, 1, 'the CH blocked earlier');
    assert.equal(
      parseCsv((await getText('/api/reports/performance.csv?from=2026-03-01&to=2026-03-02')).text).length,
      5,
    );
    assert.equal((await get('/api/reports/billing?period=week')).status, 400);
  });
});
