/**
 * The HAN medium of one home: a shared ZigBee channel on the injected Clock
 * (ARCHITECTURE.md "HanMedium"). Devices attach with their EUI and a link-key
 * lookup; `send` carries an APS payload (a ZCL frame) to a peer as real
 * secured APS frames (src/zigbee), fragmented when large, with MAC and APS
 * retries, and hands the reassembled payload to the peer's `onData`.
 *
 * Model (docs/zigbee.md has the figures):
 * - one transmission at a time; frames wait in a FIFO for the channel;
 * - a MAC transaction (CSMA backoff, CCA, frame, MAC ack, up to macMaxRetries
 *   retries on loss) holds the channel until it ends; loss is drawn per frame
 *   and per MAC ack from a SeededRandom, so runs are deterministic per seed;
 * - APS: each block is acknowledged (window 1); a missing APS ack makes the
 *   sender retransmit the block after apsAckWaitMs, up to apsMaxRetries;
 *   blocks are separated by interFragmentGapMs (apsInterframeDelay);
 * - APS link-key security on every frame by default (SECMP0038 CH-9): CCM*
 *   level 5 with a fresh frame counter per transmission; receivers check the
 *   MIC and the frame counter (replay) and drop duplicates;
 * - airtime is accounted per transmitting device (data frames to the sender,
 *   MAC and APS acks to the receiver) over sliding windows (CH-7), and in
 *   sub-GHz homes a duty-cycle state per device (Normal / Limited / Critical
 *   / Suspended); a Suspended device may not transmit (PP-4);
 * - a per-device bounded transmit queue (CH-8) with depth, high-water mark
 *   and drops in Metrics; link up/down per device as a test backchannel.
 */
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import type { Clock, TimerHandle } from '../../runtime/clock.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { LazyMap } from '../../runtime/lazy-collections.ts';
import { Logger } from '../../runtime/logger.ts';
import { BoundedQueue, type Counter, Metrics } from '../../runtime/metrics.ts';
import type { SeededRandom } from '../../runtime/random.ts';
import {
  type ApsBlock,
  type ApsHeader,
  ApsReassembler,
  apsSecurityOverhead,
  blockAckExtendedHeader,
  blockExtendedHeader,
  blockNumberOf,
  decodeApsFrame,
  encodeApsFrame,
  encodeApsHeader,
  euiOnAir,
  FrameCounterGuard,
  fragmentAsdu,
  OutgoingFrameCounter,
  secureApsFrame,
  TUNNELING_CLUSTER_ID,
  unsecureApsFrame,
  ZIGBEE_PROFILE_SMART_ENERGY,
  ZigbeeError,
} from '../../zigbee/index.ts';
import {
  AirtimeLog,
  DEFAULT_DUTY_CYCLE,
  DutyCycleMonitor,
  type DutyCycleState,
  type DutyCycleThresholds,
} from './airtime.ts';
import { HanDutyCycleSuspendedError, HanError, type HanFailureReason } from './errors.ts';
import {
  DEFAULT_OVERHEADS,
  frameAirtimeUs,
  type HanBand,
  macAckAirtimeUs,
  maxApsFrameBytes,
  type PhyProfile,
  phyProfile,
  psduBytes,
  type StackOverheads,
} from './phy.ts';

export interface HanMediumOptions {
  clock: Clock;
  /** Loss and backoff draws; a fork of it is used, so equal seeds give equal runs. */
  random: SeededRandom;
  /** Names the home in logs and metrics. */
  name?: string;
  /** Default '2.4GHz' (SECMP0038 C4). */
  band?: HanBand;
  phy?: Partial<PhyProfile>;
  overheads?: Partial<StackOverheads>;
  /** Probability that one frame (data or MAC ack) is lost. Default 0. */
  lossProbability?: number;
  /** macMaxFrameRetries, default 3. */
  macMaxRetries?: number;
  /** apscMaxFrameRetries, default 3. */
  apsMaxRetries?: number;
  /** apsAckWaitDuration: how long a sender waits for an APS ack, default 1600 ms. */
  apsAckWaitMs?: number;
  /** APS block size in bytes, default 61 (HAN.md); at most what fits one PHY frame (63 by default). */
  fragmentPayloadSize?: number;
  /** apsInterframeDelay between blocks, default 30 ms. */
  interFragmentGapMs?: number;
  /** Largest APS payload a device sends or reassembles, default 1600 (a 1500-byte tunnel transfer + ZCL). */
  maxAsduSize?: number;
  /** An incomplete reassembly is dropped after this long without a new block, default apsAckWaitMs x (apsMaxRetries + 2). */
  reassemblyTimeoutMs?: number;
  /** APS duplicate rejection window, default 10 s. */
  duplicateRejectionMs?: number;
  /** Per-device transmit queue capacity (messages waiting behind the one in flight), default 16. */
  txQueueCapacity?: number;
  /** Default window for `airtime()` shares, default 60 s. */
  airtimeWindowMs?: number;
  /** Sub-GHz duty-cycle thresholds (percent of the window). */
  dutyCycle?: Partial<DutyCycleThresholds>;
  metrics?: Metrics;
}

/** A payload reassembled and verified at the receiver. */
export interface HanDataIndication {
  from: Eui;
  to: Eui;
  /** The APS payload: a ZCL frame. */
  asdu: Uint8Array;
  clusterId: number;
  profileId: number;
  sourceEndpoint: number;
  destinationEndpoint: number;
  /** Whether APS security protected it (checked MIC, fresh frame counter). */
  secured: boolean;
  /** Clock time of the first block's arrival and of the last one (the delivery). */
  firstBlockAt: number;
  receivedAt: number;
  blocks: number;
}

/** Why a receiver dropped a frame (for the CHF's discard log and alerts, CH-2). */
export type HanRxRejectReason =
  | 'malformed'
  | 'mic-invalid'
  | 'unknown-key'
  | 'replay'
  | 'unsecured'
  | 'fragment-invalid'
  | 'too-large'
  | 'reassembly-timeout';

