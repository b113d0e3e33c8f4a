/**
 * 6.22 Configure Alert Behaviour beyond the DCC templates (their byte-exact
 * checks are in test/dsp-transform.test.ts): XSD-shaped requests for the
 * polyphase and single phase groups and for the GSME (GCS20, GBCS V3.1 message template),
 * transformed and decoded back through the catalogue to the alerts given;
 * bad bodies are typed refusals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsContext } from '../../../../test/support/dsp-transform.ts';
import { xsdShapedRequest } from '../../../../test/support/xsd-shaped.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../../duis/xsd-inprocess.ts';
import { decodeMessage } from '../../../gbcs/index.ts';
import { decodeCommand } from '../../../gbcs/use-cases/index.ts';
import { alertBehaviourBits } from './config-srs.ts';
import { DspTransformError, DspUnsupportedServiceRequestError } from './errors.ts';
import { transformServiceRequest } from './index.ts';

const ESME = '00DB1234567890A0';
const GSME = '00DB1234567890A1';
const SUPPLIER = '90B3D51F30010000';
const NETWORK_OPERATOR = '90B3D51F30020000';
let counter = 5000;

function transform(
  target: string,
  section: string,
  opts: { originator?: string; variant?: 'single' | 'polyphase' } = {},
) {
  const xml = xsdShapedRequest({
    srv: '6.22',
    cv: 1,
    target,
    counter: counter++,
    originator: opts.originator ?? SUPPLIER,
    body: `<sr:ConfigureAlertBehaviour>${section}</sr:ConfigureAlertBehaviour>`,
  });
  const v = validateAgainstDuisXsdInProcess(xml);
  return {
    valid: v.valid,
    errors: v.errors,
    run: () =>
      transformServiceRequest(parseDuisRequest(xml), rtdsContext({ variant: opts.variant ?? 'single' })),
  };
}

/** The alerts a 512-bit ECS25x bit-string changes, and their values. */
function alertsOf(bits: string, high: number): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (let b = 0; b < 256; b++)
    if (bits[b] === '1') out[(high | (255 - b)).toString(16).toUpperCase()] = bits[256 + b] === '1';
  return out;
}

function fieldsOf(gbcs: Uint8Array) {
  const m = decodeMessage(gbcs);
  return decodeCommand(m.messageCode, m.content).fields as Record<string, { value: string }>;
}

