/**
 * Command Variants 3-8 and what follows them, in process under a
 * VirtualClock: CV 3 (Local Command and WAN), CV 4 -> user signs -> CV 5/6/7
 * (DSP-2), 8.1.1 with the no-WAN commissioning policy (DSP-3), 8.13 Return
 * Local Command Response, DSP-6 (one answer when both routes delivered),
 * device alerts, expiry (E21), DSP-scheduled commands, and a DSP restart.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  ACB,
  CHF,
  DSP_TRUST,
  deviceResponse,
  ESME,
  openTestDsp,
  PPMID,
  RTDS_INVENTORY,
  rtds,
  rtdsContent,
  rtdsSecurity,
  SUPPLIER,
  SUPPLIER_USER,
  signedRequest,
  type TestDsp,
  templateRequest,
} from '../../../test/support/dsp-service.ts';
import { forEachStoreKind } from '../../adapters/store/testing.ts';
import {
  type DuisResponse,
  returnLocalCommandResponseBody,
  signedPreCommandBody,
  synchroniseClockBody,
  verifyAndParseDuisResponse,
} from '../../duis/index.ts';
import { decodeMessage, encodeApdu } from '../../gbcs/index.ts';
import { toHex } from '../../runtime/bytes.ts';
import type { DspReply } from './service.ts';
import { dspDb } from './tables.ts';

const ECS17B = 'ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML';
const ECS17B_RESPONSE = '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX';
const ECS70 = 'ECS70_6.11_SUCCESS_REQUEST_DUIS.XML';
const ECS70_RESPONSE = '6.11_ECS70/ECS70_6.11_SUCCESS_RESPONSE_GBCS.HEX';

function parsed(reply: DspReply): DuisResponse {
  assert.equal(reply.contentType, 'application/xml', reply.body);
  return verifyAndParseDuisResponse(reply.body, DSP_TRUST).response;
}

function localCommand(reply: DspReply): Uint8Array {
  const r = parsed(reply);
  assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'LocalCommand', reply.body);
  return r.body.payload.gbcs;
}

async function settle(t: TestDsp): Promise<void> {
  t.clock.advance(0);
  await t.dsp.idle();
}

function posted(t: TestDsp): DuisResponse[] {
  return t.transport.posts.map((p) => verifyAndParseDuisResponse(p.xml, DSP_TRUST).response);
}

/** CV 4 then the supplier signs the Pre-Command with its DS key. */
function signedPreCommandFor(t: TestDsp, counter: bigint, file = ECS70): Uint8Array {
  const reply = t.dsp.handleRequest('serviceT', templateRequest(file, { counter }));
  const r = parsed(reply);
  assert.equal(r.header.responseCode, 'I0', reply.body);
  assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'PreCommand');
  return rtdsSecurity().sign(r.body.payload.gbcs);
}

function signedPreCommandRequest(counter: bigint, cv: 5 | 6 | 7, gbcs: Uint8Array, srv = '6.11'): string {
  return signedRequest({ target: ESME, counter, cv, srv, body: signedPreCommandBody({ gbcsPayload: gbcs }) });
}