export interface HanRxRejection {
  at: number;
  to: Eui;
  /** The MAC-level sender. */
  from: Eui;
  reason: HanRxRejectReason;
  code?: string;
  message: string;
}

export interface HanAttachOptions {
  /** The link key shared with `peer` (from its install code / the Device Log), or undefined. */
  linkKeyFor: (peer: Eui) => Uint8Array | undefined;
  onData?: (ind: HanDataIndication) => void;
  onRejected?: (r: HanRxRejection) => void;
  onDutyCycleChange?: (state: DutyCycleState, previous: DutyCycleState) => void;
  /** Accept APS data without APS security (default false: SECMP0038 CH-9). */
  acceptUnsecured?: boolean;
  /** First outgoing APS security frame counter (a restored device continues its count). */
  frameCounterStart?: number;
  /**
   * First outgoing APS counter (the 8-bit APS header counter, 0..255). A
   * restarted radio continues its count: peers keep `${source}:${APS counter}`
   * for the duplicate-rejection window, so a radio that counted from 0 again
   * would see its first frames dropped as duplicates.
   */
  apsCounterStart?: number;
  /**
   * The receive frame-counter guard to restore: per source, the last APS
   * security frame counter accepted (ZigBee keeps the incoming frame counters
   * in non-volatile memory with the link keys, so a restart does not reopen
   * the replay window).
   */
  receiveFrameCounters?: Readonly<Record<Eui, number>>;
}

/** What a radio persists across a power cycle (see `HanMedium.radioState`). JSON-safe. */
export interface HanRadioState {
  /** next outgoing APS security frame counter */
  frameCounter: number;
  /** next outgoing APS counter (0..255) */
  apsCounter: number;
  /** last APS security frame counter accepted, per source */
  receiveFrameCounters: Record<Eui, number>;
}

export interface HanSendOptions {
  clusterId?: number;
  profileId?: number;
  sourceEndpoint?: number;
  destinationEndpoint?: number;
  /** Default true. */
  security?: boolean;
  onComplete?: (report: HanTransferReport) => void;
}

export interface HanTransferReport {
  id: number;
  from: Eui;
  to: Eui;
  ok: boolean;
  reason?: HanFailureReason;
  asduBytes: number;
  blocks: number;
  queuedAt: number;
  /** When the first block was handed to the channel. */
  startedAt?: number;
  /** When the receiver had the whole payload. */
  deliveredAt?: number;
  /** When the sender knew the outcome (last APS ack, or failure). */
  completedAt: number;
  /** deliveredAt - startedAt: the transfer time on the HAN. */
  transferMs?: number;
  /** deliveredAt - queuedAt: including waiting in the device queue. */
  latencyMs?: number;
  macAttempts: number;
  apsRetries: number;
  /** Airtime of this transfer's frames, both directions (data, APS acks, MAC acks), ms. */
  airtimeMs: number;
}

/** One frame on air, as a sniffer would see it (every MAC attempt of a data or APS ack frame). */
export interface HanAirEvent {
  from: Eui;
  to: Eui;
  /** The APS frame bytes (secured as sent). */
  frame: Uint8Array;
  psduBytes: number;
  start: number;
  end: number;
  attempt: number;
  /** Whether the receiver heard it. */
  heard: boolean;
}

export type HanSubmitResult =
  | { ok: true; id: number }
  | { ok: false; reason: HanFailureReason; error: HanError };

/** A device's handle on the medium. */
export interface HanPort {
  readonly eui: Eui;
  send(to: Eui, asdu: Uint8Array, opts?: HanSendOptions): HanSubmitResult;
  dutyCycleState(): DutyCycleState;
  airtime(windowMs?: number): { airtimeMs: number; share: number };
  isLinkUp(): boolean;
  detach(): void;
}

interface OutMessage {
  id: number;
  to: Eui;
  asdu: Uint8Array;
  opts: HanSendOptions;
  blocks: ApsBlock[] | undefined;
  blockIdx: number;
  apsCounter: number;
  retriesLeft: number;
  queuedAt: number;
  startedAt?: number;
  deliveredAt?: number;
  macAttempts: number;
  apsRetries: number;
  airtimeMs: number;
  ackTimer?: TimerHandle;
  awaitingAck: boolean;
}

interface Reassembly {
  r: ApsReassembler;
  firstBlockAt: number;
  timer: TimerHandle;
  msgRef?: OutMessage;
}

interface HanNode {
  eui: Eui;
  /** `euiOnAir(eui)`: the radio's own address bytes, in every secured frame's nonce and header */
  euiOnAir: Uint8Array;
  opts: HanAttachOptions;
  up: boolean;
  queue: BoundedQueue<OutMessage>;
  current?: OutMessage;
  apsCounter: number;
  frameCounter: OutgoingFrameCounter;
  guard: FrameCounterGuard;
  /** Keyed by transfer (`transferKey`: source and APS counter). */
  reassemblies: Map<number, Reassembly>;
  recent: Map<number, number>;
  /** Transfers (source:APS counter) whose reassembly was refused: their remaining blocks are dropped. */
  refused: Map<number, number>;
  airtime: AirtimeLog;
  duty?: DutyCycleMonitor;
  pumpScheduled: boolean;
}

interface ChannelJob {
  from: HanNode;
  to: Eui;
  frame: Uint8Array;
  /** The transfer the frame belongs to (data blocks and their APS acks), for airtime per transfer. */
  msg?: OutMessage;
  /** A data block of `msg`: when its MAC transaction ends, the sender waits for its APS ack. */
  dataBlock: boolean;
  /** Told whether the receiver heard the frame (frames put on air raw). */
  onDone?: (delivered: boolean) => void;
}

