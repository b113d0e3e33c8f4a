/**
 * A Type 1 HCALCS (HAN Connected Auxiliary Load Control Switch) emulator: a
 * HAN device with its own GBCS identity that runs the catalogue rows aimed at
 * it (CS08, CS03A2/CS03C, CS04AC, CS07; anything else targeting it gets the
 * family's "unsupported" answer) through the shared han-device modules, after
 * the same DeviceSecurity checks as a meter. See docs/devices.md "HCALCS".
 *
 * The load switch: its ESME drives it over the HAN (ZCL On/Off cluster
 * 0x0006 On / Off, APS-secured with the ESME-HCALCS application link key the
 * CH hands both; answered with a Default Response), when the ESME runs an
 * ALCS command (ECS47 / ECS47a / ECS47e, DUIS 7.5-7.8, 7.13, 7.16) for the
 * switch whose device id is this HCALCS (docs/devices.md "HCALCS in a
 * home"; PROVISIONAL: GBCS's own ESME-to-HCALCS mechanism was not available
 * here). The backchannel `setSwitch` sets it too (an event and a count per
 * change); it is kept in the snapshot.
 */

import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import type { Clock } from '../../runtime/clock.ts';
import { PpmidRelayError } from '../../runtime/errors.ts';
import { Metrics } from '../../runtime/metrics.ts';
import { decodeDefaultResponse, encodeDefaultResponse, ZCL_STATUS_SUCCESS } from '../../zigbee/zcl.ts';
import {
  decodeOnOffCommand,
  ON_OFF_CLUSTER_ID,
  ZCL_ON_OFF_OFF,
  ZCL_ON_OFF_ON,
} from '../../zigbee/zcl-onoff.ts';
import type { DeviceEvent, GbcsDevice, HanUplink } from '../contracts.ts';
import { encodeZseCommand, zseClusterOf } from '../han/zse-commands.ts';
import { type HanDeviceState, HanOwnUseCases } from '../han-device/own-use-cases.ts';
import { decodeHanMessage, runOwnCommand } from '../han-device/run-own-command.ts';
import type { DeviceCredentials, TrustAnchors } from '../security/credentials.ts';
import { DeviceSecurity, type DeviceSecuritySnapshot } from '../security/device-security.ts';

export type HcalcsErrorCode = 'HCALCS_CONFIG' | 'HCALCS_SNAPSHOT_INVALID';

/** Wrong use of the emulator (configuration, a snapshot not its own); never bad input from the HAN. */
export class HcalcsError extends PpmidRelayError {
  declare readonly code: HcalcsErrorCode;
  constructor(code: HcalcsErrorCode, message: string) {
    super(code, message);
  }
}

export type SwitchState = 'on' | 'off';

export interface HcalcsOptions {
  clock: Clock;
  /** the HCALCS's KA/DS keys and certificates; its EUI is theirs */
  credentials: DeviceCredentials;
  trustAnchors: TrustAnchors;
  metrics?: Metrics;
  /** 4 bytes hex (CS08), default 00000000 */
  firmwareVersion?: string;
  /** the load switch at power-up (default `off`) */
  switchState?: SwitchState;
  /** events kept (default 1000; older ones are dropped and counted) */
  maxEvents?: number;
}

/** What `snapshot()` gives and `Hcalcs.restore` takes: JSON-safe. */
export interface HcalcsSnapshot {
  format: 'hcalcs-snapshot/1';
  eui: Eui;
  security: DeviceSecuritySnapshot;
  own: HanDeviceState;
  switchState: SwitchState;
}

export class Hcalcs implements GbcsDevice {
  readonly deviceType = 'HCALCS' as const;
  readonly eui: Eui;
  readonly security: DeviceSecurity;
  /** the HCALCS's own use cases (han-device/own-use-cases.ts) */
  readonly own: HanOwnUseCases;
  readonly metrics: Metrics;
  private readonly clock: Clock;
  private readonly maxEvents: number;
  private readonly eventLog: DeviceEvent[] = [];
  private uplink: HanUplink | undefined;
  private switch: SwitchState;
  private tsn = 0;

