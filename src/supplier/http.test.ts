/**
 * The supplier's HTTP API (fastify inject, plus one real socket for SSE):
 * OpenAPI document, validation, typed errors, premises, commands with
 * filters, SSE. The DSP is an in-process DuisTransport that verifies the
 * supplier's signature and answers DSP-signed I99 (the HTTP DSP double is
 * exercised in test/integration).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DUIS_DIR, RTDS_KEYSTORE } from '../../test/support/fixtures.ts';
import { openTestStore, type TestStore } from '../adapters/store/testing.ts';
import {
  buildDuisResponse,
  signDuisXml,
  verifyAndParseDuisRequest,
  XmlSigningCertificateStore,
  xmlSigner,
} from '../duis/index.ts';
import { loadKeyStoreDir, SecurityContext } from '../gbcs/index.ts';
import { VirtualClock } from '../runtime/clock.ts';
import { DuisClient, type DuisTransport } from './duis-client.ts';
import { orderableSrvs } from './duis-order.ts';
import { buildSupplierApp, startSupplierHttp, supplierOpenApi } from './http.ts';
import { SupplierService } from './service.ts';

const KEYS = join(DUIS_DIR, 'xml-sign-keys');
const SUPPLIER = '90B3D51F30010000';
const key = (f: string) => new Uint8Array(readFileSync(join(KEYS, f)));
const pem = (f: string) => readFileSync(join(KEYS, f), 'utf8');

/** An in-process DSP stand-in: verifies the supplier's signature, answers DSP-signed I99. */
class AckingDsp implements DuisTransport {
  readonly seen: string[] = [];
  private readonly trust = new XmlSigningCertificateStore([pem('xml-sign-90B3D51F30010000-ds.pem')]);
  private readonly signer = xmlSigner(
    key('dsp-xml-sign-90B3D51F30000002-ds.key'),
    pem('dsp-xml-sign-90B3D51F30000002-ds.pem'),
  );
  constructor(private readonly now: () => number) {}
  async post(endpoint: string, xml: string) {
    const { request } = verifyAndParseDuisRequest(xml, this.trust);
    this.seen.push(
      `${endpoint} CV${request.header.commandVariant} ${request.header.serviceReferenceVariant}`,
    );
    const body = buildDuisResponse({
      header: {
        requestId: request.header.requestId,
        responseCode: 'I99',
        responseDateTime: new Date(this.now()),
      },
      body: {
        kind: 'ResponseMessage',
        serviceReference: request.header.serviceReference,
        serviceReferenceVariant: request.header.serviceReferenceVariant,
      },
    });
    return { status: 200, body: signDuisXml(body, this.signer) };
  }
}

