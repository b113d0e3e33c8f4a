/**
 * Storage adapter (ARCHITECTURE "Store (SQL)"): one Kysely query layer over
 * SQLite (embedded default) and PostgreSQL (`DATABASE_URL`), a migration
 * registry every party adds to, and shared `kv` / `events` tables.
 * Test helpers (`openTestStore`, `forEachStoreKind`) are in ./testing.ts.
 */
export {
  addIdColumn,
  COL,
  dialectOf,
  fromSqlBool,
  type SchemaDb,
  type SqlBool,
  type StoreDialect,
  sqlBool,
  u64FromText,
  u64ToText,
} from './columns.ts';
export { StoreError, type StoreErrorCode } from './errors.ts';
export { EventLog, type EventQuery, type StoredEvent } from './events.ts';
export { fromJsonText, toJsonText } from './json.ts';
export { type KvEntry, KvStore } from './kv.ts';
export {
  appliedMigrations,
  discoverMigrations,
  MIGRATIONS_TABLE,
  type MigrationContext,
  type MigrationModule,
  type MigrationReport,
  migrate,
  type StoreMigration,
} from './migrate.ts';
export {
  maskUrl,
  type OpenStoreOptions,
  openStore,
  SQLITE_FILE_NAME,
  type Store,
  storeOptionsFromEnv,
  withDefaultPgUser,
} from './open.ts';
export type { Database, EventsTable, KvTable, MigrationsTable } from './schema.ts';
