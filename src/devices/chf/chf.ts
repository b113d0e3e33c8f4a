/**
 * The Communications Hub Function (CHF) of one home, with its GPF: the state
 * machine between the SM WAN (ChWanPort) and the HAN (ChHanNode).
 *
 * - Device Log (HAN.md; C3 relay flag), changed by CCS01 / CCS02 from the
 *   WAN (verified like any command to the CHF) or the provisioning API.
 * - Routing per GBCS 10.8.2 for every source (routing.ts: CH-1, CH-2); every
 *   decision is an event with its reason.
 * - CH-2 / CH-3: discards of PPMID traffic raise PPMID Relay Rejected at once,
 *   throttled per cause; OTA cluster traffic from a PPMID is refused.
 * - CH-4: responses and alerts go to the WAN only, through a bounded uplink
 *   buffer while it is down, flushed in order when it returns; overflow is
 *   counted and alerted.
 * - CH-5: PPMID Connected on join and on tunnel open.
 * - CH-6: Block / Unblock Buffer Feed (PROVISIONAL codes) put the CH in and
 *   out of standalone mode: nothing from a PPMID is relayed and nothing PPMID
 *   traffic caused reaches the WAN; the CH's own alerts still do.
 * - CH-7: a token bucket per PPMID and a cap on the PPMID's airtime share
 *   (its own transmissions plus the relays it caused); PPMID relays go
 *   through one bounded queue, one at a time, so WAN traffic keeps flowing.
 * - CH-8: every buffer bounded, counted, with high-water marks (Metrics).
 * - GSME mailbox with expiry (a day by default) and 819D on expiry.
 * - HHT: joins only in the first 60 minutes after power-up.
 * The CHF's own Responses and alerts are real GBCS, MAC'd and signed with the
 * CHF's keys (from its KeyStore).
 */
import type { KeyObject } from 'node:crypto';
import { type CommandRejection, checkCommand, ReplayGuard } from '../../gbcs/acceptance.ts';
import { lookupMessageCode } from '../../gbcs/codes/message-codes.ts';
import {
  type BufferId,
  type ChTimeRefusal,
  decodeBufferFeedCommand,
  decodeChTimeCommand,
  encodeBufferFeedResponse,
  encodeChTimeResponse,
  type PpmidConnectHow,
  PROVISIONAL_MESSAGE_CODE,
  PROVISIONAL_MESSAGE_CODES,
  type ProvisionalAlert,
  type RelayRejectReason,
  type StandaloneCause,
} from '../../gbcs/codes/provisional.ts';
import { GbcsError } from '../../gbcs/errors.ts';
import { GbtReassembler } from '../../gbcs/gbt.ts';
import type { KeyStore } from '../../gbcs/keystore.ts';
import { cosemDateTimeFromDate, type DlmsData, gbcsInvokeId } from '../../gbcs/payload/dlms.ts';
import { SecurityContext } from '../../gbcs/security.ts';
import { DEFAULT_ACB_EUI, type GbcsMessage } from '../../gbcs/types.ts';
import { type Eui, fromHex, normaliseEui, toHex } from '../../runtime/bytes.ts';
import type { Clock, TimerHandle } from '../../runtime/clock.ts';
import { LazyMap, LazySet } from '../../runtime/lazy-collections.ts';
import { Logger } from '../../runtime/logger.ts';
import { BoundedQueue, Metrics } from '../../runtime/metrics.ts';
import {
  type GsmeMailboxCommand,
  TransferDataStatus,
  TunnelStatus,
  ZigbeeError,
} from '../../zigbee/index.ts';
import { isOtaImage } from '../../zigbee/ota.ts';
import type {
  ChDecision,
  ChSource,
  ChWanPort,
  DeviceType,
  GbcsDevice,
  HanSendResult,
  HanUplink,
} from '../contracts.ts';
import { AirtimeLog } from '../han/airtime.ts';
import type { HanDataIndication, HanMedium } from '../han/medium.ts';
import { OTA_UPGRADE_CLUSTER_ID } from '../han/node.ts';
import { ChHanNode, type ChTunnel, type ChTunnelDataInfo } from '../han/node-ch.ts';
import {
  AlertThrottle,
  CHF_GBCS_ALERT,
  type ChfAlertContent,
  failureToDeliverToEsmeContent,
  gbcsAlertContent,
  provisionalAlertContent,
  TokenBucket,
} from './alerts.ts';
import { chfAuthority } from './authority.ts';
import { ChClock, type ChTimeConfig, DEFAULT_CH_TIME_CONFIG } from './ch-time.ts';
import { type ChfState, initialChfState } from './chf-state.ts';
import { CHF_EVENT, ChfCommands, withAlertCounter } from './commands.ts';
import { ChfKeyStore, ChfTrustAnchors } from './credentials.ts';
import { type ChfDeviceLogEntry, DeviceLog, DeviceLogError, EuiSet } from './device-log.ts';
import { FirmwareDistribution } from './firmware-distribution.ts';
import { type ChAction, ChfRouter, type ChReason, RouteVerdict } from './routing.ts';
import { changeSubGhzChannel } from './sub-ghz-channel.ts';
import { uplinkOverflow } from './uplink-overflow.ts';

export interface ChfConfig extends ChTimeConfig {
  /** Tunnel maximum transfer size each way (HAN.md), default 1500. */
  maxTransferSize: number;
  deviceLogCapacity: number;
  /** Messages the WAN uplink buffer holds while the WAN is down (CH-4, CH-8). */
  uplinkCapacity: number;
  /** Extra uplink slots only the CHF's own alerts may use, so an overflow can still be reported. */
  uplinkAlertReserve: number;
  /** Messages per GSME mailbox. */
  mailboxCapacity: number;
  /** How long a message waits for its GSME (HAN.md: a day). */
  mailboxExpiryMs: number;
  /** CH-2: at most one alert per cause in this window (the rest summarised). */
  alertThrottleMs: number;
  /** CH-7 token bucket per PPMID: burst and refill rate of relayed commands. */
  ppmidRelayBurst: number;
  ppmidRelayPerMinute: number;
  /** CH-7: largest share of HAN airtime a PPMID (its transmissions plus the relays it caused) may use. */
  ppmidAirtimeShareCap: number;
  ppmidAirtimeWindowMs: number;
  /** PPMID-relayed commands waiting for the HAN (one is in flight at a time). */
  relayQueueCapacity: number;
  /** HHTs may join only this long after power-up (HAN.md: 60 minutes). */
  hhtJoinWindowMs: number;
  eventLogCapacity: number;
  /** Remembered (originator, counter) pairs for routing responses (HHT, PPMID-caused). */
  correlationCapacity: number;
  /**
   * How long a restart keeps the CH off the HAN and the WAN. Any value works
   * for the HAN: the radio keeps its frame counter, APS counter and receive
   * frame-counter guard across the restart (han/node.ts), so peers neither
   * drop its first frames as duplicates nor does the restart reopen a replay
   * window.
   */
  bootMs: number;
}

export const DEFAULT_CHF_CONFIG: ChfConfig = {
  maxTransferSize: 1500,
  deviceLogCapacity: 32,
  uplinkCapacity: 256,
  uplinkAlertReserve: 32,
  mailboxCapacity: 16,
  mailboxExpiryMs: 24 * 3_600_000,
  alertThrottleMs: 60_000,
  ppmidRelayBurst: 5,
  ppmidRelayPerMinute: 10,
  ppmidAirtimeShareCap: 0.1,
  ppmidAirtimeWindowMs: 60_000,
  relayQueueCapacity: 8,
  hhtJoinWindowMs: 3_600_000,
  eventLogCapacity: 20_000,
  correlationCapacity: 512,
  bootMs: 5_000,
  ...DEFAULT_CH_TIME_CONFIG,
};

export interface ChfOptions {
  clock: Clock;
  medium: HanMedium;
  wan: ChWanPort;
  /** The CHF's Entity ID. */
  eui: Eui;
  /** The GPF's Entity ID; also the CH radio's IEEE address on the HAN (HAN.md). */
  gpfEui: Eui;
  /** Trust anchors (remote-party and device certificates) and the CHF's own KA and DS private keys. */
  keyStore: KeyStore;
  /** The Root public key a CS02b replacement certificate's path must end in (credentials.ts); none: none verifies. */
  rootPublicKey?: KeyObject;
  /** The ACB that MACs commands (default the RTDS test ACB). */
  acb?: Eui;
  /** Recipient of the CHF's alerts (default: the ACB, as the RTDS CHF alerts). */
  alertRecipient?: Eui;
  /** The GPF application (inside the CH), if any. */
  gpf?: GbcsDevice;
  config?: Partial<ChfConfig>;
  metrics?: Metrics;
  name?: string;
  /** The CH's real-time clock minus true time before any time sync (ms), default 0 (ch-time.ts). */
  clockOffsetMs?: number;
  /** The device type of a HAN device the home knows (CCS03 restores entries that carry none). */
  deviceTypeOf?: (eui: Eui) => DeviceType | undefined;
}

