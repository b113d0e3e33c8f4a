import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DUIS_DIR } from '../../test/support/fixtures.ts';
import {
  activateFirmwareBody,
  readInstantaneousImportRegistersBody,
  returnLocalCommandResponseBody,
  signedPreCommandBody,
  supplyBody,
  synchroniseClockBody,
  topUpDeviceBody,
  updateHanDeviceLogBody,
  updatePaymentModeBody,
  updatePricePrimaryElementBody,
} from './bodies.ts';
import { DuisError, DuisXsdUnavailableError } from './errors.ts';
import { buildDuisRequest, parseDuisRequest } from './request.ts';
import { ACB_EUI, type RequestId } from './request-id.ts';
import {
  buildDuisResponse,
  type DuisResponseInput,
  parseDuisResponse,
  ppmidAlert,
  ppmidAlertNode,
} from './response.ts';
import type { CommandVariant } from './service-requests.ts';
import {
  canonicalXml,
  signDuisXml,
  verifyDuisSignature,
  XmlSigningCertificateStore,
  xmlSigner,
} from './signature.ts';
import { type DuisNode, el } from './xml.ts';
import { DuisXsdValidator, validateAgainstDuisXsd } from './xsd.ts';

const KEYS = join(DUIS_DIR, 'xml-sign-keys');
const supplier = xmlSigner(
  readFileSync(join(KEYS, 'xml-sign-90B3D51F30010000-ds.key')),
  readFileSync(join(KEYS, 'xml-sign-90B3D51F30010000-ds.pem'), 'utf8'),
);
const dsp = xmlSigner(
  readFileSync(join(KEYS, 'dsp-xml-sign-90B3D51F30000002-ds.key')),
  readFileSync(join(KEYS, 'dsp-xml-sign-90B3D51F30000002-ds.pem'), 'utf8'),
);
const trust = new XmlSigningCertificateStore([supplier.certificate.certificate, dsp.certificate.certificate]);

function assertValid(xml: string, what: string): void {
  const r = validateAgainstDuisXsd(xml);
  assert.deepEqual(r, { valid: true, errors: [] }, `${what}: ${r.errors.join('\n')}`);
}

describe('XSD validation of the fixtures (xmllint, offline)', () => {
  for (const dir of ['templates', 'samples']) {
    for (const f of readdirSync(join(DUIS_DIR, dir)).sort()) {
      it(`${dir}/${f} validates as-is`, () => assertValid(readFileSync(join(DUIS_DIR, dir, f), 'utf8'), f));
    }
  }

  it('reports schema errors with xmllint messages', () => {
    const bad = readFileSync(
      join(DUIS_DIR, 'templates', 'CS01a_2.2_SUCCESS_REQUEST_DUIS.XML'),
      'utf8',
    ).replace('73946144332040217315', '7394614433204021731');
    const r = validateAgainstDuisXsd(bad);
    assert.equal(r.valid, false);
    assert.match(r.errors.join('\n'), /UTRN/);
  });

  it('screens input like the parser (no DOCTYPE ever reaches xmllint)', () => {
    assert.throws(
      () => validateAgainstDuisXsd('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'),
      (e: unknown) => e instanceof DuisError && e.code === 'DUIS_FORBIDDEN_MARKUP',
    );
  });

  it('says how to install xmllint when it is missing', () => {
    const v = new DuisXsdValidator({ xmllint: '/nonexistent/xmllint' });
    assert.throws(
      () => v.validate('<a/>'),
      (e: unknown) => e instanceof DuisXsdUnavailableError && /libxml2-utils/.test(e.message),
    );
  });
});

