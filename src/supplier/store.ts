/**
 * The supplier's repository over the shared Store (SQLite or PostgreSQL,
 * same queries): Originator Counters, premises, PPMIDs, commands and their
 * timelines. Async: this is the I/O edge the state machines write through.
 */
import type { Kysely, Transaction } from 'kysely';
import {
  fromJsonText,
  type Store,
  sqlBool,
  toJsonText,
  u64FromText,
  u64ToText,
} from '../adapters/store/index.ts';
import type { Eui } from '../runtime/bytes.ts';
import { SupplierError } from './errors.ts';
import {
  type CommandRecord,
  type CommandState,
  type Hop,
  isTerminal,
  type PpmidRecord,
  type Premises,
  requestIdText,
} from './model.ts';
import { type CommandRow, type HopRow, SupplierStatements } from './store-sqlite.ts';
import type { SupplierTables } from './tables.ts';

export interface CommandFilter {
  state?: CommandState | 'open' | 'terminal';
  premisesId?: string;
  srv?: string;
  route?: string;
  target?: Eui;
  /** Only ids (counters) below this one: the cursor of the next page (newest first). */
  before?: string;
  /** Default 100, at most 1000. */
  limit?: number;
}

export interface CommandCount {
  route: string | null;
  state: CommandState;
  n: number;
}

export interface CommandTimes {
  route: string | null;
  state: CommandState;
  terminal: boolean;
  createdAt: number;
  /** When its device response arrived (null: none yet). */
  answeredAt: number | null;
  /** The last change (for a terminal command: when it ended). */
  updatedAt: number;
}

export interface WanHistoryRow {
  sentAt: number;
  answeredAt?: number;
}

type Db = Kysely<SupplierTables>;

const toRowId = (id: string): string => u64ToText(BigInt(id));
const fromRowId = (s: string): string => u64FromText(s).toString();

export class SupplierRepository {
  readonly db: Db;
  /** One counter reservation at a time in this process (PostgreSQL also locks the row). */
  private counterChain: Promise<unknown> = Promise.resolve();

  /** SQLite: the hot paths' statements, prepared once (store-sqlite.ts). */
  readonly #raw: SupplierStatements | undefined;

  constructor(readonly store: Store) {
    this.db = store.db.withTables<SupplierTables>() as unknown as Db;
    this.#raw = store.sqlite ? new SupplierStatements(store.sqlite) : undefined;
  }

  /** Kysely calls of this repository not finished yet (they keep their order behind Kysely's connection mutex). */
  #slowPending = 0;