/** One entry of the CH event log. */
export interface ChEvent {
  seq: number;
  at: number;
  kind:
    | 'route'
    | 'alert'
    | 'uplink'
    | 'join'
    | 'tunnel'
    | 'device-log'
    | 'command'
    | 'mailbox'
    | 'standalone'
    | 'delivery'
    | 'power'
    | 'han'
    | 'time'
    | 'firmware';
  reason: string;
  decision?: ChDecision;
  source?: ChSource;
  action?: ChAction;
  /** the HAN device the bytes came from (null: the WAN) */
  from?: Eui | null;
  target?: Eui | null;
  targetType?: string | null;
  originator?: Eui | null;
  messageCode?: number | null;
  cra?: string | null;
  counter?: string | null;
  size?: number;
  relayed?: boolean;
  gbt?: boolean;
  alertCode?: number;
  detail?: Record<string, unknown>;
}

/** One alert the CHF raised. */
export interface ChAlert {
  seq: number;
  at: number;
  alertCode: number;
  name: string;
  critical: boolean;
  recipient: Eui;
  counter: bigint;
  bytes: Uint8Array;
  /** instances of the same cause summarised in this one (CH-2 throttle) */
  suppressed: number;
  detail?: Record<string, unknown>;
}

/**
 * One message of the WAN uplink buffer as the CH keeps it in non-volatile
 * memory (CH-4: responses wait there while the WAN is down; a power cut must
 * not lose them). JSON-safe.
 */
export interface UplinkBufferEntry {
  bytes: string;
  from: Eui;
  kind: 'response' | 'alert' | 'command';
  own: boolean;
  ppmidCaused: boolean;
  queuedAt: number;
  /** handed to the WAN, not yet confirmed held by its recipient: sent again after a power cut */
  sent?: boolean;
}

interface UplinkItem {
  id: number;
  bytes: Uint8Array;
  from: Eui;
  kind: 'response' | 'alert' | 'command';
  /** the CHF's own alert or response */
  own: boolean;
  /** a response to a PPMID-relayed command (CH-6: withheld in standalone) */
  ppmidCaused: boolean;
  queuedAt: number;
}

interface MailboxItem {
  bytes: Uint8Array;
  queuedAt: number;
  expiresAt: number;
  timer: TimerHandle;
  messageCode: number;
  originator: Eui;
  counter: bigint;
  ppmidCaused: boolean;
}

interface RelayItem {
  ppmid: Eui;
  target: Eui;
  bytes: Uint8Array;
  key: string;
  queuedAt: number;
}

/** DLMS Action-Result / Data-Access-Result: success. */
const RESULT_SUCCESS = 0;

/** The security-log event of each refusal (the codes of device-security.ts ALERT_FOR_REJECTION). */
const SECURITY_EVENT_FOR: Partial<Record<CommandRejection, number>> = {
  'signature-missing': CHF_EVENT.AUTHENTICATION_FAILURE,
  'signature-invalid': CHF_EVENT.AUTHENTICATION_FAILURE,
  replay: CHF_EVENT.REPLAY,
  'no-key': CHF_EVENT.NO_AUTHORITY,
};

export class Chf {
  readonly eui: Eui;
  readonly gpfEui: Eui;
  readonly config: ChfConfig;
  readonly deviceLog: DeviceLog;
  readonly router: ChfRouter;
  readonly node: ChHanNode;
  readonly metrics: Metrics;
  readonly security: SecurityContext;
  /** The CH's clock and time status (SECMP0038 3.1.1): from the WAN, else from Set CH Time. */
  readonly time: ChClock;
  /** The CHF's own use cases and their state (commands.ts, chf-state.ts). */
  readonly commands: ChfCommands;
  private readonly useCaseState: { state: ChfState };
  /** firmware files from the WAN, to the CHF itself or its HAN devices (firmware-distribution.ts) */
  private readonly firmware: FirmwareDistribution;
  /** per HAN peer: when the CHF last heard from it, failed sends to it (CCS06) */
  private readonly peerSeen: Map<Eui, { lastHeardAt: number | null; failures: number }> = new LazyMap();
  readonly events: ChEvent[] = [];
  readonly alerts: ChAlert[] = [];
  private readonly clock: Clock;
  private readonly medium: HanMedium;
  private readonly wan: ChWanPort;
  private readonly log: Logger;
  private readonly verdict = new RouteVerdict();
  private readonly replay = new ReplayGuard();
  private readonly throttle: AlertThrottle;
  private readonly uplink: BoundedQueue<UplinkItem>;
  private readonly relayQueue: BoundedQueue<RelayItem>;
  /** Set while a PPMID transfer is routed: the TransferDataError status to answer (CH-7 refusals). */
  private refusal: TransferDataStatus | undefined;
  private relayInFlight: RelayItem | undefined;
  private readonly mailboxes: Map<Eui, BoundedQueue<MailboxItem>> = new LazyMap();
  private readonly buckets: Map<Eui, TokenBucket> = new LazyMap();
  private readonly relayAirtime: Map<Eui, AirtimeLog> = new LazyMap();
  /** `${originator}:${counter}` of HHT-sourced commands -> the HHT (responses go back to it) */
  private readonly hhtCommands: Map<string, Eui> = new LazyMap();
  /** `${device}:${originator}:${counter}` of PPMID-relayed commands delivered (CH-6) */
  private readonly ppmidCaused: Map<string, Eui> = new LazyMap();
  private readonly joined = new Set<Eui>();
  private readonly ownGbt = new GbtReassembler({ maxStreams: 4, maxMessageBytes: 16_384 });
  private readonly listeners: Array<(e: ChEvent) => void> = [];
  private readonly alertRecipient: Eui;
  /** The GPF application inside this CH (null: none; its commands are logged `no-gpf-application`). */
  readonly gpf: GbcsDevice | undefined;
  private seq = 0;
  private alertSeq = 0;
  private uplinkId = 0;
  private readonly uplinkListeners: Set<() => void> = new LazySet();
  /** uplink messages handed to the WAN whose recipient has not yet confirmed holding them (oldest first) */
  private readonly unconfirmed: Map<number, UplinkItem> = new LazyMap();
  private counter = 1n;
  private bufferFullRaised: Set<BufferId> = new LazySet();
  private poweredUpAt: number;
  private running = true;
  private standaloneState: { since: number; by: Eui | null } | null = null;
  eventsEvicted = 0;

  constructor(o: ChfOptions) {
    this.clock = o.clock;
    this.medium = o.medium;
    this.wan = o.wan;
    this.eui = normaliseEui(o.eui);
    this.gpfEui = normaliseEui(o.gpfEui);
    this.config = { ...DEFAULT_CHF_CONFIG, ...o.config };
    this.metrics = o.metrics ?? new Metrics();
    this.log = Logger.withClock('chf', () => this.clock.now());
    const trustAnchors = new ChfTrustAnchors(o.keyStore, o.rootPublicKey ?? null);
    const keyStore = new ChfKeyStore(o.keyStore, trustAnchors);
    this.security = new SecurityContext({ keyStore, acb: o.acb ?? DEFAULT_ACB_EUI });
    this.alertRecipient = normaliseEui(o.alertRecipient ?? this.security.acb);
    this.time = new ChClock(this.clock, this.wan, this.config, o.clockOffsetMs ?? 0);
    this.deviceLog = new DeviceLog({
      capacity: this.config.deviceLogCapacity,
      reserved: [this.eui, this.gpfEui],
    });
    const remoteParties = new EuiSet();
    for (const e of o.keyStore.remoteParties()) remoteParties.add(e);
    this.router = new ChfRouter({
      chf: this.eui,
      gpf: this.gpfEui,
      deviceLog: this.deviceLog,
      remoteParties,
      maxTransferSize: this.config.maxTransferSize,
    });
    this.router.wanUp = this.wan.isUp();
    this.throttle = new AlertThrottle(this.clock, this.config.alertThrottleMs);
    this.uplink = new BoundedQueue<UplinkItem>(
      'chf.buffer.wan-uplink',
      this.config.uplinkCapacity + this.config.uplinkAlertReserve,
      this.metrics,
    );
    this.relayQueue = new BoundedQueue<RelayItem>(
      'chf.buffer.ppmid-relay',
      this.config.relayQueueCapacity,
      this.metrics,
    );
    this.poweredUpAt = this.clock.now();
    this.node = new ChHanNode({
      medium: o.medium,
      clock: o.clock,
      eui: this.gpfEui,
      maxIncomingTransferSize: this.config.maxTransferSize,
      linkKeyFor: (peer) => this.deviceLog.get(peer)?.linkKey,
      handlers: {
        isLogged: (peer) => this.deviceLog.has(peer),
        onTunnelData: (peer, data, info) => this.onTunnelData(peer, data, info),
        onMailboxCommand: (peer, cmd, info) => this.onMailboxCommand(peer, cmd, info),
        onTunnelOpened: (t) => this.onTunnelOpened(t),
        onTunnelRequestFailed: (peer, reason) =>
          this.emit({
            kind: 'tunnel',
            reason: 'tunnel-request-failed',
            target: peer,
            detail: { why: reason },
          }),
        // Only a GSME asks the CH for a tunnel (HAN.md); others are asked by the CH.
        onTunnelRequest: (peer) =>
          this.deviceLog.get(peer)?.deviceType === 'GSME' ? TunnelStatus.Success : TunnelStatus.Busy,
        onTunnelProtocolError: (peer, reason) =>
          this.emit({ kind: 'han', reason: 'tunnel-protocol-error', from: peer, detail: { why: reason } }),
        onOtherCluster: (ind) => this.onOtherCluster(ind),
      },
    });
    this.gpf = o.gpf;
    if (this.gpf) this.gpf.attachUplink(this.gpfUplink());
    this.useCaseState = { state: initialChfState(this.eui, this.clock.now()) };
    this.commands = new ChfCommands(
      {
        eui: this.eui,
        gpfEui: this.gpfEui,
        deviceLog: this.deviceLog,
        keyStore,
        trustAnchors,
        now: () => this.time.now(),
        deviceTypeOf: (eui) => o.deviceTypeOf?.(eui),
        hanPeer: (eui) => ({
          joined: this.joined.has(eui),
          lastHeardAt: this.peerSeen.get(eui)?.lastHeardAt ?? null,
          failures: this.peerSeen.get(eui)?.failures ?? 0,
        }),
        deviceLogChanged: (change, e, by) =>
          this.emit({
            kind: 'device-log',
            reason: change,
            target: e.eui,
            targetType: e.deviceType,
            originator: by,
            detail: { relayEnabled: e.relayEnabled, via: 'command' },
          }),
      },
      this.useCaseState,
    );
    this.firmware = new FirmwareDistribution({
      deviceLog: this.deviceLog,
      state: () => this.useCaseState.state,
      now: () => this.time.now(),
      sendCluster: (to, asdu, done) => this.node.sendCluster(to, OTA_UPGRADE_CLUSTER_ID, asdu, done),
      event: (reason, detail, target) => {
        this.metrics.inc(`chf.${reason}`);
        this.emit({ kind: 'firmware', reason, ...(target ? { target } : {}), detail });
      },
    });
    this.deviceLog.onChange((change, e) => {
      if (change === 'removed') {
        this.peerSeen.delete(e.eui);
        this.node.dropTunnel(e.eui);
        this.joined.delete(e.eui);
        this.purgeMailbox(e.eui, 'device-removed');
      }
    });
    this.wan.onStateChange((up) => {
      this.router.wanUp = up;
      // the WAN gave the CH its time until now; from here the holdover runs (ch-time.ts)
      if (!up) this.time.syncFromWan();
      this.emit({
        kind: 'uplink',
        reason: up ? 'wan-up' : 'wan-down',
        detail: { buffered: this.uplink.size },
      });
      if (up) this.flushUplink();
    });
    this.node.connect();
    this.emit({ kind: 'power', reason: 'powered-up' });
  }

