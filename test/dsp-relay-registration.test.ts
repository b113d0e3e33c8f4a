/**
 * SECMP0038 C3 / SU-3 over HTTP: the DSP's signed relay-flag route
 * (PUT /api/v1/dsp/users/:eui/ppmid-relay/:ppmid, src/dcc/dsp/relay-registration.ts)
 * against a DSP of a running system (VirtualClock, in-process, ephemeral
 * keys), through fastify's inject: what is accepted, and every refusal.
 * The supplier's HttpRelayRegistrar is exercised against the same route.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildDspHttpServer } from '../src/dcc/dsp/http.ts';
import { type RelayRegistration, signRelayRegistration } from '../src/dcc/dsp/relay-registration.ts';
import { VirtualClock } from '../src/runtime/clock.ts';
import { HttpRelayRegistrar } from '../src/supplier/relay-registrar.ts';
import { SYSTEM_PARTIES } from '../src/system/keys.ts';
import { type RunningSystem, startSystem } from '../src/system/system.ts';
import { pumpVirtualPromise } from './e2e/harness.ts';

describe('DSP relay-flag registration route (C3)', () => {
  const vc = new VirtualClock(Date.UTC(2026, 5, 1, 9, 0));
  let sys: RunningSystem;
  let app: FastifyInstance;
  const supplier = SYSTEM_PARTIES.supplier;

  before(async () => {
    sys = await pumpVirtualPromise(
      vc,
      startSystem({
        clock: vc,
        transport: 'in-process',
        ephemeral: true,
        homes: 2,
        wanMix: 'reliable=2',
        provision: false,
        workload: 'none',
        xsdValidation: false,
      }),
    );
    app = buildDspHttpServer({ dsp: sys.dsp! });
  });
  after(async () => {
    await app.close();
    await pumpVirtualPromise(vc, sys.stop());
  });

  const home = (i: number) => sys.plan.homes[i];
  let step = 0;
  /** A registration signed by the supplier now (each one a millisecond later: no replay). */
  const reg = (o: Partial<RelayRegistration> = {}): RelayRegistration => ({
    user: supplier,
    ppmid: home(0).ppmid,
    chf: home(0).chf,
    enabled: true,
    signedAt: vc.now() + ++step,
    ...o,
  });
  const put = (
    r: RelayRegistration,
    o: { key?: Parameters<typeof signRelayRegistration>[0]; body?: object } = {},
  ) =>
    app.inject({
      method: 'PUT',
      url: `/api/v1/dsp/users/${r.user}/ppmid-relay/${r.ppmid}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(
        o.body ?? {
          chf: r.chf,
          enabled: r.enabled,
          signedAt: r.signedAt,
          signature: signRelayRegistration(o.key ?? sys.keys.xml.supplier.signer.privateKey, r),
        },
      ),
    });

  it('sets the flag for a PPMID of the supplier premises, and clears it', async () => {
    const dsp = sys.dsp!;
    assert.equal(
      dsp.inventory.relayEnabledOf(home(0).ppmid),
      false,
      'the DSP no longer pre-marks planned PPMIDs',
    );
    let res = await put(reg());
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { ppmid: home(0).ppmid, enabled: true });
    assert.equal(dsp.inventory.relayEnabledOf(home(0).ppmid), true);
    res = await put(reg({ enabled: false }));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(dsp.inventory.relayEnabledOf(home(0).ppmid), false);
  });

  it('refuses a signature that does not verify (401): another key, a tampered field, an unknown user', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    assert.equal((await put(reg(), { key: other })).statusCode, 401);
    const r = reg();
    const signed = { chf: r.chf, enabled: r.enabled, signedAt: r.signedAt };
    const signature = signRelayRegistration(sys.keys.xml.supplier.signer.privateKey, r);
    const tampered = await put(r, { body: { ...signed, enabled: false, signature } });
    assert.equal(tampered.statusCode, 401);
    assert.match(tampered.body, /DSP_UNKNOWN_USER: no XML-signing certificate/);
    const stranger = await put(reg({ user: '90B3D51F30019999' }));
    assert.equal(stranger.statusCode, 401);
    assert.equal(sys.dsp!.inventory.relayEnabledOf(home(0).ppmid), false);
  });

  it('refuses stale and replayed registrations (403)', async () => {
    assert.equal((await put(reg({ signedAt: vc.now() - 6 * 60_000 }))).statusCode, 403);
    assert.equal((await put(reg({ signedAt: vc.now() + 6 * 60_000 }))).statusCode, 403);
    const r = reg();
    assert.equal((await put(r)).statusCode, 200);
    const replay = await put(r);
    assert.equal(replay.statusCode, 403);
    assert.match(replay.body, /already accepted/);
  });

  it('refuses a PPMID on another CH or outside the supplier premises (403), an unknown one (404)', async () => {
    const dsp = sys.dsp!;
    const wrongCh = await put(reg({ ppmid: home(1).ppmid, chf: home(0).chf }));
    assert.equal(wrongCh.statusCode, 403);
    // a CH with a PPMID and no meter: no premises of any supplier
    dsp.setInventoryDevice({
      eui: '00DB1234FFFF0002',
      deviceType: 'CHF',
      chf: '00DB1234FFFF0002',
      csp: 'csp-north',
    });
    dsp.setInventoryDevice({
      eui: '00DB1234FFFF0004',
      deviceType: 'PPMID',
      chf: '00DB1234FFFF0002',
      csp: 'csp-north',
    });
    const foreign = await put(reg({ ppmid: '00DB1234FFFF0004', chf: '00DB1234FFFF0002' }));
    assert.equal(foreign.statusCode, 403);
    assert.match(foreign.body, /not in a premises of/);
    assert.equal(dsp.inventory.relayEnabledOf('00DB1234FFFF0004'), false);
    assert.equal((await put(reg({ ppmid: '00DB1234FFFF7774' }))).statusCode, 404);
    // an ESME is not a PPMID
    assert.equal((await put(reg({ ppmid: home(0).esme }))).statusCode, 404);
  });

  it('refuses a suspended user (403) and malformed bodies (400)', async () => {
    const dsp = sys.dsp!;
    const u = dsp.user(supplier)!;
    dsp.registerUser({ ...u, status: 'suspended' });
    try {
      assert.equal((await put(reg())).statusCode, 403);
    } finally {
      dsp.registerUser({ ...u, status: 'active' });
    }
    const r = reg();
    assert.equal(
      (await put(r, { body: { chf: r.chf, enabled: 'yes', signedAt: r.signedAt, signature: 'AA==' } }))
        .statusCode,
      400,
    );
    assert.equal(
      (await put(r, { body: { chf: 'nope', enabled: true, signedAt: r.signedAt, signature: 'AA==' } }))
        .statusCode,
      400,
    );
    const bad = await app.inject({
      method: 'PUT',
      url: `/api/v1/dsp/users/${supplier}/ppmid-relay/${home(0).ppmid}`,
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    assert.equal(bad.statusCode, 400);
  });

  it("the supplier's HttpRelayRegistrar registers through the route; a refusal fails the registration", async () => {
    const registrar = new HttpRelayRegistrar({
      dspUrl: 'http://dsp.invalid',
      supplierEui: supplier,
      privateKey: sys.keys.xml.supplier.signer.privateKey,
      clock: vc,
      fetch: (async (url: string | URL | Request, init?: RequestInit) => {
        const res = await app.inject({
          method: 'PUT',
          url: new URL(String(url)).pathname,
          headers: init?.headers as Record<string, string>,
          payload: init?.body as string,
        });
        return new Response(res.body, { status: res.statusCode });
      }) as typeof fetch,
    });
    vc.advance(1_000);
    await registrar.setRelayFlag(home(1).ppmid, home(1).chf, true);
    assert.equal(sys.dsp!.inventory.relayEnabledOf(home(1).ppmid), true);
    vc.advance(1_000);
    await assert.rejects(registrar.setRelayFlag(home(1).ppmid, home(0).chf, false), /HTTP 403/);
    assert.equal(sys.dsp!.inventory.relayEnabledOf(home(1).ppmid), true);
  });

  it('is in the DSP OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.ok(doc.paths['/api/v1/dsp/users/{eui}/ppmid-relay/{ppmid}'].put);
  });
});
