/**
 * SECMP0038 TE-2: the test automation API over HTTP (fastify, light-my-request
 * in process; one test over a real socket): OpenAPI document, homes, inject,
 * backchannel, CHM Block / Unblock, Device Log, logs, errors.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Atps } from '../src/atps/api.ts';
import { defaultDeviceApps } from '../src/atps/devices.ts';
import { buildAtpsServer, startAtpsServer } from '../src/atps/http.ts';
import { derivedInstallCode } from '../src/devices/home/profiles.ts';
import { toHex } from '../src/runtime/bytes.ts';
import { rtdsMessages } from './support/fixtures.ts';

const RTDS = rtdsMessages();
const ecs17b = RTDS.find((m) => m.name.includes('ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND'))!;
const ccs01 = RTDS.find((m) => m.name.includes('CCS01_8.11_SUCCESS_COMMAND'))!;

describe('ATPS over HTTP', async () => {
  const app = buildAtpsServer({ atps: new Atps({ deviceApps: defaultDeviceApps }) });
  after(() => app.close());
  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) => {
    const r = await app.inject({ method, url, payload: payload as never });
    return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
  };
  let id = '';

  it('serves its OpenAPI document', async () => {
    const r = await call('GET', '/openapi.json');
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.1.0');
    assert.ok(r.body.paths['/homes/{id}/inject']);
  });

  it('creates a home from a profile', async () => {
    const r = await call('POST', '/homes', { profile: 'rtds', seed: 7 });
    assert.equal(r.status, 201);
    id = r.body.id;
    assert.equal(r.body.euis.chf, '00DB1234567890A2');
    assert.equal(r.body.ch.deviceLog.length, 3);
  });

  it('creates a home with the HCALCS (hcalcs: true): in the Device Log, joined, an Hcalcs application', async () => {
    const r = await call('POST', '/homes', { profile: 'generated', hcalcs: true });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.ch.deviceLog.length, 4);
    const d = r.body.devices.find((x: { eui: string }) => x.eui === r.body.euis.hcalcs);
    assert.deepEqual(
      { type: d?.deviceType, connected: d?.connected, app: d?.application },
      { type: 'HCALCS', connected: true, app: 'Hcalcs' },
    );
    assert.equal((await call('DELETE', `/homes/${r.body.id}`)).status < 300, true);
  });

  it('injects via ppmid: delivered, accepted by the ESME, response on the WAN', async () => {
    const r = await call('POST', `/homes/${id}/inject`, { route: 'ppmid', hex: ecs17b.hex });
    assert.equal(r.status, 200);
    const [res] = r.body.results;
    assert.equal(res.chDecision, 'delivered');
    assert.equal(res.deviceDecision, 'accepted');
    assert.equal(res.useCase, 'ECS17b');
    assert.equal(res.responseRoute, 'wan');
    const up = await call('GET', `/homes/${id}/wan/uplink`);
    assert.ok(up.body.some((u: { hex: string }) => u.hex === res.response));
  });

  it('injects several messages via ppmid: a command to the CHF is discarded with an alert', async () => {
    const r = await call('POST', `/homes/${id}/inject`, { route: 'ppmid', messages: [ccs01.hex] });
    assert.equal(r.body.results[0].chReason, 'target-is-chf');
    assert.deepEqual(r.body.results[0].alerts, ['8E02']);
    const alerts = await call('GET', `/homes/${id}/alerts`);
    assert.ok(alerts.body.some((a: { alertCode: string }) => a.alertCode === '8E02'));
  });

  it('backchannel: WAN down buffers, WAN up flushes; advance moves virtual time', async () => {
    await call('POST', `/homes/${id}/backchannel`, { action: 'wan-down' });
    const r = await call('POST', `/homes/${id}/inject`, { route: 'ppmid', hex: ecs17b.hex });
    // a replay for the ESME, answered all the same (rejection response), held while the WAN is down
    assert.equal(r.body.results[0].chDecision, 'delivered');
    const before = (await call('GET', `/homes/${id}/wan/uplink`)).body.length;
    await call('POST', `/homes/${id}/backchannel`, { action: 'wan-up' });
    const afterUp = (await call('GET', `/homes/${id}/wan/uplink`)).body.length;
    assert.ok(afterUp > before);
    const t0 = (await call('GET', `/homes/${id}`)).body.now;
    const adv = await call('POST', `/homes/${id}/backchannel`, { action: 'advance', ms: 3_600_000 });
    assert.ok(adv.body.now >= t0 + 3_600_000);
  });

  it('CHM Block / Unblock Buffer Feed', async () => {
    const b = await call('POST', `/homes/${id}/chm/buffer-feed`, { action: 'block' });
    assert.equal(b.body.chDecision, 'delivered');
    assert.equal((await call('GET', `/homes/${id}`)).body.ch.standalone.by, '90B3D51F30000007');
    const r = await call('POST', `/homes/${id}/inject`, { route: 'ppmid', hex: ecs17b.hex });
    assert.equal(r.body.results[0].chReason, 'standalone-mode');
    await call('POST', `/homes/${id}/chm/buffer-feed`, { action: 'unblock' });
    assert.equal((await call('GET', `/homes/${id}`)).body.ch.standalone, null);
  });

  it('Device Log through CCS01 and the provisioning API; CH events and device logs', async () => {
    const eui = '00DB1234567890A7';
    const add = await call('POST', `/homes/${id}/device-log`, {
      eui,
      deviceType: 'PPMID',
      installCode: toHex(derivedInstallCode(eui)),
      relayEnabled: true,
    });
    assert.equal(add.body.via, 'ccs01');
    assert.equal(add.body.result.chDecision, 'delivered');
    const log = await call('GET', `/homes/${id}/device-log`);
    assert.ok(log.body.some((e: { eui: string; relayEnabled: boolean }) => e.eui === eui && e.relayEnabled));
    const del = await call('DELETE', `/homes/${id}/device-log/${eui}?via=provisioning`);
    assert.equal(del.body.removed, true);
    const ev = await call('GET', `/homes/${id}/ch/events?kind=route&since=0`);
    assert.ok(ev.body.length > 0 && ev.body.every((e: { kind: string }) => e.kind === 'route'));
    const dev = await call('GET', `/homes/${id}/devices/00DB1234567890A0/events`);
    assert.ok(dev.body.application.some((e: { useCase: string }) => e.useCase === 'ECS17b'));
    const m = await call('GET', `/homes/${id}/metrics`);
    assert.ok(m.body.gauges['chf.buffer.wan-uplink.depth']);
  });

  it('errors are typed: 400 bad body, 404 unknown home, 409 HHT outside its window', async () => {
    assert.equal((await call('POST', '/homes', { profile: 'nope' })).status, 400);
    assert.equal((await call('POST', `/homes/${id}/inject`, { route: 'sideways', hex: '00' })).status, 400);
    const nf = await call('GET', '/homes/home-999');
    assert.equal(nf.status, 404);
    assert.equal(nf.body.error, 'ATPS_NO_SUCH_HOME');
    const hht = await call('POST', `/homes/${id}/backchannel`, { action: 'hht-join' });
    assert.equal(hht.status, 409);
  });

  it('reset rebuilds a home; DELETE removes it', async () => {
    const r = await call('POST', `/homes/${id}/reset`);
    assert.equal(r.body.ch.uplinkBuffered, 0);
    assert.equal((await call('DELETE', `/homes/${id}`)).status, 200);
    assert.equal((await call('GET', `/homes/${id}`)).status, 404);
  });
});

describe('ATPS over HTTP: the enhanced PPMID (ppmid-inbox, customer, restart)', async () => {
  const app = buildAtpsServer({ atps: new Atps({ deviceApps: defaultDeviceApps }) });
  after(() => app.close());
  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) => {
    const r = await app.inject({ method, url, payload: payload as never });
    return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
  };
  const cs06 = RTDS.find((m) => m.name.includes('CS06_11.3_IMMEDIATE_SUCCESS_COMMAND'))!;
  let id = '';

  it('the OpenAPI document describes the route, the new actions and paths', async () => {
    const doc = (await call('GET', '/openapi.json')).body;
    assert.ok(doc.components.schemas.Inject.properties.route.enum.includes('ppmid-inbox'));
    assert.ok(doc.components.schemas.Inject.properties.tamper.enum.includes('wrong-ppmid'));
    for (const a of ['ppmid-utrn', 'ppmid-emergency-credit', 'ppmid-display', 'ppmid-restart'])
      assert.ok(doc.components.schemas.Backchannel.properties.action.enum.includes(a), a);
    assert.ok(doc.components.schemas.InjectResult.properties.ppmidDecision);
    assert.ok(doc.paths['/homes/{id}/ppmid'].get);
    assert.ok(doc.paths['/homes/{id}/utrn'].post);
    id = (await call('POST', '/homes', { profile: 'rtds' })).body.id;
  });

  it('ppmid-inbox: accepted, forwarded, delivered, accepted by the ESME; firmware refused by PP-2', async () => {
    const r = await call('POST', `/homes/${id}/inject`, { route: 'ppmid-inbox', gbcs: ecs17b.hex });
    assert.equal(r.status, 200);
    const [ok] = r.body.results;
    assert.deepEqual(
      [ok.ppmidDecision, ok.ppmidReason, ok.chDecision, ok.deviceDecision, ok.responseRoute],
      ['accepted-queued', null, 'delivered', 'accepted', 'wan'],
    );
    assert.deepEqual(ok.statusReports, ['accepted-queued', 'forwarded']);
    assert.match(ok.envelopeId, /^[0-9A-F]{32}$/);
    const fw = (await call('POST', `/homes/${id}/inject`, { route: 'ppmid-inbox', hex: cs06.hex })).body
      .results[0];
    assert.deepEqual([fw.ppmidDecision, fw.ppmidReason, fw.chDecision], ['rejected', 'firmware', null]);
    // the other routes keep their output, with the PPMID fields null
    const raw = (await call('POST', `/homes/${id}/inject`, { route: 'ppmid', hex: cs06.hex })).body
      .results[0];
    assert.deepEqual([raw.ppmidDecision, raw.ppmidReason], [null, null]);
    assert.equal(raw.envelopeId, undefined);
    // the same envelope again (redelivery): repeated, its latest outcome
    const again = await call('POST', `/homes/${id}/inject`, { route: 'ppmid-inbox', envelope: ok.envelope });
    assert.deepEqual(
      [again.body.results[0].repeated, again.body.results[0].ppmidDecision],
      [true, 'forwarded'],
    );
  });

  it('ppmid-inbox with a tamper mode: refused with its reason, nothing at the CH', async () => {
    const r = await call('POST', `/homes/${id}/inject`, {
      route: 'ppmid-inbox',
      gbcs: ecs17b.hex,
      tamper: 'unknown-key',
    });
    const [x] = r.body.results;
    assert.deepEqual(
      [x.ppmidDecision, x.ppmidReason, x.chDecision, x.chEvents],
      ['rejected', 'unknown-key', null, []],
    );
    assert.equal(
      (await call('POST', `/homes/${id}/inject`, { route: 'ppmid-inbox', gbcs: ecs17b.hex, tamper: 'x' }))
        .status,
      400,
    );
    assert.equal(
      (await call('POST', `/homes/${id}/inject`, { route: 'ppmid', hex: ecs17b.hex, tamper: 'signature' }))
        .status,
      400,
    );
  });

  it('GET /homes/{id}/ppmid: display, outbox and signed status reports', async () => {
    const s = (await call('GET', `/homes/${id}/ppmid`)).body;
    assert.equal(s.eui, '00DB1234567890A4');
    assert.match(s.reportingPublicKey, /BEGIN PUBLIC KEY/);
    assert.ok(s.statusReports.length >= 4);
    assert.ok(s.statusReports.every((r: { signatureValid: boolean }) => r.signatureValid));
    const later = (await call('GET', `/homes/${id}/ppmid?since=${s.statusReports.at(-1).n}`)).body;
    assert.deepEqual(later.statusReports, []);
  });

  it('customer: a UTRN issued over HTTP, typed twice on the PPMID: credited once', async () => {
    const u = (await call('POST', `/homes/${id}/utrn`, { value: 7 })).body;
    assert.match(u.utrn, /^\d{20}$/);
    const a = (await call('POST', `/homes/${id}/backchannel`, { action: 'ppmid-utrn', utrn: u.utrn })).body
      .detail;
    assert.equal(a.balanceAfter - a.balanceBefore, 7 * 100_000);
    assert.equal(a.display.lastCustomerAction.state, 'accepted');
    const b = (await call('POST', `/homes/${id}/backchannel`, { action: 'ppmid-utrn', utrn: u.utrn })).body
      .detail;
    assert.equal(b.balanceAfter, a.balanceAfter);
    assert.equal(b.display.lastCustomerAction.state, 'refused');
    const ec = (await call('POST', `/homes/${id}/backchannel`, { action: 'ppmid-emergency-credit' })).body
      .detail;
    assert.equal(ec.emergencyCreditActive, true);
    const d = (await call('POST', `/homes/${id}/backchannel`, { action: 'ppmid-display' })).body.detail;
    assert.equal(d.display.credit.emergencyCredit, 'active');
    assert.equal((await call('POST', `/homes/${id}/utrn`, { value: 9000 })).status, 400);
  });

  it('ppmid-restart: the PPMID comes back from its snapshot and relays', async () => {
    const r = (await call('POST', `/homes/${id}/backchannel`, { action: 'ppmid-restart' })).body;
    assert.equal(r.detail.radio, true);
    assert.equal((await call('GET', `/homes/${id}/ppmid`)).body.restarts, 1);
    const ecs02 = RTDS.find((m) => m.name.includes('ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_COMMAND'))!;
    const [x] = (await call('POST', `/homes/${id}/inject`, { route: 'ppmid-inbox', gbcs: ecs02.hex })).body
      .results;
    assert.deepEqual(
      [x.ppmidDecision, x.chDecision, x.deviceDecision],
      ['accepted-queued', 'delivered', 'accepted'],
    );
  });

  it('a home without the PPMID application: 409', async () => {
    const bare = buildAtpsServer({ atps: new Atps({ deviceApps: null }) });
    try {
      const h = (await bare.inject({ method: 'POST', url: '/homes', payload: { profile: 'rtds' } })).json();
      const r = await bare.inject({
        method: 'POST',
        url: `/homes/${h.id}/inject`,
        payload: { route: 'ppmid-inbox', gbcs: ecs17b.hex },
      });
      assert.equal(r.statusCode, 409);
      assert.equal(r.json().error, 'ATPS_NO_PPMID_APP');
    } finally {
      await bare.close();
    }
  });
});

describe('ATPS over a real socket', () => {
  it('listens, answers, closes', async () => {
    const { app, url } = await startAtpsServer({ port: 0 });
    try {
      const r = await fetch(`${url}/health`);
      assert.deepEqual(await r.json(), { ok: true });
    } finally {
      await app.close();
    }
  });
});
