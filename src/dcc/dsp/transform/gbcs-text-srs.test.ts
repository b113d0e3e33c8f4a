/**
 * The SRVs whose ESME use cases take their payload from GBCS V3.1's use-case
 * tables (confirmed 'gbcs-text': no DCC template and RTDS pair in ../shared
 * to check the bytes against): XSD-shaped DUIS bodies transformed, the
 * command decoded back through the catalogue to the values given; bad
 * bodies refused as typed DUIS errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsContext } from '../../../../test/support/dsp-transform.ts';
import { xsdShapedRequest } from '../../../../test/support/xsd-shaped.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../../duis/xsd-inprocess.ts';
import { decodeMessage } from '../../../gbcs/index.ts';
import { decodeCommand, useCaseById } from '../../../gbcs/use-cases/index.ts';
import { srvListing } from '../srv-table.ts';
import { transformServiceRequest } from './index.ts';

const ESME = '00DB1234567890A0';

function transform(srv: string, cv: number, target: string, body: string, ctx = rtdsContext()) {
  const xml = xsdShapedRequest({ srv, cv, target, counter: 3000, body });
  const v = validateAgainstDuisXsdInProcess(xml);
  assert.ok(v.valid, v.errors.join('; '));
  return () => transformServiceRequest(parseDuisRequest(xml), ctx);
}

function decoded(r: { gbcs: Uint8Array }) {
  const m = decodeMessage(r.gbcs);
  return { messageCode: m.messageCode, fields: decodeCommand(m.messageCode, m.content).fields as never };
}

describe('4.1.3 Read Instantaneous Import TOU With Blocks Matrices -> ECS17e (GBCS V3.1 tables)', () => {
  it('to an ESME: the protected read of the TOU-with-blocks register list 1/0-0:94.44.34.2/2', () => {
    const r = transform('4.1.3', 1, ESME, '<sr:ReadInstantaneousImportTOUWithBlocksMatrices/>')();
    assert.equal(r.useCase, 'ECS17e');
    const { messageCode, fields } = decoded(r);
    assert.equal(messageCode, useCaseById('ECS17e')!.code);
    assert.equal(messageCode, 0x002a);
    const f = (fields as Record<string, { getProtectedAttributes: { objectList: unknown[] } }>)
      .protectedReadTouBlockRegisters;
    assert.deepEqual(f?.getProtectedAttributes.objectList, [
      {
        classId: 1,
        logicalName: '0-0:94.44.34.2',
        attributeIndex: 2,
        dataIndex: 0,
        restriction: { restrictionType: 0, restrictionValue: null },
      },
    ]);
  });

  it('the SRV table offers it (no E11 reason)', () => {
    const row = srvListing().find((e) => e.srv === '4.1.3');
    assert.equal(row?.supported, true);
    assert.equal(row?.reason, undefined);
  });
});
