/**
 * Issue 17: DSP schedules run on the DSP's clock (virtual time). A 5.1
 * schedule is kept in the database; at each run the DSP sends the scheduled
 * device SR through its device path (transform, ACB MAC, SM WAN); the
 * device's response reaches the user as a signed, XSD-valid ResponseMessage
 * with DSPScheduledMessage. Schedules survive a restart; runs missed while
 * the DSP was down get one catch-up run. 5.2 reads and 5.3 stops a running
 * schedule; a run that cannot be sent is a DCC alert CommandFailure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DspService } from '../../src/dcc/dsp/index.ts';
import type { XmlSigner } from '../../src/duis/index.ts';
import { type DuisNode, type DuisResponse, el, verifyAndParseDuisResponse } from '../../src/duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../src/duis/xsd-inprocess.ts';
import { decodeMessage } from '../../src/gbcs/index.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import {
  ACB,
  DSP_TRUST,
  deviceResponse,
  ESME,
  GSME,
  NETWORK_OPERATOR,
  networkSigner,
  OTHER_PARTY,
  OTHER_XML_CERT,
  openTestDsp,
  otherSigner,
  rtdsContent,
  SUPPLIER,
  signedRequest,
  supplierSigner,
  type TestDsp,
  templateRequest,
} from '../support/dsp-service.ts';

const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.UTC(2026, 0, 1);
const GCS16A_RESPONSE = rtdsContent('4.6.1_GCS16a/GCS16a_4.6.1_SUCCESS_RESPONSE_GBCS.HEX');

function checked(xml: string): DuisResponse {
  const v = validateAgainstDuisXsdInProcess(xml);
  assert.ok(v.valid, `XSD: ${v.errors.join('; ')}\n${xml}`);
  return verifyAndParseDuisResponse(xml, DSP_TRUST).response;
}

const kid = (n: DuisNode, name: string) => n.children.find((c) => c.name === name);

function schedule(o: {
  start: string;
  end?: string;
  time?: string;
  device?: string;
  srv?: string;
  choice?: string;
}) {
  const kids = [el('ScheduleFrequency', 'Daily'), el('ScheduleStartDate', o.start)];
  if (o.end) kids.push(el('ScheduleEndDate', o.end));
  if (o.time) kids.push(el('ScheduleExecutionStartTime', o.time));
  kids.push(
    el('DSPScheduledServiceReference', (o.srv ?? '4.6.1').split('.').slice(0, 2).join('.')),
    el('DSPScheduledServiceReferenceVariant', o.srv ?? '4.6.1'),
    el('DeviceID', o.device ?? '00-DB-12-34-56-78-90-A1'),
    el(o.choice ?? 'DSPRetrieveImportDailyReadLog', [
      el('StartDateOffset', '-1'),
      el('StartTime', '00:00:00Z'),
      el('EndDateOffset', '0'),
      el('EndTime', '00:00:00Z'),
    ]),
  );
  return el('CreateSchedule', kids);
}

describe('DSP schedules on the clock (5.1-5.3, DSP-scheduled responses, restart)', () => {
  let t: TestDsp;
  const clock = new VirtualClock(T0);
  let counter = 0n;
  const next = () => {
    const now = BigInt(clock.now());
    counter = counter < now ? now : counter + 1n;
    const last = t.dsp.lastCounter(SUPPLIER);
    if (last !== undefined && counter <= last) counter = last + 1n;
    return counter;
  };
  const nonDevice = (srv: string, body: DuisNode) => {
    const r = t.dsp.handleRequest(
      'serviceD',
      signedRequest({ target: ACB, counter: next(), cv: 8, srv, body }),
    );
    assert.equal(r.httpStatus, 200, r.body);
    return checked(r.body);
  };
  const at = (iso: string) => clock.runUntil(Date.parse(iso));
  const posts = () => t.transport.posts.map((p) => checked(p.xml));

  before(async () => {
    t = await openTestDsp('sqlite', { clock, xsdValidation: true });
  });
  after(async () => {
    await t?.close();
  });

  it('refuses schedules the DSP cannot run (PROVISIONAL E0501xx codes)', () => {
    const code = (b: DuisNode) => nonDevice('5.1', b).header.responseCode;
    assert.equal(code(schedule({ start: '2026-01-02', device: '00-DB-12-34-56-78-90-FF' })), 'E050101');
    assert.equal(code(schedule({ start: '2026-01-02', choice: 'DSPReadNetworkData' })), 'E050102');
    assert.equal(code(schedule({ start: '2026-01-05', end: '2026-01-02' })), 'E050105');
    assert.equal(code(schedule({ start: '2025-01-01', end: '2025-02-01' })), 'E050105'); // no run left
    assert.equal(t.dsp.records.schedules().length, 0);
  });

  let id = '';
  let firstRun: Uint8Array;

  it('5.1 keeps the schedule; at its time the DSP sends the device SR and forwards the response as DSPScheduledMessage', async () => {
    const created = nonDevice('5.1', schedule({ start: '2026-01-02', end: '2026-01-05', time: '01:30:00Z' }));
    assert.equal(created.header.responseCode, 'I0');
    assert.ok(created.body.kind === 'ResponseMessage' && created.body.payload?.type === 'Other');
    id = created.body.payload.node.text!;
    assert.equal(t.dsp.schedules.nextRuns().get(Number(id)), Date.parse('2026-01-02T01:30:00Z'));
    const sent = t.downlink.sent.length;
    at('2026-01-02T01:29:59.999Z');
    assert.equal(t.downlink.sent.length, sent, 'nothing before the run time');
    at('2026-01-02T01:30:00Z');
    assert.equal(t.downlink.sent.length, sent + 1);
    const cmd = t.downlink.last()!;
    firstRun = cmd.gbcs;
    const msg = decodeMessage(cmd.gbcs);
    assert.equal(msg.recipient, GSME);
    assert.equal(msg.originator, SUPPLIER);
    assert.equal(msg.originatorCounter, BigInt(Date.parse('2026-01-02T01:30:00Z')));
    const rec = t.dsp.request(cmd.requestId)!;
    assert.equal(rec.srv, '4.6.1');
    assert.equal(rec.state, 'sent');
    // the device answers; the user gets DSPScheduledMessage with the schedule's ID
    await t.dsp.onDeviceMessage({
      chf: cmd.chf,
      gbcs: deviceResponse(cmd.gbcs, GCS16A_RESPONSE),
      at: clock.now(),
    });
    clock.advance(0);
    await t.dsp.idle();
    const r = posts().at(-1)!;
    assert.equal(r.header.responseCode, 'I0');
    assert.equal(r.header.requestId, undefined);
    assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'Other');
    assert.equal(r.body.serviceReferenceVariant, '4.6.1');
    const m = r.body.payload.node;
    assert.equal(m.name, 'DSPScheduledMessage');
    assert.equal(kid(m, 'DSPScheduleID')?.text, id);
    const payload = Buffer.from(kid(m, 'GBCSPayload')!.text!, 'base64');
    assert.equal(decodeMessage(payload).cra, 'response');
    assert.equal(decodeMessage(payload).originatorCounter, msg.originatorCounter);
  });

  it('each run asks for its own period (the run date plus the offsets)', () => {
    at('2026-01-03T01:30:00Z');
    const cmd = t.downlink.last()!;
    assert.notDeepEqual(cmd.gbcs, firstRun);
    assert.equal(t.dsp.request(cmd.requestId)?.srv, '4.6.1');
    assert.equal(decodeMessage(cmd.gbcs).originatorCounter, BigInt(Date.parse('2026-01-03T01:30:00Z')));
  });

  it('5.2 reads the running schedule as created', () => {
    const r = nonDevice('5.2', el('ReadSchedule', [el('DSPScheduleID', id)]));
    assert.equal(r.header.responseCode, 'I0');
    assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'Other');
    const s = r.body.payload.node.children[0]!;
    assert.equal(kid(s, 'DSPScheduleID')?.text, id);
    assert.equal(kid(kid(s, 'DSPScheduleDetails')!, 'ScheduleExecutionStartTime')?.text, '01:30:00Z');
  });

  it('survives a restart; a run missed while down is caught up once at start-up, then the schedule ends', async () => {
    at('2026-01-03T12:00:00Z');
    await t.dsp.close();
    const sent = t.downlink.sent.length;
    clock.runUntil(Date.parse('2026-01-04T12:00:00Z')); // down across the 01-04 run
    assert.equal(t.downlink.sent.length, sent, 'a closed DSP sends nothing');
    const dsp: DspService = await t.restart();
    assert.equal(t.downlink.sent.length, sent + 1, 'the missed run, at start-up');
    const cmd = t.downlink.last()!;
    assert.equal(decodeMessage(cmd.gbcs).originatorCounter, BigInt(Date.parse('2026-01-04T12:00:00Z')));
    assert.equal(dsp.metrics.counter('schedules.catchUp').value, 1);
    assert.equal(dsp.schedules.nextRuns().get(Number(id)), Date.parse('2026-01-05T01:30:00Z'));
    // the catch-up run's response is still the schedule's
    await dsp.onDeviceMessage({
      chf: cmd.chf,
      gbcs: deviceResponse(cmd.gbcs, GCS16A_RESPONSE),
      at: clock.now(),
    });
    clock.advance(0);
    await dsp.idle();
    const scheduled = posts().filter(
      (p) =>
        p.body.kind === 'ResponseMessage' &&
        p.body.payload?.type === 'Other' &&
        p.header.responseCode === 'I0',
    );
    const r = scheduled.at(-1)!;
    assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'Other');
    assert.equal(kid(r.body.payload.node, 'DSPScheduleID')?.text, id);
    const gbcs = Buffer.from(kid(r.body.payload.node, 'GBCSPayload')!.text!, 'base64');
    assert.equal(decodeMessage(gbcs).originatorCounter, BigInt(Date.parse('2026-01-04T12:00:00Z')));
    // the 01-03 run, unanswered, expired while the DSP was down: E21 for its Request ID
    const e21 = posts().find((p) => p.header.responseCode === 'E21');
    assert.equal(e21?.body.kind === 'ResponseMessage' && e21.body.serviceReferenceVariant, '4.6.1');
    at('2026-01-05T01:30:00Z');
    assert.equal(t.downlink.sent.length, sent + 2, 'the last run (end date)');
    at('2026-01-08T00:00:00Z');
    assert.equal(t.downlink.sent.length, sent + 2, 'no run after the end date');
    assert.equal(dsp.records.schedule(Number(id))?.nextRunAt, null);
  });

  it('5.3 stops a running schedule; its id is gone for 5.2', () => {
    const c = nonDevice('5.1', schedule({ start: '2026-01-09', time: '06:00:00Z' }));
    assert.ok(c.body.kind === 'ResponseMessage' && c.body.payload?.type === 'Other');
    const id2 = c.body.payload.node.text!;
    at('2026-01-09T06:00:00Z');
    const sent = t.downlink.sent.length;
    assert.equal(
      nonDevice('5.3', el('DeleteSchedule', [el('DSPScheduleID', id2)])).header.responseCode,
      'I99',
    );
    at('2026-01-12T00:00:00Z');
    assert.equal(t.downlink.sent.length, sent);
    assert.equal(
      nonDevice('5.2', el('ReadSchedule', [el('DSPScheduleID', id2)])).header.responseCode,
      'E050201',
    );
    assert.equal(
      nonDevice('5.3', el('DeleteSchedule', [el('DSPScheduleID', id2)])).header.responseCode,
      'E050301',
    );
  });

  it('a run the SM WAN refuses is a signed, XSD-valid DCC alert CommandFailure', async () => {
    const c = nonDevice('5.1', schedule({ start: '2026-01-13' }));
    assert.ok(c.body.kind === 'ResponseMessage' && c.body.payload?.type === 'Other');
    const id3 = c.body.payload.node.text!;
    t.downlink.failWith = new Error('WAN down (test)');
    at('2026-01-13T00:00:00Z');
    t.downlink.failWith = undefined;
    clock.advance(0);
    await t.dsp.idle();
    const a = posts().at(-1)!;
    assert.ok(a.body.kind === 'DCCAlertMessage');
    assert.equal(a.body.alert.name, 'CommandFailure');
    assert.equal(kid(a.body.alert, 'DSPScheduleID')?.text, id3);
    assert.equal(kid(a.body.alert, 'DeviceID')?.text, '00-DB-12-34-56-78-90-A1');
    assert.equal(t.dsp.metrics.counter('schedules.failed').value, 1);
    // the schedule goes on: the next day's run is sent
    const sent = t.downlink.sent.length;
    at('2026-01-14T00:00:00Z');
    assert.equal(t.downlink.sent.length, sent + 1);
  });

  it('within one day of virtual time a schedule runs once (no drift, no double runs)', () => {
    const sent = t.downlink.sent.length;
    clock.runUntil(clock.now() + DAY - 1);
    assert.equal(t.downlink.sent.length, sent);
    clock.advance(1);
    assert.equal(t.downlink.sent.length, sent + 1);
  });
});

describe('DSP removes schedules itself: DCC alert DSPScheduleRemoval (XSD-valid, signed)', () => {
  let t: TestDsp;
  const clock = new VirtualClock(T0);
  let counter = BigInt(T0);
  const next = () => {
    counter += 1n;
    return counter;
  };
  const create = (user: string, signer: XmlSigner, device: string, start = '2026-01-02') => {
    // 4.6.1 for the GSME, 4.8.1 for the ESME (the DSP's transforms per device type)
    const esme = device === ESME;
    const r = t.dsp.handleRequest(
      'serviceD',
      signedRequest(
        {
          originator: user,
          target: ACB,
          counter: next(),
          cv: 8,
          srv: '5.1',
          body: schedule({
            start,
            device: device.replace(/(..)(?!$)/g, '$1-'),
            ...(esme ? { srv: '4.8.1', choice: 'DSPReadActiveImportProfileData' } : {}),
          }),
        },
        signer,
      ),
    );
    const c = checked(r.body);
    assert.equal(c.header.responseCode, 'I0', r.body);
    assert.ok(c.body.kind === 'ResponseMessage' && c.body.payload?.type === 'Other');
    return c.body.payload.node.text!;
  };
  const nonDevice = (srv: string, body: DuisNode) =>
    checked(
      t.dsp.handleRequest('serviceD', signedRequest({ target: ACB, counter: next(), cv: 8, srv, body })).body,
    );
  /** The DSPScheduleRemoval alerts posted since `from`: [user receive URL, schedule id, device]. */
  const removals = (from: number) =>
    t.transport.posts.slice(from).flatMap((p) => {
      const r = checked(p.xml);
      if (r.body.kind !== 'DCCAlertMessage' || r.body.alert.name !== 'DSPScheduleRemoval') return [];
      assert.equal(r.body.dccAlertCode, 'N999', 'PROVISIONAL DCCAlertCode');
      assert.equal(r.header.responseCode, 'I0');
      return [[p.url, kid(r.body.alert, 'DSPScheduleID')?.text, kid(r.body.alert, 'DeviceID')?.text]];
    });
  const settle = async () => {
    clock.advance(0);
    await t.dsp.idle();
  };

  before(async () => {
    t = await openTestDsp('sqlite', { clock, xsdValidation: true });
    t.dsp.registerUser({
      eui: OTHER_PARTY,
      name: 'previous import supplier',
      roles: ['IS'],
      xmlSigningCertificates: [OTHER_XML_CERT],
      receiveUrl: 'http://127.0.0.1:9/receive-other',
    });
  });
  after(async () => {
    await t?.close();
  });

  it('5.3 Delete Schedule is answered (I99) and sends no DSPScheduleRemoval', async () => {
    const id = create(SUPPLIER, supplierSigner, GSME);
    const from = t.transport.posts.length;
    assert.equal(
      nonDevice('5.3', el('DeleteSchedule', [el('DSPScheduleID', id)])).header.responseCode,
      'I99',
    );
    await settle();
    assert.deepEqual(removals(from), []);
  });

  it('8.3 Decommission: every schedule on the device removed, its user told, no run after', async () => {
    const a = create(SUPPLIER, supplierSigner, GSME);
    const b = create(SUPPLIER, supplierSigner, GSME, '2026-01-03');
    const from = t.transport.posts.length;
    const sent = t.downlink.sent.length;
    assert.equal(
      nonDevice('8.3', el('DecommissionDevice', [el('DeviceID', '00-DB-12-34-56-78-90-A1')])).header
        .responseCode,
      'I99',
    );
    await settle();
    const url = t.dsp.user(SUPPLIER)!.receiveUrl;
    assert.deepEqual(removals(from), [
      [url, a, '00-DB-12-34-56-78-90-A1'],
      [url, b, '00-DB-12-34-56-78-90-A1'],
    ]);
    assert.equal(t.dsp.records.schedules().length, 0);
    clock.runUntil(Date.parse('2026-01-05T00:00:00Z'));
    assert.equal(t.downlink.sent.length, sent, 'no run for a removed schedule');
    assert.equal(t.dsp.metrics.counter('schedules.removed.decommissioned').value, 2);
  });

  it("6.23 change of supplier: the previous import supplier's schedule on the ESME is removed; the distributor's stays", async () => {
    const old = create(SUPPLIER, supplierSigner, ESME, '2026-01-06');
    const dno = create(NETWORK_OPERATOR, networkSigner, ESME, '2026-01-06');
    const from = t.transport.posts.length;
    // the new import supplier (OTHER_PARTY) takes the ESME
    const reply = t.dsp.handleRequest(
      'serviceS',
      templateRequest('CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML', {
        counter: next(),
        originator: OTHER_PARTY,
        signer: otherSigner,
      }),
    );
    assert.equal(checked(reply.body).header.responseCode, 'I99', reply.body);
    await settle();
    assert.deepEqual(removals(from), [[t.dsp.user(SUPPLIER)!.receiveUrl, old, '00-DB-12-34-56-78-90-A0']]);
    assert.deepEqual(
      t.dsp.records.schedules().map((s) => String(s.scheduleId)),
      [dno],
    );
  });

  it('a device leaving the inventory takes its schedules with it (DSPScheduleRemoval to each owner)', async () => {
    const from = t.transport.posts.length;
    t.dsp.removeInventoryDevice(ESME);
    await settle();
    assert.deepEqual(
      removals(from)
        .map((x) => x[0])
        .sort(),
      [t.dsp.user(NETWORK_OPERATOR)!.receiveUrl],
    );
    assert.equal(t.dsp.records.schedules().length, 0);
  });
});
