/**
 * GSME logs read back what happened (issue 12): consumption over virtual
 * time fills the half-hour profile data log (GCS17), a network data
 * sampling started by GCS31 fills its samples (GCS18), a top-up collecting
 * payment-based debt is in the Debt Log (GCS15d). Every read is a real
 * command through the mailbox on the GSME's poll, its encrypted response
 * decrypted with the originator's keys.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeMessage, type GbcsMessage } from '../../gbcs/index.ts';
import { decodeGbz } from '../../gbcs/payload/gbz.ts';
import { decodeComponentFields } from '../../gbcs/payload/gbz-named.ts';
import { type CommandFieldsOf, encodeCommand, type UseCaseId } from '../../gbcs/use-cases/index.ts';
import { generateUtrn } from '../../gbcs/utrn.ts';
import { toHex } from '../../runtime/bytes.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { HALF_HOUR_MS, halfHourAmount } from '../meter-common/metrology.ts';
import {
  type GeneratedWorld,
  generatedWorld,
  RecordingUplink,
  rebuildCommand,
} from '../meter-common/test-support.ts';
import { RTDS_TIME, zigbeeTime } from '../meter-common/time.ts';
import { RTDS_DEVICES, RTDS_PARTIES } from '../security/credentials.ts';
import { defaultGasLoad, Gsme } from './gsme.ts';

const GSME = RTDS_DEVICES.gsme;
const all = rtdsMessages();
const fixture = (name: string) => decodeMessage(all.find((x) => x.name.endsWith(name))!.bytes);
const GCS17 = '4.8.1_GCS17/GCS17_4.8.1_SUCCESS_COMMAND_GBCS.HEX';
const GCS18 = '4.10_GCS18/GCS18_4.10_SUCCESS_COMMAND_GBCS.HEX';
const GCS31 = '14.1_GCS31/GCS31_14.1_SUCCESS_COMMAND_GBCS.HEX';
const GCS15D = '4.4.4_GCS15d/GCS15d_4.4.4_SUCCESS_COMMAND_GBCS.HEX';
const CS01B = '2.2_CS01b/CS01b_2.2_SUCCESS_COMMAND_GBCS.HEX';

let world: GeneratedWorld;
before(async () => {
  world = await generatedWorld([GSME]);
});

function home(load = true) {
  // a half-hour boundary plus 10 minutes
  const clock = new VirtualClock(Math.floor(RTDS_TIME / HALF_HOUR_MS) * HALF_HOUR_MS + 600_000);
  const gsme = new Gsme({
    eui: GSME,
    clock,
    credentials: world.credentials(GSME),
    trustAnchors: world.trustAnchors(),
    pollIntervalMs: HALF_HOUR_MS,
    metrology: { load: load ? defaultGasLoad(GSME) : null },
  });
  const up = new RecordingUplink(() => clock.now()).bind(gsme);
  gsme.attachUplink(up);
  let counter = 0x7100_0000n;
  const command = (base: string, content: Uint8Array) =>
    rebuildCommand(world.remote, fixture(base), { content, counter: ++counter, recipient: GSME });
  /** delivered on the next poll (polls every half hour from the start) */
  const send = (bytes: Uint8Array): GbcsMessage[] => {
    up.mailbox.push(bytes);
    clock.advance(HALF_HOUR_MS);
    return up.take().map((b) => decodeMessage(b));
  };
  return { clock, gsme, command, send };
}

const enc = <U extends UseCaseId>(uc: U, fields: CommandFieldsOf<U>) =>
  encodeCommand(uc, fields, { originatorCounter: 1n });

/** The decrypted fields of the response's single (encrypted) component, or its Default Response status. */
function answer(r: GbcsMessage): { fields?: Record<string, unknown>; status?: number } {
  const gbz = decodeGbz(r.content, false);
  const c = gbz.components[0]!;
  if (!c.encrypted) return { status: c.payload![c.payload!.length - 1]! };
  const plain = world.remote.decryptPayload(r.content.subarray(c.encrypted.offset!), r);
  return {
    fields: decodeComponentFields(c.clusterId, { frameControl: 0x09, commandId: c.header.commandId }, plain)
      .fields,
  };
}

