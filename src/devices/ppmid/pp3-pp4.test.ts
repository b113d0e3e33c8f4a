/**
 * SECMP0038 PP-3 (store and forward: survives a restart and a broken HAN until
 * delivered or expired), PP-4 (nothing while the duty cycle is Critical) and
 * PP-5 (sends only once joined: HanUplink.isReady()).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeStatusReport, type StatusReport, verifyStatusReport } from '../../delivery/index.ts';
import { decodeMessage } from '../../gbcs/index.ts';
import { toHex } from '../../runtime/bytes.ts';
import { RTDS_DEVICES, RTDS_PARTIES } from '../security/credentials.ts';
import { makeSignedEnvelope, requestIdForCommand } from './atps.ts';
import { Ppmid, type PpmidSnapshot } from './ppmid.ts';
import { FakeUplink, makePpmidKit, type PpmidKit, RTDS_HOME } from './testing.ts';

const SUPPLIER = RTDS_PARTIES.supplier;

/** Distinct supplier commands to the RTDS ESME, non-firmware, within the tunnel size, one per originator counter. */
const ESME_COMMANDS = (() => {
  const seen = new Set<bigint>();
  const out: Uint8Array[] = [];
  for (const m of rtdsMessages()) {
    if (m.kind !== 'COMMAND' || m.bytes[0] !== 0xdd || m.bytes.length > 1500 || m.useCase === 'CS06')
      continue;
    const g = decodeMessage(m.bytes);
    const rid = requestIdForCommand(m.bytes);
    if (g.recipient !== RTDS_DEVICES.esme || rid.originator !== SUPPLIER || seen.has(g.originatorCounter))
      continue;
    seen.add(g.originatorCounter);
    out.push(m.bytes);
  }
  return out;
})();

function envelope(kit: PpmidKit, gbcs: Uint8Array, ttlMs = 3600_000, id?: string): Uint8Array {
  return makeSignedEnvelope({
    gbcs,
    ppmid: RTDS_DEVICES.ppmid,
    supplierId: SUPPLIER,
    deliveryKey: kit.supplierKeys.get(SUPPLIER)!.privateKey,
    createdAt: kit.clock.now(),
    ttlMs,
    ...(id ? { envelopeId: id } : {}),
  });
}

function collect(p: Ppmid): StatusReport[] {
  const out: StatusReport[] = [];
  p.onStatusReport((b) => out.push(decodeStatusReport(b)));
  return out;
}

const hexes = (u: FakeUplink) => u.sent.map((s) => toHex(s.bytes));

describe('PP-3: one at a time, in order', () => {
  it('forwards queued commands in arrival order, each only after the previous transfer completed', async () => {
    const kit = await makePpmidKit();
    kit.uplink.latencyMs = 400;
    const cmds = ESME_COMMANDS.slice(0, 4);
    for (const c of cmds)
      assert.equal(kit.ppmid.deliverEnvelope(envelope(kit, c)).outcome, 'accepted-queued');
    kit.clock.advance(10_000);
    assert.deepEqual(hexes(kit.uplink), cmds.map(toHex));
    for (let i = 1; i < kit.uplink.sent.length; i++)
      assert.ok(kit.uplink.sent[i].at >= kit.uplink.sent[i - 1].at + 400, 'never two in flight');
  });
});

