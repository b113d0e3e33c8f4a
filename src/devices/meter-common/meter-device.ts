/**
 * What every emulated meter (ESME, GSME) shares: the GbcsDevice contract,
 * the security checks (DeviceSecurity, one implementation for all devices),
 * the device clock and its time status, future-dated execution, the event
 * log for the test automation API, metrics, logging and snapshot/restore.
 *
 * A subclass supplies the use cases (`execute`), the payload format of its
 * alerts (DLMS for the ESME, GBZ for the GSME) and its state.
 *
 * Flow of one Remote Party Message (`onRemotePartyMessage`):
 *   check (security) -- rejected --> event + security alert (never a response:
 *                                    the originator is not authenticated)
 *                    -- accepted --> execute --> response (MAC'd, or signed
 *                                    for critical commands) --> commit counter
 * A subclass's `execute` must not change state unless it returns an outcome
 * that applied something; failures return before mutating.
 */

import { der, encodeDer } from '../../gbcs/payload/der.ts';
import type { Eui } from '../../runtime/bytes.ts';
import { toHex } from '../../runtime/bytes.ts';
import type { Clock, TimerHandle } from '../../runtime/clock.ts';
import { LazyMap, LazySet } from '../../runtime/lazy-collections.ts';
import { Logger } from '../../runtime/logger.ts';
import { BoundedQueue, Metrics } from '../../runtime/metrics.ts';
import { SeededRandom } from '../../runtime/random.ts';
import type { DeviceEvent, DeviceType, GbcsDevice, HanSendResult, HanUplink } from '../contracts.ts';
import type { DeviceCredentials, TrustAnchors } from '../security/credentials.ts';
import {
  type AcceptedCommand,
  DeviceSecurity,
  type DeviceSecuritySnapshot,
  type RejectedCommand,
} from '../security/device-security.ts';
import type { LoadModel } from './metrology.ts';
import { ASN1_UNSUPPORTED_RESULT, responseCarriesDateTime, responseIsSigned } from './response-shape.ts';
import { syncWithNetworkTime, type TimeStatus } from './time.ts';
import { CommandContentError } from './use-case-registry.ts';

/** Constructor options every meter takes. */
export interface MeterOptions {
  /** the device's EUI (must equal credentials.eui) */
  eui: Eui;
  /** time source (VirtualClock in tests and the simulator) */
  clock: Clock;
  credentials: DeviceCredentials;
  trustAnchors: TrustAnchors;
  /** metrics registry (e.g. the home's); default a private one */
  metrics?: Metrics;
  /** seeded randomness (default seed = EUI) */
  rng?: SeededRandom;
  /**
   * The time the device can learn from the Communications Hub (ZigBee Time
   * cluster); used by Set Clock (ECS70/GCS28). Default: `clock.now()`.
   */
  networkTime?: () => number;
  /**
   * The time status of that network time. Given: the meter follows the CH
   * (`syncWithNetworkTime`, time.ts) before every command and on every read
   * of its status, and Set Clock adopts the CH's time only when it is
   * Reliable. Omitted: the meter keeps the time status it was given (or
   * that Set Clock set).
   */
  networkTimeStatus?: () => TimeStatus;
  /** Device clock offset from `clock` at start (ms) and its time status. Default 0 / reliable. */
  clockOffsetMs?: number;
  timeStatus?: TimeStatus;
  /** events kept for the test automation API (oldest dropped); default 2000 */
  maxEvents?: number;
  /** messages held while no uplink is attached (bounded, CH-8 style); default 64 */
  outboxCapacity?: number;
  /** security alerts per device-minute before further ones are counted and suppressed; default 20 */
  securityAlertsPerMinute?: number;
  /** who receives security and future-dated alerts; default the supplier cell */
  alertRecipient?: Eui;
  /**
   * Consumption over time (metrology.ts): given, the meter's registers
   * advance with `load` (null: only what the backchannel adds) on its
   * device clock and it records its half-hour profile data log. Absent: the
   * meter keeps the registers and logs it was given (the RTDS reference
   * meter of the fidelity suites).
   */
  metrology?: { load: LoadModel | null };
}

