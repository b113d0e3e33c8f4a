/**
 * `KvStore`: namespaced JSON documents in the shared `kv` table (a party's
 * settings, cursors, high-water marks). Values go through json.ts, so bigints
 * and bytes round-trip. Pass a transaction as `db` to take part in it.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../../runtime/clock.ts';
import { fromJsonText, toJsonText } from './json.ts';
import type { Database } from './schema.ts';

export interface KvEntry<T = unknown> {
  key: string;
  value: T;
  updatedAt: number;
}

export class KvStore {
  constructor(
    private readonly db: Kysely<Database>,
    readonly namespace: string,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /** The same namespace bound to another handle (e.g. a transaction). */
  with(db: Kysely<Database>): KvStore {
    return new KvStore(db, this.namespace, this.clock);
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const row = await this.db
      .selectFrom('kv')
      .select('value')
      .where('namespace', '=', this.namespace)
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? fromJsonText<T>(row.value) : undefined;
  }

  async entry<T = unknown>(key: string): Promise<KvEntry<T> | undefined> {
    const row = await this.db
      .selectFrom('kv')
      .select(['key', 'value', 'updated_at'])
      .where('namespace', '=', this.namespace)
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? { key: row.key, value: fromJsonText<T>(row.value), updatedAt: row.updated_at } : undefined;
  }

  /** Inserts or replaces. */
  async put(key: string, value: unknown): Promise<void> {
    const row = { namespace: this.namespace, key, value: toJsonText(value), updated_at: this.clock.now() };
    await this.db
      .insertInto('kv')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['namespace', 'key']).doUpdateSet({ value: row.value, updated_at: row.updated_at }),
      )
      .execute();
  }

  /** Returns whether a value was there. */
  async delete(key: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('kv')
      .where('namespace', '=', this.namespace)
      .where('key', '=', key)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Keys of this namespace in byte order, optionally only those starting with `prefix`. */
  async keys(prefix = ''): Promise<string[]> {
    let q = this.db.selectFrom('kv').select('key').where('namespace', '=', this.namespace);
    // Range instead of LIKE: no escaping, same collation-free behaviour on both engines.
    if (prefix) q = q.where('key', '>=', prefix).where('key', '<', `${prefix}\u{10FFFF}`);
    const rows = await q.orderBy('key').execute();
    return rows.map((r) => r.key);
  }
}
