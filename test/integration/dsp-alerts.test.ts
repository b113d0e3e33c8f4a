/**
 * Issue 17: device alerts reach the user as the DCC sends them. For every
 * alert code of the project's alert-code table (GBCS Table 16.2 rows and
 * the PROVISIONAL SECMP0038 codes), an alert from a meter (and from the
 * CHF) becomes a signed, XSD-valid DUIS DeviceAlertMessage (AlertCode, the
 * whole GBCS message as GBCSPayload, ResponseID device:user:counter) POSTed
 * to the addressed user's Receive Response Service; one addressed to the ACB
 * goes to the Supplementary Remote Party; one for nobody is recorded, not
 * posted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFutureDatedAlertNode } from '../../src/dcc/dsp/future-dated-alerts.ts';
import { gbcsAlertContent } from '../../src/devices/chf/alerts.ts';
import { type DuisResponse, signedPreCommandBody, verifyAndParseDuisResponse } from '../../src/duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../src/duis/xsd-inprocess.ts';
import { ALERT_CODES } from '../../src/gbcs/codes/alert-codes.ts';
import { decodeMessage } from '../../src/gbcs/decode.ts';
import { cosemDateTimeFromDate, gbcsInvokeId } from '../../src/gbcs/payload/dlms.ts';
import { fromHex, toHex } from '../../src/runtime/bytes.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import {
  ACB,
  CHF,
  DSP_TRUST,
  ESME,
  GSME,
  NETWORK_OPERATOR,
  openTestDsp,
  rtds,
  rtdsSecurity,
  SUPPLIER,
  signedRequest,
  type TestDsp,
  templateRequest,
} from '../support/dsp-service.ts';

const when = cosemDateTimeFromDate(new Date(Date.UTC(2026, 0, 1)));
const security = rtdsSecurity();
let counter = 0n;

function alert(code: number, from: string, to: string, behind?: string, mac = true): Uint8Array {
  const c = gbcsAlertContent(code, [], gbcsInvokeId(++counter), when, 'test');
  return security.seal(
    {
      cra: 'alert',
      originatorCounter: counter,
      originator: from,
      recipient: to,
      otherInfo: {
        messageCode: c.messageCode,
        supplementaryRemotePartyId: behind ?? null,
        supplementaryRemotePartyCounter: null,
        supplementaryOriginatorCounter: null,
        certificate: null,
      },
      content: c.content,
    },
    { sign: false, mac },
  );
}

const u64Hex = (v: bigint) => v.toString(16).toUpperCase().padStart(16, '0');

function checked(xml: string): DuisResponse {
  const v = validateAgainstDuisXsdInProcess(xml);
  assert.ok(v.valid, `XSD: ${v.errors.join('; ')}\n${xml}`);
  return verifyAndParseDuisResponse(xml, DSP_TRUST).response;
}

/**
 * A DSP on a virtual clock, opened before the suite and closed after it, and
 * the POSTs one device message from the CHF causes.
 */
function alertDsp() {
  const clock = new VirtualClock();
  const d = {
    t: undefined as unknown as TestDsp,
    async posts(gbcs: Uint8Array) {
      const before = d.t.transport.posts.length;
      await d.t.dsp.onDeviceMessage({ chf: CHF, gbcs, at: clock.now() });
      clock.advance(0);
      await d.t.dsp.idle();
      return d.t.transport.posts.slice(before);
    },
  };
  before(async () => {
    d.t = await openTestDsp('sqlite', { clock, xsdValidation: true });
  });
  after(async () => {
    await d.t?.close();
  });
  return d;
}

