/**
 * The DSP's schedules on its clock (DUIS 5.1-5.3, issue 17): every schedule
 * kept in the database (dsp_schedules) is armed on the injected Clock; at
 * each run the DSP sends the scheduled device SR through its usual device
 * path (transform, ACB MAC, SM WAN, request record, expiry) and the device's
 * response reaches the user as a ResponseMessage with DSPScheduledMessage
 * (GBCSPayload, DSPScheduleID). The DSP side is `ScheduleRunPort`
 * (DspService implements it); the schedule maths is schedules.ts.
 *
 * Restart: `start()` re-arms every stored schedule from its persisted next
 * run. Runs missed while the DSP was down (PROVISIONAL, DUIS wording not
 * recorded here): one catch-up run is issued at start-up for the latest
 * missed run time (its log period is that run's), the earlier missed ones
 * are skipped, logged and counted (`schedules.missed`).
 */
import { child, type DuisNode, el } from '../../duis/index.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { Clock, TimerHandle } from '../../runtime/clock.ts';
import { Logger } from '../../runtime/logger.ts';
import type { Metrics } from '../../runtime/metrics.ts';
import type { NonDeviceAnswer, NonDeviceContext, NonDeviceRecords, ScheduleRecord } from './non-device.ts';
import { nextRunAt, readSchedule, ScheduleError, type ScheduleSpec } from './schedules.ts';

const log = Logger.get('dsp.schedules');
/** Node's timers hold at most 2^31-1 ms: longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Runs remembered per schedule (to tell a device response belongs to a schedule, also after a restart). */
const RUNS_KEPT = 8;

/** What the scheduler needs of the DSP. */
export interface ScheduleRunPort {
  /** A new schedule against the DSP's users, inventory and transforms: throws a ScheduleError to refuse it. */
  check(user: Eui, spec: ScheduleSpec): void;
  /**
   * Sends one run (the scheduled device SR, CV 1): its Request ID, and the
   * reason if it could not be sent (the port then tells the user: a DCC
   * alert CommandFailure).
   */
  issue(user: Eui, spec: ScheduleSpec, scheduleId: number, at: number): { requestId: string; error?: string };
  /** Whether the device is (still) in the DSP's inventory: a run for one that is not removes the schedule. */
  inInventory(device: Eui): boolean;
  /** The DSP removed a schedule itself: tell its user (a DCC alert DSPScheduleRemoval). */
  removed(user: Eui, scheduleId: number, device: Eui, reason: ScheduleRemovalReason): void;
}

/**
 * Why the DSP removes a schedule itself (DUIS DSPScheduleRemoval). PROVISIONAL
 * (the DUIS list of causes is not recorded here): the device was
 * decommissioned (8.3) or left the inventory, it was opted out of DCC
 * services (8.5), or its supplier changed (6.23, the schedules of the other
 * suppliers of that device). A 5.3 Delete Schedule is answered
 * synchronously and sends no alert.
 */
export type ScheduleRemovalReason =
  | 'decommissioned'
  | 'not-in-inventory'
  | 'opted-out'
  | 'change-of-supplier';

/** 6.23 Update Security Credentials (CoS): the new supplier takes the device (schedules of the old one removed). */
export const CHANGE_OF_SUPPLIER_SRV = '6.23';

export class DspScheduler {
  readonly #timers = new Map<number, TimerHandle>();
  readonly #byRequest = new Map<string, number>();
  #closed = false;

  constructor(
    readonly clock: Clock,
    readonly records: NonDeviceRecords,
    readonly port: ScheduleRunPort,
    readonly metrics: Metrics,
  ) {}

  /** Arms every stored schedule (after the records are loaded); runs missed while down: see the module comment. */
  start(): void {
    const now = this.clock.now();
    for (const s of this.records.schedules()) {
      for (const r of s.runs ?? []) this.#byRequest.set(r.requestId, s.scheduleId);
      let spec: ScheduleSpec;
      try {
        spec = readSchedule(s.schedule);
      } catch (e) {
        log.warn('stored schedule unreadable; not armed', { scheduleId: s.scheduleId, error: String(e) });
        continue;
      }
      let next = s.nextRunAt === undefined ? nextRunAt(spec, s.createdAt) : s.nextRunAt;
      if (next === null || next === undefined) continue;
      if (next <= now) {
        let last = next;
        let missed = 0;
        while (next !== undefined && next <= now) {
          last = next;
          missed++;
          next = nextRunAt(spec, next + 1);
        }
        if (missed > 1) {
          this.metrics.inc('schedules.missed', missed - 1);
          log.warn('schedule runs missed while the DSP was down', {
            scheduleId: s.scheduleId,
            skipped: missed - 1,
          });
        }
        this.metrics.inc('schedules.catchUp');
        this.#run(s, spec, last);
      } else this.#arm(s, spec, next);
    }
  }

  /** The schedule a run's Request ID belongs to. */
  scheduleOfRequest(requestId: string): number | undefined {
    return this.#byRequest.get(requestId);
  }