  // ------------------------------------------------------------------ public API

  /** Observes every CH event as it is logged. */
  onEvent(listener: (e: ChEvent) => void): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  get standalone(): boolean {
    return this.standaloneState !== null;
  }

  get isRunning(): boolean {
    return this.running;
  }

  get powerUpAt(): number {
    return this.poweredUpAt;
  }

  /** A message from the CSP over the SM WAN (GBCS 10.8.2 source 1). */
  receiveFromWan(bytes: Uint8Array): ChDecision {
    if (!this.running) {
      this.metrics.inc('chf.wan.rxWhileDown');
      this.emit({
        kind: 'route',
        reason: 'ch-not-running',
        decision: 'discarded',
        source: 'wan',
        size: bytes.length,
      });
      return 'discarded';
    }
    // a firmware file (the DSP's 11.1), not a GBCS message: the CHF's file distribution
    if (isOtaImage(bytes)) return this.firmware.receive(bytes) === 'refused' ? 'discarded' : 'delivered';
    const v = this.router.decide('wan', undefined, bytes, this.verdict);
    return this.execute(v, bytes, null);
  }

  /**
   * Provisioning API (tests, commissioning tools): adds a Device Log entry as
   * an authorised CCS01 would. Throws DeviceLogError / ZigbeeInstallCodeError.
   */
  addDevice(entry: {
    eui: Eui;
    deviceType: DeviceType;
    installCode: Uint8Array;
    relayEnabled?: boolean;
  }): ChfDeviceLogEntry {
    const e = this.deviceLog.add(entry, this.clock.now());
    this.emit({
      kind: 'device-log',
      reason: 'added',
      target: e.eui,
      targetType: e.deviceType,
      detail: { relayEnabled: e.relayEnabled, via: 'provisioning' },
    });
    return e;
  }

  removeDevice(eui: Eui): boolean {
    const e = this.deviceLog.remove(eui);
    if (e)
      this.emit({
        kind: 'device-log',
        reason: 'removed',
        target: e.eui,
        targetType: e.deviceType,
        detail: { via: 'provisioning' },
      });
    return e !== undefined;
  }

  /**
   * A device announced itself on the HAN (ZigBee association and Trust
   * Center admission, modelled as this call): admitted only when it is in
   * the Device Log; the CH then requests its tunnel (not for a GSME, which
   * requests its own). A PPMID joining raises PPMID Connected (CH-5).
   */
  onDeviceAnnounce(eui: Eui): boolean {
    const id = normaliseEui(eui);
    const e = this.deviceLog.get(id);
    if (!this.running || !e) {
      this.emit({
        kind: 'join',
        reason: this.running ? 'not-in-device-log' : 'ch-not-running',
        from: id,
        decision: 'discarded',
      });
      this.metrics.inc('chf.join.refused');
      return false;
    }
    if (e.deviceType === 'HHT' && this.clock.now() - this.poweredUpAt > this.config.hhtJoinWindowMs) {
      this.emit({
        kind: 'join',
        reason: 'outside-hht-join-window',
        from: id,
        targetType: 'HHT',
        decision: 'discarded',
      });
      this.metrics.inc('chf.join.refused');
      return false;
    }
    const rejoin = this.joined.has(id);
    this.joined.add(id);
    this.emit({ kind: 'join', reason: rejoin ? 'rejoined' : 'joined', from: id, targetType: e.deviceType });
    if (e.deviceType === 'PPMID') this.ppmidConnected(id, rejoin ? 'rejoined' : 'joined');
    if (e.deviceType !== 'GSME') this.node.requestTunnel(id);
    return true;
  }

  /**
   * An HHT asks to join (Inter-PAN + key establishment, modelled): admitted,
   * logged with the HHT marker, only within the start-up window (HAN.md).
   */
  admitHht(eui: Eui, installCode: Uint8Array): { ok: true } | { ok: false; reason: string } {
    const id = normaliseEui(eui);
    if (!this.running) return { ok: false, reason: 'ch-not-running' };
    if (this.clock.now() - this.poweredUpAt > this.config.hhtJoinWindowMs) {
      this.emit({
        kind: 'join',
        reason: 'outside-hht-join-window',
        from: id,
        targetType: 'HHT',
        decision: 'discarded',
      });
      this.metrics.inc('chf.join.refused');
      return { ok: false, reason: 'outside-hht-join-window' };
    }
    try {
      this.deviceLog.add({ eui: id, deviceType: 'HHT', installCode }, this.clock.now());
    } catch (e) {
      return {
        ok: false,
        reason: e instanceof DeviceLogError || e instanceof ZigbeeError ? e.code : String(e),
      };
    }
    this.emit({
      kind: 'device-log',
      reason: 'added',
      target: id,
      targetType: 'HHT',
      detail: { via: 'hht-join' },
    });
    return { ok: true };
  }

  /** Backchannel: the CH restarts. Tunnels and HAN state are lost; the Device Log, standalone flag and buffers (non-volatile) are kept. */
  restart(): void {
    if (!this.running) return;
    this.running = false;
    this.emit({ kind: 'power', reason: 'restarting', detail: { bootMs: this.config.bootMs } });
    this.node.disconnect();
    this.relayInFlight = undefined;
    this.clock.setTimer(
      this.config.bootMs,
      () => {
        this.running = true;
        this.poweredUpAt = this.clock.now();
        this.node.connect();
        this.emit({ kind: 'power', reason: 'powered-up' });
        if (this.standaloneState)
          this.standaloneAlert('standalone-entered', this.standaloneState.by, 'restored-after-restart');
        for (const eui of [...this.joined]) {
          const e = this.deviceLog.get(eui);
          if (!e) continue;
          if (e.deviceType === 'PPMID') this.ppmidConnected(eui, 'rejoined');
          if (e.deviceType !== 'GSME') this.node.requestTunnel(eui);
        }
        this.flushUplink();
        this.pumpRelay();
      },
      'chf:boot',
    );
  }

  private heardFrom(peer: Eui): void {
    const p = this.peerSeen.get(peer) ?? { lastHeardAt: null, failures: 0 };
    p.lastHeardAt = this.time.now();
    this.peerSeen.set(peer, p);
  }

  /** The state of the CHF's own use cases (a copy). */
  get useCases(): ChfState {
    return structuredClone(this.useCaseState.state);
  }

