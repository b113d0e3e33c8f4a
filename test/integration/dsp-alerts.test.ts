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
import { gbcsAlertContent } from '../../src/devices/chf/alerts.ts';
import { type DuisResponse, verifyAndParseDuisResponse } from '../../src/duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../src/duis/xsd-inprocess.ts';
import { ALERT_CODES } from '../../src/gbcs/codes/alert-codes.ts';
import { cosemDateTimeFromDate, gbcsInvokeId } from '../../src/gbcs/payload/dlms.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import {
  ACB,
  CHF,
  DSP_TRUST,
  ESME,
  NETWORK_OPERATOR,
  openTestDsp,
  rtdsSecurity,
  SUPPLIER,
  type TestDsp,
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

function checked(xml: string): DuisResponse {
  const v = validateAgainstDuisXsdInProcess(xml);
  assert.ok(v.valid, `XSD: ${v.errors.join('; ')}\n${xml}`);
  return verifyAndParseDuisResponse(xml, DSP_TRUST).response;
}

describe('device alerts to the user (DeviceAlertMessage), every code of the alert table', () => {
  let t: TestDsp;
  const clock = new VirtualClock();
  before(async () => {
    t = await openTestDsp('sqlite', { clock, xsdValidation: true });
  });
  after(async () => {
    await t?.close();
  });

  async function deliver(gbcs: Uint8Array): Promise<DuisResponse | undefined> {
    const before = t.transport.posts.length;
    await t.dsp.onDeviceMessage({ chf: CHF, gbcs, at: clock.now() });
    clock.advance(0);
    await t.dsp.idle();
    const p = t.transport.posts.slice(before);
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
    const before = t.dsp.metrics.counter('deviceMessages.alert-unroutable').value;
    assert.equal(await deliver(alert(0x8f01, ESME, '00DB123456789999', undefined, false)), undefined);
    assert.equal(t.dsp.metrics.counter('deviceMessages.alert-unroutable').value, before + 1);
  });

  it('every alert posted went to the user it names (receive URL)', () => {
    const urls = new Set(t.transport.posts.map((p) => p.url));
    assert.deepEqual(
      [...urls].sort(),
      [t.dsp.user(SUPPLIER)!.receiveUrl, t.dsp.user(NETWORK_OPERATOR)!.receiveUrl].sort(),
    );
  });
});
