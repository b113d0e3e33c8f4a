/**
 * How the DSP keeps its state in the store without making its core async.
 *
 * The DSP core is synchronous (it runs inside `VirtualClock.advance()` in
 * tests and the simulator): it holds users, inventory, counters, open
 * requests and the outbox in memory and appends every change to a
 * `DspJournal`. The journal writes changes to SQL in order, batched into one
 * transaction per drain. The I/O edges wait for it: the HTTP adapter answers
 * a Service Request only after `flush()` resolved, so a user never holds an
 * acknowledgement for a request the store does not have, and a DSP restart
 * (`DspService.open` reloads everything) loses nothing that was answered.
 *
 * With SQLite (the default store) the journal writes through statements
 * prepared once on the better-sqlite3 handle (`Store.sqlite`), a drain of
 * rows only (requests, counters, outbox items, `insert`ed rows) in one synchronous
 * transaction; Kysely (query compiled per call) stays for PostgreSQL and for
 * the rare `append`ed closures (users, inventory), which then run in the same
 * transaction as the rows.
 *
 * A failed write is not retried or skipped: the journal stops, every later
 * `flush()` rejects with the error, and the HTTP adapter answers 500. Fail
 * loudly rather than run on with memory and store disagreeing.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Transaction } from 'kysely';
import { u64FromText, u64ToText } from '../../adapters/store/index.ts';
import type { CommandVariant, ServiceRequestClass } from '../../duis/index.ts';
import { Logger } from '../../runtime/logger.ts';
import type { DspRequestRecord, DspRequestState, ResponseRoute } from './requests.ts';
import type { DspCountersTable, DspDb, DspOutboxTable, DspRequestsTable, DspTables } from './tables.ts';

const log = Logger.get('dsp:store');

export type JournalOp = (db: Transaction<DspTables>) => Promise<unknown>;

/** A row to insert, queued with `insert` (a prepared statement on SQLite). */
interface RowInsert {
  table: keyof DspTables;
  row: Record<string, string | number | null>;
}

export class DspJournal {
  #pending: Array<JournalOp | RowInsert> = [];
  /** Latest row per request / counter since the last drain: written once each, as multi-row upserts. */
  #requests = new Map<string, DspRequestsTable>();
  #counters = new Map<string, DspCountersTable>();
  /** Latest row per outbox item since the last drain (an item queued and delivered in one drain: one write). */
  #outbox = new Map<string, DspOutboxTable>();
  #draining: Promise<void> | undefined;
  #error: unknown;
  #written = 0;
  #commits = 0;

  readonly #sqlite: PreparedDspWrites | undefined;

  constructor(
    readonly db: DspDb,
    sqlite?: BetterSqlite3.Database,
  ) {
    this.#sqlite = sqlite ? new PreparedDspWrites(sqlite) : undefined;
  }

