/**
 * The Supplier console plugin on the supplier's fastify app (issue 6): the
 * page and every file it links or imports are served, the configuration the
 * page reads, the SR catalogue (DSP-3 local delivery), and the route preview
 * that explains a home's routes (SU-1), all through `app.inject`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DSP_TRUST, rtdsKeys, SUPPLIER, supplierSigner } from '../../../test/support/dsp-service.ts';
import { openTestStore, type TestStore } from '../../adapters/store/testing.ts';
import { SecurityContext } from '../../gbcs/index.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { orderableSrvs } from '../../supplier/duis-order.ts';
import { buildSupplierApp, DuisClient, HttpDuisTransport, SupplierService } from '../../supplier/index.ts';
import { type ConsoleSr, consoleCatalogue, EstateObserver, registerSupplierConsole } from './index.ts';

describe('Supplier console plugin (issue 6)', () => {
  let store: TestStore;
  let service: SupplierService;
  let app: FastifyInstance;

  before(async () => {
    store = await openTestStore('sqlite');
    const clock = new VirtualClock(Date.UTC(2026, 4, 12, 9, 0));
    const duis = new DuisClient({
      supplierEui: SUPPLIER,
      signer: supplierSigner,
      dspTrust: DSP_TRUST,
      // Nothing here sends DUIS: the console's own routes only read.
      transport: new HttpDuisTransport('http://127.0.0.1:9', { timeoutMs: 1000 }),
      clock,
    });
    service = await SupplierService.start({
      supplierEui: SUPPLIER,
      clock,
      store,
      duis,
      security: new SecurityContext({ keyStore: rtdsKeys() }),
    });
    await service.putPremises({
      id: 'P1',
      name: '12 Acacia Avenue',
      chf: '00DB1234567890A2',
      devices: [{ eui: '00DB1234567890A0', type: 'ESME' }],
    });
    app = buildSupplierApp(service);
    registerSupplierConsole(app, {
      service,
      links: { startPage: 'http://127.0.0.1:8000/', chmDashboard: 'http://127.0.0.1:8081/' },
      observer: new EstateObserver({ originators: [SUPPLIER] }),
    });
    await app.ready();
  });

  after(async () => {
    await app.close();
    await service.close();
    await store.close();
  });

  it('redirects /console to /console/ and serves the page', async () => {
    const r = await app.inject('/console');
    assert.equal(r.statusCode, 302);
    assert.equal(r.headers.location, '/console/');
    const page = await app.inject('/console/');
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /<script type="module" src="js\/main\.js"><\/script>/);
    assert.match(page.body, /aria-live="polite"/);
  });

  it('serves every stylesheet, script and module the page links or imports', async () => {
    const page = (await app.inject('/console/')).body;
    const linked = [...page.matchAll(/(?:href|src)="([^"#:]+)"/g)]
      .map((m) => m[1])
      .filter((u) => !u.startsWith('/'));
    assert.ok(
      linked.includes('shared/base.css') && linked.includes('console.css') && linked.includes('js/main.js'),
    );
    const seen = new Set<string>();
    const queue = [...linked];
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const r = await app.inject(`/console/${path}`);
      assert.equal(r.statusCode, 200, `${path} is served`);
      const type = String(r.headers['content-type']);
      if (path.endsWith('.js')) {
        assert.match(type, /^text\/javascript/);
        // module imports are relative to the module
        for (const m of r.body.matchAll(/from '\.\/([a-z-]+\.js)'/g)) queue.push(`js/${m[1]}`);
      } else assert.match(type, /^text\/css/);
    }
    assert.ok(seen.size >= 10, `all modules reached (${[...seen].join(', ')})`);
  });

  it('gives the page its configuration: links and whether observations are available', async () => {
    const c = (await app.inject('/console/config.json')).json();
    assert.deepEqual(c, {
      supplierId: SUPPLIER,
      supplierName: null,
      apiBase: '',
      links: { startPage: 'http://127.0.0.1:8000/', chmDashboard: 'http://127.0.0.1:8081/' },
      observed: true,
    });
  });

  it('offers the SRs of the issue with their DUIS catalogue facts (DSP-3)', async () => {
    const { serviceRequests } = (await app.inject('/console/api/catalogue')).json();
    assert.deepEqual(serviceRequests, consoleCatalogue());
    const by = new Map<string, ConsoleSr>(serviceRequests.map((s: ConsoleSr) => [s.key, s]));
    // the typed orders, then every SRV a duis order may name: the SRV table's list, nothing else
    assert.deepEqual(
      [...by.keys()],
      [
        'top-up',
        'read-registers',
        'price',
        'supply-enable',
        'supply-disable',
        'supply-arm',
        'commission-device',
        ...orderableSrvs().map((o) => `duis:${o.srv}`),
      ],
    );
    // 8.1.1: local delivery only under the no-WAN commissioning policy (decision C8)
    assert.deepEqual(by.get('commission-device'), {
      key: 'commission-device',
      kind: 'commission-device',
      srv: '8.1.1',
      name: 'Commission Device',
      critical: true,
      localDelivery: true,
    });
    const firmware = by.get('duis:11.1');
    if (firmware) assert.equal(firmware.localDelivery, false, 'DSP-3: firmware never through a PPMID');
    assert.deepEqual(by.get('duis:6.13'), {
      key: 'duis:6.13',
      kind: 'duis',
      srv: '6.13',
      name: 'Read Event Or Security Log',
      critical: false,
      localDelivery: true,
      targets: ['ESME', 'GSME', 'CHF', 'GPF', 'PPMID', 'HCALCS'],
      bodyElement: 'ReadEventOrSecurityLog',
    });
    assert.deepEqual(by.get('top-up'), {
      key: 'top-up',
      kind: 'top-up',
      srv: '2.2',
      name: 'Top Up Device',
      critical: false,
      localDelivery: true,
    });
    assert.equal(by.get('supply-enable')?.srv, '7.1');
    assert.equal(by.get('supply-enable')?.critical, true);
    assert.equal(by.get('price')?.srv, '1.2.1');
  });

  it('previews the route of a duis entry from the SRV table (8.2: the DCC, CV 8)', async () => {
    const r = (await app.inject('/console/api/route-preview?premises=P1&sr=duis:8.2')).json();
    assert.deepEqual([r.ok, r.route, r.commandVariants], [true, 'dcc', [8]]);
  });

  it("previews the planner's route with its reasons, and says why a PPMID route is refused", async () => {
    const auto = (await app.inject('/console/api/route-preview?premises=P1&sr=top-up')).json();
    assert.equal(auto.ok, true);
    assert.equal(auto.route, 'wan');
    assert.deepEqual(auto.commandVariants, [1]);
    assert.equal(auto.hasEnhancedPpmid, false);
    assert.match(auto.reasons[0], /no enhanced PPMID/);
    const critical = (await app.inject('/console/api/route-preview?premises=P1&sr=supply-enable')).json();
    assert.deepEqual(critical.commandVariants, [4, 5]);
    const forced = (await app.inject('/console/api/route-preview?premises=P1&sr=top-up&route=ppmid')).json();
    assert.equal(forced.ok, false);
    assert.equal(forced.route, null);
    assert.match(forced.reasons[0], /needs an enhanced PPMID/);
    // 8.1.1 previews the no-WAN commissioning route rule: a home with WAN gets CV 4 then 5, never the PPMID
    const commission = (
      await app.inject('/console/api/route-preview?premises=P1&sr=commission-device')
    ).json();
    assert.equal(commission.ok, true);
    assert.deepEqual(commission.commandVariants, [4, 5]);
    const commissionLocal = (
      await app.inject('/console/api/route-preview?premises=P1&sr=commission-device&route=ppmid')
    ).json();
    assert.equal(commissionLocal.ok, false);
    assert.match(commissionLocal.reasons[0], /installed without WAN/);
  });

  it('answers a bad preview with the typed error the API uses', async () => {
    const unknown = await app.inject('/console/api/route-preview?premises=NOPE&sr=top-up');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error, 'SUPPLIER_NOT_FOUND');
    const badSr = await app.inject('/console/api/route-preview?premises=P1&sr=firmware');
    assert.equal(badSr.statusCode, 400);
    assert.match(badSr.json().message, /sr must be one of top-up/);
    const badRoute = await app.inject(
      '/console/api/route-preview?premises=P1&sr=top-up&route=carrier-pigeon',
    );
    assert.equal(badRoute.statusCode, 400);
    const noReq = await app.inject('/console/api/observed');
    assert.equal(noReq.statusCode, 400);
    const none = (await app.inject('/console/api/observed?requestId=X:Y:1')).json();
    assert.deepEqual(none, { available: true, hops: [] });
  });
});
