/**
 * The CHM's queries over its tables (040-chm.ts), identical on SQLite and
 * PostgreSQL (Kysely; conventions of adapters/store/columns.ts). Rows come
 * out as the camelCase records the API and the dashboard show.
 */
import { type Kysely, sql, type Updateable } from 'kysely';
import { fromSqlBool, sqlBool, u64FromText, u64ToText } from '../../adapters/store/columns.ts';
import type { Store } from '../../adapters/store/open.ts';
import type { ChmTables } from './tables.ts';

/** A CH mode as the CHM tracks it (CSP-3). */
export type ChMode = 'normal' | 'block-pending' | 'standalone' | 'unblock-pending';

export interface ChmAlert {
  id: number;
  receivedAt: number;
  alertAt: number | null;
  chf: string;
  originator: string;
  counter: string;
  messageCode: number;
  alertCode: number | null;
  alertType: string;
  name: string;
  critical: boolean;
  provisional: boolean;
  ppmid: string | null;
  reason: string | null;
  target: string | null;
  detail: Record<string, unknown>;
  signature: string;
  mac: string;
  verified: boolean;
}

export interface IsolationPeriod {
  id: number;
  chf: string;
  startedAt: number;
  endedAt: number | null;
  startedBy: string;
  endedBy: string | null;
}

export interface ChmCh {
  chf: string;
  mode: ChMode;
  modeSince: number;
  standaloneSince: number | null;
  /** A20: an operator marked the CH cleared (security concerns addressed) */
  cleared: boolean;
  clearedAt: number | null;
  clearedBy: string | null;
  clearNote: string | null;
  /** A22: the CH ran isolated at some time (kept for the returns process) */
  ranIsolated: boolean;
  firstSeen: number;
  lastAlertAt: number | null;
  lastPpmidConnectedAt: number | null;
  ppmidConnected: number;
  relayRejected: number;
  updatedAt: number;
}

export type CommandStatus =
  | 'queued'
  | 'delivered'
  | 'succeeded'
  | 'failed'
  | 'expired'
  | 'dropped'
  | 'unknown-ch';

export interface ChmCommand {
  id: number;
  chf: string;
  action: 'block' | 'unblock';
  requestId: string;
  counter: string;
  operator: string;
  note: string | null;
  issuedAt: number;
  status: CommandStatus;
  wanOutcome: string | null;
  wanOutcomeAt: number | null;
  respondedAt: number | null;
  result: number | null;
  gbcsHex: string;
}

export interface AlertFilter {
  chf?: string;
  /** one alert type or several */
  type?: string | string[];
  /** received_at >= from (epoch ms) */
  from?: number;
  /** received_at < to (epoch ms) */
  to?: number;
  /** only verified (true) or only unverified (false) alerts */
  verified?: boolean;
}

export interface LocalDeliveryRow {
  at: number;
  requestId: string;
  userEui: string;
  target: string;
  chf: string;
  csp: string;
  srv: string;
  cv: number;
  gbcsSha256: string;
}

export interface DspImport {
  id: number;
  fileName: string;
  sha256: string;
  rows: number;
  added: number;
  duplicates: number;
  importedAt: number;
}

const DAY = 86_400_000;

type Db = Kysely<ChmTables>;

function parseJson(s: string): Record<string, unknown> {
  try {
    const v = JSON.parse(s);
    return v && typeof v === 'object' ? v : { value: v };
  } catch {
    return { unparsable: s };
  }
}

export class ChmRepository {
  readonly db: Db;
  constructor(readonly store: Store) {
    this.db = store.db.withTables<ChmTables>() as unknown as Db;
  }

  // ------------------------------------------------------------ alerts

