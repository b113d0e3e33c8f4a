/**
 * `openStore`: one query layer over two SQL engines (ARCHITECTURE "Where state
 * lives"): an embedded SQLite file by default, PostgreSQL when a
 * `postgres://` / `postgresql://` URL is given. Both return timestamps and
 * counts as JS numbers (PostgreSQL int8 is parsed to number here; a value
 * beyond 2^53 is an error, never a silent rounding).
 */
import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { Logger } from '../../runtime/logger.ts';
import type { StoreDialect } from './columns.ts';
import { StoreError } from './errors.ts';
import type { Database } from './schema.ts';

const log = Logger.get('store');

export interface OpenStoreOptions {
  /**
   * `postgres://…` / `postgresql://…` for PostgreSQL; `sqlite:<path>` or
   * `sqlite::memory:` for an explicit SQLite file; unset: SQLite under `dataDir`.
   */
  databaseUrl?: string;
  /** Directory of the embedded SQLite file `ppmid-relay.sqlite` (created if missing). Default `./data`. */
  dataDir?: string;
  /** PostgreSQL schema to work in (sets `search_path`); default: the server's default (`public`). */
  pgSchema?: string;
  /** PostgreSQL pool size (default 10). */
  poolMax?: number;
  /** SQLite busy timeout: how long a writer waits for another process's lock (default 5000 ms). */
  busyTimeoutMs?: number;
}

export interface Store<DB = Database> {
  readonly db: Kysely<DB>;
  readonly dialect: StoreDialect;
  /** Where the data is: the SQLite file path (or `:memory:`), or the PostgreSQL URL with any password masked, plus schema. */
  readonly location: string;
  /** PostgreSQL schema in use, if one was chosen. */
  readonly pgSchema?: string;
  /**
   * SQLite only: the better-sqlite3 handle under `db` (one connection), for
   * hot paths that keep their statements prepared once (DspJournal). Use it
   * synchronously and only while `inTransaction` is false, or inside a
   * Kysely transaction you hold: it bypasses Kysely's connection mutex.
   */
  readonly sqlite?: BetterSqlite3.Database;
  close(): Promise<void>;
}

/** The options the CLI and services read from the environment: `DATABASE_URL`, `PPMID_DATA_DIR`. */
export function storeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): OpenStoreOptions {
  return { databaseUrl: env.DATABASE_URL || undefined, dataDir: env.PPMID_DATA_DIR || undefined };
}

export const SQLITE_FILE_NAME = 'ppmid-relay.sqlite';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  const url = opts.databaseUrl?.trim();
  if (url && /^postgres(ql)?:\/\//i.test(url)) return openPostgres(url, opts);
  if (url && !url.startsWith('sqlite:'))
    throw new StoreError(
      'STORE_CONFIG',
      `DATABASE_URL must be postgres://…, postgresql://… or sqlite:<path>, got ${maskUrl(url)}`,
    );
  let file: string;
  if (url) {
    file = url.slice('sqlite:'.length);
    if (file.startsWith('//')) file = file.slice(2);
    if (!file) throw new StoreError('STORE_CONFIG', 'sqlite: URL names no file');
  } else {
    const dir = resolve(opts.dataDir ?? 'data');
    mkdirSync(dir, { recursive: true });
    file = join(dir, SQLITE_FILE_NAME);
  }
  return openSqlite(file === ':memory:' ? file : resolve(file), opts);
}

function openSqlite(file: string, opts: OpenStoreOptions): Store {
  let database: BetterSqlite3.Database;
  try {
    database = new BetterSqlite3(file);
  } catch (err) {
    throw new StoreError('STORE_UNREACHABLE', `cannot open SQLite database ${file}: ${errText(err)}`, {
      cause: err,
    });
  }
  // WAL: readers never block the writer; busy_timeout: a second process waits
  // for the write lock instead of failing at once; foreign keys off by default in SQLite.
  if (file !== ':memory:') database.pragma('journal_mode = WAL');
  database.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
  database.pragma('foreign_keys = ON');
  database.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({
      database: cachingStatements(database) as unknown as BetterSqlite3.Database,
    }),
  });
  log.debug('opened SQLite store', { file });
  let closed = false;
  return {
    db,
    dialect: 'sqlite',
    location: file,
    sqlite: database,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** How many prepared statements the SQLite store keeps (by SQL text; a store has a few dozen distinct queries). */
export const SQLITE_STATEMENT_CACHE = 256;

/**
 * The better-sqlite3 database as Kysely's SqliteDialect sees it, with
 * `prepare` served from a bounded cache keyed by SQL text: Kysely's driver
 * prepares a new statement on every call, which cost a tenth of an estate
 * run (issue 16 profile). A statement is reused only by `all`/`run` (never
 * left iterating: the project does not stream from SQLite), and SQLite
 * re-prepares a statement itself after a schema change.
 */
export function cachingStatements(
  database: BetterSqlite3.Database,
): Pick<BetterSqlite3.Database, 'prepare' | 'close'> {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
        cache.set(sql, stmt);
        return stmt;
      }
      stmt = database.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > SQLITE_STATEMENT_CACHE) cache.delete(cache.keys().next().value as string);
      return stmt;
    },
    close() {
      cache.clear();
      return database.close();
    },
  } as Pick<BetterSqlite3.Database, 'prepare' | 'close'>;
}

/** int8 (OID 20) → number; refuses silently rounding a value past 2^53. */
function parseInt8(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n))
    throw new StoreError(
      'STORE_VALUE_OUT_OF_RANGE',
      `bigint column value ${s} exceeds 2^53; store uint64 values as u64 TEXT (columns.ts)`,
    );
  return n;
}
const INT8_OID = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

async function openPostgres(url: string, opts: OpenStoreOptions): Promise<Store> {
  const schema = opts.pgSchema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema))
    throw new StoreError('STORE_CONFIG', `invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
  const pool = new pg.Pool({
    connectionString: withDefaultPgUser(url),
    max: opts.poolMax ?? 10,
    types: pgTypes,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its server must not crash the process.
  pool.on('error', (err) => log.warn('PostgreSQL pool client error', { error: err.message }));
  try {
    const c = await pool.connect();
    c.release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new StoreError(
      'STORE_UNREACHABLE',
      `cannot connect to PostgreSQL at ${maskUrl(url)}: ${errText(err)}`,
      { cause: err },
    );
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  log.debug('opened PostgreSQL store', { url: maskUrl(url), schema });
  let closed = false;
  return {
    db,
    dialect: 'postgres',
    location: schema ? `${maskUrl(url)} (schema ${schema})` : maskUrl(url),
    pgSchema: schema,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      // Kysely ends the pool only if it ran a query; the reachability probe above used it too.
      if (!pool.ended) await pool.end();
    },
  };
}

/**
 * libpq falls back to the OS user when the URL names none; node-postgres only
 * reads $PGUSER/$USER (and a URL without a user overrides a `user` option).
 * Do as libpq does, so `postgres://127.0.0.1/db` works as it does with psql
 * under a service manager that sets no $USER.
 */
export function withDefaultPgUser(url: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.PGUSER || env.USER) return url;
  try {
    const u = new URL(url);
    if (u.username !== '') return url;
    u.username = encodeURIComponent(userInfo().username);
    return u.toString();
  } catch {
    return url; // pg reports a malformed URL itself
  }
}

export function maskUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

function errText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) return err.errors.map(errText).join('; ');
  if (err instanceof Error)
    return (err as NodeJS.ErrnoException).code
      ? `${(err as NodeJS.ErrnoException).code} ${err.message}`
      : err.message;
  return String(err);
}
