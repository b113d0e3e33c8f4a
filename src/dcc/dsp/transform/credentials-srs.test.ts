/**
 * The DCC's own credentials SRVs (6.21, 6.23, 8.5) beyond the template
 * comparison of test/dsp-transform.test.ts: who originates and signs, the
 * DSP-held 8.5, and bad bodies refused with a typed error (never a command
 * from the wrong party or a crash).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rtdsContext, TEMPLATES_DIR } from '../../../../test/support/dsp-transform.ts';
import { RTDS_MESSAGES } from '../../../../test/support/fixtures.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
import { decodeMessage, SecurityContext } from '../../../gbcs/index.ts';
import { parseGbcsCertificate } from '../../../gbcs/keystore.ts';
import { decodeCommand } from '../../../gbcs/use-cases/index.ts';
import { fromHex } from '../../../runtime/bytes.ts';
import { DspBodyInvalidError, DspUnsupportedServiceRequestError, transformServiceRequest } from './index.ts';

const tpl = (f: string) => readFileSync(join(TEMPLATES_DIR, f), 'utf8');
const HANDOVER = tpl('CS02bNOByNOHandover_6.21_SUCCESS_REQUEST_DUIS.XML');
const COS = tpl('CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML');
const OPT_OUT = tpl('CS02bACBByACB_8.5_SUCCESS_REQUEST_DUIS.XML');

const ACB = '90B3D51F30000002';
const TRANS_COS = '90B3D51F30000004';

function run(xml: string) {
  const ctx = rtdsContext({ acbCounter: 7000n });
  const r = transformServiceRequest(parseDuisRequest(xml), ctx);
  return { r, m: decodeMessage(r.gbcs), ctx };
}

describe('DCC credentials SRVs (credentials-srs.ts)', () => {
  it('6.21: the ACB originates with the DCC counter, no supplementary party, and signs', () => {
    const { r, m, ctx } = run(HANDOVER);
    assert.equal(r.useCase, 'CS02bNOByNOHandover');
    assert.equal(m.originator, ACB);
    assert.equal(m.originatorCounter, 7000n);
    assert.equal(m.otherInfo.supplementaryRemotePartyId, null);
    assert.equal(r.businessOriginator, '90B3D51F30010000');
    assert.equal(ctx.security.verifySignature(m), 'valid');
    const f = decodeCommand(m.messageCode, m.content).fields as {
      authorisingRemotePartyControl: Record<string, unknown>;
    };
    assert.equal(f.authorisingRemotePartyControl.authorisingRemotePartySeqNumber, 7000n);
  });

  it('6.23: the transitional CoS party originates and signs; the supplier floors change', () => {
    const { r, m, ctx } = run(COS);
    assert.equal(r.useCase, 'CS02bSupplierByTransCoS');
    assert.equal(m.originator, TRANS_COS);
    assert.equal(ctx.security.verifySignature(m), 'valid');
    assert.equal(ctx.security.verifyMac(m), 'valid');
    const f = decodeCommand(m.messageCode, m.content).fields as {
      authorisingRemotePartyControl: { remotePartySeqNumberChanges?: unknown[] };
    };
    assert.equal(f.authorisingRemotePartyControl.remotePartySeqNumberChanges?.length, 1);
  });

  it('floors up to the XSD maximum 2^63 - 1 (floorSequenceNumber) reach the command exactly (issue 17)', () => {
    // read as JS numbers, every floor above 2^53 - 1 was refused (generated XSD variants of 6.15.1/6.21/6.23/8.5)
    const MAX = '9223372036854775807';
    const at = (xml: string, el: string, v: string) =>
      xml.replace(new RegExp(`<sr:${el}>0</sr:${el}>`), `<sr:${el}>${v}</sr:${el}>`);
    type Control = {
      newRemotePartyFloorSeqNumber?: bigint;
      newSupplierFloors?: { floor: bigint }[];
      remotePartySeqNumberChanges?: { newSeqNumber: bigint; otherFloors?: { floor: bigint }[] }[];
    };
    const control = (xml: string) => {
      const { m } = run(xml);
      return (decodeCommand(m.messageCode, m.content).fields as { authorisingRemotePartyControl: Control })
        .authorisingRemotePartyControl;
    };
    assert.equal(
      control(at(HANDOVER, 'RemotePartyFloorSeqNumber', MAX)).newRemotePartyFloorSeqNumber,
      BigInt(MAX),
    );
    const cos = control(
      at(at(COS, 'SupplierFloorSeqNumber', MAX), 'SupplierPrepaymentTopUpFloorSeqNumber', '9007199254740993'),
    ).remotePartySeqNumberChanges![0]!;
    assert.equal(cos.newSeqNumber, BigInt(MAX));
    assert.equal(cos.otherFloors![0]!.floor, 9007199254740993n);
    assert.equal(control(at(OPT_OUT, 'ACBFloorSeqNumber', MAX)).newRemotePartyFloorSeqNumber, BigInt(MAX));
    // one above the XSD maximum is a typed refusal
    assert.throws(
      () => run(at(HANDOVER, 'RemotePartyFloorSeqNumber', '9223372036854775808')),
      DspBodyInvalidError,
    );
  });

  it('8.5: the ACB originates, MAC only (null signature), held by the DSP until ExecutionDateTime', () => {
    const { r, m } = run(OPT_OUT);
    assert.equal(m.originator, ACB);
    assert.equal(m.signatureField, 'null');
    assert.equal(r.dspScheduledAt?.toISOString(), '2015-01-15T00:00:00.000Z');
  });

  it("8.5: KeyAgreementCertificate goes to the ACB's KA cell as given; the template's is a DS certificate", () => {
    // the RTDS 8.5 command (same structure) carries an ACB KA certificate there; the DUIS template's element holds
    // the ACB's digitalSignature certificate (a later certificate release), which the ESME rightly refuses for a KA
    // cell (security-credentials.ts; every-srv DEVICE_REFUSED '8.5 ESME wan'): the DSP maps elements, not usages
    const { m } = run(OPT_OUT);
    const f = decodeCommand(m.messageCode, m.content).fields as {
      replacements: { replacementCertificate: string; targetTrustAnchorCell: Record<string, unknown> }[];
    };
    assert.deepEqual(
      f.replacements.map((x) => x.targetTrustAnchorCell),
      [{ remotePartyRole: 4, keyUsage: '00001' }],
    );
    const cert = parseGbcsCertificate(fromHex(f.replacements[0]!.replacementCertificate));
    assert.equal(cert.usage, 'ds');
    assert.equal(cert.role, 4);
    const rtdsCommand = readFileSync(
      join(RTDS_MESSAGES, '8.5_CS02bACBByACB/CS02bACBByACB_8.5_SUCCESS_COMMAND_GBCS.HEX'),
      'utf8',
    );
    const theirs = decodeMessage(fromHex(rtdsCommand.replace(/\s/g, '')));
    const t = decodeCommand(theirs.messageCode, theirs.content).fields as typeof f;
    assert.equal(parseGbcsCertificate(fromHex(t.replacements[0]!.replacementCertificate)).usage, 'ka');
  });

  it('6.23 on a DSP without a transitional CoS party: E11 (DSP_UNSUPPORTED_SERVICE_REQUEST), not a 500', () => {
    const ctx = rtdsContext({ acbCounter: 7000n });
    const store = ctx.security.keyStore;
    const without = Object.create(store, {
      remoteParties: { value: () => store.remoteParties().filter((e) => e !== TRANS_COS) },
    });
    const c = { ...ctx, security: new SecurityContext({ keyStore: without }) };
    assert.throws(
      () => transformServiceRequest(parseDuisRequest(COS), c),
      (e: unknown) => e instanceof DspUnsupportedServiceRequestError && e.httpStatus !== 500,
    );
  });

  const bad: [string, string, string][] = [
    [
      '6.21 for a role with no handover use case (Supplier)',
      HANDOVER,
      HANDOVER.replace('<sr:RemotePartyRole>NetworkOperator<', '<sr:RemotePartyRole>Supplier<'),
    ],
    [
      '8.5 without its mandatory ExecutionDateTime',
      OPT_OUT,
      OPT_OUT.replace(/<sr:ExecutionDateTime>[^<]*<\/sr:ExecutionDateTime>/, ''),
    ],
    [
      '6.23 with no replacement certificate',
      COS,
      COS.replace(
        /<sr:SupplierReplacementCertificates>[\s\S]*<\/sr:SupplierReplacementCertificates>/,
        '<sr:SupplierReplacementCertificates/>',
      ),
    ],
    [
      '6.23 with a negative floor',
      COS,
      COS.replace('<sr:SupplierFloorSeqNumber>0<', '<sr:SupplierFloorSeqNumber>-1<'),
    ],
    ['6.23 with an ImportMPxN of 14 characters', COS, COS.replace('1312345678333', '13123456783331')],
  ];
  for (const [what, original, xml] of bad)
    it(`refuses ${what} with DSP_BODY_INVALID`, () => {
      assert.notEqual(xml, original, 'the mutation applies');
      assert.throws(
        () => run(xml),
        (e: unknown) => e instanceof DspBodyInvalidError && e.httpStatus === 400,
      );
    });
});
