/**
 * SECMP0038 DSP-4: the DSP logs every SR whose command it handed out for
 * local delivery (service.ts writes dsp_local_delivery_log) and passes the
 * log to each CSP periodically, as files the CSP can load
 * (local-delivery-csv.ts has the format).
 *
 * `LocalDeliveryExporter` runs on the DSP's Clock: at the end of every
 * period (UTC-aligned, default one day) it writes, for every CSP in the
 * inventory or in that period's log, `<dir>/<csp>/local-delivery-<YYYYMMDD>.csv`
 * (written to a temporary name, then renamed, so a CSP never reads half a
 * file). A period without local deliveries still gets a header-only file,
 * so the CSP can tell "none" from "missing". The same export runs on demand
 * (HTTP GET, CLI).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../../runtime/clock.ts';
import { Logger } from '../../runtime/logger.ts';
import { DspServiceError } from './errors.ts';
import {
  DAY_MS,
  formatLocalDeliveryCsv,
  type LocalDeliveryRecord,
  localDeliveryFileName,
} from './local-delivery-csv.ts';
import type { DspDb } from './tables.ts';

const log = Logger.get('dsp:local-delivery');

/** Local deliveries in [from, to), optionally of one CSP, oldest first. */
export async function queryLocalDeliveries(
  db: DspDb,
  q: { from: number; to: number; csp?: string; user?: string },
): Promise<LocalDeliveryRecord[]> {
  let sel = db
    .selectFrom('dsp_local_delivery_log')
    .selectAll()
    .where('at', '>=', q.from)
    .where('at', '<', q.to);
  if (q.csp !== undefined) sel = sel.where('csp', '=', q.csp);
  if (q.user !== undefined) sel = sel.where('user_eui', '=', q.user);
  const rows = await sel.orderBy('at').orderBy('id').execute();
  return rows.map((r) => ({
    requestId: r.request_id,
    user: r.user_eui,
    target: r.target,
    chf: r.chf,
    csp: r.csp,
    srv: r.srv,
    cv: Number(r.cv) as 2 | 3 | 6 | 7,
    issuedAt: Number(r.at),
    gbcsSha256: r.gbcs_sha256,
  }));
}

/** The CSP names seen in the log in [from, to). */
export async function localDeliveryCsps(db: DspDb, from: number, to: number): Promise<string[]> {
  const rows = await db
    .selectFrom('dsp_local_delivery_log')
    .select('csp')
    .distinct()
    .where('at', '>=', from)
    .where('at', '<', to)
    .execute();
  return rows.map((r) => r.csp).sort();
}

const CSP_DIR = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Writes one CSP's file for the period starting at `from`; returns its path. */
export function writeLocalDeliveryFile(
  dir: string,
  csp: string,
  from: number,
  periodMs: number,
  records: readonly LocalDeliveryRecord[],
): string {
  if (!CSP_DIR.test(csp))
    throw new DspServiceError('DSP_CONFIG', `CSP name ${JSON.stringify(csp)} cannot name a folder`);
  const folder = join(dir, csp);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, localDeliveryFileName(from, periodMs));
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, formatLocalDeliveryCsv(records));
  renameSync(tmp, path);
  return path;
}

export interface LocalDeliveryExporterOptions {
  /** Root folder; one sub-folder per CSP. */
  dir: string;
  /** Period length (default one day); periods are aligned to multiples of it since the epoch (UTC). */
  periodMs?: number;
  /** CSPs to write a file for every period even without deliveries (default: the inventory's). */
  csps?: () => readonly string[];
}

export class LocalDeliveryExporter {
  readonly dir: string;
  readonly periodMs: number;
  #timer: TimerHandle | undefined;
  #running: Promise<unknown> = Promise.resolve();
  /** Files written by the periodic job, newest last. */
  readonly written: string[] = [];
  lastError: unknown;

  constructor(
    private readonly clock: Clock,
    private readonly source: { db: DspDb; flush(): Promise<void>; inventory: { csps(): string[] } },
    private readonly opts: LocalDeliveryExporterOptions,
  ) {
    this.dir = opts.dir;
    this.periodMs = opts.periodMs ?? DAY_MS;
    if (!(this.periodMs >= 1000)) throw new DspServiceError('DSP_CONFIG', 'export period must be >= 1 s');
  }

  /** Schedules the export at the end of the current period, and every period after. */
  start(): void {
    this.stop();
    const now = this.clock.now();
    const end = Math.floor(now / this.periodMs) * this.periodMs + this.periodMs;
    this.#timer = this.clock.setTimer(end - now, () => this.#tick(end), 'dsp-local-delivery-export');
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #tick(end: number): void {
    this.#timer = this.clock.setTimer(
      end + this.periodMs - this.clock.now(),
      () => this.#tick(end + this.periodMs),
      'dsp-local-delivery-export',
    );
    const from = end - this.periodMs;
    this.#running = this.#running
      .then(() => this.exportPeriod(from))
      .then(
        (files) => {
          this.written.push(...files);
          log.info('local-delivery log exported', {
            from: new Date(from).toISOString(),
            files: files.length,
          });
        },
        (e: unknown) => {
          this.lastError = e;
          log.error('local-delivery export failed', { error: e instanceof Error ? e.message : String(e) });
        },
      );
  }

  /** Writes every CSP's file for the period starting at `from` (after the DSP's pending writes). */
  async exportPeriod(from: number): Promise<string[]> {
    await this.source.flush();
    const to = from + this.periodMs;
    const csps = new Set([
      ...(this.opts.csps?.() ?? this.source.inventory.csps()),
      ...(await localDeliveryCsps(this.source.db, from, to)),
    ]);
    const files: string[] = [];
    for (const csp of [...csps].sort()) {
      const records = await queryLocalDeliveries(this.source.db, { from, to, csp });
      files.push(writeLocalDeliveryFile(this.dir, csp, from, this.periodMs, records));
    }
    return files;
  }

  /** Resolves when the periodic exports started so far have finished. */
  async idle(): Promise<void> {
    await this.#running;
  }
}