describe('device alerts to the user (DeviceAlertMessage), every code of the alert table', () => {
  const d = alertDsp();

  async function deliver(gbcs: Uint8Array): Promise<DuisResponse | undefined> {
    const p = await d.posts(gbcs);
    assert.ok(p.length <= 1, 'one POST per alert');
    return p[0] && checked(p[0].xml);
  }

  assert.ok(ALERT_CODES.length > 50, 'the alert-code table');
  for (const a of ALERT_CODES) {
    const hex = a.code.toString(16).toUpperCase().padStart(4, '0');
    it(`${hex} ${a.name}${a.provisional ? ' (PROVISIONAL)' : ''}: from the ESME to the supplier, and from the CHF via the ACB`, async () => {
      for (const [from, to, behind, user] of [
        [ESME, SUPPLIER, undefined, SUPPLIER],
        [CHF, ACB, NETWORK_OPERATOR, NETWORK_OPERATOR],
      ] as const) {
        const gbcs = alert(a.code, from, to, behind);
        const r = await deliver(gbcs);
        assert.ok(r, `alert ${hex} posted`);
        assert.equal(r.header.responseCode, 'I0');
        assert.equal(r.header.requestId, undefined);
        assert.deepEqual(r.header.responseId, { originator: from, target: user, counter });
        assert.ok(r.body.kind === 'DeviceAlertMessage');
        assert.equal(r.body.alertCode, hex);
        assert.deepEqual(Buffer.from(r.body.gbcsPayload), Buffer.from(gbcs));
      }
    });
  }

  it('an alert for no registered user is recorded (alert-unroutable), not posted', async () => {
    const before = d.t.dsp.metrics.counter('deviceMessages.alert-unroutable').value;
    assert.equal(await deliver(alert(0x8f01, ESME, '00DB123456789999', undefined, false)), undefined);
    assert.equal(d.t.dsp.metrics.counter('deviceMessages.alert-unroutable').value, before + 1);
  });

  it('every alert posted went to the user it names (receive URL)', () => {
    const urls = new Set(d.t.transport.posts.map((p) => p.url));
    assert.deepEqual(
      [...urls].sort(),
      [d.t.dsp.user(SUPPLIER)!.receiveUrl, d.t.dsp.user(NETWORK_OPERATOR)!.receiveUrl].sort(),
    );
  });
});

