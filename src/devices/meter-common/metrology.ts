/**
 * Consumption over (virtual) time, for every meter: a deterministic load
 * model and the interval logs a meter records (the half-hour profile data
 * log, a GSME's network data sampling). Pure functions over a JSON-safe
 * state (part of the meter's snapshot); nothing runs on a timer: a meter
 * accrues lazily, up to its device time, whenever it handles a message, is
 * read or wakes (`accrue`). The same times give the same consumption,
 * however often accrual runs in between.
 *
 * Amounts are integers in the meter's register units, per channel (ESME:
 * `activeImport`, `reactiveImport`, ...; GSME: `gas`). The model's amount
 * for a half hour comes from a daily shape (morning and evening peaks) and
 * a stable pseudo-random factor per half hour (seeded by the meter); a part
 * of a half hour gets the pro-rata share, so a whole half hour sums to
 * exactly its amount.
 */

export const HALF_HOUR_MS = 30 * 60 * 1000;
/** the longest span accrued at once (a meter left unread longer loses the oldest part: logs are bounded anyway) */
const MAX_SPAN_MS = 400 * 24 * 3600 * 1000;

/** A meter's load: mean consumption per half hour by channel (register units), and the seed of its variation. */
export interface LoadModel {
  meanPerHalfHour: Readonly<Record<string, number>>;
  seed: string;
}

/** One interval log: entry i covers [first + i * intervalMs, + intervalMs). */
export interface IntervalLog {
  intervalMs: number;
  /** start of the first kept entry (epoch ms, device time) */
  first: number;
  entries: Array<Record<string, number>>;
  /** start of the interval being filled, and what it holds so far */
  openStart: number;
  open: Record<string, number>;
  /** entries kept (the oldest dropped) */
  capacity: number;
  /** a sampling that ends after this many entries (null: rolling) */
  stopAfter: number | null;
}

export interface Metrology {
  /** device time up to which consumption is accrued (epoch ms) */
  accruedTo: number;
  logs: Record<string, IntervalLog>;
}

/** Relative load of each half hour of the day (UTC), mean 1: night low, morning and evening peaks. */
const DAILY_SHAPE: readonly number[] = (() => {
  const raw = Array.from({ length: 48 }, (_, h) => {
    const hour = h / 2;
    const peak = (centre: number, width: number, height: number) =>
      height * Math.exp(-((hour - centre) ** 2) / (2 * width * width));
    return 0.35 + peak(7.5, 1.2, 1.1) + peak(18.5, 1.8, 1.6) + peak(13, 2.5, 0.4);
  });
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
  return raw.map((v) => v / mean);
})();

/** FNV-1a of a string, then a 32-bit mix: a stable factor in [0, 1). */
function unit(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 2 ** 32;
}

/** The model's consumption of `channel` in half hour number `index` (epoch ms / HALF_HOUR_MS). */
export function halfHourAmount(model: LoadModel, channel: string, index: number): number {
  const mean = model.meanPerHalfHour[channel] ?? 0;
  if (mean <= 0) return 0;
  const shape = DAILY_SHAPE[((index % 48) + 48) % 48]!;
  return Math.round(mean * shape * (0.6 + 0.8 * unit(`${model.seed}/${channel}/${index}`)));
}

/** The model's consumption in [t0, t1), both within one half hour. */
function partAmount(model: LoadModel, channel: string, t0: number, t1: number): number {
  const index = Math.floor(t0 / HALF_HOUR_MS);
  const start = index * HALF_HOUR_MS;
  const whole = halfHourAmount(model, channel, index);
  return (
    Math.floor((whole * (t1 - start)) / HALF_HOUR_MS) - Math.floor((whole * (t0 - start)) / HALF_HOUR_MS)
  );
}

/** A new metrology state at device time `now`, recording the half-hour profile (`capacity` entries). */
export function newMetrology(now: number, profileCapacity: number): Metrology {
  const start = Math.floor(now / HALF_HOUR_MS) * HALF_HOUR_MS;
  return { accruedTo: now, logs: { profile: newLog(HALF_HOUR_MS, start, profileCapacity, null) } };
}

export function newLog(
  intervalMs: number,
  start: number,
  capacity: number,
  stopAfter: number | null,
): IntervalLog {
  if (!(intervalMs > 0)) throw new RangeError('interval must be > 0');
  return { intervalMs, first: start, entries: [], openStart: start, open: {}, capacity, stopAfter };
}

function stopped(log: IntervalLog): boolean {
  return log.stopAfter !== null && log.entries.length >= log.stopAfter;
}

function add(log: IntervalLog, channel: string, amount: number, at: number): void {
  if (amount === 0 || stopped(log) || at < log.openStart) return;
  log.open[channel] = (log.open[channel] ?? 0) + amount;
}

