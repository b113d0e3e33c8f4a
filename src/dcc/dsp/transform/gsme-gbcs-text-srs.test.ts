/**
 * DUIS SRs to a GSME / GPF whose use cases take their payload from GBCS
 * V3.1's use-case tables (no DCC template and RTDS pair in ../shared): 4.17
 * (GCS61, to the GPF), 6.13 (CS10a / CS10b), 3.3 (CS11), 3.4 (GCS44), 6.20.1
 * (GCS41), 6.2.7 (GCS46), 7.4 (GCS33). XSD-shaped bodies transformed, the
 * command decoded back through the catalogue to the values GBCS prescribes;
 * bad bodies and wrong targets refused as typed errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsContext } from '../../../../test/support/dsp-transform.ts';
import { xsdShapedRequest } from '../../../../test/support/xsd-shaped.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../../duis/xsd-inprocess.ts';
import { decodeMessage } from '../../../gbcs/index.ts';
import { decodeCommand, useCaseById } from '../../../gbcs/use-cases/index.ts';
import { toHex } from '../../../runtime/bytes.ts';
import { srvListing } from '../srv-listing.ts';
import { DspBodyInvalidError, DspTransformError } from './errors.ts';
import { transformServiceRequest } from './index.ts';

const GSME = '00DB1234567890A1';
const GPF = '00DB1234567890A3';
/** 2014-12-01T00:00:00Z as ZigBee UTC time (seconds since 2000-01-01) */
const DEC_1 = 470_707_200;
const DAY = 86_400;

let counter = 5100;
function transform(srv: string, target: string, body: string) {
  const xml = xsdShapedRequest({ srv, cv: 1, target, counter: ++counter, body });
  const v = validateAgainstDuisXsdInProcess(xml);
  assert.ok(v.valid, v.errors.join('; '));
  return () => transformServiceRequest(parseDuisRequest(xml), rtdsContext());
}

function decoded(r: { gbcs: Uint8Array }) {
  const m = decodeMessage(r.gbcs);
  return { messageCode: m.messageCode, fields: decodeCommand(m.messageCode, m.content).fields as never };
}

const period = (start: string, end: string) =>
  `<sr:ReadLogPeriod><sr:StartDateTime>${start}</sr:StartDateTime><sr:EndDateTime>${end}</sr:EndDateTime></sr:ReadLogPeriod>`;

describe('4.17 Retrieve Daily Consumption Log to the GPF -> GCS61 (GBCS V3.1: Target GPF)', () => {
  const body = (p: string) => `<sr:RetrieveDailyConsumptionLog>${p}</sr:RetrieveDailyConsumptionLog>`;
  it('Get Sampled Data, Sample ID 1, from the period start, (end - start) / 1 day samples', () => {
    const r = transform('4.17', GPF, body(period('2014-12-01T00:00:00Z', '2014-12-08T00:00:00Z')))();
    assert.equal(r.useCase, 'GCS61');
    const { messageCode, fields } = decoded(r);
    assert.equal(messageCode, useCaseById('GCS61')!.code);
    assert.deepEqual(fields, {
      getSampledData: { sampleId: 1, earliestSampleTime: DEC_1, sampleType: 0, numberOfSamples: 7 },
    });
  });
  it('to a GSME: not transformed (E11, the GPF holds the log); more than 731 days: a typed refusal', () => {
    assert.throws(
      transform('4.17', GSME, body(period('2014-12-01T00:00:00Z', '2014-12-02T00:00:00Z'))),
      (e) => {
        assert.ok(e instanceof DspTransformError);
        assert.match(String((e as Error).message), /GPF/);
        return true;
      },
    );
    assert.throws(
      transform('4.17', GPF, body(period('2014-12-01T00:00:00Z', '2017-12-01T00:00:00Z'))),
      (e) => e instanceof DspBodyInvalidError,
    );
    assert.deepEqual(
      (srvListing().find((e) => e.srv === '4.17')?.notTransformed as { targets: string[] } | undefined)
        ?.targets,
      ['GSME'],
    );
  });
});

describe('6.13 Read Event Or Security Log to a GSME / GPF -> CS10a / CS10b (GBCS V3.1 message templates)', () => {
  const body = (log: string) =>
    `<sr:ReadEventOrSecurityLog>${period('2014-12-01T00:00:00Z', '2014-12-02T00:00:00Z')}<sr:LogToRead>${log}</sr:LogToRead></sr:ReadEventOrSecurityLog>`;
  const cases: Array<[string, string, string, number]> = [
    [GSME, 'Event', 'CS10a', 0x13],
    [GSME, 'Security', 'CS10b', 0x04],
    [GPF, 'Event', 'CS10a', 0x13],
    [GPF, 'Security', 'CS10b', 0x04],
    [GPF, 'GSMEEvent', 'CS10a', 0x16],
    [GPF, 'GSMESecurity', 'CS10b', 0x07],
  ];
  for (const [target, log, useCase, logId] of cases)
    it(`${log} on the ${target === GSME ? 'GSME' : 'GPF'}: ${useCase}, Event Control / Log ID 0x${logId.toString(16)}`, () => {
      const r = transform('6.13', target, body(log))();
      assert.equal(r.useCase, useCase);
      assert.deepEqual(decoded(r).fields, {
        getEventLog: {
          eventControlLogId: logId,
          eventId: 0,
          startTime: DEC_1,
          endTime: DEC_1 + DAY,
          numberOfEvents: 0,
          eventOffset: 0,
        },
      });
    });
  it('the GSME holds no copy of its own logs: GSMEEvent to a GSME is refused', () => {
    assert.throws(transform('6.13', GSME, body('GSMEEvent')), (e) => e instanceof DspTransformError);
  });
});

