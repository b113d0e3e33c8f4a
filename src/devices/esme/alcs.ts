/**
 * The ESME's auxiliary load control switches in time (issue 12): the ALCS
 * calendar runs on the meter's clock, a timed ECS47 switch ends by itself,
 * and every change of a switch is logged, driven to an HCALCS over the HAN
 * where the switch is one, and reported. Event driven: one timer for the
 * next calendar switching, one per timed override; nothing polls.
 *
 * Each change of switch N (output state `alcsN.outputState`, read by ECS61a
 * / ECS61e):
 * - ALCS event log entries (0-17:99.98.2.255, read by ECS35f and by ECS35g
 *   Read Auxiliary Controller Event Log; the entry as the GBCS V3.1 use-case
 *   tables define it for ECS35f and the later file for ECS35g): the switch number
 *   and action is the script that made the change (the command's; the
 *   schedule entry's for the calendar; PROVISIONAL: N<<8 | 0x20 "revert to
 *   calendar control" when a timed override ends). For an ALCS one entry,
 *   outcome 1 (success), HAN command id 0. For an HC ALCS one entry when the
 *   command is sent, outcome 0 (not known) with the HAN command id the ESME
 *   allocated, then one for the HC ALCS's answer, N<<8 | 0x00, outcome 1 or
 *   2 (failure), the same id; a command that cannot be sent is one entry,
 *   outcome 2. PROVISIONAL: the id is the Unix time in seconds the command
 *   was sent, kept increasing (the RTDS log's ids read as such times), and
 *   no answer at all is logged as an answer entry with outcome 2;
 * - the outcome in the ESME event log and as an alert to the supplier: 0x8131
 *   "Success in changing or maintaining HCALCS or ALCS state" or 0x811A
 *   "Failure in ..." (GBCS Alert Codes, alert-codes.ts), a Generic Non
 *   Critical Alert. An ALCS switches at once; an HCALCS's outcome is its
 *   Default Response to the On/Off command (hcalcs-driver.ts), failure when
 *   it cannot be reached, does not answer or refuses. PROVISIONAL: the alert
 *   is sent whatever the supplier's non-critical alert configuration says.
 *
 * Override (ECS47, SR 7.5 / 7.6 / 7.8): an activate or deactivate holds the
 * switch against the calendar for the Duration the command carries
 * (alcsStateScriptSelector, PROVISIONAL: minutes, 0 = until a reset), then it
 * returns to calendar control; a reset returns it at once. Back under
 * calendar control a switch takes the state the calendar last gave it, or the
 * state it holds without any override (the RTDS reference state) when the
 * calendar never switched it.
 *
 * The calendar runs once a command wrote it (ECS46c): the RTDS reference
 * schedule every meter starts with answers reads, it is not a configuration
 * this meter received (PROVISIONAL; it keeps meters nobody configured quiet).
 * After a clock change the next switching is searched from the new time;
 * switchings the jump passed over are not run (the entries' validity window
 * is not modelled, PROVISIONAL).
 */

import type { Eui } from '../../runtime/bytes.ts';
import type { TimerHandle } from '../../runtime/clock.ts';
import { LazyMap } from '../../runtime/lazy-collections.ts';
import type { Metrics } from '../../runtime/metrics.ts';
import type { DeviceEvent } from '../contracts.ts';
import {
  calendarState,
  nextSwitchings,
  type ScheduleEntry,
  type SpecialDay,
  type Switching,
} from './alcs-calendar.ts';
import { clearAttribute, getAttribute, mutableAttribute, setAttribute } from './attribute-store.ts';
import { isHcalcsId } from './hcalcs-driver.ts';
import type { EsmeState } from './state.ts';

/** GBCS Alert Codes of an ALCS / HCALCS change. */
export const ALCS_SWITCH_SUCCESS = 0x8131;
export const ALCS_SWITCH_FAILURE = 0x811a;

/** What made a switch change (its state-change event). */
export type AlcsCause = 'calendar' | 'command' | 'overrideEnd' | 'hcalcsRequest';

/** The outcome of an ALCS event log entry (GBCS V3.1 use-case tables, ECS35f). */
export const ALCS_OUTCOME = { notKnown: 0, success: 1, failure: 2 } as const;

/** The ALCS event log's capacity (GBCS V3.1 use-case tables, ECS35f: log entries 1..100). */
export const ALCS_EVENT_LOG_CAPACITY = 100;

/** The ESME's ALCS timing state (JSON-safe, in the snapshot). */
export interface AlcsState {
  /** whether a command wrote this meter's ALCS calendar (ECS46c): it runs from then on */
  calendar: boolean;
  /** switches held against the calendar by ECS47: until epoch ms, or null until a reset */
  overrides: Record<string, number | null>;
  /** the last HAN command id the ESME allocated to an HC ALCS command */
  lastHanCommandId?: number;
}

export const defaultAlcsState = (): AlcsState => ({ calendar: false, overrides: {} });