describe('DSP service: Command Variants 3-8', () => {
  let t: TestDsp;
  beforeEach(async () => {
    t = await openTestDsp('sqlite');
  });
  afterEach(async () => {
    await t?.close();
  });

  it('CV 3: I99 with the Local Command, the same command over the WAN, one I0 later', async () => {
    const reply = t.dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 1000n, cv: 3 }));
    assert.equal(parsed(reply).header.responseCode, 'I99');
    const local = localCommand(reply);
    assert.equal(t.downlink.sent.length, 1);
    assert.equal(toHex(t.downlink.sent[0].gbcs), toHex(local), 'one command, two routes');
    assert.equal(t.dsp.request(reply.requestId!)?.state, 'sent-and-issued');
    t.dsp.onDeviceMessage({
      chf: CHF,
      gbcs: deviceResponse(local, rtdsContent(ECS17B_RESPONSE)),
      at: t.clock.now(),
    });
    await settle(t);
    assert.deepEqual(
      posted(t).map((r) => r.header.responseCode),
      ['I0'],
    );
  });

  it('CV 4 returns the Pre-Command (the RTDS bytes); CV 5 checks the signature (DSP-2), MACs it and sends it', async () => {
    const reply = t.dsp.handleRequest('serviceT', templateRequest(ECS70, { counter: 1000n }));
    const r = parsed(reply);
    assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'PreCommand');
    assert.equal(
      toHex(r.body.payload.gbcs),
      toHex(rtds('6.11_ECS70/ECS70_6.11_SUCCESS_PRECOMMAND_GBCS.HEX')),
    );
    assert.equal(t.downlink.sent.length, 0, 'CV 4 sends nothing');
    assert.equal(t.dsp.request(reply.requestId!)?.state, 'pre-command-issued');
    const signed = rtdsSecurity().sign(r.body.payload.gbcs);
    const five = t.dsp.handleRequest('serviceS', signedPreCommandRequest(1000n, 5, signed));
    assert.equal(parsed(five).header.responseCode, 'I99', five.body);
    assert.equal(t.downlink.sent.length, 1);
    const cmd = rtdsSecurity().decodeVerify(t.downlink.sent[0].gbcs);
    assert.equal(cmd.mac, 'valid', 'ACB MAC');
    assert.equal(cmd.signature, 'valid', 'user signature kept');
    assert.equal(toHex(cmd.message.apdu), toHex(signed));
    // the device's signed RTDS response (same counter) comes back over the WAN
    t.dsp.onDeviceMessage({ chf: CHF, gbcs: rtds(ECS70_RESPONSE), at: t.clock.now() });
    await settle(t);
    const [resp] = posted(t);
    assert.equal(resp.header.responseCode, 'I0');
    assert.ok(resp.body.kind === 'ResponseMessage' && resp.body.payload?.type === 'GBCSPayload');
    assert.equal(toHex(resp.body.payload.gbcs), toHex(rtds(ECS70_RESPONSE)));
  });

  it('CV 5 is refused when the signature does not verify, or the signed content is not the issued Pre-Command', () => {
    const signed = signedPreCommandFor(t, 2000n);
    const bad = signed.slice();
    bad[bad.length - 1] ^= 1;
    const r1 = t.dsp.handleRequest('serviceS', signedPreCommandRequest(2000n, 5, bad));
    assert.equal(r1.httpStatus, 400);
    assert.equal(r1.error, 'DSP_SIGNATURE_INVALID');
    // a different (validly signed) pre-command for the same Request ID: not what the DSP issued
    const other = decodeMessage(signed);
    const forged = rtdsSecurity().sign(
      encodeApdu({
        cra: 'command',
        originatorCounter: other.originatorCounter,
        originator: other.originator,
        recipient: other.recipient,
        otherInfo: other.otherInfo,
        content: Uint8Array.from([
          ...other.content.subarray(0, -1),
          other.content[other.content.length - 1] ^ 1,
        ]),
      }),
    );
    const r2 = t.dsp.handleRequest('serviceS', signedPreCommandRequest(2000n, 5, forged));
    assert.equal(r2.error, 'DSP_PRE_COMMAND_MISMATCH');
    assert.equal(t.downlink.sent.length, 0);
    // the genuine one still works, once
    assert.equal(
      t.dsp.handleRequest('serviceS', signedPreCommandRequest(2000n, 5, signed)).responseCode,
      'I99',
    );
    const again = t.dsp.handleRequest('serviceS', signedPreCommandRequest(2000n, 5, signed));
    assert.equal(again.httpStatus, 409);
    assert.equal(again.error, 'DSP_COUNTER_REPLAY');
  });

  it('CV 6: a Signed Pre-Command for local delivery only; CV 7: local and WAN', () => {
    const six = t.dsp.handleRequest(
      'serviceD',
      signedPreCommandRequest(3000n, 6, signedPreCommandFor(t, 3000n)),
    );
    assert.equal(parsed(six).header.responseCode, 'I0');
    const local6 = localCommand(six);
    assert.equal(rtdsSecurity().decodeVerify(local6).mac, 'valid');
    assert.equal(t.downlink.sent.length, 0);
    const seven = t.dsp.handleRequest(
      'serviceS',
      signedPreCommandRequest(3001n, 7, signedPreCommandFor(t, 3001n)),
    );
    assert.equal(parsed(seven).header.responseCode, 'I99');
    assert.equal(toHex(localCommand(seven)), toHex(t.downlink.sent[0].gbcs));
  });

  it('8.1.1 Commission Device: local delivery (CV 6) only with the no-WAN commissioning policy (DSP-3)', async () => {
    const commission = (counter: bigint) =>
      signedRequest({
        target: ESME,
        counter,
        cv: 4,
        srv: '8.1.1',
        body: synchroniseClockBody(
          { currentDateTime: new Date(t.clock.now()), tolerancePeriod: 60 },
          'CommissionDeviceSynchroniseClock',
        ),
      });
    const pre = (counter: bigint) => {
      const r = parsed(t.dsp.handleRequest('serviceT', commission(counter)));
      assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'PreCommand');
      return rtdsSecurity().sign(r.body.payload.gbcs);
    };
    const refused = t.dsp.handleRequest('serviceD', signedPreCommandRequest(4000n, 6, pre(4000n), '8.1.1'));
    assert.equal(parsed(refused).header.responseCode, 'E17');
    t.dsp.registerUser({ ...SUPPLIER_USER, policies: { noWanCommissioning: true } });
    const ok = t.dsp.handleRequest('serviceD', signedPreCommandRequest(4001n, 6, pre(4001n), '8.1.1'));
    assert.equal(parsed(ok).header.responseCode, 'I0', ok.body);
    localCommand(ok);
    // CV 5 over the WAN never needed the policy
    t.dsp.registerUser({ ...SUPPLIER_USER, policies: { noWanCommissioning: false } });
    const five = t.dsp.handleRequest('serviceS', signedPreCommandRequest(4002n, 5, pre(4002n), '8.1.1'));
    assert.equal(parsed(five).header.responseCode, 'I99', five.body);
  });

  it('DSP-6: CV 3 delivered by both routes, the meter answers twice (success, then replay rejection): one POST', async () => {
    const reply = t.dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 1000n, cv: 3 }));
    const cmd = localCommand(reply);
    const first = deviceResponse(cmd, rtdsContent(ECS17B_RESPONSE));
    const replayRejection = deviceResponse(
      cmd,
      rtdsContent('4.1.1_ECS17b/ECS17b_4.1.1_ERROR_RESPONSE_GBCS.HEX'),
    );
    t.dsp.onDeviceMessage({ chf: CHF, gbcs: first, at: t.clock.now() });
    t.clock.advance(5_000);
    t.dsp.onDeviceMessage({ chf: CHF, gbcs: replayRejection, at: t.clock.now() });
    await settle(t);
    const got = posted(t);
    assert.equal(got.length, 1, 'the user gets one answer');
    assert.ok(got[0].body.kind === 'ResponseMessage' && got[0].body.payload?.type === 'GBCSPayload');
    assert.equal(toHex(got[0].body.payload.gbcs), toHex(first));
    const rec = t.dsp.request(reply.requestId!)!;
    assert.equal(rec.responseCount, 2);
    assert.equal(rec.responseRoute, 'wan');
    const rows = await dspDb(t.store.db)
      .selectFrom('dsp_device_messages')
      .select(['disposition', 'request_id'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      rows.map((r) => r.disposition),
      ['forwarded', 'duplicate'],
    );
  });

  it('8.13 returns a locally captured response: forwarded once; the WAN copy later is a duplicate (DSP-6)', async () => {
    const reply = t.dsp.handleRequest('serviceD', templateRequest(ECS17B, { counter: 1000n, cv: 2 }));
    const cmd = localCommand(reply);
    const resp = deviceResponse(cmd, rtdsContent(ECS17B_RESPONSE));
    const back = t.dsp.handleRequest(
      'serviceD',
      signedRequest({
        target: ACB,
        counter: 1001n,
        cv: 8,
        srv: '8.13',
        body: returnLocalCommandResponseBody({
          originalRequestId: { originator: SUPPLIER, target: ESME, counter: 1000n },
          deviceGbcsResponse: resp,
        }),
      }),
    );
    assert.equal(parsed(back).header.responseCode, 'I99', back.body);
    t.dsp.onDeviceMessage({ chf: CHF, gbcs: resp, at: t.clock.now() });
    await settle(t);
    const got = posted(t);
    assert.equal(got.length, 1);
    assert.equal(got[0].header.requestId?.counter, 1000n);
    assert.equal(t.dsp.request(reply.requestId!)?.responseRoute, 'local');
  });

  it('8.13 refuses what does not answer a command it handed out (PROVISIONAL E0813xx codes)', () => {
    const reply = t.dsp.handleRequest('serviceD', templateRequest(ECS17B, { counter: 1000n, cv: 2 }));
    const cmd = localCommand(reply);
    const wan = t.dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 1001n, cv: 1 }));
    assert.equal(wan.responseCode, 'I99');
    const good = deviceResponse(cmd, rtdsContent(ECS17B_RESPONSE));
    const tampered = good.slice();
    tampered[tampered.length - 20] ^= 1; // inside the APDU: the MAC no longer verifies
    let counter = 2000n;
    const send = (original: bigint | undefined, gbcs: Uint8Array) =>
      parsed(
        t.dsp.handleRequest(
          'serviceD',
          signedRequest({
            target: ACB,
            counter: counter++,
            cv: 8,
            srv: '8.13',
            body: returnLocalCommandResponseBody({
              ...(original === undefined
                ? {}
                : { originalRequestId: { originator: SUPPLIER, target: ESME, counter: original } }),
              deviceGbcsResponse: gbcs,
            }),
          }),
        ),
      ).header.responseCode;
    assert.equal(send(999n, good), 'E081301', 'unknown original request');
    assert.equal(
      send(1001n, deviceResponse(t.downlink.sent[0].gbcs, rtdsContent(ECS17B_RESPONSE))),
      'E081301',
      'a WAN-only request',
    );
    assert.equal(send(1000n, cmd), 'E081302', 'a command is not a response');
    // XSD-valid (xs:base64Binary may be empty), no GBCS message: E081302, not an XSD refusal (issue 17)
    assert.equal(send(1000n, new Uint8Array(0)), 'E081302', 'an empty DeviceGBCSResponse');
    assert.equal(
      send(1000n, deviceResponse(t.downlink.sent[0].gbcs, rtdsContent(ECS17B_RESPONSE))),
      'E081302',
      'answers another request',
    );
    assert.equal(send(1000n, tampered), 'E081303', 'MAC does not verify');
    assert.equal(
      send(undefined, good),
      'I99',
      'OriginalRequestID is optional: the GBCS header finds the request',
    );
  });

  it('an alert goes to the user it is addressed to as a DeviceAlertMessage', async () => {
    const alert = rtds('NA_GCA-DLMS/GCA-DLMS_NA_8F30_ALERT_GBCS.HEX');
    t.dsp.onDeviceMessage({ chf: CHF, gbcs: alert, at: t.clock.now() });
    await settle(t);
    const [a] = posted(t);
    assert.ok(a.body.kind === 'DeviceAlertMessage');
    assert.equal(a.body.alertCode, '8F30');
    assert.equal(toHex(a.body.gbcsPayload), toHex(alert));
    assert.equal(a.header.responseId?.originator, ESME);
    assert.equal(a.header.responseId?.target, SUPPLIER);
  });

  it('unmatched and malformed device messages are recorded, not forwarded', async () => {
    t.dsp.onDeviceMessage({ chf: CHF, gbcs: rtds(ECS17B_RESPONSE), at: t.clock.now() });
    t.dsp.onDeviceMessage({ chf: CHF, gbcs: Uint8Array.of(0xdd, 0x00, 0x01), at: t.clock.now() });
    await settle(t);
    assert.equal(t.transport.posts.length, 0);
    const rows = await dspDb(t.store.db)
      .selectFrom('dsp_device_messages')
      .select('disposition')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      rows.map((r) => r.disposition),
      ['unmatched', 'malformed'],
    );
  });

  it('no device response in time: E21 to the user; a late response is recorded, not forwarded', async () => {
    const reply = t.dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 1000n }));
    t.clock.advance(t.dsp.responseTimeoutMs);
    await settle(t);
    assert.equal(t.dsp.request(reply.requestId!)?.state, 'expired');
    const got = posted(t);
    assert.deepEqual(
      got.map((r) => r.header.responseCode),
      ['E21'],
    );
    t.dsp.onDeviceMessage({
      chf: CHF,
      gbcs: deviceResponse(t.downlink.sent[0].gbcs, rtdsContent(ECS17B_RESPONSE)),
      at: t.clock.now(),
    });
    await settle(t);
    assert.equal(t.transport.posts.length, 1);
  });

  it('a DSP-future-dated read (4.1.1 ExecutionDateTime) is held and sent at its time', async () => {
    const at = t.clock.now() + 3600_000;
    const xml = templateRequest('ECS17b_4.1.1_DSP_FUTURE_DATED_REQUEST_DUIS.XML', {
      counter: 1000n,
      edit: (x) =>
        x.replace(/<sr:ExecutionDateTime>[^<]+</, `<sr:ExecutionDateTime>${new Date(at).toISOString()}<`),
    });
    const reply = t.dsp.handleRequest('serviceS', xml);
    assert.equal(reply.responseCode, 'I99');
    assert.equal(t.downlink.sent.length, 0);
    assert.equal(t.dsp.request(reply.requestId!)?.state, 'scheduled');
    t.clock.runUntil(at - 1);
    assert.equal(t.downlink.sent.length, 0);
    t.clock.runUntil(at);
    assert.equal(t.downlink.sent.length, 1);
    assert.equal(t.dsp.request(reply.requestId!)?.state, 'sent');
  });

  it('the Receive Response Service is retried until it answers 2xx', async () => {
    t.transport.script.push(503, 0, 500);
    const reply = t.dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 1000n }));
    t.dsp.onDeviceMessage({
      chf: CHF,
      gbcs: deviceResponse(t.downlink.sent[0].gbcs, rtdsContent(ECS17B_RESPONSE)),
      at: t.clock.now(),
    });
    await settle(t);
    assert.equal(t.transport.posts.length, 0);
    for (const d of t.dsp.outbox.retryDelaysMs.slice(0, 3)) {
      t.clock.advance(d);
      await t.dsp.idle();
    }
    assert.equal(t.transport.posts.length, 1);
    assert.equal(t.dsp.outbox.size, 0);
    const row = await dspDb(t.store.db).selectFrom('dsp_outbox').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.state, 'delivered');
    assert.equal(row.attempts, 4);
    assert.equal(row.request_id, reply.requestId);
  });
});