  /**
   * Test backchannel: device state a test sets so that the CHF answers as a
   * real one in that state would (never the command it will get): hardware
   * faults by `object.member`, values the CHF holds (identity, logs, Sub GHz,
   * radio figures it does not model), Device Log entries with their link keys.
   */
  readonly backchannel = {
    hardwareFault: (what: string, on = true): void => {
      const f = new Set(this.useCaseState.state.hardwareFaults);
      if (on) f.add(what);
      else f.delete(what);
      this.useCaseState.state.hardwareFaults = [...f];
    },
    set: (patch: Partial<ChfState>): void => {
      Object.assign(this.useCaseState.state, structuredClone(patch));
    },
    restoreEntry: (e: { eui: Eui; deviceType: DeviceType; linkKey: string }): void => {
      this.deviceLog.restore({ ...e, linkKey: fromHex(e.linkKey) }, this.clock.now());
    },
    /** The radio moved to another Sub GHz channel (32 bits of 0/1): logged, DBCH07 raised (sub-ghz-channel.ts). */
    subGhzChannelChanged: (channel: string): void => {
      const counter = this.nextCounter();
      const c = changeSubGhzChannel(
        this.useCaseState.state,
        channel,
        this.time.now(),
        this.alertDateTime(),
        counter,
      );
      this.sendAlert(c, counter, { channel });
    },
  };

  /** Messages waiting in a GSME's mailbox. */
  mailboxDepth(gsme: Eui): number {
    return this.mailboxes.get(normaliseEui(gsme))?.size ?? 0;
  }

  uplinkDepth(): number {
    return this.uplink.size;
  }

  /** Plain-data view for the test automation API. */
  /** Messages waiting in the WAN uplink buffer now (CH-4, CH-8). */
  get uplinkBuffered(): number {
    return this.uplink.size;
  }

  status(): Record<string, unknown> {
    return {
      eui: this.eui,
      gpfEui: this.gpfEui,
      running: this.running,
      poweredUpAt: this.poweredUpAt,
      standalone: this.standaloneState,
      time: this.time.view(),
      deviceLog: this.deviceLog.snapshot(),
      joined: [...this.joined],
      tunnels: this.node.openTunnels().map((t) => ({ peer: t.peer, tunnelId: t.tunnelId, role: t.role })),
      uplinkBuffered: this.uplink.size,
      relayQueued: this.relayQueue.size,
      mailboxes: Object.fromEntries([...this.mailboxes].map(([k, q]) => [k, q.size])),
      alertThrottle: this.throttle.pending(),
      metrics: this.metrics.snapshot(),
    };
  }

  // ------------------------------------------------------------------ HAN input

  /**
   * Returns DataOverflow when a PPMID relay was refused for a CH-7 limit: the
   * node answers TransferDataError, so the PPMID keeps the command and tries
   * again later (PP-3) instead of reporting `forwarded` for what was dropped.
   */
  private onTunnelData(peer: Eui, data: Uint8Array, info: ChTunnelDataInfo): TransferDataStatus | undefined {
    const sender = this.deviceLog.get(peer);
    this.metrics.inc('chf.han.rx');
    this.heardFrom(peer);
    const source: ChSource =
      sender?.deviceType === 'HHT' ? 'hht' : sender?.deviceType === 'PPMID' ? 'ppmid' : 'device';
    const v = this.router.decide(source, sender, data, this.verdict);
    this.refusal = undefined;
    this.execute(v, data, peer, info.overflow);
    const refusal = this.refusal;
    this.refusal = undefined;
    if (refusal !== undefined) this.metrics.inc('chf.relay.refused-busy');
    return refusal;
  }

  private onMailboxCommand(peer: Eui, cmd: GsmeMailboxCommand, _info: ChTunnelDataInfo): void {
    this.heardFrom(peer);
    if (cmd.cmd === 'Get') {
      this.serveMailbox(peer);
      return;
    }
    if (cmd.cmd === 'Put') {
      const sender = this.deviceLog.get(peer);
      const v = this.router.decide('device', sender, cmd.message, this.verdict);
      this.execute(v, cmd.message, peer);
      return;
    }
    this.emit({ kind: 'han', reason: 'unexpected-mailbox-command', from: peer, detail: { cmd: cmd.cmd } });
  }

  private onOtherCluster(ind: HanDataIndication): void {
    const sender = this.deviceLog.get(ind.from);
    if (ind.clusterId === OTA_UPGRADE_CLUSTER_ID && sender?.deviceType === 'PPMID') {
      // CH-3 (risk R9): never accept a firmware image, or any OTA traffic, from a PPMID.
      this.metrics.inc('chf.route.discarded');
      this.metrics.inc('chf.discard.ota-from-ppmid');
      this.emit({
        kind: 'route',
        reason: 'ota-from-ppmid',
        decision: 'discarded',
        action: 'discard',
        source: 'ppmid',
        from: ind.from,
        relayed: true,
        size: ind.asdu.length,
        detail: { clusterId: ind.clusterId },
      });
      this.relayRejected(ind.from, 'ota-from-ppmid', null, null, null, ind.asdu.length);
      return;
    }
    this.emit({
      kind: 'han',
      reason: 'cluster-not-served',
      from: ind.from,
      detail: { clusterId: ind.clusterId, size: ind.asdu.length },
    });
  }

  private onTunnelOpened(t: ChTunnel): void {
    const e = this.deviceLog.get(t.peer);
    this.emit({
      kind: 'tunnel',
      reason: 'tunnel-opened',
      target: t.peer,
      targetType: e?.deviceType ?? null,
      detail: { tunnelId: t.tunnelId, role: t.role },
    });
    if (e?.deviceType === 'GSME') this.joined.add(t.peer);
    if (e?.deviceType === 'PPMID') this.ppmidConnected(t.peer, 'tunnel-opened');
    if (e?.deviceType === 'GSME') this.metrics.inc('chf.gsme.tunnels');
  }

  // ------------------------------------------------------------------ routing

  private execute(v: RouteVerdict, bytes: Uint8Array, from: Eui | null, overflow = false): ChDecision {
    const i = v.info;
    const ev: Omit<ChEvent, 'seq' | 'at'> = {
      kind: 'route',
      reason: v.reason,
      source: v.source,
      action: v.action,
      from,
      target: v.parsed ? i.targetEui : null,
      targetType: v.targetType,
      originator: v.parsed ? i.originatorEui : null,
      messageCode: v.parsed ? i.messageCode : null,
      cra: v.parsed ? i.cra : null,
      counter: v.parsed ? i.originatorCounter.toString() : null,
      size: bytes.length,
      relayed: v.relayed,
      gbt: v.gbt,
    };
    if (overflow && v.action !== 'discard') {
      // the node already refused it on the tunnel (TransferDataError data overflow)
      v.action = 'discard';
      v.reason = 'oversize';
      ev.action = 'discard';
      ev.reason = 'oversize';
    }
    if (v.action === 'discard') return this.discardWith(v, ev, bytes);
    const target = ev.target as Eui;
    switch (v.action) {
      case 'to-device': {
        if (v.relayed) return this.relayFromPpmid(v, ev, bytes, from as Eui);
        this.sendToDevice(target, bytes, v.entry?.deviceType, ev.messageCode ?? null);
        this.hhtCorrelate(v, from);
        return this.decided(ev, 'delivered');
      }
      case 'to-gsme-mailbox': {
        if (v.relayed) {
          const limited = this.relayLimit(from as Eui);
          if (limited)
            return this.discardWith(
              v,
              { ...ev, action: 'discard', reason: 'rate-limited', detail: { limit: limited } },
              bytes,
              'rate-limited',
            );
        }
        const r = this.enqueueMailbox(
          target,
          bytes,
          i.messageCode,
          i.originatorEui,
          i.originatorCounter,
          v.relayed,
        );
        if (!r) {
          if (v.relayed)
            return this.discardWith(
              v,
              { ...ev, action: 'discard', reason: 'rate-limited', detail: { limit: 'mailbox-full' } },
              bytes,
              'rate-limited',
            );
          return this.decided({ ...ev, action: 'discard', reason: 'mailbox-full' }, 'discarded');
        }
        if (v.relayed) this.markPpmidCaused(target, i.originatorEui, i.originatorCounter, from as Eui);
        this.hhtCorrelate(v, from);
        return this.decided(ev, 'queued');
      }
      case 'to-chf':
        this.hhtCorrelate(v, from);
        this.decided(ev, 'delivered');
        this.handleOwnCommand(bytes, v.gbt, from);
        return 'delivered';
      case 'to-gpf':
        this.hhtCorrelate(v, from);
        this.decided(ev, 'delivered');
        if (this.gpf) this.gpf.onRemotePartyMessage(bytes);
        else
          this.emit({
            kind: 'command',
            reason: 'no-gpf-application',
            target: this.gpfEui,
            targetType: 'GPF',
          });
        return 'delivered';
      case 'to-ppmid':
        this.node.sendTunnelData(target, bytes, (r) =>
          this.afterHanSend(target, r, ev.messageCode ?? null, 'PPMID'),
        );
        return this.decided(ev, 'delivered');
      case 'to-wan':
        return this.routeUp(ev, bytes, from as Eui, i.cra === 'alert' ? 'alert' : 'response');
      default:
        return this.decided(ev, 'discarded');
    }
  }

