/**
 * The ESME's billing calendar in time (issue 12, billing-calendar.ts,
 * billing-control.ts, billing-data-log.ts): ECS30a sets it, virtual time
 * passes a billing date, the meter takes the billing data snapshot and
 * raises ECS68 (0x8F0A, critical, signed), whose encrypted entry the
 * supplier decrypts; ECS20c then reads the same entry back (read after
 * write), ECS26l the calendar; a snapshot restores the running calendar.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, ecdsaVerify } from '../../gbcs/index.ts';
import { type DlmsData, decodeDlmsData } from '../../gbcs/payload/dlms.ts';
import { decodeAlert } from '../../gbcs/use-cases/index.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { RTDS_TIME } from '../meter-common/time.ts';
import { nextBillingDate } from './billing-calendar.ts';
import { BILLING_FINANCIAL_LOG, BILLING_REGISTER_LOG } from './billing-data-log.ts';
import type { Esme } from './esme.ts';
import { esmeTestRig, type Fields } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const T = (iso: string) => Date.parse(iso);
const EPOCH_2000 = Date.UTC(2000, 0, 1);
/** a signed supplier command: the envelope ECS30a (critical) travels in */
const SIGNED_BASE = 'ECS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX';

describe('billing calendar: next billing date (pure)', () => {
  it('monthly, quarterly, weekly, daily and last-day entries; a time with no hour never runs', () => {
    const monthly = [{ time: '06:30:00', date: '****-**-15' }];
    assert.equal(nextBillingDate(monthly, T('2015-01-01T00:00:00Z')), T('2015-01-15T06:30:00Z'));
    assert.equal(
      nextBillingDate(monthly, T('2015-01-15T06:30:00Z')),
      T('2015-02-15T06:30:00Z'),
      'strictly after',
    );
    const quarterly = ['02', '05', '08', '11'].map((m) => ({ time: '00:00:00', date: `****-${m}-01` }));
    assert.equal(nextBillingDate(quarterly, T('2015-02-01T00:00:01Z')), T('2015-05-01T00:00:00Z'));
    assert.equal(nextBillingDate(quarterly, T('2015-11-02T00:00:00Z')), T('2016-02-01T00:00:00Z'));
    // 2015-01-01 is a Thursday: dow=7 (Sunday) is the 4th
    assert.equal(
      nextBillingDate([{ time: '01:00:00', date: '****-**-** dow=7' }], T('2015-01-01T00:00:00Z')),
      T('2015-01-04T01:00:00Z'),
    );
    assert.equal(
      nextBillingDate([{ time: '23:59:00', date: '****-**-**' }], T('2015-01-01T23:59:00Z')),
      T('2015-01-02T23:59:00Z'),
    );
    assert.equal(
      nextBillingDate([{ time: '12:00:00', date: '****-02-254' }], T('2016-01-01T00:00:00Z')),
      T('2016-02-29T12:00:00Z'),
      'day 0xFE: the last day of the month',
    );
    assert.equal(nextBillingDate([{ time: '**:00:00', date: '****-**-01' }], RTDS_TIME), null);
    assert.equal(nextBillingDate([{ time: '00:00:00', date: '****-02-30' }], RTDS_TIME), null);
  });
});

