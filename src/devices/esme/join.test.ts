/**
 * The ESME's join table (issue 12): CS03A1 joins a device and CS07 reads it
 * back (read after write), CS04AC removes it, an unjoin of a device not
 * joined answers 1, a join that does not fit answers 3 and changes nothing,
 * a type the ESME does not join is malformed (8F1E). RTDS CS03A1 command
 * re-addressed with new fields and counters, signed with the fixture keys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../gbcs/index.ts';
import { decodeResponse, encodeCommand, useCaseById } from '../../gbcs/use-cases/index.ts';
import { rebuildCommand } from '../meter-common/test-support.ts';
import { esmeTestRig, rtdsFixture } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const base = () => decodeMessage(rtdsFixture('CS03A1_8.7.1_SUCCESS_COMMAND_GBCS.HEX'));

function meter() {
  const { esme, deliver } = rig.meter();
  let counter = 5000n;
  const send = (useCase: string, fields: unknown) => {
    counter += 1n;
    const b = base();
    const content = encodeCommand(useCase, fields as never, { originatorCounter: counter });
    const row = useCaseById(useCase)!;
    const { ev, response, alerts } = deliver(
      rebuildCommand(rig.profile.remote, b, {
        counter,
        content,
        otherInfo: { ...b.otherInfo, messageCode: row.code },
        ...(row.critical ? {} : { signWith: null }),
      }),
    );
    return {
      ev,
      fields: response ? (decodeResponse(useCase, response.content).fields as unknown) : undefined,
      alerts: alerts.length,
    };
  };
  return { esme, send };
}

const join = (eui: string, type: number) => ({
  joinMethodAndRole: 0,
  otherDeviceEntityIdentifier: eui,
  otherDeviceType: type,
});

describe('ESME join table (CS03A1, CS04AC, CS07)', () => {
  it('CS03A1 joins, CS07 reads it back, CS04AC unjoins, a second CS04AC answers 1', () => {
    const { send } = meter();
    assert.deepEqual(send('CS07', null).fields, { responseCode: 0, joinedDevices: [] });
    assert.equal(send('CS03A1', join('00DB1234567890A5', 4)).fields, 0);
    assert.equal(send('CS03A1', join('00DB1234567890A4', 5)).fields, 0);
    assert.deepEqual(send('CS07', null).fields, {
      responseCode: 0,
      joinedDevices: [
        { deviceId: '00DB1234567890A5', deviceType: 4 },
        { deviceId: '00DB1234567890A4', deviceType: 5 },
      ],
    });
    assert.equal(send('CS04AC', '00DB1234567890A5').fields, 0);
    assert.equal(send('CS04AC', '00DB1234567890A5').fields, 1);
    assert.deepEqual(send('CS07', null).fields, {
      responseCode: 0,
      joinedDevices: [{ deviceId: '00DB1234567890A4', deviceType: 5 }],
    });
  });

  it('a join that does not fit answers 3 and changes nothing', () => {
    const { esme, send } = meter();
    esme.backchannel.setJoinCapacity(1);
    assert.equal(send('CS03A1', join('00DB1234567890A5', 4)).fields, 0);
    assert.equal(send('CS03A1', join('00DB1234567890A4', 5)).fields, 3);
    assert.deepEqual(
      esme.stateView.joinTable.joined.map((j) => j.eui),
      ['00DB1234567890A5'],
    );
  });

  it('a GSME is not joined by an ESME: malformed (8F1E), nothing changes', () => {
    const { esme, send } = meter();
    const r = send('CS03A1', join('00DB1234567890A1', 0));
    assert.equal(r.ev?.reason, 'FAILED');
    assert.equal(r.alerts, 1);
    assert.deepEqual(esme.stateView.joinTable.joined, []);
  });

  it('the join table survives snapshot / restore', () => {
    const a = meter();
    a.send('CS03A1', join('00DB1234567890A5', 4));
    const b = meter();
    b.esme.restore(a.esme.snapshot());
    assert.deepEqual(
      b.esme.stateView.joinTable.joined.map((j) => j.eui),
      ['00DB1234567890A5'],
    );
  });
});