  private decided(ev: Omit<ChEvent, 'seq' | 'at'>, decision: ChDecision): ChDecision {
    this.metrics.inc(`chf.route.${decision}`);
    this.emit({ ...ev, decision });
    return decision;
  }

  private discardWith(
    v: RouteVerdict,
    ev: Omit<ChEvent, 'seq' | 'at'>,
    bytes: Uint8Array,
    reason: ChReason = v.reason,
  ): ChDecision {
    this.metrics.inc(`chf.discard.${reason}`);
    this.decided({ ...ev, action: 'discard', reason }, 'discarded');
    if (reason === 'rate-limited' && v.relayed) this.refusal = TransferDataStatus.DataOverflow;
    if (v.relayed || v.source === 'ppmid') {
      const i = v.info;
      this.relayRejected(
        ev.from as Eui,
        reason as RelayRejectReason,
        v.parsed ? i.targetEui : null,
        v.parsed ? i.messageCode : null,
        v.parsed ? i.craFlag : null,
        bytes.length,
      );
    }
    return 'discarded';
  }

  /** CH-2: PPMID Relay Rejected, raised at once, throttled per cause. */
  private relayRejected(
    ppmid: Eui,
    reason: RelayRejectReason,
    target: Eui | null,
    messageCode: number | null,
    craFlag: number | null,
    size: number,
  ): void {
    this.throttle.submit(`relay-rejected:${reason}`, (suppressed) =>
      this.raiseProvisional(
        { alert: 'ppmid-relay-rejected', ppmid, reason, target, messageCode, craFlag, size, suppressed },
        { suppressed },
      ),
    );
  }

  private hhtCorrelate(v: RouteVerdict, from: Eui | null): void {
    if (v.source !== 'hht' || from === null) return;
    this.remember(this.hhtCommands, `${v.info.originatorEui}:${v.info.originatorCounter}`, from);
  }

  private remember(map: Map<string, Eui>, key: string, value: Eui): void {
    if (map.size >= this.config.correlationCapacity) {
      const first = map.keys().next().value as string;
      map.delete(first);
      this.metrics.inc('chf.correlation.evicted');
    }
    map.set(key, value);
  }

  private markPpmidCaused(device: Eui, originator: Eui, counter: bigint, ppmid: Eui): void {
    this.remember(this.ppmidCaused, `${device}:${originator}:${counter}`, ppmid);
  }

  // ------------------------------------------------------------------ CH-7 relays

  /** Which CH-7 limit refuses a relay from `ppmid` now, if any. */
  private relayLimit(ppmid: Eui): 'token-bucket' | 'airtime-share' | null {
    const c = this.config;
    const share = this.ppmidAirtimeShare(ppmid);
    if (share > c.ppmidAirtimeShareCap) return 'airtime-share';
    let b = this.buckets.get(ppmid);
    if (!b) {
      b = new TokenBucket(this.clock, c.ppmidRelayBurst, c.ppmidRelayPerMinute / 60_000);
      this.buckets.set(ppmid, b);
    }
    return b.take() ? null : 'token-bucket';
  }

  /** The PPMID's share of HAN airtime over the window: its own transmissions plus the relays it caused (CH-7). */
  ppmidAirtimeShare(ppmid: Eui): number {
    const w = this.config.ppmidAirtimeWindowMs;
    const own = this.medium.isAttached(ppmid) ? this.medium.airtime(ppmid, w).airtimeMs : 0;
    const relays = this.relayAirtime.get(ppmid)?.usedMs(this.clock.now(), w) ?? 0;
    return (own + relays) / w;
  }

  private relayFromPpmid(
    v: RouteVerdict,
    ev: Omit<ChEvent, 'seq' | 'at'>,
    bytes: Uint8Array,
    ppmid: Eui,
  ): ChDecision {
    const limited = this.relayLimit(ppmid);
    if (limited)
      return this.discardWith(
        v,
        { ...ev, reason: 'rate-limited', detail: { limit: limited } },
        bytes,
        'rate-limited',
      );
    const i = v.info;
    const item: RelayItem = {
      ppmid,
      target: i.targetEui,
      bytes,
      key: `${i.targetEui}:${i.originatorEui}:${i.originatorCounter}`,
      queuedAt: this.clock.now(),
    };
    if (!this.relayQueue.offer(item)) {
      this.bufferFull('ppmid-relay', this.relayQueue, true);
      return this.discardWith(
        v,
        { ...ev, reason: 'rate-limited', detail: { limit: 'relay-queue-full' } },
        bytes,
        'rate-limited',
      );
    }
    this.bufferCheck('ppmid-relay', this.relayQueue);
    this.remember(this.ppmidCaused, item.key, ppmid);
    const immediate = this.relayInFlight === undefined && this.running;
    this.pumpRelay();
    return this.decided(ev, immediate ? 'delivered' : 'queued');
  }

  private pumpRelay(): void {
    if (this.relayInFlight || !this.running) return;
    const item = this.relayQueue.shift();
    if (!item) return;
    if (this.standalone) {
      this.emit({
        kind: 'route',
        reason: 'standalone-mode',
        decision: 'discarded',
        source: 'ppmid',
        from: item.ppmid,
        target: item.target,
        relayed: true,
        size: item.bytes.length,
        detail: { stage: 'relay-queue' },
      });
      this.pumpRelay();
      return;
    }
    this.relayInFlight = item;
    const entry = this.deviceLog.get(item.target);
    const started = this.clock.now();
    this.node.sendTunnelData(item.target, item.bytes, (r, report) => {
      if (this.relayInFlight === item) this.relayInFlight = undefined;
      // CH-7: the airtime this relay used counts against the PPMID that caused it.
      const rep = report?.airtimeMs ?? 0;
      if (rep > 0) {
        let log = this.relayAirtime.get(item.ppmid);
        if (!log) {
          log = new AirtimeLog(Math.max(this.config.ppmidAirtimeWindowMs, 60_000));
          this.relayAirtime.set(item.ppmid, log);
        }
        log.record(Math.max(started, r.at - rep), r.at);
      }
      this.afterHanSend(item.target, r, null, entry?.deviceType, item.bytes);
      this.emit({
        kind: 'delivery',
        reason: r.ok ? 'relayed' : `relay-failed:${r.reason}`,
        from: item.ppmid,
        target: item.target,
        relayed: true,
        size: item.bytes.length,
      });
      this.pumpRelay();
    });
  }

  // ------------------------------------------------------------------ HAN output

  private sendToDevice(
    target: Eui,
    bytes: Uint8Array,
    type: DeviceType | undefined,
    messageCode: number | null,
  ): void {
    this.node.sendTunnelData(target, bytes, (r) => this.afterHanSend(target, r, messageCode, type, bytes));
  }

  private afterHanSend(
    target: Eui,
    r: HanSendResult,
    messageCode: number | null,
    type: DeviceType | undefined,
    /** the message that was not delivered (its header goes into the 8F84 alert) */
    undelivered?: Uint8Array,
  ): void {
    if (r.ok) {
      this.metrics.inc('chf.han.delivered');
      return;
    }
    this.metrics.inc(`chf.han.failed.${r.reason}`);
    if (this.deviceLog.has(target)) {
      const p = this.peerSeen.get(target) ?? { lastHeardAt: null, failures: 0 };
      p.failures++;
      this.peerSeen.set(target, p);
    }
    this.emit({ kind: 'delivery', reason: `han-${r.reason}`, target, targetType: type ?? null, messageCode });
    // 8F84 as GBCS's Message Code 0x00D5 (catalogue row FailureToDeliverToEsme): the undelivered message's header
    if (type === 'ESME')
      this.throttle.submit(`8F84:${target}`, (suppressed) => {
        const counter = this.nextCounter();
        const c = failureToDeliverToEsmeContent(target, undelivered, counter, this.alertDateTime());
        this.sendAlert(c, counter, { target, messageCode, reason: r.reason, suppressed });
      });
  }

  // ------------------------------------------------------------------ GSME mailbox

  private mailboxFor(gsme: Eui): BoundedQueue<MailboxItem> {
    let q = this.mailboxes.get(gsme);
    if (!q) {
      q = new BoundedQueue<MailboxItem>(
        `chf.buffer.gsme-mailbox.${gsme}`,
        this.config.mailboxCapacity,
        this.metrics,
      );
      this.mailboxes.set(gsme, q);
    }
    return q;
  }

  private enqueueMailbox(
    gsme: Eui,
    bytes: Uint8Array,
    messageCode: number,
    originator: Eui,
    counter: bigint,
    ppmidCaused: boolean,
  ): boolean {
    const q = this.mailboxFor(gsme);
    const now = this.clock.now();
    const item: MailboxItem = {
      bytes,
      queuedAt: now,
      expiresAt: now + this.config.mailboxExpiryMs,
      messageCode,
      originator,
      counter,
      ppmidCaused,
      timer: undefined as unknown as TimerHandle,
    };
    if (!q.offer(item)) {
      this.bufferFull('gsme-mailbox', q, true);
      return false;
    }
    item.timer = this.clock.setTimer(
      this.config.mailboxExpiryMs,
      () => this.expireMailboxItem(gsme, item),
      'chf:mailbox-expiry',
    );
    this.bufferCheck('gsme-mailbox', q);
    return true;
  }