describe('ESME billing calendar in time: snapshot, ECS68, ECS20c read after write', () => {
  function meter() {
    const m = rig.meter();
    const send = rig.changedSender(m, 1n << 40n);
    const setCalendar = (executionTime: unknown) => {
      const r = send(SIGNED_BASE, () => {}, {
        useCase: 'ECS30a',
        fields: { billingCalendar: { executionTime } } as Fields,
      });
      assert.equal(r.ev?.reason, 'OK', JSON.stringify(r.ev?.detail));
      return r;
    };
    return { ...m, send, setCalendar };
  }

  /** an alert as the supplier gets it: its signature and MAC checked */
  const verified = (b: Uint8Array) => {
    const m = decodeMessage(b);
    assert.ok(m.mac === null && m.signature, 'a critical alert: signed, no MAC');
    assert.ok(
      ecdsaVerify(m.signedData, m.signature, rig.profile.dsCertificate.publicKey),
      'signature verifies',
    );
    return m;
  };

  it('runs only once ECS30a set it; at the billing date: snapshot, 0x8F0A logged, ECS68 signed with the entry encrypted for the supplier', () => {
    const { esme, clock, up, setCalendar, send } = meter();
    assert.equal(esme.billing.nextBillingDate, null, 'the calendar a meter is made with does not run');
    setCalendar([{ time: '06:30:00', date: '****-**-15' }]);
    assert.equal(esme.billing.nextBillingDate, T('2015-01-15T06:30:00Z'));
    up.take();
    esme.backchannel.consume(4321);
    const importWh = esme.stateView.registers.activeImportWh;

    clock.runUntil(T('2015-01-15T06:29:59Z'));
    assert.equal(up.take().length, 0, 'nothing before the billing date');
    clock.runUntil(T('2015-01-15T06:30:00Z'));
    const out = up.take().map(verified);
    assert.equal(out.length, 1);
    const alert = out[0]!;
    assert.equal(alert.cra, 'alert');
    assert.equal(alert.messageCode, 0x0061);
    const f = decodeAlert('ECS68', alert.content).fields as {
      alertCode: number;
      timestamp: string;
      protectionParameters: {
        protectionOptions: { originatorSystemTitle: string; recipientSystemTitle: string };
      }[];
      protectedAttributes: string;
    };
    assert.equal(f.alertCode, 0x8f0a);
    assert.equal(f.timestamp, '2015-01-15T06:30:00');
    assert.equal(f.protectionParameters[0]!.protectionOptions.originatorSystemTitle, alert.originator);
    assert.equal(f.protectionParameters[0]!.protectionOptions.recipientSystemTitle, alert.recipient);
    const pt = decodeDlmsData(rig.profile.remote.decryptPayload(fromHex(f.protectedAttributes), alert)).value;
    assert.ok(pt.type === 'structure' && pt.items[0]!.type === 'compact-array');
    const carried = pt.items[0].elements;
    assert.equal(carried.length, 1, 'the newest entry');
    const entry = carried[0]! as Extract<DlmsData, { type: 'structure' }>;
    const n = (d: DlmsData | undefined) => (d && 'value' in d ? d.value : undefined);
    assert.equal(n(entry.items[0]), (T('2015-01-15T06:30:00Z') - EPOCH_2000) / 1000);
    assert.equal(n(entry.items[1]), importWh);
    assert.equal(esme.stateView.eventLog.at(-1)?.code, 0x8f0a);
    assert.equal(esme.billing.nextBillingDate, T('2015-02-15T06:30:00Z'), 'one timer: the next date');

    // read after write: ECS20c's protected read of the billing data logs answers the same entry
    const read = send('ECS20c_4.4.3_SINGLE_SUCCESS_COMMAND_GBCS.HEX', (c) => {
      const g = c.protectedReadBilling!.getProtectedAttributes as {
        objectList: { restriction: { restrictionValue: { from: string; to: string } } }[];
      };
      for (const o of g.objectList)
        o.restriction.restrictionValue = { from: '2015-01-15T00:00:00', to: '2015-01-16T00:00:00' };
    });
    const v = read.fields.protectedReadBilling!.getProtectedAttributes as {
      value: { protectedAttributes: string };
    };
    const logs = decodeDlmsData(
      rig.profile.remote.decryptPayload(fromHex(v.value.protectedAttributes), read.message),
    ).value as Extract<DlmsData, { type: 'structure' }>;
    const [registers, financial] = logs.items as Extract<DlmsData, { type: 'compact-array' }>[];
    assert.deepEqual(registers!.elements, [entry]);
    const fin = financial!.elements[0] as Extract<DlmsData, { type: 'structure' }>;
    assert.equal(financial!.elements.length, 1);
    assert.equal(n(fin.items[0]), n(entry.items[0]));
    assert.equal(n(fin.items[2]), esme.stateView.meterBalance, 'the meter balance at the billing date');
  });

  it('keeps the 12 newest entries; a restored meter resumes its calendar and takes the dates it missed', () => {
    const { esme, clock, up, setCalendar } = meter();
    setCalendar([{ time: '00:00:00', date: '****-**-**' }]);
    clock.runUntil(T('2015-01-20T00:00:00Z'));
    const entries = (e: Esme, key: string) => {
      const v = decodeDlmsData(fromHex(e.stateView.protectedData[key]!)).value;
      assert.equal(v.type, 'compact-array');
      return v.type === 'compact-array' ? v.elements : [];
    };
    assert.equal(entries(esme, BILLING_REGISTER_LOG).length, 12);
    assert.equal(entries(esme, BILLING_FINANCIAL_LOG).length, 12);
    assert.equal(
      up
        .take()
        .map(verified)
        .filter((m) => m.messageCode === 0x0061).length,
      19,
      'an ECS68 a day from the 2nd to the 20th',
    );

    const snap = esme.snapshot();
    const other = rig.meter({}, T('2015-01-23T00:00:00Z'));
    other.esme.restore(snap);
    other.up.take();
    other.clock.runUntil(T('2015-01-23T00:00:00Z'));
    const missed = other.up.take().map(verified);
    assert.deepEqual(
      missed.map((m) => decodeAlert('ECS68', m.content).fields.timestamp),
      ['2015-01-21T00:00:00', '2015-01-22T00:00:00', '2015-01-23T00:00:00'],
    );
    assert.equal(other.esme.billing.nextBillingDate, T('2015-01-24T00:00:00Z'));
  });
});