  constructor(o: HcalcsOptions) {
    this.eui = normaliseEui(o.credentials.eui);
    this.clock = o.clock;
    this.metrics = o.metrics ?? new Metrics();
    this.maxEvents = o.maxEvents ?? 1000;
    if (!Number.isInteger(this.maxEvents) || this.maxEvents < 1)
      throw new HcalcsError('HCALCS_CONFIG', `maxEvents must be a positive integer: ${o.maxEvents}`);
    this.switch = o.switchState ?? 'off';
    if (this.switch !== 'on' && this.switch !== 'off')
      throw new HcalcsError('HCALCS_CONFIG', `switch state must be on or off: ${String(o.switchState)}`);
    this.security = new DeviceSecurity({
      credentials: o.credentials,
      trustAnchors: o.trustAnchors,
      metrics: this.metrics,
    });
    this.own = new HanOwnUseCases({
      deviceType: 'HCALCS',
      security: this.security,
      metrics: this.metrics,
      now: () => this.clock.now(),
      ...(o.firmwareVersion ? { firmwareVersion: o.firmwareVersion } : {}),
    });
  }

  get events(): readonly DeviceEvent[] {
    return this.eventLog;
  }

  attachUplink(uplink: HanUplink): void {
    this.uplink = uplink;
  }

  /** A GBCS message over the HAN: a command addressed to the HCALCS is checked and run; anything else is refused. */
  onRemotePartyMessage(bytes: Uint8Array): void {
    const got = decodeHanMessage({ metrics: this.metrics, event: (e) => this.event(e) }, 'hcalcs', bytes);
    if (!got) return;
    const { m, base } = got;
    if (m.cra !== 'command' || m.recipient !== this.eui) {
      const reason = m.cra !== 'command' ? 'UNEXPECTED_MESSAGE' : 'NOT_FOR_ME';
      this.metrics.inc(`hcalcs.han.received.${reason}`);
      this.event({
        kind: 'error',
        decision: 'rejected',
        reason,
        ...base,
        detail: { cra: m.cra, recipient: m.recipient },
      });
      return;
    }
    runOwnCommand(
      {
        metricPrefix: 'hcalcs',
        security: this.security,
        own: this.own,
        metrics: this.metrics,
        event: (e) => this.event(e),
        send: (b) => {
          this.uplink?.send(b);
          return this.uplink !== undefined;
        },
      },
      bytes,
      base,
    );
  }

  // ---------------------------------------------------------------- the load switch

  switchState(): SwitchState {
    return this.switch;
  }

  /**
   * HECS01 (GBCS V3.1, HAN Only, ZSE specified): the HCALCS asks its ESME
   * for control with a ZSE DRLC Get Scheduled Events (all events from now)
   * on the HAN, APS-secured with their application link key. The ESME logs
   * it and drives the switch to the state it holds for this HCALCS (On/Off,
   * answered like any other); its own answer (a Default Response) goes to
   * `done` (the ZCL status, or the HAN failure). False when there is no HAN
   * path with a link key to `esme`.
   */
  requestControl(
    esme: Eui,
    done: (r: { ok: boolean; status?: number; reason?: string }) => void = () => {},
  ): boolean {
    const u = this.uplink;
    const to = normaliseEui(esme);
    if (!u?.clusterCommand || !u.hasPeerLinkKey?.(to)) {
      this.metrics.inc('hcalcs.han.request-control.no-link-key');
      return false;
    }
    this.tsn = (this.tsn + 1) & 0xff;
    const tsn = this.tsn;
    const frame = encodeZseCommand(
      'drlc.getScheduledEvents',
      { startTime: 0, numberOfEvents: 0, issuerEventId: 0 },
      { tsn },
    );
    this.metrics.inc('hcalcs.han.request-control.sent');
    this.event({ kind: 'customer', reason: 'REQUEST_CONTROL', useCase: 'HECS01', detail: { esme: to } });
    u.clusterCommand(to, zseClusterOf('drlc.getScheduledEvents'), frame, tsn, (r) => {
      if (!r.ok) {
        this.metrics.inc('hcalcs.han.request-control.no-answer');
        done({ ok: false, reason: r.reason });
        return;
      }
      try {
        const d = decodeDefaultResponse(r.asdu);
        this.metrics.inc('hcalcs.han.request-control.answered');
        done({ ok: true, status: d.status });
      } catch (e) {
        this.metrics.inc('hcalcs.han.request-control.malformed');
        done({ ok: false, reason: e instanceof Error ? e.message : String(e) });
      }
    });
    return true;
  }