/** The result of executing an accepted command. */
export interface Execution {
  /** the response payload (content of the General Signing APDU) */
  content: Uint8Array;
  outcome: 'applied' | 'read' | 'scheduled' | 'cancelled' | 'failed' | 'unsupported';
  /** record the originator counter (default true; false e.g. for a UTRN that did not verify) */
  commit?: boolean;
  detail?: Record<string, unknown>;
  /** alerts to raise after the response (code + payload built by the subclass) */
  alerts?: Array<{ code: number; payload: Uint8Array; critical: boolean; messageCode: number }>;
}

/** What `execute` gets besides the command. */
export interface ExecutionContext {
  /** payload-encrypts a plaintext for the business party of the response (protected reads, GBCS.md 3) */
  encrypt(plaintext: Uint8Array): Uint8Array;
}

/** A future-dated command waiting for its execution time (JSON-safe, part of the snapshot). */
export interface FutureDatedEntry {
  useCase: string;
  /**
   * What the command changes, when one command future-dates several things
   * that each run and raise their own 8F66 (ECS01b: the standing charge and
   * the price Charge objects; GCS01b: the two Price cluster commands). A new
   * entry replaces a pending one of the same key. Default: the use case.
   */
  key?: string;
  messageCode: number;
  originator: Eui;
  /** decimal Originator Counter of the command */
  counter: string;
  /** execution time on the device clock (epoch ms) */
  executeAt: number;
  /** what the subclass needs to execute it */
  data: Record<string, unknown>;
}

/** Base of a meter's snapshot. */
export interface MeterSnapshotBase {
  security: DeviceSecuritySnapshot;
  clockOffsetMs: number;
  timeStatus: TimeStatus;
  futureDated: FutureDatedEntry[];
  /** `object.member` names of attributes with a hardware fault (use-case-registry.ts); absent: none */
  hardwareFaults?: string[];
}

/** A future-dated command while the device time is Unreliable (CommandContentError: answered, nothing changes). */
export class FutureDatedTimeUnreliableError extends CommandContentError {
  constructor(useCase: string | undefined, executeAt: number) {
    super(
      `future-dated ${useCase ?? 'command'} (${new Date(executeAt).toISOString()}) refused: the device time is Unreliable (SECMP0038 3.1.1)`,
    );
  }
}

export abstract class MeterDevice<S> implements GbcsDevice {
  readonly eui: Eui;
  abstract readonly deviceType: DeviceType;
  readonly security: DeviceSecurity;
  readonly metrics: Metrics;
  readonly rng: SeededRandom;
  protected readonly clock: Clock;
  protected readonly log: Logger;
  protected uplink: HanUplink | null = null;
  protected readonly networkTime: () => number;
  private readonly networkTimeStatus: (() => TimeStatus) | undefined;
  protected clockOffsetMs: number;
  protected timeStatus: TimeStatus;
  protected abstract state: S;
  private readonly eventLog: DeviceEvent[] = [];
  private readonly maxEvents: number;
  private readonly outbox: BoundedQueue<{ bytes: Uint8Array; kind: string }>;
  private readonly futureDated: Map<string, { entry: FutureDatedEntry; timer: TimerHandle }> = new LazyMap();
  private readonly securityAlertsPerMinute: number;
  private alertWindow = { start: 0, count: 0 };
  private readonly alertRecipientOverride: Eui | undefined;
  private readonly faults: Set<string> = new LazySet();

  constructor(opts: MeterOptions, facility: string) {
    if (opts.credentials.eui !== opts.eui.toUpperCase())
      throw new RangeError(`credentials are for ${opts.credentials.eui}, device is ${opts.eui}`);
    this.eui = opts.credentials.eui;
    this.clock = opts.clock;
    this.metrics = opts.metrics ?? new Metrics();
    this.rng = opts.rng ?? new SeededRandom(this.eui);
    this.security = new DeviceSecurity({
      credentials: opts.credentials,
      trustAnchors: opts.trustAnchors,
      metrics: this.metrics,
    });
    this.log = Logger.withClock(`${facility}:${this.eui}`, () => this.clock.now());
    this.networkTime = opts.networkTime ?? (() => this.clock.now());
    this.networkTimeStatus = opts.networkTimeStatus;
    this.clockOffsetMs = opts.clockOffsetMs ?? 0;
    this.timeStatus = opts.timeStatus ?? 'reliable';
    this.maxEvents = opts.maxEvents ?? 2000;
    this.outbox = new BoundedQueue(`device.${this.eui}.outbox`, opts.outboxCapacity ?? 64, this.metrics);
    this.securityAlertsPerMinute = opts.securityAlertsPerMinute ?? 20;
    this.alertRecipientOverride = opts.alertRecipient;
  }

