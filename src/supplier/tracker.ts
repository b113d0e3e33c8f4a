/**
 * SECMP0038 SU-2: the command tracker. Every command reaches exactly one
 * terminal state (`responded`, `failed` with a reason, `expired`) and keeps a
 * timeline of hops. A state machine on the injected Clock: every transition
 * is synchronous (so under a VirtualClock a whole exchange runs inside
 * `clock.advance()`/`pumpUntil`), and persistence is write-behind, in order,
 * through the `TrackerPersistence` port (the store), the changes of one
 * event-loop turn in one transaction (group commit). `flush()` resolves once
 * every change made so far is durable; the service awaits it before it
 * acknowledges anything to the outside (HTTP answers, MQTT PUBACKs, the
 * Receive Response Service's 200), so nothing acknowledged is lost on a crash.
 *
 * On start, `load()` reloads the open commands and re-arms their expiry
 * timers (a command whose expiry passed while the service was down expires
 * at once).
 */
import type { RequestId } from '../duis/index.ts';
import type { Clock, TimerHandle } from '../runtime/clock.ts';
import { Logger } from '../runtime/logger.ts';
import { Metrics } from '../runtime/metrics.ts';
import { allowsMove, COMMAND_STATE_TABLE, type Trigger } from './command-states.ts';
import { SupplierError } from './errors.ts';
import {
  type CommandRecord,
  type CommandState,
  type Hop,
  type HopKind,
  isTerminal,
  requestIdText,
  type TerminalState,
  type UnconfirmedEvidence,
} from './model.ts';
import { unconfirmedEvidence } from './unconfirmed.ts';

const log = Logger.get('supplier:tracker');

/** What the tracker needs from the store. */
export interface TrackerPersistence {
  saveCommand(c: CommandRecord, newHops: readonly Hop[]): Promise<void>;
  /** Several commands' changes in one transaction (all or none); without it, one saveCommand each. */
  saveCommands?(batch: ReadonlyArray<{ record: CommandRecord; hops: readonly Hop[] }>): Promise<void>;
  openCommands(): Promise<CommandRecord[]>;
  getCommand(id: string): Promise<CommandRecord | undefined>;
  getCommandByRequestId(requestId: string): Promise<CommandRecord | undefined>;
}

export interface TrackerChange {
  command: CommandRecord;
  hop: Hop;
}

export type NewCommand = Omit<
  CommandRecord,
  'state' | 'updatedAt' | 'responses' | 'hops' | 'reason' | 'terminalAt'
>;

const RECENT_TERMINAL = 1000;

/** Resolves after the current turn of the event loop (its microtasks included). */
const endOfTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

export class CommandTracker {
  readonly metrics: Metrics;
  private readonly clock: Clock;
  private readonly persistence: TrackerPersistence;
  private readonly open = new Map<string, CommandRecord>();
  /** Recently terminal commands (duplicates usually follow closely). */
  private readonly recent = new Map<string, CommandRecord>();
  private readonly byRequestId = new Map<string, string>();
  private readonly timers = new Map<string, TimerHandle>();
  private readonly overdueTimers = new Map<string, TimerHandle>();
  private readonly overdueAtFor: (c: CommandRecord, now: number) => number | undefined;
  private overdueListener: ((c: CommandRecord) => void) | undefined;
  private readonly dirty = new Map<string, { record: CommandRecord; hops: Hop[] }>();
  private writing: Promise<void> = Promise.resolve();
  private writeError: unknown;
  private readonly listeners = new Set<(c: TrackerChange) => void>();
  private expiryListener: ((c: CommandRecord) => void) | undefined;
  private closed = false;

  constructor(o: {
    clock: Clock;
    persistence: TrackerPersistence;
    metrics?: Metrics;
    /** When a command that goes `in-flight` now becomes `response-overdue` (undefined: never). */
    overdueAt?: (c: CommandRecord, now: number) => number | undefined;
  }) {
    this.clock = o.clock;
    this.persistence = o.persistence;
    this.metrics = o.metrics ?? new Metrics('supplier.tracker.');
    this.overdueAtFor = o.overdueAt ?? (() => undefined);
  }

