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
import { transformServiceRequest } from './index.ts';

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
