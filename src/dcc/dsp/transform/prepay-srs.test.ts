/**
 * 2.3 Update Debt -> GCS04 and 9.1 Request Customer Identification Number
 * -> GCS36 from XSD-shaped bodies (the GCS36 template's byte-exact check is
 * in test/dsp-transform.test.ts): the commands decode back through the
 * catalogue to the values given; the ESME use cases, which have no payload
 * in the catalogue, are refused for an ESME only (E11 with the reason); bad
 * bodies are typed DUIS refusals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsContext } from '../../../../test/support/dsp-transform.ts';
import { prepayElec, prepayGas, updateDebt } from '../../../../test/support/prepay-bodies.ts';
import { xsdShapedRequest } from '../../../../test/support/xsd-shaped.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../../duis/xsd-inprocess.ts';
import { decodeMessage } from '../../../gbcs/index.ts';
import { decodeCommand, NON_DISABLEMENT_SCRIPT } from '../../../gbcs/use-cases/index.ts';
import { srvListing } from '../srv-listing.ts';
import { DspBodyInvalidError, DspContextIncompleteError } from './errors.ts';
import { transformServiceRequest } from './index.ts';

const ESME = '00DB1234567890A0';
const GSME = '00DB1234567890A1';
const USER = '90B3D51F30010000';

function transform(srv: string, cv: number, target: string, body: string, ctx = rtdsContext()) {
  const xml = xsdShapedRequest({ srv, cv, target, counter: 3000, body });
  const v = validateAgainstDuisXsdInProcess(xml);
  return { valid: v, run: () => transformServiceRequest(parseDuisRequest(xml), ctx) };
}

type ChangeDebt = Record<string, number | string>;

describe('2.3 Update Debt: GCS04 from XSD-shaped bodies', () => {
  it('to a GSME: one Change Debt per debt register (GBCS V3.1 GCS04 template), adjustments with their recovery', () => {
    const t = transform('2.3', 4, GSME, updateDebt('Gas'));
    assert.ok(t.valid.valid, t.valid.errors.join('; '));
    const r = t.run();
    assert.equal(r.kind, 'pre-command');
    assert.equal(r.useCase, 'GCS04');
    const m = decodeMessage(r.gbcs);
    const f = decodeCommand(m.messageCode, m.content).fields as { changeDebt: ChangeDebt[] };
    const common = {
      issuerEventId: 473385600,
      debtLabel: '',
      debtRecoveryStartTime: 0,
      debtRecoveryCollectionTime: 0,
    };
    assert.deepEqual(f.changeDebt, [
      {
        ...common,
        debtAmount: 1500,
        debtRecoveryMethod: 0,
        debtAmountType: 1,
        debtRecoveryFrequency: 0,
        debtRecoveryAmount: 12,
        debtRecoveryBalancePercentage: 0,
      },
      {
        ...common,
        debtAmount: -300,
        debtRecoveryMethod: 0,
        debtAmountType: 3,
        debtRecoveryFrequency: 1,
        debtRecoveryAmount: 100,
        debtRecoveryBalancePercentage: 0,
      },
      {
        ...common,
        debtAmount: 90000,
        debtRecoveryMethod: 1,
        debtAmountType: 5,
        // GBCS V3.1 GCS04 message template: the payment-based debt's frequency is 0x01
        debtRecoveryFrequency: 1,
        debtRecoveryAmount: 0,
        debtRecoveryBalancePercentage: 2500,
      },
    ]);
  });

  it('to an ESME: ECS07, the two recovery rates activated, the proportion and the three adjustments (GBCS V3.1 tables)', () => {
    const t = transform('2.3', 4, ESME, updateDebt('Elec'));
    assert.ok(t.valid.valid, t.valid.errors.join('; '));
    const r = t.run();
    assert.equal(r.useCase, 'ECS07');
    const m = decodeMessage(r.gbcs);
    const f = decodeCommand(m.messageCode, m.content).fields;
    const rate = (amount: number) => ({
      chargePerUnitScaling: { commodityScale: 0, priceScale: -2 },
      commodity: { classId: 0, logicalName: '0-0:0.0.0.0', attributeIndex: 0 },
      chargeTable: [{ index: '', chargePerUnit: amount }],
    });
    assert.deepEqual(f, {
      timeDebt1: {
        unitChargePassive: rate(12),
        period: 3600,
        activatePassiveUnitCharge: 0,
        updateTotalAmountRemaining: 1500,
      },
      timeDebt2: {
        unitChargePassive: rate(100),
        period: 86400,
        activatePassiveUnitCharge: 0,
        updateTotalAmountRemaining: -300,
      },
      paymentDebt: { proportion: 2500, updateTotalAmountRemaining: 90000 },
    });
    assert.throws(transform('2.3', 4, ESME, updateDebt('Gas')).run, DspBodyInvalidError);
  });

  it('bad bodies: Elec recovery to a GSME, a percentage over 10000', () => {
    assert.throws(transform('2.3', 4, GSME, updateDebt('Elec')).run, DspBodyInvalidError);
    const over = transform('2.3', 4, GSME, updateDebt('Gas', 10001));
    assert.equal(over.valid.valid, false, 'the XSD refuses it too');
    assert.throws(over.run, DspBodyInvalidError);
  });
});

describe('9.1 Request Customer Identification Number: GCS36', () => {
  const body = '<sr:RequestCustomerIdentificationNumber/>';

  it('to a GSME: Update CIN with the CIN the DCC drew, originated by the ACB for the user', () => {
    const t = transform('9.1', 1, GSME, body, { ...rtdsContext(), nextCin: () => '0042' });
    assert.ok(t.valid.valid, t.valid.errors.join('; '));
    const r = t.run();
    assert.equal(r.kind, 'command');
    assert.equal(r.cin, '0042');
    assert.equal(r.businessOriginator, USER);
    assert.notEqual(r.originator, USER);
    const m = decodeMessage(r.gbcs);
    assert.equal(m.otherInfo.supplementaryRemotePartyId, USER);
    const f = decodeCommand(m.messageCode, m.content).fields as { updateCin: ChangeDebt };
    assert.deepEqual(f.updateCin, {
      issuerEventId: 473385600,
      implementationTime: 0,
      providerId: 0,
      customerIdNumber: '30303432',
    });
  });

  it('to an ESME: ECS50 from the ACB, a Set of the CIN object 0-3:96.13.1.255 with the four digits the DCC drew', () => {
    const t = transform('9.1', 1, ESME, body);
    const r = t.run();
    assert.equal(r.useCase, 'ECS50');
    const m = decodeMessage(r.gbcs);
    assert.equal(m.messageCode, 0x0058);
    const f = decodeCommand(m.messageCode, m.content).fields as {
      customerIdentificationNumber: { value: string };
    };
    // four ASCII digits (the CIN the DCC drew), as GCS36 carries them
    assert.match(f.customerIdentificationNumber.value, /^(3[0-9]){4}$/);
  });

  it('a CIN source that is missing or gives other than four digits is a context error, not a command', () => {
    const { nextCin: _, ...noCin } = rtdsContext();
    assert.throws(transform('9.1', 1, GSME, body, noCin).run, DspContextIncompleteError);
    assert.throws(
      transform('9.1', 1, GSME, body, { ...rtdsContext(), nextCin: () => '12345' }).run,
      DspContextIncompleteError,
    );
  });
});

describe('2.1 Update Prepay Configuration: GCS05 from XSD-shaped bodies', () => {
  it('to a GSME: the four prepayment settings and the friendly credit calendar (type 3)', () => {
    const t = transform('2.1', 4, GSME, prepayGas());
    assert.ok(t.valid.valid, t.valid.errors.join('; '));
    const r = t.run();
    assert.equal(r.useCase, 'GCS05');
    const m = decodeMessage(r.gbcs);
    const f = decodeCommand(m.messageCode, m.content).fields as Record<string, Record<string, unknown>> & {
      dayProfiles: Record<string, unknown>[];
      weekProfiles: Record<string, unknown>[];
    };
    const id = 473385600;
    assert.deepEqual(f.emergencyCreditSetup, {
      issuerEventId: id,
      startTime: 0,
      emergencyCreditLimit: 1000000,
      emergencyCreditThreshold: 200000,
    });
    assert.deepEqual(f.lowCreditWarningLevel, { fromDateTime: 0, lowCreditWarningLevel: 500000 });
    assert.equal(f.maximumCreditLimit.maximumCreditLevel, 10000000);
    assert.equal(f.maximumCreditLimit.maximumCreditPerTopUp, 5000000);
    assert.equal(f.overallDebtCap.overallDebtCap, 1000000);
    assert.equal(f.calendar.calendarType, 3);
    assert.equal(f.calendar.issuerCalendarId, id);
    assert.deepEqual(
      [f.calendar.numberOfDayProfiles, f.calendar.numberOfWeekProfiles, f.calendar.numberOfSeasons],
      [2, 1, 1],
    );
    // as the RTDS GCS21b response shows the friendly credit day profile 1
    assert.deepEqual(f.dayProfiles[0]!.scheduleEntries, [
      { startTime: 0, priceTierOrSwitch: 1 },
      { startTime: 480, priceTierOrSwitch: 0 },
      { startTime: 1080, priceTierOrSwitch: 1 },
    ]);
    assert.deepEqual(
      [
        f.weekProfiles[0]!.dayIdRefMonday,
        f.weekProfiles[0]!.dayIdRefSaturday,
        f.weekProfiles[0]!.dayIdRefSunday,
      ],
      [1, 2, 2],
    );
    assert.deepEqual(f.seasons.seasons, [
      { seasonStartDate: { year: null, month: 3, day: 29, dayOfWeek: null }, weekIdRef: 1 },
    ]);
    assert.deepEqual(f.specialDays.specialDays, [
      { specialDayDate: { year: 2015, month: 4, day: 5, dayOfWeek: null }, dayIdRef: 2 },
    ]);
  });

  it('to an ESME: ECS08a, the passive values activating now and the Non-Disablement Calendar (GBCS V3.1 tables)', () => {
    const t = transform('2.1', 4, ESME, prepayElec());
    assert.ok(t.valid.valid, t.valid.errors.join('; '));
    const r = t.run();
    assert.equal(r.kind, 'pre-command');
    assert.equal(r.useCase, 'ECS08a');
    const m = decodeMessage(r.gbcs);
    const f = decodeCommand(m.messageCode, m.content).fields as Record<string, Record<string, unknown>>;
    const now = '0000-00-00T00:00:00 dow=0';
    const passive = (v: number) => ({ valuePassive: v, activationTime: now });
    assert.deepEqual(f.debtRecoveryRateCap, passive(20));
    assert.deepEqual(f.debtRecoveryRateCapPeriod, passive(604800));
    assert.deepEqual(f.emergencyCreditLimit, passive(1500000));
    assert.deepEqual(f.emergencyCreditThreshold, passive(250000));
    assert.deepEqual(f.lowCreditThreshold, passive(300000));
    assert.deepEqual(f.maxMeterBalance, passive(25000000));
    assert.deepEqual(f.maxCreditThreshold, passive(10000000));
    assert.deepEqual(f.nonDisablementSpecialDaysActivation, { activationTime: now });
    assert.deepEqual(f.nonDisablementScheduleActivation, { activationTime: now });
    assert.deepEqual(f.nonDisablementSpecialDays!.entries, [
      { index: 1, specialDayDate: '****-12-25', dayId: 1 },
      { index: 2, specialDayDate: '2027-04-02', dayId: 2 },
    ]);
    const common = {
      enable: true,
      scriptLogicalName: '0-0:10.0.106.255',
      validityWindow: 65535,
      execWeekdays: '1111100',
      beginDate: '2026-01-01',
      endDate: '2027-12-31',
    };
    assert.deepEqual(f.nonDisablementSchedule!.entries, [
      {
        ...common,
        index: 1,
        scriptSelector: NON_DISABLEMENT_SCRIPT.START,
        switchTime: '18:00:00',
        execSpecdays: '11',
      },
      {
        ...common,
        index: 2,
        scriptSelector: NON_DISABLEMENT_SCRIPT.STOP,
        switchTime: '08:00:00',
        execSpecdays: '00',
      },
    ]);
    // the order of GBCS's table (section 19.2.1): the command's accesses in row order
    assert.equal(srvListing().find((x) => x.srv === '2.1')?.notTransformed, undefined);
  });

  it('to an ESME: a gas body, an undefined special day or a date the meter cannot hold are refused', () => {
    assert.throws(transform('2.1', 4, ESME, prepayGas()).run, DspBodyInvalidError);
    assert.throws(transform('2.1', 4, GSME, prepayElec()).run, DspBodyInvalidError);
    const undefinedDay = transform('2.1', 4, ESME, prepayElec({ specialDay: 3 }));
    assert.ok(undefinedDay.valid.valid, 'the XSD cannot see the reference');
    assert.throws(undefinedDay.run, DspBodyInvalidError);
    assert.ok(!transform('2.1', 4, ESME, prepayElec({ cap: 70000 })).valid.valid);
  });

  it('bad calendars: a week referring to an undefined day, a start time with seconds', () => {
    const undefinedDay = transform('2.1', 4, GSME, prepayGas({ sundayDay: 5 }));
    assert.ok(undefinedDay.valid.valid, 'the XSD cannot see the reference');
    assert.throws(undefinedDay.run, DspBodyInvalidError);
    assert.throws(transform('2.1', 4, GSME, prepayGas({ start: '00:00:30' })).run, DspBodyInvalidError);
  });
});
