/**
 * `InProcessInternet`: the internet leg without sockets, for virtual-time
 * tests and the estate simulator. A small MQTT-like broker (topic router with
 * `+`/`#` wildcards, retained messages, wills, persistent sessions, QoS 0/1
 * with packet ids, in-flight redelivery after reconnect) whose every hop
 * takes `latencyMs` on the injected Clock. The same ACL as the embedded
 * broker (acl.ts) and the same inbound dispatcher as the MQTT adapter
 * (link.ts), so the conformance tests hold for both.
 *
 * Hops: a publication reaches the broker `latencyMs` after `publish`, its
 * PUBACK comes back `latencyMs` later; a delivery reaches the subscriber
 * `latencyMs` after the broker routes it, and its PUBACK reaches the broker
 * `latencyMs` after the handlers resolve. A PUBACK in flight when the
 * connection drops is lost (the broker redelivers), as on a real network.
 * Connecting and the subscriptions given to `connect` take no time.
 */
import type { Clock, TimerHandle, VirtualClock } from '../../runtime/clock.ts';
import { LazyMap } from '../../runtime/lazy-collections.ts';
import { Logger } from '../../runtime/logger.ts';
import { Metrics } from '../../runtime/metrics.ts';
import {
  type AccessPolicy,
  type Authorization,
  mayConnect,
  mayPublish,
  mayReceive,
  maySubscribe,
} from './acl.ts';
import {
  InboundDispatcher,
  type Internet,
  type InternetHandler,
  type InternetLink,
  InternetLinkError,
  type InternetMessage,
  LinkEmitter,
  type LinkEvents,
  type LinkOptions,
  type PublishOptions,
  type Qos,
} from './link.ts';
import { hasWildcard, SubscriptionIndex } from './subscription-index.ts';
import { encodePresence, isValidTopicName, parseClientId, presenceTopic, topicMatches } from './topics.ts';

const log = Logger.get('mqtt:in-process');

export interface InProcessInternetOptions {
  clock: Clock;
  /** One-way latency of every hop in ms (default 0; still scheduled on the clock). */
  latencyMs?: number;
  /** Default `open`; `strict` refuses client ids outside the scheme, as the TLS listener does. */
  authorization?: Authorization;
  policy?: AccessPolicy;
  metrics?: Metrics;
  /** QoS 1 messages held per offline session (default 10 000); more are dropped and counted, as Mosquitto's max_queued_messages. */
  maxQueuedPerSession?: number;
  /** How long an interrupted link stays down before reconnecting (default 1000 ms). */
  reconnectDelayMs?: number;
}

interface Routed {
  topic: string;
  payload: Uint8Array;
  qos: Qos;
  retain: boolean;
}

interface Session {
  clientId: string;
  subs: Map<string, Qos>;
  /** QoS 1 messages waiting for the client to come back. */
  queue: Routed[];
  /** Sent, not yet acknowledged, by packet id (Map keeps sending order). */
  inflight: Map<number, Routed>;
  nextPacketId: number;
  link?: InProcessLink;
  /** The link's connection generation the broker is talking to. */
  conn: number;
  expiry?: TimerHandle;
  will?: Routed;
  expiryMs: number;
}

const SEVEN_DAYS_MS = 7 * 24 * 3600_000;

export class InProcessInternet implements Internet {
  readonly kind = 'in-process' as const;
  readonly clock: Clock;
  readonly metrics: Metrics;
  private readonly latency: number;
  private readonly mode: Authorization;
  private readonly policy: AccessPolicy;
  private readonly maxQueued: number;
  readonly reconnectDelayMs: number;
  private readonly sessions = new Map<string, Session>();
  /** the sessions' filters, for matching a publication against the few sessions it may reach */
  private readonly subscribers = new SubscriptionIndex<Session>();
  private readonly retained = new Map<string, Routed>();
  private readonly links = new Set<InProcessLink>();

