/**
 * The CSP's SM WAN (SECMP0038 CSP-1): carries Commands from the DSP and the
 * CHM down to each Communications Hub and Responses and Alerts back up, over a
 * per-CH connection whose availability, latency and loss are modelled on the
 * injected Clock with seeded randomness (docs/wan.md).
 *
 * - Availability per CH: always, intermittent (exponential up/down periods),
 *   none; a backchannel forces a CH's WAN down/up or changes its class.
 * - Each direction of each CH is an ordered, reliable-until-TTL channel (the
 *   CSP's transport session over the bearer): every accepted message gets a
 *   sequence number; each transmission attempt takes a sampled transit time
 *   and is lost with the configured probability, or when the connection drops
 *   while it is in flight; the sender notices a lost attempt after
 *   `retryIntervalMs` and retransmits while the WAN is up, until the message's
 *   TTL. The receiving end hands messages on in sequence order (a later
 *   message that arrived first waits for the earlier one, or for its expiry),
 *   so GBCS Originator Counters reach the CH in the order they were sent.
 * - Downlink: commands wait at the CSP while the CH's WAN is down, in a
 *   bounded per-CH queue (`downlinkQueueCapacity`), until their TTL
 *   (`downlinkTtlMs`); a command refused by a full queue is `dropped`, one
 *   whose TTL passes undelivered `expired`: both counted and reported to the
 *   sender's outcome callback and to every `onDownlinkOutcome` listener.
 * - Uplink: the CH's `send` returns false while its WAN is down (the CH keeps
 *   the message in its own buffer, CH-4) or while the modem already holds
 *   `uplinkQueueCapacity` undelivered messages; accepted messages are routed
 *   at the CSP by routeUplink (routing.ts) to the DSP and/or the CHM.
 * - Per-CH metrics: availability share, queue depths and high-water marks,
 *   delivered/lost/retried/expired/dropped counters, latency statistics.
 */
import type { ChWanPort } from '../../devices/contracts.ts';
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import type { Clock, TimerHandle } from '../../runtime/clock.ts';
import { LazyMap } from '../../runtime/lazy-collections.ts';
import { Logger } from '../../runtime/logger.ts';
import { Metrics, type MetricsSnapshot } from '../../runtime/metrics.ts';
import { SeededRandom } from '../../runtime/random.ts';
import type { ChmMessageSink, CspDownlink, DeviceMessageHeld, DspDeviceMessageSink } from '../contracts.ts';
import type { DownlinkJournal } from './downlink-journal.ts';
import { WanError } from './errors.ts';
import {
  type AvailabilityModel,
  checkAvailability,
  checkLatency,
  checkLoss,
  DEFAULT_LATENCY,
  initialUp,
  type LatencyModel,
  modelForClass,
  sampleLatency,
  samplePeriod,
  type WanClass,
} from './models.ts';
import { routeUplink, type UplinkRoute } from './routing.ts';

export interface SmWanConfig {
  /** Commands the CSP holds per CH (waiting for the WAN, or for a retry) before it refuses more. */
  downlinkQueueCapacity: number;
  /** How long the CSP keeps trying to deliver a command. */
  downlinkTtlMs: number;
  /** Messages a CH's modem holds (accepted by `send`, not yet at the CSP). */
  uplinkQueueCapacity: number;
  /** How long the modem keeps trying to deliver an uplink message. */
  uplinkTtlMs: number;
  /** Time after a transmission at which the sender treats an unacknowledged attempt as lost and retransmits. */
  retryIntervalMs: number;
  /** Default per-CH transit-time model (both directions). */
  latency: LatencyModel;
  /** Default per-attempt loss probability, downlink and uplink. */
  lossDown: number;
  lossUp: number;
  /** Default availability model of a CH added without one. */
  availability: AvailabilityModel;
  /** The WAN provider's remote-party EUI (the CHM): uplink addressed to it goes to the CHM. */
  wanProvider: Eui;
  /** Also hand provisional SECMP0038 CH alerts to the DSP (default false: CHM only). */
  provisionalAlertsToDsp: boolean;
  /** Latency samples kept per CH and direction for percentiles. */
  latencySamples: number;
}

