/**
 * SU-2 command tracker: every path ends in exactly one terminal state (a
 * seeded random walk over the events a command can meet), late events are
 * recorded not applied, expiry runs on the clock, and a restart reloads the
 * open commands and re-arms their expiry (SQLite and PostgreSQL).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachStoreKind } from '../adapters/store/testing.ts';
import { VirtualClock } from '../runtime/clock.ts';
import { SeededRandom } from '../runtime/random.ts';
import { TERMINAL_STATES } from './command-states.ts';
import type { CommandRecord, Hop, TerminalState } from './model.ts';
import { SupplierRepository } from './store.ts';
import { CommandTracker, type NewCommand, type TrackerPersistence } from './tracker.ts';

const SUPPLIER = '90B3D51F30010000';
const ESME = '00DB1234567890A0';

class MemoryPersistence implements TrackerPersistence {
  readonly rows = new Map<string, string>();
  readonly hops = new Map<string, Hop[]>();
  async saveCommand(c: CommandRecord, newHops: readonly Hop[]): Promise<void> {
    this.rows.set(
      c.id,
      JSON.stringify(c, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
    );
    const list = this.hops.get(c.id) ?? [];
    for (const h of newHops) {
      assert.equal(h.seq, list.length, `hop seq of ${c.id} written in order, once`);
      list.push(h);
    }
    this.hops.set(c.id, list);
  }
  parse(id: string): CommandRecord {
    return JSON.parse(this.rows.get(id)!, (_k, v) =>
      typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
    );
  }
  async openCommands(): Promise<CommandRecord[]> {
    return [...this.rows.keys()].map((id) => this.parse(id)).filter((c) => !TERMINAL_STATES.has(c.state));
  }
  async getCommand(id: string) {
    return this.rows.has(id) ? this.parse(id) : undefined;
  }
  async getCommandByRequestId() {
    return undefined;
  }
}

function newCommand(counter: bigint, now: number, expiresIn = 3600_000): NewCommand {
  return {
    id: counter.toString(),
    requestId: { originator: SUPPLIER, target: ESME, counter },
    premisesId: 'P1',
    target: ESME,
    srv: '4.1.1',
    order: { kind: 'read-registers' },
    createdAt: now,
    expiresAt: now + expiresIn,
  };
}

const TERMINALS: readonly TerminalState[] = ['responded', 'failed', 'expired'];

describe('SU-2 CommandTracker state machine', () => {
  it('every path ends in exactly one terminal state (seeded random walks, 300 commands)', async () => {
    const clock = new VirtualClock();
    const p = new MemoryPersistence();
    const t = new CommandTracker({ clock, persistence: p });
    const rnd = new SeededRandom('tracker-walk');
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      const c = t.create(newCommand(BigInt(1000 + i), clock.now(), 1000 + rnd.int(50_000)));
      ids.push(c.id);
    }
    // Random events until the clock runs dry: moves, responses, failures, duplicates, PPMID hops.
    for (let step = 0; step < 5000; step++) {
      const id = ids[rnd.int(ids.length)];
      const c = t.get(id)!;
      const r = rnd.int(10);
      try {
        if (r < 2 && c.state === 'queued') t.move(id, 'sending', 'duis-sent');
        else if (r < 4 && c.state === 'sending') t.move(id, 'in-flight', 'duis-answer', { code: 'I99' });
        else if (r === 4) t.finish(id, 'responded', 'I0 via the Receive Response Service');
        else if (r === 5) t.finish(id, 'failed', 'E12');
        else if (r === 6 && c.state !== 'responded' && c.state !== 'failed' && c.state !== 'expired')
          t.hop(id, 'ppmid-status', { outcome: 'accepted-queued' });
        else clock.advance(rnd.int(2000));
      } catch (err) {
        assert.equal((err as { code?: string }).code, 'SUPPLIER_STATE', String(err));
      }
    }
    clock.runUntilIdle();
    await t.flush();
    for (const id of ids) {
      const hops = p.hops.get(id)!;
      const terminal = hops.filter((h) => (TERMINALS as string[]).includes(h.kind));
      assert.equal(
        terminal.length,
        1,
        `command ${id}: one terminal hop, got ${hops.map((h) => h.kind).join(',')}`,
      );
      assert.equal(p.parse(id).state, terminal[0].kind);
      assert.deepEqual(
        hops.map((h) => h.seq),
        hops.map((_, i) => i),
      );
      assert.equal(hops[0].kind, 'created');
    }
    assert.equal(t.openCommands().length, 0);
  });

  it('a second response is recorded as a late event, not a second terminal state (DSP-6)', async () => {
    const clock = new VirtualClock();
    const p = new MemoryPersistence();
    const t = new CommandTracker({ clock, persistence: p });
    const c = t.create(newCommand(7n, clock.now()));
    t.move(c.id, 'sending', 'duis-sent');
    t.move(c.id, 'in-flight', 'duis-answer');
    assert.equal(t.finish(c.id, 'responded', 'I0'), true);
    assert.equal(t.finish(c.id, 'responded', 'I0 again'), false);
    assert.equal(t.finish(c.id, 'failed', 'late PPMID rejection'), false);
    clock.advance(2 * 3600_000);
    await t.flush();
    assert.deepEqual(
      p.hops.get(c.id)!.map((h) => h.kind),
      ['created', 'duis-sent', 'duis-answer', 'responded', 'late-event', 'late-event'],
    );
    assert.equal(p.parse(c.id).reason, 'I0');
  });

  it('expires on the clock, exactly at expiresAt, also while queued', async () => {
    const clock = new VirtualClock();
    const p = new MemoryPersistence();
    const t = new CommandTracker({ clock, persistence: p });
    const expired: string[] = [];
    t.onExpired((c) => expired.push(c.id));
    const a = t.create(newCommand(1n, clock.now(), 60_000));
    const b = t.create(newCommand(2n, clock.now(), 60_000));
    t.move(a.id, 'sending', 'duis-sent');
    clock.advance(59_999);
    assert.equal(t.get(a.id)!.state, 'sending');
    clock.advance(1);
    assert.deepEqual(expired, ['1', '2']);
    assert.equal(t.get(b.id)!.reason, 'expired while waiting for its turn');
    await t.flush();
    assert.equal(p.parse(a.id).state, 'expired');
  });

  it('group commit: the changes of one event-loop turn, across awaits, are one write; flush waits for it', async () => {
    const clock = new VirtualClock();
    const writes: Array<{ ids: string[]; kinds: string[] }> = [];
    const p = new MemoryPersistence();
    const persistence: TrackerPersistence = {
      saveCommand: async (c, hops) => {
        writes.push({ ids: [c.id], kinds: hops.map((h) => h.kind) });
        await p.saveCommand(c, hops);
      },
      saveCommands: async (batch) => {
        writes.push({
          ids: batch.map((b) => b.record.id),
          kinds: batch.flatMap((b) => b.hops.map((h) => h.kind)),
        });
        for (const b of batch) await p.saveCommand(b.record, b.hops);
      },
      openCommands: () => p.openCommands(),
      getCommand: (id) => p.getCommand(id),
      getCommandByRequestId: () => p.getCommandByRequestId(),
    };
    const t = new CommandTracker({ clock, persistence });
    const a = t.create(newCommand(1n, clock.now()));
    await Promise.resolve();
    t.move(a.id, 'sending', 'duis-sent');
    await Promise.resolve();
    const b = t.create(newCommand(2n, clock.now()));
    await t.flush();
    assert.deepEqual(writes, [{ ids: ['1', '2'], kinds: ['created', 'duis-sent', 'created'] }]);
    assert.deepEqual(
      p.hops.get('1')!.map((h) => h.kind),
      ['created', 'duis-sent'],
      'flush resolved after the write',
    );
    // the next turn's change is the next write; nothing is written twice
    t.move(b.id, 'sending', 'duis-sent');
    await t.flush();
    assert.deepEqual(writes.at(-1), { ids: ['2'], kinds: ['duis-sent'] });
    assert.equal(writes.length, 2);
  });

  it('after a crash, flush rejects: a change made before it was written is not reported durable (write-ahead)', async () => {
    const clock = new VirtualClock();
    const p = new MemoryPersistence();
    const t = new CommandTracker({ clock, persistence: p });
    const a = t.create(newCommand(1n, clock.now()));
    await t.flush();
    t.move(a.id, 'sending', 'duis-sent');
    // the process dies in the same turn, before the group commit ran
    t.close({ crash: true });
    await assert.rejects(t.flush(), /the supplier crashed: the change was not stored/);
    assert.deepEqual(
      p.hops.get('1')!.map((h) => h.kind),
      ['created'],
      'the unwritten change is gone, as in a killed process',
    );
  });

  it('refuses moves that skip or go back', () => {
    const clock = new VirtualClock();
    const t = new CommandTracker({ clock, persistence: new MemoryPersistence() });
    const c = t.create(newCommand(1n, clock.now()));
    assert.throws(() => t.move(c.id, 'in-flight', 'duis-answer'), { code: 'SUPPLIER_STATE' });
    t.move(c.id, 'sending', 'duis-sent');
    assert.throws(() => t.move(c.id, 'queued', 'created'), { code: 'SUPPLIER_STATE' });
    assert.throws(() => t.patch(c.id, (x) => (x.state = 'responded'), 'device-response'), {
      code: 'SUPPLIER_STATE',
    });
  });
});

describe('SU-2 restart: open commands reload from the store, expiry re-armed', () => {
  forEachStoreKind((_kind, open) => {
    it('reloads open commands with their timeline; terminal ones stay closed; expiry fires after the restart', async (tc) => {
      const store = await open();
      tc.after(() => store.close());
      const clock = new VirtualClock();
      const repo = new SupplierRepository(store);
      const t1 = new CommandTracker({ clock, persistence: repo });
      const a = t1.create(newCommand(10n, clock.now(), 3600_000));
      const b = t1.create(newCommand(11n, clock.now(), 7200_000));
      const c = t1.create(newCommand(12n, clock.now(), 7200_000));
      t1.move(a.id, 'sending', 'duis-sent');
      t1.move(a.id, 'in-flight', 'duis-answer', { code: 'I99' });
      t1.patch(
        b.id,
        (x) => {
          x.ppmid = {
            ppmid: '00DB1234567890A4',
            envelopeId: 'AB'.repeat(16),
            envelopeHex: '00',
            expiresAt: x.expiresAt,
            status: 'pending-publish',
          };
        },
        'local-command-received',
      );
      t1.finish(c.id, 'failed', 'E4');
      await t1.flush();
      t1.close(); // crash: the timers die with the process

      clock.advance(1800_000);
      const t2 = new CommandTracker({ clock, persistence: new SupplierRepository(store) });
      const reloaded = await t2.load();
      assert.deepEqual(
        reloaded.map((x) => [x.id, x.state]),
        [
          ['10', 'in-flight'],
          ['11', 'queued'],
        ],
      );
      assert.equal(t2.get('11')!.ppmid!.status, 'pending-publish');
      assert.equal(reloaded[0].requestId!.counter, 10n);
      // the first one expires at its original time, not an hour after the restart
      clock.advance(1800_000);
      assert.equal(t2.get('10')!.state, 'expired');
      assert.equal(t2.get('11')!.state, 'queued');
      t2.move('11', 'sending', 'duis-sent');
      t2.move('11', 'in-flight', 'duis-answer', { code: 'I99' });
      t2.finish('11', 'responded', 'I0');
      await t2.flush();
      const hops = await repo.hops('10');
      assert.deepEqual(
        hops.map((h) => h.kind),
        ['created', 'duis-sent', 'duis-answer', 'reloaded', 'expired'],
      );
      assert.deepEqual(await repo.countByState(), { expired: 1, failed: 1, responded: 1 });
      // a late duplicate for a command no longer in memory is recorded on it
      const t3 = new CommandTracker({ clock, persistence: new SupplierRepository(store) });
      assert.equal((await t3.load()).length, 0);
      const closed = await t3.lookup({ requestId: '90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:11' });
      assert.ok(closed);
      t3.recordOnClosed(closed, 'duplicate-response', { code: 'I0' }, (x) => x.responses++);
      await t3.flush();
      assert.equal((await repo.getCommand('11'))!.responses, 1);
      assert.equal((await repo.hops('11')).at(-1)!.kind, 'duplicate-response');
    });

    it('hands out strictly increasing Originator Counters that survive a restart', async (tc) => {
      const store = await open();
      tc.after(() => store.close());
      const r1 = new SupplierRepository(store);
      const got = await Promise.all([1, 2, 3, 4, 5].map(() => r1.nextCounter(SUPPLIER, 100n, 0)));
      assert.deepEqual(got, [100n, 101n, 102n, 103n, 104n]);
      const r2 = new SupplierRepository(await store.openSibling());
      assert.equal(await r2.nextCounter(SUPPLIER, 100n, 0), 105n);
      assert.equal(await r2.nextCounter('90B3D51F30020000', 7n, 0), 7n);
    });
  });
});
