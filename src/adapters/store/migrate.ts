/**
 * The schema registry and migrator.
 *
 * Registry: every file `src/adapters/store/migrations/NNN-name.ts` is a
 * migration module exporting `up(db, ctx)`; it is discovered by name, so a
 * party adds its tables by adding one file and edits no shared code. Names
 * sort in the order they run; the number ranges per party are in
 * docs/adapters.md. A migration sorting before one already applied (two
 * helpers adding files at once) still runs: pending migrations are applied in
 * name order, whatever ran before.
 *
 * `migrate(store)` is idempotent and safe when several processes start at
 * once: PostgreSQL takes a session advisory lock (per schema) before reading
 * the migrations table; SQLite takes the write lock up front (`BEGIN
 * IMMEDIATE`, other processes wait through the busy timeout). All pending
 * migrations of a run apply in one transaction (DDL is transactional on both
 * engines): a failure leaves the database as it was.
 *
 * A migration must not open its own transaction and must use the `db` it is
 * given (it is bound to the locked connection).
 */
import { readdirSync } from 'node:fs';
import { sql } from 'kysely';
import { Logger } from '../../runtime/logger.ts';
import type { SchemaDb, StoreDialect } from './columns.ts';
import { StoreError } from './errors.ts';
import type { Store } from './open.ts';

const log = Logger.get('store:migrate');

export interface MigrationContext {
  dialect: StoreDialect;
}

export interface StoreMigration {
  /** Unique and sortable: `NNN-name` (a module's file name without extension). */
  name: string;
  up(db: SchemaDb, ctx: MigrationContext): Promise<void>;
}

/** What a migration module file exports. */
export interface MigrationModule {
  up(db: SchemaDb, ctx: MigrationContext): Promise<void>;
}

export interface MigrationReport {
  /** Applied by this call, in order. */
  applied: string[];
  /** Known and already applied before this call. */
  alreadyApplied: string[];
  /** Recorded in the database but unknown to this code (a newer release wrote them). */
  unknownApplied: string[];
}

export const MIGRATIONS_TABLE = 'ppmid_migrations';
const MIGRATION_NAME = /^[0-9]{3,}-[a-z0-9][a-z0-9-]*$/;
const MODULE_FILE = /^([0-9]{3,}-[a-z0-9][a-z0-9-]*)\.(ts|js|mjs)$/;
const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** Loads every migration module of `dir` (default: ./migrations), sorted by name. */
export async function discoverMigrations(dir: URL = MIGRATIONS_DIR): Promise<StoreMigration[]> {
  const files = readdirSync(dir)
    .filter((f) => MODULE_FILE.test(f) && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .sort();
  const out: StoreMigration[] = [];
  for (const f of files) {
    const name = MODULE_FILE.exec(f)![1];
    const mod = (await import(new URL(f, dir).href)) as Partial<MigrationModule>;
    if (typeof mod.up !== 'function')
      throw new StoreError('STORE_MIGRATION_INVALID', `migration module ${f} does not export up(db, ctx)`);
    out.push({ name, up: mod.up });
  }
  return checkMigrations(out);
}

function checkMigrations(list: readonly StoreMigration[]): StoreMigration[] {
  const seen = new Set<string>();
  for (const m of list) {
    if (!MIGRATION_NAME.test(m.name))
      throw new StoreError(
        'STORE_MIGRATION_INVALID',
        `migration name ${JSON.stringify(m.name)} is not NNN-lower-case-name`,
      );
    if (seen.has(m.name)) throw new StoreError('STORE_MIGRATION_INVALID', `duplicate migration ${m.name}`);
    seen.add(m.name);
  }
  return [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** In one process, migrations of one SQLite file run one after another (better-sqlite3 blocks the thread while it waits for a lock). */
const sqliteChains = new Map<string, Promise<unknown>>();

/**
 * Applies every pending migration (default: the discovered registry).
 * `now` stamps `applied_at` (default: wall clock; migrations are not part of a virtual-time run).
 */
export async function migrate<DB>(
  store: Store<DB>,
  opts: { migrations?: readonly StoreMigration[]; now?: () => number } = {},
): Promise<MigrationReport> {
  const migrations = checkMigrations(opts.migrations ?? (await discoverMigrations()));
  const now = opts.now ?? Date.now;
  const run = () => store.db.connection().execute((conn) => runLocked(conn, store.dialect, migrations, now));
  if (store.dialect !== 'sqlite') return run();
  const key = store.location;
  const prev = sqliteChains.get(key) ?? Promise.resolve();
  const next = prev.then(run, run);
  const tail = next.catch(() => {});
  sqliteChains.set(key, tail);
  try {
    return await next;
  } finally {
    if (sqliteChains.get(key) === tail) sqliteChains.delete(key);
  }
}

async function runLocked(
  conn: SchemaDb,
  dialect: StoreDialect,
  migrations: StoreMigration[],
  now: () => number,
): Promise<MigrationReport> {
  // One advisory lock per schema: test schemas in one database do not wait for each other.
  const lockKey = sql`hashtext(coalesce(current_schema(), '') || ':ppmid-relay:migrations')`;
  if (dialect === 'postgres') await sql`select pg_advisory_lock(${lockKey})`.execute(conn);
  try {
    await sql.raw(dialect === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
    try {
      const report = await applyPending(conn, dialect, migrations, now);
      await sql.raw('commit').execute(conn);
      if (report.applied.length) log.info('migrations applied', { applied: report.applied });
      if (report.unknownApplied.length)
        log.warn('database has migrations this code does not know', { names: report.unknownApplied });
      return report;
    } catch (err) {
      await sql
        .raw('rollback')
        .execute(conn)
        .catch(() => {});
      throw err;
    }
  } finally {
    if (dialect === 'postgres') await sql`select pg_advisory_unlock(${lockKey})`.execute(conn);
  }
}

async function applyPending(
  conn: SchemaDb,
  dialect: StoreDialect,
  migrations: StoreMigration[],
  now: () => number,
): Promise<MigrationReport> {
  await conn.schema
    .createTable(MIGRATIONS_TABLE)
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
  const rows = (await conn.selectFrom(MIGRATIONS_TABLE).select('name').execute()) as { name: string }[];
  const done = new Set(rows.map((r) => r.name));
  const known = new Set(migrations.map((m) => m.name));
  const report: MigrationReport = {
    applied: [],
    alreadyApplied: migrations.filter((m) => done.has(m.name)).map((m) => m.name),
    unknownApplied: [...done].filter((n) => !known.has(n)).sort(),
  };
  for (const m of migrations) {
    if (done.has(m.name)) continue;
    try {
      await m.up(conn, { dialect });
    } catch (err) {
      throw new StoreError(
        'STORE_MIGRATION_FAILED',
        `migration ${m.name} failed on ${dialect}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    await conn.insertInto(MIGRATIONS_TABLE).values({ name: m.name, applied_at: now() }).execute();
    report.applied.push(m.name);
  }
  return report;
}

/** Names of the migrations recorded as applied, in name order. */
export async function appliedMigrations<DB>(store: Store<DB>): Promise<string[]> {
  const rows = (await (store.db as SchemaDb)
    .selectFrom(MIGRATIONS_TABLE)
    .select('name')
    .orderBy('name')
    .execute()) as {
    name: string;
  }[];
  return rows.map((r) => r.name);
}
