/**
 * The GSME's billing calendar in time (issue 12, billing-alert.ts): GCS25a
 * sets a daily Billing Calendar, virtual time passes the end of a billing
 * period, the meter raises GCS53 (0x008B, alert 0x8F0A, critical, signed)
 * whose one encrypted Publish Snapshot the supplier decrypts; GCS15c then
 * reads the same End of Billing Period snapshot back; a snapshot restores
 * the running calendar; a GSME as made raises nothing.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeMessage, ecdsaVerify, type GbcsMessage } from '../../gbcs/index.ts';
import { decodeGbz } from '../../gbcs/payload/gbz.ts';
import { decodeComponentFields } from '../../gbcs/payload/gbz-named.ts';
import {
  type CommandFieldsOf,
  decodeAlert,
  encodeCommand,
  type UseCaseId,
  useCaseById,
} from '../../gbcs/use-cases/index.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import {
  type GeneratedWorld,
  generatedWorld,
  RecordingUplink,
  rebuildCommand,
} from '../meter-common/test-support.ts';
import { RTDS_TIME, zigbeeTime } from '../meter-common/time.ts';
import { RTDS_DEVICES } from '../security/credentials.ts';
import { Gsme } from './gsme.ts';
import { SNAPSHOT_CAUSE } from './snapshots.ts';

const GSME = RTDS_DEVICES.gsme;
const HALF_HOUR = 30 * 60_000;
const DAY = 86_400_000;
const all = rtdsMessages();
const fixture = (name: string) => decodeMessage(all.find((x) => x.name.endsWith(name))!.bytes);
const GCS15C = '4.4.3_GCS15c/GCS15c_4.4.3_SUCCESS_COMMAND_GBCS.HEX';
const enc = <U extends UseCaseId>(uc: U, fields: CommandFieldsOf<U>) =>
  encodeCommand(uc, fields, { originatorCounter: 1n });

let world: GeneratedWorld;
before(async () => {
  world = await generatedWorld([GSME]);
});

function home() {
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
  let counter = 0x7200_0000n;
  const command = (content: Uint8Array, useCase: UseCaseId) => {
    const b = fixture(GCS15C);
    const row = useCaseById(useCase)!;
    return rebuildCommand(world.remote, b, {
      content,
      counter: ++counter,
      recipient: GSME,
      otherInfo: { ...b.otherInfo, messageCode: row.code },
      ...(row.critical ? { signWith: world.remote.keyStore.privateKey(b.originator, 'ds') } : {}),
    });
  };
  /** delivered on the next poll: the answers (responses and alerts) */
  const send = (bytes: Uint8Array): GbcsMessage[] => {
    up.mailbox.push(bytes);
    clock.advance(HALF_HOUR);
    return up.take().map((b) => decodeMessage(b));
  };
  const setDaily = (startMs: number) => {
    const start = zigbeeTime(startMs);
    const [r] = send(
      command(
        enc('GCS25a', {
          billingPeriod: {
            providerId: 0,
            issuerEventId: 1,
            billingPeriodStartTime: start,
            billingPeriodDuration: 1,
            billingPeriodDurationType: 0x21,
            tariffType: 0,
          },
          blockPeriod: {
            providerId: 0,
            issuerEventId: 1,
            blockPeriodStartTime: start,
            blockPeriodDuration: 1,
            blockPeriodControl: 0b10,
            blockPeriodDurationType: 0x21,
            tariffType: 0,
            tariffResolutionPeriod: 1,
          },
        }),
        'GCS25a',
      ),
    );
    assert.ok(r, 'GCS25a answered');
  };
  return { clock, gsme, up, send, command, setDaily };
}

/** an alert as the supplier gets it: its signature checked */
function verified(m: GbcsMessage): GbcsMessage {
  assert.ok(m.mac === null && m.signature, 'a critical alert: signed, no MAC');
  assert.ok(
    ecdsaVerify(m.signedData, m.signature, world.remote.keyStore.publicKey(GSME, 'ds')!),
    'signature verifies',
  );
  return m;
}

/** the decrypted fields of the message's one encrypted component */
function decrypted(m: GbcsMessage, clusterId = 0x0702): Record<string, unknown> {
  const gbz = decodeGbz(m.content, m.cra === 'alert');
  const c = gbz.components.find((x) => x.clusterId === clusterId)!;
  assert.ok(c.encrypted, 'encrypted');
  const at = c.encrypted.offset!;
  // the security header (control, invocation counter), the ciphertext and the 12-byte MAC of this component
  const plain = world.remote.decryptPayload(
    m.content.subarray(at, at + 5 + c.encrypted.ciphertext.length + 12),
    m,
  );
  return decodeComponentFields(c.clusterId, { frameControl: 0x09, commandId: c.header.commandId }, plain)
    .fields as Record<string, unknown>;
}

