/**
 * The `InternetLink` port (ARCHITECTURE "Ports and adapters"): how a supplier
 * and an enhanced PPMID exchange messages over the internet leg (SECMP0038
 * PP-1, SU-2). Two adapters implement it with the same semantics:
 * `InProcessInternet` (virtual time, in-process.ts) and `MqttInternet`
 * (MQTT over TCP/TLS, mqtt-link.ts).
 *
 * Semantics (what later code may rely on, pinned by the conformance tests):
 * - A link is one MQTT client id with a persistent session (clean start off
 *   by default): its subscriptions and QoS 1 messages published while it is
 *   offline survive a reconnect, as long as the broker keeps the session.
 * - QoS 1 is at-least-once. A message is acknowledged only after every local
 *   handler matching its topic has resolved; if one throws (or none matches
 *   and the link closes), the message is not acknowledged and the broker
 *   redelivers it after the next reconnect (`dup` set). Handlers must be
 *   idempotent (PP-2 duplicate check).
 * - Handlers of one link run one message at a time, in arrival order. A
 *   handler may publish and await the publication (no deadlock).
 * - A message whose topic no handler matches yet is held, unacknowledged,
 *   until a matching handler is added (so a restarted PPMID that re-adds its
 *   handler after connecting still gets what its session queued). Prefer
 *   passing `handlers` to `connect`.
 * - `publish` resolves when the broker has acknowledged (QoS 1) or sent
 *   (QoS 0); while the link is down, publications wait and go out after the
 *   reconnect. Publishing outside the client's own topics (acl.ts) is refused
 *   locally.
 * - `close()` is a clean disconnect: the session stays on the broker (unless
 *   it expires) and the will is not sent; a PPMID link publishes its
 *   retained `offline` presence first.
 */
import { PpmidRelayError } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/logger.ts';
import { isValidTopicFilter, topicMatches } from './topics.ts';

export type Qos = 0 | 1;

export interface InternetMessage {
  topic: string;
  payload: Uint8Array;
  qos: Qos;
  retain: boolean;
  /** Set on a redelivery the broker already sent once. */
  dup: boolean;
}

export type InternetHandler = (msg: InternetMessage) => void | Promise<void>;

export interface PublishOptions {
  /** Default 1. */
  qos?: Qos;
  retain?: boolean;
}

export interface HandlerRegistration {
  filter: string;
  handler: InternetHandler;
  /** Default 1. */
  qos?: Qos;
}

export interface LinkOptions {
  /** Discard any existing session (default false: persistent session). */
  cleanStart?: boolean;
  /** How long the broker keeps the session after a disconnect (default 7 days; MQTT 5 Session Expiry Interval). */
  sessionExpirySec?: number;
  /**
   * Maintain the retained presence (`ppmid/v1/<EUI>/presence`): `offline` as
   * the will, `online` after each connect. Default: on for a PPMID client id.
   */
  presence?: boolean;
  /** Subscriptions made as part of connecting, before any session message can arrive. */
  handlers?: HandlerRegistration[];
  /** How many unclaimed messages to hold (default 1000); beyond that they are left for redelivery. */
  maxUnclaimed?: number;
}

export interface LinkEvents {
  /** Connected (first time or after a reconnect). */
  online: [info: { sessionPresent: boolean }];
  /** Connection lost; the link reconnects by itself unless closed. */
  offline: [info: { reason: string }];
  /** Something failed in the background (a handler threw, a reconnect was refused). */
  error: [err: InternetLinkError];
}

export interface InternetLink {
  readonly clientId: string;
  readonly connected: boolean;
  publish(topic: string, payload: Uint8Array, opts?: PublishOptions): Promise<void>;
  /** Adds a handler for `filter` (MQTT wildcards `+`, `#`) and subscribes; rejects if the broker refuses. */
  subscribe(filter: string, handler: InternetHandler, opts?: { qos?: Qos }): Promise<void>;
  /** Removes the handler and the subscription from the session. */
  unsubscribe(filter: string): Promise<void>;
  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof LinkEvents>(event: E, listener: (...args: LinkEvents[E]) => void): () => void;
  close(): Promise<void>;
}

/** A way to open links: an in-process internet, or an MQTT broker (embedded or external). */
export interface Internet {
  readonly kind: 'in-process' | 'mqtt';
  connect(clientId: string, opts?: LinkOptions): Promise<InternetLink>;
  close(): Promise<void>;
}

export type InternetLinkErrorCode =
  | 'MQTT_CONNECT_REFUSED'
  | 'MQTT_CONNECT_FAILED'
  | 'MQTT_SUBSCRIBE_REFUSED'
  | 'MQTT_PUBLISH_REFUSED'
  | 'MQTT_PUBLISH_FAILED'
  | 'MQTT_LINK_CLOSED'
  | 'MQTT_HANDLER_FAILED'
  | 'MQTT_TOPIC_INVALID'
  | 'MQTT_UNCLAIMED_OVERFLOW';