  // ------------------------------------------------------------------ GbcsDevice

  get events(): readonly DeviceEvent[] {
    return this.eventLog;
  }

  attachUplink(uplink: HanUplink): void {
    this.uplink = uplink;
    this.flushOutbox();
  }

  /** A GBCS message for this device arrived over the HAN. Never throws. */
  onRemotePartyMessage(bytes: Uint8Array): void {
    this.metrics.inc('device.messages');
    this.syncTime();
    this.advance();
    let verdict: ReturnType<DeviceSecurity['check']>;
    try {
      verdict = this.security.check(bytes);
    } catch (err) {
      // check() returns typed verdicts; reaching here is a bug: record it, never crash the home.
      this.recordError('security check failed unexpectedly', err);
      return;
    }
    if (!verdict.ok) {
      this.onRejected(verdict, bytes);
      return;
    }
    try {
      this.onAccepted(verdict);
    } catch (err) {
      this.recordError(`executing ${verdict.useCase ?? 'command'} failed unexpectedly`, err);
    }
  }

  // ------------------------------------------------------------------ subclass hooks

  /** Brings time-driven state (consumption, logs) up to the device time; called before every message. */
  protected advance(): void {}

  /** Executes an accepted command; returns the response payload and outcome. */
  protected abstract execute(cmd: AcceptedCommand, ctx: ExecutionContext): Execution;

  /**
   * The answer to a use case whose payload format this meter does not speak
   * (an ASN.1 use case, or the other fuel's DLMS/GBZ): a proper "not supported"
   * response in the ASN.1 error shape the RTDS shows (CS03A1), never silence.
   */
  protected unsupportedPayloadFormat(useCase: string | null): Execution {
    return {
      content: encodeDer(der.integer(ASN1_UNSUPPORTED_RESULT)),
      outcome: 'unsupported',
      detail: { useCase, note: 'use case not supported by this emulator' },
    };
  }

  /** The payload of a device alert carrying only an alert code and the time (GCA/GNCA shape). */
  protected abstract encodeSimpleAlert(code: number, atMs: number): Uint8Array;

  /** Executes a future-dated command at its time; returns the alert to raise (8F66 / 8F67). */
  protected abstract executeFutureDated(entry: FutureDatedEntry): {
    ok: boolean;
    alert: { payload: Uint8Array; messageCode: number };
  };

  /** The Grouping Header date-time of a response to `messageCode` (device clock, device-specific status byte). */
  protected abstract headerDateTime(messageCode: number): Uint8Array;

  // ------------------------------------------------------------------ hardware faults

  /**
   * Marks a COSEM attribute (`object.member`, catalogue names) as failed
   * (`on` true) or repaired: a command touching it answers hardware-fault
   * (use-case-registry.ts). Test backchannel: the physical world.
   */
  setHardwareFault(attribute: string, on = true): void {
    if (on) this.faults.add(attribute);
    else this.faults.delete(attribute);
    this.recordEvent({ kind: 'state-change', detail: { hardwareFault: attribute, on } });
  }

  hardwareFaults(): ReadonlySet<string> {
    return this.faults;
  }

  /** A simple alert (code + time, GCA/GNCA shape) to send after a response. */
  simpleAlert(code: number): NonNullable<Execution['alerts']>[number] {
    return simpleAlertOf(code, this.encodeSimpleAlert(code, this.deviceNow()));
  }

  // ------------------------------------------------------------------ device clock

  /** The device's own clock (epoch ms). */
  deviceNow(): number {
    return this.clock.now() + this.clockOffsetMs;
  }

  getTimeStatus(): TimeStatus {
    this.syncTime();
    return this.timeStatus;
  }

  /** Whether the CH's time may be adopted now (Set Clock, ECS70 / GCS28): not while it is Unreliable (3.1.1). */
  protected networkTimeReliable(): boolean {
    return this.networkTimeStatus === undefined || this.networkTimeStatus() === 'reliable';
  }