describe('DSP service: a restart loses nothing', () => {
  forEachStoreKind((kind) => {
    it('an open request, counters and a pending POST survive close and reopen', async () => {
      const t = await openTestDsp(kind);
      try {
        const reply = t.dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 1000n, cv: 3 }));
        const cmd = t.downlink.sent[0].gbcs;
        t.dsp.setRelayEnabled(PPMID, true);
        t.dsp.setChIsolated(CHF, true);
        await t.dsp.flush();
        let dsp = await t.restart();
        assert.equal(dsp.request(reply.requestId!)?.state, 'sent-and-issued');
        assert.equal(dsp.lastCounter(SUPPLIER), 1000n);
        assert.equal(dsp.inventory.all().length, RTDS_INVENTORY.length);
        assert.equal(dsp.inventory.relayEnabledOf(PPMID), true, 'relay flag kept (C3)');
        assert.equal(dsp.inventory.isIsolated(CHF), true, 'CH isolation kept (DSP-5)');
        assert.equal(
          dsp.handleRequest('serviceS', templateRequest(ECS17B, { counter: 1000n })).httpStatus,
          409,
        );
        // the response arrives while the user's service is down; then the DSP restarts again
        t.transport.script.push(503);
        dsp.onDeviceMessage({
          chf: CHF,
          gbcs: deviceResponse(cmd, rtdsContent(ECS17B_RESPONSE)),
          at: t.clock.now(),
        });
        await settle(t);
        assert.equal(t.transport.posts.length, 0);
        dsp = await t.restart();
        assert.equal(dsp.outbox.size, 1, 'the pending POST was reloaded');
        t.clock.advance(60_000);
        await dsp.idle();
        assert.equal(t.transport.posts.length, 1);
        // the duplicate after the restart is still recognised (DSP-6)
        dsp.onDeviceMessage({
          chf: CHF,
          gbcs: deviceResponse(cmd, rtdsContent(ECS17B_RESPONSE)),
          at: t.clock.now(),
        });
        await settle(t);
        assert.equal(t.transport.posts.length, 1);
        assert.equal(dsp.request(reply.requestId!)?.responseCount, 2);
      } finally {
        await t.close();
      }
    });
  });
});