describe('PP-3: retries with backoff on the Clock, bounded attempts', () => {
  it('retries after 2 s, 4 s, 8 s ... then reports delivery-failed and moves on', async () => {
    const kit = await makePpmidKit({ overrides: { retry: { maxAttempts: 4 } } });
    const got = collect(kit.ppmid);
    kit.uplink.latencyMs = 0;
    kit.uplink.failAll = 'link-down';
    kit.ppmid.deliverEnvelope(envelope(kit, ESME_COMMANDS[0]));
    kit.clock.advance(14_000);
    const t = kit.uplink.sent.map((s) => s.at - kit.uplink.sent[0].at);
    assert.deepEqual(t.slice(0, 4), [0, 2_000, 6_000, 14_000]);
    assert.ok(kit.uplink.sent.slice(0, 4).every((s) => toHex(s.bytes) === toHex(ESME_COMMANDS[0])));
    const failed = got.find((r) => r.outcome === 'delivery-failed')!;
    assert.equal(failed.reason, 'han-link-down');
    assert.equal(failed.attempts, 4);
    kit.uplink.failAll = null;
    kit.ppmid.deliverEnvelope(envelope(kit, ESME_COMMANDS[1]));
    kit.clock.advance(60_000);
    assert.equal(toHex(kit.uplink.sent.at(-1)!.bytes), toHex(ESME_COMMANDS[1]), 'the next one goes after');
    assert.equal(got.at(-1)?.outcome, 'forwarded');
    const c = kit.ppmid.metrics.snapshot().counters;
    assert.equal(c['ppmid.han.failure.link-down'], 4);
    assert.equal(c['ppmid.relay.delivery-failed'], 1);
    assert.equal(c['ppmid.han.retry-scheduled'], 3);
  });

  it('a transfer that fails then succeeds is forwarded once, with its attempt count', async () => {
    const kit = await makePpmidKit();
    const got = collect(kit.ppmid);
    kit.uplink.script = ['tunnel-closed', 'lost', 'ok'];
    kit.ppmid.deliverEnvelope(envelope(kit, ESME_COMMANDS[0]));
    kit.clock.advance(60_000);
    assert.equal(kit.uplink.sent.length, 3);
    const fwd = got.filter((r) => r.outcome === 'forwarded');
    assert.equal(fwd.length, 1);
    assert.equal(fwd[0].attempts, 3);
  });

  it('a send whose result never comes is given up after sendTimeoutMs (han-no-answer) and retried', async () => {
    const kit = await makePpmidKit({ overrides: { retry: { sendTimeoutMs: 5_000 } } });
    kit.uplink.script = ['silent'];
    kit.ppmid.deliverEnvelope(envelope(kit, ESME_COMMANDS[0]));
    kit.clock.advance(60_000);
    assert.equal(kit.uplink.sent.length, 2);
    assert.ok(kit.ppmid.events.some((e) => e.reason === 'retry-scheduled' && e.detail?.failure === 'lost'));
  });
});

describe('PP-5: sends only while joined (HanUplink.isReady)', () => {
  it('waits without spending attempts while the HAN is not ready, then delivers', async () => {
    const kit = await makePpmidKit({ overrides: { retry: { maxAttempts: 1 } } });
    kit.uplink.ready = false;
    const got = collect(kit.ppmid);
    kit.ppmid.deliverEnvelope(envelope(kit, ESME_COMMANDS[0], 6 * 3600_000));
    kit.clock.advance(3 * 3600_000);
    assert.equal(kit.uplink.sent.length, 0);
    assert.equal(kit.ppmid.display().relay.waiting, 'han-not-ready');
    kit.uplink.ready = true;
    kit.clock.advance(30_000); // at most maxWaitPollMs
    assert.equal(kit.uplink.sent.length, 1);
    assert.equal(got.at(-1)?.outcome, 'forwarded');
    assert.ok(kit.ppmid.events.some((e) => e.reason === 'han-ready'));
    // the wait polls back off: a few hundred timer events over 3 hours, not one per second
    assert.ok((kit.ppmid.metrics.snapshot().counters['ppmid.wait.han-not-ready'] ?? 0) === 1);
  });
});

describe('PP-3: expiry', () => {
  it('a command not delivered before expires-at is reported expired (when due) and never sent', async () => {
    const kit = await makePpmidKit();
    kit.uplink.ready = false;
    const got = collect(kit.ppmid);
    const d = kit.ppmid.deliverEnvelope(envelope(kit, ESME_COMMANDS[0], 10 * 60_000));
    kit.clock.advance(10 * 60_000);
    const exp = got.find((r) => r.outcome === 'expired');
    assert.ok(exp, 'expired reported');
    assert.equal(exp.at, kit.clock.now(), 'reported at expires-at, not later');
    assert.equal(exp.envelopeId, d.envelopeId);
    assert.equal(exp.reason, 'expired');
    kit.uplink.ready = true;
    kit.clock.advance(3600_000);
    assert.equal(kit.uplink.sent.length, 0);
    assert.equal(kit.ppmid.display().relay.outboxDepth, 0);
  });

  it('a command still failing at expiry is reported expired with its attempts and last failure', async () => {
    const kit = await makePpmidKit({ overrides: { retry: { maxAttempts: 100 } } });
    const got = collect(kit.ppmid);
    kit.uplink.failAll = 'link-down';
    kit.ppmid.deliverEnvelope(envelope(kit, ESME_COMMANDS[0], 60_000));
    kit.clock.advance(120_000);
    const exp = got.find((r) => r.outcome === 'expired')!;
    assert.ok(exp.attempts >= 3);
    assert.match(exp.detail, /han-link-down/);
  });
});

