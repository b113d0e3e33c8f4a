/**
 * `EventLog`: the shared append-only `events` table. Ids increase with every
 * append, so a reader keeps the last id it saw as its cursor (`afterId`).
 * Times come from the writer's Clock (virtual time in simulations).
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../../runtime/clock.ts';
import { fromJsonText, toJsonText } from './json.ts';
import type { Database } from './schema.ts';

export interface StoredEvent<T = unknown> {
  id: number;
  at: number;
  source: string;
  kind: string;
  data: T;
}

export interface EventQuery {
  /** Only events with id > afterId (a reader's cursor). */
  afterId?: number;
  source?: string;
  kind?: string;
  /** Only events at or after this time (epoch ms). */
  since?: number;
  /** Only events before this time (epoch ms). */
  until?: number;
  /** Default 1000. */
  limit?: number;
}

export class EventLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  with(db: Kysely<Database>): EventLog {
    return new EventLog(db, this.clock);
  }

  /** Appends one event; returns its id. */
  async append(source: string, kind: string, data: unknown, at = this.clock.now()): Promise<number> {
    const row = await this.db
      .insertInto('events')
      .values({ at, source, kind, json: toJsonText(data) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** Events in id order. */
  async list<T = unknown>(q: EventQuery = {}): Promise<StoredEvent<T>[]> {
    let sel = this.db.selectFrom('events').selectAll();
    if (q.afterId !== undefined) sel = sel.where('id', '>', q.afterId);
    if (q.source !== undefined) sel = sel.where('source', '=', q.source);
    if (q.kind !== undefined) sel = sel.where('kind', '=', q.kind);
    if (q.since !== undefined) sel = sel.where('at', '>=', q.since);
    if (q.until !== undefined) sel = sel.where('at', '<', q.until);
    const rows = await sel
      .orderBy('id')
      .limit(q.limit ?? 1000)
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      at: r.at,
      source: r.source,
      kind: r.kind,
      data: fromJsonText<T>(r.json),
    }));
  }

  /** Number of events matching source/kind (all when omitted). */
  async count(q: Pick<EventQuery, 'source' | 'kind'> = {}): Promise<number> {
    let sel = this.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n'));
    if (q.source !== undefined) sel = sel.where('source', '=', q.source);
    if (q.kind !== undefined) sel = sel.where('kind', '=', q.kind);
    const row = await sel.executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