  constructor(opts: InProcessInternetOptions) {
    this.clock = opts.clock;
    this.latency = Math.max(0, opts.latencyMs ?? 0);
    this.mode = opts.authorization ?? 'open';
    this.policy = opts.policy ?? {};
    this.metrics = opts.metrics ?? new Metrics('internet.');
    this.maxQueued = opts.maxQueuedPerSession ?? 10_000;
    this.reconnectDelayMs = opts.reconnectDelayMs ?? 1000;
  }

  async connect(clientId: string, opts: LinkOptions = {}): Promise<InProcessLink> {
    if (!mayConnect(clientId, this.mode))
      throw new InternetLinkError('MQTT_CONNECT_REFUSED', `client id ${JSON.stringify(clientId)} refused`);
    const link = new InProcessLink(this, clientId, opts);
    this.links.add(link);
    await link.start();
    return link;
  }

  async close(): Promise<void> {
    for (const l of [...this.links]) await l.close();
  }

  // ---- test backchannel ----

  /** The session the broker holds for `clientId`: subscriptions, queued and in-flight counts. */
  session(
    clientId: string,
  ): { subscriptions: string[]; queued: number; inflight: number; online: boolean } | undefined {
    const s = this.sessions.get(clientId);
    return (
      s && {
        subscriptions: [...s.subs.keys()],
        queued: s.queue.length,
        inflight: s.inflight.size,
        online: !!s.link,
      }
    );
  }

  /** The open link of `clientId` (test backchannel: interrupt it, read its stats). */
  linkOf(clientId: string): InProcessLink | undefined {
    for (const l of this.links) if (l.clientId === clientId) return l;
    return undefined;
  }

  /**
   * Test backchannel: the broker restarts without persistence (as the
   * embedded broker does when its process dies): every session with its
   * subscriptions, queued and unacknowledged messages, and every retained
   * message is gone; every connected client loses its connection and comes
   * back after the reconnect delay to a broker that has no session for it.
   */
  restartBroker(): void {
    for (const s of this.sessions.values()) s.expiry?.cancel();
    this.sessions.clear();
    this.subscribers.clear();
    this.retained.clear();
    this.metrics.inc('broker.restarts');
    for (const l of [...this.links]) l.interrupt();
  }

  /** The retained message on `topic`, if any. */
  retainedOn(topic: string): Uint8Array | undefined {
    return this.retained.get(topic)?.payload;
  }

  // ---- broker side (called by links, at the time a packet "arrives") ----

  /** @internal */
  after(fn: () => void, label: string): void {
    this.clock.setTimer(this.latency, fn, label);
  }

  /** @internal CONNECT: returns whether a session was present. */
  brokerConnect(
    link: InProcessLink,
    cleanStart: boolean,
    expiryMs: number,
    will: Routed | undefined,
  ): boolean {
    let s = this.sessions.get(link.clientId);
    if (s?.link && s.link !== link) {
      const old = s.link;
      s.link = undefined;
      old.takenOver();
    }
    if (s && cleanStart) {
      s.expiry?.cancel();
      this.dropSession(s);
      s = undefined;
    }
    const present = !!s;
    if (!s) {
      s = {
        clientId: link.clientId,
        subs: new Map(),
        queue: [],
        inflight: new Map(),
        nextPacketId: 1,
        expiryMs,
        conn: 0,
      };
      this.sessions.set(link.clientId, s);
      this.subscribers.addSession(s);
    }
    s.expiry?.cancel();
    s.expiry = undefined;
    s.expiryMs = expiryMs;
    s.will = will;
    s.link = link;
    s.conn = link.generation;
    this.metrics.inc('connects');
    // MQTT-4.4.0-1: resend unacknowledged messages first (DUP), then what queued while offline.
    for (const [pid, m] of s.inflight) this.send(s, m, pid, true);
    const queued = s.queue.splice(0);
    for (const m of queued) this.route(s, m);
    return present;
  }