describe('future-dated alerts 8F66 / 8F67 to the user (FutureDatedDeviceAlertMessage)', () => {
  const d = alertDsp();

  async function deliver(gbcs: Uint8Array): Promise<DuisResponse> {
    const p = await d.posts(gbcs);
    assert.equal(p.length, 1, 'one POST per alert');
    return checked(p[0]!.xml);
  }

  function futureDated(r: DuisResponse) {
    assert.ok(r.body.kind === 'ResponseMessage', `a ResponseMessage, not ${r.body.kind}`);
    assert.ok(
      r.body.payload?.type === 'Other' && r.body.payload.node.name === 'FutureDatedDeviceAlertMessage',
    );
    return { srv: r.body.serviceReferenceVariant, ...readFutureDatedAlertNode(r.body.payload.node) };
  }

  it("GCS03 1.6 future dated (CV 4 -> signed -> CV 5), then the RTDS 8F66: the request's SRV and RequestID, instruction 1 of 1", async () => {
    const file = 'GCS03_1.6_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML';
    const four = verifyAndParseDuisResponse(
      d.t.dsp.handleRequest('serviceT', templateRequest(file, { counter: 1005n })).body,
      DSP_TRUST,
    ).response;
    assert.ok(four.body.kind === 'ResponseMessage' && four.body.payload?.type === 'PreCommand');
    const signed = security.sign(four.body.payload.gbcs);
    const five = d.t.dsp.handleRequest(
      'serviceS',
      signedRequest({
        target: GSME,
        counter: 1005n,
        cv: 5,
        srv: '1.6',
        body: signedPreCommandBody({ gbcsPayload: signed }),
      }),
    );
    assert.equal(
      verifyAndParseDuisResponse(five.body, DSP_TRUST).response.header.responseCode,
      'I99',
      five.body,
    );
    const gbcs = rtds('1.6_GCS03/GCS03_1.6_8F66_FUTURE_DATED_SUCCESS_ALERT_CHANGE_PAYMENT_MODE_GBCS.HEX');
    const r = await deliver(gbcs);
    assert.equal(r.header.responseCode, 'I0');
    assert.deepEqual(r.header.requestId, { originator: SUPPLIER, target: GSME, counter: 1005n });
    assert.deepEqual(r.header.responseId?.originator, GSME);
    const f = futureDated(r);
    assert.equal(f.srv, '1.6');
    assert.equal(f.alertCode, '8F66');
    assert.deepEqual(Buffer.from(f.gbcs), Buffer.from(gbcs));
    assert.deepEqual([f.instructionNumber, f.totalInstructions], [1, 1]);
  });

  it('ECS01c 1.1.2: three 8F66 of one command, the request unknown to this DSP: SRV from the catalogue, no RequestID, instructions 1-3 of 3', async () => {
    const seen: number[] = [];
    for (const name of ['SWITCHING_TABLE', 'PRICE_MATRIX', 'SPECIAL_DAYS']) {
      const r = await deliver(
        rtds(`1.1.2_ECS01c/ECS01c_1.1.2_8F66_FUTURE_DATED_SUCCESS_ALERT_${name}_GBCS.HEX`),
      );
      assert.equal(r.header.requestId, undefined);
      const f = futureDated(r);
      assert.equal(f.srv, '1.1.2');
      assert.equal(f.totalInstructions, 3);
      seen.push(f.instructionNumber);
    }
    assert.deepEqual(seen.sort(), [1, 2, 3]);
  });

  it("8F67 of a GCS03 1.6 request (the RTDS alert re-sealed with 8F67 and the request's counter)", async () => {
    const file = 'GCS03_1.6_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML';
    const four = verifyAndParseDuisResponse(
      d.t.dsp.handleRequest('serviceT', templateRequest(file, { counter: 1_006n })).body,
      DSP_TRUST,
    ).response;
    assert.ok(four.body.kind === 'ResponseMessage' && four.body.payload?.type === 'PreCommand');
    const signed = security.sign(four.body.payload.gbcs);
    d.t.dsp.handleRequest(
      'serviceS',
      signedRequest({
        target: GSME,
        counter: 1_006n,
        cv: 5,
        srv: '1.6',
        body: signedPreCommandBody({ gbcsPayload: signed }),
      }),
    );
    const rtdsAlert = decodeMessage(
      rtds('1.6_GCS03/GCS03_1.6_8F66_FUTURE_DATED_SUCCESS_ALERT_CHANGE_PAYMENT_MODE_GBCS.HEX'),
    );
    const hex = toHex(rtdsAlert.content);
    const content = fromHex(hex.replace('8F66', '8F67').replace(u64Hex(1_005n), u64Hex(1_006n)));
    assert.notEqual(toHex(content), hex);
    const gbcs = security.seal(
      {
        cra: 'alert',
        originatorCounter: ++counter,
        originator: GSME,
        recipient: SUPPLIER,
        otherInfo: { ...rtdsAlert.otherInfo },
        content,
      },
      { sign: false, mac: true },
    );
    const r = await deliver(gbcs);
    assert.deepEqual(r.header.requestId, { originator: SUPPLIER, target: GSME, counter: 1_006n });
    const f = futureDated(r);
    assert.equal(f.alertCode, '8F67');
    assert.equal(f.srv, '1.6');
  });

  it('an 8F66 whose request the DSP does not hold and whose payload names no Message Code (CS06): a DeviceAlertMessage, counted', async () => {
    const before = d.t.dsp.metrics.counter('alerts.futureDatedUnmatched').value;
    const r = await deliver(rtds('11.3_CS06/CS06_11.3_8F67_FUTURE_DATED_ERROR_ALERT_GBCS.HEX'));
    assert.ok(r.body.kind === 'DeviceAlertMessage');
    assert.equal(r.body.alertCode, '8F67');
    assert.equal(d.t.dsp.metrics.counter('alerts.futureDatedUnmatched').value, before + 1);
  });
});
