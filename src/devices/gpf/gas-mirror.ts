/**
 * The gas mirror: the GSME's data the GPF (inside the Communications Hub)
 * holds so that reads need not wake the sleepy GSME (GBCS: GCS13a, GCS13b,
 * GCS13c, GCS14 may target the GPF). The GSME writes it on every wake
 * (Gsme option `mirror`); the GPF answers reads from the last copy and
 * knows when it was taken.
 */
import { copyReusing, copySharingFrozen } from '../../runtime/freeze.ts';
import { defaultGsmeState, type GsmeState } from '../gsme/gsme.ts';
import { beforeEntriesDropped, type IntervalLog } from '../meter-common/metrology.ts';

export interface GasMirrorSnapshot {
  state: GsmeState;
  /** device time of the GSME's last update (epoch ms); null: never updated (the installed defaults) */
  updatedAt: number | null;
}

/**
 * The installed defaults every mirror starts from, built once and shared
 * (an estate of N homes holds one copy until each GSME first writes its
 * own); frozen, so a read that tried to change it would fail loudly.
 */
let installedDefaults: GsmeState | undefined;
function sharedDefaults(): GsmeState {
  installedDefaults ??= deepFreeze(defaultGsmeState());
  return installedDefaults;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !ArrayBuffer.isView(v) && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * A metrology log's closed entries as the GSME held them at a write: its
 * array (which only ever gains entries at the end and, when full, drops its
 * oldest: `accrue`), how many there were, the first and last of them
 * (frozen objects, for the check) and those the GSME dropped since.
 */
interface EntriesView {
  /** the mirror's copy of the log, whose `entries` the view fills */
  copy: IntervalLog;
  entries: IntervalLog['entries'];
  length: number;
  head: object | undefined;
  tail: object | undefined;
  /** the entries of the write the GSME dropped since, oldest first */
  dropped: IntervalLog['entries'];
}

const NO_ENTRIES: IntervalLog['entries'] = Object.freeze([]) as unknown as IntervalLog['entries'];

/** A log's copy whose `entries` are left to `settle` (NO_ENTRIES until then). */
function copyLogWithoutEntries(log: IntervalLog): IntervalLog {
  const copy = {} as Record<string, unknown>;
  const src = log as unknown as Record<string, unknown>;
  for (const k in src) copy[k] = k === 'entries' ? NO_ENTRIES : copySharingFrozen(src[k]);
  return copy as unknown as IntervalLog;
}

/** As `copyLogWithoutEntries`, a fresh log object whose other members are `prev`'s where equal. */
function copyLogReusing(log: IntervalLog, prev: IntervalLog): IntervalLog {
  const copy = {} as Record<string, unknown>;
  const src = log as unknown as Record<string, unknown>;
  const p = prev as unknown as Record<string, unknown>;
  for (const k in src) copy[k] = k === 'entries' ? NO_ENTRIES : copyReusing(src[k], p[k]);
  return copy as unknown as IntervalLog;
}

export class GasMirror {
  private data: GsmeState;
  /** logs whose entries are taken from the GSME's arrays on the first read after a write */
  private views: EntriesView[] | undefined;
  private at: number | null = null;
  /** how many times the GSME wrote the mirror */
  updates = 0;

  /** Starts with `initial` (copied) or the RTDS GSME's values (what a GPF commissioned with that GSME holds; shared). */
  constructor(initial?: GsmeState) {
    this.data = initial ? structuredClone(initial) : sharedDefaults();
  }

  /**
   * The GSME writes its current data (on each wake): a copy, sharing with
   * the GSME what cannot change (the frozen RTDS tables it still holds, the
   * closed entries of its metrology logs), so a wake does not copy 13
   * months of half-hour profile again.
   */
  update(state: GsmeState, at: number): void {
    this.views = undefined;
    this.data = this.copyOf(state);
    this.at = at;
    this.updates++;
  }

  /**
   * The copy of a write: the metrology logs' closed entries (13 months of
   * half hours) are not copied at the write but noted (`EntriesView`, a
   * few numbers) and taken from the GSME's arrays on the first read, so a
   * wake that nobody reads costs the same on day 400 as on day 1. A log
   * whose noted first or last entry is not frozen is copied at once.
   */
  private copyOf(state: GsmeState): GsmeState {
    // the previous write's copy: what has not changed since is taken from it, not copied again
    const prev = this.data as unknown as Record<string, unknown>;
    const m = state.metrology;
    if (!m) return copyReusing(state, prev);
    const pm = (prev.metrology ?? undefined) as Record<string, unknown> | undefined;
    const prevLogs = (pm?.logs ?? undefined) as Record<string, IntervalLog> | undefined;
    const views: EntriesView[] = [];
    const logs: Record<string, IntervalLog> = {};
    for (const k in m.logs) {
      const log = m.logs[k];
      // the previous copy of the log (its members but `entries`, which `settle` fills in)
      const prevLog = prevLogs?.[k];
      const n = log.entries.length;
      const head = log.entries[0];
      const tail = log.entries[n - 1];
      if (n > 0 && !(Object.isFrozen(head) && Object.isFrozen(tail))) {
        logs[k] = copySharingFrozen(log);
        continue;
      }
      if (n === 0) {
        logs[k] = copySharingFrozen(log);
        continue;
      }
      const copy = prevLog ? copyLogReusing(log, prevLog) : copyLogWithoutEntries(log);
      logs[k] = copy;
      views.push({ copy, entries: log.entries, length: n, head, tail, dropped: [] });
      // the GSME drops its oldest entry when the log is full: the mirror keeps it first
      beforeEntriesDropped(log.entries, this.keepDropped);
    }
    const metrology: Record<string, unknown> = {};
    const mr = m as unknown as Record<string, unknown>;
    for (const k in mr) metrology[k] = k === 'logs' ? logs : copyReusing(mr[k], pm?.[k]);
    const data: Record<string, unknown> = {};
    const sr = state as unknown as Record<string, unknown>;
    for (const k in sr) data[k] = k === 'metrology' ? metrology : copyReusing(sr[k], prev[k]);
    if (views.length) this.views = views;
    return data as unknown as GsmeState;
  }

  /** Before the GSME drops the oldest entry of a noted array: kept, while the write still holds it. */
  private readonly keepDropped = (entries: IntervalLog['entries']): void => {
    let again = false;
    for (const v of this.views ?? [])
      if (v.entries === entries && v.dropped.length < v.length) {
        v.dropped.push(entries[0]!);
        again = v.dropped.length < v.length || again;
      }
    if (again) beforeEntriesDropped(entries, this.keepDropped);
  };

  /** The noted entries: those the GSME dropped since the write, then the rest of the write's from its array. */
  private settle(): void {
    const views = this.views;
    if (!views) return;
    this.views = undefined;
    for (const v of views) {
      const kept = v.length - v.dropped.length;
      const first = v.dropped.length ? v.dropped[0] : v.entries[0];
      if (first !== v.head || (kept > 0 && v.entries[kept - 1] !== v.tail))
        throw new Error(
          'gas mirror: a GSME metrology log changed other than by closing intervals since the last write',
        );
      const rest = v.entries.slice(0, kept);
      v.copy.entries = v.dropped.length ? v.dropped.concat(rest) : rest;
    }
  }

  /** The mirrored data (the GPF's read view: do not change it). */
  get state(): GsmeState {
    this.settle();
    return this.data;
  }

  get updatedAt(): number | null {
    return this.at;
  }

  snapshot(): GasMirrorSnapshot {
    return { state: structuredClone(this.state), updatedAt: this.at };
  }

  restore(s: GasMirrorSnapshot): void {
    this.views = undefined;
    this.data = { ...defaultGsmeState(), ...structuredClone(s.state) };
    this.at = s.updatedAt;
  }
}