/**
 * Whoever holds a log's entries by reference only (the GPF's gas mirror
 * notes the GSME's array at a write and takes the entries on the first
 * read) is called before `accrue` drops the oldest entry of that array, and
 * keeps that entry. Once per registration.
 */
const dropListeners = new WeakMap<object, Set<(entries: IntervalLog['entries']) => void>>();

/** Calls `take(entries)` before the oldest entry of `entries` (a log's array) is next dropped. */
export function beforeEntriesDropped(
  entries: IntervalLog['entries'],
  take: (entries: IntervalLog['entries']) => void,
): void {
  let s = dropListeners.get(entries);
  if (!s) {
    s = new Set();
    dropListeners.set(entries, s);
  }
  s.add(take);
}

function takeBeforeDrop(entries: IntervalLog['entries']): void {
  const s = dropListeners.get(entries);
  if (!s) return;
  dropListeners.delete(entries);
  for (const take of s) take(entries);
}

/** Closes every interval of `log` that ends at or before `t`. */
function close(log: IntervalLog, t: number, channels: readonly string[]): void {
  while (!stopped(log) && log.openStart + log.intervalMs <= t) {
    const entry: Record<string, number> = {};
    for (const c of channels) entry[c] = log.open[c] ?? 0;
    // for-in: the same own keys in the same order as Object.entries, without an array per key
    const open = log.open;
    for (const c in open) entry[c] = open[c];
    if (log.entries.length === 0) log.first = log.openStart;
    // a closed entry never changes: frozen, a copy of the log (the GPF's gas mirror) may share it
    log.entries.push(Object.freeze(entry));
    if (log.entries.length > log.capacity) {
      takeBeforeDrop(log.entries);
      log.entries.shift();
      log.first += log.intervalMs;
    }
    log.openStart += log.intervalMs;
    log.open = {};
  }
}

/**
 * Accrues consumption up to device time `now`: the model's amounts go to
 * `onAmount` with the start of their slice (the meter adds them to its registers) and into every log's
 * open interval; intervals that end are closed as entries. A clock set
 * back: nothing accrues until time passes `accruedTo` again.
 */
export function accrue(
  m: Metrology,
  model: LoadModel | null,
  now: number,
  onAmount: (channel: string, amount: number, at: number) => void,
): void {
  if (now <= m.accruedTo) return;
  let t = Math.max(m.accruedTo, now - MAX_SPAN_MS);
  const channels = Object.keys(model?.meanPerHalfHour ?? {});
  const logs = Object.values(m.logs);
  for (const log of logs)
    if (log.openStart + log.intervalMs <= t && !stopped(log)) {
      // skipped over (MAX_SPAN_MS): restart at the interval holding t
      const skipped = Math.floor((t - log.openStart) / log.intervalMs);
      log.openStart += skipped * log.intervalMs;
      log.open = {};
    }
  while (t < now) {
    let next = Math.min(now, (Math.floor(t / HALF_HOUR_MS) + 1) * HALF_HOUR_MS);
    for (const log of logs)
      if (!stopped(log))
        next = Math.min(next, log.openStart > t ? log.openStart : log.openStart + log.intervalMs);
    if (model)
      for (const c of channels) {
        const a = partAmount(model, c, t, next);
        if (a === 0) continue;
        onAmount(c, a, t);
        for (const log of logs) add(log, c, a, t);
      }
    t = next;
    for (const log of logs) close(log, t, channels);
  }
  m.accruedTo = now;
}

/**
 * Freezes the closed entries of every log of `m` (a state restored from a
 * snapshot or given to a meter holds them as plain copies): as `accrue`
 * freezes an entry when it closes, nothing changes one after, and a copy of
 * the logs (the GPF's gas mirror) may share them.
 */
export function freezeClosedEntries(m: Metrology | null | undefined): void {
  if (!m) return;
  for (const log of Object.values(m.logs)) for (const e of log.entries) Object.freeze(e);
}

/** Consumption that happened now outside the model (a test's backchannel): into every open interval. */
export function recordConsumption(m: Metrology, channel: string, amount: number, now: number): void {
  for (const log of Object.values(m.logs)) add(log, channel, amount, now);
}

/** The entries of `log` with their start times, those starting in [from, to]. */
export function entriesBetween(
  log: IntervalLog,
  from: number,
  to: number,
): Array<{ start: number; values: Record<string, number> }> {
  const out: Array<{ start: number; values: Record<string, number> }> = [];
  log.entries.forEach((values, i) => {
    const start = log.first + i * log.intervalMs;
    if (start >= from && start <= to) out.push({ start, values });
  });
  return out;
}