/**
 * Small numbers for the EUIs that sent secured or unsecured data, so that a
 * transfer's key (source, APS counter) is one number, not a string built per
 * frame. Process-wide (an EUI is the same device in every medium); a key is
 * only ever compared, never shown or ordered.
 */
const SOURCE_IDS = new Map<Eui, number>();

function transferKey(source: Eui, apsCounter: number): number {
  let id = SOURCE_IDS.get(source);
  if (id === undefined) {
    id = SOURCE_IDS.size;
    SOURCE_IDS.set(source, id);
  }
  return id * 256 + apsCounter;
}

const HOUR = 3_600_000;

/** A counter of `metrics` found on its first increment (a medium that never sent has none), then kept. */
class HotCounter {
  private c: Counter | undefined;
  constructor(
    private readonly metrics: Metrics,
    private readonly name: string,
  ) {}
  inc(n = 1): void {
    if (!this.c) this.c = this.metrics.counter(this.name);
    this.c.inc(n);
  }
}
const NO_TIMER: TimerHandle = { at: 0, cancel: () => {} };
/** An APS ack's (empty) payload: read only. */
const NO_PAYLOAD = new Uint8Array(0);

export class HanMedium {
  readonly clock: Clock;
  readonly phy: PhyProfile;
  readonly overheads: StackOverheads;
  readonly metrics: Metrics;
  readonly name: string;
  readonly lossProbability: number;
  readonly macMaxRetries: number;
  readonly apsMaxRetries: number;
  readonly apsAckWaitMs: number;
  readonly fragmentPayloadSize: number;
  readonly interFragmentGapMs: number;
  readonly maxAsduSize: number;
  readonly reassemblyTimeoutMs: number;
  readonly duplicateRejectionMs: number;
  readonly txQueueCapacity: number;
  readonly airtimeWindowMs: number;
  readonly dutyCycle: DutyCycleThresholds | undefined;
  private readonly rng: SeededRandom;
  private readonly log: Logger;
  private readonly nodes = new Map<Eui, HanNode>();
  private readonly channel: BoundedQueue<ChannelJob>;
  private busy = false;
  private nextId = 1;
  // the counters of every frame, found once
  private readonly framesTx: HotCounter;
  private readonly macAttempts: HotCounter;
  private readonly transfersOk: HotCounter;
  private readonly rxDelivered: HotCounter;
  private readonly transferListeners: Array<(r: HanTransferReport) => void> = [];
  private readonly airListeners: Array<(e: HanAirEvent) => void> = [];
  private readonly dutyListeners: Array<(eui: Eui, s: DutyCycleState, prev: DutyCycleState) => void> = [];

  constructor(o: HanMediumOptions) {
    this.clock = o.clock;
    this.name = o.name ?? 'home';
    this.phy = phyProfile(o.band ?? '2.4GHz', o.phy);
    this.overheads = { ...DEFAULT_OVERHEADS, ...o.overheads };
    this.metrics = o.metrics ?? new Metrics();
    this.framesTx = new HotCounter(this.metrics, 'han.frames.tx');
    this.macAttempts = new HotCounter(this.metrics, 'han.mac.attempts');
    this.transfersOk = new HotCounter(this.metrics, 'han.transfers.ok');
    this.rxDelivered = new HotCounter(this.metrics, 'han.rx.delivered');
    this.rng = o.random.fork(`han:${this.name}`);
    this.log = Logger.withClock('han', () => this.clock.now());
    this.lossProbability = o.lossProbability ?? 0;
    this.macMaxRetries = o.macMaxRetries ?? 3;
    this.apsMaxRetries = o.apsMaxRetries ?? 3;
    this.apsAckWaitMs = o.apsAckWaitMs ?? 1600;
    this.fragmentPayloadSize = o.fragmentPayloadSize ?? 61;
    this.interFragmentGapMs = o.interFragmentGapMs ?? 30;
    this.maxAsduSize = o.maxAsduSize ?? 1600;
    this.reassemblyTimeoutMs = o.reassemblyTimeoutMs ?? this.apsAckWaitMs * (this.apsMaxRetries + 2);
    this.duplicateRejectionMs = o.duplicateRejectionMs ?? 10_000;
    this.txQueueCapacity = o.txQueueCapacity ?? 16;
    this.airtimeWindowMs = o.airtimeWindowMs ?? 60_000;
    this.dutyCycle = this.phy.band === 'subGHz' ? { ...DEFAULT_DUTY_CYCLE, ...o.dutyCycle } : undefined;
    if (!(this.lossProbability >= 0 && this.lossProbability < 1))
      throw new ConfigError(`lossProbability must be in [0, 1), got ${this.lossProbability}`);
    const maxBlock = this.maxFragmentPayload();
    if (
      !(
        Number.isInteger(this.fragmentPayloadSize) &&
        this.fragmentPayloadSize >= 1 &&
        this.fragmentPayloadSize <= maxBlock
      )
    )
      throw new ConfigError(
        `fragmentPayloadSize ${this.fragmentPayloadSize} does not fit one PHY frame (at most ${maxBlock} bytes with these overheads)`,
      );
    this.channel = new BoundedQueue<ChannelJob>('han.channel', 4096, this.metrics);
  }

  /** The largest block that fits one PHY frame with APS header, extended header and APS security. */
  maxFragmentPayload(): number {
    return maxApsFrameBytes(this.phy, this.overheads) - 8 - 2 - apsSecurityOverhead();
  }

  get band(): HanBand {
    return this.phy.band;
  }

