/**
 * Unknown Remote Party reads (urp.ts): the seven SRs whose body may carry
 * KAPublicSecurityCredentials are originated by the ACB with the requester
 * as Supplementary Remote Party and its KA certificate in the GBCS header;
 * a certificate that is not a KA certificate of the requesting user is
 * refused before anything is built. (The two 4.14 templates against their
 * RTDS commands: test/dsp-transform.test.ts.)
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  RTDS_URP_NOW,
  rtdsContext,
  rtdsKeyStore,
  rtdsOrgCa,
  TEMPLATES_DIR,
} from '../../../../test/support/dsp-transform.ts';
import { parseDuisRequest, serviceRequest } from '../../../duis/index.ts';
import { createTestPki, decodeMessage, SecurityContext } from '../../../gbcs/index.ts';
import { toHex } from '../../../runtime/bytes.ts';
import { URP_READS } from './device-srs.ts';
import { DspContextIncompleteError } from './errors.ts';
import { SUPPORTED_TRANSFORMS, transformServiceRequest } from './transform.ts';
import { DspUrpCredentialError, type UrpRefusalReason } from './urp.ts';

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
        const r = transformServiceRequest(request(srv, TARGET[type]), urpContext({ acbCounter: 7000n }));
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

  const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');
  const refused = (cert: string, reason: UrpRefusalReason, why: RegExp, ctx = urpContext()) =>
    assert.throws(
      () => transformServiceRequest(request('4.14', TARGET.ESME, cert), ctx),
      (e: unknown) =>
        e instanceof DspUrpCredentialError &&
        e.reason === reason &&
        e.kind === 'credentials' &&
        e.responseCode === 'E1' &&
        e.httpStatus === 200 &&
        why.test(e.message),
    );

  it("refuses the requester's Digital Signing certificate (keyUsage is not keyAgreement)", () => {
    refused(
      b64(rtdsKeyStore().certificate(REQUESTER, 'ds')!.der),
      'not-key-agreement',
      /not a Key Agreement/,
    );
  });

  it("refuses another user's KA certificate", () => {
    refused(
      b64(rtdsKeyStore().certificate('90B3D51F30030000', 'ka')!.der),
      'not-requester',
      /not of the requesting user/,
    );
  });

  it("refuses a device's KA certificate", () => {
    refused(
      b64(rtdsKeyStore().certificate(TARGET.ESME, 'ka')!.der),
      'not-remote-party',
      /device certificate/,
    );
  });

  it('refuses bytes that are no certificate', () => {
    refused(b64(Buffer.from(CERT, 'base64').subarray(0, 100)), 'malformed', /not a GBCS certificate/);
  });

  it('the RTDS template certificate at the RTDS time (2015, before its validity): refused, not yet valid', () => {
    refused(CERT, 'not-yet-valid', /not valid before 2025-09-01/, rtdsContext());
  });

  it('without the Organisation CAs the DSP trusts, a URP read fails loudly (context incomplete)', () => {
    const ctx = { ...urpContext(), smkiOrgCas: [] };
    assert.throws(
      () => transformServiceRequest(request('4.14', TARGET.ESME, CERT), ctx),
      (e: unknown) => e instanceof DspContextIncompleteError && /smkiOrgCas/.test(e.message),
    );
  });

  describe('certificates issued for the read: validity, curve, usage, issuer (a test PKI as a trusted Org CA)', async () => {
    const pki = await createTestPki();
    const other = await createTestPki();
    const trusted = () => ({ ...urpContext(), smkiOrgCas: [rtdsOrgCa(), pki.issuingCaDer] });
    const p256 = () =>
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({
      format: 'der',
      type: 'spki',
    });
    const at = (from: string, to: string) => ({ notBefore: new Date(from), notAfter: new Date(to) });
    const ka = (validity = at('2025-01-01', '2030-01-01'), spki = p256(), via = pki) =>
      via.certifyRemotePartyKey(REQUESTER, 2, 'ka', new Uint8Array(spki), validity);
    const now = new Date(RTDS_URP_NOW).toISOString();
    const table: Array<[string, () => Uint8Array, UrpRefusalReason | null, RegExp?]> = [
      ['good: P-256 KA of the requester, trusted Org CA, valid now', () => ka(), null],
      [
        'expired the day before the DSP clock',
        () => ka(at('2020-01-01', '2025-09-30T23:59:59Z')),
        'expired',
        /expired at 2025-09-30/,
      ],
      [
        'not yet valid (from the day after)',
        () => ka(at('2025-10-02', '2030-01-01')),
        'not-yet-valid',
        /not valid before 2025-10-02/,
      ],
      ['valid exactly from the DSP clock: accepted', () => ka(at(now, '2030-01-01')), null],
      [
        'a DS certificate (wrong usage)',
        () => pki.certifyRemotePartyKey(REQUESTER, 2, 'ds', new Uint8Array(p256())),
        'not-key-agreement',
        /Key Agreement/,
      ],
      ['a P-384 key (wrong curve)', () => ka(undefined, p384), 'not-p256', /P-256/],
      [
        'issued by another PKI (unknown Org CA)',
        () => ka(undefined, p256(), other),
        'unknown-issuer',
        /not issued by an SMKI Organisation CA/,
      ],
      [
        'a byte of the signed part changed (the Org CA signature fails)',
        () => {
          const der = ka();
          const t = new Uint8Array(der);
          t[16] ^= 0x01; // a byte of the serial number
          return t;
        },
        'bad-signature',
        /signature does not verify/,
      ],
      [
        'garbage bytes',
        () => Uint8Array.from({ length: 120 }, (_, i) => (i * 37 + 11) & 0xff),
        'malformed',
        /not a GBCS certificate/,
      ],
    ];
    for (const [name, make, reason, why] of table)
      it(name, () => {
        const der = make();
        if (reason) refused(b64(der), reason, why ?? /./, trusted());
        else {
          const m = decodeMessage(
            transformServiceRequest(request('4.14', TARGET.ESME, b64(der)), trusted()).gbcs,
          );
          assert.equal(toHex(m.otherInfo.certificate!), toHex(der));
        }
      });

    it('the same good certificate when the DSP trusts only the RTDS Org CA: unknown issuer', () => {
      refused(b64(ka()), 'unknown-issuer', /Organisation CA/);
    });
  });
});

/** The RTDS context at a time inside the URP certificates' validity (RTDS_URP_NOW explains). */
function urpContext(opts: { acbCounter?: bigint } = {}) {
  return rtdsContext({ ...opts, now: RTDS_URP_NOW });
}
