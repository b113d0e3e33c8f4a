import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DUIS_DIR } from '../../test/support/fixtures.ts';
import {
  activateFirmware,
  activateFirmwareBody,
  executionDateTime,
  readInstantaneousImportRegisters,
  readInstantaneousImportRegistersBody,
  returnLocalCommandResponse,
  returnLocalCommandResponseBody,
  signedPreCommand,
  signedPreCommandBody,
  supplyAction,
  supplyBody,
  synchroniseClock,
  synchroniseClockBody,
  topUpDevice,
  topUpDeviceBody,
  updateHanDeviceLog,
  updateHanDeviceLogBody,
  updatePaymentMode,
  updatePaymentModeBody,
  updatePricePrimaryElement,
  updatePricePrimaryElementBody,
} from './bodies.ts';
import { DuisCommandVariantError, DuisError } from './errors.ts';
import { buildDuisRequest, type DuisRequestInput, parseDuisRequest } from './request.ts';
import { ACB_EUI, formatRequestId, originatorCounterBytes, parseRequestId } from './request-id.ts';
import type { CommandVariant } from './service-requests.ts';
import type { DuisNode } from './xml.ts';

export interface DuisFixture {
  dir: 'templates' | 'samples';
  file: string;
  path: string;
  xml: string;
}

export function requestFixtures(): DuisFixture[] {
  const out: DuisFixture[] = [];
  for (const dir of ['templates', 'samples'] as const) {
    for (const file of readdirSync(join(DUIS_DIR, dir)).sort()) {
      if (!/_REQUEST_DUIS\.XML$/.test(file)) continue;
      const path = join(DUIS_DIR, dir, file);
      out.push({ dir, file, path, xml: readFileSync(path, 'utf8') });
    }
  }
  return out;
}

/** SRV from a fixture name: `<UseCase>_<SRV>_...` or `<SRV>_<NAME>...`; `5.1.` in one name means 5.1. */
function srvFromName(file: string): string {
  const parts = file.split('_');
  const cand = /^\d/.test(parts[0]) ? parts[0] : parts[1];
  return cand.replace(/\.$/, '');
}