  /** @internal connection `generation` of `link` ended; `graceful`: a DISCONNECT (no will). */
  brokerDisconnect(link: InProcessLink, graceful: boolean, generation: number): void {
    const s = this.sessions.get(link.clientId);
    if (!s || s.link !== link || s.conn !== generation) return;
    s.link = undefined;
    const will = s.will;
    s.will = undefined;
    if (!graceful && will) {
      this.metrics.inc('wills');
      this.brokerPublish(link.clientId, will, true);
    }
    if (s.expiryMs <= 0) this.dropSession(s);
    else
      s.expiry = this.clock.setTimer(
        s.expiryMs,
        () => {
          if (this.sessions.get(s.clientId) === s && !s.link) {
            this.dropSession(s);
            this.metrics.inc('sessions.expired');
          }
        },
        `session-expiry ${s.clientId}`,
      );
  }

  /** @internal PUBLISH arrived from `clientId` (or its will). */
  brokerPublish(clientId: string, m: Routed, isWill = false): boolean {
    if (!isWill && !mayPublish(clientId, m.topic, this.mode, this.policy)) {
      this.metrics.inc('publish.refused');
      log.warn('publication refused', { clientId, topic: m.topic });
      return false;
    }
    this.metrics.inc('published');
    if (m.retain) {
      if (m.payload.length === 0) this.retained.delete(m.topic);
      else this.retained.set(m.topic, { ...m, retain: false });
    }
    for (const s of this.subscribers.candidates(m.topic)) {
      let qos: Qos | -1 = -1;
      for (const [f, q] of s.subs) if (topicMatches(f, m.topic) && q > qos) qos = q;
      if (qos < 0 || !mayReceive(s.clientId, m.topic, this.policy)) continue;
      this.route(s, { topic: m.topic, payload: m.payload, qos: Math.min(qos, m.qos) as Qos, retain: false });
    }
    return true;
  }

  /** @internal SUBSCRIBE: returns whether granted; sends retained matches. */
  brokerSubscribe(link: InProcessLink, filter: string, qos: Qos): boolean {
    const s = this.sessions.get(link.clientId);
    if (!s || s.link !== link || s.conn !== link.generation) return false;
    if (!maySubscribe(link.clientId, filter, this.mode, this.policy)) {
      this.metrics.inc('subscribe.refused');
      return false;
    }
    if (!s.subs.has(filter)) this.subscribers.add(s, filter);
    s.subs.set(filter, qos);
    const retained = (topic: string, r: Routed) => {
      if (mayReceive(s.clientId, topic, this.policy))
        this.route(s, { topic, payload: r.payload, qos: Math.min(qos, r.qos) as Qos, retain: true });
    };
    if (hasWildcard(filter)) {
      for (const [topic, r] of this.retained) if (topicMatches(filter, topic)) retained(topic, r);
    } else {
      // a filter without wildcards matches only the topic it spells
      const r = this.retained.get(filter);
      if (r) retained(filter, r);
    }
    return true;
  }

  /** @internal */
  brokerUnsubscribe(link: InProcessLink, filter: string): void {
    const s = this.sessions.get(link.clientId);
    if (s && s.link === link && s.subs.delete(filter)) this.subscribers.remove(s, filter);
  }

  /** Forgets a session and its subscriptions. */
  private dropSession(s: Session): void {
    if (this.sessions.get(s.clientId) === s) this.sessions.delete(s.clientId);
    this.subscribers.dropSession(s, s.subs.keys());
  }

  /** @internal PUBACK from the subscriber for packet `pid`, sent on connection `generation`. */
  brokerAck(link: InProcessLink, pid: number, generation: number): void {
    const s = this.sessions.get(link.clientId);
    if (!s || s.link !== link || s.conn !== generation) return; // the connection it came on is gone
    s.inflight.delete(pid);
  }

  private route(s: Session, m: Routed): void {
    if (!s.link) {
      if (m.qos === 0) return; // QoS 0 is not kept for offline clients
      if (s.queue.length >= this.maxQueued) {
        this.metrics.inc('queue.dropped');
        return;
      }
      s.queue.push(m);
      this.metrics.gauge('session.queue').set(s.queue.length); // high-water mark: the deepest offline queue
      return;
    }
    if (m.qos === 0) {
      this.send(s, m, 0, false);
      return;
    }
    const pid = s.nextPacketId;
    s.nextPacketId = (s.nextPacketId % 65535) + 1;
    s.inflight.set(pid, m);
    this.send(s, m, pid, false);
  }