describe('PP-3: the outbox survives a restart (snapshot / restore)', () => {
  async function midDelivery() {
    const kit = await makePpmidKit();
    kit.uplink.latencyMs = 1_000;
    kit.uplink.script = ['ok', 'silent'];
    const ids = ['A1', 'A2', 'A3'].map((x) => x.repeat(16));
    const before = collect(kit.ppmid); // the old instance's reports went out (none held in the snapshot)
    const envelopes = ids.map((id, i) => envelope(kit, ESME_COMMANDS[i], 3600_000, id));
    for (const e of envelopes) kit.ppmid.deliverEnvelope(e);
    kit.clock.advance(1_500); // #1 forwarded, #2 in flight (its result never comes), #3 queued
    assert.equal(kit.uplink.sent.length, 2);
    const snap = kit.ppmid.snapshot();
    assert.equal(snap.heldReports.length, 0);
    assert.deepEqual(
      before.map((r) => r.outcome),
      ['accepted-queued', 'accepted-queued', 'accepted-queued', 'forwarded'],
    );
    return { kit, ids, snap, envelopes };
  }

  it('the snapshot is plain JSON-safe data', async () => {
    const { snap } = await midDelivery();
    const round = JSON.parse(JSON.stringify(snap)) as PpmidSnapshot;
    assert.deepEqual(round, snap);
    assert.deepEqual(
      snap.outbox.map((e) => [e.id, e.inFlight, e.attempts]),
      [
        ['A2'.repeat(16), true, 1],
        ['A3'.repeat(16), false, 0],
      ],
    );
  });

  it('nothing lost, nothing forwarded twice: the in-flight one is sent again, the forwarded one never', async () => {
    const { kit, ids, snap, envelopes } = await midDelivery();
    kit.ppmid.shutdown();
    const seqBefore = snap.reportSequence;
    const uplink = new FakeUplink(kit.clock);
    const restored = Ppmid.restore(JSON.parse(JSON.stringify(snap)), kit.options);
    const got = collect(restored);
    restored.attachUplink(uplink);
    kit.clock.advance(60_000);
    assert.deepEqual(hexes(uplink), [toHex(ESME_COMMANDS[1]), toHex(ESME_COMMANDS[2])]);
    assert.equal(kit.uplink.sent.length, 2, 'the old instance sends nothing after shutdown');
    const fwd = got.filter((r) => r.outcome === 'forwarded');
    assert.deepEqual(
      fwd.map((r) => [r.envelopeId, r.attempts]),
      [
        [ids[1], 2],
        [ids[2], 1],
      ],
    );
    assert.ok(
      got.every((r) => r.sequence > seqBefore),
      'report sequence continues across the restart',
    );
    assert.ok(got.every((r) => verifyStatusReport(r, kit.reportingKey.publicKey)));
    assert.ok(restored.events.some((e) => e.reason === 'resumed-in-flight'));
    // a redelivery of the first envelope after the restart is not forwarded again
    const again = restored.deliverEnvelope(envelopes[0]);
    assert.equal(again.repeated, true);
    assert.equal(again.outcome, 'forwarded');
    // the same envelope id with other content is not taken for it
    assert.equal(
      restored.deliverEnvelope(envelope(kit, ESME_COMMANDS[3], 3600_000, ids[0])).reason,
      'duplicate',
    );
    // nor is the first command in a new envelope (duplicate check survived)
    assert.equal(
      restored.deliverEnvelope(envelope(kit, ESME_COMMANDS[0], 3600_000, 'B1'.repeat(16))).reason,
      'duplicate',
    );
    kit.clock.advance(60_000);
    assert.equal(uplink.sent.length, 2);
  });

  it('status reports not yet handed to a reporter survive the restart', async () => {
    const kit = await makePpmidKit();
    kit.uplink.ready = false;
    kit.ppmid.deliverEnvelope(envelope(kit, ESME_COMMANDS[0]));
    const snap = kit.ppmid.snapshot();
    kit.ppmid.shutdown();
    assert.equal(snap.heldReports.length, 1);
    const restored = Ppmid.restore(JSON.parse(JSON.stringify(snap)), kit.options);
    const got = collect(restored);
    assert.deepEqual(
      got.map((r) => [r.outcome, r.sequence]),
      [['accepted-queued', 1]],
    );
  });

  it('a late HAN result for the old instance is ignored', async () => {
    const kit = await makePpmidKit();
    kit.uplink.latencyMs = 5_000;
    const got = collect(kit.ppmid);
    kit.ppmid.deliverEnvelope(envelope(kit, ESME_COMMANDS[0]));
    kit.clock.advance(1_000);
    kit.ppmid.shutdown();
    kit.clock.advance(60_000);
    assert.equal(got.filter((r) => r.outcome === 'forwarded').length, 0);
    assert.equal(kit.ppmid.metrics.snapshot().counters['ppmid.han.late-result'], 1);
  });

  it('restore re-verifies every stored envelope: a tampered entry is dropped and reported', async () => {
    const { kit, ids, snap } = await midDelivery();
    kit.ppmid.shutdown();
    const bad = JSON.parse(JSON.stringify(snap)) as PpmidSnapshot;
    const e = bad.outbox[1].envelope!;
    bad.outbox[1].envelope = `${e.slice(0, -2)}${e.slice(-2) === '00' ? '01' : '00'}`;
    const restored = Ppmid.restore(bad, kit.options);
    const got = collect(restored);
    const uplink = new FakeUplink(kit.clock);
    restored.attachUplink(uplink);
    kit.clock.advance(60_000);
    assert.deepEqual(hexes(uplink), [toHex(ESME_COMMANDS[1])]);
    const dropped = got.find((r) => r.envelopeId === ids[2])!;
    assert.equal(dropped.outcome, 'rejected');
    assert.equal(dropped.reason, 'bad-signature');
  });

  it('restore re-runs the GBCS checks: a target no longer in the home is dropped', async () => {
    const { kit, ids, snap } = await midDelivery();
    kit.ppmid.shutdown();
    const home = RTDS_HOME.filter((d) => d.eui !== RTDS_DEVICES.esme);
    const restored = Ppmid.restore(snap, { ...kit.options, homeDevices: home });
    const got = collect(restored);
    assert.deepEqual(
      got.filter((r) => r.outcome === 'rejected').map((r) => [r.envelopeId, r.reason]),
      [
        [ids[1], 'target-not-in-home'],
        [ids[2], 'target-not-in-home'],
      ],
    );
  });

  it('a snapshot of another PPMID or of another format is refused (typed)', async () => {
    const { kit, snap } = await midDelivery();
    assert.throws(() => Ppmid.restore({ ...snap, eui: '00DB1234567890B4' }, kit.options), {
      code: 'PPMID_SNAPSHOT_INVALID',
    });
    assert.throws(() => Ppmid.restore({ format: 'x' } as unknown as PpmidSnapshot, kit.options), {
      code: 'PPMID_SNAPSHOT_INVALID',
    });
  });
});