  /**
   * Follows the CH's time and time status (time.ts `syncWithNetworkTime`) when
   * the meter has a network time status; a change of status is an event, a
   * change of clock reschedules future-dated work.
   */
  protected syncTime(): void {
    if (!this.networkTimeStatus) return;
    const was = { offsetMs: this.clockOffsetMs, status: this.timeStatus };
    const r = syncWithNetworkTime(
      was,
      { time: this.networkTime(), status: this.networkTimeStatus() },
      this.clock.now(),
    );
    this.clockOffsetMs = r.offsetMs;
    this.timeStatus = r.status;
    if (r.status !== was.status) {
      this.metrics.inc(`device.time.${r.status}`);
      this.recordEvent({ kind: 'state-change', detail: { timeStatus: r.status, from: 'network' } });
    }
    if (Math.abs(r.offsetMs - was.offsetMs) >= 1000) {
      this.rescheduleFutureDated();
      this.onDeviceClockChanged();
    }
  }

  /** The device clock was set or followed the CH's by a second or more: subclasses re-arm their own timers. */
  protected onDeviceClockChanged(): void {}

  /** Sets the device clock to `epochMs` (Set Clock) and reschedules future-dated work. */
  protected setDeviceTime(epochMs: number, status: TimeStatus): void {
    this.clockOffsetMs = epochMs - this.clock.now();
    this.timeStatus = status;
    this.rescheduleFutureDated();
    this.onDeviceClockChanged();
    this.recordEvent({ kind: 'state-change', detail: { clock: new Date(epochMs).toISOString(), status } });
  }

  // ------------------------------------------------------------------ flow

  private onRejected(v: RejectedCommand, bytes: Uint8Array): void {
    const m = v.message;
    this.log.warn('command rejected', { reason: v.reason, detail: v.detail, useCase: v.useCase });
    this.metrics.inc(`device.rejected.${v.reason}`);
    const ev: Partial<DeviceEvent> & { kind: DeviceEvent['kind'] } = {
      kind: 'command',
      decision: 'rejected',
      reason: v.reason,
      useCase: v.useCase,
      detail: { detail: v.detail, alertCode: hex4(v.alertCode), bytes: bytes.length },
    };
    if (m) {
      ev.messageCode = m.messageCode;
      ev.originator = m.originator;
      ev.originatorCounter = m.originatorCounter;
    }
    this.recordEvent(ev);
    this.onSecurityEvent(v.alertCode);
    this.raiseSecurityAlert(v.alertCode);
  }

  /**
   * A command failed the security checks (`code`: the alert code of the
   * rejection): a meter that keeps a Security Log records it there (GSME,
   * GPF: read by CS10b). Default: nothing.
   */
  protected onSecurityEvent(_code: number): void {}

  private onAccepted(cmd: AcceptedCommand): void {
    const m = cmd.message;
    this.metrics.inc('device.accepted');
    if (cmd.useCase) this.metrics.inc(`device.useCase.${cmd.useCase}`);
    const otherInfo = this.security.responseOtherInfo(m);
    const exec = this.execute(cmd, {
      encrypt: (plaintext) => this.security.encryptResponsePayload(m, otherInfo, plaintext),
    });
    const dateTime = responseCarriesDateTime(m.messageCode) ? this.headerDateTime(m.messageCode) : null;
    const response = this.security.buildResponse(m, exec.content, {
      critical: responseIsSigned(cmd.useCase, cmd.critical, m.mac !== null),
      dateTime,
      otherInfo,
    });
    if (exec.commit ?? true) this.security.commit(cmd);
    this.metrics.inc(`device.outcome.${exec.outcome}`);
    this.recordEvent({
      kind: 'command',
      decision: 'accepted',
      reason: exec.outcome === 'applied' || exec.outcome === 'read' ? 'OK' : exec.outcome.toUpperCase(),
      useCase: cmd.useCase,
      messageCode: m.messageCode,
      originator: m.originator,
      originatorCounter: m.originatorCounter,
      response: toHex(response),
      detail: exec.detail,
    });
    this.send(response, 'response');
    for (const a of exec.alerts ?? []) this.sendAlert(a.payload, a.messageCode, a.critical, a.code);
  }