  /** Inserts an alert; `duplicate` when exactly these bytes were stored before. */
  async insertAlert(
    a: Omit<ChmAlert, 'id'> & { sha256: string; gbcsHex: string },
    db: Db = this.db,
  ): Promise<{ id: number; duplicate: boolean }> {
    const existing = await db
      .selectFrom('chm_alerts')
      .select('id')
      .where('sha256', '=', a.sha256)
      .executeTakeFirst();
    if (existing) return { id: existing.id, duplicate: true };
    const r = await db
      .insertInto('chm_alerts')
      .values({
        received_at: a.receivedAt,
        alert_at: a.alertAt,
        chf: a.chf,
        originator: a.originator,
        counter: u64ToText(BigInt(a.counter)),
        message_code: a.messageCode,
        alert_code: a.alertCode,
        alert_type: a.alertType,
        name: a.name,
        critical: sqlBool(a.critical),
        provisional: sqlBool(a.provisional),
        ppmid: a.ppmid,
        reason: a.reason,
        target: a.target,
        detail: JSON.stringify(a.detail),
        signature: a.signature,
        mac: a.mac,
        verified: sqlBool(a.verified),
        sha256: a.sha256,
        gbcs_hex: a.gbcsHex,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: Number(r.id), duplicate: false };
  }

  private alertRow(r: ChmTables['chm_alerts'] & { id: number }): ChmAlert {
    return {
      id: Number(r.id),
      receivedAt: r.received_at,
      alertAt: r.alert_at,
      chf: r.chf,
      originator: r.originator,
      counter: u64FromText(r.counter).toString(),
      messageCode: r.message_code,
      alertCode: r.alert_code,
      alertType: r.alert_type,
      name: r.name,
      critical: fromSqlBool(r.critical),
      provisional: fromSqlBool(r.provisional),
      ppmid: r.ppmid,
      reason: r.reason,
      target: r.target,
      detail: parseJson(r.detail),
      signature: r.signature,
      mac: r.mac,
      verified: fromSqlBool(r.verified),
    };
  }

  // biome-ignore lint/suspicious/noExplicitAny: a Kysely select builder over chm_alerts, narrowed by the filter
  private filterAlerts<Q extends { where: (...a: any[]) => Q }>(q: Q, f: AlertFilter): Q {
    if (f.chf) q = q.where('chf', '=', f.chf);
    if (f.type !== undefined) {
      const types = Array.isArray(f.type) ? f.type : [f.type];
      if (types.length) q = q.where('alert_type', 'in', types);
    }
    if (f.from !== undefined) q = q.where('received_at', '>=', f.from);
    if (f.to !== undefined) q = q.where('received_at', '<', f.to);
    if (f.verified !== undefined) q = q.where('verified', '=', sqlBool(f.verified));
    return q;
  }

  /** Alerts matching the filter, newest first. */
  async alerts(f: AlertFilter, page: { limit?: number; offset?: number } = {}): Promise<ChmAlert[]> {
    let q = this.filterAlerts(this.db.selectFrom('chm_alerts').selectAll(), f)
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc');
    if (page.limit !== undefined) q = q.limit(page.limit);
    if (page.offset) q = q.offset(page.offset);
    return (await q.execute()).map((r) => this.alertRow(r as never));
  }

  async alertById(id: number): Promise<ChmAlert | undefined> {
    const r = await this.db.selectFrom('chm_alerts').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? this.alertRow(r as never) : undefined;
  }

  async alertBytes(id: number): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('chm_alerts')
      .select('gbcs_hex')
      .where('id', '=', id)
      .executeTakeFirst();
    return r?.gbcs_hex;
  }

