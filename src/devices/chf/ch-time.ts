/**
 * The Communications Hub's clock and its time status (SECMP0038 3.1.1,
 * decision "time without WAN"). GBCS gives the CHF its time from the SM WAN
 * only; a CH that never had a WAN, or lost it longer than its holdover, has
 * time status Unreliable, and the meters (which take their time from the CH)
 * see it. Without a WAN the one other source is the PROVISIONAL Set CH Time
 * command (gbcs/codes/provisional.ts 0x0F03), issued and signed by the DCC's
 * ACB and carried by the PPMID.
 *
 * `deriveChTimeStatus` and `checkChTimeCommand` are pure; `ChClock` holds the
 * state (offset of the CH's clock from true time, last trusted sync) on the
 * injected Clock, whose time stands for true UTC (what the WAN would give).
 */
import type { ChTimeCommand, ChTimeRefusal } from '../../gbcs/codes/provisional.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { TimeStatus } from '../contracts.ts';

export type ChTimeSource = 'wan' | 'time-command';

export interface ChTimeSync {
  /** when (true time, the injected Clock) */
  at: number;
  source: ChTimeSource;
  /** the CH's time right after the sync */
  chTime: number;
}

export interface ChTimeState {
  /** CH clock minus true time (ms): 0 after a WAN sync; whatever the RTC says before any sync */
  offsetMs: number;
  lastSync: ChTimeSync | null;
}

export interface ChTimeConfig {
  /** How long the CH's own clock stays Reliable after its last trusted sync (RTC drift). Default 24 h. */
  timeHoldoverMs: number;
  /** Longest validity interval a Set CH Time command may state (the DCC sets a short one). Default 1 h. */
  timeCommandMaxValidityMs: number;
}

export const DEFAULT_CH_TIME_CONFIG: ChTimeConfig = {
  timeHoldoverMs: 24 * 3_600_000,
  timeCommandMaxValidityMs: 3_600_000,
};

/**
 * The CH's time status: Reliable while its WAN (its GBCS time source) is up,
 * or within `holdoverMs` of the last trusted sync (WAN, or an accepted Set CH
 * Time); Unreliable before any sync and after the holdover.
 */
export function deriveChTimeStatus(
  s: Pick<ChTimeState, 'lastSync'>,
  now: number,
  wanUp: boolean,
  holdoverMs: number,
): TimeStatus {
  if (wanUp) return 'reliable';
  if (s.lastSync && now - s.lastSync.at <= holdoverMs) return 'reliable';
  return 'unreliable';
}

/**
 * Why the CH refuses a (verified, ACB-originated) Set CH Time command, or
 * null to apply it. The CH cannot judge freshness by its own clock (it is
 * Unreliable: that is why the command is sent); freshness rests on the ACB's
 * Originator Counter (replay guard), on a short validity interval, and on
 * never going back before the last trusted sync.
 */
export function checkChTimeCommand(
  cmd: Pick<ChTimeCommand, 'preset' | 'validFrom' | 'validTo'>,
  s: Pick<ChTimeState, 'lastSync'>,
  wanUp: boolean,
  cfg: Pick<ChTimeConfig, 'timeCommandMaxValidityMs'>,
): ChTimeRefusal | null {
  if (wanUp) return 'wan-time-present';
  if (cmd.validTo - cmd.validFrom > cfg.timeCommandMaxValidityMs) return 'malformed';
  if (s.lastSync && cmd.preset < s.lastSync.chTime) return 'time-regression';
  return null;
}

/** The CH's clock: synchronised from the WAN while it is up, else from an accepted Set CH Time. */
export class ChClock {
  private readonly state: ChTimeState;

  constructor(
    private readonly clock: Clock,
    private readonly wan: { isUp(): boolean },
    private readonly cfg: ChTimeConfig,
    initialOffsetMs = 0,
  ) {
    this.state = { offsetMs: initialOffsetMs, lastSync: null };
    if (wan.isUp()) this.syncFromWan();
  }

  /** The CH's time (epoch ms). While the WAN is up the CH follows it. */
  now(): number {
    if (this.wan.isUp()) this.syncFromWan();
    return this.clock.now() + this.state.offsetMs;
  }

  status(): TimeStatus {
    const wanUp = this.wan.isUp();
    if (wanUp) this.syncFromWan();
    return deriveChTimeStatus(this.state, this.clock.now(), wanUp, this.cfg.timeHoldoverMs);
  }

  /** The WAN gave the CH its time (WAN up, or the last moment before it went down). */
  syncFromWan(): void {
    const at = this.clock.now();
    this.state.offsetMs = 0;
    this.state.lastSync = { at, source: 'wan', chTime: at };
  }

  /** Applies a verified Set CH Time from the ACB, or returns why not (the state is then unchanged). */
  applyTimeCommand(cmd: Pick<ChTimeCommand, 'preset' | 'validFrom' | 'validTo'>): ChTimeRefusal | null {
    const refusal = checkChTimeCommand(cmd, this.state, this.wan.isUp(), this.cfg);
    if (refusal) return refusal;
    const at = this.clock.now();
    this.state.offsetMs = cmd.preset - at;
    this.state.lastSync = { at, source: 'time-command', chTime: cmd.preset };
    return null;
  }

  view(): { time: string; status: TimeStatus; lastSync: (ChTimeSync & { atIso: string }) | null } {
    const status = this.status();
    const s = this.state.lastSync;
    return {
      time: new Date(this.now()).toISOString(),
      status,
      lastSync: s ? { ...s, atIso: new Date(s.at).toISOString() } : null,
    };
  }
}