export const DEFAULT_SM_WAN_CONFIG: SmWanConfig = {
  downlinkQueueCapacity: 64,
  downlinkTtlMs: 24 * 3_600_000,
  uplinkQueueCapacity: 256,
  uplinkTtlMs: 3_600_000,
  retryIntervalMs: 30_000,
  latency: DEFAULT_LATENCY,
  lossDown: 0,
  lossUp: 0,
  availability: { kind: 'always' },
  wanProvider: '90B3D51F30000007',
  provisionalAlertsToDsp: false,
  latencySamples: 1024,
};

export type DownlinkOrigin = 'dsp' | 'chm';

/** What became of one downlink message. */
export interface DownlinkOutcome {
  requestId: string;
  chf: Eui;
  target: Eui | null;
  origin: DownlinkOrigin;
  outcome: 'delivered' | 'expired' | 'dropped' | 'unknown-ch';
  at: number;
  attempts: number;
  /** from acceptance to the outcome */
  elapsedMs: number;
}

export interface DownlinkMessage {
  chf: Eui;
  gbcs: Uint8Array;
  requestId?: string;
  /** the device the command is for (reporting only) */
  target?: Eui;
  origin?: DownlinkOrigin;
  /** overrides the configured downlink TTL for this message */
  ttlMs?: number;
}

/** Per-CH options when a CH is added to the WAN. */
export interface WanChOptions {
  chf: Eui;
  /** the CH's GPF Entity ID (its alerts route like the CHF's) */
  gpf?: Eui;
  availability?: AvailabilityModel;
  latency?: LatencyModel;
  lossDown?: number;
  lossUp?: number;
  /** where downlink bytes go at the CH (e.g. `(b) => chf.receiveFromWan(b)`); may be attached later */
  receiver?: (bytes: Uint8Array) => void;
}

export interface LatencySummary {
  count: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  p50Ms: number;
  p95Ms: number;
}

export interface DirectionMetrics {
  accepted: number;
  delivered: number;
  /** transmission attempts */
  attempts: number;
  /** attempts lost (random loss or the connection dropping in flight) */
  lost: number;
  retried: number;
  expired: number;
  /** refused: queue full (downlink) / modem full or WAN down (uplink `send` returned false) */
  dropped: number;
  /** messages held now (waiting, in flight or waiting for an earlier one) */
  held: number;
  heldHighWater: number;
  /** one attempt's transit time */
  transit: LatencySummary;
  /** acceptance to hand-over, including waiting for the WAN and retries */
  endToEnd: LatencySummary;
}

export interface WanChMetrics {
  chf: Eui;
  up: boolean;
  forced: 'up' | 'down' | null;
  availability: AvailabilityModel;
  /** share of the time since the CH was added that its WAN was up */
  availabilityShare: number;
  upMs: number;
  downMs: number;
  transitions: number;
  downlink: DirectionMetrics;
  uplink: DirectionMetrics;
}

interface Transit {
  seq: number;
  bytes: Uint8Array;
  requestId: string;
  target: Eui | null;
  origin: DownlinkOrigin | 'ch';
  acceptedAt: number;
  expiresAt: number;
  attempts: number;
  state: 'waiting' | 'on-air' | 'arrived';
  /** connection epoch when the current attempt left (a change means it was cut) */
  epoch: number;
  sentAt: number;
  expiry: TimerHandle | null;
  onOutcome?: (o: DownlinkOutcome) => void;
  /** uplink: the CH's confirmation (its recipient holds the message durably) */
  onUpDelivered?: () => void;
}

class Stats {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;
  private readonly ring: number[] = [];
  private next = 0;
  constructor(private readonly size: number) {}
  add(v: number): void {
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (this.ring.length < this.size) this.ring.push(v);
    else {
      this.ring[this.next] = v;
      this.next = (this.next + 1) % this.size;
    }
  }
  summary(): LatencySummary {
    const s = [...this.ring].sort((a, b) => a - b);
    const q = (p: number) => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor(p * s.length))]);
    return {
      count: this.count,
      meanMs: this.count ? this.sum / this.count : 0,
      minMs: this.count ? this.min : 0,
      maxMs: this.max,
      p50Ms: q(0.5),
      p95Ms: q(0.95),
    };
  }
}

