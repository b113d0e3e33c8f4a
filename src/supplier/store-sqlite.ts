/**
 * The supplier repository's hot paths on SQLite (issue 16): statements
 * prepared once on the better-sqlite3 handle (`Store.sqlite`) and run
 * synchronously, each write in one transaction (a batch of command changes
 * in one transaction too). The SQL is the SQL Kysely writes for the same
 * calls in store.ts, which stays the path for PostgreSQL and for any call
 * made while another party holds a Kysely transaction on the shared
 * connection (`usable()` is false then: a raw statement would join that
 * transaction).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type {
  SupplierCommandHopsTable,
  SupplierCommandsTable,
  SupplierPpmidsTable,
  SupplierPremisesTable,
} from './tables.ts';

export type CommandRow = SupplierCommandsTable;
export type HopRow = Omit<SupplierCommandHopsTable, 'id'>;

/** SU-1's history read: answered from the index alone (migration 041, store-sqlite.test.ts checks the plan). */
export const WAN_HISTORY_SQL =
  'select "wan_sent_at", "answered_at" from "supplier_commands" where "premises_id" = ? ' +
  'and "wan_sent_at" is not null and "wan_sent_at" >= ? order by "wan_sent_at" desc limit ?';

export class SupplierStatements {
  readonly #counterGet: BetterSqlite3.Statement;
  readonly #counterSet: BetterSqlite3.Statement;
  readonly #counterInsert: BetterSqlite3.Statement;
  readonly #premisesUpsert: BetterSqlite3.Statement;
  readonly #wanTouch: BetterSqlite3.Statement;
  readonly #ppmidUpsert: BetterSqlite3.Statement;
  readonly #commandUpsert: BetterSqlite3.Statement;
  readonly #hopInsert: BetterSqlite3.Statement;
  readonly #commandById: BetterSqlite3.Statement;
  readonly #commandByRequestId: BetterSqlite3.Statement;
  readonly #wanHistory: BetterSqlite3.Statement;
  readonly #saveCommands: (batch: ReadonlyArray<{ row: CommandRow; hops: readonly HopRow[] }>) => void;
  readonly #nextCounter: (eui: string, now: number, next: (last: string | undefined) => string) => string;

  constructor(readonly db: BetterSqlite3.Database) {
    this.#counterGet = db
      .prepare('select "counter" from "supplier_counters" where "supplier_eui" = ?')
      .pluck();
    this.#counterSet = db.prepare(
      'update "supplier_counters" set "counter" = ?, "updated_at" = ? where "supplier_eui" = ?',
    );
    this.#counterInsert = db.prepare(
      'insert into "supplier_counters" ("supplier_eui", "counter", "updated_at") values (?, ?, ?)',
    );
    this.#premisesUpsert = db.prepare(
      'insert into "supplier_premises" ("id", "chf", "ppmid", "json", "last_wan_response_at", "created_at", "updated_at") ' +
        'values (@id, @chf, @ppmid, @json, @last_wan_response_at, @created_at, @updated_at) ' +
        'on conflict ("id") do update set "chf" = @chf, "ppmid" = @ppmid, "json" = @json, ' +
        '"last_wan_response_at" = @last_wan_response_at, "updated_at" = @updated_at',
    );
    this.#wanTouch = db.prepare(
      'update "supplier_premises" set "last_wan_response_at" = ? where "id" = ? ' +
        'and ("last_wan_response_at" is null or "last_wan_response_at" < ?)',
    );
    this.#ppmidUpsert = db.prepare(
      'insert into "supplier_ppmids" ("eui", "premises_id", "state", "relay_enabled", "json", "created_at", "updated_at") ' +
        'values (@eui, @premises_id, @state, @relay_enabled, @json, @created_at, @updated_at) ' +
        'on conflict ("eui") do update set "premises_id" = @premises_id, "state" = @state, ' +
        '"relay_enabled" = @relay_enabled, "json" = @json, "updated_at" = @updated_at',
    );
    this.#commandUpsert = db.prepare(
      'insert into "supplier_commands" ("id", "request_id", "premises_id", "target", "srv", "route", "state", ' +
        '"terminal", "wan_sent_at", "answered_at", "created_at", "updated_at", "expires_at", "json") ' +
        'values (@id, @request_id, @premises_id, @target, @srv, @route, @state, @terminal, @wan_sent_at, ' +
        '@answered_at, @created_at, @updated_at, @expires_at, @json) ' +
        'on conflict ("id") do update set "request_id" = @request_id, "route" = @route, "state" = @state, ' +
        '"terminal" = @terminal, "wan_sent_at" = @wan_sent_at, "answered_at" = @answered_at, ' +
        '"updated_at" = @updated_at, "expires_at" = @expires_at, "json" = @json',
    );
    this.#hopInsert = db.prepare(
      'insert into "supplier_command_hops" ("command_id", "seq", "at", "kind", "json") ' +
        'values (@command_id, @seq, @at, @kind, @json)',
    );
    this.#commandById = db.prepare('select "json" from "supplier_commands" where "id" = ?').pluck();
    this.#commandByRequestId = db
      .prepare('select "json" from "supplier_commands" where "request_id" = ?')
      .pluck();
    this.#wanHistory = db.prepare(WAN_HISTORY_SQL);
    this.#saveCommands = db.transaction(
      (batch: ReadonlyArray<{ row: CommandRow; hops: readonly HopRow[] }>) => {
        for (const { row, hops } of batch) {
          this.#commandUpsert.run(row);
          for (const h of hops) this.#hopInsert.run(h);
        }
      },
    );
    const counter = db.transaction((eui: string, now: number, next: (last: string | undefined) => string) => {
      const last = this.#counterGet.get(eui) as string | undefined;
      const value = next(last);
      if (last === undefined) this.#counterInsert.run(eui, value, now);
      else this.#counterSet.run(value, now, eui);
      return value;
    });
    // BEGIN IMMEDIATE: the write lock first, as the Kysely path's touch-then-read does (split deployments)
    this.#nextCounter = (eui, now, next) => counter.immediate(eui, now, next);
  }

  /** Nobody holds a transaction on the shared connection: a statement here runs on its own. */
  usable(): boolean {
    return !this.db.inTransaction;
  }

  /** Reads the last counter and writes the next one (`next(last)`, which may throw) in one immediate transaction. */
  nextCounter(eui: string, now: number, next: (last: string | undefined) => string): string {
    return this.#nextCounter(eui, now, next);
  }

  putPremises(row: SupplierPremisesTable): void {
    this.#premisesUpsert.run(row);
  }

  touchWanResponse(premisesId: string, at: number): void {
    this.#wanTouch.run(at, premisesId, at);
  }

  putPpmid(row: SupplierPpmidsTable): void {
    this.#ppmidUpsert.run(row);
  }

  /** Every command's row and new hops, in one transaction. */
  saveCommands(batch: ReadonlyArray<{ row: CommandRow; hops: readonly HopRow[] }>): void {
    this.#saveCommands(batch);
  }

  commandJsonById(rowId: string): string | undefined {
    return this.#commandById.get(rowId) as string | undefined;
  }

  commandJsonByRequestId(requestId: string): string | undefined {
    return this.#commandByRequestId.get(requestId) as string | undefined;
  }

  wanHistory(
    premisesId: string,
    since: number,
    limit: number,
  ): Array<{ wan_sent_at: number; answered_at: number | null }> {
    return this.#wanHistory.all(premisesId, since, limit) as Array<{
      wan_sent_at: number;
      answered_at: number | null;
    }>;
  }
}