  async countAlerts(f: AlertFilter): Promise<number> {
    const r = await this.filterAlerts(
      this.db.selectFrom('chm_alerts').select((eb) => eb.fn.countAll<number>().as('n')),
      f,
    ).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Alerts per type (the dashboards' charts). */
  async alertCountsByType(f: AlertFilter): Promise<Array<{ alertType: string; count: number }>> {
    const rows = await this.filterAlerts(
      this.db.selectFrom('chm_alerts').select(['alert_type', (eb) => eb.fn.countAll<number>().as('n')]),
      f,
    )
      .groupBy('alert_type')
      .orderBy('alert_type')
      .execute();
    return rows.map((r) => ({ alertType: r.alert_type, count: Number(r.n) }));
  }

  /** When the first alert matching the filter arrived (undefined: none). */
  async firstAlertAt(f: AlertFilter): Promise<number | undefined> {
    const r = await this.filterAlerts(
      this.db.selectFrom('chm_alerts').select((eb) => eb.fn.min('received_at').as('first')),
      f,
    ).executeTakeFirst();
    return r?.first === null || r?.first === undefined ? undefined : Number(r.first);
  }

  /** Alerts per type per time bucket of `bucketMs` (from the epoch, UTC), oldest first. */
  async alertsOverTime(
    f: AlertFilter,
    bucketMs: number,
  ): Promise<Array<{ start: number; alertType: string; count: number }>> {
    if (!(Number.isInteger(bucketMs) && bucketMs > 0))
      throw new RangeError('bucketMs must be a positive integer');
    const bucket = sql<number>`(received_at / ${sql.lit(bucketMs)})`;
    const rows = await this.filterAlerts(
      this.db
        .selectFrom('chm_alerts')
        .select([bucket.as('b'), 'alert_type', (eb) => eb.fn.countAll<number>().as('n')]),
      f,
    )
      .groupBy([bucket, 'alert_type'])
      .orderBy(bucket)
      .orderBy('alert_type')
      .execute();
    return rows.map((r) => ({
      start: Math.floor(Number(r.b)) * bucketMs,
      alertType: r.alert_type,
      count: Number(r.n),
    }));
  }

  /** 3.1.3 report: alerts per CH per type per UTC day. */
  async alertsPerDay(
    f: AlertFilter,
  ): Promise<Array<{ day: string; chf: string; alertType: string; count: number }>> {
    const dayExpr = sql<number>`(received_at / ${sql.lit(DAY)})`;
    const rows = await this.filterAlerts(
      this.db
        .selectFrom('chm_alerts')
        .select([dayExpr.as('day'), 'chf', 'alert_type', (eb) => eb.fn.countAll<number>().as('n')]),
      f,
    )
      .groupBy([dayExpr, 'chf', 'alert_type'])
      .orderBy(dayExpr)
      .orderBy('chf')
      .orderBy('alert_type')
      .execute();
    return rows.map((r) => ({
      day: new Date(Number(r.day) * DAY).toISOString().slice(0, 10),
      chf: r.chf,
      alertType: r.alert_type,
      count: Number(r.n),
    }));
  }

  // ------------------------------------------------------------ CHs

  private chRow(r: ChmTables['chm_ch']): ChmCh {
    return {
      chf: r.chf,
      mode: r.mode as ChMode,
      modeSince: r.mode_since,
      standaloneSince: r.standalone_since,
      cleared: fromSqlBool(r.cleared),
      clearedAt: r.cleared_at,
      clearedBy: r.cleared_by,
      clearNote: r.clear_note,
      ranIsolated: fromSqlBool(r.ran_isolated),
      firstSeen: r.first_seen,
      lastAlertAt: r.last_alert_at,
      lastPpmidConnectedAt: r.last_ppmid_connected_at,
      ppmidConnected: r.ppmid_connected,
      relayRejected: r.relay_rejected,
      updatedAt: r.updated_at,
    };
  }

  async ch(chf: string, db: Db = this.db): Promise<ChmCh | undefined> {
    const r = await db.selectFrom('chm_ch').selectAll().where('chf', '=', chf).executeTakeFirst();
    return r ? this.chRow(r) : undefined;
  }

  /** The CH's row, created (mode normal) when the CHM first hears of it. */
  async ensureCh(chf: string, now: number, db: Db = this.db): Promise<ChmCh> {
    const found = await this.ch(chf, db);
    if (found) return found;
    const row: ChmTables['chm_ch'] = {
      chf,
      mode: 'normal',
      mode_since: now,
      standalone_since: null,
      cleared: 0,
      cleared_at: null,
      cleared_by: null,
      clear_note: null,
      ran_isolated: 0,
      first_seen: now,
      last_alert_at: null,
      last_ppmid_connected_at: null,
      ppmid_connected: 0,
      relay_rejected: 0,
      updated_at: now,
    };
    await db.insertInto('chm_ch').values(row).execute();
    return this.chRow(row);
  }

  async updateCh(chf: string, patch: Partial<ChmCh>, now: number, db: Db = this.db): Promise<void> {
    const m: Partial<ChmTables['chm_ch']> = { updated_at: now };
    if (patch.mode !== undefined) m.mode = patch.mode;
    if (patch.modeSince !== undefined) m.mode_since = patch.modeSince;
    if (patch.standaloneSince !== undefined) m.standalone_since = patch.standaloneSince;
    if (patch.cleared !== undefined) m.cleared = sqlBool(patch.cleared);
    if (patch.clearedAt !== undefined) m.cleared_at = patch.clearedAt;
    if (patch.clearedBy !== undefined) m.cleared_by = patch.clearedBy;
    if (patch.clearNote !== undefined) m.clear_note = patch.clearNote;
    if (patch.ranIsolated !== undefined) m.ran_isolated = sqlBool(patch.ranIsolated);
    if (patch.lastAlertAt !== undefined) m.last_alert_at = patch.lastAlertAt;
    if (patch.lastPpmidConnectedAt !== undefined) m.last_ppmid_connected_at = patch.lastPpmidConnectedAt;
    if (patch.ppmidConnected !== undefined) m.ppmid_connected = patch.ppmidConnected;
    if (patch.relayRejected !== undefined) m.relay_rejected = patch.relayRejected;
    await db.updateTable('chm_ch').set(m).where('chf', '=', chf).execute();
  }

  async chs(f: { mode?: ChMode[]; ranIsolated?: boolean } = {}): Promise<ChmCh[]> {
    let q = this.db.selectFrom('chm_ch').selectAll();
    if (f.mode?.length) q = q.where('mode', 'in', f.mode);
    if (f.ranIsolated !== undefined) q = q.where('ran_isolated', '=', sqlBool(f.ranIsolated));
    return (await q.orderBy('chf').execute()).map((r) => this.chRow(r));
  }

  // ------------------------------------------------------------ isolation periods (A22)

  async openIsolation(chf: string, at: number, by: string, db: Db = this.db): Promise<boolean> {
    const open = await db
      .selectFrom('chm_isolation_periods')
      .select('id')
      .where('chf', '=', chf)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    if (open) return false;
    await db
      .insertInto('chm_isolation_periods')
      .values({ chf, started_at: at, ended_at: null, started_by: by, ended_by: null })
      .execute();
    return true;
  }

  async closeIsolation(chf: string, at: number, by: string, db: Db = this.db): Promise<boolean> {
    const r = await db
      .updateTable('chm_isolation_periods')
      .set({ ended_at: at, ended_by: by })
      .where('chf', '=', chf)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async isolationPeriods(
    f: { chf?: string; overlapFrom?: number; overlapTo?: number } = {},
  ): Promise<IsolationPeriod[]> {
    let q = this.db.selectFrom('chm_isolation_periods').selectAll();
    if (f.chf) q = q.where('chf', '=', f.chf);
    if (f.overlapTo !== undefined) q = q.where('started_at', '<', f.overlapTo);
    if (f.overlapFrom !== undefined) {
      const from = f.overlapFrom;
      q = q.where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', from)]));
    }
    const rows = await q.orderBy('chf').orderBy('started_at').execute();
    return rows.map((r) => ({
      id: Number(r.id),
      chf: r.chf,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      startedBy: r.started_by,
      endedBy: r.ended_by,
    }));
  }

  // ------------------------------------------------------------ commands

  private commandRow(r: ChmTables['chm_commands'] & { id: number }): ChmCommand {
    return {
      id: Number(r.id),
      chf: r.chf,
      action: r.action as ChmCommand['action'],
      requestId: r.request_id,
      counter: u64FromText(r.counter).toString(),
      operator: r.operator,
      note: r.note,
      issuedAt: r.issued_at,
      status: r.status as CommandStatus,
      wanOutcome: r.wan_outcome,
      wanOutcomeAt: r.wan_outcome_at,
      respondedAt: r.responded_at,
      result: r.result,
      gbcsHex: r.gbcs_hex,
    };
  }

  async insertCommand(c: Omit<ChmCommand, 'id'>, db: Db = this.db): Promise<ChmCommand> {
    const r = await db
      .insertInto('chm_commands')
      .values({
        chf: c.chf,
        action: c.action,
        request_id: c.requestId,
        counter: u64ToText(BigInt(c.counter)),
        operator: c.operator,
        note: c.note,
        issued_at: c.issuedAt,
        status: c.status,
        wan_outcome: c.wanOutcome,
        wan_outcome_at: c.wanOutcomeAt,
        responded_at: c.respondedAt,
        result: c.result,
        gbcs_hex: c.gbcsHex,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ...c, id: Number(r.id) };
  }

  async updateCommand(
    requestId: string,
    patch: Partial<Pick<ChmCommand, 'status' | 'wanOutcome' | 'wanOutcomeAt' | 'respondedAt' | 'result'>>,
    db: Db = this.db,
  ): Promise<void> {
    const m: Updateable<ChmTables['chm_commands']> = {};
    if (patch.status !== undefined) m.status = patch.status;
    if (patch.wanOutcome !== undefined) m.wan_outcome = patch.wanOutcome;
    if (patch.wanOutcomeAt !== undefined) m.wan_outcome_at = patch.wanOutcomeAt;
    if (patch.respondedAt !== undefined) m.responded_at = patch.respondedAt;
    if (patch.result !== undefined) m.result = patch.result;
    await db.updateTable('chm_commands').set(m).where('request_id', '=', requestId).execute();
  }

  async command(requestId: string, db: Db = this.db): Promise<ChmCommand | undefined> {
    const r = await db
      .selectFrom('chm_commands')
      .selectAll()
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    return r ? this.commandRow(r as never) : undefined;
  }

  async commandByCounter(chf: string, counter: bigint, db: Db = this.db): Promise<ChmCommand | undefined> {
    const r = await db
      .selectFrom('chm_commands')
      .selectAll()
      .where('chf', '=', chf)
      .where('counter', '=', u64ToText(counter))
      .executeTakeFirst();
    return r ? this.commandRow(r as never) : undefined;
  }

  /** The CH's Block or Unblock still waiting for its outcome. */
  async pendingCommand(chf: string, db: Db = this.db): Promise<ChmCommand | undefined> {
    const r = await db
      .selectFrom('chm_commands')
      .selectAll()
      .where('chf', '=', chf)
      .where('status', 'in', ['queued', 'delivered'])
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return r ? this.commandRow(r as never) : undefined;
  }

  async commands(f: { chf?: string; limit?: number } = {}): Promise<ChmCommand[]> {
    let q = this.db.selectFrom('chm_commands').selectAll();
    if (f.chf) q = q.where('chf', '=', f.chf);
    q = q.orderBy('id', 'desc');
    if (f.limit !== undefined) q = q.limit(f.limit);
    return (await q.execute()).map((r) => this.commandRow(r as never));
  }

  // ------------------------------------------------------------ DSP-4 local-delivery logs (CSP-4)

  async importByHash(sha256: string): Promise<DspImport | undefined> {
    const r = await this.db
      .selectFrom('chm_dsp_imports')
      .selectAll()
      .where('sha256', '=', sha256)
      .executeTakeFirst();
    return r ? this.importRow(r as never) : undefined;
  }

  private importRow(r: ChmTables['chm_dsp_imports'] & { id: number }): DspImport {
    return {
      id: Number(r.id),
      fileName: r.file_name,
      sha256: r.sha256,
      rows: r.rows,
      added: r.added,
      duplicates: r.duplicates,
      importedAt: r.imported_at,
    };
  }

  /** Stores one file's rows in one transaction; rows already known (same request and command) are counted as duplicates. */
  async importLocalDeliveries(
    file: { fileName: string; sha256: string; importedAt: number },
    rows: LocalDeliveryRow[],
  ): Promise<DspImport> {
    return this.db.transaction().execute(async (tx) => {
      const imp = await tx
        .insertInto('chm_dsp_imports')
        .values({
          file_name: file.fileName,
          sha256: file.sha256,
          rows: rows.length,
          added: 0,
          duplicates: 0,
          imported_at: file.importedAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const importId = Number(imp.id);
      let added = 0;
      for (const r of rows) {
        const res = await tx
          .insertInto('chm_local_deliveries')
          .values({
            import_id: importId,
            at: r.at,
            request_id: r.requestId,
            user_eui: r.userEui,
            target: r.target,
            chf: r.chf,
            csp: r.csp,
            srv: r.srv,
            cv: r.cv,
            gbcs_sha256: r.gbcsSha256,
          })
          .onConflict((oc) => oc.columns(['request_id', 'gbcs_sha256']).doNothing())
          .executeTakeFirst();
        added += Number(res.numInsertedOrUpdatedRows ?? 0n);
      }
      await tx
        .updateTable('chm_dsp_imports')
        .set({ added, duplicates: rows.length - added })
        .where('id', '=', importId)
        .execute();
      return {
        id: importId,
        fileName: file.fileName,
        sha256: file.sha256,
        rows: rows.length,
        added,
        duplicates: rows.length - added,
        importedAt: file.importedAt,
      };
    });
  }

  async imports(): Promise<DspImport[]> {
    const rows = await this.db.selectFrom('chm_dsp_imports').selectAll().orderBy('id', 'desc').execute();
    return rows.map((r) => this.importRow(r as never));
  }

  async localDeliveries(f: { from?: number; to?: number; chf?: string } = {}): Promise<LocalDeliveryRow[]> {
    let q = this.db.selectFrom('chm_local_deliveries').selectAll();
    if (f.from !== undefined) q = q.where('at', '>=', f.from);
    if (f.to !== undefined) q = q.where('at', '<', f.to);
    if (f.chf) q = q.where('chf', '=', f.chf);
    const rows = await q.orderBy('at').orderBy('id').execute();
    return rows.map((r) => ({
      at: r.at,
      requestId: r.request_id,
      userEui: r.user_eui,
      target: r.target,
      chf: r.chf,
      csp: r.csp,
      srv: r.srv,
      cv: r.cv,
      gbcsSha256: r.gbcs_sha256,
    }));
  }
}