const sampled = (sampleId: number, earliest: number, n: number) =>
  enc('GCS17', {
    getSampledData: { sampleId, earliestSampleTime: earliest, sampleType: 0, numberOfSamples: n },
  });

describe('GSME logs: what happened is read back', () => {
  it('GCS17: the half-hour profile grows with virtual time and sums to the register advance', () => {
    const h = home();
    const start = h.gsme.stateView.registers.currentSummationDelivered;
    const t0 = h.clock.now();
    h.clock.advance(6 * HALF_HOUR_MS);
    const [r] = h.send(h.command(GCS17, sampled(0, 0, 100)));
    const got = answer(r!).fields as {
      sampleStartTime: number;
      sampleRequestInterval: number;
      numberOfSamples: number;
      samples: number[];
    };
    // polled at t0 + 7 half hours: intervals [t0-10min+30min, ...) closed: 7 whole half hours after the first boundary
    const firstBoundary = Math.ceil(t0 / HALF_HOUR_MS) * HALF_HOUR_MS;
    assert.equal(got.sampleRequestInterval, 1800);
    assert.equal(
      got.sampleStartTime,
      zigbeeTime(firstBoundary - HALF_HOUR_MS),
      'the half hour the meter started in',
    );
    assert.equal(got.numberOfSamples, 7);
    const model = defaultGasLoad(GSME);
    const firstIndex = firstBoundary / HALF_HOUR_MS;
    // whole half hours after the first equal the model exactly; the first holds the 20 minutes after start
    for (let i = 1; i < 7; i++)
      assert.equal(got.samples[i], halfHourAmount(model, 'gas', firstIndex - 1 + i));
    assert.ok(got.samples[0]! <= halfHourAmount(model, 'gas', firstIndex - 1));
    const now = h.gsme.stateView.registers.currentSummationDelivered;
    const sum = got.samples.reduce((a, b) => a + b, 0);
    assert.ok(now - start >= sum, 'the register advanced by at least the closed intervals');
    assert.ok(sum > 0);
    // from a later earliest time: only the intervals starting then or after, at most n
    const later = zigbeeTime(firstBoundary + 2 * HALF_HOUR_MS);
    const [r2] = h.send(h.command(GCS17, sampled(0, later, 3)));
    const got2 = answer(r2!).fields as { sampleStartTime: number; samples: number[] };
    assert.equal(got2.sampleStartTime, later);
    assert.deepEqual(got2.samples, got.samples.slice(3, 6));
  });

  it('GCS17 with no load: backchannel consumption lands in the half hour it happened in; nothing yet recorded: NOT_FOUND', () => {
    const h = home(false);
    const [none] = h.send(h.command(GCS17, sampled(0, zigbeeTime(h.clock.now() + 10 * HALF_HOUR_MS), 10)));
    assert.equal(answer(none!).status, 0x8b, 'no entry at or after that time');
    h.gsme.backchannel.consume(250);
    h.clock.advance(HALF_HOUR_MS);
    h.gsme.backchannel.consume(40);
    const [r] = h.send(h.command(GCS17, sampled(0, 0, 100)));
    const got = answer(r!).fields as { samples: number[] };
    assert.deepEqual(got.samples.slice(-2), [250, 40]);
    assert.equal(
      got.samples.reduce((a, b) => a + b, 0),
      290,
    );
  });

  it('GCS31 then GCS18: the network data sampling records its interval samples and stops at the maximum', () => {
    const h = home();
    // RTDS GCS31: now, consumption delivered, every 360 s, at most 41 samples
    const [s] = h.send(h.command(GCS31, fixture(GCS31).content));
    assert.match(toHex(s!.content), /0D0200$/, 'Start Sampling Response, Sample ID 2');
    h.clock.advance(24 * HALF_HOUR_MS);
    const [r] = h.send(h.command(GCS18, fixture(GCS18).content)); // sample id 2, 41 samples
    const got = answer(r!).fields as {
      sampleId: number;
      sampleRequestInterval: number;
      numberOfSamples: number;
      samples: number[];
    };
    assert.equal(got.sampleId, 2);
    assert.equal(got.sampleRequestInterval, 360);
    assert.equal(got.numberOfSamples, 41, 'stopped at the maximum');
    assert.ok(got.samples.some((v) => v > 0));
    // another sample id: not found
    const [nf] = h.send(
      h.command(
        GCS18,
        enc('GCS18', {
          getSampledData: { sampleId: 4, earliestSampleTime: 0, sampleType: 0, numberOfSamples: 10 },
        }),
      ),
    );
    assert.equal(answer(nf!).status, 0x8b);
  });

  it('GCS15d: a top-up that collects payment-based debt is in the Debt Log; before it NOT_FOUND', () => {
    const h = home(false);
    const q = fixture(GCS15D).content;
    const [empty] = h.send(h.command(GCS15D, q));
    assert.equal(answer(empty!).status, 0x8b);
    // a 200.00 pound top-up (CS01b, a real UTRN) while 10 % of each top-up repays the payment-based debt
    h.gsme.backchannel.set({ debtRecoveryPercent: 10 });
    const balance = h.gsme.stateView.meterBalance;
    const base = fixture(CS01B);
    const utrn = generateUtrn(world.remote, {
      supplier: RTDS_PARTIES.supplier,
      device: GSME,
      counter: 0x600000000n,
      value: 200,
      valueClass: 'pounds',
    });
    const content = new Uint8Array(base.content);
    content.set(Buffer.from(utrn, 'latin1'), content.length - 20);
    const [t] = h.send(
      rebuildCommand(world.remote, base, { content, counter: 0x600000000n, recipient: GSME }),
    );
    assert.equal(t!.messageCode, base.messageCode);
    // 5 000 outstanding in debt register 3 (RTDS), 10 % of 20 000 000 is more: all 5 000 collected
    assert.equal(h.gsme.stateView.meterBalance, balance + 20_000_000 - 5_000);
    const [r] = h.send(h.command(GCS15D, q));
    const got = answer(r!).fields as { debtPayloads: Array<Record<string, number>> };
    assert.equal(got.debtPayloads.length, 1);
    assert.equal(got.debtPayloads[0]!.amountCollected, 5_000);
    assert.equal(got.debtPayloads[0]!.debtType, 2);
    assert.equal(got.debtPayloads[0]!.outstandingDebt, 0);
    assert.equal(h.gsme.stateView.debt.amounts[2], 0);
    assert.equal(h.gsme.stateView.debt.accumulated, 2_495_000);
  });
});