/** One direction of one CH's connection: ordered, retried until TTL, bounded. */
class Channel {
  readonly held: Map<number, Transit> = new LazyMap();
  private nextSeq = 1;
  accepted = 0;
  delivered = 0;
  attempts = 0;
  lost = 0;
  retried = 0;
  expired = 0;
  dropped = 0;
  heldHighWater = 0;
  readonly transit: Stats;
  readonly endToEnd: Stats;

  constructor(
    readonly dir: 'down' | 'up',
    readonly link: WanChLink,
    readonly capacity: number,
    samples: number,
  ) {
    this.transit = new Stats(samples);
    this.endToEnd = new Stats(samples);
  }

  get full(): boolean {
    return this.held.size >= this.capacity;
  }

  admit(t: Omit<Transit, 'seq'>): Transit {
    const x = t as Transit;
    x.seq = this.nextSeq++;
    this.held.set(x.seq, x);
    this.accepted++;
    if (this.held.size > this.heldHighWater) this.heldHighWater = this.held.size;
    return x;
  }

  metrics(): DirectionMetrics {
    return {
      accepted: this.accepted,
      delivered: this.delivered,
      attempts: this.attempts,
      lost: this.lost,
      retried: this.retried,
      expired: this.expired,
      dropped: this.dropped,
      held: this.held.size,
      heldHighWater: this.heldHighWater,
      transit: this.transit.summary(),
      endToEnd: this.endToEnd.summary(),
    };
  }
}

/**
 * One CH's connection: the CH side (ChWanPort) plus the model state. Created
 * by `SmWan.addCh`; give it to the CH as its WAN port and attach the CH's
 * receiver (`attachReceiver((b) => chf.receiveFromWan(b))`).
 */
export class WanChLink implements ChWanPort {
  readonly chf: Eui;
  readonly gpf: Eui | undefined;
  availability: AvailabilityModel;
  latency: LatencyModel;
  lossDown: number;
  lossUp: number;
  readonly downlink: Channel;
  readonly uplink: Channel;
  /** incremented each time the connection drops: attempts in flight across a drop are lost */
  epoch = 0;
  private modelUp: boolean;
  forced: 'up' | 'down' | null = null;
  private effectiveUp: boolean;
  private modelTimer: TimerHandle | null = null;
  private readonly listeners: Array<(up: boolean) => void> = [];
  private receiver: ((bytes: Uint8Array) => void) | undefined;
  readonly addedAt: number;
  private lastChange: number;
  private upMs = 0;
  private downMs = 0;
  transitions = 0;
  readonly rndAvailability: SeededRandom;
  readonly rndLatency: SeededRandom;
  readonly rndLoss: SeededRandom;

  constructor(
    private readonly wan: SmWan,
    o: WanChOptions,
    rnd: SeededRandom,
  ) {
    const c = wan.config;
    this.chf = normaliseEui(o.chf);
    this.gpf = o.gpf ? normaliseEui(o.gpf) : undefined;
    this.availability = checkAvailability(o.availability ?? c.availability);
    this.latency = checkLatency(o.latency ?? c.latency);
    this.lossDown = checkLoss(o.lossDown ?? c.lossDown, 'lossDown');
    this.lossUp = checkLoss(o.lossUp ?? c.lossUp, 'lossUp');
    // independent streams: changing the latency model leaves the availability sequence unchanged
    this.rndAvailability = rnd.fork('availability');
    this.rndLatency = rnd.fork('latency');
    this.rndLoss = rnd.fork('loss');
    this.downlink = new Channel('down', this, c.downlinkQueueCapacity, c.latencySamples);
    this.uplink = new Channel('up', this, c.uplinkQueueCapacity, c.latencySamples);
    this.receiver = o.receiver;
    this.addedAt = wan.clock.now();
    this.lastChange = this.addedAt;
    this.modelUp = initialUp(this.availability, this.rndAvailability);
    this.effectiveUp = this.modelUp;
    this.scheduleModel();
  }

  // ------------------------------------------------------------ ChWanPort (the CH side)

  /** The CH sends bytes up to the CSP. False (nothing sent) while the WAN is down or the modem is full. */
  send(bytes: Uint8Array, onDelivered?: () => void): boolean {
    return this.wan.uplinkFromCh(this, bytes, onDelivered);
  }

  isUp(): boolean {
    return this.effectiveUp;
  }