describe('3.3 Clear Event Log to a GSME -> CS11; 3.4 Update Supplier Name to a GSME -> GCS44', () => {
  it('CS11: Clear Event Log Request of the General Event Log (0x03); an ESMEEventLogType for a GSME is refused', () => {
    const r = transform('3.3', GSME, '<sr:ClearEventLog/>')();
    assert.equal(r.useCase, 'CS11');
    assert.deepEqual(decoded(r).fields, { clearEventLog: { logId: 3 } });
    assert.throws(
      transform(
        '3.3',
        GSME,
        '<sr:ClearEventLog><sr:ESMEEventLogType>ESME</sr:ESMEEventLogType></sr:ClearEventLog>',
      ),
      (e) => e instanceof DspTransformError,
    );
  });
  it('GCS44: Publish Change of Supplier with the name and telephone number, now, Provider Change Control 0x1800', () => {
    const r = transform(
      '3.4',
      GSME,
      '<sr:UpdateSupplierName><sr:SupplierName>Gas Co</sr:SupplierName><sr:SupplierTelephoneNumber>0800 123</sr:SupplierTelephoneNumber></sr:UpdateSupplierName>',
    )();
    assert.equal(r.useCase, 'GCS44');
    const f = (decoded(r).fields as { changeOfSupplier: Record<string, unknown> }).changeOfSupplier;
    assert.equal(typeof f.issuerEventId, 'number');
    assert.deepEqual(
      { ...f, issuerEventId: 0 },
      {
        providerId: 0,
        issuerEventId: 0,
        tariffType: 0,
        proposedProviderId: 0,
        providerChangeImplementationTime: 0,
        providerChangeControl: 0x1800,
        proposedProviderName: toHex(new TextEncoder().encode('Gas Co')),
        proposedProviderContactDetails: toHex(new TextEncoder().encode('0800 123')),
      },
    );
  });
});

describe('6.20.1 / 6.2.7 / 7.4 to a GSME: GCS41, GCS46, GCS33 (GBCS V3.1 message templates)', () => {
  const mprn = (exec = '') =>
    `<sr:SetDeviceConfigurationImportMPxN>${exec}<sr:ImportMPRN>1234567890</sr:ImportMPRN></sr:SetDeviceConfigurationImportMPxN>`;
  it('6.20.1: Update SiteID with SiteID Time 0 (now) and the MPRN octets; future dated: held by the DSP (GCS41 is not future-datable)', () => {
    const r = transform('6.20.1', GSME, mprn())();
    assert.equal(r.useCase, 'GCS41');
    const f = (decoded(r).fields as { siteId: Record<string, unknown> }).siteId;
    assert.deepEqual(
      { ...f, issuerEventId: 0 },
      {
        issuerEventId: 0,
        siteIdTime: 0,
        providerId: 0,
        siteId: toHex(new TextEncoder().encode('1234567890')),
      },
    );
    const later = transform(
      '6.20.1',
      GSME,
      mprn('<sr:ExecutionDateTime>2030-01-01T00:00:00Z</sr:ExecutionDateTime>'),
    )() as { dspScheduledAt?: Date; gbcs: Uint8Array };
    assert.equal(later.dspScheduledAt?.toISOString(), '2030-01-01T00:00:00.000Z');
    assert.equal((decoded(later).fields as { siteId: { siteIdTime: number } }).siteId.siteIdTime, 0);
  });
  it('6.2.7: Read Attributes of SiteID 0x0307; 7.4: RemainingBatteryLifeinDays 0x0205 and SupplyStatus 0x0014', () => {
    const ids = (r: { gbcs: Uint8Array }, comp: string) =>
      (decoded(r).fields as Record<string, { attributes: Array<{ id: number }> }>)[comp]!.attributes.map(
        (a) => a.id,
      );
    const m = transform('6.2.7', GSME, '<sr:ReadDeviceConfigurationMPxN/>')();
    assert.equal(m.useCase, 'GCS46');
    assert.deepEqual(ids(m, 'readMetering'), [0x0307]);
    const s = transform('7.4', GSME, '<sr:ReadSupplyStatus/>')();
    assert.equal(s.useCase, 'GCS33');
    assert.deepEqual(ids(s, 'readMetering'), [0x0205, 0x0014]);
  });
});
