/**
 * CS06 Activate Firmware (DUIS 11.3) on the GPF, run by the meters' code
 * (meter-common/firmware.ts): without an image the GPF answers GBCS's
 * failure outcome (1) with its running version and logs Firmware
 * Verification Failed; an image it holds is activated now (outcome 0, the
 * new version, 0x8F43) or at its execution date-time (NULL, then the 8F66
 * alert, Message Code 0x00CA); 99991231235959Z cancels; the version and
 * the log read back through the GPF's state. Commands are the RTDS CS06
 * ones, re-addressed to the GPF and re-signed by the RTDS supplier.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeMessage } from '../../gbcs/index.ts';
import { decodeNamedPayload, decodeResponse, encodeCommand } from '../../gbcs/use-cases/index.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import {
  type GeneratedWorld,
  generatedWorld,
  RecordingUplink,
  rebuildCommand,
} from '../meter-common/test-support.ts';
import { generalizedTime, RTDS_TIME } from '../meter-common/time.ts';
import { RTDS_DEVICES } from '../security/credentials.ts';
import { GasMirror } from './gas-mirror.ts';
import { GPF_FIRMWARE_VERSION, Gpf } from './gpf.ts';

const GPF = RTDS_DEVICES.gpf;
const CS06 = decodeMessage(
  rtdsMessages().find((m) => m.name.endsWith('CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX'))!.bytes,
);
/** The image hash the RTDS CS06 commands name. */
const HASH = 'AA758690730934FF0685AA758690730934FF0685657788990011223344556677';

let world: GeneratedWorld;
before(async () => {
  world = await generatedWorld([GPF]);
});

function rig() {
  const clock = new VirtualClock(RTDS_TIME);
  const gpf = new Gpf({
    eui: GPF,
    clock,
    credentials: world.credentials(GPF),
    trustAnchors: world.trustAnchors(),
    mirror: new GasMirror(),
  });
  const up = new RecordingUplink(() => clock.now()).bind(gpf);
  gpf.attachUplink(up);
  let counter = 0x7100_0000n;
  /** CS06 from the RTDS supplier, signed, for `executionDateTime` (absent: immediate). */
  const activate = (hash: string, executionDateTime?: string) => {
    const c = ++counter;
    const content = encodeCommand(
      'CS06',
      {
        manufacturerImageHash: hash,
        originatorCounter: c,
        ...(executionDateTime ? { executionDateTime } : {}),
      },
      { originatorCounter: c },
    );
    gpf.onRemotePartyMessage(rebuildCommand(world.remote, CS06, { recipient: GPF, counter: c, content }));
    const ev = gpf.events.filter((e) => e.kind === 'command').at(-1);
    assert.equal(ev?.decision, 'accepted', `${ev?.reason}`);
    const [resp] = up.take();
    // biome-ignore lint/suspicious/noExplicitAny: response fields read by path
    return decodeResponse('CS06', decodeMessage(resp).content).fields as any;
  };
  const events = () => (gpf.stateView.eventLog ?? []).map((e) => e.code);
  return { clock, gpf, up, activate, events };
}

describe('GPF: CS06 Activate Firmware (meter-common/firmware.ts)', () => {
  it('no image: outcome 1 with the running version, 0x8F1C logged, nothing changes', () => {
    const r = rig();
    const out = r.activate(HASH);
    assert.deepEqual(out.outcome, { activateImageResponseCode: 1, firmwareVersion: GPF_FIRMWARE_VERSION });
    assert.deepEqual(r.gpf.backchannel.firmware(), { version: GPF_FIRMWARE_VERSION, pendingImage: null });
    assert.deepEqual(r.events(), [0x8f1c]);
  });

  it('the image it holds: activated now (outcome 0, the new version read back, 0x8F43); another hash fails', () => {
    const r = rig();
    r.gpf.backchannel.loadFirmwareImage(HASH, '02000001');
    assert.equal(r.activate('00'.repeat(32)).outcome.activateImageResponseCode, 1);
    assert.equal(r.gpf.backchannel.firmware().pendingImage?.version, '02000001', 'kept for the right hash');
    const out = r.activate(HASH);
    assert.deepEqual(out.outcome, { activateImageResponseCode: 0, firmwareVersion: '02000001' });
    assert.deepEqual(r.gpf.backchannel.firmware(), { version: '02000001', pendingImage: null });
    assert.deepEqual(r.events(), [0x8f1c, 0x8f43]);
  });

  it('future-dated: NULL, then at its time the image runs and the 8F66 alert (0x00CA) carries the outcome', () => {
    const r = rig();
    r.gpf.backchannel.loadFirmwareImage(HASH, '02000002');
    const at = RTDS_TIME + 6 * 3600_000;
    assert.equal(r.activate(HASH, generalizedTime(at)).futureDatedAccepted, null);
    assert.equal(r.gpf.backchannel.firmware().version, GPF_FIRMWARE_VERSION, 'not before its time');
    r.clock.advance(6 * 3600_000 + 1000);
    const alert = r.up
      .take()
      .map((b) => decodeMessage(b))
      .find((m) => m.messageCode === 0x00ca);
    assert.ok(alert, 'the Future Dated Firmware Activation alert');
    const a = decodeNamedPayload(0x00ca, 'alert', alert.content).fields as {
      alertCode: number;
      outcome: { activateImageResponseCode: number; firmwareVersion: string };
    };
    assert.equal(a.alertCode, 0x8f66);
    assert.deepEqual(a.outcome, { activateImageResponseCode: 0, firmwareVersion: '02000002' });
    assert.equal(r.gpf.backchannel.firmware().version, '02000002');
  });

  it('cancelled (99991231235959Z): NULL, and the future-dated activation never runs', () => {
    const r = rig();
    r.gpf.backchannel.loadFirmwareImage(HASH, '02000003');
    r.activate(HASH, generalizedTime(RTDS_TIME + 3600_000));
    assert.equal(r.activate(HASH, '99991231235959Z').futureDatedAccepted, null);
    r.clock.advance(2 * 3600_000);
    assert.equal(
      r.up.take().filter((b) => decodeMessage(b).messageCode === 0x00ca).length,
      0,
      'no activation alert',
    );
    assert.equal(r.gpf.backchannel.firmware().version, GPF_FIRMWARE_VERSION);
  });
});