describe('supplier HTTP API', () => {
  const clock = new VirtualClock(Date.UTC(2026, 4, 1));
  let store: TestStore;
  let service: SupplierService;
  let app: ReturnType<typeof buildSupplierApp>;
  const dsp = new AckingDsp(() => clock.now());

  before(async () => {
    store = await openTestStore('sqlite');
    service = await SupplierService.start({
      supplierEui: SUPPLIER,
      clock,
      store,
      duis: new DuisClient({
        supplierEui: SUPPLIER,
        signer: xmlSigner(key('xml-sign-90B3D51F30010000-ds.key'), pem('xml-sign-90B3D51F30010000-ds.pem')),
        dspTrust: new XmlSigningCertificateStore([pem('dsp-xml-sign-90B3D51F30000002-ds.pem')]),
        transport: dsp,
        clock,
      }),
      security: new SecurityContext({ keyStore: loadKeyStoreDir(RTDS_KEYSTORE) }),
    });
    app = buildSupplierApp(service);
  });
  after(async () => {
    await app?.close();
    await service?.close();
    await store?.close();
  });

  it('serves an OpenAPI 3.1 document naming every route', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.paths).sort(), Object.keys(supplierOpenApi().paths as object).sort());
    for (const p of [
      '/duis/receive-response',
      '/api/v1/premises',
      '/api/v1/premises/{id}',
      '/api/v1/premises/{id}/commands',
      '/api/v1/commands',
      '/api/v1/commands/{id}',
      '/api/v1/commands/{id}/local-response',
      '/api/v1/premises/{id}/ppmid',
      '/api/v1/ppmids',
      '/api/v1/delivery-key',
      '/api/v1/events',
      '/api/v1/metrics',
    ])
      assert.ok(doc.paths[p], `${p} documented`);
  });

  it('premises: put, get with the WAN class and its reasons, conflicts and 404', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/api/v1/premises/P1',
      payload: { chf: '00-DB-12-34-56-78-90-A2', devices: [{ eui: '00DB1234567890A0', type: 'ESME' }] },
    });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(put.json().chf, '00DB1234567890A2');
    assert.equal(put.json().wanClass, 'reliable');
    assert.ok(put.json().wanReasons.length > 0);
    const clash = await app.inject({
      method: 'PUT',
      url: '/api/v1/premises/P2',
      payload: { chf: '00DB1234567890B2', devices: [{ eui: '00DB1234567890A0', type: 'ESME' }] },
    });
    assert.equal(clash.statusCode, 409);
    assert.equal(clash.json().error, 'SUPPLIER_CONFLICT');
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/premises/nope' })).statusCode, 404);
    const bad = await app.inject({
      method: 'PUT',
      url: '/api/v1/premises/P3',
      payload: { chf: 'zz', devices: [] },
    });
    assert.equal(bad.statusCode, 400);
    const list = await app.inject({ method: 'GET', url: '/api/v1/premises' });
    assert.deepEqual(
      list.json().map((p: { id: string }) => p.id),
      ['P1'],
    );
  });

  it('commands: 202 with the route decision; list filters; timeline; typed refusals', async () => {
    const post = await app.inject({
      method: 'POST',
      url: '/api/v1/premises/P1/commands',
      payload: { order: { kind: 'read-registers' } },
    });
    assert.equal(post.statusCode, 202, post.body);
    const c = post.json();
    assert.deepEqual([c.route, c.commandVariants, c.terminal], ['wan', [1], false]);
    assert.ok(['queued', 'sending'].includes(c.state), c.state);
    await service.idle();
    const one = await app.inject({ method: 'GET', url: `/api/v1/commands/${c.id}` });
    assert.equal(one.json().command.state, 'in-flight');
    assert.match(one.json().command.requestId, /^90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:\d+$/);
    assert.ok(one.json().timeline.some((h: { kind: string }) => h.kind === 'duis-answer'));
    assert.deepEqual(dsp.seen, ['serviceS CV1 4.1.1']);

    const filtered = await app.inject({
      method: 'GET',
      url: '/api/v1/commands?state=in-flight&route=wan&srv=4.1.1&premises=P1',
    });
    assert.equal(filtered.json().length, 1);
    assert.equal(
      (await app.inject({ method: 'GET', url: '/api/v1/commands?state=responded' })).json().length,
      0,
    );
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/commands?state=bogus' })).statusCode, 400);

    const noPpmid = await app.inject({
      method: 'POST',
      url: '/api/v1/premises/P1/commands',
      payload: { order: { kind: 'read-registers' }, route: 'ppmid' },
    });
    assert.equal(noPpmid.statusCode, 400);
    assert.match(noPpmid.json().message, /enhanced PPMID/);
    const badOrder = await app.inject({
      method: 'POST',
      url: '/api/v1/premises/P1/commands',
      payload: { order: { kind: 'top-up', utrn: '123' } },
    });
    assert.equal(badOrder.statusCode, 400);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/commands/999999' })).statusCode, 404);
  });

  it('the Receive Response Service refuses a non-XML body and an unsigned response', async () => {
    const json = await app.inject({ method: 'POST', url: '/duis/receive-response', payload: { a: 1 } });
    assert.equal(json.statusCode, 415);
    const unsigned = await app.inject({
      method: 'POST',
      url: '/duis/receive-response',
      headers: { 'content-type': 'application/xml' },
      payload: buildDuisResponse({
        header: { responseCode: 'I0', responseDateTime: new Date(clock.now()) },
        body: { kind: 'ResponseMessage', serviceReference: '4.1', serviceReferenceVariant: '4.1.1' },
      }),
    });
    assert.equal(unsigned.statusCode, 401);
    assert.equal(unsigned.json().error, 'SUPPLIER_DSP_SIGNATURE');
  });

  it('delivery key and metrics', async () => {
    const k = (await app.inject({ method: 'GET', url: '/api/v1/delivery-key' })).json();
    assert.equal(k.keyId, service.deliveryKey.keyId);
    assert.match(k.publicKeyPem, /BEGIN PUBLIC KEY/);
    const m = (await app.inject({ method: 'GET', url: '/api/v1/metrics' })).json();
    assert.equal(m.commandsByState['in-flight'], 1);
  });

  it('streams hops as Server-Sent Events', async () => {
    const http = await startSupplierHttp(service, { port: 0 });
    try {
      const ctrl = new AbortController();
      const res = await fetch(`${http.url}/api/v1/events`, { signal: ctrl.signal });
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const reader = res.body!.getReader();
      let text = '';
      const read = async (pred: () => boolean) => {
        while (!pred()) {
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          text += Buffer.from(value).toString('utf8');
        }
      };
      await read(() => text.includes('event: hello'));
      await service.submit({ premisesId: 'P1', order: { kind: 'supply', action: 'Arm' } });
      await read(() => text.includes('"kind":"route-chosen"'));
      const ev = text.split('\n\n').find((b) => b.includes('"kind":"route-chosen"'))!;
      assert.match(ev, /^id: \d+\nevent: command\ndata: /);
      const data = JSON.parse(ev.split('\ndata: ')[1]);
      assert.equal(data.command.srv, '7.3');
      assert.deepEqual(data.hop.detail.commandVariants, [4, 5]);
      ctrl.abort();
      await service.idle();
    } finally {
      await http.close();
    }
  });

  it('duis orders: any SRV of the SRV table, its body checked against DUIS, refusals naming the field', async () => {
    const list = (await app.inject({ method: 'GET', url: '/api/v1/service-requests' })).json() as Array<{
      srv: string;
    }>;
    assert.deepEqual(
      list.map((o) => o.srv),
      orderableSrvs().map((o) => o.srv),
    );
    assert.ok(list.some((o) => o.srv === '6.13') && !list.some((o) => o.srv === '8.13'));
    const post = (order: unknown, extra: Record<string, unknown> = {}) =>
      app.inject({ method: 'POST', url: '/api/v1/premises/P1/commands', payload: { order, ...extra } });
    const body = {
      ReadLogPeriod: { StartDateTime: '2026-04-30T00:00:00Z', EndDateTime: '2026-05-01T00:00:00Z' },
      LogToRead: 'Event',
    };
    const seen = dsp.seen.length;
    // to the CHF: the ESME's queue holds the 4.1.1 above (in flight, serialised per device)
    const ok = await post({ kind: 'duis', srv: '6.13', body }, { target: '00DB1234567890A2' });
    assert.equal(ok.statusCode, 202, ok.body);
    assert.deepEqual([ok.json().srv, ok.json().route, ok.json().commandVariants], ['6.13', 'wan', [1]]);
    // a non-device SR goes to the DCC (CV 8), target the ACB
    const inv = await post({ kind: 'duis', srv: '8.2', body: { DeviceID: '00-DB-12-34-56-78-90-A0' } });
    assert.equal(inv.statusCode, 202, inv.body);
    assert.deepEqual([inv.json().route, inv.json().commandVariants], ['dcc', [8]]);
    await service.idle();
    assert.deepEqual(dsp.seen.slice(seen).sort(), ['serviceD CV8 8.2', 'serviceS CV1 6.13']);
    const one = (await app.inject({ method: 'GET', url: `/api/v1/commands/${inv.json().id}` })).json();
    assert.equal(one.command.state, 'responded');

    const refused = async (order: unknown, field: string, why: RegExp, extra?: Record<string, unknown>) => {
      const r = await post(order, extra);
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().error, 'SUPPLIER_BAD_REQUEST');
      assert.equal(r.json().field, field, r.body);
      assert.match(r.json().message, why);
    };
    await refused(
      {
        kind: 'duis',
        srv: '6.13',
        body: { ...body, ReadLogPeriod: { ...body.ReadLogPeriod, EndDateTime: 'soon' } },
      },
      'body.ReadLogPeriod.EndDateTime',
      /soon/,
    );
    await refused(
      { kind: 'duis', srv: '6.13', body: { LogToRead: 'Event' } },
      'body.LogToRead',
      /not expected/,
    );
    await refused({ kind: 'duis', srv: '6.28', body: null }, 'target', /addresses CHF/, {
      target: '00DB1234567890A0',
    });
    // an SRV outside the table's list: the schema's enum (generated from the SRV table) refuses it
    const unknown = await post({ kind: 'duis', srv: '8.13', body: {} });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json().message, /srv/);
    assert.equal(dsp.seen.length, seen + 2, 'nothing refused reached the DSP');
  });
});