  attach(eui: Eui, opts: HanAttachOptions): HanPort {
    const id = normaliseEui(eui);
    if (this.nodes.has(id)) throw new ConfigError(`${id} is already attached to HAN ${this.name}`);
    const apsStart = opts.apsCounterStart ?? 0;
    if (!(Number.isInteger(apsStart) && apsStart >= 0 && apsStart <= 0xff))
      throw new ConfigError(`apsCounterStart must be an integer 0..255, got ${apsStart}`);
    const guard = new FrameCounterGuard();
    for (const [source, counter] of Object.entries(opts.receiveFrameCounters ?? {})) {
      if (!(Number.isInteger(counter) && counter >= 0 && counter <= 0xffffffff))
        throw new ConfigError(`receiveFrameCounters[${source}] must be an integer 0..2^32-1, got ${counter}`);
      guard.accept(normaliseEui(source), counter);
    }
    const node: HanNode = {
      eui: id,
      euiOnAir: euiOnAir(id),
      opts,
      up: true,
      queue: new BoundedQueue<OutMessage>(`han.txq.${id}`, this.txQueueCapacity, this.metrics),
      apsCounter: apsStart,
      frameCounter: new OutgoingFrameCounter(opts.frameCounterStart ?? 0),
      guard,
      reassemblies: new LazyMap(),
      recent: new LazyMap(),
      refused: new LazyMap(),
      airtime: new AirtimeLog(Math.max(HOUR, this.airtimeWindowMs)),
      pumpScheduled: false,
    };
    if (this.dutyCycle)
      node.duty = new DutyCycleMonitor(this.clock, node.airtime, this.dutyCycle, (s, prev, pct) => {
        this.metrics.inc(`han.dutyCycle.${s}`);
        this.log.info('duty cycle state changed', { eui: id, from: prev, to: s, usedPct: pct });
        node.opts.onDutyCycleChange?.(s, prev);
        for (const l of this.dutyListeners) l(id, s, prev);
      });
    this.nodes.set(id, node);
    return {
      eui: id,
      send: (to, asdu, o) => this.send(id, to, asdu, o),
      dutyCycleState: () => this.dutyCycleState(id),
      airtime: (w) => this.airtime(id, w),
      isLinkUp: () => this.isLinkUp(id),
      detach: () => this.detach(id),
    };
  }

  /** Removes a device; its queued transfers fail with `not-attached`. */
  detach(eui: Eui): void {
    const node = this.nodes.get(normaliseEui(eui));
    if (!node) return;
    this.nodes.delete(node.eui);
    node.duty?.dispose();
    for (const r of node.reassemblies.values()) r.timer.cancel();
    if (node.current) this.finish(node, node.current, 'not-attached');
    for (let m = node.queue.shift(); m; m = node.queue.shift()) this.finish(node, m, 'not-attached');
  }

  isAttached(eui: Eui): boolean {
    return this.nodes.has(normaliseEui(eui));
  }

  /** Backchannel: take a device's radio link down (out of range, powered off) or bring it back. */
  setLinkUp(eui: Eui, up: boolean): void {
    const node = this.need(eui);
    if (node.up === up) return;
    node.up = up;
    this.metrics.inc(up ? 'han.link.up' : 'han.link.down');
    this.log.info(up ? 'link up' : 'link down', { eui: node.eui });
  }

  isLinkUp(eui: Eui): boolean {
    return this.nodes.get(normaliseEui(eui))?.up ?? false;
  }

  /** 'Normal' in 2.4 GHz homes; the device's duty-cycle state in sub-GHz homes (PP-4). */
  dutyCycleState(eui: Eui): DutyCycleState {
    return this.need(eui).duty?.state ?? 'Normal';
  }

  /** Percent of the duty-cycle window (an hour) the device spent transmitting. */
  dutyCycleUsedPct(eui: Eui): number {
    const node = this.need(eui);
    const w = this.dutyCycle?.windowMs ?? HOUR;
    return (node.airtime.usedMs(this.clock.now(), w) / w) * 100;
  }

  onDutyCycleChange(
    listener: (eui: Eui, state: DutyCycleState, previous: DutyCycleState) => void,
  ): () => void {
    this.dutyListeners.push(listener);
    return () => this.dutyListeners.splice(this.dutyListeners.indexOf(listener), 1);
  }

  /** A sniffer: every frame put on air (tests, dashboards, replay-attack models). */
  onAir(listener: (e: HanAirEvent) => void): () => void {
    this.airListeners.push(listener);
    return () => this.airListeners.splice(this.airListeners.indexOf(listener), 1);
  }

  /** Every finished transfer (success or failure), for simulators and dashboards. */
  onTransfer(listener: (r: HanTransferReport) => void): () => void {
    this.transferListeners.push(listener);
    return () => this.transferListeners.splice(this.transferListeners.indexOf(listener), 1);
  }

  /** A device's airtime over the last `windowMs` (default airtimeWindowMs, at most an hour) and its share of it (CH-7). */
  airtime(eui: Eui, windowMs = this.airtimeWindowMs): { airtimeMs: number; share: number } {
    const node = this.need(eui);
    const w = Math.min(windowMs, node.airtime.retainMs);
    const ms = node.airtime.usedMs(this.clock.now(), w);
    return { airtimeMs: ms, share: ms / w };
  }

  /** A device's airtime since it was attached (ms): what the simulator's HAN-load figures add up. */
  lifetimeAirtimeMs(eui: Eui): number {
    return this.nodes.get(eui)?.airtime.lifetimeMs ?? 0;
  }

  /** Every attached device's airtime over the window, and the channel's total. */
  airtimeShares(windowMs = this.airtimeWindowMs): {
    total: number;
    perDevice: Record<Eui, { airtimeMs: number; share: number }>;
  } {
    const perDevice: Record<Eui, { airtimeMs: number; share: number }> = {};
    let total = 0;
    for (const eui of this.nodes.keys()) {
      perDevice[eui] = this.airtime(eui, windowMs);
      total += perDevice[eui].share;
    }
    return { total, perDevice };
  }

  /** The next outgoing APS frame counter of a device (persist it: a restarted device continues from it, PP-3). */
  outgoingFrameCounter(eui: Eui): number {
    return this.need(eui).frameCounter.peek();
  }

