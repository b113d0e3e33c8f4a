/**
 * Unknown Remote Party reads (urp.ts): the seven SRs whose body may carry
 * KAPublicSecurityCredentials are originated by the ACB with the requester
 * as Supplementary Remote Party and its KA certificate in the GBCS header;
 * a certificate that is not a KA certificate of the requesting user is
 * refused before anything is built. (The two 4.14 templates against their
 * RTDS commands: test/dsp-transform.test.ts.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rtdsContext, rtdsKeyStore, TEMPLATES_DIR } from '../../../../test/support/dsp-transform.ts';
import { parseDuisRequest, serviceRequest } from '../../../duis/index.ts';
import { decodeMessage, SecurityContext } from '../../../gbcs/index.ts';
import { toHex } from '../../../runtime/bytes.ts';
import { URP_READS } from './device-srs.ts';
import { DspBodyInvalidError } from './errors.ts';
import { SUPPORTED_TRANSFORMS, transformServiceRequest } from './transform.ts';

const TEMPLATE = readFileSync(join(TEMPLATES_DIR, 'ECS21b_4.14_URP_SUCCESS_REQUEST_DUIS.XML'), 'utf8');
const REQUESTER = '90B3D51F30010000';
const CERT = /<sr:KAPublicSecurityCredentials>([^<]*)</.exec(TEMPLATE)![1];
const TARGET = { ESME: '00DB1234567890A0', GSME: '00DB1234567890A1', GPF: '00DB1234567890A3' } as const;
const ACB = '90B3D51F30000002';
/** The protected (Data Protection) reads among them: the response is encrypted for the originator-system-title. */
const PROTECTED = new Set(['ECS20c', 'ECS21a', 'ECS21b', 'ECS22b', 'ECS66']);

/** The ECS21b URP template turned into SR `srv` to `target`, with `cert` (base64) as credentials. */
function request(srv: string, target: string, cert = CERT) {
  const body = serviceRequest(srv)!.bodyElement;
  const xml = TEMPLATE.replace(
    /<sr:ServiceReference>4.14</,
    `<sr:ServiceReference>${srv.split('.').slice(0, 2).join('.')}<`,
  )
    .replace(/<sr:ServiceReferenceVariant>4.14</, `<sr:ServiceReferenceVariant>${srv}<`)
    .replaceAll('ReadPrepaymentDailyReadLog>', `${body}>`)
    .replace('00-DB-12-34-56-78-90-A0', target.match(/../g)!.join('-'))
    .replace(/(<sr:KAPublicSecurityCredentials>)[^<]*/, `$1${cert}`);
  return parseDuisRequest(xml, { checkCommandVariant: true });
}

describe('DSP transform: Unknown Remote Party reads', () => {
  for (const srv of URP_READS)
    for (const type of ['ESME', 'GSME', 'GPF'] as const) {
      const rules = SUPPORTED_TRANSFORMS.filter((u) => u.srv === srv && u.target.includes(type));
      if (rules.length === 0) continue;
      it(`${srv} to the ${type}: the ACB originates it, the requester and its certificate in the header`, () => {
        const r = transformServiceRequest(request(srv, TARGET[type]), rtdsContext({ acbCounter: 7000n }));
        const m = decodeMessage(r.gbcs);
        assert.equal(m.originator, ACB);
        assert.equal(m.originatorCounter, 7000n);
        assert.equal(m.otherInfo.supplementaryRemotePartyId, REQUESTER);
        assert.equal(m.otherInfo.supplementaryRemotePartyCounter, 1004n);
        assert.equal(toHex(m.otherInfo.certificate!), toHex(Buffer.from(CERT, 'base64')));
        assert.equal(r.businessOriginator, REQUESTER);
        assert.equal(new SecurityContext({ keyStore: rtdsKeyStore() }).verifyMac(m), 'valid');
        // a protected (DLMS) read is encrypted for the requester: its system title, not the ACB's
        if (PROTECTED.has(r.useCase)) assert.ok(toHex(m.content).includes(`0908${REQUESTER}`), r.useCase);
        assert.ok(!toHex(m.content).includes(`0908${ACB}`), 'no ACB system title in the payload');
      });
    }

  it('the same read without credentials is the Known Remote Party one (the requester originates)', () => {
    const xml = TEMPLATE.replace(
      /<sr:KAPublicSecurityCredentials>[^<]*<\/sr:KAPublicSecurityCredentials>/,
      '',
    );
    const r = transformServiceRequest(parseDuisRequest(xml, { checkCommandVariant: true }), rtdsContext());
    const m = decodeMessage(r.gbcs);
    assert.equal(m.originator, REQUESTER);
    assert.equal(m.otherInfo.certificate, null);
    assert.equal(m.otherInfo.supplementaryRemotePartyId, null);
  });

  const refused = (cert: string, why: RegExp) =>
    assert.throws(
      () => transformServiceRequest(request('4.14', TARGET.ESME, cert), rtdsContext()),
      (e: unknown) =>
        e instanceof DspBodyInvalidError &&
        e.kind === 'credentials' &&
        e.responseCode === 'E1' &&
        e.httpStatus === 200 &&
        why.test(e.message),
    );
  const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');

  it("refuses the requester's Digital Signing certificate (keyUsage is not keyAgreement)", () => {
    refused(b64(rtdsKeyStore().certificate(REQUESTER, 'ds')!.der), /not a Key Agreement certificate/);
  });

  it("refuses another user's KA certificate", () => {
    refused(b64(rtdsKeyStore().certificate('90B3D51F30030000', 'ka')!.der), /not of the requesting user/);
  });

  it("refuses a device's KA certificate", () => {
    refused(b64(rtdsKeyStore().certificate(TARGET.ESME, 'ka')!.der), /device certificate/);
  });

  it('refuses bytes that are no certificate', () => {
    refused(b64(Buffer.from(CERT, 'base64').subarray(0, 100)), /not a GBCS certificate/);
  });
});
