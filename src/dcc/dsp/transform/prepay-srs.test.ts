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
import { xsdShapedRequest } from '../../../../test/support/xsd-shaped.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../../duis/xsd-inprocess.ts';
import { decodeMessage } from '../../../gbcs/index.ts';
import { decodeCommand } from '../../../gbcs/use-cases/index.ts';
import {
  DspBodyInvalidError,
  DspContextIncompleteError,
  DspUnsupportedServiceRequestError,
} from './errors.ts';
import { transformServiceRequest } from './index.ts';

const ESME = '00DB1234567890A0';
const GSME = '00DB1234567890A1';
const USER = '90B3D51F30010000';

function transform(srv: string, cv: number, target: string, body: string, ctx = rtdsContext()) {
  const xml = xsdShapedRequest({ srv, cv, target, counter: 3000, body });
  const v = validateAgainstDuisXsdInProcess(xml);
  return { valid: v, run: () => transformServiceRequest(parseDuisRequest(xml), ctx) };
}

const recovery = (fuel: 'Gas' | 'Elec', n: number, rate: number, period: string) =>
  `<sr:${fuel}DebtRecovery${n}><sr:DebtRecoveryRate>${rate}</sr:DebtRecoveryRate>` +
  (fuel === 'Elec' ? '<sr:DebtRecoveryRatePriceScale>-2</sr:DebtRecoveryRatePriceScale>' : '') +
  `<sr:DebtRecoveryRatePeriod>${period}</sr:DebtRecoveryRatePeriod></sr:${fuel}DebtRecovery${n}>`;

function updateDebt(fuel: 'Gas' | 'Elec', perPayment = 2500) {
  return (
    '<sr:UpdateDebt><sr:TimeDebtRegister1>1500</sr:TimeDebtRegister1>' +
    '<sr:TimeDebtRegister2>-300</sr:TimeDebtRegister2><sr:PaymentDebtRegister>90000</sr:PaymentDebtRegister>' +
    `<sr:DebtRecoveryPerPayment>${perPayment}</sr:DebtRecoveryPerPayment>` +
    recovery(fuel, 1, 12, 'HOURLY') +
    recovery(fuel, 2, 100, 'DAILY') +
    '</sr:UpdateDebt>'
  );
}

type ChangeDebt = Record<string, number | string>;

describe('2.3 Update Debt: GCS04 from XSD-shaped bodies', () => {
  it('to a GSME: one Change Debt per debt register, adjustments with their recovery', () => {
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
        debtRecoveryFrequency: 0,
        debtRecoveryAmount: 0,
        debtRecoveryBalancePercentage: 2500,
      },
    ]);
  });

  it('to an ESME: E11 for the ESME only, with the reason (ECS07 has no payload)', () => {
    const t = transform('2.3', 4, ESME, updateDebt('Elec'));
    assert.ok(t.valid.valid, t.valid.errors.join('; '));
    assert.throws(t.run, (x: unknown) => {
      assert.ok(x instanceof DspUnsupportedServiceRequestError);
      assert.equal(x.responseCode, 'E11');
      assert.match(x.message, /to a ESME is not transformed: ECS07/);
      return true;
    });
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

  it('to an ESME: E11 for the ESME only, with the reason (ECS50 has no payload)', () => {
    assert.throws(transform('9.1', 1, ESME, body).run, /to a ESME is not transformed: ECS50/);
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