  /** The next outgoing APS counter (8-bit) of a device (persist it with the frame counter: `radioState`). */
  outgoingApsCounter(eui: Eui): number {
    return this.need(eui).apsCounter;
  }

  /** The receive frame-counter guard of a device: last accepted frame counter per source (plain data). */
  receiveFrameCounters(eui: Eui): Record<Eui, number> {
    return this.need(eui).guard.snapshot();
  }

  /**
   * What a device's radio must keep across a power cycle: its outgoing frame
   * counter and APS counter, and its receive frame-counter guard. Give it
   * back on `attach` (`frameCounterStart`, `apsCounterStart`,
   * `receiveFrameCounters`).
   */
  radioState(eui: Eui): HanRadioState {
    const n = this.need(eui);
    return {
      frameCounter: n.frameCounter.peek(),
      apsCounter: n.apsCounter,
      receiveFrameCounters: n.guard.snapshot(),
    };
  }

  /** The last frame counter `eui` accepted from `peer` (undefined before the first secured frame). */
  lastAcceptedFrameCounter(eui: Eui, peer: Eui): number | undefined {
    return this.need(eui).guard.lastAccepted(normaliseEui(peer));
  }

  /** Forget `peer`'s frame counter at `eui` (its link key changed, e.g. a new Device Log entry). */
  resetPeerFrameCounter(eui: Eui, peer: Eui): void {
    this.need(eui).guard.reset(normaliseEui(peer));
  }

  /** Messages waiting in a device's transmit queue (excluding the one in flight). */
  queueDepth(eui: Eui): number {
    return this.need(eui).queue.size;
  }

  /** Sends an APS payload from one device to another: fragmented, secured, acknowledged, retried. */
  send(from: Eui, to: Eui, asdu: Uint8Array, opts: HanSendOptions = {}): HanSubmitResult {
    const node = this.nodes.get(normaliseEui(from));
    const dest = normaliseEui(to);
    if (!node) {
      return this.refuse('not-attached', `${from} is not attached to HAN ${this.name}`);
    }
    if (!node.up) {
      return this.refuse('link-down', `${node.eui}: link is down`);
    }
    if (node.duty?.state === 'Suspended') {
      this.metrics.inc('han.refused.duty-cycle');
      return { ok: false, reason: 'duty-cycle', error: new HanDutyCycleSuspendedError(node.eui) };
    }
    if (asdu.length === 0 || asdu.length > this.maxAsduSize)
      return this.refuse('too-large', `APS payload of ${asdu.length} bytes (allowed 1..${this.maxAsduSize})`);
    if ((opts.security ?? true) && !node.opts.linkKeyFor(dest))
      return this.refuse('no-key', `${node.eui} has no link key for ${dest}`);
    const maxUnfragmented = maxApsFrameBytes(this.phy, this.overheads) - 8 - apsSecurityOverhead();
    const m: OutMessage = {
      id: this.nextId++,
      to: dest,
      asdu: asdu.slice(),
      opts,
      blocks: asdu.length > maxUnfragmented ? fragmentAsdu(asdu, this.fragmentPayloadSize) : undefined,
      blockIdx: 0,
      apsCounter: 0,
      retriesLeft: this.apsMaxRetries,
      queuedAt: this.clock.now(),
      macAttempts: 0,
      apsRetries: 0,
      airtimeMs: 0,
      awaitingAck: false,
    };
    if (!node.queue.offer(m)) {
      this.log.warn('transmit queue full', { eui: node.eui, capacity: node.queue.capacity });
      return this.refuse('queue-full', `${node.eui}: transmit queue full (${node.queue.capacity})`);
    }
    // An idle radio starts the message at once (its channel job queues behind the one on air);
    // a busy one takes it from its queue when the transfer in flight ends (`finish`).
    if (!node.current && !node.pumpScheduled) this.pump(node);
    return { ok: true, id: m.id };
  }

  /**
   * Puts one APS frame on air as given (no fragmentation, security or
   * retries): for tests and for modelling a misbehaving device (tampered,
   * replayed or flooding frames). The receiver's APS layer judges it.
   */
  transmitRaw(
    from: Eui,
    to: Eui,
    apsFrame: Uint8Array,
    onDone?: (delivered: boolean) => void,
  ): HanSubmitResult {
    const node = this.nodes.get(normaliseEui(from));
    if (!node) {
      return this.refuse('not-attached', `${from} is not attached`);
    }
    if (node.duty?.state === 'Suspended')
      return { ok: false, reason: 'duty-cycle', error: new HanDutyCycleSuspendedError(node.eui) };
    if (apsFrame.length > maxApsFrameBytes(this.phy, this.overheads))
      return this.refuse('too-large', `APS frame of ${apsFrame.length} bytes does not fit one PHY frame`);
    this.enqueueJob({
      from: node,
      to: normaliseEui(to),
      frame: apsFrame.slice(),
      dataBlock: false,
      onDone,
    });
    return { ok: true, id: this.nextId++ };
  }

  private refuse(reason: HanFailureReason, message: string): HanSubmitResult {
    this.metrics.inc(`han.refused.${reason}`);
    return { ok: false, reason, error: new HanError(reason, message) };
  }

  private need(eui: Eui): HanNode {
    const n = this.nodes.get(normaliseEui(eui));
    if (!n) throw new HanError('not-attached', `${eui} is not attached to HAN ${this.name}`);
    return n;
  }

  // ---- sender side -------------------------------------------------------

  private schedulePump(node: HanNode): void {
    if (node.pumpScheduled || node.current) return;
    node.pumpScheduled = true;
    this.clock.setTimer(
      0,
      () => {
        node.pumpScheduled = false;
        this.pump(node);
      },
      'han:pump',
    );
  }