  onStateChange(listener: (up: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Where downlink messages are handed to the CH. */
  attachReceiver(receiver: (bytes: Uint8Array) => void): void {
    this.receiver = receiver;
  }

  get hasReceiver(): boolean {
    return this.receiver !== undefined;
  }

  /** @internal hands one downlink message to the CH */
  handToCh(bytes: Uint8Array): boolean {
    if (!this.receiver) return false;
    this.receiver(bytes);
    return true;
  }

  // ------------------------------------------------------------ availability

  private scheduleModel(): void {
    this.modelTimer?.cancel();
    this.modelTimer = null;
    const m = this.availability;
    if (m.kind !== 'intermittent') return;
    const ms = samplePeriod(m, this.modelUp, this.rndAvailability);
    this.modelTimer = this.wan.clock.setTimer(
      ms,
      () => {
        this.modelTimer = null;
        this.modelUp = !this.modelUp;
        this.scheduleModel();
        this.reconcile();
      },
      `wan:${this.chf}:${this.modelUp ? 'down' : 'up'}`,
    );
  }

  /** Backchannel: replace the availability model (class). */
  setAvailability(m: AvailabilityModel): void {
    this.availability = checkAvailability(m);
    this.modelUp = initialUp(this.availability, this.rndAvailability);
    this.scheduleModel();
    this.reconcile();
  }

  /** Backchannel: force the WAN up or down regardless of the model; null returns to the model. */
  force(state: 'up' | 'down' | null): void {
    this.forced = state;
    this.reconcile();
  }

  private reconcile(): void {
    const up = this.forced === null ? this.modelUp : this.forced === 'up';
    if (up === this.effectiveUp) return;
    const now = this.wan.clock.now();
    if (this.effectiveUp) this.upMs += now - this.lastChange;
    else this.downMs += now - this.lastChange;
    this.lastChange = now;
    this.effectiveUp = up;
    this.transitions++;
    if (!up) this.epoch++;
    this.wan.onLinkState(this, up);
    for (const l of this.listeners) l(up);
  }

  metrics(): WanChMetrics {
    const now = this.wan.clock.now();
    const upMs = this.upMs + (this.effectiveUp ? now - this.lastChange : 0);
    const downMs = this.downMs + (this.effectiveUp ? 0 : now - this.lastChange);
    const total = upMs + downMs;
    return {
      chf: this.chf,
      up: this.effectiveUp,
      forced: this.forced,
      availability: this.availability,
      availabilityShare: total > 0 ? upMs / total : this.effectiveUp ? 1 : 0,
      upMs,
      downMs,
      transitions: this.transitions,
      downlink: this.downlink.metrics(),
      uplink: this.uplink.metrics(),
    };
  }
}

/**
 * The SM WAN of one CSP: every CH's connection, the DSP's downlink
 * (CspDownlink) and the CHM's, and uplink routing to the DSP and the CHM.
 */
export class SmWan implements CspDownlink {
  readonly config: SmWanConfig;
  readonly clock: Clock;
  readonly metrics: Metrics;
  private readonly random: SeededRandom;
  private readonly links = new Map<Eui, WanChLink>();
  private dsp: DspDeviceMessageSink | undefined;
  private chm: ChmMessageSink | undefined;
  private readonly outcomeListeners: Array<(o: DownlinkOutcome) => void> = [];
  private readonly log: Logger;
  private requestSeq = 0;
  private readonly journal: DownlinkJournal | undefined;

  constructor(o: {
    clock: Clock;
    random?: SeededRandom | string | number;
    config?: Partial<SmWanConfig>;
    metrics?: Metrics;
    dsp?: DspDeviceMessageSink;
    chm?: ChmMessageSink;
    /** Keeps each CH's downlink queue across a crash (downlink-journal.ts); none: in memory only. */
    journal?: DownlinkJournal;
  }) {
    this.clock = o.clock;
    this.random = o.random instanceof SeededRandom ? o.random : new SeededRandom(o.random ?? 'sm-wan');
    this.config = { ...DEFAULT_SM_WAN_CONFIG, ...o.config };
    const c = this.config;
    this.config.wanProvider = normaliseEui(c.wanProvider);
    checkAvailability(c.availability);
    checkLatency(c.latency);
    checkLoss(c.lossDown, 'lossDown');
    checkLoss(c.lossUp, 'lossUp');
    for (const k of ['downlinkQueueCapacity', 'uplinkQueueCapacity'] as const)
      if (!(Number.isInteger(c[k]) && c[k] > 0))
        throw new WanError('WAN_CONFIG', `${k} must be a positive integer`);
    for (const k of ['downlinkTtlMs', 'uplinkTtlMs', 'retryIntervalMs'] as const)
      if (!(c[k] > 0)) throw new WanError('WAN_CONFIG', `${k} must be > 0`);
    this.metrics = o.metrics ?? new Metrics();
    this.dsp = o.dsp;
    this.chm = o.chm;
    this.journal = o.journal;
    this.log = Logger.withClock('wan', () => this.clock.now());
  }

  // ------------------------------------------------------------ wiring

  /** Adds a CH's connection; returns its link (the CH's ChWanPort). */
  addCh(o: WanChOptions): WanChLink {
    const chf = normaliseEui(o.chf);
    if (this.links.has(chf)) throw new WanError('WAN_DUPLICATE_CH', `CH ${chf} is already on the WAN`);
    // one stream per CH, named by its EUI: a CH's run does not depend on which other CHs exist
    const link = new WanChLink(this, { ...o, chf }, this.random.fork(`ch:${chf}`));
    this.links.set(chf, link);
    this.metrics.gauge('wan.chs').set(this.links.size);
    this.restore(link);
    return link;
  }

  /** The commands the CSP held for this CH when its process stopped (the journal), queued again in order. */
  private restore(link: WanChLink): void {
    if (!this.journal) return;
    const kept = this.journal.load(link.chf);
    if (kept.length === 0) return;
    const now = this.clock.now();
    const ch = link.downlink;
    for (const k of kept) {
      const base = { requestId: k.requestId, chf: link.chf, target: k.target, origin: k.origin, at: now };
      if (k.expiresAt <= now || ch.full) {
        const outcome = k.expiresAt <= now ? 'expired' : 'dropped';
        if (outcome === 'expired') ch.expired++;
        else ch.dropped++;
        this.metrics.inc(`wan.down.${outcome}`);
        this.report({ ...base, outcome, attempts: 0, elapsedMs: now - k.acceptedAt });
        continue;
      }
      const t = ch.admit({
        bytes: k.gbcs,
        requestId: k.requestId,
        target: k.target,
        origin: k.origin,
        acceptedAt: k.acceptedAt,
        expiresAt: k.expiresAt,
        attempts: 0,
        state: 'waiting',
        epoch: 0,
        sentAt: 0,
        expiry: null,
      });
      this.metrics.inc('wan.down.restored');
      this.metrics.gauge('wan.down.held').add(1);
      this.armExpiry(ch, t);
      if (link.isUp()) this.transmit(ch, t);
    }
    this.keep(link);
    this.log.info('downlink commands restored from the journal', { chf: link.chf, held: ch.held.size });
  }

  /** Writes the CH's downlink queue through to the journal (before what changed it has any other effect). */
  private keep(link: WanChLink): void {
    if (!this.journal) return;
    const held = [...link.downlink.held.values()].map((t) => ({
      requestId: t.requestId,
      target: t.target,
      origin: t.origin as DownlinkOrigin,
      gbcs: t.bytes,
      acceptedAt: t.acceptedAt,
      expiresAt: t.expiresAt,
    }));
    this.journal.save(link.chf, held);
  }

  link(chf: Eui): WanChLink {
    const l = this.links.get(normaliseEui(chf));
    if (!l) throw new WanError('WAN_UNKNOWN_CH', `CH ${chf} is not on the WAN`);
    return l;
  }

  /** Whether the CH's WAN connection is up now (undefined: not on this WAN). The CSP's own view (CSP-1). */
  chWanUp(chf: Eui): boolean | undefined {
    return this.links.get(normaliseEui(chf))?.isUp();
  }

  hasCh(chf: Eui): boolean {
    return this.links.has(normaliseEui(chf));
  }

  chs(): Eui[] {
    return [...this.links.keys()];
  }

  setDspSink(sink: DspDeviceMessageSink | undefined): void {
    this.dsp = sink;
  }

  setChmSink(sink: ChmMessageSink | undefined): void {
    this.chm = sink;
  }

  /** Every downlink outcome (delivered, expired, dropped, unknown CH). */
  onDownlinkOutcome(listener: (o: DownlinkOutcome) => void): () => void {
    this.outcomeListeners.push(listener);
    return () => {
      const i = this.outcomeListeners.indexOf(listener);
      if (i >= 0) this.outcomeListeners.splice(i, 1);
    };
  }

  // ------------------------------------------------------------ backchannel

  readonly backchannel = {
    /** The CH's WAN goes down now and stays down until `forceUp` or `release`. */
    forceDown: (chf: Eui): void => this.link(chf).force('down'),
    /** The CH's WAN comes up now and stays up until `forceDown` or `release`. */
    forceUp: (chf: Eui): void => this.link(chf).force('up'),
    /** Back to the availability model. */
    release: (chf: Eui): void => this.link(chf).force(null),
    /** Changes the CH's WAN class (always | intermittent | none, or a full model). */
    setClass: (chf: Eui, c: WanClass | AvailabilityModel): void =>
      this.link(chf).setAvailability(modelForClass(c)),
    setLatency: (chf: Eui, m: LatencyModel): void => {
      this.link(chf).latency = checkLatency(m);
    },
    setLoss: (chf: Eui, loss: { down?: number; up?: number }): void => {
      const l = this.link(chf);
      if (loss.down !== undefined) l.lossDown = checkLoss(loss.down, 'lossDown');
      if (loss.up !== undefined) l.lossUp = checkLoss(loss.up, 'lossUp');
    },
  };

  // ------------------------------------------------------------ downlink

  /** CspDownlink (DSP -> CSP): a command for `target`, carried to the CH `chf`. */
  sendCommand(cmd: { requestId: string; target: Eui; chf: Eui; gbcs: Uint8Array }): void {
    this.send({ ...cmd, origin: 'dsp' });
  }

  /**
   * Queues a message for a CH (the DSP's commands and the CHM's). The outcome
   * comes later on the clock (or at once for `dropped` / `unknown-ch`).
   */
  send(msg: DownlinkMessage, onOutcome?: (o: DownlinkOutcome) => void): void {
    const now = this.clock.now();
    const origin = msg.origin ?? 'dsp';
    const requestId = msg.requestId ?? `wan-${++this.requestSeq}`;
    let chf: Eui;
    try {
      chf = normaliseEui(msg.chf);
    } catch {
      chf = String(msg.chf);
    }
    const link = this.links.get(chf);
    const base = { requestId, chf, target: msg.target ? msg.target : null, origin, at: now, attempts: 0 };
    if (!link) {
      this.metrics.inc('wan.down.unknownCh');
      this.log.warn('downlink for a CH not on this WAN', { chf, requestId });
      this.report({ ...base, outcome: 'unknown-ch', elapsedMs: 0 }, onOutcome);
      return;
    }
    const ch = link.downlink;
    if (ch.full) {
      ch.dropped++;
      this.metrics.inc('wan.down.dropped');
      this.log.info('downlink queue full: command dropped', { chf, requestId, held: ch.held.size });
      this.report({ ...base, outcome: 'dropped', elapsedMs: 0 }, onOutcome);
      return;
    }
    const t = ch.admit({
      bytes: msg.gbcs,
      requestId,
      target: base.target,
      origin,
      acceptedAt: now,
      expiresAt: now + (msg.ttlMs ?? this.config.downlinkTtlMs),
      attempts: 0,
      state: 'waiting',
      epoch: 0,
      sentAt: 0,
      expiry: null,
      onOutcome,
    });
    this.keep(link);
    this.metrics.inc('wan.down.accepted');
    this.metrics.gauge('wan.down.held').add(1);
    this.armExpiry(ch, t);
    if (link.isUp()) this.transmit(ch, t);
  }

  // ------------------------------------------------------------ uplink

  /** @internal ChWanPort.send of `link`. */
  uplinkFromCh(link: WanChLink, bytes: Uint8Array, onDelivered?: () => void): boolean {
    const ch = link.uplink;
    if (!link.isUp()) {
      this.metrics.inc('wan.up.refusedDown');
      return false;
    }
    if (ch.full) {
      ch.dropped++;
      this.metrics.inc('wan.up.refusedFull');
      return false;
    }
    const now = this.clock.now();
    const t = ch.admit({
      bytes: bytes.slice(),
      requestId: '',
      target: null,
      origin: 'ch',
      acceptedAt: now,
      expiresAt: now + this.config.uplinkTtlMs,
      attempts: 0,
      state: 'waiting',
      epoch: 0,
      sentAt: 0,
      expiry: null,
      ...(onDelivered ? { onUpDelivered: onDelivered } : {}),
    });
    this.metrics.inc('wan.up.accepted');
    this.armExpiry(ch, t);
    this.transmit(ch, t);
    return true;
  }

  // ------------------------------------------------------------ the channel machinery

  /** @internal the link changed state: on up, everything waiting is transmitted in order. */
  onLinkState(link: WanChLink, up: boolean): void {
    this.metrics.inc(up ? 'wan.link.up' : 'wan.link.down');
    this.log.debug(up ? 'WAN up' : 'WAN down', { chf: link.chf });
    if (!up) return;
    for (const ch of [link.downlink, link.uplink])
      for (const t of [...ch.held.values()]) if (t.state === 'waiting' && link.isUp()) this.transmit(ch, t);
  }

  private armExpiry(ch: Channel, t: Transit): void {
    t.expiry = this.clock.setTimer(
      t.expiresAt - this.clock.now(),
      () => {
        t.expiry = null;
        // on the air: the attempt's fate decides (a loss after the TTL expires it)
        if (t.state === 'waiting') this.expire(ch, t);
      },
      `wan:${ch.link.chf}:${ch.dir}:ttl`,
    );
  }

  private transmit(ch: Channel, t: Transit): void {
    const link = ch.link;
    t.attempts++;
    ch.attempts++;
    if (t.attempts > 1) {
      ch.retried++;
      this.metrics.inc(`wan.${ch.dir}.retried`);
    }
    t.state = 'on-air';
    t.epoch = link.epoch;
    t.sentAt = this.clock.now();
    const transit = sampleLatency(link.latency, link.rndLatency);
    const lost = link.rndLoss.chance(ch.dir === 'down' ? link.lossDown : link.lossUp);
    this.clock.setTimer(
      transit,
      () => {
        if (lost || t.epoch !== link.epoch) this.attemptLost(ch, t);
        else {
          ch.transit.add(transit);
          t.state = 'arrived';
          this.handOver(ch);
        }
      },
      `wan:${link.chf}:${ch.dir}:transit`,
    );
  }

  /** The sender learns of the loss `retryIntervalMs` after it sent, then retries (WAN up) or waits. */
  private attemptLost(ch: Channel, t: Transit): void {
    ch.lost++;
    this.metrics.inc(`wan.${ch.dir}.lost`);
    const wait = Math.max(0, t.sentAt + this.config.retryIntervalMs - this.clock.now());
    this.clock.setTimer(
      wait,
      () => {
        if (!ch.held.has(t.seq)) return;
        if (this.clock.now() >= t.expiresAt) {
          this.expire(ch, t);
          return;
        }
        if (ch.link.isUp()) this.transmit(ch, t);
        else t.state = 'waiting';
      },
      `wan:${ch.link.chf}:${ch.dir}:retry`,
    );
  }

  /** Hands over, in sequence order, every message at the head of the channel that has arrived. */
  private handOver(ch: Channel): void {
    for (const [seq, t] of ch.held) {
      if (t.state !== 'arrived') break;
      ch.held.delete(seq);
      t.expiry?.cancel();
      t.expiry = null;
      ch.delivered++;
      const now = this.clock.now();
      ch.endToEnd.add(now - t.acceptedAt);
      if (ch.dir === 'down') {
        this.keep(ch.link);
        this.metrics.gauge('wan.down.held').add(-1);
        this.metrics.inc('wan.down.delivered');
        let handed = false;
        try {
          handed = ch.link.handToCh(t.bytes);
        } catch (err) {
          // the CH's fault, not the WAN's: counted and logged, the WAN keeps running
          this.metrics.inc('wan.down.receiverFailed');
          this.log.error('the CH failed on a downlink message', { chf: ch.link.chf, error: String(err) });
          handed = true;
        }
        if (!handed) {
          this.metrics.inc('wan.down.noReceiver');
          this.log.warn('downlink reached a CH with no receiver attached', { chf: ch.link.chf });
        }
        this.report(
          {
            requestId: t.requestId,
            chf: ch.link.chf,
            target: t.target,
            origin: t.origin as DownlinkOrigin,
            outcome: 'delivered',
            at: now,
            attempts: t.attempts,
            elapsedMs: now - t.acceptedAt,
          },
          t.onOutcome,
        );
      } else {
        this.metrics.inc('wan.up.delivered');
        this.routeUp(ch.link, t.bytes, now, t.onUpDelivered);
      }
    }
  }

  private expire(ch: Channel, t: Transit): void {
    if (!ch.held.delete(t.seq)) return;
    t.expiry?.cancel();
    ch.expired++;
    this.metrics.inc(`wan.${ch.dir}.expired`);
    const now = this.clock.now();
    if (ch.dir === 'down') {
      this.keep(ch.link);
      this.metrics.gauge('wan.down.held').add(-1);
      this.log.info('downlink command expired undelivered', {
        chf: ch.link.chf,
        requestId: t.requestId,
        attempts: t.attempts,
      });
      this.report(
        {
          requestId: t.requestId,
          chf: ch.link.chf,
          target: t.target,
          origin: t.origin as DownlinkOrigin,
          outcome: 'expired',
          at: now,
          attempts: t.attempts,
          elapsedMs: now - t.acceptedAt,
        },
        t.onOutcome,
      );
    }
    // a later message may have been waiting for this one
    this.handOver(ch);
  }

  private report(o: DownlinkOutcome, cb?: (o: DownlinkOutcome) => void): void {
    this.metrics.inc(`wan.down.outcome.${o.outcome}`);
    cb?.(o);
    for (const l of this.outcomeListeners) l(o);
  }

  /** Routes one uplink message that reached the CSP (routing.ts). */
  private routeUp(link: WanChLink, bytes: Uint8Array, at: number, onDelivered?: () => void): UplinkRoute {
    const r = routeUplink(bytes, {
      chf: link.chf,
      gpf: link.gpf,
      wanProvider: this.config.wanProvider,
      provisionalAlertsToDsp: this.config.provisionalAlertsToDsp,
    });
    this.metrics.inc(`wan.up.route.${r.to}.${r.why}`);
    if (r.to === 'drop') {
      this.log.warn('uplink message dropped at the CSP', { chf: link.chf, why: r.why, size: bytes.length });
      onDelivered?.();
      return r;
    }
    const msg = { chf: link.chf, gbcs: bytes, at };
    // The CH keeps its copy until the DSP holds the message durably (void: held).
    const confirm = (held: DeviceMessageHeld) => {
      if (!onDelivered) return;
      if (held === undefined) {
        onDelivered();
        return;
      }
      held.then(
        (ok) => {
          if (ok) onDelivered();
          else this.metrics.inc('wan.up.notHeld');
        },
        () => this.metrics.inc('wan.up.notHeld'),
      );
    };
    const hand = (who: 'dsp' | 'chm', fn: (() => DeviceMessageHeld) | undefined) => {
      if (!fn) {
        this.metrics.inc(`wan.up.no${who === 'dsp' ? 'Dsp' : 'Chm'}Sink`);
        if (who === 'dsp') confirm(undefined);
        return;
      }
      try {
        const held = fn();
        if (who === 'dsp') confirm(held);
      } catch (err) {
        this.metrics.inc(`wan.up.${who}SinkFailed`);
        this.log.error(`the ${who.toUpperCase()} failed on an uplink message`, {
          chf: link.chf,
          error: String(err),
        });
      }
    };
    if (r.to === 'dsp' || r.to === 'both') hand('dsp', this.dsp && (() => this.dsp!.onDeviceMessage(msg)));
    if (r.to === 'chm' || r.to === 'both') hand('chm', this.chm && (() => this.chm!.onChMessage(msg)));
    if (r.to === 'chm') confirm(undefined);
    return r;
  }

  // ------------------------------------------------------------ metrics

  /** Per-CH metrics (availability share, queues, counters, latency). */
  chMetrics(chf: Eui): WanChMetrics {
    return this.link(chf).metrics();
  }

  snapshot(): { totals: MetricsSnapshot; chs: WanChMetrics[] } {
    return { totals: this.metrics.snapshot(), chs: [...this.links.values()].map((l) => l.metrics()) };
  }
}