  private expireMailboxItem(gsme: Eui, item: MailboxItem): void {
    const q = this.mailboxes.get(gsme);
    if (!q) return;
    const removed = q.removeWhere((x) => x === item);
    if (removed.length === 0) return;
    this.metrics.inc('chf.mailbox.expired');
    this.emit({
      kind: 'mailbox',
      reason: 'expired-not-retrieved',
      target: gsme,
      targetType: 'GSME',
      originator: item.originator,
      messageCode: item.messageCode,
      counter: item.counter.toString(),
    });
    this.throttle.submit(`819D:${gsme}`, (suppressed) =>
      this.raiseGbcs(
        CHF_GBCS_ALERT.GSME_COMMAND_NOT_RETRIEVED,
        [
          { type: 'octet-string', value: fromHex(gsme) },
          { type: 'long-unsigned', value: item.messageCode },
          { type: 'octet-string', value: fromHex(item.originator) },
          { type: 'long64-unsigned', value: item.counter },
        ],
        'gsme-command-not-retrieved',
        { gsme, messageCode: item.messageCode, suppressed },
      ),
    );
  }

  private purgeMailbox(gsme: Eui, why: string): void {
    const q = this.mailboxes.get(gsme);
    if (!q) return;
    for (const item of q.removeWhere(() => true)) {
      item.timer.cancel();
      this.emit({
        kind: 'mailbox',
        reason: `purged:${why}`,
        target: gsme,
        messageCode: item.messageCode,
        originator: item.originator,
        counter: item.counter.toString(),
      });
    }
  }

  private serveMailbox(gsme: Eui): void {
    const q = this.mailboxFor(gsme);
    const item = q.peek();
    if (!item) {
      this.node.sendMailboxCommand(gsme, { cmd: 'GetResponse', messagesWaiting: 0 });
      return;
    }
    const waiting = Math.min(255, q.size - 1);
    this.node.sendMailboxCommand(
      gsme,
      { cmd: 'GetResponse', messagesWaiting: waiting, message: item.bytes },
      (r) => {
        if (!r.ok) {
          this.emit({ kind: 'mailbox', reason: `get-response-failed:${r.reason}`, target: gsme });
          return;
        }
        const removed = q.removeWhere((x) => x === item);
        for (const x of removed) x.timer.cancel();
        this.metrics.inc('chf.mailbox.retrieved');
        this.emit({
          kind: 'mailbox',
          reason: 'retrieved',
          target: gsme,
          targetType: 'GSME',
          messageCode: item.messageCode,
          originator: item.originator,
          counter: item.counter.toString(),
          detail: { waitedMs: this.clock.now() - item.queuedAt },
        });
      },
    );
  }

  // ------------------------------------------------------------------ WAN uplink (CH-4)

  private routeUp(
    ev: Omit<ChEvent, 'seq' | 'at'>,
    bytes: Uint8Array,
    from: Eui,
    kind: UplinkItem['kind'],
  ): ChDecision {
    const originator = ev.originator as Eui;
    const recipient = ev.target as Eui;
    const counter = ev.counter as string;
    // A response to an HHT-sourced command goes back to that HHT (CH-4 "or an HHT").
    const hht = this.hhtCommands.get(`${recipient}:${counter}`);
    if (hht && kind === 'response') {
      this.hhtCommands.delete(`${recipient}:${counter}`);
      this.node.sendTunnelData(hht, bytes, (r) => this.afterHanSend(hht, r, ev.messageCode ?? null, 'HHT'));
      return this.decided(
        { ...ev, action: 'to-wan', reason: 'response-to-hht', detail: { hht } },
        'delivered',
      );
    }
    const ppmidCaused = this.ppmidCaused.has(`${originator}:${recipient}:${counter}`);
    if (ppmidCaused && this.standalone) {
      this.metrics.inc('chf.standalone.withheld');
      return this.decided(
        { ...ev, action: 'discard', reason: 'standalone-mode', detail: { ppmidCaused: true } },
        'discarded',
      );
    }
    const state = this.uplinkSend({
      id: ++this.uplinkId,
      bytes,
      from,
      kind,
      own: false,
      ppmidCaused,
      queuedAt: this.clock.now(),
    });
    if (state === 'dropped')
      return this.decided(
        { ...ev, action: 'discard', reason: 'uplink-buffer-full', detail: { ppmidCaused } },
        'discarded',
      );
    return this.decided(
      { ...ev, detail: { ppmidCaused, wan: state } },
      state === 'sent' ? 'delivered' : 'queued',
    );
  }

  /** Sends now if the WAN is up and nothing waits before it, else buffers (bounded). */
  private uplinkSend(item: UplinkItem): 'sent' | 'buffered' | 'dropped' {
    if (this.running && this.uplink.size === 0 && this.wan.isUp() && this.sendUp(item)) {
      this.metrics.inc('chf.uplink.sent');
      this.uplinkChanged();
      return 'sent';
    }
    const limit = item.own ? this.uplink.capacity : this.config.uplinkCapacity;
    if (this.uplink.size >= limit) {
      // full: the oldest message of its kind gives way (uplink-overflow.ts), else the new one is refused
      const o = uplinkOverflow(this.uplink.toArray(), item, this.config);
      let gone = item;
      if (o.action === 'evict') {
        let i = 0;
        gone = this.uplink.removeWhere(() => i++ === o.index)[0]!;
      }
      this.uplink.dropped.inc();
      this.metrics.inc(gone.own ? 'chf.uplink.droppedOwnAlert' : 'chf.uplink.dropped');
      this.emit({
        kind: 'uplink',
        reason: 'uplink-buffer-full',
        from: gone.from,
        size: gone.bytes.length,
        detail: {
          own: gone.own,
          dropped: o.action === 'evict' ? 'oldest' : 'new',
          kind: gone.kind,
          ppmidCaused: gone.ppmidCaused,
          queuedAt: gone.queuedAt,
          buffered: this.uplink.size,
        },
      });
      if (!gone.own) this.bufferFull('wan-uplink', this.uplink, true);
      if (o.action !== 'evict') return 'dropped';
    }
    this.uplink.offer(item);
    this.metrics.inc('chf.uplink.buffered');
    this.uplinkChanged();
    if (!item.own && this.uplink.size >= this.config.uplinkCapacity)
      this.bufferFull('wan-uplink', this.uplink, false);
    return 'buffered';
  }

  /**
   * Hands one uplink message to the WAN and keeps it as unconfirmed until the
   * WAN says its recipient holds it (bounded by the uplink capacity: the
   * oldest is forgotten first, counted).
   */
  private sendUp(item: UplinkItem): boolean {
    if (!this.wan.send(item.bytes, () => this.confirmUp(item.id))) return false;
    this.unconfirmed.set(item.id, item);
    if (this.unconfirmed.size > this.config.uplinkCapacity) {
      this.unconfirmed.delete(this.unconfirmed.keys().next().value as number);
      this.metrics.inc('chf.uplink.unconfirmed-evicted');
    }
    return true;
  }

  private confirmUp(id: number): void {
    if (this.unconfirmed.delete(id)) this.uplinkChanged();
  }

  /**
   * The WAN uplink as the CH keeps it across a power cut (oldest first): the
   * messages handed to the WAN and not yet confirmed (`sent`), then the
   * buffer waiting for the WAN.
   */
  uplinkBuffer(): UplinkBufferEntry[] {
    const entry = (i: UplinkItem, sent: boolean): UplinkBufferEntry => ({
      bytes: toHex(i.bytes),
      from: i.from,
      kind: i.kind,
      own: i.own,
      ppmidCaused: i.ppmidCaused,
      queuedAt: i.queuedAt,
      ...(sent ? { sent: true } : {}),
    });
    return [
      ...[...this.unconfirmed.values()].map((i) => entry(i, true)),
      ...this.uplink.toArray().map((i) => entry(i, false)),
    ];
  }

  /**
   * Puts back what the buffer held before a power cut (CH-4: responses
   * waiting for the WAN survive it), ahead of anything buffered since; sends
   * them when the WAN is up.
   */
  restoreUplinkBuffer(entries: readonly UplinkBufferEntry[]): void {
    const later = this.uplink.removeWhere(() => true);
    for (const e of entries)
      this.uplink.offer({
        id: ++this.uplinkId,
        bytes: fromHex(e.bytes),
        from: e.from,
        kind: e.kind,
        own: e.own,
        ppmidCaused: e.ppmidCaused,
        queuedAt: e.queuedAt,
      });
    for (const i of later) this.uplink.offer(i);
    this.metrics.inc('chf.uplink.restored', entries.length);
    this.emit({ kind: 'uplink', reason: 'restored', detail: { restored: entries.length } });
    this.flushUplink();
  }

  /** Called after every change of the WAN uplink buffer (to keep it in non-volatile memory). */
  onUplinkChange(listener: () => void): () => void {
    this.uplinkListeners.add(listener);
    return () => this.uplinkListeners.delete(listener);
  }

