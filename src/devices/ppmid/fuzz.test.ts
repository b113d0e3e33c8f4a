/**
 * fast-check (seeded): random envelopes, random HAN behaviour, random restarts.
 * The PPMID never throws on input, never holds more than its outbox bound,
 * never sends bytes that were not in an accepted envelope, and reports at
 * most one final outcome per envelope (PP-2, PP-3).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeStatusReport, type StatusReport } from '../../delivery/index.ts';
import type { RequestId } from '../../duis/request-id.ts';
import { toHex } from '../../runtime/bytes.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { RTDS_DEVICES, RTDS_PARTIES } from '../security/credentials.ts';
import { makeSignedEnvelope, requestIdForCommand } from './atps.ts';
import { Ppmid } from './ppmid.ts';
import { FakeUplink, makePpmidKit } from './testing.ts';

const SUPPLIER = RTDS_PARTIES.supplier;
const MAX_OUTBOX = 3;

describe('fast-check: the PPMID under random envelopes, HAN faults and restarts', () => {
  it('never crashes, never exceeds its outbox, never sends what it did not accept, one final outcome per envelope', async () => {
    const kit = await makePpmidKit();
    const key = kit.supplierKeys.get(SUPPLIER)!.privateKey;
    const pool = rtdsMessages()
      .filter((m) => m.kind === 'COMMAND' && requestIdForCommand(m.bytes).originator === SUPPLIER)
      .map((m) => m.bytes);

    type Op =
      | { op: 'deliver'; src: 'random'; bytes: Uint8Array }
      | {
          op: 'deliver';
          src: 'pool' | 'mutated' | 'random-gbcs';
          index: number;
          edits: [number, number][];
          ttl: number;
          bytes: Uint8Array;
        }
      | { op: 'advance'; ms: number }
      | { op: 'han'; ready: boolean; duty: 'Normal' | 'Critical'; fail: 'link-down' | 'lost' | null }
      | { op: 'restart' }
      | { op: 'replay' };

    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        op: fc.constant('deliver' as const),
        src: fc.constant('random' as const),
        bytes: fc.uint8Array({ maxLength: 200 }),
      }),
      fc.record({
        op: fc.constant('deliver' as const),
        src: fc.constantFrom('pool' as const, 'mutated' as const, 'random-gbcs' as const),
        index: fc.nat(pool.length - 1),
        edits: fc.array(fc.tuple(fc.nat(400), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        ttl: fc.integer({ min: 1_000, max: 2 * 3600_000 }),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 120 }),
      }),
      fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 600_000 }) }),
      fc.record({
        op: fc.constant('han' as const),
        ready: fc.boolean(),
        duty: fc.constantFrom('Normal' as const, 'Critical' as const),
        fail: fc.constantFrom('link-down' as const, 'lost' as const, null),
      }),
      fc.constant({ op: 'restart' as const }),
      fc.constant({ op: 'replay' as const }),
    );

    const tally = { accepted: 0, forwarded: 0, restarts: 0, rejected: 0, sent: 0 };
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => {
        const clock = new VirtualClock();
        const options = { ...kit.options, clock, maxOutbox: MAX_OUTBOX, retry: { maxAttempts: 3 } };
        let ppmid = new Ppmid(options);
        let uplink = new FakeUplink(clock);
        ppmid.attachUplink(uplink);
        const uplinks = [uplink];
        const reports: StatusReport[] = [];
        const listen = (p: Ppmid) => p.onStatusReport((b) => reports.push(decodeStatusReport(b)));
        listen(ppmid);
        const accepted = new Set<string>();
        const delivered: Uint8Array[] = [];

        for (const o of ops) {
          if (o.op === 'deliver') {
            let bytes: Uint8Array;
            if (o.src === 'random') bytes = o.bytes;
            else {
              const gbcs = o.src === 'random-gbcs' ? o.bytes : pool[o.index];
              let rid: RequestId = { originator: SUPPLIER, target: RTDS_DEVICES.esme, counter: 1n };
              try {
                rid = requestIdForCommand(gbcs);
              } catch {
                // random GBCS: keep the placeholder RequestID
              }
              bytes = makeSignedEnvelope({
                gbcs,
                ppmid: RTDS_DEVICES.ppmid,
                supplierId: SUPPLIER,
                deliveryKey: key,
                requestId: rid,
                createdAt: clock.now(),
                ttlMs: o.ttl,
              });
              if (o.src === 'mutated') for (const [i, v] of o.edits) if (i < bytes.length) bytes[i] = v;
            }
            delivered.push(bytes);
            const d = ppmid.deliverEnvelope(bytes);
            assert.ok(d.report && d.report.outcome === d.outcome);
            if (d.outcome === 'rejected') tally.rejected++;
            if (d.outcome === 'accepted-queued' && !d.repeated) tally.accepted++;
            if (d.outcome === 'accepted-queued' && !d.repeated)
              accepted.add(toHex(bytes.subarray(86, bytes.length - 64)));
          } else if (o.op === 'advance') clock.advance(o.ms);
          else if (o.op === 'han') {
            uplink.ready = o.ready;
            uplink.duty = o.duty;
            uplink.failAll = o.fail;
          } else if (o.op === 'replay' && delivered.length) {
            ppmid.deliverEnvelope(delivered[delivered.length - 1]);
          } else if (o.op === 'restart') {
            tally.restarts++;
            const snap = JSON.parse(JSON.stringify(ppmid.snapshot()));
            const ids = ppmid.outboxEntries().map((e) => e.id);
            ppmid.shutdown();
            ppmid = Ppmid.restore(snap, options);
            assert.deepEqual(
              ppmid.outboxEntries().map((e) => e.id),
              ids,
              'restore keeps every entry, in order',
            );
            uplink = new FakeUplink(clock);
            uplinks.push(uplink);
            listen(ppmid);
            ppmid.attachUplink(uplink);
          }
          assert.ok(ppmid.display().relay.outboxDepth <= MAX_OUTBOX);
        }
        clock.advance(3 * 3600_000);

        tally.forwarded += reports.filter((r) => r.outcome === 'forwarded').length;
        for (const u of uplinks) tally.sent += u.sent.length;
        for (const u of uplinks)
          for (const s of u.sent) assert.ok(accepted.has(toHex(s.bytes)), 'sent only accepted GBCS');
        const finals = new Map<string, number>();
        for (const r of reports) {
          if (r.outcome === 'accepted-queued' || r.envelopeIdIsDigest || r.detail.startsWith('repeated'))
            continue;
          if (r.outcome === 'rejected' && r.attempts === 0 && !r.detail.startsWith('on restore')) continue;
          finals.set(r.envelopeId, (finals.get(r.envelopeId) ?? 0) + 1);
        }
        for (const [id, n] of finals) assert.equal(n, 1, `envelope ${id}: ${n} final outcomes`);
      }),
      { seed: 20260101, numRuns: 150 },
    );
    // the runs exercised every path
    for (const [k, v] of Object.entries(tally)) assert.ok(v > 10, `${k}: ${JSON.stringify(tally)}`);
  });
});