describe('PP-4: nothing delivered while the duty cycle is Critical or Suspended', () => {
  for (const state of ['Critical', 'Suspended'] as const) {
    it(`${state}: waits, then delivers once the duty cycle drops`, async () => {
      const kit = await makePpmidKit();
      kit.uplink.duty = state;
      const got = collect(kit.ppmid);
      kit.ppmid.deliverEnvelope(envelope(kit, ESME_COMMANDS[0], 4 * 3600_000));
      kit.clock.advance(2 * 3600_000);
      assert.equal(kit.uplink.sent.length, 0, `nothing sent while ${state}`);
      assert.equal(kit.ppmid.display().relay.waiting, 'duty-cycle');
      kit.uplink.duty = 'Limited';
      kit.clock.advance(30_000);
      assert.equal(kit.uplink.sent.length, 1);
      assert.equal(got.at(-1)?.outcome, 'forwarded');
      assert.equal(got.at(-1)?.attempts, 1);
      const reasons = kit.ppmid.events.map((e) => e.reason);
      assert.ok(reasons.includes('waiting-duty-cycle'));
      assert.ok(reasons.includes('resumed-after-duty-cycle'));
    });
  }

  it('a HAN refusal for the duty cycle is not an attempt: the command waits instead of failing', async () => {
    const kit = await makePpmidKit({ overrides: { retry: { maxAttempts: 1 } } });
    const got = collect(kit.ppmid);
    kit.uplink.script = ['duty-cycle', 'duty-cycle', 'ok'];
    kit.ppmid.deliverEnvelope(envelope(kit, ESME_COMMANDS[0]));
    kit.clock.advance(120_000);
    assert.equal(kit.uplink.sent.length, 3);
    assert.deepEqual(
      got.map((r) => [r.outcome, r.attempts]),
      [
        ['accepted-queued', 0],
        ['forwarded', 1],
      ],
    );
  });
});
