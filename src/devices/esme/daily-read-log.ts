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
 * PROVISIONAL (the GBCS object list is not available here):
 * - the log is the class 7 profile 0-0:98.1.9.255, attribute 2 (buffer):
 *   the free instance between the prepayment daily read log (.8, RTDS
 *   ECS21b) and the export daily read log (.10, RTDS ECS21c);
 * - its capture objects: the clock (UTC seconds since 2000-01-01, as every
 *   RTDS profile's first column) and the active import register (Wh,
 *   double-long-unsigned like the export daily read log's register); a twin
 *   ESME adds the secondary element's active import register, as its
 *   ECS22b profile does;
 * - midnight is UTC (GBCS devices keep UTC), as the GSME's daily snapshots;
 * - it holds DAILY_READ_LOG_CAPACITY entries (a month and a week of daily
 *   reads; the oldest go first).
 * The read filters by the command's date-time restriction (handlers/protected.ts).
 */
import type { DlmsData } from '../../gbcs/payload/dlms.ts';
import { dlms } from '../../gbcs/payload/dlms.ts';
import { protectedObjectKey } from '../../gbcs/use-cases/protected-objects.ts';
import { zigbeeTime } from '../meter-common/time.ts';
import type { EsmeState } from './state.ts';

/** The import daily read log's buffer, as a protected read names it (class/OBIS/attribute). */
export const DAILY_READ_LOG = protectedObjectKey('importDailyReadLog');
/** Entries kept (PROVISIONAL: 38 days). */
export const DAILY_READ_LOG_CAPACITY = 38;
const DAY_MS = 86_400_000;

export interface DailyRead {
  /** UTC seconds since 2000-01-01 (the midnight) */
  time: number;
  activeImportWh: number;
  /** twin ESME only */
  secondaryActiveImportWh?: number;
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
    const r = state.registers;
    log.entries.push({
      time: zigbeeTime(t),
      activeImportWh: r.activeImportWh,
      ...(state.variant === 'twin' ? { secondaryActiveImportWh: r.secondaryActiveImportWh ?? 0 } : {}),
    });
    last = t;
  }
  if (log.entries.length > DAILY_READ_LOG_CAPACITY)
    log.entries.splice(0, log.entries.length - DAILY_READ_LOG_CAPACITY);
  // moves only when a midnight was due: a message between two midnights changes no state
  if (last !== null) log.to = last;
}

/** The log's buffer: a compact-array of { time, active import (, secondary active import) }. */
export function dailyReadLogBuffer(state: EsmeState): DlmsData {
  const twin = state.variant === 'twin';
  const u32 = { type: 'double-long-unsigned' } as const;
  return {
    type: 'compact-array',
    description: { type: 'structure', items: twin ? [u32, u32, u32] : [u32, u32] },
    elements: state.dailyReadLog.entries.map((e) =>
      twin
        ? dlms.struct(dlms.u32(e.time), dlms.u32(e.activeImportWh), dlms.u32(e.secondaryActiveImportWh ?? 0))
        : dlms.struct(dlms.u32(e.time), dlms.u32(e.activeImportWh)),
    ),
  };
}