  protected alertRecipient(): Eui | null {
    return this.alertRecipientOverride ?? this.security.trustAnchors.cell('supplier')?.eui ?? null;
  }

  private raiseSecurityAlert(code: number): void {
    const now = this.deviceNow();
    if (now - this.alertWindow.start >= 60_000) this.alertWindow = { start: now, count: 0 };
    if (this.alertWindow.count >= this.securityAlertsPerMinute) {
      this.metrics.inc('device.alerts.suppressed');
      return;
    }
    this.alertWindow.count++;
    // 8Fxx alerts are critical: Generic Critical Alert (0x1000), signed (RTDS NA_GCA-DLMS).
    const critical = (code & 0xff00) === 0x8f00;
    this.sendAlert(this.encodeSimpleAlert(code, now), critical ? 0x1000 : 0x1001, critical, code);
  }

  /** Builds, protects and sends an alert to the alert recipient. */
  protected sendAlert(payload: Uint8Array, messageCode: number, critical: boolean, code?: number): void {
    const recipient = this.alertRecipient();
    if (!recipient) {
      this.metrics.inc('device.alerts.noRecipient');
      return;
    }
    const { bytes, counter } = this.security.buildAlert({ recipient, messageCode, payload, critical });
    this.metrics.inc('device.alerts');
    this.recordEvent({
      kind: 'alert-sent',
      messageCode,
      originatorCounter: counter,
      response: toHex(bytes),
      detail: code === undefined ? undefined : { alertCode: hex4(code) },
    });
    this.send(bytes, 'alert');
  }

  /** Sends bytes to the CHF now, or holds them (bounded) until an uplink is attached. */
  protected send(bytes: Uint8Array, kind: string): void {
    if (this.uplink) {
      this.transmit(bytes, kind);
      return;
    }
    if (!this.outbox.offer({ bytes, kind })) {
      this.metrics.inc('device.outbox.dropped');
      this.log.warn('outbox full: message dropped', { kind });
    }
  }

  private flushOutbox(): void {
    for (let m = this.outbox.shift(); m; m = this.outbox.shift()) this.transmit(m.bytes, m.kind);
  }

  private transmit(bytes: Uint8Array, kind: string): void {
    const up = this.uplink!;
    this.metrics.inc(`device.sent.${kind}`);
    up.send(bytes, (r: HanSendResult) => {
      if (!r.ok) {
        this.metrics.inc(`device.sendFailed.${r.reason}`);
        this.log.warn('HAN send failed', { kind, reason: r.reason });
      }
    });
  }

  // ------------------------------------------------------------------ future-dated execution

  /**
   * A command asks for future-dated execution (issue 15, GBCS): refused while
   * the device's time is Unreliable, since "when" means nothing on a clock
   * that may be wrong (SECMP0038 3.1.1: future-dated work waits for reliable
   * time); nothing is queued, the command is answered as one the device
   * cannot accept. Accepted once the time is Reliable again.
   */
  protected acceptFutureDated(entry: FutureDatedEntry): void {
    this.syncTime();
    if (this.timeStatus !== 'reliable') {
      this.metrics.inc('device.futureDated.refused{time-unreliable}');
      throw new FutureDatedTimeUnreliableError(entry.useCase, entry.executeAt);
    }
    this.scheduleFutureDated(entry);
  }

  /**
   * Queues a command for execution at `entry.executeAt` on the device clock,
   * replacing a pending one of the same key (`entry.key`, default the use case).
   */
  protected scheduleFutureDated(entry: FutureDatedEntry): void {
    const key = futureDatedKey(entry);
    this.cancelFutureDated(key);
    const timer = this.clock.setTimer(
      entry.executeAt - this.deviceNow(),
      () => this.fireFutureDated(key),
      `${this.eui} future-dated ${key}`,
    );
    this.futureDated.set(key, { entry, timer });
    this.recordEvent({
      kind: 'state-change',
      useCase: entry.useCase,
      detail: { futureDated: new Date(entry.executeAt).toISOString(), ...(entry.key ? { key } : {}) },
    });
  }

  /** Cancels the pending future-dated command of this key (a use case, or an entry's `key`); true if there was one. */
  protected cancelFutureDated(key: string): boolean {
    const p = this.futureDated.get(key);
    if (!p) return false;
    p.timer.cancel();
    this.futureDated.delete(key);
    return true;
  }

