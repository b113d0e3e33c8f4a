/**
 * Issue 17: every non-device SRV of DUIS through the DSP's HTTP face (XSD
 * validation on, XML-DSig), answered against the DSP's inventory and
 * schedules in its database, each answer XSD-valid and signed by the DSP;
 * what the DSP does not model is a DUIS refusal (E11), never HTTP 501. The
 * records survive a DSP restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestStore, type TestStore } from '../../src/adapters/store/testing.ts';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { markOptedOut } from '../../src/dcc/dsp/enrolment.ts';
import { DspService, type RunningDspHttp, startDspHttp } from '../../src/dcc/dsp/index.ts';
import { srvTable } from '../../src/dcc/dsp/srv-table.ts';
import type { Esme } from '../../src/devices/esme/esme.ts';
import { type DuisResponse, el, verifyAndParseDuisResponse } from '../../src/duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../src/duis/xsd-inprocess.ts';
import { SecurityContext } from '../../src/gbcs/index.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import { encodeOtaImage } from '../../src/zigbee/ota.ts';
import { CspDownlinkTestDouble } from '../support/csp-downlink-test-double.ts';
import {
  ACB,
  DSP_TRUST,
  dspSigner,
  ESME,
  RecordingTransport,
  RTDS_INVENTORY,
  rtdsKeys,
  SUPPLIER_USER,
  signedRequest,
  templateRequest,
} from '../support/dsp-service.ts';

const NEW_DEVICE = '00-DB-12-34-56-78-90-C0';

function checkEmitted(xml: string): DuisResponse {
  const v = validateAgainstDuisXsdInProcess(xml);
  assert.ok(v.valid, `XSD: ${v.errors.join('; ')}\n${xml}`);
  return verifyAndParseDuisResponse(xml, DSP_TRUST).response;
}

function element(r: DuisResponse, name: string) {
  assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'Other', 'a response element');
  assert.equal(r.body.payload.node.name, name);
  return r.body.payload.node;
}

const childText = (n: { children: readonly { name: string; text: string | undefined }[] }, name: string) =>
  n.children.find((c) => c.name === name)?.text;

describe('DSP non-device SRs over HTTP (XSD on, signed answers)', () => {
  let store: TestStore;
  let dsp: DspService;
  let http: RunningDspHttp;
  const clock = new VirtualClock();
  const downlink = new CspDownlinkTestDouble();
  // time-based counters (DUIS): a DSP schedule run takes the next counter at its time
  let counter = BigInt(clock.now());
  const next = () => {
    const last = dsp.lastCounter(SUPPLIER_USER.eui);
    counter = (last !== undefined && last >= counter ? last : counter) + 1n;
    return counter;
  };

  const open = async () => {
    dsp = await DspService.open({
      clock,
      store,
      wanCoverage: [
        {
          postCodePrefix: 'M22',
          region: 'North',
          available: true,
          technology: 'Long Range Radio',
          likelihood: 'High',
        },
        {
          uprn: '100023336956',
          region: 'South',
          available: false,
          anticipatedDate: '2026-06-01',
          technology: 'Cellular',
          likelihood: 'Medium',
        },
      ],
      security: new SecurityContext({ keyStore: rtdsKeys() }),
      xmlSigner: dspSigner,
      downlink,
      transport: new RecordingTransport(),
    });
    http = await startDspHttp({ dsp, port: 0 });
  };

  before(async () => {
    store = await openTestStore('sqlite');
    await open();
    dsp.registerUser(SUPPLIER_USER);
    for (const d of RTDS_INVENTORY) dsp.setInventoryDevice({ ...d });
  });

  after(async () => {
    await http?.close();
    await dsp?.close();
    await store?.close();
  });

  /** POSTs `xml` to the DSP's `endpoint`: HTTP 200 and a response the DSP emitted (signed, XSD-valid). */
  async function post(
    endpoint: 'serviceD' | 'serviceS',
    xml: string,
  ): Promise<{ r: DuisResponse; body: string }> {
    const res = await fetch(`${http.url}/api/v1/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml,
    });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    return { r: checkEmitted(body), body };
  }
  async function send(xml: string, code: string): Promise<DuisResponse> {
    const { r, body } = await post('serviceD', xml);
    assert.equal(r.header.responseCode, code, body);
    return r;
  }
  /** A device SR (serviceS): its response code. */
  const sendS = async (xml: string) => (await post('serviceS', xml)).r.header.responseCode;
  /** A device SR: read the ESME's instantaneous import registers (4.1.1). */
  const read = () =>
    signedRequest({
      target: ESME,
      counter: next(),
      cv: 1,
      srv: '4.1.1',
      body: el('ReadInstantaneousImportRegisters'),
    });
  const template = (f: string, edit?: (x: string) => string) =>
    templateRequest(f, edit ? { counter: next(), edit } : { counter: next() });
  const built = (srv: string, body: ReturnType<typeof el>) =>
    signedRequest({ target: ACB, counter: next(), cv: 8, srv, body });

  it('12.2 Device Pre-notification: a new device enters the inventory as Pending; 8.2 reads it', async () => {
    await send(
      template('12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML', (x) =>
        x.replace('<sr:DeviceID>00-DB-12-34-56-78-90-A0<', `<sr:DeviceID>${NEW_DEVICE}<`),
      ),
      'I99',
    );
    const r = await send(built('8.2', el('ReadInventory', [el('DeviceID', NEW_DEVICE)])), 'I0');
    const dev = element(r, 'DSPInventory').children[0];
    assert.equal(childText(dev, 'DeviceStatus'), 'Pending');
    assert.equal(childText(dev, 'DeviceManufacturer'), 'AB01');
    assert.equal(childText(dev, 'DeviceModel'), '010A030B');
    assert.equal(childText(dev, 'ESMEVariant'), 'AD');
    // the same device again: refused (PROVISIONAL E120203)
    await send(
      template('12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML', (x) =>
        x.replace('<sr:DeviceID>00-DB-12-34-56-78-90-A0<', `<sr:DeviceID>${NEW_DEVICE}<`),
      ),
      'E120203',
    );
  });

  it('8.2 Read Inventory (template: the CHF), and an unknown device', async () => {
    const r = await send(template('8.2_READ_INVENTORY_REQUEST_DUIS.XML'), 'I0');
    const dev = element(r, 'DSPInventory').children[0];
    assert.equal(childText(dev, 'DeviceID'), '00-DB-12-34-56-78-90-A2');
    assert.equal(childText(dev, 'DeviceType'), 'CHF');
    await send(built('8.2', el('ReadInventory', [el('DeviceID', '00-DB-12-34-56-78-90-FF')])), 'E080201');
  });

  it('8.14.1 / 8.14.3 Communications Hub status updates change the CHF status', async () => {
    await send(template('8.14.1_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_SUCCESS_REQUEST_DUIS.XML'), 'I99');
    assert.equal(dsp.records.device('00DB1234567890A2')?.status, 'InstalledNotCommissioned');
    await send(template('8.14.3_COMMUNICATIONS_HUB_STATUS_UPDATE_FAULT_RETURN_REQUEST_DUIS.XML'), 'I99');
    assert.equal(dsp.records.device('00DB1234567890A2')?.status, 'Withdrawn');
    // a CH status update naming an ESME: refused
    await send(
      template('8.14.1_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_SUCCESS_REQUEST_DUIS.XML', (x) =>
        x.replace('<sr:DeviceID>00-DB-12-34-56-78-90-A2<', '<sr:DeviceID>00-DB-12-34-56-78-90-A0<'),
      ),
      'E081402',
    );
  });

  it('11.1 / 11.4 firmware distribution: recorded per device, the wrong device type warned', async () => {
    await send(template('11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML'), 'I99');
    assert.equal(dsp.records.device('00DB1234567890A0')?.firmware?.length, 1);
    await send(template('11.4_UPDATE_PPMID_FIRMWARE_REQUEST_DUIS.XML'), 'I99');
    const r = await send(
      template('11.4_UPDATE_PPMID_FIRMWARE_REQUEST_DUIS.XML', (x) =>
        x.replace(
          '<sr:DeviceIDList>00-DB-12-34-56-78-90-A4<',
          '<sr:DeviceIDList>00-DB-12-34-56-78-90-A4,00-DB-12-34-56-78-90-A0,00-DB-12-34-56-78-90-EE<',
        ),
      ),
      'W110401',
    );
    const w = element(r, 'DSPUpdatePPMIDFirmwareWarning');
    assert.equal(childText(w, 'InvalidDeviceIDList'), '00-DB-12-34-56-78-90-EE');
    assert.equal(childText(w, 'NotApplicableFirmwareDeviceIDList'), '00-DB-12-34-56-78-90-A0');
  });

  it('11.1 with an OTA Upgrade Image: the file goes over the SM WAN to the CH of the ESME, which distributes it to the ESME', async () => {
    const file = encodeOtaImage({
      manufacturerCode: 0x1234,
      imageType: 1,
      fileVersion: 0x0200abcd,
      image: new Uint8Array(300).fill(7),
    });
    const sent = downlink.sent.length;
    await send(
      template('11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML', (x) =>
        x.replace(/<sr:FirmwareImage>[^<]*</, `<sr:FirmwareImage>${Buffer.from(file).toString('base64')}<`),
      ),
      'I99',
    );
    const out = downlink.sent.slice(sent);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.chf, '00DB1234567890A2');
    assert.deepEqual(out[0]!.gbcs, file);
    // the same bytes at the CH of an rtds home (the WAN hands them to receiveFromWan) reach the ESME
    const atps = new Atps({ deviceApps: defaultDeviceApps });
    const { id } = await atps.createHome({ profile: 'rtds' });
    const home = atps.home(id);
    assert.equal(home.chf.receiveFromWan(out[0]!.gbcs), 'delivered');
    (home.clock as VirtualClock).runUntilIdle({ horizonMs: 600_000 });
    const esme = home.device('00DB1234567890A0') as Esme;
    assert.equal(esme.stateView.firmware.pendingImage?.version, '0200ABCD');
  });

  it('5.1 / 5.2 / 5.3 schedules: created, read back, deleted; they survive a restart', async () => {
    // the template as it is: 4.6.1 to its ESME builds ECS21a (GBCS V3.1's SRV sheet), so the DSP schedules it
    const created = await send(template('ECS21a_5.1._DCC_SCHEDULED_REQUEST_DUIS.XML'), 'I0');
    const id = element(created, 'DSPScheduleID').text!;
    assert.match(id, /^\d+$/);
    await dsp.idle();
    await http.close();
    await dsp.close();
    await open();
    const read = await send(built('5.2', el('ReadSchedule', [el('DSPScheduleID', id)])), 'I0');
    const s = element(read, 'DSPSchedulesRead').children[0];
    assert.equal(childText(s, 'DSPScheduleID'), id);
    assert.equal(childText(s.children[1] as never, 'DSPScheduledServiceReferenceVariant'), '4.6.1');
    await send(
      template('5.3_DELETE_SCHEDULE_REQUEST_DUIS.XML', (x) => x.replace('>123<', `>${id}<`)),
      'I99',
    );
    await send(built('5.2', el('ReadSchedule', [el('DSPScheduleID', id)])), 'E050201');
    // the device records survived the restart too
    assert.equal(dsp.records.device('00DB1234567890A2')?.status, 'Withdrawn');
  });

  it('8.4 Update Inventory: details; delete only a Pending device (template: a commissioned ESME, refused)', async () => {
    await send(template('8.4_UPDATE_INVENTORY_REQUEST_DUIS.XML'), 'E080408');
    await send(
      built(
        '8.4',
        el('UpdateInventory', [
          el('DeviceID', '00-DB-12-34-56-78-90-A0'),
          el('UpdateDeviceDetails', [el('DeviceManufacturer', 'ZZ99')]),
        ]),
      ),
      'I99',
    );
    assert.equal(dsp.records.device('00DB1234567890A0')?.manufacturer, 'ZZ99');
    await send(built('8.4', el('UpdateInventory', [el('DeviceID', NEW_DEVICE), el('DeleteDevice')])), 'I99');
    assert.equal(dsp.records.device('00DB1234567890C0'), undefined);
  });

  it('8.3 Decommission Device, once', async () => {
    await send(template('8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML'), 'I99');
    assert.equal(dsp.records.device('00DB1234567890A0')?.status, 'Decommissioned');
    await send(template('8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML'), 'E080302');
  });

  it('12.1 Request WAN Matrix: the coverage table by post code or UPRN; an unknown address E120101', async () => {
    const r = await send(template('12.1_REQUEST_WAN_MATRIX_ADDRESS_REQUEST_DUIS.XML'), 'I0');
    const m = element(r, 'DSPWANMatrix');
    assert.equal(m.children[0]!.name, 'Request');
    assert.equal(childText(m.children[0]!.children[0] as never, 'PostCode'), 'M22 0RR');
    const north = m.children[1]!;
    assert.equal(childText(north, 'CSPRegion'), 'North');
    assert.equal(childText(north, 'CoverageAvailability'), 'true');
    assert.equal(childText(north, 'ConnectivityLikelihood'), 'High');
    const byUprn = await send(built('12.1', el('RequestWANMatrix', [el('UPRN', '100023336956')])), 'I0');
    const south = element(byUprn, 'DSPWANMatrix').children[1]!;
    assert.equal(childText(south, 'CoverageAvailability'), 'false');
    assert.equal(childText(south, 'AnticipatedCoverageDate'), '2026-06-01');
    await send(
      template('12.1_REQUEST_WAN_MATRIX_ADDRESS_REQUEST_DUIS.XML', (x) => x.replace('M22 0RR', 'EH1 1AA')),
      'E120101',
    );
  });

  it('8.6 Service Opt In: an opted-out device refuses device SRs (E5) until its OptInDate; the answer carries the ACB certificates', async () => {
    // not opted out: nothing to opt in
    const optIn = (date: string) =>
      template('8.6_SERVICE_OPTIN_REQUEST_DUIS.XML', (x) => x.replace('>2015-02-01<', `>${date}<`));
    await send(optIn('2026-01-03'), 'E080604');
    dsp.records.putDevice(markOptedOut(dsp.records.device(ESME)!, clock.now(), '8.5'), clock.now());
    assert.equal(await sendS(read()), 'E5');
    await send(optIn('2015-02-01'), 'E080606'); // in the past
    await send(
      template('8.6_SERVICE_OPTIN_REQUEST_DUIS.XML', (x) =>
        x.replace('<sr:DeviceType>ESME<', '<sr:DeviceType>GSME<'),
      ),
      'E080602',
    );
    const r = await send(optIn('2026-01-03'), 'I0');
    const o = element(r, 'DSPOptIn');
    assert.equal(childText(o, 'DeviceID'), '00-DB-12-34-56-78-90-A0');
    const ka = rtdsKeys().certificate(ACB, 'ka')!.der;
    assert.deepEqual(
      Buffer.from(childText(o, 'DSPBrokerSecurityCredentialsKeyAgreement')!, 'base64'),
      Buffer.from(ka),
    );
    assert.ok(childText(o, 'DSPBrokerSecurityCredentialsDigitalSigning'));
    assert.equal(dsp.records.device(ESME)?.importMpxn, '1312345678111');
    await send(optIn('2026-01-04'), 'E080604'); // already opting in
    assert.equal(await sendS(read()), 'E5', 'still out before the opt-in date');
    clock.advance(2 * 86_400_000);
    assert.equal(await sendS(read()), 'I99', 'back in from the opt-in date');
  });

  it('8.5 Service Opt Out, the mirror of 8.6: accepted (I99), the device is out from its ExecutionDateTime (E5, a second 8.5 too) until 8.6 brings it back', async () => {
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, '.00Z');
    const optOutAt = (at: number) =>
      templateRequest('CS02bACBByACB_8.5_SUCCESS_REQUEST_DUIS.XML', {
        counter: next(),
        edit: (x) => x.replace('>2015-01-15T00:00:00.00Z<', `>${iso(at)}<`),
      });
    assert.equal(await sendS(read()), 'I99', 'in DCC services');
    const at = clock.now() + 3_600_000;
    const sent = downlink.sent.length;
    assert.equal(await sendS(optOutAt(at)), 'I99');
    assert.equal(dsp.records.device(ESME)?.optedOut?.at, at);
    assert.equal(dsp.records.device(ESME)?.optedOut?.optInFrom, undefined);
    assert.equal(await sendS(read()), 'I99', 'still in before the ExecutionDateTime');
    clock.advance(3_600_000);
    await dsp.idle();
    assert.ok(downlink.sent.length > sent, 'the held CS02b went out at its time');
    assert.equal(await sendS(read()), 'E5', 'out from the ExecutionDateTime');
    assert.equal(
      await sendS(optOutAt(clock.now() + 60_000)),
      'E5',
      'an opted-out device is not opted out twice',
    );
    const tomorrow = new Date(clock.now() + 86_400_000).toISOString().slice(0, 10);
    await send(
      template('8.6_SERVICE_OPTIN_REQUEST_DUIS.XML', (x) => x.replace('>2015-02-01<', `>${tomorrow}<`)),
      'I0',
    );
    assert.equal(await sendS(read()), 'E5', 'out until the opt-in date');
    clock.advance(86_400_000);
    assert.equal(await sendS(read()), 'I99', 'back in');
  });

  it('every non-device SRV of the table is answered or refused with a DUIS code', () => {
    const nonDevice = srvTable().filter((e) => e.class === 'non-device');
    assert.equal(nonDevice.length, 16);
  });
});
