/**
 * Device configuration SRVs without a DCC template (device-config-srs.ts):
 * requests of the XSD's shape (validated in process) transform to the named
 * fields of their use case, and, end to end on the ESME emulator, the read
 * use case then reports what the write set (ECS28a -> ECS27, ECS28b ->
 * ECS27, ECS57 -> ECS18a/ECS18b, ECS30/ECS30a -> ECS26d). Critical SRs go
 * CV 4 -> Pre-Command -> signed by the supplier -> Command. Bad bodies and
 * the ESME target of 6.2.7 are refused, typed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { rtdsContext, rtdsKeyStore } from '../../../../test/support/dsp-transform.ts';
import { xsdShapedRequest } from '../../../../test/support/xsd-shaped.ts';
import { esmeTestRig, type Fields } from '../../../devices/esme/test-rig.test-support.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../../duis/xsd-inprocess.ts';
import { decodeMessage, signApdu } from '../../../gbcs/index.ts';
import { decodeCommand } from '../../../gbcs/use-cases/index.ts';
import { billingExecutionTimes } from './device-config-srs.ts';
import { completeSignedPreCommand, DspBodyInvalidError, transformServiceRequest } from './index.ts';

const ESME = '00DB1234567890A0';
const GSME = '00DB1234567890A1';
const SUPPLIER = '90B3D51F30010000';
/** ECS57's only role is the network operator (catalogue roles, as ECS37 6.18.1 in RTDS). */
const NETWORK_OPERATOR = '90B3D51F30020000';
const rig = esmeTestRig();

let counter = 1n << 41n;
/** The GBCS Command a DUIS request of the XSD's shape becomes (CV 4: signed by the supplier, then completed). */
function command(srv: string, target: string, body: string, critical: boolean, originator = SUPPLIER) {
  counter += 1n;
  const xml = xsdShapedRequest({
    srv,
    cv: critical ? 4 : 1,
    target,
    counter: Number(counter),
    body,
    originator,
  });
  const v = validateAgainstDuisXsdInProcess(xml);
  assert.ok(v.valid, v.errors.join('; '));
  const ctx = rtdsContext();
  const r = transformServiceRequest(parseDuisRequest(xml), ctx);
  const gbcs = critical
    ? completeSignedPreCommand(signApdu(r.gbcs, rtdsKeyStore().privateKey(originator, 'ds')!), ctx)
    : r.gbcs;
  const m = decodeMessage(gbcs);
  return { r, gbcs, fields: decodeCommand(m.messageCode, m.content).fields as Fields };
}

const el = (name: string, inner: string) => `<sr:${name}>${inner}</sr:${name}>`;
const loadLimit = (period: number, threshold: number, restore: number, state: string) =>
  el(
    'UpdateDeviceConfigurationLoadLimitingGeneralSettings',
    el('LoadLimitPeriod', String(period)) +
      el('LoadLimitPowerThreshold', String(threshold)) +
      el('LoadLimitRestorationPeriod', String(restore)) +
      el('LoadLimitSupplyState', state),
  );
const elecCalendar = (period: string) =>
  el(
    'UpdateDeviceConfigurationBillingCalendar',
    el('ElectricityBillingCalendar', el('BillingTime', '06:30:00') + period),
  );

/** A fresh RTDS ESME, and the response fields of an RTDS read command sent to it. */
function meter() {
  const m = rig.meter();
  // one counter for the reads and the commands (the meter refuses a replayed or lower one)
  const read = (name: string) => {
    counter += 2n; // the sender takes counter + 1
    return rig.changedSender(m, counter - 1n)(name);
  };
  const deliver = (gbcs: Uint8Array) => {
    const { ev, response } = m.deliver(gbcs);
    assert.equal(ev?.decision, 'accepted', inspect(ev));
    assert.ok(response);
  };
  const value = (name: string, object: string, member: string) => {
    const r = read(name).fields[object]?.[member] as { value?: unknown } | undefined;
    assert.ok(r, `no ${object}.${member} in the ${name} response`);
    return r.value;
  };
  return { deliver, value };
}