  private uplinkChanged(): void {
    for (const l of this.uplinkListeners) {
      try {
        l();
      } catch (err) {
        this.emit({ kind: 'uplink', reason: 'persist-failed', detail: { error: String(err) } });
      }
    }
  }

  private flushUplink(): void {
    if (!this.running) return;
    let sent = 0;
    while (this.uplink.size > 0 && this.wan.isUp()) {
      const item = this.uplink.peek() as UplinkItem;
      if (item.ppmidCaused && this.standalone) {
        this.uplink.shift();
        this.metrics.inc('chf.standalone.withheld');
        this.emit({
          kind: 'uplink',
          reason: 'standalone-mode',
          from: item.from,
          size: item.bytes.length,
          detail: { ppmidCaused: true },
        });
        continue;
      }
      if (!this.sendUp(item)) break;
      this.uplink.shift();
      sent++;
      this.metrics.inc('chf.uplink.sent');
    }
    if (sent > 0) {
      this.emit({ kind: 'uplink', reason: 'flushed', detail: { sent, remaining: this.uplink.size } });
      this.uplinkChanged();
    }
    if (this.uplink.size < this.config.uplinkCapacity) this.bufferFullRaised.delete('wan-uplink');
  }

  // ------------------------------------------------------------------ CH-8 buffer alerts

  private bufferCheck(id: BufferId, q: BoundedQueue<unknown>): void {
    if (q.full) this.bufferFull(id, q, false);
    else if (q.size < q.capacity / 2) this.bufferFullRaised.delete(id);
  }

  private bufferFull(id: BufferId, q: BoundedQueue<unknown>, overflowed: boolean): void {
    if (!overflowed && this.bufferFullRaised.has(id)) return;
    this.bufferFullRaised.add(id);
    const capacity = id === 'wan-uplink' ? this.config.uplinkCapacity : q.capacity;
    this.throttle.submit(`buffer-full:${id}:${overflowed}`, (suppressed) =>
      this.raiseProvisional(
        {
          alert: 'buffer-full',
          buffer: id,
          capacity,
          highWater: q.depth.highWater,
          dropped: q.dropped.value,
          overflowed,
        },
        { suppressed },
      ),
    );
  }

  // ------------------------------------------------------------------ alerts

  private nextCounter(): bigint {
    return this.counter++;
  }

  private ppmidConnected(ppmid: Eui, how: PpmidConnectHow): void {
    this.raiseProvisional({ alert: 'ppmid-connected', ppmid, how }, { how });
  }

  private standaloneAlert(
    alert: 'standalone-entered' | 'standalone-left',
    by: Eui | null,
    cause: StandaloneCause,
  ): void {
    this.raiseProvisional({ alert, by, cause }, { cause });
  }

  private raiseProvisional(alert: ProvisionalAlert, detail: Record<string, unknown>): void {
    const counter = this.nextCounter();
    const c = provisionalAlertContent(alert, gbcsInvokeId(counter), this.alertDateTime());
    this.sendAlert(c, counter, { ...detail, ...alertDetail(alert) });
  }

  private raiseGbcs(code: number, payload: DlmsData[], name: string, detail: Record<string, unknown>): void {
    const counter = this.nextCounter();
    const c = gbcsAlertContent(code, payload, gbcsInvokeId(counter), this.alertDateTime(), name);
    this.sendAlert(c, counter, detail);
  }

  /** The CH's time as an alert carries it; clock status 0x02 "doubtful" while the time is Unreliable (3.1.1). */
  private alertDateTime(): Uint8Array {
    const dt = cosemDateTimeFromDate(new Date(this.time.now()));
    if (this.time.status() === 'unreliable') dt[11] = 0x02;
    return dt;
  }

  private sendAlert(c: ChfAlertContent, counter: bigint, detail: Record<string, unknown>): void {
    let bytes: Uint8Array;
    try {
      bytes = this.security.seal(
        {
          cra: 'alert',
          originatorCounter: counter,
          originator: this.eui,
          recipient: this.alertRecipient,
          otherInfo: { messageCode: c.messageCode },
          content: c.content,
        },
        { sign: c.critical, mac: true },
      );
    } catch (e) {
      this.metrics.inc('chf.alert.sealFailed');
      this.emit({
        kind: 'alert',
        reason: 'seal-failed',
        alertCode: c.alertCode,
        detail: { error: e instanceof GbcsError ? e.code : String(e) },
      });
      return;
    }
    const a: ChAlert = {
      seq: ++this.alertSeq,
      at: this.clock.now(),
      alertCode: c.alertCode,
      name: c.name,
      critical: c.critical,
      recipient: this.alertRecipient,
      counter,
      bytes,
      suppressed: typeof detail.suppressed === 'number' ? detail.suppressed : 0,
      detail,
    };
    this.alerts.push(a);
    if (this.alerts.length > this.config.eventLogCapacity) this.alerts.shift();
    this.metrics.inc(`chf.alert.${c.name}`);
    const state = this.uplinkSend({
      id: ++this.uplinkId,
      bytes,
      from: this.eui,
      kind: 'alert',
      own: true,
      ppmidCaused: false,
      queuedAt: this.clock.now(),
    });
    this.emit({
      kind: 'alert',
      reason: c.name,
      alertCode: c.alertCode,
      counter: counter.toString(),
      size: bytes.length,
      detail: { ...detail, wan: state },
    });
  }

  // ------------------------------------------------------------------ the CHF's own commands

  private handleOwnCommand(bytes: Uint8Array, gbt: boolean, from: Eui | null): void {
    let whole: Uint8Array | null = bytes;
    if (gbt) {
      try {
        whole = this.ownGbt.add(bytes);
      } catch (e) {
        this.emit({
          kind: 'command',
          reason: 'gbt-error',
          from,
          detail: { error: e instanceof GbcsError ? e.code : String(e) },
        });
        return;
      }
      if (!whole) return;
    }
    const check = checkCommand(whole, {
      device: this.eui,
      security: this.security,
      replay: this.replay,
      record: false,
    });
    const m = check.message;
    const base = {
      kind: 'command' as const,
      from,
      originator: m?.originator ?? null,
      messageCode: m?.messageCode ?? null,
      counter: m?.originatorCounter.toString() ?? null,
      target: this.eui,
      targetType: 'CHF',
    };
    if (!check.accepted) {
      this.metrics.inc(`chf.command.rejected.${check.reason}`);
      this.commands.securityEvent(SECURITY_EVENT_FOR[check.reason] ?? CHF_EVENT.INTEGRITY_FAILURE);
      this.emit({ ...base, reason: check.reason, decision: 'discarded', detail: { check: 'rejected' } });
      if (m?.messageCode === PROVISIONAL_MESSAGE_CODE.SET_CH_TIME)
        this.timeRefused(m.originator, 'authentication', { check: check.reason });
      return;
    }
    const msg = check.message;
    const role = this.security.keyStore.role(msg.originator);
    const code = msg.messageCode;
    const provisional = PROVISIONAL_MESSAGE_CODES.some((p) => p.code === code);
    // authorisation first (the catalogue's role table, chf/authority.ts), then whether the CHF runs it
    const authority = chfAuthority(this.security.keyStore, msg);
    if (!authority.ok) {
      this.metrics.inc('chf.command.rejected.no-authority');
      this.commands.securityEvent(CHF_EVENT.NO_AUTHORITY);
      this.emit({
        ...base,
        reason: 'no-authority',
        decision: 'discarded',
        detail: { role, authority: authority.detail },
      });
      if (code === PROVISIONAL_MESSAGE_CODE.SET_CH_TIME)
        this.timeRefused(msg.originator, 'no-authority', { role });
      this.throttle.submit(`8F30:${msg.originator}`, (suppressed) =>
        this.raiseGbcs(
          CHF_GBCS_ALERT.SOURCE_HAS_NO_AUTHORITY,
          [
            { type: 'octet-string', value: fromHex(msg.originator) },
            { type: 'long-unsigned', value: code },
          ],
          'source-has-no-authority',
          { originator: msg.originator, messageCode: code, suppressed },
        ),
      );
      return;
    }
    this.replay.accept(msg.originator, msg.originatorCounter);
    if (!provisional) {
      // every catalogue use case: the shared registry (commands.ts); "unsupported" is a response too
      const x = this.commands.execute(msg, check.critical, typeof role === 'number' ? role : null);
      this.metrics.inc(`chf.command.${x.outcome}`);
      this.emit({
        ...base,
        reason: String(x.detail?.reason ?? x.outcome),
        decision: 'delivered',
        detail: { useCase: lookupMessageCode(code)?.useCase ?? null, outcome: x.outcome, ...x.detail },
      });
      this.respond(msg, x.content, check.critical);
      for (const a of x.alerts ?? []) {
        const counter = this.nextCounter();
        this.sendAlert(
          {
            alertCode: a.code,
            messageCode: a.messageCode,
            critical: a.critical,
            content: withAlertCounter(a.payload, counter),
            name: `alert-${a.code.toString(16)}`,
          },
          counter,
          { messageCode: code },
        );
      }
      return;
    }
    let content: Uint8Array;
    let outcome: string;
    try {
      if (code === PROVISIONAL_MESSAGE_CODE.SET_CH_TIME) [content, outcome] = this.setChTime(msg);
      else [content, outcome] = this.bufferFeedCommand(msg);
    } catch (e) {
      this.metrics.inc('chf.command.malformedPayload');
      this.commands.securityEvent(CHF_EVENT.INTEGRITY_FAILURE);
      this.emit({
        ...base,
        reason: 'malformed-payload',
        decision: 'discarded',
        detail: { error: e instanceof Error ? e.message : String(e) },
      });
      if (code === PROVISIONAL_MESSAGE_CODE.SET_CH_TIME)
        this.timeRefused(msg.originator, 'malformed', { error: e instanceof Error ? e.message : String(e) });
      return;
    }
    this.emit({
      ...base,
      reason: outcome,
      decision: 'delivered',
      detail: { useCase: lookupMessageCode(code)?.useCase ?? null },
    });
    this.respond(msg, content, check.critical);
  }

