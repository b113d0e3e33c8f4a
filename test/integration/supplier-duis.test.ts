/**
 * Supplier <-> DSP over real loopback HTTP (issue 6; SECMP0038 SU-1, SU-2):
 * the supplier signs DUIS requests that the DSP test double verifies with the
 * real src/duis verifier and transforms with the real DSP transform; DSP-
 * signed asynchronous responses reach the Receive Response Service; forged
 * and unsigned ones are refused, counted and logged; critical SRs go CV 4 ->
 * supplier DS signature -> CV 5; every command ends in exactly one terminal
 * state. Until the real DSP service lands the far end is a test double
 * (test/support/dsp-test-double.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventLog } from '../../src/adapters/store/index.ts';
import { openTestStore, type TestStore } from '../../src/adapters/store/testing.ts';
import { futureDatedAlertNode } from '../../src/dcc/dsp/future-dated-alerts.ts';
import { buildDuisResponse, formatRequestId } from '../../src/duis/index.ts';
import { SecurityContext, verifyUtrn } from '../../src/gbcs/index.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import type { CommandRecord } from '../../src/supplier/index.ts';
import { DspTestDouble, fixtureOtherSigner, SUPPLIER_EUI } from '../support/dsp-test-double.ts';
import { readRtds, rtdsKeyStore } from '../support/dsp-transform.ts';
import {
  addRtdsPremises,
  ESME,
  ESME2,
  type SupplierUnderTest,
  startSupplierUnderTest,
} from '../support/supplier-harness.ts';
import { waitFor } from '../support/wait.ts';

const READ_RESPONSE = fromHex(readRtds('4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX')!);
const TERMINAL = ['responded', 'failed', 'expired'];

function terminalHops(t: { kind: string }[]): string[] {
  return t.filter((h) => TERMINAL.includes(h.kind)).map((h) => h.kind);
}

describe('supplier DUIS client and Receive Response Service (DSP test double, loopback HTTP)', () => {
  let store: TestStore;
  let dsp: DspTestDouble;
  let sut: SupplierUnderTest;
  const clock = new VirtualClock(Date.UTC(2026, 2, 1));

  before(async () => {
    store = await openTestStore('sqlite');
    dsp = await DspTestDouble.start({ now: () => clock.now() });
    sut = await startSupplierUnderTest({ store, clock, dsp });
    await addRtdsPremises(sut.service);
  });
  after(async () => {
    await sut?.stop();
    await dsp?.close();
    await store?.close();
  });

  const state = (c: CommandRecord) => sut.service.tracker.get(c.id)?.state;
  /** The RequestID text of a dispatched command (assigned in the DUIS lane). */
  const rid = (c: CommandRecord) => {
    const r = sut.service.tracker.get(c.id)?.requestId;
    assert.ok(r, `command ${c.id} has a RequestID`);
    return formatRequestId(r);
  };

  it('CV 1: signed request verified by the DSP, I99, async I0 verified -> responded', async () => {
    const c = await sut.service.submit({ premisesId: 'P1', order: { kind: 'read-registers' } });
    assert.deepEqual(c.commandVariants, [1]);
    assert.equal(c.route, 'wan');
    await waitFor(() => state(c) === 'in-flight', 30_000, { what: 'I99 from the DSP' });
    const [req] = dsp.requestsFor(rid(c));
    assert.deepEqual([req.endpoint, req.cv, req.srv, req.code], ['serviceS', 1, '4.1.1', 'I99']);
    assert.ok(req.gbcs?.startsWith('DD'), 'the DSP built a General Ciphering command');
    const r = await dsp.respond(rid(c), { gbcs: READ_RESPONSE });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { kind: 'response', commandId: c.id, effect: 'responded' });
    const { command, timeline } = (await sut.service.command(c.id))!;
    assert.equal(command.state, 'responded');
    assert.equal(command.response?.gbcs, Buffer.from(READ_RESPONSE).toString('hex').toUpperCase());
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
        'device-response',
        'responded',
      ],
    );
    assert.ok(command.wanSentAt !== undefined && command.answeredAt !== undefined);
  });

  it('refuses unsigned and forged responses (401, counted, logged); the genuine one after them counts once', async () => {
    const c = await sut.service.submit({ premisesId: 'P1', order: { kind: 'read-registers' } });
    await waitFor(() => state(c) === 'in-flight', 30_000, { what: 'in-flight' });
    const input = {
      header: {
        requestId: sut.service.tracker.get(c.id)!.requestId!,
        responseCode: 'I0' as const,
        responseDateTime: new Date(clock.now()),
      },
      body: {
        kind: 'ResponseMessage' as const,
        serviceReference: '4.1',
        serviceReferenceVariant: '4.1.1',
        payload: { type: 'GBCSPayload' as const, gbcs: READ_RESPONSE },
      },
    };
    const refusedBefore =
      sut.service.metrics.snapshot().counters['supplier.receive-refused{code=SUPPLIER_DSP_SIGNATURE}'] ?? 0;
    const unsigned = await dsp.post(buildDuisResponse(input));
    assert.equal(unsigned.status, 401);
    assert.match(JSON.parse(unsigned.body).message, /not signed/);
    const forged = await dsp.post(dsp.signedResponse(input, fixtureOtherSigner()));
    assert.equal(forged.status, 401);
    // a DSP-signed document changed after signing
    const tampered = await dsp.post(
      dsp.signedResponse(input).replace('<sr:ResponseCode>I0<', '<sr:ResponseCode>E4<'),
    );
    assert.equal(tampered.status, 401);
    const garbage = await dsp.post('<not-duis/>');
    assert.equal(garbage.status, 400);
    assert.equal(state(c), 'in-flight', 'nothing refused moved the command');
    assert.equal(
      sut.service.metrics.snapshot().counters['supplier.receive-refused{code=SUPPLIER_DSP_SIGNATURE}'],
      refusedBefore + 3,
    );
    const logged = await new EventLog(store.db, clock).list({
      source: `supplier:${SUPPLIER_EUI}`,
      kind: 'duis-response-refused',
    });
    assert.ok(logged.length >= 3);

    assert.equal((await dsp.respond(rid(c), { gbcs: READ_RESPONSE })).status, 200);
    const dup = await dsp.respond(rid(c), { gbcs: READ_RESPONSE });
    assert.equal(JSON.parse(dup.body).effect, 'duplicate');
    const { command, timeline } = (await sut.service.command(c.id))!;
    assert.equal(command.state, 'responded');
    assert.equal(command.responses, 2);
    assert.deepEqual(terminalHops(timeline), ['responded']);
    assert.equal(timeline.at(-1)!.kind, 'duplicate-response');
  });

  it('critical SR 7.1: CV 4 Pre-Command, signed with the supplier DS key, CV 5 accepted by the DSP (DSP-2)', async () => {
    const c = await sut.service.submit({ premisesId: 'P1', order: { kind: 'supply', action: 'Enable' } });
    assert.deepEqual(c.commandVariants, [4, 5]);
    await waitFor(() => state(c) === 'in-flight' || state(c) === 'failed', 30_000, { what: 'CV 5 answered' });
    assert.equal(state(c), 'in-flight', sut.service.tracker.get(c.id)?.reason);
    const reqs = dsp.requestsFor(rid(c));
    assert.deepEqual(
      reqs.map((r) => [r.endpoint, r.cv, r.code]),
      [
        ['serviceT', 4, 'I0'],
        ['serviceS', 5, 'I99'],
      ],
    );
    // the Command the DSP built carries the supplier's signature over the Pre-Command it issued
    const signed = fromHex(sut.service.tracker.get(c.id)!.signedPreCommand!);
    const sec = new SecurityContext({ keyStore: rtdsKeyStore() });
    assert.equal(sec.decodeVerify(signed).signature, 'valid');
    await dsp.respond(rid(c));
    await waitFor(() => state(c) === 'responded', 30_000, { what: 'responded' });
    const { timeline } = (await sut.service.command(c.id))!;
    assert.deepEqual(
      timeline.map((h) => h.kind),
      [
        'created',
        'route-chosen',
        'dispatched',
        'request-id',
        'duis-sent',
        'duis-answer',
        'pre-command-received',
        'pre-command-signed',
        'duis-sent',
        'duis-answer',
        'in-flight',
        'device-response',
        'responded',
      ],
    );
  });

  it('2.2 top-up: the UTRN is generated with the supplier prepayment key, bound to the RequestID counter', async () => {
    const c = await sut.service.submit({
      premisesId: 'P1',
      order: { kind: 'top-up', value: 1234, valueClass: 'pennies' },
    });
    await waitFor(() => state(c) !== 'queued' && state(c) !== 'sending', 30_000, { what: 'dispatched' });
    const sent = sut.service.tracker.get(c.id)!;
    const utrn = sent.order.kind === 'top-up' ? sent.order.utrn! : '';
    assert.match(utrn, /^[0-9]{20}$/);
    const check = verifyUtrn(
      new SecurityContext({ keyStore: rtdsKeyStore() }),
      utrn,
      SUPPLIER_EUI,
      ESME,
      sent.requestId!.counter,
    );
    assert.equal(check.valid, true);
    assert.equal(check.value, 1234);
    await waitFor(() => state(c) === 'in-flight', 30_000, { what: 'in-flight' });
    assert.equal(dsp.requestsFor(rid(c))[0].code, 'I99');
    await dsp.respond(rid(c));
    await waitFor(() => state(c) === 'responded', 30_000, { what: 'responded' });
  });

  it('one command at a time per device: the next waits (queued-behind) until the first is terminal (GBCS anti-replay)', async () => {
    const a = await sut.service.submit({ premisesId: 'P1', order: { kind: 'read-registers' } });
    const b = await sut.service.submit({ premisesId: 'P1', order: { kind: 'supply', action: 'Arm' } });
    await waitFor(() => state(a) === 'in-flight', 30_000, { what: 'first in flight' });
    assert.equal(state(b), 'queued');
    assert.equal(sut.service.tracker.get(b.id)!.requestId, undefined, 'no RequestID reserved while queued');
    await dsp.respond(rid(a));
    await waitFor(() => state(b) === 'in-flight', 30_000, { what: 'second sent after the first responded' });
    await dsp.respond(rid(b));
    await waitFor(() => state(b) === 'responded', 30_000, { what: 'second responded' });
    const { timeline } = (await sut.service.command(b.id))!;
    assert.ok(
      timeline.findIndex((h) => h.kind === 'queued-behind') <
        timeline.findIndex((h) => h.kind === 'dispatched'),
    );
    assert.equal(timeline.find((h) => h.kind === 'queued-behind')!.detail.command, a.id);
  });

  it('a DSP refusal at the HTTP level fails the command with the reason', async () => {
    dsp.failNext = { status: 503, body: 'DSP busy' };
    const c = await sut.service.submit({ premisesId: 'P1', order: { kind: 'read-registers' } });
    await waitFor(() => state(c) === 'failed', 30_000, { what: 'failed' });
    assert.match(sut.service.tracker.get(c.id)!.reason!, /HTTP 503: DSP busy/);
  });

  it('a DUIS E-code in the synchronous answer fails the command (E19: unknown device)', async () => {
    await sut.service.putPremises({
      id: 'P9',
      chf: '00DB1234567890F2',
      devices: [{ eui: '00DB1234567890F0', type: 'ESME' }],
    });
    const c = await sut.service.submit({ premisesId: 'P9', order: { kind: 'read-registers' } });
    await waitFor(() => state(c) === 'failed', 30_000, { what: 'failed' });
    assert.equal(sut.service.tracker.get(c.id)!.reason, 'DSP answered E19');
  });

  it('8.13 returns a locally obtained response (CV 8 to serviceD), recorded on the original command', async () => {
    const orig = await sut.service.submit({ premisesId: 'P1', order: { kind: 'read-registers' } });
    await waitFor(() => state(orig) === 'in-flight', 30_000, { what: 'in-flight' });
    const c = await sut.service.returnLocalResponse(orig.id, Buffer.from(READ_RESPONSE).toString('hex'));
    assert.deepEqual([c.srv, c.commandVariants, c.route, c.target], ['8.13', [8], 'dcc', '90B3D51F30000002']);
    await waitFor(() => state(c) === 'responded', 30_000, { what: '8.13 answered' });
    const [req] = dsp.requests.filter((r) => r.srv === '8.13');
    assert.equal(req.endpoint, 'serviceD');
    const { timeline } = (await sut.service.command(orig.id))!;
    assert.ok(timeline.some((h) => h.kind === 'local-response-returned'));
    await dsp.respond(rid(orig));
    await waitFor(() => state(orig) === 'responded', 30_000, { what: 'responded' });
  });

  it('one truth: a late genuine response moves an expired command to responded (hop, event, alert), no duplicate-response dead end', async () => {
    const seen: string[] = [];
    const off = sut.service.subscribe((e) => {
      if (e.type === 'alert' && e.alert === 'supplier') seen.push(e.code);
    });
    const c = await sut.service.submit({
      premisesId: 'P1',
      order: { kind: 'read-registers' },
      expiresInMs: 60_000,
    });
    await waitFor(() => state(c) === 'in-flight', 30_000, { what: 'in-flight' });
    const ridText = rid(c);
    clock.advance(60_000);
    assert.equal(state(c), 'expired');
    const r = await dsp.respond(ridText, { gbcs: READ_RESPONSE });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { kind: 'response', commandId: c.id, effect: 'responded' });
    const dup = await dsp.respond(ridText, { gbcs: READ_RESPONSE });
    assert.equal(JSON.parse(dup.body).effect, 'duplicate');
    off();
    const { command, timeline } = (await sut.service.command(c.id))!;
    assert.equal(command.state, 'responded');
    assert.equal(command.responses, 2);
    assert.equal(command.response?.code, 'I0');
    assert.deepEqual(terminalHops(timeline), ['expired', 'responded']);
    assert.deepEqual(
      timeline.slice(-4).map((h) => h.kind),
      ['expired', 'late-response', 'responded', 'duplicate-response'],
    );
    assert.equal(timeline.find((h) => h.kind === 'late-response')!.detail.was, 'expired');
    assert.deepEqual(seen, ['late-response']);
    const logged = await new EventLog(store.db, clock).list({
      source: `supplier:${SUPPLIER_EUI}`,
      kind: 'command-late-response',
    });
    assert.ok(logged.some((e) => (e.data as { command?: string }).command === c.id));
  });

  it('response-overdue: an unanswered command raises an alert and stops holding the device queue', async () => {
    const seen: string[] = [];
    const off = sut.service.subscribe((e) => {
      if (e.type === 'alert' && e.alert === 'supplier') seen.push(e.code);
    });
    const a = await sut.service.submit({ premisesId: 'P1', order: { kind: 'read-registers' } });
    const b = await sut.service.submit({ premisesId: 'P1', order: { kind: 'supply', action: 'Arm' } });
    await waitFor(() => state(a) === 'in-flight', 30_000, { what: 'first in flight' });
    assert.equal(state(b), 'queued');
    clock.advance(sut.service.config.overdue.byRoute.wan);
    assert.equal(state(a), 'response-overdue');
    await waitFor(() => state(b) === 'in-flight', 30_000, { what: 'the next command dispatched' });
    await dsp.respond(rid(b));
    await waitFor(() => state(b) === 'responded', 30_000, { what: 'second responded' });
    await dsp.respond(rid(a));
    await waitFor(() => state(a) === 'responded', 30_000, { what: 'overdue one answered at last' });
    off();
    assert.deepEqual(seen, ['response-overdue']);
    const { timeline } = (await sut.service.command(a.id))!;
    assert.deepEqual(
      timeline.slice(-3).map((h) => h.kind),
      ['response-overdue', 'device-response', 'responded'],
    );
    const logged = await new EventLog(store.db, clock).list({
      source: `supplier:${SUPPLIER_EUI}`,
      kind: 'command-overdue',
    });
    assert.ok(logged.some((e) => (e.data as { command?: string }).command === a.id));
  });

  it("8F66 as FutureDatedDeviceAlertMessage (with the answered request's RequestID): a device alert, not a second answer", async () => {
    const c = await sut.service.submit({ premisesId: 'P1', order: { kind: 'read-registers' } });
    await waitFor(() => state(c) === 'in-flight', 30_000, { what: 'in-flight' });
    const ridText = rid(c);
    await dsp.respond(ridText, { gbcs: READ_RESPONSE });
    const seen: string[] = [];
    const off = sut.service.subscribe((e) => {
      if (e.type === 'alert' && e.alert === 'device') seen.push(e.code);
    });
    const [originator, target, counter] = ridText.split(':');
    const gbcs = fromHex(
      readRtds('1.6_GCS03/GCS03_1.6_8F66_FUTURE_DATED_SUCCESS_ALERT_CHANGE_PAYMENT_MODE_GBCS.HEX')!,
    );
    const r = await dsp.post(
      dsp.signedResponse({
        header: {
          requestId: { originator: originator!, target: target!, counter: BigInt(counter!) },
          responseId: { originator: target!, target: originator!, counter: 3001n },
          responseCode: 'I0',
          responseDateTime: new Date(clock.now()),
        },
        body: {
          kind: 'ResponseMessage',
          serviceReference: '1.6',
          serviceReferenceVariant: '1.6',
          payload: {
            type: 'Other',
            node: futureDatedAlertNode(
              { alertCode: 0x8f66, commandCounter: 1005n, instructionNumber: 1, totalInstructions: 1 },
              gbcs,
            ),
          },
        },
      }),
    );
    off();
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { kind: 'alert', alert: 'device', code: '8F66' });
    assert.deepEqual(seen, ['8F66']);
    const { command } = (await sut.service.command(c.id))!;
    assert.equal(command.state, 'responded');
    assert.equal(command.responses, 1, 'not counted as a second response');
  });

  it('Originator Counters are strictly increasing, including across a restart of the service', async () => {
    const a = await sut.service.submit({ premisesId: 'P1', order: { kind: 'read-registers' } });
    await sut.service.idle();
    const aCounter = sut.service.tracker.get(a.id)!.requestId!.counter;
    await sut.stop();
    sut = await startSupplierUnderTest({ store, clock, dsp });
    const b = await sut.service.submit({
      premisesId: 'P1',
      order: { kind: 'read-registers' },
      target: ESME2,
    });
    assert.ok(BigInt(b.id) > BigInt(a.id));
    await sut.service.idle();
    assert.ok(sut.service.tracker.get(b.id)!.requestId!.counter > aCounter);
    const counters = dsp.requests.map((r) => BigInt(r.requestId.split(':')[2]));
    const sent = dsp.requests
      .filter((r) => r.cv !== 5 && r.cv !== 6 && r.cv !== 7)
      .map((r) => BigInt(r.requestId.split(':')[2]));
    for (let i = 1; i < sent.length; i++)
      assert.ok(sent[i] > sent[i - 1], `counter ${sent[i]} after ${sent[i - 1]}`);
    assert.ok(counters.length > 0);
  });
});
