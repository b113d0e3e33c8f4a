/**
 * ECS46d (SR 6.14.3) future dated (handlers/aux-calendar.ts): the RTDS
 * FUTURE_DATED command schedules the activation of the next auxiliary
 * controller calendar; at its time the next special days and schedule
 * become the current ones and the ESME raises the two 8F66 alerts, equal to
 * the RTDS ones; the RTDS CANCELLATION command cancels a pending one; a
 * snapshot keeps it pending.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../gbcs/index.ts';
import { parseObis } from '../../gbcs/payload/dlms.ts';
import { COSEM_OBJECTS } from '../../gbcs/use-cases/index.ts';
import { toHex } from '../../runtime/bytes.ts';
import { rebuildCommand } from '../meter-common/test-support.ts';
import { RTDS_DEVICES } from '../security/credentials.ts';
import { getAttribute } from './attribute-store.ts';
import { esmeTestRig, rtdsFixture } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const FUTURE = 'ECS46d_6.14.3_FUTURE_DATED_APC_OUTPUT_SUCCESS_COMMAND_GBCS.HEX';
const CANCEL = 'ECS46d_6.14.3_CANCELLATION_APC_OUTPUT_SUCCESS_COMMAND_GBCS.HEX';
const AT = Date.UTC(2030, 3, 1, 9, 0);
/**
 * The RTDS command, to this ESME: the APC examples are addressed to the RTDS's second ESME
 * (00DB1234567890A6), re-addressed (and re-signed, re-MAC'd) here; counters and content unchanged.
 */
const command = (name: string) =>
  rebuildCommand(rig.profile.remote, decodeMessage(rtdsFixture(name, 'COMMAND')), {
    recipient: RTDS_DEVICES.esme,
  });
const rtdsAlert = (which: 'CALENDAR' | 'SPECIAL_DAYS') =>
  decodeMessage(rtdsFixture(`ECS46d_6.14.3_8F66_FUTURE_DATED_APC_OUTPUT_SUCCESS_ALERT_${which}_GBCS.HEX`));

describe('ECS46d future dated: the next auxiliary controller calendar at its activation time, 8F66, cancellation', () => {
  const current = (m: ReturnType<typeof rig.meter>) => ({
    specialDays: getAttribute(m.esme.stateView, 'alcsSpecialDays.entries'),
    schedule: getAttribute(m.esme.stateView, 'alcsSchedule.entries'),
  });
  const next = (m: ReturnType<typeof rig.meter>) => ({
    specialDays: getAttribute(m.esme.stateView, 'auxiliaryControllerSpecialDays.entries'),
    schedule: getAttribute(m.esme.stateView, 'auxiliaryControllerSchedule.entries'),
  });

  it('scheduled, not run before its time; at 2030-04-01 09:00 the calendar is current and both 8F66 are the RTDS ones', () => {
    const m = rig.meter();
    // the RTDS ESME's own Originator Counter: its 8F66 alerts carry 2000 and 2001
    m.esme.backchannel.setOwnCounter(1999n);
    const before = current(m);
    const r = m.deliver(command(FUTURE));
    assert.equal(r.ev?.reason, 'SCHEDULED', JSON.stringify(r.ev?.detail));
    assert.equal(
      toHex(r.response!.content),
      toHex(decodeMessage(rtdsFixture(FUTURE.replace('COMMAND', 'RESPONSE'))).content),
    );
    assert.equal(m.esme.pendingFutureDated().length, 2);
    assert.deepEqual(current(m), before, 'nothing activated yet');
    assert.notDeepEqual(next(m), before);

    m.clock.runUntil(AT - 1);
    assert.equal(m.up.take().length, 0);
    m.clock.runUntil(AT);
    assert.deepEqual(current(m), next(m), 'the next calendar is the current one');
    assert.equal(m.esme.pendingFutureDated().length, 0);
    const alerts = m.up
      .take()
      .map(decodeMessage)
      .filter((a) => a.messageCode === 0x00cc);
    assert.deepEqual(
      alerts.map((a) => toHex(a.content)),
      [toHex(rtdsAlert('CALENDAR').content), toHex(rtdsAlert('SPECIAL_DAYS').content)],
    );
    assert.deepEqual(
      alerts.map((a) => a.originatorCounter),
      [2000n, 2001n],
    );
  });

  it('labels: the RTDS CALENDAR 8F66 names the schedule activation (0-0:94.44.128.26), SPECIAL_DAYS the special days one (.35)', () => {
    const named = (which: 'CALENDAR' | 'SPECIAL_DAYS') => toHex(rtdsAlert(which).content);
    const obis = (o: 'auxiliaryControllerScheduleActivation' | 'auxiliaryControllerSpecialDaysActivation') =>
      toHex(parseObis(COSEM_OBJECTS[o].obis));
    assert.equal(COSEM_OBJECTS.auxiliaryControllerScheduleActivation.obis, '0-0:94.44.128.26');
    assert.equal(COSEM_OBJECTS.auxiliaryControllerSpecialDaysActivation.obis, '0-0:94.44.128.35');
    assert.ok(named('CALENDAR').includes(obis('auxiliaryControllerScheduleActivation')));
    assert.ok(!named('CALENDAR').includes(obis('auxiliaryControllerSpecialDaysActivation')));
    assert.ok(named('SPECIAL_DAYS').includes(obis('auxiliaryControllerSpecialDaysActivation')));
    assert.ok(!named('SPECIAL_DAYS').includes(obis('auxiliaryControllerScheduleActivation')));
  });

  it('the RTDS cancellation (all-FF activation times) cancels both; nothing runs at the time', () => {
    const m = rig.meter();
    const before = current(m);
    m.deliver(command(FUTURE));
    assert.equal(m.esme.pendingFutureDated().length, 2);
    const r = m.deliver(command(CANCEL));
    assert.equal(r.ev?.reason, 'CANCELLED', JSON.stringify(r.ev?.detail));
    assert.equal(m.esme.pendingFutureDated().length, 0);
    m.clock.runUntil(AT + 60_000);
    assert.equal(
      m.up
        .take()
        .map(decodeMessage)
        .filter((a) => a.cra === 'alert').length,
      0,
    );
    assert.deepEqual(current(m), before);
  });

  it('a restored meter keeps the pending activation and runs it at its time', () => {
    const m = rig.meter();
    m.deliver(command(FUTURE));
    const other = rig.meter();
    other.esme.restore(m.esme.snapshot());
    assert.equal(other.esme.pendingFutureDated().length, 2);
    other.clock.runUntil(AT);
    assert.deepEqual(current(other), next(other));
    assert.equal(
      other.up
        .take()
        .map(decodeMessage)
        .filter((a) => a.messageCode === 0x00cc).length,
      2,
    );
  });
});