  private pump(node: HanNode): void {
    if (node.current || this.nodes.get(node.eui) !== node) return;
    const m = node.queue.shift();
    if (!m) return;
    node.current = m;
    m.apsCounter = node.apsCounter;
    node.apsCounter = (node.apsCounter + 1) & 0xff;
    m.startedAt = this.clock.now();
    this.sendBlock(node, m);
  }

  private dataHeader(m: OutMessage): ApsHeader {
    const h: ApsHeader = {
      frameType: 'data',
      deliveryMode: 'unicast',
      security: false,
      ackRequest: true,
      destinationEndpoint: m.opts.destinationEndpoint ?? 1,
      clusterId: m.opts.clusterId ?? TUNNELING_CLUSTER_ID,
      profileId: m.opts.profileId ?? ZIGBEE_PROFILE_SMART_ENERGY,
      sourceEndpoint: m.opts.sourceEndpoint ?? 1,
      counter: m.apsCounter,
    };
    if (m.blocks) h.extended = blockExtendedHeader(m.blocks[m.blockIdx]);
    return h;
  }

  private sendBlock(node: HanNode, m: OutMessage): void {
    if (!node.up) {
      this.finish(node, m, 'link-down');
      return;
    }
    if (node.duty?.state === 'Suspended') {
      this.finish(node, m, 'duty-cycle');
      return;
    }
    const header = this.dataHeader(m);
    const payload = m.blocks ? m.blocks[m.blockIdx].payload : m.asdu;
    let frame: Uint8Array;
    if (m.opts.security ?? true) {
      const key = node.opts.linkKeyFor(m.to);
      if (!key) {
        this.finish(node, m, 'no-key');
        return;
      }
      frame = secureApsFrame({
        header,
        payload,
        linkKey: key,
        sourceEui: node.eui,
        sourceOnAir: node.euiOnAir,
        frameCounter: node.frameCounter.next(),
      });
    } else frame = encodeApsFrame(header, payload);
    m.awaitingAck = true;
    this.enqueueJob({ from: node, to: m.to, frame, msg: m, dataBlock: true });
  }

  /** A data block's MAC transaction ended: its APS ack (if it got through) arrives as its own channel job. */
  private blockSent(node: HanNode, m: OutMessage): void {
    if (node.current !== m || !m.awaitingAck) return;
    // if no ack has come by apsAckWaitMs, the block is sent again
    m.ackTimer?.cancel();
    m.ackTimer = this.clock.setTimer(this.apsAckWaitMs, () => this.onAckTimeout(node, m), 'han:aps-ack-wait');
  }

  private onAckTimeout(node: HanNode, m: OutMessage): void {
    if (node.current !== m || !m.awaitingAck) return;
    if (m.retriesLeft <= 0) {
      this.finish(node, m, node.up ? 'lost' : 'link-down');
      return;
    }
    m.retriesLeft--;
    m.apsRetries++;
    this.metrics.inc('han.aps.retries');
    this.sendBlock(node, m);
  }

  private onApsAck(node: HanNode, from: Eui, h: ApsHeader): void {
    const m = node.current;
    if (!m?.awaitingAck || m.to !== from || h.counter !== m.apsCounter) return;
    if (m.blocks) {
      if (!h.extended || h.extended.blockNumber !== m.blockIdx || !((h.extended.ackBitfield ?? 0) & 1))
        return;
    } else if (h.extended) return;
    m.awaitingAck = false;
    m.ackTimer?.cancel();
    m.retriesLeft = this.apsMaxRetries;
    if (m.blocks && m.blockIdx + 1 < m.blocks.length) {
      m.blockIdx++;
      this.clock.setTimer(
        this.interFragmentGapMs,
        () => {
          if (node.current === m) this.sendBlock(node, m);
        },
        'han:inter-fragment',
      );
      return;
    }
    this.finish(node, m, undefined);
  }

  private finish(node: HanNode, m: OutMessage, reason: HanFailureReason | undefined): void {
    m.ackTimer?.cancel();
    m.awaitingAck = false;
    const now = this.clock.now();
    const ok = reason === undefined;
    const r: HanTransferReport = {
      id: m.id,
      from: node.eui,
      to: m.to,
      ok,
      asduBytes: m.asdu.length,
      blocks: m.blocks?.length ?? 1,
      queuedAt: m.queuedAt,
      completedAt: now,
      macAttempts: m.macAttempts,
      apsRetries: m.apsRetries,
      airtimeMs: m.airtimeMs,
    };
    if (reason) r.reason = reason;
    if (m.startedAt !== undefined) r.startedAt = m.startedAt;
    if (m.deliveredAt !== undefined) {
      r.deliveredAt = m.deliveredAt;
      r.latencyMs = m.deliveredAt - m.queuedAt;
      if (m.startedAt !== undefined) r.transferMs = m.deliveredAt - m.startedAt;
    }
    if (ok) this.transfersOk.inc();
    else this.metrics.inc(`han.transfers.failed.${reason}`);
    if (!ok) this.log.debug('transfer failed', { id: m.id, from: node.eui, to: m.to, reason });
    if (node.current === m) {
      node.current = undefined;
      // the next queued message (none waiting: no clock event; `send` schedules one)
      if (node.queue.size > 0) this.schedulePump(node);
    }
    m.opts.onComplete?.(r);
    for (const l of this.transferListeners) l(r);
  }

  // ---- the channel -------------------------------------------------------

  private enqueueJob(job: ChannelJob): void {
    if (!this.channel.offer(job)) {
      this.metrics.inc('han.channel.overflow');
      this.clock.setTimer(0, () => this.jobDone(job, false), 'han:channel-overflow');
      return;
    }
    if (!this.busy) this.startNextJob();
  }