  private send(s: Session, m: Routed, pid: number, dup: boolean): void {
    const link = s.link!;
    const generation = link.generation;
    this.after(
      () =>
        link.receive(
          { topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, dup },
          pid,
          generation,
        ),
      `deliver ${m.topic} → ${s.clientId}`,
    );
  }

  /** @internal */
  forget(link: InProcessLink): void {
    this.links.delete(link);
  }
}

interface OutgoingPublish {
  topic: string;
  payload: Uint8Array;
  qos: Qos;
  retain: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class InProcessLink implements InternetLink {
  private readonly events: LinkEmitter;
  private readonly dispatcher: InboundDispatcher;
  private readonly qosOf: Map<string, Qos> = new LazyMap();
  private readonly presence: boolean;
  private readonly outgoing: OutgoingPublish[] = [];
  private online = false;
  private closed = false;
  private reconnectTimer?: TimerHandle;
  /** Bumped on every connect and every connection loss. */
  generation = 0;

  constructor(
    private readonly net: InProcessInternet,
    readonly clientId: string,
    private readonly opts: LinkOptions,
  ) {
    this.events = new LinkEmitter(log, clientId);
    const role = parseClientId(clientId);
    this.presence = opts.presence ?? role?.role === 'ppmid';
    if (this.presence && role?.role !== 'ppmid')
      throw new InternetLinkError('MQTT_TOPIC_INVALID', `presence needs a PPMID client id, not ${clientId}`);
    this.dispatcher = new InboundDispatcher(clientId, (e) => this.events.emit('error', e), opts.maxUnclaimed);
    for (const h of opts.handlers ?? []) {
      InboundDispatcher.checkFilter(h.filter);
      this.dispatcher.addHandler(h.filter, h.handler);
      this.qosOf.set(h.filter, h.qos ?? 1);
    }
  }

  get connected(): boolean {
    return this.online;
  }

  get stats(): Readonly<InboundDispatcher['stats']> {
    return this.dispatcher.stats;
  }

  on<E extends keyof LinkEvents>(event: E, listener: (...args: LinkEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** @internal */
  async start(): Promise<void> {
    this.doConnect(this.opts.cleanStart ?? false, true);
  }

  private doConnect(cleanStart: boolean, first: boolean): void {
    const will = this.presence
      ? {
          topic: presenceTopic(this.clientId),
          payload: encodePresence({ state: 'offline', clientId: this.clientId }),
          qos: 1 as Qos,
          retain: true,
        }
      : undefined;
    this.generation++;
    this.online = true;
    const expiryMs = (this.opts.sessionExpirySec ?? SEVEN_DAYS_MS / 1000) * 1000;
    const sessionPresent = this.net.brokerConnect(this, cleanStart, expiryMs, will);
    if (first || !sessionPresent) {
      for (const f of this.dispatcher.filters) {
        if (!this.net.brokerSubscribe(this, f, this.qosOf.get(f) ?? 1)) {
          const err = new InternetLinkError(
            'MQTT_SUBSCRIBE_REFUSED',
            `${this.clientId}: subscription to ${f} refused`,
          );
          if (first) {
            this.net.brokerDisconnect(this, true, this.generation);
            this.online = false;
            this.closed = true;
            this.net.forget(this);
            throw err;
          }
          this.events.emit('error', err);
        }
      }
    }
    if (this.presence)
      this.send({
        topic: presenceTopic(this.clientId),
        payload: encodePresence({ state: 'online', clientId: this.clientId }),
        qos: 1,
        retain: true,
        resolve: () => {},
        reject: () => {},
      });
    const queued = this.outgoing.splice(0);
    for (const p of queued) this.send(p);
    this.events.emit('online', { sessionPresent });
  }

  /** @internal a delivery reached this client. */
  receive(msg: InternetMessage, pid: number, generation: number): void {
    if (generation !== this.generation || !this.online) return; // sent on a connection that is gone
    this.dispatcher.deliver(
      msg,
      () => {
        if (msg.qos === 1) this.net.after(() => this.net.brokerAck(this, pid, generation), `puback ${pid}`);
      },
      () => generation === this.generation && this.online && !this.closed,
    );
  }

  publish(topic: string, payload: Uint8Array, opts: PublishOptions = {}): Promise<void> {
    if (this.closed)
      return Promise.reject(new InternetLinkError('MQTT_LINK_CLOSED', `${this.clientId}: link closed`));
    if (!isValidTopicName(topic))
      return Promise.reject(
        new InternetLinkError('MQTT_TOPIC_INVALID', `invalid topic name ${JSON.stringify(topic)}`),
      );
    if (!mayPublish(this.clientId, topic, 'open'))
      return Promise.reject(
        new InternetLinkError('MQTT_PUBLISH_REFUSED', `${this.clientId} may not publish to ${topic}`),
      );
    return new Promise<void>((resolve, reject) => {
      const p: OutgoingPublish = {
        topic,
        payload: new Uint8Array(payload), // a copy: the caller may reuse its buffer
        qos: opts.qos ?? 1,
        retain: opts.retain ?? false,
        resolve,
        reject,
      };
      if (this.online) this.send(p);
      else if (p.qos === 1) this.outgoing.push(p);
      else resolve(); // QoS 0 while offline: dropped, as mqtt.js without an offline queue for QoS 0 would
    });
  }

  private send(p: OutgoingPublish): void {
    const generation = this.generation;
    this.net.after(() => {
      if (generation !== this.generation) {
        // Lost on the way: QoS 1 goes again after the reconnect (DUP), QoS 0 is gone.
        if (p.qos === 1 && !this.closed) this.outgoing.push(p);
        else if (p.qos === 0) p.resolve();
        return;
      }
      this.net.brokerPublish(this.clientId, {
        topic: p.topic,
        payload: p.payload,
        qos: p.qos,
        retain: p.retain,
      });
      if (p.qos === 0) {
        p.resolve();
        return;
      }
      this.net.after(() => {
        if (generation === this.generation) p.resolve();
        else if (!this.closed) this.outgoing.push(p); // PUBACK lost: resend, the broker may see it twice
      }, `puback ${p.topic} → ${this.clientId}`);
    }, `publish ${p.topic} ← ${this.clientId}`);
  }

  subscribe(filter: string, handler: InternetHandler, opts: { qos?: Qos } = {}): Promise<void> {
    if (this.closed)
      return Promise.reject(new InternetLinkError('MQTT_LINK_CLOSED', `${this.clientId}: link closed`));
    try {
      InboundDispatcher.checkFilter(filter);
    } catch (err) {
      return Promise.reject(err);
    }
    const qos = opts.qos ?? 1;
    this.dispatcher.addHandler(filter, handler);
    this.qosOf.set(filter, qos);
    return this.roundTrip(`subscribe ${filter}`, () => this.net.brokerSubscribe(this, filter, qos)).then(
      (granted) => {
        if (!granted) {
          this.dispatcher.removeHandler(filter);
          this.qosOf.delete(filter);
          throw new InternetLinkError(
            'MQTT_SUBSCRIBE_REFUSED',
            `${this.clientId}: subscription to ${filter} refused by the broker`,
          );
        }
      },
    );
  }

  async unsubscribe(filter: string): Promise<void> {
    this.dispatcher.removeHandler(filter);
    this.qosOf.delete(filter);
    if (this.closed) return;
    await this.roundTrip(`unsubscribe ${filter}`, () => {
      this.net.brokerUnsubscribe(this, filter);
      return true;
    });
  }

  /** A request/acknowledgement pair: the broker acts after one hop, the answer after another; waits for the link if it is down. */
  private roundTrip(label: string, atBroker: () => boolean): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const attempt = () => {
        if (this.closed)
          return reject(new InternetLinkError('MQTT_LINK_CLOSED', `${this.clientId}: link closed`));
        if (!this.online) {
          const off = this.on('online', () => {
            off();
            attempt();
          });
          return;
        }
        const generation = this.generation;
        this.net.after(() => {
          if (generation !== this.generation) return attempt();
          const r = atBroker();
          this.net.after(() => (generation === this.generation ? resolve(r) : attempt()), `${label} ack`);
        }, label);
      };
      attempt();
    });
  }