describe('6.22 Configure Alert Behaviour: XSD-shaped requests round-trip through the catalogue', () => {
  it('ECS25a to a polyphase ESME carries the polyphase alert; to a single element ESME it does not', () => {
    const section =
      '<sr:ElectricitySupplierAlerts><sr:SupplierESMECommon><sr:x8161>Disable</sr:x8161><sr:x81C6>Enable</sr:x81C6></sr:SupplierESMECommon>' +
      '<sr:SupplierESMEPolyPhase><sr:x81B7>Enable</sr:x81B7></sr:SupplierESMEPolyPhase></sr:ElectricitySupplierAlerts>';
    const poly = transform(ESME, section, { variant: 'polyphase' });
    assert.ok(poly.valid, poly.errors.join('; '));
    const r = poly.run();
    assert.equal(r.useCase, 'ECS25a');
    assert.deepEqual(alertsOf(fieldsOf(r.gbcs).supplierAlertBehaviours.value, 0x8100), {
      '8161': false,
      '81B7': true,
      '81C6': true,
    });
    const single = transform(ESME, section).run();
    assert.deepEqual(alertsOf(fieldsOf(single.gbcs).supplierAlertBehaviours.value, 0x8100), {
      '8161': false,
      '81C6': true,
    });
  });

  it('ECS25b3 from the network operator: the single phase group to a single element ESME', () => {
    const t = transform(
      ESME,
      '<sr:ElectricityNetworkOperatorLoggingSettings><sr:NetworkOperatorESMESinglePhase><sr:x8002>Enable</sr:x8002><sr:x8010>Disable</sr:x8010></sr:NetworkOperatorESMESinglePhase></sr:ElectricityNetworkOperatorLoggingSettings>',
      { originator: NETWORK_OPERATOR },
    );
    assert.ok(t.valid, t.errors.join('; '));
    const r = t.run();
    assert.equal(r.useCase, 'ECS25b3');
    assert.deepEqual(alertsOf(fieldsOf(r.gbcs).networkOperatorLoggingBehaviours.value, 0x8000), {
      '8002': true,
      '8010': false,
    });
  });

  it('GCS20 to a GSME: one Set Event Configuration per distinct configuration (GBCS bits), the alerts listed', () => {
    const s = (w: string, h: string, l: string, a: string) =>
      `<sr:WANAlert>${w}</sr:WANAlert><sr:HANAlert>${h}</sr:HANAlert><sr:EventLog>${l}</sr:EventLog><sr:Alarm>${a}</sr:Alarm>`;
    const t = transform(
      GSME,
      `<sr:GasSupplierAlertEventSettings><sr:x810D>${s('Enable', 'Enable', 'Disable', 'Disable')}</sr:x810D>` +
        `<sr:x8145>${s('Disable', 'Disable', 'Enable', 'Enable')}</sr:x8145>` +
        `<sr:x81C6>${s('Enable', 'Enable', 'Disable', 'Disable')}</sr:x81C6></sr:GasSupplierAlertEventSettings>`,
    );
    assert.ok(t.valid, t.errors.join('; '));
    const r = t.run();
    assert.equal(r.useCase, 'GCS20');
    const m = decodeMessage(r.gbcs);
    const f = decodeCommand(m.messageCode, m.content).fields as {
      setEventConfiguration: {
        eventConfiguration: number;
        configurationControl: number;
        eventIds: number[];
      }[];
    };
    assert.deepEqual(
      f.setEventConfiguration.map((c) => [c.eventConfiguration, c.configurationControl, c.eventIds]),
      [
        [0x18, 0, [0x810d, 0x81c6]],
        // GBCS V3.1 GCS20 template: log 0b011, alarm bit 6 (0x40; bit 5 stays 0)
        [0x43, 0, [0x8145]],
      ],
    );
  });

  it('GasSupplierAlerts (WAN only) is refused with E11, not guessed', () => {
    const t = transform(GSME, '<sr:GasSupplierAlerts><sr:x810D>Enable</sr:x810D></sr:GasSupplierAlerts>');
    assert.ok(t.valid, t.errors.join('; '));
    assert.throws(
      t.run,
      (e: unknown) => e instanceof DspUnsupportedServiceRequestError && e.responseCode === 'E11',
    );
  });

  it('the bit-string: mask then values, alert 0x8Xnn at bit 255 - nn', () => {
    const bits = alertBehaviourBits([
      { code: 0x810d, value: 'Enable' },
      { code: 0x810e, value: 'Disable' },
    ]);
    assert.equal(bits.length, 512);
    assert.deepEqual(
      [...bits].flatMap((c, i) => (c === '1' ? [i] : [])),
      [241, 242, 256 + 242],
    );
  });

  it('bad bodies are typed refusals (never a 500)', () => {
    const bad = [
      // an alert the group does not have
      [
        '<sr:ElectricitySupplierAlerts><sr:SupplierESMECommon><sr:x81FF>Enable</sr:x81FF></sr:SupplierESMECommon></sr:ElectricitySupplierAlerts>',
        ESME,
      ],
      // out of XSD order
      [
        '<sr:ElectricitySupplierAlerts><sr:SupplierESMECommon><sr:x810E>Enable</sr:x810E><sr:x810D>Enable</sr:x810D></sr:SupplierESMECommon></sr:ElectricitySupplierAlerts>',
        ESME,
      ],
      // not Enable/Disable
      [
        '<sr:ElectricitySupplierAlerts><sr:SupplierESMECommon><sr:x810D>On</sr:x810D></sr:SupplierESMECommon></sr:ElectricitySupplierAlerts>',
        ESME,
      ],
      // no alert for this (single element) ESME
      [
        '<sr:ElectricitySupplierAlerts><sr:SupplierESMEPolyPhase><sr:x81B7>Enable</sr:x81B7></sr:SupplierESMEPolyPhase></sr:ElectricitySupplierAlerts>',
        ESME,
      ],
      // electricity alerts to a GSME
      [
        '<sr:ElectricitySupplierAlerts><sr:SupplierESMECommon><sr:x810D>Enable</sr:x810D></sr:SupplierESMECommon></sr:ElectricitySupplierAlerts>',
        GSME,
      ],
      // gas alert settings missing one setting
      [
        '<sr:GasSupplierAlertEventSettings><sr:x810D><sr:WANAlert>Enable</sr:WANAlert></sr:x810D></sr:GasSupplierAlertEventSettings>',
        GSME,
      ],
    ] as const;
    for (const [k, [section, target]] of bad.entries())
      assert.throws(
        () => transform(target, section).run(),
        (e: unknown) =>
          e instanceof DspTransformError && (e.httpStatus === 400 || e.responseCode !== undefined),
        `case ${k}`,
      );
  });
});