/** Every component of a GBZ response: decrypted fields of a publish, or a Default Response's status. */
function allAnswers(r: GbcsMessage): Array<{ fields?: Record<string, unknown>; status?: number }> {
  return decodeGbz(r.content, false).components.map((c) => {
    if (!c.encrypted) return { status: c.payload![c.payload!.length - 1]! };
    const e = c.encrypted;
    // the security header (control, invocation counter), the ciphertext and the 12-byte MAC of this component
    const at = e.offset!;
    const plain = world.remote.decryptPayload(r.content.subarray(at, at + 5 + e.ciphertext.length + 12), r);
    return {
      fields: decodeComponentFields(c.clusterId, { frameControl: 0x09, commandId: c.header.commandId }, plain)
        .fields,
    };
  });
}

const GCS16A = '4.6.1_GCS16a/GCS16a_4.6.1_SUCCESS_COMMAND_GBCS.HEX';
const GCS16B = '4.14_GCS16b/GCS16b_4.14_KRP_SUCCESS_COMMAND_GBCS.HEX';
const GCS15B = '4.4.2_GCS15b/GCS15b_4.4.2_SUCCESS_COMMAND_GBCS.HEX';
const GCS03 = '1.6_GCS03/GCS03_1.6_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX';
const DAY = 86_400_000;
const ask = (n: number, cause: number) =>
  Array.from({ length: n }, (_, i) => ({
    earliestStartTime: 0,
    latestEndTime: 0xfffffffe,
    snapshotOffset: i,
    snapshotCause: cause,
  }));

