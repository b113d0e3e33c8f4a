/**
 * The supplier's PPMID leg (issue 6; SECMP0038 SU-2, SU-3, PP-1, PP-2), over
 * real loopback HTTP to the DSP test double and over two internets: the
 * embedded MQTT broker (TLS, client certificates from the test PKI) and the
 * in-process InternetLink. The test plays the enhanced PPMID itself (it reads
 * the inbox, checks the envelope with src/delivery, publishes signed status
 * reports), so what is checked is exactly what the supplier puts on the wire.
 *
 * - SU-3: provisioning over the API issues the PPMID's credentials and sends
 *   8.11 (CCS01 built by the real DSP transform); the relay flag is set once
 *   it is answered.
 * - CV 2: the Local Command travels as a valid envelope signed with the
 *   delivery key; status reports move the timeline; the WAN response ends it.
 * - CV 3 race: the WAN answer ends it; a later PPMID report is recorded, not
 *   a second terminal state.
 * - A PPMID rejection of a PPMID-only command fails it with the reason.
 * - A forged report is refused.
 * - Restart mid-delivery (after publishing; and with the envelope stored but
 *   never published): nothing lost, nothing duplicated.
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  InProcessInternet,
  type Internet,
  type InternetLink,
  type InternetMessage,
  inboxTopic,
  MqttInternet,
  startEmbeddedBroker,
  statusTopic,
  supplierClientId,
} from '../../src/adapters/mqtt/index.ts';
import { createCsr, generateDeviceKeyPem, TestPki } from '../../src/adapters/pki/index.ts';
import { openTestStore, type TestStore } from '../../src/adapters/store/testing.ts';
import {
  type DeliveryEnvelope,
  type DeliveryOutcome,
  decodeEnvelope,
  generateSigningKeyPair,
  type PpmidReason,
  signStatusReport,
  verifyEnvelopeSignature,
} from '../../src/delivery/index.ts';
import { formatRequestId } from '../../src/duis/index.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import type { ProvisioningBundle } from '../../src/supplier/index.ts';
import { DspTestDouble, SUPPLIER_EUI } from '../support/dsp-test-double.ts';
import {
  addRtdsPremises,
  CHF,
  ESME,
  ESME2,
  PPMID,
  type SupplierUnderTest,
  startSupplierUnderTest,
} from '../support/supplier-harness.ts';

const INSTALL_CODE = '83FED3407A939723A5C639FF4C6F6F00C8F1'.slice(0, 32);
const REAL_TIMEOUT_MS = 30_000;

interface Net {
  name: string;
  internet: Internet;
  pki?: TestPki;
  close(): Promise<void>;
}

/** Runs virtual-clock events due now (in-process internet hops) and real I/O until `pred` holds. */
async function settle(clock: VirtualClock, pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + REAL_TIMEOUT_MS;
  for (;;) {
    clock.runUntil(clock.now());
    if (pred()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${REAL_TIMEOUT_MS} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Awaits `p` while running the virtual clock's due events (the in-process internet's hops). */
async function run<T>(clock: VirtualClock, p: Promise<T>, what: string): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await settle(clock, () => done, what);
  return p;
}

/** A supplier link whose inbox publications never complete (a crash between storing and publishing). */
function holdingLink(inner: InternetLink): InternetLink {
  return {
    get clientId() {
      return inner.clientId;
    },
    get connected() {
      return inner.connected;
    },
    publish: (topic, payload, opts) =>
      topic.endsWith('/inbox') ? new Promise<void>(() => {}) : inner.publish(topic, payload, opts),
    subscribe: (f, h, o) => inner.subscribe(f, h, o),
    unsubscribe: (f) => inner.unsubscribe(f),
    on: (e, l) => inner.on(e, l),
    close: () => inner.close(),
  };
}

async function embeddedTls(): Promise<Net> {
  const pki = await TestPki.open();
  const broker = await startEmbeddedBroker({ tlsPort: 0, pki });
  const internet = new MqttInternet(broker.urls.tls!, {
    protocolVersion: broker.protocolVersion,
    pki,
    linkDefaults: { reconnectPeriodMs: 50, keepaliveSec: 30, connectTimeoutMs: 20_000 },
  });
  return {
    name: 'embedded MQTT broker over TLS (client certificates from the test PKI)',
    internet,
    pki,
    close: async () => {
      await internet.close();
      await broker.close();
    },
  };
}

function inProcess(clock: VirtualClock): Net {
  const internet = new InProcessInternet({ clock, authorization: 'strict' });
  return { name: 'in-process InternetLink (virtual time)', internet, close: () => internet.close() };
}

for (const variant of ['mqtt', 'in-process'] as const) {
  describe(`supplier PPMID leg over the ${variant === 'mqtt' ? 'embedded MQTT broker (TLS)' : 'in-process InternetLink'}`, () => {
    const clock = new VirtualClock(Date.UTC(2026, 3, 1));
    let store: TestStore;
    let dsp: DspTestDouble;
    let net: Net;
    let supplierLink: InternetLink;
    let sut: SupplierUnderTest;
    let ppmidLink: InternetLink;
    let bundle: ProvisioningBundle;
    let reportingKey: KeyObject;
    let deliveryPublic: KeyObject;
    let sequence = 0;
    const deliveryKey = generateSigningKeyPair();
    const inbox: InternetMessage[] = [];

    const until = (pred: () => boolean, what: string) => settle(clock, pred, what);
    const cmd = (id: string) => sut.service.tracker.get(id);

    const startSupplier = async (link: InternetLink) => {
      sut = await run(
        clock,
        startSupplierUnderTest({
          store,
          clock,
          dsp,
          internet: link,
          ...(net.pki ? { pki: net.pki } : {}),
          deliveryKey,
        }),
        'supplier started',
      );
    };
    const connect = (clientId: string, opts?: Parameters<Internet['connect']>[1]) =>
      run(clock, net.internet.connect(clientId, opts), `${clientId} connected`);
    const submit = (req: Parameters<SupplierUnderTest['service']['submit']>[0]) =>
      run(clock, sut.service.submit(req), 'submitted');
    const stopSupplier = (opts?: { graceful?: boolean }) => run(clock, sut.stop(opts), 'supplier stopped');

    before(async () => {
      store = await openTestStore('sqlite');
      dsp = await DspTestDouble.start({ now: () => clock.now() });
      net = variant === 'mqtt' ? await embeddedTls() : inProcess(clock);
      supplierLink = await connect(supplierClientId(SUPPLIER_EUI));
      await startSupplier(supplierLink);
      await run(clock, addRtdsPremises(sut.service), 'premises');
    });
    after(async () => {
      await run(
        clock,
        (async () => {
          await sut?.stop().catch(() => {});
          await ppmidLink?.close().catch(() => {});
          await supplierLink?.close().catch(() => {});
          await net?.close();
        })(),
        'closed',
      );
      await dsp?.close();
      await store?.close();
    });

    async function report(
      env: DeliveryEnvelope,
      outcome: DeliveryOutcome,
      reason: PpmidReason | null = null,
      key: KeyObject = reportingKey,
    ): Promise<void> {
      const bytes = signStatusReport(
        {
          envelopeId: env.envelopeId,
          envelopeIdIsDigest: false,
          ppmid: PPMID,
          supplierId: SUPPLIER_EUI,
          requestId: env.requestId,
          at: clock.now(),
          outcome,
          reason,
          attempts: outcome === 'forwarded' ? 1 : 0,
          sequence: ++sequence,
          detail: reason ?? outcome,
        },
        key,
      );
      const p = ppmidLink.publish(statusTopic(PPMID), bytes, { qos: 1 });
      let done = false;
      void p.then(() => (done = true));
      await until(() => done, `status report ${outcome} published`);
    }

    function envelopeOf(i: number): DeliveryEnvelope {
      const env = decodeEnvelope(inbox[i].payload);
      assert.equal(verifyEnvelopeSignature(env, [deliveryPublic]), 'valid');
      return env;
    }

    it('SU-3: provisions the PPMID over the API; the relay flag is set once 8.11 (CCS01) is answered', async () => {
      // Issue 13: the PPMID makes its own keys; only the public reporting key and a CSR leave it.
      const own = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      reportingKey = own.privateKey;
      const tlsKeyPem = generateDeviceKeyPem();
      const csrPem = variant === 'mqtt' ? await createCsr(PPMID, tlsKeyPem) : undefined;
      const res = await run(
        clock,
        fetch(`${sut.http.url}/api/v1/premises/P1/ppmid`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            eui: PPMID,
            installCode: INSTALL_CODE,
            reportingPublicKeyPem: own.publicKey.export({ type: 'spki', format: 'pem' }),
            ...(csrPem ? { csrPem } : {}),
          }),
        }),
        'provisioned',
      );
      assert.equal(res.status, 201);
      bundle = (await res.json()) as ProvisioningBundle;
      assert.equal(bundle.ppmid, PPMID);
      assert.equal(bundle.mqttClientId, PPMID);
      assert.equal(bundle.deliveryKeyId, deliveryKey.keyId);
      assert.equal(bundle.state, 'device-log-pending');
      assert.ok(!JSON.stringify(bundle).includes('PRIVATE KEY'), 'no private key in the bundle');
      if (variant === 'mqtt') {
        assert.ok(bundle.mqtt?.certPem.includes('BEGIN CERTIFICATE'), 'MQTT client certificate issued');
        const cert = new X509Certificate(bundle.mqtt!.certPem);
        assert.ok(cert.publicKey.equals(createPublicKey(tlsKeyPem)), 'issued for the key of the CSR');
        assert.match(cert.subject, new RegExp(`CN=${PPMID}`));
      }
      deliveryPublic = createPublicKey(bundle.deliveryPublicKeyPem);

      // issue 13: a second provisioning of the same PPMID (new keys: a takeover) is refused without replace
      const again = await run(
        clock,
        fetch(`${sut.http.url}/api/v1/premises/P1/ppmid`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            eui: PPMID,
            installCode: INSTALL_CODE,
            reportingPublicKeyPem: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({
              type: 'spki',
              format: 'pem',
            }),
          }),
        }),
        'provisioned again',
      );
      assert.equal(again.status, 409);
      const listed = (await run(clock, fetch(`${sut.http.url}/api/v1/ppmids`), 'ppmids')).json();
      assert.ok(!JSON.stringify(await listed).includes(INSTALL_CODE), 'install codes are write-only');

      const c = cmd(bundle.deviceLogCommandId)!;
      assert.deepEqual([c.srv, c.target, c.route, c.commandVariants], ['8.11', CHF, 'wan', [1]]);
      await until(() => cmd(c.id)?.state === 'in-flight', '8.11 accepted');
      const [req] = dsp.requestsFor(formatRequestId(cmd(c.id)!.requestId!));
      assert.deepEqual([req.cv, req.srv, req.code], [1, '8.11', 'I99']);
      assert.equal(
        sut.service.ppmidRecords()[0].relayEnabled,
        false,
        'no relay before the CHF Device Log has it',
      );
      await run(clock, dsp.respond(req.requestId), 'DSP response posted');
      await until(() => sut.service.ppmidRecords()[0]?.relayEnabled === true, 'relay enabled');
      const view = await run(clock, sut.service.premisesView('P1'), 'view');
      assert.equal(view.ppmid, PPMID);

      // the PPMID connects with what it was given
      ppmidLink = await connect(PPMID, {
        handlers: [{ filter: inboxTopic(PPMID), handler: (m) => void inbox.push(m) }],
      });
    });

    it('CV 2: a valid signed envelope reaches the inbox; status reports move the timeline; the WAN response ends it', async () => {
      const c = await submit({ premisesId: 'P1', order: { kind: 'top-up', value: 500 }, route: 'ppmid' });
      assert.deepEqual(c.commandVariants, [2]);
      await until(() => inbox.length === 1, 'the envelope in the PPMID inbox');
      const env = envelopeOf(0);
      const rec = cmd(c.id)!;
      assert.equal(env.ppmid, PPMID);
      assert.equal(env.supplierId, SUPPLIER_EUI);
      assert.equal(formatRequestId(env.requestId), formatRequestId(rec.requestId!));
      assert.equal(env.expiresAt, rec.expiresAt);
      const [req] = dsp.requestsFor(formatRequestId(rec.requestId!));
      assert.deepEqual([req.endpoint, req.cv, req.code], ['serviceD', 2, 'I0']);
      assert.equal(
        Buffer.from(env.gbcs).toString('hex').toUpperCase(),
        req.gbcs,
        'the Local Command, byte for byte',
      );
      assert.equal(inbox[0].qos, 1);
      await until(() => cmd(c.id)?.ppmid?.status === 'published', 'published');

      await report(env, 'accepted-queued');
      await until(() => cmd(c.id)?.ppmid?.status === 'accepted-queued', 'accepted-queued folded');
      await report(env, 'forwarded');
      await until(() => cmd(c.id)?.ppmid?.status === 'forwarded', 'forwarded folded');
      await run(clock, dsp.respond(req.requestId), 'DSP response posted');
      await until(() => cmd(c.id)?.state === 'responded', 'responded');
      const { timeline } = (await run(clock, sut.service.command(c.id), 'command'))!;
      assert.deepEqual(
        timeline.map((h) => h.kind),
        [
          'created',
          'route-chosen',
          'dispatched',
          'request-id',
          'duis-sent',
          'duis-answer',
          'in-flight',
          'local-command-received',
          'envelope-published',
          'ppmid-status',
          'ppmid-status',
          'device-response',
          'responded',
        ],
      );
    });

    it('CV 3 race: the WAN answer ends it; a later PPMID report is recorded, never a second terminal state', async () => {
      const c = await submit({ premisesId: 'P1', order: { kind: 'read-registers' }, route: 'race' });
      await until(() => inbox.length === 2, 'second envelope');
      const env = envelopeOf(1);
      const rid = formatRequestId(cmd(c.id)!.requestId!);
      assert.deepEqual(
        dsp.requestsFor(rid).map((r) => [r.endpoint, r.cv, r.code]),
        [['serviceS', 3, 'I99']],
      );
      await run(clock, dsp.respond(rid), 'DSP response posted');
      await until(() => cmd(c.id)?.state === 'responded', 'responded via the WAN');
      await report(env, 'forwarded');
      await until(() => cmd(c.id)?.ppmid?.status === 'forwarded', 'late report folded');
      const { command, timeline } = (await run(clock, sut.service.command(c.id), 'command'))!;
      assert.equal(command.state, 'responded');
      assert.equal(timeline.filter((h) => ['responded', 'failed', 'expired'].includes(h.kind)).length, 1);
      assert.ok(command.wanSentAt !== undefined, 'a WAN observation for SU-1');
    });

    it('a PPMID-only command rejected by the PPMID fails with its PP-2 reason; a forged report is refused', async () => {
      const c = await submit({
        premisesId: 'P1',
        order: { kind: 'read-registers' },
        target: ESME2,
        route: 'ppmid',
      });
      await until(() => inbox.length === 3, 'third envelope');
      const env = envelopeOf(2);
      const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const refusedBefore = sut.service.metrics.snapshot().counters['supplier.status-report-refused'] ?? 0;
      await report(env, 'forwarded', null, forger);
      await until(
        () =>
          (sut.service.metrics.snapshot().counters['supplier.status-report-refused'] ?? 0) ===
          refusedBefore + 1,
        'forged report refused',
      );
      assert.equal(cmd(c.id)!.ppmid!.status, 'published');
      await report(env, 'rejected', 'target-not-in-home');
      await until(() => cmd(c.id)?.state === 'failed', 'failed');
      assert.equal(cmd(c.id)!.reason, 'PPMID rejected (target-not-in-home): target-not-in-home');
      const { timeline } = (await run(clock, sut.service.command(c.id), 'command'))!;
      assert.ok(timeline.some((h) => h.kind === 'ppmid-status-refused'));
    });

    it('restart after publishing: reports sent while it was down and the WAN response are folded after the restart; nothing lost or duplicated', async () => {
      const c = await submit({ premisesId: 'P1', order: { kind: 'supply', action: 'Arm' }, route: 'ppmid' });
      assert.deepEqual(c.commandVariants, [4, 6]);
      await until(() => inbox.length === 4, 'fourth envelope');
      await until(() => cmd(c.id)?.ppmid?.status === 'published', 'published');
      const env = envelopeOf(3);
      const rid = formatRequestId(env.requestId);
      // crash: nothing flushed after this point survives, the link drops
      await stopSupplier({ graceful: false });
      await run(clock, supplierLink.close(), 'link closed');
      await report(env, 'accepted-queued');
      await report(env, 'forwarded');
      supplierLink = await connect(supplierClientId(SUPPLIER_EUI));
      await startSupplier(supplierLink);
      await until(
        () => cmd(c.id)?.ppmid?.status === 'forwarded',
        'reports queued at the broker folded after the restart',
      );
      await run(clock, dsp.respond(rid), 'DSP response posted');
      await until(() => cmd(c.id)?.state === 'responded', 'responded');
      assert.equal(inbox.length, 4, 'the envelope was not published again');
      assert.deepEqual(
        dsp.requestsFor(rid).map((r) => r.cv),
        [4, 6],
        'one CV 4 and one CV 6: no DUIS request sent twice',
      );
      const all = await run(clock, sut.service.commands({ premisesId: 'P1', srv: '7.3' }), 'list');
      assert.equal(all.length, 1);
      const { timeline } = (await run(clock, sut.service.command(c.id), 'command'))!;
      assert.equal(timeline.filter((h) => ['responded', 'failed', 'expired'].includes(h.kind)).length, 1);
      assert.ok(timeline.some((h) => h.kind === 'reloaded'));
    });

    it('restart with the envelope stored but never published: the same bytes go out once after the restart', async () => {
      await stopSupplier();
      await run(clock, supplierLink.close(), 'link closed');
      supplierLink = await connect(supplierClientId(SUPPLIER_EUI));
      await startSupplier(holdingLink(supplierLink));
      const c = await submit({ premisesId: 'P1', order: { kind: 'read-registers' }, route: 'ppmid' });
      await until(() => cmd(c.id)?.ppmid?.status === 'pending-publish', 'envelope stored');
      await run(clock, sut.service.tracker.flush(), 'flushed');
      const stored = cmd(c.id)!.ppmid!.envelopeHex;
      await stopSupplier({ graceful: false });
      await startSupplier(supplierLink);
      await until(() => inbox.length === 5, 'the stored envelope published after the restart');
      assert.equal(Buffer.from(inbox[4].payload).toString('hex').toUpperCase(), stored);
      await until(() => cmd(c.id)?.ppmid?.status === 'published', 'published');
      const env = envelopeOf(4);
      await report(env, 'forwarded');
      await run(clock, dsp.respond(formatRequestId(env.requestId)), 'DSP response posted');
      await until(() => cmd(c.id)?.state === 'responded', 'responded');
      assert.equal(dsp.requestsFor(formatRequestId(env.requestId)).length, 1);
      assert.equal(inbox.length, 5);
      assert.equal(ESME, cmd(c.id)!.target);
    });

    it('SU-1 end to end: a WAN command unanswered for X hours makes the WAN absent and the next top-up goes PPMID only; a WAN response brings it back', async () => {
      clock.advance(60_000);
      const wan = await submit({ premisesId: 'P1', order: { kind: 'read-registers' }, target: ESME2 });
      assert.equal(wan.route, 'wan');
      await until(() => cmd(wan.id)?.state === 'in-flight', 'on the WAN');
      clock.advance(25 * 3600_000); // X = 24 h by default; the command expires on the way (6 h)
      await until(() => cmd(wan.id)?.state === 'expired', 'expired');
      const cls = await run(clock, sut.service.classify('P1'), 'classified');
      assert.equal(cls.wanClass, 'absent', cls.reasons.join('; '));
      const topUp = await submit({ premisesId: 'P1', order: { kind: 'top-up', value: 100 } });
      assert.equal(topUp.route, 'ppmid');
      assert.deepEqual(topUp.commandVariants, [2]);
      assert.match(topUp.routeReasons!.join(' '), /WAN absent/);
      await until(() => inbox.length === 6, 'envelope of the automatic PPMID route');
      const env = envelopeOf(5);
      await report(env, 'forwarded');
      // the response still returns over the WAN (CH-4): evidence the WAN is back
      await run(clock, dsp.respond(formatRequestId(env.requestId)), 'DSP response posted');
      await until(() => cmd(topUp.id)?.state === 'responded', 'responded');
      const again = await run(clock, sut.service.classify('P1'), 'classified again');
      assert.notEqual(again.wanClass, 'absent');
    });
  });
}