describe('parseDuisRequest over every DUIS template and sample request', () => {
  const fixtures = requestFixtures();
  it('finds the fixtures', () => assert.ok(fixtures.length >= 190, `${fixtures.length}`));
  for (const f of fixtures) {
    it(`${f.dir}/${f.file}`, () => {
      const r = parseDuisRequest(f.xml);
      assert.equal(r.header.serviceReferenceVariant, srvFromName(f.file));
      assert.equal(
        r.body.name,
        r.header.commandVariant >= 5 && r.header.commandVariant <= 7
          ? 'SignedPreCommand'
          : r.definition.bodyElement,
      );
      assert.ok(r.definition.commandVariants.includes(r.header.commandVariant));
      assert.match(r.schemaVersion, /^5\.[0-9]$/);
      assert.ok(r.hasSignature);
      if (r.definition.class === 'non-device') assert.equal(r.header.requestId.target, ACB_EUI);
      // RequestID round-trips textually (upper-case DUIS form).
      const idText = /<sr:RequestID>([^<]+)</.exec(f.xml)![1];
      assert.equal(formatRequestId(r.header.requestId), idText.toUpperCase());
    });
  }

  it('reads CS01a 2.2 exactly (header, UTRN, counter = GBCS originator counter)', () => {
    const r = parseDuisRequest(
      readFileSync(join(DUIS_DIR, 'templates', 'CS01a_2.2_SUCCESS_REQUEST_DUIS.XML')),
    );
    assert.deepEqual(r.header, {
      requestId: { originator: '90B3D51F30010000', target: '00DB1234567890A0', counter: 12884901888n },
      commandVariant: 1,
      serviceReference: '2.2',
      serviceReferenceVariant: '2.2',
    });
    assert.deepEqual(topUpDevice(r.body), { utrn: '73946144332040217315' });
    assert.deepEqual([...originatorCounterBytes(r.header.requestId)], [0, 0, 0, 3, 0, 0, 0, 0]);
  });

  it('reads typed bodies of the templates the DSP needs', () => {
    const t = (name: string) => parseDuisRequest(readFileSync(join(DUIS_DIR, 'templates', name))).body;
    assert.deepEqual(readInstantaneousImportRegisters(t('ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML')), {});
    assert.equal(
      readInstantaneousImportRegisters(t('ECS17b_4.1.1_DSP_FUTURE_DATED_REQUEST_DUIS.XML'))
        .executionDateTime instanceof Date,
      true,
    );
    const fw = activateFirmware(t('CS06_11.3_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML'));
    assert.equal(fw.firmwareHash.length, 32);
    assert.equal(fw.executionDateTime?.toISOString(), '2030-01-15T09:00:00.000Z');
    const clock = synchroniseClock(t('ECS70_6.11_SUCCESS_REQUEST_DUIS.XML'));
    assert.deepEqual(clock, { currentDateTime: new Date('2014-12-31T23:59:10Z'), tolerancePeriod: 60 });
    const han = updateHanDeviceLog(t('CCS01_8.11_SUCCESS_REQUEST_DUIS.XML'));
    assert.equal(han.deviceId, '00DB1234567890A0');
    assert.equal(han.requestType, 'Add');
    assert.equal(
      Buffer.from(han.addDeviceToCHFWhitelist!.installCode).toString('latin1'),
      '0123456789ABCDEF',
    );
    assert.equal(han.addDeviceToCHFWhitelist!.joinTimePeriod, 90);
    const pm = updatePaymentMode(t('ECS03_1.6_FUTURE_DATED_TWIN_SUCCESS_REQUEST_DUIS.XML'));
    assert.deepEqual(pm.paymentMode, {
      mode: 'Prepayment',
      suspendDebtDisabled: true,
      suspendDebtEmergency: false,
      disablementThreshold: 556677,
    });
    const price = updatePricePrimaryElement(t('ECS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML'));
    assert.equal(price.price.fuel, 'electricity');
    assert.equal(price.price.tariff.name, 'TOUTariff');
    assert.equal(supplyAction(t('ECS43_7.2_SUCCESS_REQUEST_DUIS.XML')), 'Disable');
    const rl = returnLocalCommandResponse(t('8.13_RETURN_LOCAL_COMMAND_RESPONSE_CS06_REQUEST_DUIS.XML'));
    assert.equal(
      formatRequestId(rl.originalRequestId!),
      '90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000',
    );
    assert.equal(rl.deviceGbcsResponse[0], 0xdf);
  });
});