  /**
   * Runs one MAC transaction with its retries. The channel is held from the
   * first backoff to the last ack (or ack wait), so the whole transaction is
   * drawn at its start and completes at one timer.
   */
  private startNextJob(): void {
    const job = this.channel.shift();
    if (!job) {
      this.busy = false;
      return;
    }
    this.busy = true;
    const start = this.clock.now();
    const phy = this.phy;
    const psdu = psduBytes(job.frame.length, this.overheads);
    const frameMs = frameAirtimeUs(psdu, phy) / 1000;
    const ackMs = macAckAirtimeUs(phy) / 1000;
    const receiver = this.nodes.get(job.to);
    const sender = job.from;
    const onAir = sender.up && this.nodes.get(sender.eui) === sender;
    let t = start;
    let delivered = false;
    let acked = false;
    let attempts = 0;
    let airtime = 0;
    for (let a = 0; a <= this.macMaxRetries; a++) {
      attempts++;
      t += (this.rng.int(2 ** phy.macMinBE) * phy.unitBackoffUs + phy.ccaUs) / 1000;
      const txStart = t;
      t += frameMs;
      if (onAir) {
        sender.airtime.record(txStart, t);
        airtime += frameMs;
      }
      const heard = onAir && receiver?.up === true && !this.rng.chance(this.lossProbability);
      if (onAir)
        for (const l of this.airListeners)
          l({
            from: sender.eui,
            to: job.to,
            frame: job.frame,
            psduBytes: psdu,
            start: txStart,
            end: t,
            attempt: a + 1,
            heard,
          });
      if (heard) {
        delivered = true;
        const ackStart = t + phy.turnaroundUs / 1000;
        receiver.airtime.record(ackStart, ackStart + ackMs);
        airtime += ackMs;
        if (!this.rng.chance(this.lossProbability)) {
          t = ackStart + ackMs;
          acked = true;
          break;
        }
      }
      t += phy.macAckWaitUs / 1000;
    }
    this.framesTx.inc();
    this.macAttempts.inc(attempts);
    if (attempts > 1) this.metrics.inc('han.mac.retries', attempts - 1);
    if (!acked) this.metrics.inc('han.mac.failures');
    if (job.msg) {
      job.msg.macAttempts += attempts;
      job.msg.airtimeMs += airtime;
    }
    if (!onAir) {
      // An offline radio transmits into the void: its attempts take time but not the home's channel.
      this.clock.setTimer(t - start, () => this.endJob(job, receiver, delivered), 'han:offline-tx');
      this.startNextJob();
      return;
    }
    // the channel holds one transaction at a time: its outcome waits here for its end (`endTx`)
    this.airJob = job;
    this.airReceiver = receiver;
    this.airDelivered = delivered;
    this.clock.setTimer(t - start, this.endTx, 'han:tx');
  }

  /** The channel's transaction on air and what it drew (one at a time: `busy`). */
  private airJob: ChannelJob | undefined;
  private airReceiver: HanNode | undefined;
  private airDelivered = false;

  /** The end of the transaction on air (its `han:tx` timer; one function per medium, not a closure per frame). */
  private readonly endTx = (): void => {
    const job = this.airJob;
    if (!job) return;
    const receiver = this.airReceiver;
    this.airJob = undefined;
    this.airReceiver = undefined;
    this.endJob(job, receiver, this.airDelivered);
    this.startNextJob();
  };

  /** A MAC transaction's end: the receiver gets the frame (when it heard it), duty cycles, the sender's next step. */
  private endJob(job: ChannelJob, receiver: HanNode | undefined, delivered: boolean): void {
    const sender = job.from;
    if (delivered && receiver && this.nodes.get(receiver.eui) === receiver)
      this.receiveFrame(receiver, sender.eui, job.frame);
    sender.duty?.evaluate();
    if (receiver && receiver !== sender) receiver.duty?.evaluate();
    this.jobDone(job, delivered);
  }

  private jobDone(job: ChannelJob, delivered: boolean): void {
    if (job.dataBlock) this.blockSent(job.from, job.msg!);
    else job.onDone?.(delivered);
  }

  // ---- receiver side -----------------------------------------------------

  private reject(node: HanNode, from: Eui, reason: HanRxRejectReason, e?: unknown): void {
    this.metrics.inc(`han.rx.rejected.${reason}`);
    const r: HanRxRejection = {
      at: this.clock.now(),
      to: node.eui,
      from,
      reason,
      message: e instanceof Error ? e.message : reason,
    };
    if (e instanceof ZigbeeError) r.code = e.code;
    this.log.debug('frame rejected', { ...r });
    node.opts.onRejected?.(r);
  }

  private receiveFrame(node: HanNode, from: Eui, frame: Uint8Array): void {
    let header: ApsHeader;
    let payload: Uint8Array;
    let source = from;
    let secured = false;
    try {
      // the frame control's security bit (bit 5) says which decoder reads it (each checks the whole header)
      const d = frame.length > 0 && frame[0] & 0x20 ? undefined : decodeApsFrame(frame).value;
      if (!d) {
        const u = unsecureApsFrame(frame, { linkKeyFor: node.opts.linkKeyFor, sourceEui: from });
        node.guard.accept(u.source, u.aux.frameCounter);
        header = u.header;
        payload = u.payload;
        source = u.source;
        secured = true;
      } else {
        header = d.header;
        payload = d.payload;
      }
    } catch (e) {
      const code = e instanceof ZigbeeError ? e.code : '';
      const reason: HanRxRejectReason =
        code === 'ZIGBEE_MIC_INVALID'
          ? 'mic-invalid'
          : code === 'ZIGBEE_UNKNOWN_KEY'
            ? 'unknown-key'
            : code === 'ZIGBEE_REPLAY'
              ? 'replay'
              : 'malformed';
      this.reject(node, from, reason, e);
      return;
    }
    if (!secured && !node.opts.acceptUnsecured) {
      this.reject(node, from, 'unsecured');
      return;
    }
    if (header.frameType === 'ack') {
      this.onApsAck(node, source, header);
      return;
    }
    if (header.frameType !== 'data' || header.deliveryMode !== 'unicast') {
      this.reject(node, from, 'malformed', new Error(`unexpected APS ${header.frameType} frame`));
      return;
    }
    this.onData(node, source, header, payload, secured);
  }