  /** Called (synchronously) when a command becomes `response-overdue` (the service alerts and frees the device queue). */
  onOverdue(listener: (c: CommandRecord) => void): void {
    this.overdueListener = listener;
  }

  /** Called (synchronously) when a command expires, after the transition (the service frees the device queue). */
  onExpired(listener: (c: CommandRecord) => void): void {
    this.expiryListener = listener;
  }

  /** Every hop as it happens (Server-Sent Events, tests). Returns a function that removes the listener. */
  subscribe(listener: (c: TrackerChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reloads the open commands from the store, re-arms their expiry; returns them (oldest first). */
  async load(): Promise<CommandRecord[]> {
    const list = await this.persistence.openCommands();
    for (const c of list) {
      this.open.set(c.id, c);
      if (c.requestId) this.byRequestId.set(requestIdText(c.requestId), c.id);
      this.addHop(c, 'reloaded', { state: c.state, ppmid: c.ppmid?.status ?? null });
      this.arm(c);
      this.armOverdue(c);
    }
    this.metrics.inc('reloaded', list.length);
    return list;
  }

  /** Records a new command in state `queued` with its `created` hop. */
  create(init: NewCommand, detail: Record<string, unknown> = {}): CommandRecord {
    if (this.open.has(init.id) || this.recent.has(init.id))
      throw new SupplierError('SUPPLIER_STATE', `command ${init.id} exists already`);
    const c: CommandRecord = { ...init, state: 'queued', updatedAt: this.clock.now(), responses: 0, hops: 0 };
    this.open.set(c.id, c);
    if (c.requestId) this.byRequestId.set(requestIdText(c.requestId), c.id);
    this.metrics.inc('created');
    this.addHop(c, 'created', { srv: c.srv, target: c.target, premisesId: c.premisesId, ...detail });
    this.arm(c);
    return c;
  }

  /** An open command by id. */
  get(id: string): CommandRecord | undefined {
    return this.open.get(id) ?? this.recent.get(id);
  }

  /** An open (or recently closed) command by its DUIS RequestID text. */
  byRequest(requestId: string): CommandRecord | undefined {
    const id = this.byRequestId.get(requestId);
    return id === undefined ? undefined : this.get(id);
  }

  /** Open commands, oldest first. */
  openCommands(): CommandRecord[] {
    return [...this.open.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }

  /** A command from memory, else from the store (terminal commands leave memory). */
  async lookup(ref: { id?: string; requestId?: string }): Promise<CommandRecord | undefined> {
    if (ref.id !== undefined) return this.get(ref.id) ?? (await this.persistence.getCommand(ref.id));
    if (ref.requestId !== undefined)
      return this.byRequest(ref.requestId) ?? (await this.persistence.getCommandByRequestId(ref.requestId));
    return undefined;
  }

  /** Gives an open command its DUIS RequestID (at dispatch) and records it. */
  assignRequestId(id: string, requestId: RequestId, detail: Record<string, unknown> = {}): Hop {
    const c = this.must(id);
    if (c.requestId) throw new SupplierError('SUPPLIER_STATE', `command ${id} has a RequestID already`);
    c.requestId = requestId;
    this.byRequestId.set(requestIdText(requestId), id);
    return this.addHop(c, 'request-id', { requestId: requestIdText(requestId), ...detail });
  }

  /** Adds a hop to an open command (no state change). */
  hop(id: string, kind: HopKind, detail: Record<string, unknown> = {}): Hop {
    return this.addHop(this.must(id), kind, detail);
  }

  /** Changes fields of an open command (not its state) and records a hop. */
  patch(
    id: string,
    change: (c: CommandRecord) => void,
    kind: HopKind,
    detail: Record<string, unknown> = {},
  ): Hop {
    const c = this.must(id);
    const state = c.state;
    change(c);
    if (c.state !== state)
      throw new SupplierError('SUPPLIER_STATE', 'patch must not change the state; use move or finish');
    return this.addHop(c, kind, detail);
  }

  /** Moves an open command along `queued -> sending -> in-flight` (COMMAND_STATE_TABLE). */
  move(id: string, to: CommandState, kind: HopKind, detail: Record<string, unknown> = {}): Hop {
    const c = this.must(id);
    if (COMMAND_STATE_TABLE[to].terminal || !allowsMove(c.state, to))
      throw new SupplierError('SUPPLIER_STATE', `command ${id}: ${c.state} -> ${to} is not a move`);
    c.state = to;
    if (to === 'in-flight') {
      const at = this.overdueAtFor(c, this.clock.now());
      if (at === undefined) delete c.overdueAt;
      else c.overdueAt = at;
    }
    const hop = this.addHop(c, kind, { ...detail, state: to });
    this.armOverdue(c);
    return hop;
  }

  /**
   * Ends a command in `terminal` state. Exactly once: on a command already
   * terminal this changes nothing, records a `late-event` hop and returns false.
   */
  finish(id: string, terminal: TerminalState, reason: string, detail: Record<string, unknown> = {}): boolean {
    const c = this.open.get(id) ?? this.recent.get(id);
    if (!c) throw new SupplierError('SUPPLIER_NOT_FOUND', `command ${id} is not open here`);
    if (isTerminal(c.state)) {
      this.addHop(c, 'late-event', { wanted: terminal, reason, already: c.state, ...detail });
      this.metrics.inc(`late{wanted=${terminal}}`);
      return false;
    }
    if (!allowsMove(c.state, terminal))
      throw new SupplierError('SUPPLIER_STATE', `command ${id}: ${c.state} -> ${terminal} is not a move`);
    c.state = terminal;
    c.reason = reason;
    c.terminalAt = this.clock.now();
    this.timers.get(id)?.cancel();
    this.timers.delete(id);
    this.overdueTimers.get(id)?.cancel();
    this.overdueTimers.delete(id);
    this.open.delete(id);
    this.recent.set(id, c);
    if (this.recent.size > RECENT_TERMINAL) this.recent.delete(this.recent.keys().next().value!);
    this.metrics.inc(`terminal{state=${terminal}}`);
    this.addHop(c, terminal, { reason, ...detail });
    return true;
  }

  /**
   * Ends a PPMID-delivered command `applied-unconfirmed` with the evidence the
   * supplier has (its response cannot come while the premises has no WAN,
   * CH-4; unconfirmed.ts). A later device response still revises it
   * (COMMAND_STATE_TABLE, `reviseClosed`).
   */
  settleUnconfirmed(id: string, evidence: UnconfirmedEvidence, reason: string): boolean {
    const c = this.open.get(id);
    if (!c) return false;
    c.evidence = evidence;
    return this.finish(id, 'applied-unconfirmed', reason, { evidence });
  }

  /** Records a hop on a command that is terminal and no longer in memory (a duplicate response days later). */
  recordOnClosed(
    c: CommandRecord,
    kind: HopKind,
    detail: Record<string, unknown>,
    change?: (c: CommandRecord) => void,
  ): Hop {
    if (!isTerminal(c.state)) throw new SupplierError('SUPPLIER_STATE', `command ${c.id} is open`);
    const target = this.adoptClosed(c);
    change?.(target);
    return this.addHop(target, kind, detail);
  }

  /** The in-memory copy of a closed command (taking `c`, read from the store, as it when there is none). */
  private adoptClosed(c: CommandRecord): CommandRecord {
    const mine = this.recent.get(c.id);
    if (mine) return mine;
    this.recent.set(c.id, c);
    if (this.recent.size > RECENT_TERMINAL) this.recent.delete(this.recent.keys().next().value!);
    if (c.requestId) this.byRequestId.set(requestIdText(c.requestId), c.id);
    return c;
  }

  /**
   * One truth per command: a device response for a command already closed
   * `failed` or `expired` moves it to the state the response says, where
   * COMMAND_STATE_TABLE allows (`failed`/`expired` -> `responded`, `expired`
   * -> `failed`). Records a `late-response` hop (what it was, what the meter
   * said) then the new state's hop. Returns false, changing nothing but
   * `change`, when the table allows no such move (e.g. already `responded`).
   */
  reviseClosed(
    c: CommandRecord,
    to: TerminalState,
    trigger: Trigger,
    reason: string,
    detail: Record<string, unknown>,
    change?: (c: CommandRecord) => void,
  ): boolean {
    if (!isTerminal(c.state)) throw new SupplierError('SUPPLIER_STATE', `command ${c.id} is open`);
    const target = this.adoptClosed(c);
    change?.(target);
    if (!allowsMove(target.state, to, trigger)) return false;
    const was = target.state;
    this.addHop(target, 'late-response', { was, now: to, reason, ...detail });
    target.state = to;
    target.reason = reason;
    target.terminalAt = this.clock.now();
    this.metrics.inc(`revised{from=${was},to=${to}}`);
    this.addHop(target, to, { reason, was, late: true, ...detail });
    return true;
  }

  /** Resolves once every change so far is in the store; rejects if a write failed. */
  async flush(): Promise<void> {
    this.schedule();
    await this.writing;
    // A crashed tracker dropped its unwritten changes: nothing is durable, so a caller
    // that writes ahead (store, then send) must not go on as if it were.
    if (this.crashed)
      throw new SupplierError('SUPPLIER_STATE', 'the supplier crashed: the change was not stored');
    if (this.writeError !== undefined) {
      const e = this.writeError;
      this.writeError = undefined;
      throw new SupplierError('SUPPLIER_STATE', `the command store failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /**
   * Stops the expiry timers. `crash`: also drops every change not yet
   * written, as a killed process would (tests of the restart promise).
   */
  close(opts: { crash?: boolean } = {}): void {
    this.closed = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    for (const t of this.overdueTimers.values()) t.cancel();
    this.overdueTimers.clear();
    if (opts.crash) {
      this.crashed = true;
      this.dirty.clear();
    }
  }
  private crashed = false;

  // ---------------------------------------------------------------- internals

  private must(id: string): CommandRecord {
    const c = this.open.get(id);
    if (!c) {
      const r = this.recent.get(id);
      throw new SupplierError(
        r ? 'SUPPLIER_STATE' : 'SUPPLIER_NOT_FOUND',
        r ? `command ${id} is already ${r.state}` : `command ${id} is not open`,
      );
    }
    return c;
  }

  private arm(c: CommandRecord): void {
    this.timers.get(c.id)?.cancel();
    const delay = c.expiresAt - this.clock.now();
    this.timers.set(
      c.id,
      this.clock.setTimer(
        delay,
        () => {
          this.timers.delete(c.id);
          if (this.closed || !this.open.has(c.id)) return;
          const queued = c.state === 'queued';
          // forwarded by the PPMID, its response never came back over the WAN (CH-4): applied-unconfirmed
          const evidence = unconfirmedEvidence(c, 'expired-after-forwarded');
          if (evidence)
            this.settleUnconfirmed(
              c.id,
              evidence,
              'forwarded by the PPMID; no device response before expiry',
            );
          else
            this.finish(
              c.id,
              'expired',
              queued ? 'expired while waiting for its turn' : 'no device response before expiry',
              {
                expiresAt: new Date(c.expiresAt).toISOString(),
                ppmid: c.ppmid?.status ?? null,
              },
            );
          try {
            this.expiryListener?.(c);
          } catch (err) {
            log.error('expiry listener threw', { id: c.id, error: String(err) });
          }
        },
        `supplier:expire:${c.id}`,
      ),
    );
  }

  /** `in-flight` with an `overdueAt`: becomes `response-overdue` then (at once if that passed while down). */
  private armOverdue(c: CommandRecord): void {
    this.overdueTimers.get(c.id)?.cancel();
    this.overdueTimers.delete(c.id);
    if (c.state !== 'in-flight' || c.overdueAt === undefined) return;
    this.overdueTimers.set(
      c.id,
      this.clock.setTimer(
        Math.max(0, c.overdueAt - this.clock.now()),
        () => {
          this.overdueTimers.delete(c.id);
          if (this.closed || this.open.get(c.id) !== c || c.state !== 'in-flight') return;
          c.state = 'response-overdue';
          this.metrics.inc('overdue');
          this.addHop(c, 'response-overdue', {
            state: c.state,
            overdueAt: new Date(c.overdueAt!).toISOString(),
            expiresAt: new Date(c.expiresAt).toISOString(),
            ppmid: c.ppmid?.status ?? null,
          });
          try {
            this.overdueListener?.(c);
          } catch (err) {
            log.error('overdue listener threw', { id: c.id, error: String(err) });
          }
        },
        `supplier:overdue:${c.id}`,
      ),
    );
  }

  private addHop(c: CommandRecord, kind: HopKind, detail: Record<string, unknown>): Hop {
    const hop: Hop = { seq: c.hops, at: this.clock.now(), kind, detail };
    c.hops++;
    c.updatedAt = hop.at;
    const d = this.dirty.get(c.id);
    if (d) {
      d.record = c;
      d.hops.push(hop);
    } else this.dirty.set(c.id, { record: c, hops: [hop] });
    this.schedule();
    for (const l of this.listeners) {
      try {
        l({ command: c, hop });
      } catch (err) {
        log.error('tracker listener threw', { error: String(err) });
      }
    }
    return hop;
  }

  private scheduled = false;
  /**
   * Group commit: the drain waits for the end of this turn of the event loop,
   * so every change made in it (the hops of one exchange, made across
   * several awaits, and of every other command the turn touched) shares one
   * transaction and each command's row is written once. `flush()` waits for
   * that drain, so nothing is acknowledged before it is stored. Under the
   * simulator's pump the turn ends before virtual time moves on.
   */
  private schedule(): void {
    if (this.scheduled || this.dirty.size === 0) return;
    this.scheduled = true;
    this.writing = this.writing.then(endOfTurn).then(() => this.drain());
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    if (this.crashed) {
      this.dirty.clear();
      return;
    }
    const batch = [...this.dirty.values()];
    this.dirty.clear();
    if (this.persistence.saveCommands && batch.length > 1) {
      try {
        await this.persistence.saveCommands(batch);
        this.metrics.inc('writes', batch.length);
      } catch (err) {
        this.writeError = err;
        this.metrics.inc('write-failures');
        log.error('could not store command changes; will retry with the next change', {
          commands: batch.length,
          error: (err as Error).message,
        });
        for (const { record, hops } of batch) this.requeue(record, hops);
      }
      return;
    }
    for (const { record, hops } of batch) {
      try {
        await this.persistence.saveCommand(record, hops);
        this.metrics.inc('writes');
      } catch (err) {
        this.writeError = err;
        this.metrics.inc('write-failures');
        log.error('could not store a command change; will retry with the next change', {
          id: record.id,
          error: (err as Error).message,
        });
        this.requeue(record, hops);
      }
    }
  }

  /** A change that was not stored goes back in front of any newer one of the same command. */
  private requeue(record: CommandRecord, hops: Hop[]): void {
    const d = this.dirty.get(record.id);
    if (d) d.hops.unshift(...hops);
    else this.dirty.set(record.id, { record, hops });
  }
}