  /** Pending future-dated commands (test automation API). */
  pendingFutureDated(): FutureDatedEntry[] {
    return [...this.futureDated.values()].map((p) => ({ ...p.entry }));
  }

  private fireFutureDated(key: string): void {
    const p = this.futureDated.get(key);
    if (!p) return;
    this.syncTime();
    // The device clock may have moved since scheduling: run only when its time has come.
    if (this.deviceNow() < p.entry.executeAt) {
      this.scheduleFutureDated(p.entry);
      return;
    }
    this.futureDated.delete(key);
    const useCase = p.entry.useCase;
    try {
      const r = this.executeFutureDated(p.entry);
      this.metrics.inc(`device.futureDated.${r.ok ? 'actioned' : 'failed'}`);
      this.recordEvent({
        kind: 'state-change',
        useCase,
        reason: r.ok ? 'FUTURE_DATED_ACTIONED' : 'FUTURE_DATED_FAILED',
        messageCode: p.entry.messageCode,
        ...(p.entry.key ? { detail: { key } } : {}),
      });
      // 0x8F66 / 0x8F67 Future-dated command (not) successfully actioned: critical, signed (RTDS).
      this.sendAlert(r.alert.payload, r.alert.messageCode, true, r.ok ? 0x8f66 : 0x8f67);
    } catch (err) {
      this.recordError(`future-dated ${key} failed unexpectedly`, err);
    }
  }

  private rescheduleFutureDated(): void {
    for (const { entry } of [...this.futureDated.values()]) this.scheduleFutureDated(entry);
  }

  // ------------------------------------------------------------------ events, snapshot

  /** Calls `listener` with every event the device records (the simulator counts applied commands). */
  onEvent(listener: (e: DeviceEvent) => void): () => void {
    this.eventListeners.push(listener);
    return () => {
      const i = this.eventListeners.indexOf(listener);
      if (i >= 0) this.eventListeners.splice(i, 1);
    };
  }
  private readonly eventListeners: Array<(e: DeviceEvent) => void> = [];

  protected recordEvent(e: Partial<DeviceEvent> & { kind: DeviceEvent['kind'] }): void {
    const ev: DeviceEvent = { at: this.clock.now(), device: this.eui, ...e };
    for (const l of this.eventListeners) l(ev);
    this.eventLog.push(ev);
    if (this.eventLog.length > this.maxEvents) this.eventLog.splice(0, this.eventLog.length - this.maxEvents);
  }

  private recordError(msg: string, err: unknown): void {
    this.metrics.inc('device.errors');
    this.log.error(msg, { error: err instanceof Error ? err.message : String(err) });
    this.recordEvent({
      kind: 'error',
      detail: { message: msg, error: err instanceof Error ? err.message : String(err) },
    });
  }

  protected snapshotBase(): MeterSnapshotBase {
    return {
      security: this.security.snapshot(),
      clockOffsetMs: this.clockOffsetMs,
      timeStatus: this.timeStatus,
      futureDated: this.pendingFutureDated(),
      ...(this.faults.size ? { hardwareFaults: [...this.faults].sort() } : {}),
    };
  }

  protected restoreBase(s: MeterSnapshotBase): void {
    this.security.restore(s.security);
    this.clockOffsetMs = s.clockOffsetMs;
    this.timeStatus = s.timeStatus;
    this.faults.clear();
    for (const f of s.hardwareFaults ?? []) this.faults.add(f);
    for (const key of [...this.futureDated.keys()]) this.cancelFutureDated(key);
    for (const e of s.futureDated) this.scheduleFutureDated(e);
  }
}

function futureDatedKey(e: FutureDatedEntry): string {
  return e.key ?? e.useCase;
}

export function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * A simple alert (code + time) as an Execution carries it: alert codes 0x8Fxx
 * are critical and go in a GCA (Message Code 0x1000), the rest in a GNCA (0x1001).
 */
export function simpleAlertOf(code: number, payload: Uint8Array): NonNullable<Execution['alerts']>[number] {
  const critical = (code & 0xff00) === 0x8f00;
  return { code, payload, critical, messageCode: critical ? 0x1000 : 0x1001 };
}
