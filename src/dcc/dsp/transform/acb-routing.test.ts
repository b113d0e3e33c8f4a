/**
 * Who originates a user's device SR (transform.ts `onlyThroughAcb`): the
 * catalogue's role table decides. Where GBCS's use-case table lists the
 * user's role the user is the header Originator; where it lists only the ACB
 * for that role (GBCS V3.1: ECS17a Read Instantaneous Export Registers is
 * Network Operator and ACB), the ACB originates with the user as the
 * Supplementary Remote Party, and the ESME's authorisation accepts it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsContext } from '../../../../test/support/dsp-transform.ts';
import { xsdShapedRequest } from '../../../../test/support/xsd-shaped.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../../duis/xsd-inprocess.ts';
import { decodeMessage } from '../../../gbcs/index.ts';
import { authorise, useCaseByCode } from '../../../gbcs/use-cases/index.ts';
import { bytesEqual } from '../../../runtime/bytes.ts';
import { signerCellRefusal } from '../signer-cells.ts';
import { srvListing } from '../srv-listing.ts';
import { acbFronts } from './acb-fronting.ts';
import {
  completeSignedPreCommandResult,
  DspPreCommandMismatchError,
  DspSignatureInvalidError,
  transformServiceRequest,
} from './index.ts';

const ESME = '00DB1234567890A0';
const SUPPLIER = '90B3D51F30010000';
const NETWORK_OPERATOR = '90B3D51F30020000';

function run(srv: string, body: string, originator: string) {
  const xml = xsdShapedRequest({ srv, cv: 1, target: ESME, counter: 3000, body, originator });
  const v = validateAgainstDuisXsdInProcess(xml);
  assert.ok(v.valid, v.errors.join('; '));
  const r = transformServiceRequest(parseDuisRequest(xml), rtdsContext());
  return { r, m: decodeMessage(r.gbcs) };
}

describe('transform: the role table picks the ACB where GBCS lists only the ACB for the user', () => {
  const exportRegisters = '<sr:ReadInstantaneousExportRegisters/>';

  it('4.2 from a supplier: ECS17a originated by the ACB, the supplier the Supplementary Remote Party', () => {
    const { r, m } = run('4.2', exportRegisters, SUPPLIER);
    assert.equal(r.useCase, 'ECS17a');
    assert.notEqual(m.originator, SUPPLIER);
    assert.equal(m.otherInfo.supplementaryRemotePartyId, SUPPLIER);
    assert.equal(r.businessOriginator, SUPPLIER);
    const row = useCaseByCode(m.messageCode);
    assert.deepEqual(row?.roles, ['networkOperator']);
    assert.ok(authorise(row, { via: 'acb', onBehalfOf: 'supplier', partyKnown: true }).ok);
    assert.equal(authorise(row, { via: 'direct', role: 'supplier' }).ok, false);
  });

  it('4.2 from a network operator: ECS17a sent by the network operator itself (RTDS ECS17a)', () => {
    const { r, m } = run('4.2', exportRegisters, NETWORK_OPERATOR);
    assert.equal(r.useCase, 'ECS17a');
    assert.equal(m.originator, NETWORK_OPERATOR);
    assert.equal(m.otherInfo.supplementaryRemotePartyId, null);
  });

  it("4.1.1 from a supplier: ECS17b (Supplier listed) stays the supplier's own command", () => {
    const { r, m } = run('4.1.1', '<sr:ReadInstantaneousImportRegisters/>', SUPPLIER);
    assert.equal(r.useCase, 'ECS17b');
    assert.equal(m.originator, SUPPLIER);
    assert.equal(m.otherInfo.supplementaryRemotePartyId, null);
  });
});

/**
 * A supplier's critical credential SR to a PPMID (cells Root, Recovery, ACB: PROVISIONAL): the role table lets
 * the ACB send CS02c / CS02d / CS02e for a supplier (acb-fronting.ts), so the Pre-Command carries the ACB as
 * Originator and the supplier as Supplementary Remote Party; the supplier signs it (DUIS CV 4 -> 5), the DSP
 * checks that signature against the supplier's DS certificate, and the ACB signs the Command the PPMID verifies.
 */
