/**
 * The ESME's join table (issue 12): CS03A1 joins a device and CS07 reads it
 * back (read after write), CS04AC removes it, an unjoin of a device not
 * joined answers 1, a join that does not fit answers 3 and changes nothing,
 * a type the ESME does not join is malformed (8F1E). RTDS CS03A1 command
 * re-addressed with new fields and counters, signed with the fixture keys.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { RTDS_KEYSTORE, rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeMessage, loadKeyStoreDir } from '../../gbcs/index.ts';
import { decodeResponse, encodeCommand, useCaseById } from '../../gbcs/use-cases/index.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import {
  RecordingUplink,
  type RtdsProfile,
  rebuildCommand,
  rtdsEsmeProfile,
} from '../meter-common/test-support.ts';
import { RTDS_TIME } from '../meter-common/time.ts';
import { RTDS_DEVICES } from '../security/credentials.ts';
import { Esme } from './esme.ts';

let profile: RtdsProfile;
before(async () => {
  profile = await rtdsEsmeProfile(loadKeyStoreDir(RTDS_KEYSTORE));
});
const base = () =>
  decodeMessage(rtdsMessages().find((m) => m.name.endsWith('CS03A1_8.7.1_SUCCESS_COMMAND_GBCS.HEX'))!.bytes);

function meter() {
  const clock = new VirtualClock(RTDS_TIME);
  const esme = new Esme({
    eui: RTDS_DEVICES.esme,
    clock,
    credentials: profile.credentials,
    trustAnchors: profile.trustAnchors,
  });
  const up = new RecordingUplink(() => clock.now());
  esme.attachUplink(up);
  let counter = 5000n;
  const send = (useCase: string, fields: unknown) => {
    counter += 1n;
    const b = base();
    const content = encodeCommand(useCase, fields as never, { originatorCounter: counter });
    const row = useCaseById(useCase)!;
    esme.onRemotePartyMessage(
      rebuildCommand(profile.remote, b, {
        counter,
        content,
        otherInfo: { ...b.otherInfo, messageCode: row.code },
        ...(row.critical ? {} : { signWith: null }),
      }),
    );
    const out = up.take().map(decodeMessage);
    const r = out.find((m) => m.cra === 'response');
    return {
      ev: esme.events.filter((e) => e.kind === 'command').at(-1),
      fields: r ? (decodeResponse(useCase, r.content).fields as unknown) : undefined,
      alerts: out.filter((m) => m.cra === 'alert').length,
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