export class InternetLinkError extends PpmidRelayError {
  declare readonly code: InternetLinkErrorCode;
  constructor(code: InternetLinkErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A tiny typed event emitter (listeners that throw are isolated from each other). */
export class LinkEmitter {
  private readonly listeners = new Map<keyof LinkEvents, Set<unknown>>();
  constructor(
    private readonly log: Logger,
    private readonly clientId: string,
  ) {}
  on<E extends keyof LinkEvents>(event: E, listener: (...args: LinkEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }
  emit<E extends keyof LinkEvents>(event: E, ...args: LinkEvents[E]): void {
    const set = this.listeners.get(event);
    if (event === 'error' && (!set || set.size === 0)) {
      this.log.warn('link error (no listener)', {
        clientId: this.clientId,
        error: (args[0] as Error).message,
      });
      return;
    }
    for (const l of [...(set ?? [])]) {
      try {
        (l as (...a: LinkEvents[E]) => void)(...args);
      } catch (err) {
        this.log.error('link event listener threw', { clientId: this.clientId, event, error: String(err) });
      }
    }
  }
}

interface Pending {
  msg: InternetMessage;
  /** Only these handlers (MQTT 5 Subscription Identifiers name the subscriptions a copy is for). */
  only?: readonly string[];
  ack: () => void;
  /** Whether the connection the message came on is still the current one (an ack on a later connection would be wrong). */
  current: () => boolean;
}

/**
 * The inbound half both adapters share, so they cannot drift apart: local
 * handler table, one-at-a-time dispatch in arrival order, acknowledgement
 * after the handlers resolve, and the unclaimed-message buffer.
 */
export class InboundDispatcher {
  private readonly handlers = new Map<string, InternetHandler>();
  private readonly queue: Pending[] = [];
  private readonly unclaimed: Pending[] = [];
  private running = false;
  /** Counters for tests and metrics. */
  readonly stats = { delivered: 0, acked: 0, handlerFailures: 0, unclaimedDropped: 0 };

  constructor(
    private readonly clientId: string,
    private readonly onError: (err: InternetLinkError) => void,
    private readonly maxUnclaimed = 1000,
  ) {}

  static checkFilter(filter: string): void {
    if (!isValidTopicFilter(filter))
      throw new InternetLinkError('MQTT_TOPIC_INVALID', `invalid topic filter ${JSON.stringify(filter)}`);
  }

  get filters(): string[] {
    return [...this.handlers.keys()];
  }

  hasHandler(filter: string): boolean {
    return this.handlers.has(filter);
  }

  addHandler(filter: string, handler: InternetHandler): void {
    this.handlers.set(filter, handler);
    // Messages that waited for a handler go next, in the order they came.
    const claimed = this.unclaimed.filter(
      (p) => topicMatches(filter, p.msg.topic) && (!p.only || p.only.includes(filter)),
    );
    if (claimed.length) {
      for (const p of claimed) this.unclaimed.splice(this.unclaimed.indexOf(p), 1);
      this.queue.push(...claimed);
      this.pump();
    }
  }

  removeHandler(filter: string): void {
    this.handlers.delete(filter);
  }

  /**
   * A message arrived on the current connection. `only`: the filters of the
   * subscriptions this copy was sent for (an MQTT 5 broker may send one copy
   * per overlapping subscription); each matching handler runs once per message either way.
   */
  deliver(msg: InternetMessage, ack: () => void, current: () => boolean, only?: readonly string[]): void {
    this.queue.push({ msg, ack, current, only });
    this.pump();
  }

  /** The connection dropped: queued and unclaimed messages of it will be redelivered by the broker. */
  connectionLost(): void {
    const stale = (p: Pending) => !p.current();
    for (const list of [this.queue, this.unclaimed]) {
      for (let i = list.length - 1; i >= 0; i--) if (stale(list[i])) list.splice(i, 1);
    }
  }

  private pump(): void {
    if (this.running) return;
    this.running = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const p = this.queue.shift();
        if (!p) return;
        if (!p.current()) continue; // its connection is gone; the broker will send it again
        const matching = [...this.handlers].filter(
          ([f]) => topicMatches(f, p.msg.topic) && (!p.only || p.only.includes(f)),
        );
        if (matching.length === 0) {
          if (this.unclaimed.length >= this.maxUnclaimed) {
            this.stats.unclaimedDropped++;
            this.onError(
              new InternetLinkError(
                'MQTT_UNCLAIMED_OVERFLOW',
                `${this.clientId}: more than ${this.maxUnclaimed} messages without a handler; ${p.msg.topic} left for redelivery`,
              ),
            );
          } else this.unclaimed.push(p);
          continue;
        }
        this.stats.delivered++;
        let ok = true;
        for (const [filter, handler] of matching) {
          try {
            await handler(p.msg);
          } catch (err) {
            ok = false;
            this.stats.handlerFailures++;
            this.onError(
              new InternetLinkError(
                'MQTT_HANDLER_FAILED',
                `${this.clientId}: handler for ${filter} failed on ${p.msg.topic}; not acknowledged, the broker redelivers after a reconnect`,
                { cause: err },
              ),
            );
          }
        }
        if (ok && p.current()) {
          this.stats.acked++;
          p.ack();
        }
      }
    } finally {
      this.running = false;
      if (this.queue.length) this.pump();
    }
  }
}