export interface AlcsHost {
  readonly state: EsmeState;
  readonly metrics: Metrics;
  /** device clock, epoch ms */
  now(): number;
  /** a timer `delayMs` from now on the meter's injected clock */
  setTimer(delayMs: number, fn: () => void, label: string): TimerHandle;
  /** appends a GBCS event code to the ESME event log */
  logEvent(code: number): void;
  /** sends a simple alert (code + time) to the supplier */
  alert(code: number): void;
  event(e: Omit<DeviceEvent, 'at' | 'device'>): void;
  /** drives an HCALCS's switch over the HAN; `done` gets the outcome; false when it cannot be reached */
  switchHcalcs(hcalcs: Eui, on: boolean, done: (ok: boolean) => void): boolean;
}

const outputKey = (n: number) => `alcs${n}.outputState`;
const EPOCH_2000_S = 946_684_800;

export class AlcsControl {
  private calendarTimer: TimerHandle | null = null;
  private nextAt = 0;
  private readonly overrideTimers: Map<number, TimerHandle> = new LazyMap();

  constructor(private readonly host: AlcsHost) {}

  private get st(): AlcsState {
    this.host.state.alcs ??= defaultAlcsState();
    return this.host.state.alcs;
  }

  /** The output state of switch N now. */
  output(n: number): boolean {
    return getAttribute(this.host.state, outputKey(n)) === true;
  }

  /** ECS47: switch N on or off for `minutes` (0: until a reset), or back to calendar control. */
  command(
    n: number,
    action: 'activate' | 'deactivate' | 'reset',
    minutes: number,
    script: number,
  ): { from: boolean; to: boolean } {
    const from = this.output(n);
    this.clearOverride(n);
    if (action === 'reset') {
      this.change(n, this.calendarOrDefault(n), 'command', script);
      return { from, to: this.output(n) };
    }
    const until = minutes > 0 ? this.host.now() + minutes * 60_000 : null;
    this.st.overrides[String(n)] = until;
    if (until !== null) this.armOverride(n, until);
    this.change(n, action === 'activate', 'command', script);
    return { from, to: this.output(n) };
  }

  /** A controller command (ECS47a / ECS47e) set switch N to `to`: logged, driven and reported like any change. */
  controllerSet(n: number, to: boolean, script: number): void {
    this.change(n, to, 'command', script);
  }

  /**
   * HC ALCS `hcalcs` asked for control (HECS01): the number of the switch it
   * is (alcsDeviceIdN, ECS46c), driven again to the state the switch holds
   * now (logged and reported like any change); null when it is none of them.
   */
  hcalcsRequestsControl(hcalcs: Eui): number | null {
    for (let n = 1; n <= 5; n++) {
      if (getAttribute(this.host.state, `alcsDeviceId${n}.value`) !== hcalcs) continue;
      const on = this.output(n);
      this.change(n, on, 'hcalcsRequest', (n << 8) | (on ? 0x01 : 0x02));
      return n;
    }
    return null;
  }

  /** ECS46c wrote the ALCS calendar: it runs from now on. */
  calendarWritten(): void {
    this.st.calendar = true;
    this.reschedule();
  }

  /** (Re)arms every timer from the state: after construction, restore, a new calendar or a clock change. */
  reschedule(): void {
    this.calendarTimer?.cancel();
    this.calendarTimer = null;
    for (const t of this.overrideTimers.values()) t.cancel();
    this.overrideTimers.clear();
    for (const [n, until] of Object.entries(this.st.overrides))
      if (until !== null) this.armOverride(Number(n), until);
    this.armCalendar();
  }

  /** Stops every timer (the meter is discarded). */
  stop(): void {
    this.calendarTimer?.cancel();
    for (const t of this.overrideTimers.values()) t.cancel();
    this.overrideTimers.clear();
  }

  /** When (device time) the calendar next switches (test automation API), or null. */
  nextCalendarSwitching(): number | null {
    return this.calendarTimer ? this.nextAt : null;
  }

  // ------------------------------------------------------------------ calendar

  private entries(): { entries: ScheduleEntry[]; specialDays: SpecialDay[] } {
    const s = this.host.state;
    return {
      entries: (getAttribute(s, 'alcsSchedule.entries') as ScheduleEntry[] | undefined) ?? [],
      specialDays: (getAttribute(s, 'alcsSpecialDays.entries') as SpecialDay[] | undefined) ?? [],
    };
  }

  private armCalendar(): void {
    if (!this.st.calendar) return;
    const { entries, specialDays } = this.entries();
    const due = nextSwitchings(entries, specialDays, this.host.now());
    if (!due.length) return;
    this.nextAt = due[0]!.at;
    this.calendarTimer = this.host.setTimer(
      due[0]!.at - this.host.now(),
      () => this.runCalendar(due),
      'alcs calendar',
    );
  }

