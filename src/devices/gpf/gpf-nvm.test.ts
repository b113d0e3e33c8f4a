/**
 * The GPF's snapshot round trip through the home's non-volatile memory
 * codec (sim/nvm.ts, issue 12): a GPF changed by real commands (GCS09 Change
 * of Tenancy, a replayed command refused into its Security Log) and by the
 * GSME's write of the gas mirror is snapshot, written as NVM text, read
 * back and restored into a fresh GPF, which holds the same state and the
 * same anti-replay memory (the replay is refused again, a new command taken).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeMessage } from '../../gbcs/index.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { nvmParse, nvmStringify } from '../../sim/nvm.ts';
import { defaultGsmeState } from '../gsme/gsme.ts';
import {
  type GeneratedWorld,
  generatedWorld,
  RecordingUplink,
  rebuildCommand,
} from '../meter-common/test-support.ts';
import { RTDS_TIME } from '../meter-common/time.ts';
import { RTDS_DEVICES } from '../security/credentials.ts';
import { GasMirror } from './gas-mirror.ts';
import { Gpf, type GpfSnapshot } from './gpf.ts';

const GPF = RTDS_DEVICES.gpf;
const GCS09 = decodeMessage(
  rtdsMessages().find((m) => m.name.endsWith('GCS09_3.2_SUCCESS_COMMAND_GBCS.HEX'))!.bytes,
);

let world: GeneratedWorld;
before(async () => {
  world = await generatedWorld([GPF]);
});

function gpfOn(clock: VirtualClock) {
  const gpf = new Gpf({
    eui: GPF,
    clock,
    credentials: world.credentials(GPF),
    trustAnchors: world.trustAnchors(),
    mirror: new GasMirror(),
  });
  const up = new RecordingUplink(() => clock.now()).bind(gpf);
  gpf.attachUplink(up);
  const deliver = (bytes: Uint8Array) => {
    gpf.onRemotePartyMessage(bytes);
    up.take();
    return gpf.events.filter((e) => e.kind === 'command').at(-1);
  };
  return { gpf, deliver };
}

describe('GPF state through the home NVM (snapshot, NVM text, restore)', () => {
  it('Change of Tenancy, Security Log, gas mirror and anti-replay memory round-trip; the restored GPF refuses the replay', () => {
    const clock = new VirtualClock(RTDS_TIME);
    const a = gpfOn(clock);
    const cot = rebuildCommand(world.remote, GCS09, { recipient: GPF, counter: 0x7000_0001n });
    assert.equal(a.deliver(cot)?.decision, 'accepted');
    assert.ok(a.gpf.stateView.changeOfTenancy, 'GCS09 held');
    assert.equal(a.deliver(cot)?.decision, 'rejected', 'a replay');
    assert.equal(a.gpf.stateView.securityLog?.length, 1, 'the refused command in the Security Log');
    const gsme = defaultGsmeState();
    gsme.registers.currentSummationDelivered = 123_456;
    clock.advance(60_000);
    a.gpf.mirror.update(gsme, clock.now());

    const text = nvmStringify(a.gpf.snapshot());
    const b = gpfOn(new VirtualClock(clock.now()));
    b.gpf.restore(nvmParse<GpfSnapshot>(text));
    assert.deepEqual(b.gpf.snapshot(), a.gpf.snapshot());
    assert.equal(b.gpf.mirror.state.registers.currentSummationDelivered, 123_456);
    assert.equal(b.gpf.mirror.updatedAt, clock.now());
    assert.equal(b.deliver(cot)?.decision, 'rejected', 'the restored anti-replay memory refuses the replay');
    assert.equal(
      b.deliver(rebuildCommand(world.remote, GCS09, { recipient: GPF, counter: 0x7000_0002n }))?.decision,
      'accepted',
    );
  });
});