  /** The armed schedules' next run times (tests, status). */
  nextRuns(): Map<number, number> {
    const out = new Map<number, number>();
    for (const s of this.records.schedules())
      if (typeof s.nextRunAt === 'number' && this.#timers.has(s.scheduleId))
        out.set(s.scheduleId, s.nextRunAt);
    return out;
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
  }

  #arm(s: ScheduleRecord, spec: ScheduleSpec, at: number): void {
    this.#timers.get(s.scheduleId)?.cancel();
    this.#timers.delete(s.scheduleId);
    if (this.#closed) return;
    const delay = at - this.clock.now();
    const fire =
      delay > MAX_TIMER_MS
        ? () => this.#arm(s, spec, at)
        : () => {
            this.#timers.delete(s.scheduleId);
            if (this.records.schedule(s.scheduleId) === s) this.#run(s, spec, at);
          };
    this.#timers.set(
      s.scheduleId,
      this.clock.setTimer(Math.min(delay, MAX_TIMER_MS), fire, `dsp-schedule:${s.scheduleId}`),
    );
  }

  /**
   * The DSP removes the schedules on `device` (those of `only` users, if
   * given): no further run, each user told by DSPScheduleRemoval. Returns
   * the schedule IDs removed.
   */
  removeForDevice(device: Eui, reason: ScheduleRemovalReason, only?: (user: Eui) => boolean): number[] {
    const out: number[] = [];
    for (const s of this.records.schedules()) {
      let spec: ScheduleSpec;
      try {
        spec = readSchedule(s.schedule);
      } catch {
        continue;
      }
      if (spec.device !== device || (only && !only(s.user))) continue;
      this.#remove(s);
      this.metrics.inc(`schedules.removed.${reason}`);
      log.info('schedule removed by the DSP', { scheduleId: s.scheduleId, device, reason });
      this.port.removed(s.user, s.scheduleId, device, reason);
      out.push(s.scheduleId);
    }
    return out;
  }

  #remove(s: ScheduleRecord): void {
    this.#timers.get(s.scheduleId)?.cancel();
    this.#timers.delete(s.scheduleId);
    this.records.deleteSchedule(s.scheduleId);
  }

  #run(s: ScheduleRecord, spec: ScheduleSpec, at: number): void {
    if (!this.port.inInventory(spec.device)) {
      this.removeForDevice(spec.device, 'not-in-inventory');
      return;
    }
    const r = this.port.issue(s.user, spec, s.scheduleId, at);
    if (r.error === undefined) {
      this.#byRequest.set(r.requestId, s.scheduleId);
      const runs = [...(s.runs ?? []), { at, requestId: r.requestId }];
      for (const old of runs.splice(0, Math.max(0, runs.length - RUNS_KEPT)))
        this.#byRequest.delete(old.requestId);
      s.runs = runs;
      this.metrics.inc('schedules.runs');
    } else {
      log.warn('scheduled run not sent', {
        scheduleId: s.scheduleId,
        requestId: r.requestId,
        at: new Date(at).toISOString(),
        reason: r.error,
      });
      this.metrics.inc('schedules.failed');
    }
    const next = nextRunAt(spec, at + 1);
    s.nextRunAt = next ?? null;
    this.records.putSchedule(s, this.clock.now());
    if (next !== undefined) this.#arm(s, spec, next);
    else log.info('schedule ended', { scheduleId: s.scheduleId });
  }

  // ---------------------------------------------------------------- 5.1-5.3

  /** 5.1 Create Schedule: checked, kept, armed; I0 with the DSPScheduleID. */
  create(ctx: NonDeviceContext): NonDeviceAnswer {
    let spec: ScheduleSpec;
    try {
      spec = readSchedule(ctx.req.body);
      this.port.check(ctx.user.eui, spec);
    } catch (e) {
      if (e instanceof ScheduleError) {
        log.info('schedule refused', { user: ctx.user.eui, code: e.code, reason: e.message });
        return { code: e.code };
      }
      throw e;
    }
    const next = nextRunAt(spec, ctx.now);
    if (next === undefined) return { code: 'E050105' }; // PROVISIONAL: the schedule has no run left
    const s = this.records.addSchedule(ctx.user.eui, ctx.req.body, ctx.now, next);
    this.#arm(s, spec, next);
    this.metrics.inc('schedules.created');
    return { code: 'I0', payload: { type: 'Other', node: el('DSPScheduleID', String(s.scheduleId)) } };
  }

  /** 5.2 Read Schedule: the user's schedule, as created. */
  read(ctx: NonDeviceContext): NonDeviceAnswer {
    const s = this.#own(ctx);
    if (!s) return { code: 'E050201' }; // PROVISIONAL: no such schedule of this user
    const details: DuisNode = { ...s.schedule, name: 'DSPScheduleDetails' };
    return {
      code: 'I0',
      payload: {
        type: 'Other',
        node: el('DSPSchedulesRead', [
          el('DSPSchedules', [el('DSPScheduleID', String(s.scheduleId)), details]),
        ]),
      },
    };
  }

  /** 5.3 Delete Schedule: no further run (a run already sent is still answered). */
  delete(ctx: NonDeviceContext): NonDeviceAnswer {
    const s = this.#own(ctx);
    if (!s) return { code: 'E050301' }; // PROVISIONAL: no such schedule of this user
    this.#remove(s);
    this.metrics.inc('schedules.deleted');
    return { code: 'I99' };
  }

  #own(ctx: NonDeviceContext): ScheduleRecord | undefined {
    const t = child(ctx.req.body, 'DSPScheduleID')?.text?.trim();
    if (t === undefined || !/^\d+$/.test(t)) return undefined;
    const s = this.records.schedule(Number(t));
    return s && s.user === ctx.user.eui ? s : undefined;
  }
}