  private runCalendar(due: Switching[]): void {
    this.calendarTimer = null;
    // the device clock may have been set back since: run only when the time has come
    if (this.host.now() >= due[0]!.at) {
      for (const s of due) {
        if (String(s.n) in this.st.overrides) {
          this.host.metrics.inc('esme.alcs.calendar.overridden');
          continue;
        }
        this.host.metrics.inc('esme.alcs.calendar.switched');
        this.change(s.n, s.on, 'calendar', s.script);
      }
    }
    this.armCalendar();
  }

  private calendarOrDefault(n: number): boolean | undefined {
    if (!this.st.calendar) return undefined;
    const { entries, specialDays } = this.entries();
    return calendarState(entries, specialDays, n, this.host.now());
  }

  // ------------------------------------------------------------------ overrides

  private armOverride(n: number, until: number): void {
    this.overrideTimers.get(n)?.cancel();
    this.overrideTimers.set(
      n,
      this.host.setTimer(until - this.host.now(), () => this.endOverride(n, until), `alcs ${n} override end`),
    );
  }

  private endOverride(n: number, until: number): void {
    this.overrideTimers.delete(n);
    if (this.st.overrides[String(n)] !== until) return;
    if (this.host.now() < until) {
      this.armOverride(n, until);
      return;
    }
    delete this.st.overrides[String(n)];
    this.host.metrics.inc('esme.alcs.override.ended');
    this.change(n, this.calendarOrDefault(n), 'overrideEnd', ((n << 8) | 0x20) & 0xffff);
  }

  private clearOverride(n: number): void {
    this.overrideTimers.get(n)?.cancel();
    this.overrideTimers.delete(n);
    delete this.st.overrides[String(n)];
  }

  // ------------------------------------------------------------------ a change

  /**
   * Switch N to `to` (undefined: the state it holds without any override) by
   * `script`: the output state, the ALCS event log entries, the HCALCS over
   * the HAN, the outcome's event and alert.
   */
  private change(n: number, to: boolean | undefined, cause: AlcsCause, script: number): void {
    const s = this.host.state;
    if (to === undefined) clearAttribute(s, outputKey(n));
    else setAttribute(s, outputKey(n), to);
    const on = this.output(n);
    this.host.event({ kind: 'state-change', reason: 'ALCS_SWITCHED', detail: { alcs: n, on, cause } });
    const hcalcs = getAttribute(s, `alcsDeviceId${n}.value`);
    if (!isHcalcsId(hcalcs)) {
      this.logAlcsEvent(script, ALCS_OUTCOME.success, 0);
      this.outcome(true);
      return;
    }
    const id = this.nextHanCommandId();
    let sending = true;
    let answered: boolean | undefined;
    const sent = this.host.switchHcalcs(hcalcs, on, (ok) => {
      // an answer within the send (a synchronous HAN): logged after the command's entry
      if (sending) answered = ok;
      else this.answer(n, id, ok);
    });
    sending = false;
    if (!sent) {
      this.logAlcsEvent(script, ALCS_OUTCOME.failure, id);
      this.outcome(false);
      return;
    }
    this.logAlcsEvent(script, ALCS_OUTCOME.notKnown, id);
    if (answered !== undefined) this.answer(n, id, answered);
  }

  /** HC ALCS N answered the HAN command `id` (or did not: `ok` false). */
  private answer(n: number, id: number, ok: boolean): void {
    this.logAlcsEvent((n << 8) & 0xffff, ok ? ALCS_OUTCOME.success : ALCS_OUTCOME.failure, id);
    this.outcome(ok);
  }

  private nextHanCommandId(): number {
    const id = Math.max((this.st.lastHanCommandId ?? 0) + 1, Math.floor(this.host.now() / 1000)) >>> 0;
    this.st.lastHanCommandId = id;
    return id;
  }

  private outcome(ok: boolean): void {
    const code = ok ? ALCS_SWITCH_SUCCESS : ALCS_SWITCH_FAILURE;
    this.host.metrics.inc(ok ? 'esme.alcs.success' : 'esme.alcs.failure');
    this.host.logEvent(code);
    this.host.alert(code);
  }

  private logAlcsEvent(switchNumberAndAction: number, outcome: number, hanCommandId: number): void {
    const log = mutableAttribute(this.host.state, 'alcsEventLog.buffer') as unknown[] | undefined;
    const entry = { time: alcsLogTime(this.host.now()), switchNumberAndAction, outcome, hanCommandId };
    if (!Array.isArray(log)) {
      setAttribute(this.host.state, 'alcsEventLog.buffer', [entry]);
      return;
    }
    log.push(entry);
    if (log.length > ALCS_EVENT_LOG_CAPACITY) log.splice(0, log.length - ALCS_EVENT_LOG_CAPACITY);
  }
}

/** The ALCS event log time (seconds since 2000) of an instant. */
export const alcsLogTime = (ms: number): number => Math.floor(ms / 1000) - EPOCH_2000_S;
