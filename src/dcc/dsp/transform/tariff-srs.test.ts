/**
 * 1.1.2 Update Import Tariff (Secondary Element) -> ECS01c beyond the three
 * DCC templates (their byte-exact checks are in test/dsp-transform.test.ts):
 * other XSD-valid bodies decode back through the catalogue to the values
 * given; bad bodies and non-twin ESMEs are typed DUIS refusals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsContext } from '../../../../test/support/dsp-transform.ts';
import { templateBody, xsdShapedRequest } from '../../../../test/support/xsd-shaped.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../../duis/xsd-inprocess.ts';
import { decodeMessage } from '../../../gbcs/index.ts';
import { decodeCommand } from '../../../gbcs/use-cases/index.ts';
import { DspBodyInvalidError, DspDeviceTypeMismatchError, DspTransformError } from './errors.ts';
import { transformServiceRequest } from './index.ts';

const ESME = '00DB1234567890A0';
const BASE = templateBody('ECS01c_1.1.2_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML');

function request(body: string, counter = 2000) {
  return xsdShapedRequest({ srv: '1.1.2', cv: 4, target: ESME, counter, body });
}
const twin = () => rtdsContext({ variant: 'twin' });

type Fields = {
  secondaryPriceCharge: { unitChargePassive: { chargeTable: { index: string; chargePerUnit: number }[] } };
  activityCalendarSecondary: { seasonProfilePassive: { seasonStart: string }[] };
  specialDaysSecondaryPassive: { entries: { specialDayDate: string; dayId: number }[] };
  tariffSwitchingTableActivation: { activationTime: string };
};

describe('1.1.2 Update Import Tariff (Secondary Element): ECS01c from XSD-shaped bodies', () => {
  it('a future-dated body with wildcard dates and two prices round-trips through the catalogue', () => {
    const body = BASE.replace(
      '<sr:SwitchingTable>',
      '<sr:ExecutionDateTime>2031-02-03T04:05:06Z</sr:ExecutionDateTime><sr:SwitchingTable>',
    )
      // season "summer" starts on the last day of March, whatever the year, on a Sunday
      .replace(
        '<sr:Year><sr:SpecifiedYear>2015</sr:SpecifiedYear></sr:Year><sr:Month><sr:SpecifiedMonth>03</sr:SpecifiedMonth></sr:Month><sr:DayOfMonth><sr:SpecifiedDayOfMonth>29</sr:SpecifiedDayOfMonth></sr:DayOfMonth><sr:DayOfWeek><sr:NonSpecifiedDayOfWeek/></sr:DayOfWeek>',
        '<sr:Year><sr:NonSpecifiedYear/></sr:Year><sr:Month><sr:SpecifiedMonth>03</sr:SpecifiedMonth></sr:Month><sr:DayOfMonth><sr:LastDayOfMonth/></sr:DayOfMonth><sr:DayOfWeek><sr:SpecifiedDayOfWeek>7</sr:SpecifiedDayOfWeek></sr:DayOfWeek>',
      )
      .replace(
        /<sr:ElectricityPriceElement index="2">0<\/sr:ElectricityPriceElement>.*<\/sr:PriceElements>/,
        '<sr:ElectricityPriceElement index="4">-7</sr:ElectricityPriceElement></sr:PriceElements>',
      );
    const xml = request(body);
    const v = validateAgainstDuisXsdInProcess(xml);
    assert.ok(v.valid, v.errors.join('; '));
    const r = transformServiceRequest(parseDuisRequest(xml), twin());
    assert.equal(r.kind, 'pre-command');
    assert.equal(r.useCase, 'ECS01c');
    assert.equal(r.execution.kind, 'at');
    const m = decodeMessage(r.gbcs);
    const f = decodeCommand(m.messageCode, m.content).fields as Fields;
    assert.deepEqual(f.secondaryPriceCharge.unitChargePassive.chargeTable, [
      { index: '01', chargePerUnit: 10100 },
      { index: '02', chargePerUnit: 0 },
      { index: '03', chargePerUnit: 0 },
      { index: '04', chargePerUnit: -7 },
    ]);
    assert.deepEqual(
      f.activityCalendarSecondary.seasonProfilePassive.map((s) => s.seasonStart),
      ['2014-10-27T00:00:00', '****-03-254T00:00:00 dow=7'],
    );
    assert.deepEqual(
      f.specialDaysSecondaryPassive.entries.map((e) => [e.specialDayDate, e.dayId]),
      [
        ['2015-05-01', 3],
        ['****-12-25', 1],
      ],
    );
    assert.equal(f.tariffSwitchingTableActivation.activationTime, '2031-02-03T04:05:06');
  });

  it('to a single element ESME: E11 (only a twin element ESME has a secondary element)', () => {
    const xml = request(BASE);
    assert.throws(
      () => transformServiceRequest(parseDuisRequest(xml), rtdsContext({ variant: 'single' })),
      (e: unknown) => e instanceof DspDeviceTypeMismatchError && e.responseCode === 'E11',
    );
  });

  it('bad bodies are typed refusals (never a 500)', () => {
    const bad = [
      // a week referencing a day profile the body does not define
      BASE.replace(
        '<sr:ReferencedDayName index="6">3</sr:ReferencedDayName>',
        '<sr:ReferencedDayName index="6">9</sr:ReferencedDayName>',
      ),
      // a TOU action beyond the secondary element's four rates
      BASE.replace(
        '<sr:TOUTariffAction>04</sr:TOUTariffAction>',
        '<sr:TOUTariffAction>5</sr:TOUTariffAction>',
      ),
      // the same price index twice
      BASE.replace('index="2">0<', 'index="1">0<'),
      // DayName given twice
      BASE.replace('<sr:DayName>2</sr:DayName>', '<sr:DayName>1</sr:DayName>'),
      // a price beyond xs:short
      BASE.replace('>13400<', '>40000<'),
      // a season referencing an undefined week
      BASE.replace(
        '<sr:ReferencedWeekName>2</sr:ReferencedWeekName>',
        '<sr:ReferencedWeekName>3</sr:ReferencedWeekName>',
      ),
    ];
    for (const [k, body] of bad.entries()) {
      assert.notEqual(body, BASE, `mutation ${k} applies`);
      assert.throws(
        () => transformServiceRequest(parseDuisRequest(request(body, 3000 + k)), twin()),
        (e: unknown) =>
          e instanceof DspTransformError && (e instanceof DspBodyInvalidError || e.httpStatus === 400),
        `mutation ${k}`,
      );
    }
  });
});

describe('1.2.2 Update Price (Secondary Element): ECS01d from XSD-shaped bodies (no template)', () => {
  const body = (at: string) =>
    `<sr:UpdatePriceSecondaryElement>${at}<sr:PriceElements><sr:PriceScale>-4</sr:PriceScale>` +
    '<sr:ElectricityPriceElement index="1">1500</sr:ElectricityPriceElement>' +
    '<sr:ElectricityPriceElement index="3">-20</sr:ElectricityPriceElement></sr:PriceElements></sr:UpdatePriceSecondaryElement>';
  const req = (at: string, counter: number) =>
    xsdShapedRequest({ srv: '1.2.2', cv: 4, target: ESME, counter, body: body(at) });

  it('immediate, future dated and cancellation Pre-Commands decode to the prices and activation time given', () => {
    for (const [at, activation, kind] of [
      ['', '0000-00-00T00:00:00 dow=0', 'immediate'],
      ['<sr:ExecutionDateTime>2030-01-15T09:00:00Z</sr:ExecutionDateTime>', '2030-01-15T09:00:00', 'at'],
      [
        '<sr:ExecutionDateTime>3000-12-31T00:00:00Z</sr:ExecutionDateTime>',
        '****-**-**T**:**:**.**',
        'cancel',
      ],
    ] as const) {
      const xml = req(at, 4000);
      const v = validateAgainstDuisXsdInProcess(xml);
      assert.ok(v.valid, v.errors.join('; '));
      const r = transformServiceRequest(parseDuisRequest(xml), twin());
      assert.equal(r.kind, 'pre-command');
      assert.equal(r.useCase, 'ECS01d');
      assert.equal(r.execution.kind, kind);
      const m = decodeMessage(r.gbcs);
      assert.deepEqual(decodeCommand(m.messageCode, m.content).fields, {
        secondaryPriceCharge: {
          unitChargePassive: {
            chargePerUnitScaling: { commodityScale: 3, priceScale: -4 },
            commodity: { classId: 3, logicalName: '1-20:1.8.0.255', attributeIndex: 2 },
            chargeTable: [
              { index: '01', chargePerUnit: 1500 },
              { index: '02', chargePerUnit: 0 },
              { index: '03', chargePerUnit: -20 },
              { index: '04', chargePerUnit: 0 },
            ],
          },
          unitChargeActivationTime: activation,
        },
      });
    }
  });

  it('to a single element ESME: E11; a bad price: typed refusal', () => {
    assert.throws(
      () => transformServiceRequest(parseDuisRequest(req('', 4001)), rtdsContext({ variant: 'single' })),
      DspDeviceTypeMismatchError,
    );
    const bad = req('', 4002).replace('>1500<', '>99999<');
    assert.throws(
      () => transformServiceRequest(parseDuisRequest(bad), twin()),
      (e: unknown) => e instanceof DspTransformError && e.httpStatus === 400,
    );
  });
});