describe('GSME billing calendar in time: GCS53 at each billing period end, GCS15c reads it back', () => {
  it('a GSME as made raises nothing; after GCS25a, at the period end: GCS53 signed, its Publish Snapshot encrypted for the supplier', () => {
    const { clock, gsme, up, send, command, setDaily } = home();
    assert.equal(gsme.billing.nextBillingDate, null, 'the calendar a GSME is made with raises no alert');
    clock.advance(3 * DAY);
    assert.equal(
      up.take().filter((b) => decodeMessage(b).messageCode === 0x008b).length,
      0,
      'no GCS53 without a 6.8',
    );

    const midnight = Math.floor(clock.now() / DAY) * DAY + DAY;
    setDaily(midnight - DAY);
    assert.equal(gsme.billing.nextBillingDate, midnight, 'the next end of a daily period');
    gsme.backchannel.consume(777);
    const summation = gsme.stateView.registers.currentSummationDelivered;

    clock.runUntil(midnight - 1);
    assert.equal(up.take().length, 0, 'nothing before the billing date');
    clock.runUntil(midnight);
    const out = up.take().map((b) => verified(decodeMessage(b)));
    assert.equal(out.length, 1);
    const alert = out[0]!;
    assert.equal(alert.cra, 'alert');
    assert.equal(alert.messageCode, 0x008b);
    const f = decodeAlert('GCS53', alert.content).fields as {
      alertCode: number;
      alertTime: number;
      components: { cluster: string; command: string }[];
    };
    assert.equal(f.alertCode, 0x8f0a);
    assert.equal(f.alertTime, zigbeeTime(midnight));
    assert.deepEqual(
      f.components.map((c) => [c.cluster, c.command]),
      [['metering', 'publishSnapshot']],
    );
    const snap = decrypted(alert);
    assert.equal(snap.snapshotTime, zigbeeTime(midnight));
    assert.equal(snap.snapshotCause, SNAPSHOT_CAUSE.endOfBillingPeriod);
    assert.equal(snap.totalSnapshotsFound, 1);
    assert.equal(snap.commandIndex, 0);
    assert.equal(snap.totalNumberOfCommands, 1);
    assert.equal(snap.snapshotPayloadType, 6);
    // payload type 6: the summation (uint48, little-endian) first, at the billing date
    assert.equal(Buffer.from(String(snap.snapshotPayload), 'hex').readUIntLE(0, 6), summation);
    assert.equal(gsme.stateView.eventLog.at(-1)?.code, 0x8f0a);
    assert.equal(gsme.billing.nextBillingDate, midnight + DAY, 'one timer: the next date');

    // read after write: GCS15c (End of Billing Period snapshots) answers the same snapshot
    const [read] = send(
      command(
        enc('GCS15c', {
          getSnapshot: [
            {
              earliestStartTime: zigbeeTime(midnight - DAY / 2),
              latestEndTime: zigbeeTime(midnight + DAY / 2),
              snapshotOffset: 0,
              snapshotCause: SNAPSHOT_CAUSE.endOfBillingPeriod,
            },
          ],
          getPrepaySnapshot: [
            {
              earliestStartTime: zigbeeTime(midnight - DAY / 2),
              latestEndTime: zigbeeTime(midnight + DAY / 2),
              snapshotOffset: 0,
              snapshotCause: SNAPSHOT_CAUSE.endOfBillingPeriod,
            },
          ],
        }),
        'GCS15c',
      ),
    );
    const back = decrypted(read!);
    assert.deepEqual(
      { ...back, totalSnapshotsFound: 1 },
      snap,
      'the read answers the snapshot the alert carried',
    );
  });

  it('a restored GSME resumes its calendar and raises the dates it missed', () => {
    const { clock, gsme, up, setDaily } = home();
    const midnight = Math.floor(clock.now() / DAY) * DAY + DAY;
    setDaily(midnight - DAY);
    clock.runUntil(midnight + 2 * DAY);
    assert.equal(up.take().filter((b) => decodeMessage(b).messageCode === 0x008b).length, 3, 'one a day');
    const snap = gsme.snapshot();
    gsme.stop();

    const other = home();
    other.clock.runUntil(midnight + 5 * DAY - 1);
    other.up.take();
    other.gsme.restore(snap);
    assert.equal(other.gsme.billing.nextBillingDate, midnight + 3 * DAY);
    other.clock.runUntil(midnight + 5 * DAY);
    const times = other.up
      .take()
      .map((b) => decodeMessage(b))
      .filter((m) => m.messageCode === 0x008b)
      .map((m) => (decodeAlert('GCS53', m.content).fields as { alertTime: number }).alertTime);
    assert.deepEqual(
      times,
      [3, 4, 5].map((k) => zigbeeTime(midnight + k * DAY)),
    );
    assert.equal(other.gsme.billing.nextBillingDate, midnight + 6 * DAY);
  });
});
