/**
 * The ESME's import Daily Read Log (ECS21a, DUIS 4.6.1, read through Data
 * Protection 0-0:43.2.5.255), recorded as a real meter records it: at every
 * midnight (UTC) of the device clock an entry with the import register(s)
 * as they stood at midnight (with metrology, consumption is accrued up to
 * midnight first; esme.ts `advance`). Event-driven like the GSME's
 * snapshots (gsme/snapshots.ts): nothing runs on a timer; the midnights
 * passed since the meter last advanced are recorded, in order, when it next
 * handles a message, is read or wakes.
 *
 * The log (GBCS V3.1 use-case tables, ECS21a "DailyReadLog(excExport)"):
 * the class 7 profile 0-0:98.1.9.255, attribute 2, logEntries[1..31] of
 * entry_registerReadLogEntry, the billing register log's entry
 * (billing-data-log.ts): timestamp (UTC seconds since 2000-01-01), active
 * import register, [twin: secondary active import], the 48 TOU registers,
 * [twin: the 4 secondary TOU registers], the 8 TOU register values of each
 * block 1..4 (the values the meter holds at midnight; TOU and block values
 * as the billing log takes them: zero where this emulator holds none).
 * PROVISIONAL:
 * - midnight is UTC (GBCS devices keep UTC), as the GSME's daily snapshots;
 * - it holds DAILY_READ_LOG_CAPACITY entries (a month and a week of daily
 *   reads; the oldest go first): more than GBCS's 31, which a read returns
 *   whole (entries recorded before this layout carry zero TOU / block values).
 * The read filters by the command's date-time restriction (handlers/protected.ts).
 */
import type { DlmsData } from '../../gbcs/payload/dlms.ts';
import { encodeProtectedObject, protectedObjectKey } from '../../gbcs/use-cases/protected-objects.ts';
import { zigbeeTime } from '../meter-common/time.ts';
import { type RegisterReadings, registerReadings } from './billing-data-log.ts';
import type { EsmeState } from './state.ts';

/** The import daily read log's buffer, as a protected read names it (class/OBIS/attribute). */
export const DAILY_READ_LOG = protectedObjectKey('importDailyReadLog');
/** Entries kept (PROVISIONAL: 38 days). */
export const DAILY_READ_LOG_CAPACITY = 38;
const DAY_MS = 86_400_000;

export interface DailyRead extends Partial<Omit<RegisterReadings, 'activeImportWh'>> {
  /** UTC seconds since 2000-01-01 (the midnight) */
  time: number;
  activeImportWh: number;
}

export interface DailyReadLog {
  entries: DailyRead[];
  /** device time (epoch ms) up to which midnights were recorded (the last one taken, or the start); null: not started */
  to: number | null;
}

export function newDailyReadLog(): DailyReadLog {
  return { entries: [], to: null };
}

/**
 * Records the daily reads due in (log.to, nowMs], in time order.
 * `accrueTo(t)` brings the registers to `t` before each is taken. A clock
 * set back restarts the log's clock there (nothing is recorded twice).
 */
export function recordDailyReads(state: EsmeState, nowMs: number, accrueTo: (t: number) => void): void {
  const log = state.dailyReadLog;
  if (log.to === null || nowMs < log.to) {
    log.to = nowMs;
    return;
  }
  let last: number | null = null;
  // only the last DAILY_READ_LOG_CAPACITY midnights can be kept: a meter asleep longer skips the older ones
  const first = Math.max(
    Math.floor(log.to / DAY_MS) * DAY_MS + DAY_MS,
    (Math.floor(nowMs / DAY_MS) - DAILY_READ_LOG_CAPACITY + 1) * DAY_MS,
  );
  for (let t = first; t <= nowMs; t += DAY_MS) {
    accrueTo(t);
    log.entries.push({ time: zigbeeTime(t), ...registerReadings(state) });
    last = t;
  }
  if (log.entries.length > DAILY_READ_LOG_CAPACITY)
    log.entries.splice(0, log.entries.length - DAILY_READ_LOG_CAPACITY);
  // moves only when a midnight was due: a message between two midnights changes no state
  if (last !== null) log.to = last;
}

const fixed = (v: readonly number[] | undefined, n: number, from = 0) =>
  Array.from({ length: n }, (_, k) => v?.[from + k] ?? 0);

/**
 * The log's buffer: a compact-array of register read log entries (layout
 * above), encoded by the use-case catalogue's shape of the object
 * (protected-objects.ts `importDailyReadLog`).
 */
export function dailyReadLogBuffer(state: EsmeState): DlmsData {
  const twin = state.variant === 'twin';
  const rows = state.dailyReadLog.entries.map((e) => ({
    time: e.time,
    activeImport: e.activeImportWh,
    ...(twin ? { secondaryActiveImport: e.secondaryActiveImportWh ?? 0 } : {}),
    touRegisters: fixed(e.touRegisters, 48),
    ...(twin ? { secondaryTouRegisters: fixed(e.secondaryTouRegisters, 4) } : {}),
    block1TouRegisters: fixed(e.blockRegisters, 8, 0),
    block2TouRegisters: fixed(e.blockRegisters, 8, 8),
    block3TouRegisters: fixed(e.blockRegisters, 8, 16),
    block4TouRegisters: fixed(e.blockRegisters, 8, 24),
  }));
  return encodeProtectedObject('importDailyReadLog', rows, state.variant);
}
