/**
 * Firmware alerts the devices address to the ACB, end to end through the
 * DSP (alert-routing.ts): a supplier's 11.1 Update Firmware is recorded
 * with its RequestID and the OTA image's hash; then
 * - CCS08 Firmware Transfer Alert from the CHF about the ESME: a DCC Alert
 *   CommsHubAlert / FirmwareTransferAlert carrying that RequestID, to the
 *   11.1 requester;
 * - the ESME's Firmware Distribution Receipt (8F72) to the ACB: the image's
 *   hash goes to the requester as a DeviceAlertMessage, another hash as the
 *   DCC Alert FirmwareDistributionFailure.
 * Each POST is DSP-signed and XSD-valid.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { el, formatRequestId, verifyAndParseDuisResponse } from '../../src/duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../src/duis/xsd-inprocess.ts';
import { encodeApdu } from '../../src/gbcs/index.ts';
import { encodeAlert, useCaseById } from '../../src/gbcs/use-cases/index.ts';
import { type Eui, euiToDuis } from '../../src/runtime/bytes.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import { decodeOtaImage, encodeOtaImage } from '../../src/zigbee/ota.ts';
import {
  ACB,
  CHF,
  DSP_TRUST,
  ESME,
  openTestDsp,
  rtdsSecurity,
  SUPPLIER,
  SUPPLIER_USER,
  signedRequest,
  type TestDsp,
} from '../support/dsp-service.ts';

const IMAGE = encodeOtaImage({
  manufacturerCode: 0x1234,
  imageType: 0, // the ESME's GBCS DeviceType
  fileVersion: 0x0123abcd,
  image: new Uint8Array(256).map((_, i) => i),
});
const UPDATE_FIRMWARE = { originator: SUPPLIER, target: ACB, counter: 7_000n };

function alertFrom(from: Eui, useCase: string, fields: Record<string, unknown>, counter: bigint): Uint8Array {
  const row = useCaseById(useCase)!;
  return rtdsSecurity().wrap(
    encodeApdu({
      cra: 'alert',
      originatorCounter: counter,
      originator: from,
      recipient: ACB,
      dateTime: null,
      otherInfo: { messageCode: row.code },
      content: encodeAlert(row, fields as never, { originatorCounter: counter }),
      signature: null,
    }),
  );
}

describe('firmware alerts to the ACB after an 11.1 (CCS08, FDRA)', () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  let t: TestDsp;
  before(async () => {
    t = await openTestDsp('sqlite', { clock, xsdValidation: true });
  });
  after(async () => {
    await t?.close();
  });
  const posted = async (gbcs: Uint8Array) => {
    const from = t.transport.posts.length;
    await t.dsp.onDeviceMessage({ chf: CHF, gbcs, at: clock.now() });
    clock.advance(0);
    await t.dsp.idle();
    return t.transport.posts.slice(from).map((p) => {
      assert.equal(p.url, SUPPLIER_USER.receiveUrl);
      const v = validateAgainstDuisXsdInProcess(p.xml);
      assert.ok(v.valid, `${v.errors.join('; ')}\n${p.xml}`);
      return verifyAndParseDuisResponse(p.xml, DSP_TRUST).response;
    });
  };

  it('11.1 by the supplier for the ESME: accepted and recorded with its requester, RequestID and image hash', () => {
    const r = t.dsp.handleRequest(
      'serviceD',
      signedRequest({
        ...UPDATE_FIRMWARE,
        cv: 8,
        srv: '11.1',
        body: el('UpdateFirmware', [
          el('FirmwareImage', Buffer.from(IMAGE).toString('base64')),
          el('FirmwareVersion', '0123ABCD'),
          el('DeviceIDList', euiToDuis(ESME)),
        ]),
      }),
    );
    assert.match(r.body, /<sr:ResponseCode>I99</, r.body);
    assert.deepEqual(t.dsp.records.latestFirmwareDistribution(ESME), {
      user: SUPPLIER,
      requestId: formatRequestId(UPDATE_FIRMWARE),
      imageHash: decodeOtaImage(IMAGE).hash,
    });
  });

  it('CCS08 from the CHF about the ESME: CommsHubAlert / FirmwareTransferAlert with the 11.1 RequestID', async () => {
    const [r, ...more] = await posted(
      alertFrom(
        CHF,
        'CCS08',
        {
          alertCode: 0x8f1c,
          executionDateTime: '20260101000000Z',
          entityId: ESME,
          firmwareVersion: '0123ABCD',
          responseCode: 0,
        },
        500n,
      ),
    );
    assert.equal(more.length, 0);
    assert.ok(r?.body.kind === 'DCCAlertMessage', JSON.stringify(r?.body));
    assert.equal(r.body.alert.name, 'CommsHubAlert');
    const fta = r.body.alert.children.find((c) => c.name === 'FirmwareTransferAlert');
    assert.deepEqual(
      fta?.children.map((c) => [c.name, c.text]),
      [
        ['UpdateFirmwareRequestID', formatRequestId(UPDATE_FIRMWARE)],
        ['OtherDeviceID', euiToDuis(ESME)],
        ['FirmwareVersion', '0123ABCD'],
        ['TransferResponseCode', 'FileTransferSuccess'],
      ],
    );
  });

  it("the ESME's receipt to the ACB: the image's hash reaches the requester as a DeviceAlertMessage", async () => {
    const fields = {
      alertCode: 0x8f72,
      timestamp: '2026-01-01T00:00:00.00',
      firmwareHash: decodeOtaImage(IMAGE).hash,
    };
    const [r] = await posted(alertFrom(ESME, 'FDRA-DLMS', fields, 600n));
    assert.ok(r?.body.kind === 'DeviceAlertMessage', JSON.stringify(r?.body));
    assert.equal(r.body.alertCode, '8F72');
    assert.deepEqual(r.header.responseId, { originator: ESME, target: SUPPLIER, counter: 600n });
  });

  it('a receipt with another hash: the DCC Alert FirmwareDistributionFailure to the requester', async () => {
    const fields = { alertCode: 0x8f72, timestamp: '2026-01-01T00:00:00.00', firmwareHash: '00'.repeat(32) };
    const [r] = await posted(alertFrom(ESME, 'FDRA-DLMS', fields, 601n));
    assert.ok(r?.body.kind === 'DCCAlertMessage', JSON.stringify(r?.body));
    assert.deepEqual(
      [r.body.alert.name, r.body.alert.children.map((c) => [c.name, c.text])],
      [
        'FirmwareDistributionFailure',
        [
          ['UpdateFirmwareRequestID', formatRequestId(UPDATE_FIRMWARE)],
          ['MeterIDs', euiToDuis(ESME)],
        ],
      ],
    );
  });
});