describe('GSME snapshots: daily reads and the billing data log recorded on virtual time', () => {
  it('GCS16a / GCS16b: a snapshot at each midnight, oldest at offset 0, the registers as they stood then', () => {
    const h = home();
    const t0 = h.clock.now();
    h.clock.advance(3 * DAY);
    const [r] = h.send(h.command(GCS16A, enc('GCS16a', { getSnapshot: ask(4, 1) } as never)));
    const got = allAnswers(r!);
    const midnights = [1, 2, 3].map((d) => zigbeeTime(Math.floor(t0 / DAY) * DAY + d * DAY));
    const found = got.slice(0, 3).map((a) => a.fields as Record<string, number>);
    assert.deepEqual(
      found.map((f) => f.snapshotTime),
      midnights,
    );
    assert.deepEqual(
      found.map((f) => f.snapshotId),
      [0, 1, 2],
    );
    for (const f of found) {
      assert.equal(f.totalSnapshotsFound, 3);
      assert.equal(f.snapshotCause, 1);
      assert.equal(f.snapshotPayloadType, 6);
    }
    const summations = h.gsme.stateView.snapshotLog.entries.map((e) => e.summation);
    assert.ok(
      summations[0]! < summations[1]! && summations[1]! < summations[2]!,
      'consumption between midnights',
    );
    assert.ok(summations[2]! < h.gsme.stateView.registers.currentSummationDelivered);
    assert.equal(got[3]!.status, 0x8b, 'no fourth snapshot: NOT_FOUND');
    // the prepayment side of the same snapshots (GCS16b): the credit at each midnight
    const [p] = h.send(h.command(GCS16B, enc('GCS16b', { getPrepaySnapshot: ask(1, 1) } as never)));
    const prepay = allAnswers(p!)[0]!.fields as Record<string, unknown>;
    assert.equal(prepay.snapshotTime, midnights[0]);
    assert.equal(prepay.snapshotPayloadType, 0);
  });

  it('GCS15b: a payment mode change (GCS03) is in the billing data log; a faulted read answers HARDWARE_FAILURE and changes nothing', () => {
    const h = home(false);
    assert.equal(h.gsme.stateView.paymentMode, 'credit');
    const [m] = h.send(h.command(GCS03, fixture(GCS03).content));
    assert.ok(m);
    assert.equal(h.gsme.stateView.paymentMode, 'prepayment');
    const fields = { getPrepaySnapshot: ask(2, 0x6008), getSnapshot: ask(1, 0x6008) };
    const [r] = h.send(h.command(GCS15B, enc('GCS15b', fields as never)));
    const got = allAnswers(r!);
    const first = got[0]!.fields as Record<string, number>;
    assert.equal(first.snapshotCause, 0x4000, 'change of mode');
    assert.equal(first.totalSnapshotsFound, 1);
    assert.equal(got[1]!.status, 0x8b);
    assert.equal(
      (got[2]!.fields as Record<string, number>).snapshotId,
      0,
      "the metering cluster's first snapshot",
    );
    h.gsme.backchannel.hardwareFault('prepayment.getPrepaySnapshot');
    // everything but the metrology's accrued-to time (virtual time passes until the poll)
    const view = () => JSON.stringify({ ...h.gsme.stateView, metrology: null });
    const before = view();
    const [f] = h.send(h.command(GCS15B, enc('GCS15b', fields as never)));
    assert.deepEqual(
      allAnswers(f!).map((a) => a.status),
      [0xc0, 0x01, 0x01],
    );
    assert.equal(view(), before);
  });
});