  /**
   * Test/simulator backchannel: the connection drops abruptly (the broker
   * publishes the will) and comes back after `downForMs` (default the
   * internet's reconnectDelayMs), resuming the session.
   */
  interrupt(downForMs = this.net.reconnectDelayMs): void {
    if (!this.online || this.closed) return;
    this.lose('connection interrupted', false);
    this.reconnectTimer = this.net.clock.setTimer(
      downForMs,
      () => {
        this.reconnectTimer = undefined;
        if (!this.closed && !this.online) this.doConnect(false, false);
      },
      `reconnect ${this.clientId}`,
    );
  }

  /** @internal another connection took this client id's session over. */
  takenOver(): void {
    if (this.closed) return; // its DISCONNECT was still on the way
    this.lose('session taken over by another connection', true);
    this.closed = true;
    this.failOutgoing();
    this.net.forget(this);
  }

  private lose(reason: string, brokerAlreadyKnows: boolean): void {
    if (!brokerAlreadyKnows) this.net.brokerDisconnect(this, false, this.generation);
    this.online = false;
    this.generation++;
    this.dispatcher.connectionLost();
    this.events.emit('offline', { reason });
  }

  private failOutgoing(): void {
    for (const p of this.outgoing.splice(0))
      p.reject(
        new InternetLinkError('MQTT_LINK_CLOSED', `${this.clientId}: link closed before ${p.topic} was sent`),
      );
  }