describe('transform: a supplier critical SR to a PPMID goes through the ACB, which signs it', () => {
  const PPMID = '00DB1234567890A4';
  const ACB = '90B3D51F30000002';
  const body =
    '<sr:IssueSecurityCredentials><sr:CredentialType>Digital Signature</sr:CredentialType></sr:IssueSecurityCredentials>';

  function preCommand(counter: number, target = PPMID) {
    const ctx = rtdsContext();
    const xml = xsdShapedRequest({ srv: '6.17', cv: 4, target, counter, body, originator: SUPPLIER });
    const v = validateAgainstDuisXsdInProcess(xml);
    assert.ok(v.valid, v.errors.join('; '));
    const req = parseDuisRequest(xml);
    return { ctx, req, r: transformServiceRequest(req, ctx) };
  }

  it("6.17 CV 4: the Pre-Command is the ACB's, for the supplier; CV 5: ACB-signed, MAC'd, the same content", () => {
    const { ctx, req, r } = preCommand(4000);
    assert.equal(r.kind, 'pre-command');
    assert.equal(r.useCase, 'CS02c');
    const m = decodeMessage(r.gbcs);
    assert.equal(m.originator, ACB);
    assert.equal(m.otherInfo.supplementaryRemotePartyId, SUPPLIER);
    assert.equal(m.otherInfo.supplementaryRemotePartyCounter, 4000n);
    assert.equal(r.businessOriginator, SUPPLIER);
    // the supplier signs the Pre-Command with its own DS key
    const signed = ctx.security.sign(r.gbcs, SUPPLIER);
    const done = completeSignedPreCommandResult(signed, ctx, {
      requestId: req.header.requestId,
      srv: '6.17',
      issuedPreCommand: r.gbcs,
    });
    assert.equal(done.originator, ACB);
    assert.equal(done.originatorCounter, m.originatorCounter);
    const cmd = ctx.security.decodeVerify(done.gbcs);
    assert.equal(cmd.mac, 'valid');
    assert.equal(cmd.signature, 'valid', "the ACB's signature (the header Originator's)");
    assert.ok(!bytesEqual(done.apdu, signed), "the supplier's signature is not what the PPMID gets");
    assert.deepEqual(cmd.message.content, m.content);
    // the PPMID's authority check takes it: the ACB for a supplier it holds no cell for
    const row = useCaseByCode(cmd.message.messageCode);
    assert.ok(authorise(row, { via: 'acb', onBehalfOf: 'supplier', partyKnown: false }).ok);
  });

  it('CV 5 refusals: another signer, no Pre-Command issued, a RequestID of another counter', () => {
    const { ctx, req, r } = preCommand(4001);
    const expect = { requestId: req.header.requestId, srv: '6.17', issuedPreCommand: r.gbcs };
    // signed by the ACB itself: not the supplier's signature
    assert.throws(
      () => completeSignedPreCommandResult(ctx.security.sign(r.gbcs, ACB), ctx, expect),
      (e: unknown) => e instanceof DspSignatureInvalidError,
    );
    const signed = ctx.security.sign(r.gbcs, SUPPLIER);
    // a Pre-Command with the ACB header that this DSP did not issue: the ACB signs nothing the user made
    assert.throws(
      () => completeSignedPreCommandResult(signed, ctx, { requestId: req.header.requestId, srv: '6.17' }),
      (e: unknown) => e instanceof DspPreCommandMismatchError && /only as this DSP issued it/.test(e.message),
    );
    assert.throws(
      () =>
        completeSignedPreCommandResult(signed, ctx, {
          ...expect,
          requestId: { ...req.header.requestId, counter: 4002n },
        }),
      (e: unknown) => e instanceof DspPreCommandMismatchError && /Supplementary Remote Party/.test(e.message),
    );
  });

  it("6.17 to an ESME stays the supplier's own (it holds the supplier cell)", () => {
    const { r } = preCommand(4003, ESME);
    const m = decodeMessage(r.gbcs);
    assert.equal(m.originator, SUPPLIER);
    assert.equal(m.otherInfo.supplementaryRemotePartyId, null);
  });
});

/**
 * One rule (acb-fronting.ts) decides where the ACB fronts for a user: the CV 4 transform, the CV 5/6/7
 * signing step, signer-cells.ts and `dsp srs --json` all read it, for CS06 (11.3) as for CS02c/d/e.
 */
describe('ACB fronting: one rule for the transform, CV 5/6/7, signer cells and the SRV listing', () => {
  const cases = [
    ['11.3', 'CS06', ['PPMID', 'HCALCS']],
    ['6.17', 'CS02c', ['PPMID']],
    ['6.15.2', 'CS02d', ['PPMID']],
    ['6.24.2', 'CS02e', ['PPMID']],
  ] as const;
  it('the listing shows the ACB as originator for the supplier on the types with no supplier cell, only there', () => {
    const listing = srvListing();
    for (const [srv, useCase, types] of cases) {
      const row = listing.find((o) => o.srv === srv) as {
        transform: { useCases: { useCase: string; originator: string; originatorByTarget?: object }[] };
        trustAnchorRefusal?: string;
      };
      const u = row.transform.useCases.find((x) => x.useCase === useCase);
      assert.ok(u, `${srv} ${useCase}`);
      assert.equal(u.originator, 'user');
      assert.deepEqual(
        u.originatorByTarget,
        Object.fromEntries(
          types.map((t) => [t, { originator: 'acb', for: ['supplier'], reason: 'no-cell-for-user' }]),
        ),
        `${srv} ${useCase}`,
      );
      for (const t of types) {
        assert.ok(acbFronts(useCase, t, 'supplier'));
        assert.ok(
          !acbFronts(useCase, t, 'networkOperator'),
          'the role table lets the ACB act for suppliers only',
        );
        assert.equal(signerCellRefusal(srv, t, ['supplier']), undefined, `${srv} to a ${t}: the ACB signs`);
      }
      assert.ok(!acbFronts(useCase, 'ESME', 'supplier'), 'an ESME holds the supplier cell');
    }
  });
});