describe('4.4.5 Retrieve Billing Data Log (Prepayment Credits): GCS15e (no template)', () => {
  const req = (target: string, period: string, at = '') =>
    xsdShapedRequest({
      srv: '4.4.5',
      cv: 1,
      target,
      counter: counter++,
      body: `<sr:RetrieveBillingDataLogPrepaymentCredits>${at}<sr:ReadLogPeriod>${period}</sr:ReadLogPeriod></sr:RetrieveBillingDataLogPrepaymentCredits>`,
    });
  const period =
    '<sr:StartDateTime>2015-01-01T00:00:00Z</sr:StartDateTime><sr:EndDateTime>2015-02-01T00:00:00Z</sr:EndDateTime>';

  it('to a GSME: Get Top Up Log over the period, decoded back to the period', () => {
    const xml = req(GSME, period);
    const v = validateAgainstDuisXsdInProcess(xml);
    assert.ok(v.valid, v.errors.join('; '));
    const r = transformServiceRequest(parseDuisRequest(xml), rtdsContext());
    assert.equal(r.useCase, 'GCS15e');
    const m = decodeMessage(r.gbcs);
    assert.equal(m.originator, SUPPLIER);
    assert.deepEqual(decodeCommand(m.messageCode, m.content).fields, {
      getTopUpLog: { latestEndTime: 473385600 + 31 * 86400, numberOfRecords: 5, fromDateTime: 473385600 },
    });
  });

  it('DSP future dated: the immediate command, dspScheduledAt the execution time', () => {
    const xml = req(GSME, period, '<sr:ExecutionDateTime>2015-03-01T00:00:00Z</sr:ExecutionDateTime>');
    assert.ok(validateAgainstDuisXsdInProcess(xml).valid);
    const r = transformServiceRequest(parseDuisRequest(xml), rtdsContext());
    assert.equal(r.dspScheduledAt?.toISOString(), '2015-03-01T00:00:00.000Z');
  });

  it('to an ESME: ECS20d (inferred row), the prepayment credits log by range over the period; a reversed period: typed refusal', () => {
    const r = transformServiceRequest(parseDuisRequest(req(ESME, period)), rtdsContext());
    assert.equal(r.useCase, 'ECS20d');
    const m = decodeMessage(r.gbcs);
    assert.equal(m.messageCode, 0x00c9);
    const buffer = (decodeCommand('ECS20d', m.content).fields as { prepaymentCreditLog: { buffer: unknown } })
      .prepaymentCreditLog.buffer as { fromValue: number; toValue: number };
    // UTC seconds since 2000-01-01: 2015-01-01 and 2015-02-01
    assert.deepEqual([buffer.fromValue, buffer.toValue], [473385600, 476064000]);
    const reversed =
      '<sr:StartDateTime>2015-02-01T00:00:00Z</sr:StartDateTime><sr:EndDateTime>2015-01-01T00:00:00Z</sr:EndDateTime>';
    assert.throws(
      () => transformServiceRequest(parseDuisRequest(req(GSME, reversed)), rtdsContext()),
      (e: unknown) => e instanceof DspTransformError && e.httpStatus === 400,
    );
  });
});

describe('DSP 6.2.8 Read Device Configuration (Gas)', () => {
  it('to a GSME: GCS21a reads the commodity and supply control attributes GBCS lists; to an ESME: E11', () => {
    const xml = (target: string) =>
      xsdShapedRequest({
        srv: '6.2.8',
        cv: 1,
        target,
        counter: counter++,
        body: '<sr:ReadDeviceConfigurationGas/>',
      });
    assert.ok(validateAgainstDuisXsdInProcess(xml(GSME)).valid);
    const r = transformServiceRequest(parseDuisRequest(xml(GSME)), rtdsContext());
    assert.equal(r.useCase, 'GCS21a');
    const m = decodeMessage(r.gbcs);
    assert.equal(m.messageCode, 0x007b);
    const f = decodeCommand('GCS21a', m.content).fields as Record<string, { attributes: { id: number }[] }>;
    assert.deepEqual(
      Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.attributes.map((a) => a.id)])),
      {
        readPrice: [0x0306, 0x0305, 0x0304, 0x0303, 0x0302],
        readMetering: [0x0b13, 0x0b12, 0x0b11, 0x0b10, 0x0b14, 0x0b15],
      },
    );
    assert.throws(
      () => transformServiceRequest(parseDuisRequest(xml(ESME)), rtdsContext()),
      (e: unknown) => e instanceof DspTransformError || e instanceof DspUnsupportedServiceRequestError,
    );
  });
});

describe('4.4.4 Retrieve Billing Data Log (Payment-based Debt Payments) to an ESME', () => {
  it('ECS20a (inferred row): the debt payments log by range over the period', () => {
    const xml = xsdShapedRequest({
      srv: '4.4.4',
      cv: 1,
      target: ESME,
      counter: counter++,
      body: '<sr:RetrieveBillingDataLogDebtPayments><sr:ReadLogPeriod><sr:StartDateTime>2015-01-01T00:00:00Z</sr:StartDateTime><sr:EndDateTime>2015-02-01T00:00:00Z</sr:EndDateTime></sr:ReadLogPeriod></sr:RetrieveBillingDataLogDebtPayments>',
    });
    assert.ok(validateAgainstDuisXsdInProcess(xml).valid);
    const r = transformServiceRequest(parseDuisRequest(xml), rtdsContext());
    assert.equal(r.useCase, 'ECS20a');
    const m = decodeMessage(r.gbcs);
    const buffer = (decodeCommand('ECS20a', m.content).fields as { debtPaymentLog: { buffer: unknown } })
      .debtPaymentLog.buffer as { fromValue: number; toValue: number };
    assert.deepEqual([buffer.fromValue, buffer.toValue], [473385600, 476064000]);
  });
});