  /** Backchannel: sets the load switch (an event and `hcalcs.switch.<state>` when it changes). */
  setSwitch(state: SwitchState, source = 'backchannel'): void {
    if (state !== 'on' && state !== 'off')
      throw new HcalcsError('HCALCS_CONFIG', `switch state must be on or off: ${String(state)}`);
    if (state === this.switch) return;
    const from = this.switch;
    this.switch = state;
    this.metrics.inc(`hcalcs.switch.${state}`);
    this.event({ kind: 'state-change', detail: { switch: state, from, source } });
  }

  /**
   * A ZCL cluster command from a device sharing an application link key with
   * this HCALCS (its ESME): On/Off sets the switch and is answered with a
   * Default Response (SUCCESS); another cluster is not served (null). A
   * malformed or unsupported On/Off frame is counted and thrown (the node
   * logs it); the switch is unchanged.
   */
  answerClusterCommand(clusterId: number, asdu: Uint8Array, from: Eui): Uint8Array | null {
    if (clusterId !== ON_OFF_CLUSTER_ID) return null;
    let c: ReturnType<typeof decodeOnOffCommand>;
    try {
      c = decodeOnOffCommand(asdu);
    } catch (err) {
      this.metrics.inc('hcalcs.han.onoff.refused');
      this.event({
        kind: 'error',
        decision: 'rejected',
        reason: 'MALFORMED',
        detail: { from, cluster: clusterId, error: err instanceof Error ? err.message : String(err) },
      });
      throw err;
    }
    this.metrics.inc(`hcalcs.han.onoff.${c.on ? 'on' : 'off'}`);
    this.setSwitch(c.on ? 'on' : 'off', `esme:${from}`);
    return encodeDefaultResponse({
      direction: 's2c',
      transactionSequenceNumber: c.transactionSequenceNumber,
      commandId: c.on ? ZCL_ON_OFF_ON : ZCL_ON_OFF_OFF,
      status: ZCL_STATUS_SUCCESS,
    });
  }

  // ---------------------------------------------------------------- snapshot

  snapshot(): HcalcsSnapshot {
    return {
      format: 'hcalcs-snapshot/1',
      eui: this.eui,
      security: this.security.snapshot(),
      own: this.own.snapshot(),
      switchState: this.switch,
    };
  }

  /** An HCALCS restarted from `snapshot` with fresh dependencies (clock, credentials, trust anchors). */
  static restore(snapshot: HcalcsSnapshot, deps: HcalcsOptions): Hcalcs {
    if (snapshot?.format !== 'hcalcs-snapshot/1')
      throw new HcalcsError('HCALCS_SNAPSHOT_INVALID', 'not an hcalcs-snapshot/1');
    const h = new Hcalcs(deps);
    if (snapshot.eui !== h.eui)
      throw new HcalcsError('HCALCS_SNAPSHOT_INVALID', `snapshot is of HCALCS ${snapshot.eui}, not ${h.eui}`);
    if (snapshot.switchState !== 'on' && snapshot.switchState !== 'off')
      throw new HcalcsError('HCALCS_SNAPSHOT_INVALID', `switch state ${String(snapshot.switchState)}`);
    try {
      h.security.restore(snapshot.security);
      h.own.restore(snapshot.own);
    } catch (err) {
      throw new HcalcsError('HCALCS_SNAPSHOT_INVALID', `snapshot state unreadable: ${String(err)}`);
    }
    h.switch = snapshot.switchState;
    return h;
  }

  private event(e: Omit<DeviceEvent, 'at' | 'device'>): void {
    this.eventLog.push({ at: this.clock.now(), device: this.eui, ...e });
    if (this.eventLog.length > this.maxEvents) {
      this.eventLog.splice(0, this.eventLog.length - this.maxEvents);
      this.metrics.inc('hcalcs.events.dropped');
    }
  }
}
