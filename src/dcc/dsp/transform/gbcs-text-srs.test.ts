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
import { srvListing } from '../srv-listing.ts';
import { DspBodyInvalidError } from './errors.ts';
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

const mpans = (primary: string, secondary?: string) =>
  `<sr:SetDeviceConfigurationImportMPxN><sr:ImportMPANs><sr:ImportMPAN>${primary}</sr:ImportMPAN>${
    secondary ? `<sr:SecondaryImportMPAN>${secondary}</sr:SecondaryImportMPAN>` : ''
  }</sr:ImportMPANs></sr:SetDeviceConfigurationImportMPxN>`;

describe('6.20.1 / 6.20.2 Set Device Configuration (Import MPxN / Export MPAN) -> ECS39a / ECS39b', () => {
  it('6.20.1 to a single element ESME: ECS39a sets the import MPANs object to the primary MPAN', () => {
    const r = transform('6.20.1', 1, ESME, mpans('1234567890123'))();
    assert.equal(r.useCase, 'ECS39a');
    const { messageCode, fields } = decoded(r);
    assert.equal(messageCode, 0x004c);
    assert.deepEqual(fields, { importMpans: { value: '1234567890123' } });
  });

  it('6.20.1 to a twin element ESME: primary then secondary MPAN (26 octets)', () => {
    const r = transform(
      '6.20.1',
      1,
      ESME,
      mpans('1234567890123', '9876543210987'),
      rtdsContext({ twin: true }),
    )();
    assert.deepEqual(decoded(r).fields, { importMpans: { value: '12345678901239876543210987' } });
  });

  it('6.20.1 refusals for an ESME: a secondary MPAN to a single element ESME, an MPRN', () => {
    assert.throws(transform('6.20.1', 1, ESME, mpans('1234567890123', '9876543210987')), (e: unknown) => {
      assert.ok(e instanceof DspBodyInvalidError);
      assert.equal(e.kind, 'inconsistent');
      return true;
    });
    assert.throws(
      transform(
        '6.20.1',
        1,
        ESME,
        '<sr:SetDeviceConfigurationImportMPxN><sr:ImportMPRN>1234567</sr:ImportMPRN></sr:SetDeviceConfigurationImportMPxN>',
      ),
      DspBodyInvalidError,
    );
  });

  it('6.20.1 future dated to an ESME: GBCS lets no device future date ECS39a, the DSP holds it', () => {
    const body =
      '<sr:SetDeviceConfigurationImportMPxN><sr:ExecutionDateTime>2030-01-01T00:00:00Z</sr:ExecutionDateTime>' +
      '<sr:ImportMPANs><sr:ImportMPAN>1234567890123</sr:ImportMPAN></sr:ImportMPANs></sr:SetDeviceConfigurationImportMPxN>';
    const r = transform('6.20.1', 1, ESME, body)() as { dspScheduledAt?: Date; gbcs: Uint8Array };
    assert.equal(r.dspScheduledAt?.toISOString(), '2030-01-01T00:00:00.000Z');
    assert.deepEqual(decoded(r).fields, { importMpans: { value: '1234567890123' } });
  });

  it('6.20.2 to an ESME: ECS39b sets the export MPAN; a non-ASCII MPAN (more than 13 octets) is refused', () => {
    const body = (m: string) =>
      `<sr:SetDeviceConfigurationExportMPAN><sr:ExportMPAN>${m}</sr:ExportMPAN></sr:SetDeviceConfigurationExportMPAN>`;
    const r = transform('6.20.2', 1, ESME, body('9876543210987'))();
    assert.equal(r.useCase, 'ECS39b');
    const { messageCode, fields } = decoded(r);
    assert.equal(messageCode, 0x004d);
    assert.deepEqual(fields, { exportMpan: { value: '9876543210987' } });
    assert.throws(transform('6.20.2', 1, ESME, body('987654321098é')), (e: unknown) => {
      assert.ok(e instanceof DspBodyInvalidError);
      assert.equal(e.kind, 'out-of-range');
      return true;
    });
    const row = srvListing().find((e) => e.srv === '6.20.2');
    assert.equal(row?.supported, true);
    assert.equal(srvListing().find((e) => e.srv === '6.20.1')?.notTransformed, undefined);
  });
});
