/**
 * SU-2 "one truth per command": the state table (COMMAND_STATE_TABLE) and the
 * tracker moves it allows beyond the first terminal state: a late device
 * response revises `failed`/`expired`; `response-overdue` on the clock frees
 * the device queue and survives a restart (re-armed at its original time).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachStoreKind } from '../adapters/store/testing.ts';
import { VirtualClock } from '../runtime/clock.ts';
import {
  allowsMove,
  COMMAND_STATE_TABLE,
  COMMAND_STATES,
  holdsDevice,
  isTerminal,
  TERMINAL_STATES,
} from './command-states.ts';
import type { CommandRecord } from './model.ts';
import { foldDeviceResponse } from './response-fold.ts';
import { SupplierRepository } from './store.ts';
import { CommandTracker, type NewCommand } from './tracker.ts';
import { settleIfUnconfirmed } from './unconfirmed.ts';

const SUPPLIER = '90B3D51F30010000';
const ESME = '00DB1234567890A0';
const HOUR = 3600_000;

function newCommand(counter: bigint, now: number, expiresIn = 6 * HOUR): NewCommand {
  return {
    id: counter.toString(),
    requestId: { originator: SUPPLIER, target: ESME, counter },
    premisesId: 'P1',
    target: ESME,
    srv: '2.2',
    order: { kind: 'top-up', value: 100, valueClass: 'pennies' },
    route: 'wan',
    createdAt: now,
    expiresAt: now + expiresIn,
  };
}

function inFlight(
  t: CommandTracker,
  counter: bigint,
  clock: VirtualClock,
  expiresIn?: number,
): CommandRecord {
  const c = t.create(newCommand(counter, clock.now(), expiresIn));
  t.move(c.id, 'sending', 'duis-sent');
  t.move(c.id, 'in-flight', 'in-flight', { code: 'I99' });
  return c;
}

describe('SU-2 command state table', () => {
  it('is closed: every move names a state of the table; terminal set = TerminalState; responded is never left', () => {
    for (const s of COMMAND_STATES)
      for (const to of Object.keys(COMMAND_STATE_TABLE[s].to))
        assert.ok((COMMAND_STATES as string[]).includes(to), `${s} -> ${to}`);
    assert.deepEqual([...TERMINAL_STATES].sort(), ['applied-unconfirmed', 'expired', 'failed', 'responded']);
    assert.deepEqual(COMMAND_STATE_TABLE.responded.to, {});
    // only a device response moves a closed command, and only towards what the meter said
    for (const s of COMMAND_STATES.filter(isTerminal))
      for (const [to, triggers] of Object.entries(COMMAND_STATE_TABLE[s].to)) {
        assert.ok(isTerminal(to as never), `${s} -> ${to} stays closed`);
        for (const tr of triggers ?? []) assert.match(tr, /^device-/);
      }
    assert.equal(holdsDevice('in-flight'), true);
    assert.equal(holdsDevice('response-overdue'), false);
    assert.equal(allowsMove('failed', 'responded', 'device-response'), true);
    assert.equal(allowsMove('failed', 'responded', 'failure'), false);
    assert.equal(allowsMove('responded', 'failed'), false);
  });

  it('folds device responses by state (table-driven)', () => {
    const cases: Array<[Parameters<typeof foldDeviceResponse>[0], string, string, string?]> = [
      ['in-flight', 'I0', 'close', 'responded'],
      ['response-overdue', 'I0', 'close', 'responded'],
      ['in-flight', 'E50', 'close', 'failed'],
      ['in-flight', 'I99', 'recorded'],
      ['failed', 'I0', 'revise', 'responded'],
      ['expired', 'I0', 'revise', 'responded'],
      ['expired', 'E50', 'revise', 'failed'],
      ['failed', 'E50', 'duplicate'],
      ['responded', 'I0', 'duplicate'],
      ['responded', 'E50', 'duplicate'],
      ['expired', 'I99', 'duplicate'],
    ];
    for (const [state, code, effect, to] of cases) {
      const v = foldDeviceResponse(state, code as never);
      assert.equal(v.effect, effect, `${state} + ${code}`);
      if (to) assert.equal((v as { to: string }).to, to, `${state} + ${code}`);
    }
  });
});

describe('SU-2 tracker: late responses and response-overdue', () => {
  it('a late genuine response moves failed and expired to responded, with a late-response hop; responded stays', async () => {
    const clock = new VirtualClock();
    const t = new CommandTracker({ clock, persistence: memory() });
    const failed = inFlight(t, 1n, clock);
    t.finish(failed.id, 'failed', 'PPMID rejected (han-lost)');
    const expired = inFlight(t, 2n, clock, HOUR);
    clock.advance(HOUR);
    assert.equal(t.get(expired.id)!.state, 'expired');
    const answered = inFlight(t, 3n, clock);
    t.finish(answered.id, 'responded', 'I0');

    assert.equal(
      t.reviseClosed(t.get('1')!, 'responded', 'device-response', 'late I0', { code: 'I0' }),
      true,
    );
    assert.equal(
      t.reviseClosed(t.get('2')!, 'responded', 'device-response', 'late I0', { code: 'I0' }),
      true,
    );
    assert.equal(t.reviseClosed(t.get('3')!, 'failed', 'device-error-response', 'E', {}), false);
    assert.equal(t.get('1')!.state, 'responded');
    assert.equal(t.get('2')!.state, 'responded');
    assert.equal(t.get('3')!.state, 'responded');
    // failure of the supplier's own making never overrides a closed command
    assert.equal(t.finish('1', 'failed', 'late PPMID report'), false);
    assert.equal(t.get('1')!.state, 'responded');
    assert.throws(
      () => t.reviseClosed(t.create(newCommand(4n, clock.now())), 'responded', 'device-response', 'x', {}),
      {
        code: 'SUPPLIER_STATE',
      },
    );
  });

  it('applied-unconfirmed (no WAN, CH-4): on forwarded into a premises installed without WAN, or at expiry after forwarded; the buffered response revises it once', () => {
    const clock = new VirtualClock();
    const t = new CommandTracker({ clock, persistence: memory() });
    const forwarded = (c: CommandRecord, wanClass: 'none' | 'absent' | 'reliable') => {
      c.route = 'ppmid';
      c.wanClass = wanClass;
      c.ppmid = {
        ppmid: '00DB1234567890A4',
        envelopeId: 'e',
        envelopeHex: '',
        expiresAt: c.expiresAt,
        status: 'forwarded',
        lastSequence: 3,
        forwardedAt: clock.now(),
        attempts: 1,
      };
    };
    const a = inFlight(t, 1n, clock);
    t.patch(a.id, (c) => forwarded(c, 'none'), 'ppmid-status');
    assert.equal(settleIfUnconfirmed(t, t.get(a.id)!), true);
    assert.equal(t.get(a.id)!.state, 'applied-unconfirmed');
    assert.deepEqual(t.get(a.id)!.evidence, {
      forwarded: { ppmid: '00DB1234567890A4', at: clock.now(), sequence: 3, attempts: 1 },
      wanClass: 'none',
      settled: 'forwarded-without-wan',
    });
    assert.equal(t.finish(a.id, 'expired', 'late expiry'), false, 'closed: only a device response moves it');
    assert.equal(t.reviseClosed(t.get(a.id)!, 'responded', 'device-response', 'late I0', {}), true);
    assert.equal(t.get(a.id)!.state, 'responded');
    assert.equal(t.reviseClosed(t.get(a.id)!, 'responded', 'device-response', 'again', {}), false);
    assert.ok(t.get(a.id)!.evidence, 'the evidence stays with the command');

    // absent: the failed WAN may come back with the response, so in-flight until the expiry;
    // reliable: the response would have come back over the WAN, so its absence ends expired.
    for (const [n, wanClass, final] of [
      [2n, 'absent', 'applied-unconfirmed'],
      [4n, 'reliable', 'expired'],
    ] as const) {
      const b = inFlight(t, n, clock, HOUR);
      t.patch(b.id, (c) => forwarded(c, wanClass), 'ppmid-status');
      assert.equal(
        settleIfUnconfirmed(t, t.get(b.id)!),
        false,
        `${wanClass}: a WAN may still bring its response`,
      );
      assert.equal(t.get(b.id)!.state, 'in-flight');
      clock.advance(HOUR);
      assert.equal(t.get(b.id)!.state, final);
      if (final === 'applied-unconfirmed')
        assert.equal(t.get(b.id)!.evidence?.settled, 'expired-after-forwarded');
    }
    const c3 = inFlight(t, 3n, clock, HOUR);
    clock.advance(HOUR);
    assert.equal(t.get(c3.id)!.state, 'expired', 'not forwarded: expired');
  });

  it('in-flight past its overdue time becomes response-overdue (listener, hop), then closes on the response', () => {
    const clock = new VirtualClock();
    const t = new CommandTracker({ clock, persistence: memory(), overdueAt: (_c, now) => now + HOUR });
    const overdue: string[] = [];
    t.onOverdue((c) => overdue.push(c.id));
    const a = inFlight(t, 1n, clock);
    const b = inFlight(t, 2n, clock);
    clock.advance(HOUR - 1);
    t.finish(b.id, 'responded', 'I0');
    assert.equal(t.get(a.id)!.state, 'in-flight');
    clock.advance(1);
    assert.equal(t.get(a.id)!.state, 'response-overdue');
    assert.deepEqual(overdue, ['1']);
    assert.equal(t.finish(a.id, 'responded', 'I0 at last'), true);
    clock.advance(10 * HOUR);
    assert.deepEqual(overdue, ['1']);
  });

  forEachStoreKind((_kind, open) => {
    it('overdue and late revisions survive a restart (re-armed at the original time; revised rows stored)', async (tc) => {
      const store = await open();
      tc.after(() => store.close());
      const clock = new VirtualClock();
      const repo = new SupplierRepository(store);
      const cfg = { overdueAt: (_c: CommandRecord, now: number) => now + HOUR };
      const t1 = new CommandTracker({ clock, persistence: repo, ...cfg });
      inFlight(t1, 20n, clock);
      const f = inFlight(t1, 21n, clock);
      t1.finish(f.id, 'failed', 'PPMID delivery-failed');
      await t1.flush();
      t1.close({ crash: true });

      clock.advance(HOUR / 2);
      const t2 = new CommandTracker({ clock, persistence: new SupplierRepository(store), ...cfg });
      const overdue: string[] = [];
      t2.onOverdue((c) => overdue.push(c.id));
      await t2.load();
      clock.advance(HOUR / 2 - 1);
      assert.deepEqual(overdue, []);
      clock.advance(1);
      assert.deepEqual(overdue, ['20']);
      const closed = await t2.lookup({ id: '21' });
      assert.equal(closed?.state, 'failed');
      t2.reviseClosed(
        closed!,
        'responded',
        'device-response',
        'late I0',
        { code: 'I0' },
        (x) => x.responses++,
      );
      await t2.flush();
      const row = await repo.getCommand('21');
      assert.equal(row?.state, 'responded');
      assert.equal(row?.responses, 1);
      assert.deepEqual(
        (await repo.hops('21')).slice(-3).map((h) => h.kind),
        ['failed', 'late-response', 'responded'],
      );
      assert.equal((await repo.getCommand('20'))?.state, 'response-overdue');
      assert.deepEqual(
        (await repo.openCommands()).map((c) => c.id),
        ['20'],
      );
    });
  });
});

function memory() {
  const rows = new Map<string, CommandRecord>();
  return {
    async saveCommand(c: CommandRecord) {
      rows.set(c.id, structuredClone(c));
    },
    async openCommands() {
      return [...rows.values()].filter((c) => !isTerminal(c.state));
    },
    async getCommand(id: string) {
      return rows.get(id);
    },
    async getCommandByRequestId() {
      return undefined;
    },
  };
}