  /** Queues a write; it runs after every write queued before it. */
  append(op: JournalOp): void {
    if (this.#error !== undefined) return;
    this.#pending.push(op);
    this.#kick();
  }

  /** Queues the insert of one row (in order with `append`). */
  insert(table: keyof DspTables, row: RowInsert['row']): void {
    if (this.#error !== undefined) return;
    this.#pending.push({ table, row });
    this.#kick();
  }

  /** Queues the current state of a request (coalesced: only the latest state per drain is written). */
  putRequest(r: DspRequestRecord): void {
    if (this.#error !== undefined) return;
    this.#requests.set(r.requestId, requestToRow(r));
    this.#kick();
  }

  /** Queues a counter high-water mark (coalesced like putRequest). */
  putCounter(party: string, counter: bigint, at: number): void {
    if (this.#error !== undefined) return;
    this.#counters.set(party, { party, counter: u64ToText(counter), updated_at: at });
    this.#kick();
  }

  /** Queues the current state of an outbox item (delivery.ts; coalesced like putRequest). */
  putOutbox(row: DspOutboxTable): void {
    if (this.#error !== undefined) return;
    this.#outbox.set(row.id, row);
    this.#kick();
  }

  #kick(): void {
    if (!this.#draining) this.#draining = this.#drain();
  }

  get pending(): number {
    return this.#pending.length + this.#requests.size + this.#counters.size + this.#outbox.size;
  }

  get written(): number {
    return this.#written;
  }

  /** Transactions committed so far (`written / commits`: how many writes a commit carried). */
  get commits(): number {
    return this.#commits;
  }

  /** The error that stopped the journal, if any. */
  get error(): unknown {
    return this.#error;
  }

  async #drain(): Promise<void> {
    // Group commit: wait for the end of this turn of the event loop, so that every request handled
    // in it (the HTTP requests read in one poll, the worker replies) shares one transaction; the
    // answers wait for it anyway (flush), and a commit costs more than the rows in it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.pending > 0 && this.#error === undefined) {
        const ops = this.#pending;
        const requests = [...this.#requests.values()];
        const counters = [...this.#counters.values()];
        const outbox = [...this.#outbox.values()];
        this.#pending = [];
        this.#requests = new Map();
        this.#counters = new Map();
        this.#outbox = new Map();
        const raw = this.#sqlite;
        if (raw && !raw.db.inTransaction && ops.every((op) => typeof op !== 'function')) {
          // Rows only, nobody else in a transaction on the connection: one synchronous transaction.
          raw.transaction(ops as RowInsert[], requests, counters, outbox);
        } else
          await this.db.transaction().execute(async (trx) => {
            for (const op of ops)
              if (typeof op === 'function') await op(trx);
              else if (raw) raw.insert(op);
              else
                await trx
                  .insertInto(op.table)
                  .values(op.row as never)
                  .execute();
            if (raw) {
              // inside the Kysely transaction we hold: the same connection, the same transaction
              raw.rows(requests, counters, outbox);
              return;
            }
            for (let i = 0; i < outbox.length; i += UPSERT_CHUNK)
              await upsertOutboxRows(trx, outbox.slice(i, i + UPSERT_CHUNK));
            for (let i = 0; i < requests.length; i += UPSERT_CHUNK)
              await upsertRequestRows(trx, requests.slice(i, i + UPSERT_CHUNK));
            if (counters.length > 0)
              await trx
                .insertInto('dsp_counters')
                .values(counters)
                .onConflict((oc) =>
                  oc.column('party').doUpdateSet((eb) => ({
                    counter: eb.ref('excluded.counter'),
                    updated_at: eb.ref('excluded.updated_at'),
                  })),
                )
                .execute();
          });
        this.#written += ops.length + requests.length + counters.length + outbox.length;
        this.#commits++;
      }
    } catch (e) {
      this.#error = e;
      this.#pending = [];
      this.#requests.clear();
      this.#counters.clear();
      this.#outbox.clear();
      log.error('DSP store write failed; the DSP refuses further work', {
        error: e instanceof Error ? e.message : String(e),
      });
    } finally {
      this.#draining = undefined;
    }
  }

  /** Resolves once every write queued so far is committed; rejects if the journal failed. */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
    if (this.#error !== undefined) throw this.#error;
  }
}

/** The journal's SQLite writes, each statement prepared once. */
class PreparedDspWrites {
  readonly #inserts = new Map<string, BetterSqlite3.Statement>();
  readonly #upsertRequest: BetterSqlite3.Statement;
  readonly #upsertCounter: BetterSqlite3.Statement;
  readonly #upsertOutbox: BetterSqlite3.Statement;
  readonly #transaction: (
    ops: RowInsert[],
    r: DspRequestsTable[],
    c: DspCountersTable[],
    o: DspOutboxTable[],
  ) => void;

  constructor(readonly db: BetterSqlite3.Database) {
    const cols = ['request_id', ...REQUEST_COLUMNS];
    this.#upsertRequest = db.prepare(
      `insert into dsp_requests (${cols.join(', ')}) values (${cols.map((c) => `@${c}`).join(', ')}) ` +
        `on conflict (request_id) do update set ${REQUEST_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    );
    this.#upsertCounter = db.prepare(
      'insert into dsp_counters (party, counter, updated_at) values (@party, @counter, @updated_at) ' +
        'on conflict (party) do update set counter = excluded.counter, updated_at = excluded.updated_at',
    );
    const outboxCols = ['id', ...OUTBOX_COLUMNS];
    this.#upsertOutbox = db.prepare(
      `insert into dsp_outbox (${outboxCols.join(', ')}) values (${outboxCols.map((c) => `@${c}`).join(', ')}) ` +
        `on conflict (id) do update set ${OUTBOX_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    );
    this.#transaction = db.transaction(
      (ops: RowInsert[], r: DspRequestsTable[], c: DspCountersTable[], o: DspOutboxTable[]) => {
        for (const op of ops) this.insert(op);
        this.rows(r, c, o);
      },
    );
  }

  transaction(
    ops: RowInsert[],
    requests: DspRequestsTable[],
    counters: DspCountersTable[],
    outbox: DspOutboxTable[],
  ): void {
    this.#transaction(ops, requests, counters, outbox);
  }

  rows(requests: DspRequestsTable[], counters: DspCountersTable[], outbox: DspOutboxTable[]): void {
    for (const r of requests) this.#upsertRequest.run(r);
    for (const c of counters) this.#upsertCounter.run(c);
    for (const o of outbox) this.#upsertOutbox.run(o);
  }

  insert(op: RowInsert): void {
    const cols = Object.keys(op.row);
    const key = `${op.table}(${cols.join(',')})`;
    let stmt = this.#inserts.get(key);
    if (!stmt) {
      stmt = this.db.prepare(
        `insert into ${op.table} (${cols.join(', ')}) values (${cols.map((c) => `@${c}`).join(', ')})`,
      );
      this.#inserts.set(key, stmt);
    }
    stmt.run(op.row);
  }
}

/** Rows per multi-row upsert (30 columns each: well under both engines' parameter limits). */
const UPSERT_CHUNK = 200;

const REQUEST_COLUMNS = [
  'user_eui',
  'target',
  'counter',
  'srv',
  'sr_class',
  'cv',
  'state',
  'chf',
  'csp',
  'gbcs_key',
  'use_case',
  'message_code',
  'wan',
  'local_copy',
  'ch_isolated',
  'command_sha256',
  'command_hex',
  'pre_command_hex',
  'cin',
  'response_code',
  'response_route',
  'response_count',
  'created_at',
  'updated_at',
  'scheduled_at',
  'execution_at',
  'expires_at',
  'responded_at',
] as const satisfies readonly Exclude<keyof DspRequestsTable, 'request_id'>[];

/**
 * One multi-row upsert: insert `rows` into `table`; a row whose `key` is
 * already there takes every column in `columns` from the new row.
 */
function upsertRows(
  db: Transaction<DspTables>,
  table: 'dsp_requests' | 'dsp_outbox',
  key: string,
  columns: readonly string[],
  rows: readonly object[],
): Promise<unknown> {
  return db
    .insertInto(table)
    .values(rows as never)
    .onConflict((oc) =>
      oc.column(key as never).doUpdateSet((eb) => {
        const set: Record<string, unknown> = {};
        for (const c of columns) set[c] = eb.ref(`excluded.${c}` as never);
        return set as never;
      }),
    )
    .execute();
}

function upsertRequestRows(db: Transaction<DspTables>, rows: DspRequestsTable[]): Promise<unknown> {
  return upsertRows(db, 'dsp_requests', 'request_id', REQUEST_COLUMNS, rows);
}

const OUTBOX_COLUMNS = [
  'user_eui',
  'url',
  'kind',
  'request_id',
  'xml',
  'state',
  'attempts',
  'created_at',
  'next_at',
  'delivered_at',
  'last_error',
] as const satisfies readonly Exclude<keyof DspOutboxTable, 'id'>[];

function upsertOutboxRows(db: Transaction<DspTables>, rows: DspOutboxTable[]): Promise<unknown> {
  return upsertRows(db, 'dsp_outbox', 'id', OUTBOX_COLUMNS, rows);
}

// ------------------------------------------------------------------ row mapping

const b = (v: boolean): number => (v ? 1 : 0);

export function requestToRow(r: DspRequestRecord): DspRequestsTable {
  return {
    request_id: r.requestId,
    user_eui: r.user,
    target: r.target,
    counter: u64ToText(r.counter),
    srv: r.srv,
    sr_class: r.srClass,
    cv: r.cv,
    state: r.state,
    chf: r.chf,
    csp: r.csp,
    gbcs_key: r.gbcsKey,
    use_case: r.useCase,
    message_code: r.messageCode,
    wan: b(r.wan),
    local_copy: b(r.localCopy),
    ch_isolated: b(r.chIsolated),
    command_sha256: r.commandSha256,
    command_hex: r.commandHex,
    pre_command_hex: r.preCommandHex,
    cin: r.cin,
    response_code: r.responseCode,
    response_route: r.responseRoute,
    response_count: r.responseCount,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    scheduled_at: r.scheduledAt,
    execution_at: r.executionAt,
    expires_at: r.expiresAt,
    responded_at: r.respondedAt,
  };
}

export function requestFromRow(row: DspRequestsTable): DspRequestRecord {
  return {
    requestId: row.request_id,
    user: row.user_eui,
    target: row.target,
    counter: u64FromText(row.counter),
    srv: row.srv,
    srClass: row.sr_class as ServiceRequestClass,
    cv: Number(row.cv) as CommandVariant,
    state: row.state as DspRequestState,
    chf: row.chf,
    csp: row.csp,
    gbcsKey: row.gbcs_key,
    useCase: row.use_case,
    messageCode: row.message_code === null ? null : Number(row.message_code),
    wan: Number(row.wan) === 1,
    localCopy: Number(row.local_copy) === 1,
    chIsolated: Number(row.ch_isolated) === 1,
    commandSha256: row.command_sha256,
    commandHex: row.command_hex,
    preCommandHex: row.pre_command_hex,
    cin: row.cin ?? null,
    responseCode: row.response_code,
    responseRoute: row.response_route as ResponseRoute | null,
    responseCount: Number(row.response_count),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    scheduledAt: row.scheduled_at === null ? null : Number(row.scheduled_at),
    executionAt: row.execution_at === null ? null : Number(row.execution_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    respondedAt: row.responded_at === null ? null : Number(row.responded_at),
  };
}

/** Row count of a DSP table (tests, status). */
export async function countRows(db: DspDb, table: keyof DspTables): Promise<number> {
  const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}
