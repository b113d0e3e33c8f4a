/**
 * Fresh, isolated databases for tests.
 *
 * - `sqlite`: a file in a new temporary directory (removed on close).
 * - `postgres`: a new SCHEMA in the database at `TEST_DATABASE_URL` (default
 *   postgres://127.0.0.1:5432/test), used through `search_path` and dropped
 *   on close. If PostgreSQL is unreachable the test FAILS with a message
 *   saying so; `PPMID_SKIP_POSTGRES=1` skips the PostgreSQL variants
 *   explicitly (forEachStoreKind reports the reason).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'node:test';
import pg from 'pg';
import type { StoreDialect } from './columns.ts';
import { StoreError } from './errors.ts';
import { migrate, type StoreMigration } from './migrate.ts';
import { type OpenStoreOptions, openStore, type Store, withDefaultPgUser } from './open.ts';

export type StoreKind = StoreDialect;
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://127.0.0.1:5432/test';

/** Why PostgreSQL tests are skipped, or undefined when they must run. */
export function postgresSkipReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.PPMID_SKIP_POSTGRES === '1'
    ? 'PostgreSQL variant skipped: PPMID_SKIP_POSTGRES=1 is set'
    : undefined;
}

export interface TestStore extends Store {
  readonly kind: StoreKind;
  /** Options that open this same database (a second handle, or a child process). */
  readonly openOptions: OpenStoreOptions;
  /** Another handle on the same database, as a second process would have; closed with this one. */
  openSibling(): Promise<Store>;
  /** Closes every handle, then drops the schema (PostgreSQL) or deletes the directory (SQLite). */
  close(): Promise<void>;
}

export interface OpenTestStoreOptions {
  /** Run migrations first: true (default) for the discovered registry, false for none, or an explicit list. */
  migrate?: boolean | readonly StoreMigration[];
}

let seq = 0;

export async function openTestStore(kind: StoreKind, opts: OpenTestStoreOptions = {}): Promise<TestStore> {
  const t = kind === 'sqlite' ? await sqliteTestStore() : await postgresTestStore();
  try {
    if (opts.migrate !== false)
      await migrate(
        t,
        opts.migrate === true || opts.migrate === undefined ? {} : { migrations: opts.migrate },
      );
  } catch (err) {
    await t.close();
    throw err;
  }
  return t;
}

function wrap(
  kind: StoreKind,
  store: Store,
  openOptions: OpenStoreOptions,
  cleanup: () => Promise<void>,
): TestStore {
  const siblings: Store[] = [];
  let closed = false;
  return {
    kind,
    db: store.db,
    dialect: store.dialect,
    location: store.location,
    pgSchema: store.pgSchema,
    ...(store.sqlite ? { sqlite: store.sqlite } : {}),
    openOptions,
    async openSibling() {
      const s = await openStore(openOptions);
      siblings.push(s);
      return s;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        for (const s of siblings) await s.close();
        await store.close();
      } finally {
        await cleanup();
      }
    },
  };
}

async function sqliteTestStore(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'ppmid-store-'));
  const openOptions: OpenStoreOptions = { dataDir: dir };
  const store = await openStore(openOptions);
  return wrap('sqlite', store, openOptions, async () => rmSync(dir, { recursive: true, force: true }));
}

async function postgresTestStore(): Promise<TestStore> {
  const admin = new pg.Client({ connectionString: withDefaultPgUser(TEST_DATABASE_URL) });
  try {
    await admin.connect();
  } catch (err) {
    await admin.end().catch(() => {});
    throw new StoreError(
      'STORE_UNREACHABLE',
      `cannot connect to the PostgreSQL for tests at TEST_DATABASE_URL=${TEST_DATABASE_URL} ` +
        `(${err instanceof Error ? err.message || (err as NodeJS.ErrnoException).code : String(err)}). ` +
        'Start it, point TEST_DATABASE_URL at one, or set PPMID_SKIP_POSTGRES=1 to skip the PostgreSQL variants explicitly.',
      { cause: err },
    );
  }
  const schema = `t_${process.pid}_${++seq}_${randomBytes(4).toString('hex')}`;
  await admin.query(`create schema ${schema}`);
  const openOptions: OpenStoreOptions = { databaseUrl: TEST_DATABASE_URL, pgSchema: schema, poolMax: 4 };
  let store: Store;
  try {
    store = await openStore(openOptions);
  } catch (err) {
    await admin.query(`drop schema if exists ${schema} cascade`).catch(() => {});
    await admin.end();
    throw err;
  }
  return wrap('postgres', store, openOptions, async () => {
    try {
      await admin.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await admin.end();
    }
  });
}

/**
 * Declares the same tests once per store kind:
 *
 *   forEachStoreKind((kind, open) => {
 *     it('round-trips', async (t) => { const s = await open(); t.after(() => s.close()); ... });
 *   });
 *
 * The PostgreSQL block is skipped (visibly, with the reason) only when
 * PPMID_SKIP_POSTGRES=1; otherwise an unreachable server fails each test.
 */
export function forEachStoreKind(
  fn: (kind: StoreKind, open: (opts?: OpenTestStoreOptions) => Promise<TestStore>) => void,
): void {
  for (const kind of STORE_KINDS) {
    const skip = kind === 'postgres' ? postgresSkipReason() : undefined;
    describe(`[${kind}]`, skip ? { skip } : {}, () => fn(kind, (opts) => openTestStore(kind, opts)));
  }
}