describe('device configuration SRVs (device-config-srs.ts): fields, and read after write on the ESME', () => {
  it('6.4.1 -> ECS28a (critical): the load limit settings, read back by ECS27', () => {
    const { r, gbcs, fields } = command('6.4.1', ESME, loadLimit(600, 12000, 120, 'Disable'), true);
    assert.equal(r.useCase, 'ECS28a');
    // GBCS V3.1 use-case tables: the class 9000 passive values, activated now (the date-time all zero)
    const now = '0000-00-00T00:00:00 dow=0';
    assert.deepEqual(fields, {
      loadLimitSupplyStateOnExceed: { valuePassive: true, activationTime: now },
      loadLimitPowerThreshold: { valuePassive: 12000, activationTime: now },
      loadLimitPeriod: { valuePassive: 600, activationTime: now },
      loadLimitRestorationPeriod: { valuePassive: 120, activationTime: now },
    });
    const m = meter();
    m.deliver(gbcs);
    const ecs27 = 'ECS27_4.15_SUCCESS_COMMAND_GBCS.HEX';
    assert.equal(m.value(ecs27, 'loadLimitLimiter', 'thresholdNormal'), 12000);
    assert.equal(m.value(ecs27, 'loadLimitLimiter', 'minOverThresholdDuration'), 600);
    assert.equal(m.value(ecs27, 'loadLimitLimiter', 'minUnderThresholdDuration'), 120);
    assert.equal(m.value(ecs27, 'loadLimitSupplyStateOnExceed', 'value'), true);
  });

  it('6.4.2 -> ECS28b: the load limit counter reset, ECS27 reads 0', () => {
    const m = meter();
    const ecs27 = 'ECS27_4.15_SUCCESS_COMMAND_GBCS.HEX';
    assert.equal(m.value(ecs27, 'loadLimitCounter', 'value'), 30, 'the RTDS count');
    const { r, gbcs, fields } = command(
      '6.4.2',
      ESME,
      '<sr:UpdateDeviceConfigurationLoadLimitingCounterReset/>',
      false,
    );
    assert.equal(r.useCase, 'ECS28b');
    assert.deepEqual(fields, { loadLimitCounter: { reset: 0 } });
    m.deliver(gbcs);
    assert.equal(m.value(ecs27, 'loadLimitCounter', 'value'), 0);
  });

  it('6.18.2 -> ECS57: the named maximum demand registers reset, ECS18a/ECS18b read 0 and the reset time', () => {
    const m = meter();
    const ecs18b = 'ECS18b_4.12.1_SUCCESS_COMMAND_GBCS.HEX';
    const ecs18a = 'ECS18a_4.12.2_SUCCESS_COMMAND_GBCS.HEX';
    const exportBefore = m.value(ecs18a, 'maximumDemandExport', 'value');
    assert.notEqual(m.value(ecs18b, 'maximumDemandImport', 'value'), 0);
    const { gbcs, fields } = command(
      '6.18.2',
      ESME,
      el(
        'ResetMaximumDemandRegisters',
        '<sr:MaxDemandActivePowerImportValue/><sr:MaxDemandConfigTimeActivePowerImportValue/>',
      ),
      false,
      NETWORK_OPERATOR,
    );
    assert.deepEqual(fields, {
      maximumDemandImport: { reset: 0 },
      maximumDemandImportSecondary: { reset: 0 },
    });
    m.deliver(gbcs);
    assert.equal(m.value(ecs18b, 'maximumDemandImport', 'value'), 0);
    assert.equal(m.value(ecs18b, 'maximumDemandImportSecondary', 'value'), 0);
    assert.equal(m.value(ecs18b, 'maximumDemandImport', 'captureTime'), '2015-01-01T00:00:00');
    assert.equal(m.value(ecs18a, 'maximumDemandExport', 'value'), exportBefore, 'export not named: kept');
    assert.throws(
      () => command('6.18.2', ESME, '<sr:ResetMaximumDemandRegisters/>', false, NETWORK_OPERATOR),
      DspBodyInvalidError,
    );
  });

  it('6.8 -> ECS30 (Monthly) / ECS30a (other periodicities), critical; ECS26d reads the calendar', () => {
    const monthly = command('6.8', ESME, elecCalendar(el('Monthly', '15')), true);
    assert.equal(monthly.r.useCase, 'ECS30');
    assert.deepEqual(monthly.fields, {
      billingCalendar: { executionTime: [{ time: '06:30:00', date: '****-**-15' }] },
    });
    const quarterly = command(
      '6.8',
      ESME,
      elecCalendar(el('Quarterly', el('DayOfMonth', '1') + el('BillingPeriodStartMonth', '11'))),
      true,
    );
    assert.equal(quarterly.r.useCase, 'ECS30a');
    const m = meter();
    m.deliver(quarterly.gbcs);
    assert.deepEqual(m.value('ECS26d_6.2.3_SUCCESS_COMMAND_GBCS.HEX', 'billingCalendar', 'executionTime'), [
      { time: '06:30:00', date: '****-11-01' },
      { time: '06:30:00', date: '****-02-01' },
      { time: '06:30:00', date: '****-05-01' },
      { time: '06:30:00', date: '****-08-01' },
    ]);
  });

  it('6.8 periodicities as execution times; a gas calendar to a GSME is GCS25a for every periodicity (GBCS V3.1), an electricity one refused', () => {
    assert.deepEqual(billingExecutionTimes({ time: 0, period: { which: 'Daily', value: true } }), [
      { time: '00:00:00', date: '****-**-**' },
    ]);
    assert.deepEqual(billingExecutionTimes({ time: 3600, period: { which: 'Weekly', value: 7 } }), [
      { time: '01:00:00', date: '****-**-** dow=7' },
    ]);
    assert.equal(
      billingExecutionTimes({ time: 0, period: { which: 'SixMonthly', value: { day: 28, month: 9 } } })
        .length,
      2,
    );
    const gas = (p: string) =>
      el(
        'UpdateDeviceConfigurationBillingCalendar',
        el('GasBillingCalendar', el('BillingPeriodStart', '2015-02-01T00:00:00Z') + el('Periodicity', p)),
      );
    // GBCS V3.1: every gas periodicity is GCS25a (GCS25 has no Remote Party Role); the block period mirrors the billing period
    const expect = (duration: number, units: number) => {
      const type = 0x20 | units;
      return {
        billingPeriod: {
          providerId: 0,
          issuerEventId: 473385600,
          billingPeriodStartTime: 476064000,
          billingPeriodDuration: duration,
          billingPeriodDurationType: type,
          tariffType: 0,
        },
        blockPeriod: {
          providerId: 0,
          issuerEventId: 473385600,
          blockPeriodStartTime: 476064000,
          blockPeriodDuration: duration,
          blockPeriodControl: 0b10,
          blockPeriodDurationType: type,
          tariffType: 0,
          tariffResolutionPeriod: 1,
        },
      };
    };
    for (const [p, duration, units] of [
      ['Daily', 1, 1],
      ['Weekly', 1, 2],
      ['Monthly', 1, 3],
      ['Quarterly', 3, 3],
      ['SixMonthly', 6, 3],
      ['Yearly', 12, 3],
    ] as const) {
      const got = command('6.8', GSME, gas(p), true);
      assert.equal(got.r.useCase, 'GCS25a', p);
      assert.deepEqual(got.fields, expect(duration, units), p);
    }
    assert.throws(() => command('6.8', GSME, elecCalendar(el('Monthly', '1')), true), DspBodyInvalidError);
  });

  it('6.2.7 -> GCS46 to a GSME; ECS40 to an ESME: get the import MPANs, then the export MPAN (GBCS V3.1)', () => {
    const { r } = command('6.2.7', GSME, '<sr:ReadDeviceConfigurationMPxN/>', false);
    assert.equal(r.useCase, 'GCS46');
    const { r: e, fields } = command('6.2.7', ESME, '<sr:ReadDeviceConfigurationMPxN/>', false);
    assert.equal(e.useCase, 'ECS40');
    assert.deepEqual(Object.keys(fields), ['importMpans', 'exportMpan']);
  });
});