describe('every document this module builds validates after signing', () => {
  const device: RequestId = {
    originator: '90B3D51F30010000',
    target: '00DB1234567890A0',
    counter: 12884901888n,
  };
  const at = new Date('2030-01-15T09:00:00.000Z');
  const requests: Array<[string, CommandVariant, DuisNode, RequestId?]> = [
    ['4.1.1', 1, readInstantaneousImportRegistersBody()],
    ['4.1.1', 3, readInstantaneousImportRegistersBody(at)],
    ['2.2', 2, topUpDeviceBody({ utrn: '73946144332040217315' })],
    ['7.1', 4, supplyBody('Enable')],
    ['7.2', 4, supplyBody('Disable')],
    ['7.3', 4, supplyBody('Arm')],
    ['6.11', 4, synchroniseClockBody({ currentDateTime: at, tolerancePeriod: 60 })],
    [
      '8.1.1',
      4,
      synchroniseClockBody({ currentDateTime: at, tolerancePeriod: 60 }, 'CommissionDeviceSynchroniseClock'),
    ],
    [
      '8.11',
      1,
      updateHanDeviceLogBody({
        executionDateTime: at,
        deviceId: '00DB123456780004',
        requestType: 'Add',
        addDeviceToCHFWhitelist: {
          joinTimePeriod: 90,
          installCode: new Uint8Array(16).fill(0x30),
          importMpxn: '1312345678111',
        },
      }),
    ],
    ['8.11', 3, updateHanDeviceLogBody({ deviceId: '00DB123456780004', requestType: 'Remove' })],
    ['11.3', 4, activateFirmwareBody({ executionDateTime: at, firmwareHash: new Uint8Array(32).fill(0xaa) })],
    [
      '1.6',
      4,
      updatePaymentModeBody({
        paymentMode: {
          mode: 'Prepayment',
          suspendDebtDisabled: true,
          suspendDebtEmergency: false,
          disablementThreshold: -5,
        },
      }),
    ],
    ['1.6', 4, updatePaymentModeBody({ executionDateTime: at, paymentMode: { mode: 'Credit' } })],
    [
      '1.2.1',
      4,
      updatePricePrimaryElementBody({
        price: {
          fuel: 'electricity',
          standingCharge: 20000,
          standingChargeScale: -5,
          priceScale: -5,
          tariff: el('TOUTariff', [
            el('TOUPrice', '3221', { index: '1' }),
            el('TOUPrice', '4327', { index: '2' }),
          ]),
        },
      }),
    ],
    ['7.1', 5, signedPreCommandBody({ gbcsPayload: new Uint8Array([0xdf, 0x09, 0x01]) })],
    [
      '1.6',
      6,
      signedPreCommandBody({ executionDateTime: at, gbcsPayload: new Uint8Array([0xdf, 0x09, 0x02]) }),
    ],
    ['7.2', 7, signedPreCommandBody({ gbcsPayload: new Uint8Array([0xdf, 0x09, 0x03]) })],
    [
      '8.13',
      8,
      returnLocalCommandResponseBody({
        originalRequestId: device,
        deviceGbcsResponse: new Uint8Array([0xdf, 1, 2]),
      }),
      { ...device, target: ACB_EUI },
    ],
  ];
  for (const [srv, cv, body, id] of requests) {
    it(`request ${srv} CV${cv} ${body.name}`, () => {
      const xml = signDuisXml(
        buildDuisRequest({
          header: { requestId: id ?? device, commandVariant: cv, serviceReferenceVariant: srv },
          body,
        }),
        supplier,
      );
      assertValid(xml, `${srv} CV${cv}`);
      verifyDuisSignature(xml, trust, { expectedSignerEui: '90B3D51F30010000' });
      assert.deepEqual(parseDuisRequest(xml).body, body);
    });
  }

  it('every template, rebuilt from its parsed form and signed', () => {
    for (const f of readdirSync(join(DUIS_DIR, 'templates'))) {
      const r = parseDuisRequest(readFileSync(join(DUIS_DIR, 'templates', f)));
      const xml = signDuisXml(
        buildDuisRequest({ schemaVersion: r.schemaVersion, header: r.header, body: r.body }),
        supplier,
      );
      assertValid(xml, f);
    }
  });

  const responseId: RequestId = {
    originator: '00DB1234567890A0',
    target: '90B3D51F30010000',
    counter: 12884901888n,
  };
  const header = (code: DuisResponseInput['header']['responseCode'], withResponseId = false) => ({
    requestId: device,
    ...(withResponseId ? { responseId } : {}),
    responseCode: code,
    responseDateTime: new Date('2022-08-17T15:45:42.790Z'),
  });
  const gbcs = new Uint8Array([0xdd, 0, 0, 0, 0, 0, 0, 0x55, 0x11]);
  const responses: Array<[string, DuisResponseInput]> = [
    [
      'I0 ResponseMessage with device GBCSPayload',
      {
        header: header('I0', true),
        body: {
          kind: 'ResponseMessage',
          serviceReference: '4.1',
          serviceReferenceVariant: '4.1.1',
          payload: { type: 'GBCSPayload', gbcs },
        },
      },
    ],
    [
      'I99 acknowledgement',
      {
        header: header('I99'),
        body: { kind: 'ResponseMessage', serviceReference: '2.2', serviceReferenceVariant: '2.2' },
      },
    ],
    [
      'I0 LocalCommand (CV 2/3/6/7)',
      {
        header: header('I0'),
        body: {
          kind: 'ResponseMessage',
          serviceReference: '2.2',
          serviceReferenceVariant: '2.2',
          payload: { type: 'LocalCommand', gbcs },
        },
      },
    ],
    [
      'I0 PreCommand (CV 4)',
      {
        header: header('I0'),
        body: {
          kind: 'ResponseMessage',
          serviceReference: '7.1',
          serviceReferenceVariant: '7.1',
          payload: { type: 'PreCommand', gbcsVersion: '4.3', gbcs },
        },
      },
    ],
    [
      'E12 error response',
      {
        header: header('E12'),
        body: { kind: 'ResponseMessage', serviceReference: '7.1', serviceReferenceVariant: '7.1' },
      },
    ],
    [
      'E081301 SR-specific error',
      {
        header: header('E081301'),
        body: { kind: 'ResponseMessage', serviceReference: '8.13', serviceReferenceVariant: '8.13' },
      },
    ],
    [
      'DeviceAlertMessage',
      {
        header: { responseId, responseCode: 'I0', responseDateTime: new Date('2022-08-17T15:45:42Z') },
        body: { kind: 'DeviceAlertMessage', alertCode: '8f84', gbcsPayload: gbcs },
      },
    ],
    [
      'DeviceAlertMessage, throttled',
      {
        header: { responseId, responseCode: 'I0', responseDateTime: new Date('2022-08-17T15:45:42Z') },
        body: {
          kind: 'DeviceAlertMessage',
          alertCode: '8F3E',
          throttledAlertSequenceId: 7,
          throttledAlertCount: 3,
          gbcsPayload: gbcs,
        },
      },
    ],
    [
      'DCCAlertMessage PPMIDAlert',
      {
        header: { responseCode: 'I0', responseDateTime: new Date('2022-08-17T15:45:42Z') },
        body: {
          kind: 'DCCAlertMessage',
          dccAlertCode: 'N42',
          alert: ppmidAlertNode({
            deviceId: '00DB123456780004',
            deviceAlertCode: '8F01',
            timestamp: new Date('2022-08-17T15:45:00Z'),
            firmwareUpgrade: { firmwareVersion: '01020304', activateImageResultCode: 'ActivationSuccess' },
          }),
        },
      },
    ],
    [
      'DCCAlertMessage PPMIDRemoval',
      {
        header: { responseCode: 'I0', responseDateTime: new Date('2022-08-17T15:45:42Z') },
        body: {
          kind: 'DCCAlertMessage',
          dccAlertCode: 'N999',
          alert: el('PPMIDRemoval', [
            el('PPMIDDeviceID', '00-DB-12-34-56-78-00-04'),
            el('CHFDeviceID', '00-DB-12-34-56-78-00-01'),
          ]),
        },
      },
    ],
  ];
  for (const [name, input] of responses) {
    it(`response: ${name}`, () => {
      const xml = signDuisXml(buildDuisResponse(input), dsp);
      assertValid(xml, name);
      verifyDuisSignature(xml, trust, { expectedSignerEui: '90B3D51F30000002' });
      const back = parseDuisResponse(xml);
      assert.deepEqual(back.header, input.header);
      if (input.body.kind === 'DeviceAlertMessage') {
        assert.deepEqual(back.body, { ...input.body, alertCode: input.body.alertCode.toUpperCase() });
      } else assert.deepEqual(back.body, input.body);
      if (back.body.kind === 'DCCAlertMessage' && back.body.alert.name === 'PPMIDAlert') {
        assert.equal(
          ppmidAlert(back.body.alert).firmwareUpgrade?.activateImageResultCode,
          'ActivationSuccess',
        );
      }
    });
  }
});