  /**
   * The prepared statements when they can run now: SQLite, no transaction
   * held on the connection, and none of this repository's Kysely calls still
   * queued (a later write must never overtake an earlier one).
   */
  #fast(): SupplierStatements | undefined {
    return this.#slowPending === 0 && this.#raw?.usable() ? this.#raw : undefined;
  }

  async #slow<T>(f: () => Promise<T>): Promise<T> {
    this.#slowPending++;
    try {
      return await f();
    } finally {
      this.#slowPending--;
    }
  }

  // ---------------------------------------------------------------- counters

  /**
   * Reserves the next DUIS RequestID counter of `supplierEui`: strictly
   * increasing and written before it is used, so a restart never reuses one.
   */
  nextCounter(supplierEui: Eui, initial: bigint, now: number): Promise<bigint> {
    const next = (last: bigint | undefined): bigint => {
      const n = last === undefined ? initial : last + 1n;
      if (n > 0xffffffffffffffffn)
        throw new SupplierError('SUPPLIER_STATE', `Originator Counter of ${supplierEui} exhausted`);
      return n;
    };
    const run = async (): Promise<bigint> => {
      const raw = this.#fast();
      if (raw)
        return u64FromText(
          raw.nextCounter(supplierEui, now, (last) =>
            u64ToText(next(last === undefined ? undefined : u64FromText(last))),
          ),
        );
      return this.#slow(() =>
        this.db.transaction().execute(async (trx) => {
          // SQLite shared by processes (split deployments): write first, so the transaction takes
          // the write lock under the busy timeout. A deferred read-then-write transaction gets
          // SQLITE_BUSY at once ("database is locked") when another process wrote since its read.
          if (this.store.dialect !== 'postgres')
            await trx
              .updateTable('supplier_counters')
              .set({ updated_at: now })
              .where('supplier_eui', '=', supplierEui)
              .execute();
          let q = trx
            .selectFrom('supplier_counters')
            .select('counter')
            .where('supplier_eui', '=', supplierEui);
          if (this.store.dialect === 'postgres') q = q.forUpdate();
          const row = await q.executeTakeFirst();
          const value = next(row ? u64FromText(row.counter) : undefined);
          if (row)
            await trx
              .updateTable('supplier_counters')
              .set({ counter: u64ToText(value), updated_at: now })
              .where('supplier_eui', '=', supplierEui)
              .execute();
          else
            await trx
              .insertInto('supplier_counters')
              .values({ supplier_eui: supplierEui, counter: u64ToText(value), updated_at: now })
              .execute();
          return value;
        }),
      );
    };
    const p = this.counterChain.then(run, run);
    this.counterChain = p.catch(() => {});
    return p;
  }

  async lastCounter(supplierEui: Eui): Promise<bigint | undefined> {
    const row = await this.db
      .selectFrom('supplier_counters')
      .select('counter')
      .where('supplier_eui', '=', supplierEui)
      .executeTakeFirst();
    return row ? u64FromText(row.counter) : undefined;
  }

  // ---------------------------------------------------------------- premises

  async putPremises(p: Premises): Promise<void> {
    const { lastWanResponseAt, ...rest } = p;
    const row = {
      id: p.id,
      chf: p.chf,
      ppmid: p.ppmid ?? null,
      json: toJsonText(rest),
      last_wan_response_at: lastWanResponseAt ?? null,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
    };
    const raw = this.#fast();
    if (raw) return raw.putPremises(row);
    await this.#slow(() =>
      this.db
        .insertInto('supplier_premises')
        .values(row)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            chf: row.chf,
            ppmid: row.ppmid,
            json: row.json,
            last_wan_response_at: row.last_wan_response_at,
            updated_at: row.updated_at,
          }),
        )
        .execute(),
    );
  }

  /** Records a WAN response time (only ever moves forward). */
  async touchWanResponse(premisesId: string, at: number): Promise<void> {
    const raw = this.#fast();
    if (raw) return raw.touchWanResponse(premisesId, at);
    await this.#slow(() =>
      this.db
        .updateTable('supplier_premises')
        .set({ last_wan_response_at: at })
        .where('id', '=', premisesId)
        .where((eb) => eb.or([eb('last_wan_response_at', 'is', null), eb('last_wan_response_at', '<', at)]))
        .execute(),
    );
  }

  async listPremises(): Promise<Premises[]> {
    const rows = await this.db.selectFrom('supplier_premises').selectAll().orderBy('id').execute();
    return rows.map(premisesFromRow);
  }

  async getPremises(id: string): Promise<Premises | undefined> {
    const row = await this.db
      .selectFrom('supplier_premises')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? premisesFromRow(row) : undefined;
  }

  // ---------------------------------------------------------------- PPMIDs

  async putPpmid(p: PpmidRecord): Promise<void> {
    const row = {
      eui: p.eui,
      premises_id: p.premisesId,
      state: p.state,
      relay_enabled: sqlBool(p.relayEnabled),
      json: toJsonText(p),
      created_at: p.createdAt,
      updated_at: p.updatedAt,
    };
    const raw = this.#fast();
    if (raw) return raw.putPpmid(row);
    await this.#slow(() =>
      this.db
        .insertInto('supplier_ppmids')
        .values(row)
        .onConflict((oc) =>
          oc.column('eui').doUpdateSet({
            premises_id: row.premises_id,
            state: row.state,
            relay_enabled: row.relay_enabled,
            json: row.json,
            updated_at: row.updated_at,
          }),
        )
        .execute(),
    );
  }

  async listPpmids(): Promise<PpmidRecord[]> {
    const rows = await this.db.selectFrom('supplier_ppmids').select('json').orderBy('eui').execute();
    return rows.map((r) => fromJsonText<PpmidRecord>(r.json));
  }

  // ---------------------------------------------------------------- commands

  /** Writes a command and the hops added since the last write, in one transaction. */
  saveCommand(c: CommandRecord, newHops: readonly Hop[]): Promise<void> {
    return this.saveCommands([{ record: c, hops: newHops }]);
  }

  /** Writes commands and the hops each gained since its last write, all in one transaction. */
  async saveCommands(batch: ReadonlyArray<{ record: CommandRecord; hops: readonly Hop[] }>): Promise<void> {
    const rows = batch.map(({ record, hops }) => {
      const row = commandRow(record);
      return { row, hops: hops.map((h) => hopRow(row.id, h)) };
    });
    const raw = this.#fast();
    if (raw) return raw.saveCommands(rows);
    await this.#slow(() =>
      this.db.transaction().execute(async (trx) => {
        for (const { row, hops } of rows) await writeCommand(trx, row, hops);
      }),
    );
  }

  async getCommand(id: string): Promise<CommandRecord | undefined> {
    if (!/^[0-9]{1,20}$/.test(id)) return undefined;
    const raw = this.#fast();
    if (raw) {
      const json = raw.commandJsonById(toRowId(id));
      return json === undefined ? undefined : fromJsonText<CommandRecord>(json);
    }
    const row = await this.db
      .selectFrom('supplier_commands')
      .select('json')
      .where('id', '=', toRowId(id))
      .executeTakeFirst();
    return row ? fromJsonText<CommandRecord>(row.json) : undefined;
  }

  async getCommandByRequestId(requestId: string): Promise<CommandRecord | undefined> {
    const raw = this.#fast();
    if (raw) {
      const json = raw.commandJsonByRequestId(requestId);
      return json === undefined ? undefined : fromJsonText<CommandRecord>(json);
    }
    const row = await this.db
      .selectFrom('supplier_commands')
      .select('json')
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    return row ? fromJsonText<CommandRecord>(row.json) : undefined;
  }

  /** Every command not in a terminal state, oldest first (reloaded on start). */
  async openCommands(): Promise<CommandRecord[]> {
    const rows = await this.db
      .selectFrom('supplier_commands')
      .select('json')
      .where('terminal', '=', 0)
      .orderBy('id')
      .execute();
    return rows.map((r) => fromJsonText<CommandRecord>(r.json));
  }

  /** Commands matching `f`, newest first. */
  async listCommands(f: CommandFilter = {}): Promise<CommandRecord[]> {
    let q = this.db.selectFrom('supplier_commands').select('json');
    if (f.state === 'open') q = q.where('terminal', '=', 0);
    else if (f.state === 'terminal') q = q.where('terminal', '=', 1);
    else if (f.state !== undefined) q = q.where('state', '=', f.state);
    if (f.premisesId !== undefined) q = q.where('premises_id', '=', f.premisesId);
    if (f.srv !== undefined) q = q.where('srv', '=', f.srv);
    if (f.route !== undefined) q = q.where('route', '=', f.route);
    if (f.target !== undefined) q = q.where('target', '=', f.target);
    if (f.before !== undefined) q = q.where('id', '<', toRowId(f.before));
    const rows = await q
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(1, f.limit ?? 100), 1000))
      .execute();
    return rows.map((r) => fromJsonText<CommandRecord>(r.json));
  }

  /** Commands per route and state (SU-1 x SU-2), for the consoles' charts. */
  async commandCounts(): Promise<CommandCount[]> {
    const rows = await this.db
      .selectFrom('supplier_commands')
      .select(['route', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['route', 'state'])
      .execute();
    return rows.map((r) => ({ route: r.route, state: r.state as CommandState, n: Number(r.n) }));
  }

  /** The times of the newest `limit` commands (newest first): when created, answered, last changed. */
  async commandTimes(limit: number): Promise<CommandTimes[]> {
    const rows = await this.db
      .selectFrom('supplier_commands')
      .select(['route', 'state', 'terminal', 'created_at', 'answered_at', 'updated_at'])
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      route: r.route,
      state: r.state as CommandState,
      terminal: r.terminal === 1,
      createdAt: r.created_at,
      answeredAt: r.answered_at,
      updatedAt: r.updated_at,
    }));
  }

  async hops(commandId: string): Promise<Hop[]> {
    const rows = await this.db
      .selectFrom('supplier_command_hops')
      .select(['seq', 'at', 'kind', 'json'])
      .where('command_id', '=', toRowId(commandId))
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      kind: r.kind as Hop['kind'],
      detail: fromJsonText(r.json),
    }));
  }

  /** The premises' WAN commands sent at or after `since`, newest first, at most `limit` (SU-1). */
  async wanHistory(premisesId: string, since: number, limit: number): Promise<WanHistoryRow[]> {
    const raw = this.#fast();
    const rows = raw
      ? raw.wanHistory(premisesId, since, limit)
      : await this.db
          .selectFrom('supplier_commands')
          .select(['wan_sent_at', 'answered_at'])
          .where('premises_id', '=', premisesId)
          .where('wan_sent_at', 'is not', null)
          .where('wan_sent_at', '>=', since)
          .orderBy('wan_sent_at', 'desc')
          .limit(limit)
          .execute();
    return rows.map((r) =>
      r.answered_at === null
        ? { sentAt: r.wan_sent_at! }
        : { sentAt: r.wan_sent_at!, answeredAt: r.answered_at },
    );
  }

  /** Counts of commands per state (for the API and tests). */
  async countByState(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('supplier_commands')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }
}