describe('buildDuisRequest -> parseDuisRequest round trips', () => {
  const id = parseRequestId('90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:12884901888');
  const at = new Date('2030-01-15T09:00:00.000Z');
  const cases: Array<[string, CommandVariant, DuisNode, (b: DuisNode) => unknown, unknown]> = [
    [
      '4.1.1',
      1,
      readInstantaneousImportRegistersBody(at),
      readInstantaneousImportRegisters,
      { executionDateTime: at },
    ],
    [
      '2.2',
      3,
      topUpDeviceBody({ utrn: '73946144332040217315' }),
      topUpDevice,
      { utrn: '73946144332040217315' },
    ],
    ['7.1', 4, supplyBody('Enable'), supplyAction, 'Enable'],
    ['7.3', 4, supplyBody('Arm'), supplyAction, 'Arm'],
    [
      '6.11',
      4,
      synchroniseClockBody({ currentDateTime: at, tolerancePeriod: 300 }),
      synchroniseClock,
      { currentDateTime: at, tolerancePeriod: 300 },
    ],
    [
      '8.1.1',
      4,
      synchroniseClockBody({ currentDateTime: at, tolerancePeriod: 0 }, 'CommissionDeviceSynchroniseClock'),
      synchroniseClock,
      { currentDateTime: at, tolerancePeriod: 0 },
    ],
    [
      '8.11',
      2,
      updateHanDeviceLogBody({
        deviceId: '00DB123456780004',
        requestType: 'Add',
        addDeviceToCHFWhitelist: { joinTimePeriod: 3600, installCode: new Uint8Array(16).fill(0xab) },
      }),
      updateHanDeviceLog,
      {
        deviceId: '00DB123456780004',
        requestType: 'Add',
        addDeviceToCHFWhitelist: { joinTimePeriod: 3600, installCode: new Uint8Array(16).fill(0xab) },
      },
    ],
    [
      '11.3',
      4,
      activateFirmwareBody({ firmwareHash: new Uint8Array(32).fill(7) }),
      activateFirmware,
      { firmwareHash: new Uint8Array(32).fill(7) },
    ],
    [
      '1.6',
      4,
      updatePaymentModeBody({ paymentMode: { mode: 'Credit' } }),
      updatePaymentMode,
      { paymentMode: { mode: 'Credit' } },
    ],
    [
      '7.2',
      6,
      signedPreCommandBody({ gbcsPayload: new Uint8Array([0xdf, 9, 1, 2]), executionDateTime: at }),
      signedPreCommand,
      { gbcsPayload: new Uint8Array([0xdf, 9, 1, 2]), executionDateTime: at },
    ],
    [
      '8.13',
      8,
      returnLocalCommandResponseBody({
        originalRequestId: id,
        deviceGbcsResponse: new Uint8Array([1, 2, 3]),
      }),
      returnLocalCommandResponse,
      { originalRequestId: id, deviceGbcsResponse: new Uint8Array([1, 2, 3]) },
    ],
  ];
  for (const [srv, cv, body, read, expected] of cases) {
    it(`${srv} CV${cv} ${body.name}`, () => {
      const input: DuisRequestInput = {
        header: { requestId: id, commandVariant: cv, serviceReferenceVariant: srv },
        body,
      };
      const xml = buildDuisRequest(input);
      const r = parseDuisRequest(xml);
      assert.equal(r.header.serviceReferenceVariant, srv);
      assert.equal(r.header.commandVariant, cv);
      assert.deepEqual(r.header.requestId, id);
      assert.deepEqual(r.body, body);
      assert.deepEqual(read(r.body), expected);
      assert.equal(buildDuisRequest({ header: r.header, body: r.body }), xml);
    });
  }
  it('price update round trip', () => {
    const t = parseDuisRequest(
      readFileSync(join(DUIS_DIR, 'templates', 'ECS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML')),
    );
    const v = updatePricePrimaryElement(t.body);
    assert.deepEqual(updatePricePrimaryElementBody(v), t.body);
  });
  it('keeps optional header fields', () => {
    const xml = buildDuisRequest({
      header: {
        requestId: id,
        firstInSequence: true,
        precedingServiceRequestId: { ...id, counter: 1n },
        commandVariant: 1,
        serviceReferenceVariant: '4.1.1',
      },
      body: readInstantaneousImportRegistersBody(),
    });
    const r = parseDuisRequest(xml);
    assert.equal(r.header.firstInSequence, true);
    assert.equal(r.header.precedingServiceRequestId?.counter, 1n);
    assert.equal(executionDateTime(r.body), undefined);
  });
  it('refuses a CV the SRV does not allow (E12), on build and on parse', () => {
    const bad = {
      header: { requestId: id, commandVariant: 1 as const, serviceReferenceVariant: '7.1' },
      body: supplyBody('Enable'),
    };
    assert.throws(() => buildDuisRequest(bad), DuisCommandVariantError);
    const xml = buildDuisRequest(bad, { checkCommandVariant: false });
    assert.throws(
      () => parseDuisRequest(xml),
      (e: unknown) => e instanceof DuisError && e.code === 'DUIS_COMMAND_VARIANT_NOT_ALLOWED',
    );
    assert.equal(parseDuisRequest(xml, { checkCommandVariant: false }).header.commandVariant, 1);
  });
});
