/**
 * GCS38 Read GSME Firmware Version as GBCS V3.1's use-case table defines it:
 * Metering 0x0702 Read Attributes of 0x0206 CurrentMeterID, an octet string
 * carrying the four octets of the running image's OTA File Version. The
 * command is a real one (named fields encoded from the catalogue row, MAC'd
 * with the generated world's keys), delivered through the mailbox on the
 * GSME's poll.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeMessage } from '../../gbcs/index.ts';
import { decodeResponse, encodeCommand, useCaseById } from '../../gbcs/use-cases/index.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import {
  type GeneratedWorld,
  generatedWorld,
  RecordingUplink,
  rebuildCommand,
} from '../meter-common/test-support.ts';
import { RTDS_TIME } from '../meter-common/time.ts';
import { RTDS_DEVICES } from '../security/credentials.ts';
import { Gsme } from './gsme.ts';

const GSME = RTDS_DEVICES.gsme;
const HALF_HOUR = 30 * 60_000;
/** A non-critical supplier read of the RTDS GSME: its originator and counters carry the GCS38 command. */
const BASE = '6.2.4_GCS21m/GCS21m_6.2.4_SUCCESS_COMMAND_GBCS.HEX';

let world: GeneratedWorld;
before(async () => {
  world = await generatedWorld([GSME]);
});

describe('GCS38 Read GSME Firmware Version (GBCS V3.1: Metering 0x0206 CurrentMeterID)', () => {
  it('the row reads Metering 0x0206 and the GSME answers the version octets', () => {
    const row = useCaseById('GCS38');
    assert.equal(row?.code, 0x0084);
    assert.deepEqual(row?.targets, ['GSME', 'GPF']);
    const clock = new VirtualClock(RTDS_TIME);
    const gsme = new Gsme({
      eui: GSME,
      clock,
      credentials: world.credentials(GSME),
      trustAnchors: world.trustAnchors(),
      pollIntervalMs: HALF_HOUR,
    });
    const up = new RecordingUplink(() => clock.now()).bind(gsme);
    gsme.attachUplink(up);
    const base = decodeMessage(rtdsMessages().find((m) => m.name.endsWith(BASE))!.bytes);
    const content = encodeCommand(
      'GCS38',
      { readMetering: { attributes: [{ id: 0x0206 }] } },
      { originatorCounter: 1n },
    );
    up.mailbox.push(
      rebuildCommand(world.remote, base, {
        content,
        counter: 0x7000_0001n,
        recipient: GSME,
        otherInfo: { ...base.otherInfo, messageCode: 0x0084 },
      }),
    );
    clock.advance(HALF_HOUR);
    const [resp] = up.take().map((b) => decodeMessage(b));
    assert.ok(resp, 'a response');
    assert.equal(resp.otherInfo.messageCode, 0x0084);
    const r = decodeResponse('GCS38', resp.content) as {
      fields: {
        components: Array<{ fields?: { records?: Array<{ id: number; value?: { value: unknown } }> } }>;
      };
    };
    const rec = r.fields.components[0]?.fields?.records?.find((x) => x.id === 0x0206);
    assert.ok(rec, 'CurrentMeterID answered');
    assert.equal(String(rec.value?.value).toUpperCase(), gsme.stateView.firmware.version.toUpperCase());
  });
});