export { fromRowId };

function commandRow(c: CommandRecord): CommandRow {
  return {
    id: toRowId(c.id),
    request_id: c.requestId ? requestIdText(c.requestId) : null,
    premises_id: c.premisesId,
    target: c.target,
    srv: c.srv,
    route: c.route ?? null,
    state: c.state,
    terminal: sqlBool(isTerminal(c.state)),
    wan_sent_at: c.wanSentAt ?? null,
    answered_at: c.answeredAt ?? null,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    expires_at: c.expiresAt,
    json: toJsonText(c),
  };
}

function hopRow(commandId: string, h: Hop): HopRow {
  return { command_id: commandId, seq: h.seq, at: h.at, kind: h.kind, json: toJsonText(h.detail) };
}

async function writeCommand(
  trx: Transaction<SupplierTables>,
  row: CommandRow,
  hops: HopRow[],
): Promise<void> {
  await trx
    .insertInto('supplier_commands')
    .values(row)
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        request_id: row.request_id,
        route: row.route,
        state: row.state,
        terminal: row.terminal,
        wan_sent_at: row.wan_sent_at,
        answered_at: row.answered_at,
        updated_at: row.updated_at,
        expires_at: row.expires_at,
        json: row.json,
      }),
    )
    .execute();
  if (hops.length) await trx.insertInto('supplier_command_hops').values(hops).execute();
}

function premisesFromRow(row: SupplierPremisesTableRow): Premises {
  const p = fromJsonText<Premises>(row.json);
  if (row.last_wan_response_at !== null) p.lastWanResponseAt = row.last_wan_response_at;
  return p;
}

type SupplierPremisesTableRow = SupplierTables['supplier_premises'];