describe('canonicalisation agrees with libxml2', () => {
  const xmllintC14n = (xml: string) =>
    spawnSync('xmllint', ['--c14n', '--nonet', '-'], { input: xml, encoding: 'utf8' }).stdout;
  it('Canonical XML 1.0 of every template (signature removed) equals xmllint --c14n', () => {
    for (const f of readdirSync(join(DUIS_DIR, 'templates'))) {
      const xml = readFileSync(join(DUIS_DIR, 'templates', f), 'utf8').replace(
        /<ds:Signature[\s\S]*<\/ds:Signature>/,
        '',
      );
      // xmllint --c14n keeps comments; a URI="" reference omits them, as canonicalXml does.
      assert.equal(canonicalXml(xml, 'c14n'), xmllintC14n(xml.replace(/<!--[\s\S]*?-->/g, '')), f);
    }
  });
  it('and of the documents this module signs (the digest input)', () => {
    const xml = buildDuisRequest({
      header: {
        requestId: { originator: '90B3D51F30010000', target: ACB_EUI, counter: 1n },
        commandVariant: 8,
        serviceReferenceVariant: '8.13',
      },
      body: returnLocalCommandResponseBody({ deviceGbcsResponse: new Uint8Array([1, 2, 3]) }),
    });
    assert.equal(canonicalXml(xml, 'c14n'), xmllintC14n(xml));
  });
});