  /** The CHF's Response: same counter and Message Code; signed (no MAC) for a critical command, MAC'd otherwise (GBCS.md 3). */
  private respond(cmd: GbcsMessage, content: Uint8Array, critical: boolean): void {
    let bytes: Uint8Array;
    try {
      bytes = this.security.seal(
        {
          cra: 'response',
          originatorCounter: cmd.originatorCounter,
          originator: this.eui,
          recipient: cmd.originator,
          otherInfo: { messageCode: cmd.messageCode },
          content,
        },
        critical ? { sign: true, mac: false } : { mac: true },
      );
    } catch (e) {
      this.emit({
        kind: 'command',
        reason: 'response-seal-failed',
        detail: { error: e instanceof GbcsError ? e.code : String(e) },
      });
      return;
    }
    const state = this.uplinkSend({
      id: ++this.uplinkId,
      bytes,
      from: this.eui,
      kind: 'response',
      own: true,
      ppmidCaused: false,
      queuedAt: this.clock.now(),
    });
    this.emit({
      kind: 'uplink',
      reason: 'chf-response',
      originator: this.eui,
      target: cmd.originator,
      messageCode: cmd.messageCode,
      counter: cmd.originatorCounter.toString(),
      size: bytes.length,
      detail: { wan: state },
    });
  }

  /**
   * Set CH Time (PROVISIONAL 0x0F03, SECMP0038 3.1.1): verified and from the
   * ACB by now; applied unless ch-time.ts refuses it. Either way the Response
   * carries the CH's time and time status; a refusal also raises 0x8E06.
   */
  private setChTime(msg: GbcsMessage): [Uint8Array, string] {
    const cmd = decodeChTimeCommand(msg.content);
    const refusal = this.time.applyTimeCommand(cmd);
    if (refusal) this.timeRefused(msg.originator, refusal, { preset: new Date(cmd.preset).toISOString() });
    else {
      this.metrics.inc('chf.time.commandApplied');
      this.emit({
        kind: 'time',
        reason: 'time-command-applied',
        originator: msg.originator,
        detail: { time: new Date(cmd.preset).toISOString(), status: this.time.status() },
      });
    }
    const content = encodeChTimeResponse(cmd.invoke, {
      applied: refusal === null,
      chTime: this.time.now(),
      reliable: this.time.status() === 'reliable',
    });
    return [content, refusal ? `time-command-refused:${refusal}` : 'time-command-applied'];
  }

  private timeRefused(by: Eui | null, reason: ChTimeRefusal, detail: Record<string, unknown>): void {
    this.metrics.inc(`chf.time.refused.${reason}`);
    const reliable = this.time.status() === 'reliable';
    this.emit({
      kind: 'time',
      reason: 'time-command-refused',
      originator: by,
      detail: { reason, reliable, ...detail },
    });
    this.throttle.submit(`8E06:${reason}`, (suppressed) =>
      this.raiseProvisional({ alert: 'ch-time-refused', by, reason, reliable }, { suppressed, ...detail }),
    );
  }

  /** CH-6 Block / Unblock Buffer Feed (PROVISIONAL Message Codes 0x0F01 / 0x0F02). */
  private bufferFeedCommand(msg: GbcsMessage): [Uint8Array, string] {
    const { action, invoke } = decodeBufferFeedCommand(msg.content);
    const want = msg.messageCode === PROVISIONAL_MESSAGE_CODE.BLOCK_BUFFER_FEED ? 'block' : 'unblock';
    if (action !== want)
      throw new RangeError(`Buffer Feed script ${action} under the Message Code of ${want}`);
    if (action === 'block') this.enterStandalone(msg.originator);
    else this.leaveStandalone(msg.originator);
    return [
      encodeBufferFeedResponse(invoke, RESULT_SUCCESS),
      action === 'block' ? 'buffer-feed-blocked' : 'buffer-feed-unblocked',
    ];
  }

  private enterStandalone(by: Eui | null): void {
    const was = this.standalone;
    this.standaloneState = { since: this.clock.now(), by };
    this.router.standalone = true;
    if (was) {
      this.emit({ kind: 'standalone', reason: 'already-standalone', originator: by });
      return;
    }
    // Nothing PPMID traffic caused may pass from now on: drop what waits (logged, counted).
    for (const r of this.relayQueue.removeWhere(() => true))
      this.emit({
        kind: 'route',
        reason: 'standalone-mode',
        decision: 'discarded',
        source: 'ppmid',
        from: r.ppmid,
        target: r.target,
        relayed: true,
        size: r.bytes.length,
        detail: { stage: 'relay-queue' },
      });
    for (const u of this.uplink.removeWhere((x) => x.ppmidCaused)) {
      this.metrics.inc('chf.standalone.withheld');
      this.emit({
        kind: 'uplink',
        reason: 'standalone-mode',
        from: u.from,
        size: u.bytes.length,
        detail: { ppmidCaused: true },
      });
    }
    for (const [gsme, q] of this.mailboxes)
      for (const m of q.removeWhere((x) => x.ppmidCaused)) {
        m.timer.cancel();
        this.emit({
          kind: 'mailbox',
          reason: 'standalone-mode',
          target: gsme,
          messageCode: m.messageCode,
          originator: m.originator,
        });
      }
    this.emit({ kind: 'standalone', reason: 'entered', originator: by });
    this.metrics.inc('chf.standalone.entered');
    this.standaloneAlert('standalone-entered', by, 'block-buffer-feed');
  }

  private leaveStandalone(by: Eui | null): void {
    if (!this.standalone) {
      this.emit({ kind: 'standalone', reason: 'not-standalone', originator: by });
      return;
    }
    this.standaloneState = null;
    this.router.standalone = false;
    this.emit({ kind: 'standalone', reason: 'left', originator: by });
    this.metrics.inc('chf.standalone.left');
    this.standaloneAlert('standalone-left', by, 'unblock-buffer-feed');
  }

  // ------------------------------------------------------------------ GPF

  /** The GPF's way out: its responses and alerts go to the WAN through the CHF's uplink. */
  private gpfUplink(): HanUplink {
    return {
      send: (bytes, done) => {
        const v = this.router.decide('wan', undefined, bytes, new RouteVerdict());
        const state = this.uplinkSend({
          id: ++this.uplinkId,
          bytes,
          from: this.gpfEui,
          kind: v.info.cra === 'alert' ? 'alert' : 'response',
          own: true,
          ppmidCaused: false,
          queuedAt: this.clock.now(),
        });
        this.emit({
          kind: 'uplink',
          reason: 'gpf-message',
          from: this.gpfEui,
          size: bytes.length,
          detail: { wan: state },
        });
        done?.(
          state === 'dropped'
            ? { ok: false, at: this.clock.now(), reason: 'rejected' }
            : { ok: true, at: this.clock.now() },
        );
      },
      isReady: () => this.running,
      dutyCycleState: () => 'Normal',
    };
  }

  // ------------------------------------------------------------------ events

  private emit(e: Omit<ChEvent, 'seq' | 'at'>): void {
    const ev = { seq: ++this.seq, at: this.clock.now(), ...e } as ChEvent;
    if (this.events.length >= this.config.eventLogCapacity) {
      this.events.shift();
      this.eventsEvicted++;
      this.metrics.inc('chf.events.evicted');
    }
    this.events.push(ev);
    this.metrics.gauge('chf.events.depth').set(this.events.length);
    if (this.log.enabled('debug')) this.log.debug(`${ev.kind}: ${ev.reason}`, { ...ev });
    for (const l of this.listeners) l(ev);
  }
}

function alertDetail(a: ProvisionalAlert): Record<string, unknown> {
  switch (a.alert) {
    case 'ppmid-relay-rejected':
      return { ppmid: a.ppmid, reason: a.reason, target: a.target };
    case 'ppmid-connected':
      return { ppmid: a.ppmid };
    case 'buffer-full':
      return { buffer: a.buffer, capacity: a.capacity, dropped: a.dropped, overflowed: a.overflowed };
    case 'ch-time-refused':
      return { by: a.by, reason: a.reason, reliable: a.reliable };
    default:
      return { by: a.by };
  }
}