  private onData(node: HanNode, from: Eui, h: ApsHeader, payload: Uint8Array, secured: boolean): void {
    const now = this.clock.now();
    const key = transferKey(from, h.counter);
    this.expireRecent(node, now);
    const sender = this.nodes.get(from);
    const msg =
      sender?.current && sender.current.to === node.eui && sender.current.apsCounter === h.counter
        ? sender.current
        : undefined;
    if (!h.extended) {
      if (h.ackRequest) this.sendApsAck(node, from, h, secured, msg);
      if ((node.recent.get(key) ?? Number.NEGATIVE_INFINITY) > now) {
        this.metrics.inc('han.rx.duplicates');
        return;
      }
      node.recent.set(key, now + this.duplicateRejectionMs);
      if (msg) msg.deliveredAt = now;
      this.deliver(node, from, h, payload, secured, now, now, 1);
      return;
    }
    const blockNumber = blockNumberOf(h.extended);
    if ((node.recent.get(key) ?? Number.NEGATIVE_INFINITY) > now) {
      this.metrics.inc('han.rx.duplicates');
      if (h.ackRequest) this.sendApsAck(node, from, h, secured, msg, blockNumber);
      return;
    }
    const refusedUntil = node.refused.get(key);
    if (refusedUntil !== undefined) {
      if (refusedUntil > now) {
        this.metrics.inc('han.rx.afterRejection');
        return;
      }
      node.refused.delete(key);
    }
    let ra = node.reassemblies.get(key);
    if (!ra) {
      ra = { r: new ApsReassembler({ maxSize: this.maxAsduSize }), firstBlockAt: now, timer: NO_TIMER };
      node.reassemblies.set(key, ra);
    }
    // An inactivity timeout, restarted by every block: a slow (lossy) transfer is kept while it progresses.
    // When it fires the rest of the transfer is refused (no acks), so the sender ends with `lost`
    // instead of a partial transfer being acked block by block.
    const current = ra;
    current.timer.cancel();
    current.timer = this.clock.setTimer(
      this.reassemblyTimeoutMs,
      () => {
        if (node.reassemblies.get(key) !== current) return;
        node.reassemblies.delete(key);
        node.refused.set(key, this.clock.now() + this.duplicateRejectionMs);
        this.reject(
          node,
          from,
          'reassembly-timeout',
          new Error(`blocks missing: ${current.r.missing().join(', ')}`),
        );
      },
      'han:reassembly-timeout',
    );
    let status: string;
    try {
      status = ra.r.add(h.extended, payload);
    } catch (e) {
      ra.timer.cancel();
      node.reassemblies.delete(key);
      node.refused.set(key, now + this.duplicateRejectionMs);
      const tooLarge = e instanceof ZigbeeError && e.code === 'ZIGBEE_REASSEMBLY_TOO_LARGE';
      this.reject(node, from, tooLarge ? 'too-large' : 'fragment-invalid', e);
      return;
    }
    if (h.ackRequest) this.sendApsAck(node, from, h, secured, msg, blockNumber);
    if (status === 'duplicate') {
      this.metrics.inc('han.rx.duplicates');
      return;
    }
    if (status !== 'complete') return;
    ra.timer.cancel();
    node.reassemblies.delete(key);
    node.recent.set(key, now + this.duplicateRejectionMs);
    if (msg) msg.deliveredAt = now;
    this.deliver(node, from, h, ra.r.finish(), secured, ra.firstBlockAt, now, ra.r.totalBlocks ?? 1);
  }

  private expireRecent(node: HanNode, now: number): void {
    if (node.recent.size >= 64) for (const [k, until] of node.recent) if (until <= now) node.recent.delete(k);
    if (node.refused.size >= 64)
      for (const [k, until] of node.refused) if (until <= now) node.refused.delete(k);
  }

  private deliver(
    node: HanNode,
    from: Eui,
    h: ApsHeader,
    asdu: Uint8Array,
    secured: boolean,
    firstBlockAt: number,
    receivedAt: number,
    blocks: number,
  ): void {
    this.rxDelivered.inc();
    node.opts.onData?.({
      from,
      to: node.eui,
      asdu,
      clusterId: h.clusterId ?? 0,
      profileId: h.profileId ?? 0,
      sourceEndpoint: h.sourceEndpoint ?? 0,
      destinationEndpoint: h.destinationEndpoint ?? 0,
      secured,
      firstBlockAt,
      receivedAt,
      blocks,
    });
  }

  private sendApsAck(
    node: HanNode,
    to: Eui,
    data: ApsHeader,
    secured: boolean,
    msg: OutMessage | undefined,
    blockNumber?: number,
  ): void {
    if (!node.up || node.duty?.state === 'Suspended') {
      this.metrics.inc('han.aps.acksSuppressed');
      return;
    }
    const h: ApsHeader = {
      frameType: 'ack',
      deliveryMode: 'unicast',
      ackFormat: false,
      security: false,
      ackRequest: false,
      destinationEndpoint: data.sourceEndpoint,
      clusterId: data.clusterId,
      profileId: data.profileId,
      sourceEndpoint: data.destinationEndpoint,
      counter: data.counter,
    };
    if (blockNumber !== undefined) h.extended = blockAckExtendedHeader(blockNumber);
    let frame: Uint8Array;
    if (secured) {
      const key = node.opts.linkKeyFor(to);
      if (!key) return;
      frame = secureApsFrame({
        header: h,
        payload: NO_PAYLOAD,
        linkKey: key,
        sourceEui: node.eui,
        sourceOnAir: node.euiOnAir,
        frameCounter: node.frameCounter.next(),
      });
    } else frame = encodeApsHeader(h);
    this.enqueueJob({ from: node, to, frame, msg, dataBlock: false });
  }
}