  /**
   * Clean disconnect. Locally the link is closed at once; on the wire, what
   * was already sent (acknowledgements, publications, the `offline` presence)
   * reaches the broker before the DISCONNECT, as on a TCP stream.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.reconnectTimer?.cancel();
    const wasOnline = this.online;
    const generation = this.generation;
    this.closed = true;
    this.online = false;
    this.dispatcher.connectionLost();
    this.failOutgoing();
    if (wasOnline) {
      if (this.presence) {
        // A clean DISCONNECT suppresses the will, so say `offline` ourselves.
        const offline: Routed = {
          topic: presenceTopic(this.clientId),
          payload: encodePresence({ state: 'offline', clientId: this.clientId }),
          qos: 1,
          retain: true,
        };
        this.net.after(
          () => this.net.brokerPublish(this.clientId, offline),
          `presence offline ${this.clientId}`,
        );
      }
      this.net.after(() => this.net.brokerDisconnect(this, true, generation), `DISCONNECT ${this.clientId}`);
    }
    this.net.forget(this);
  }
}

/**
 * Runs a virtual clock until nothing more is due within `horizonMs` (default
 * 60 s of virtual time from the call) or until `until` holds, letting
 * promise chains (handlers, awaited publications) settle between events: the
 * way to drive InProcessInternet from a test or the simulator. The horizon
 * keeps far-future timers (session expiry after days, a retry hours away)
 * from firing just because a test wanted the traffic of the moment to settle;
 * advance the clock explicitly to reach them. Returns whether `until` held
 * (true when none was given).
 */
export async function settleVirtual(
  clock: VirtualClock,
  opts: { until?: () => boolean; horizonMs?: number; maxEvents?: number } = {},
): Promise<boolean> {
  const horizon = clock.now() + (opts.horizonMs ?? 60_000);
  const max = opts.maxEvents ?? 1_000_000;
  for (let n = 0; n < max; n++) {
    await new Promise<void>((r) => setImmediate(r));
    if (opts.until?.()) return true;
    const next = clock.nextAt();
    if (next === undefined || next > horizon) {
      // Promise chains may have scheduled something due; look once more.
      await new Promise<void>((r) => setImmediate(r));
      const again = clock.nextAt();
      if (again !== undefined && again <= horizon) continue;
      return opts.until ? opts.until() : true;
    }
    clock.step();
  }
  throw new Error(
    `settleVirtual: ${max} events without settling (now ${new Date(clock.now()).toISOString()})`,
  );
}
