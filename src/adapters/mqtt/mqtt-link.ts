/**
 * `InternetLink` over MQTT (mqtt.js 5): QoS 1, persistent session (clean
 * start off, MQTT 5 Session Expiry Interval), automatic reconnect, TLS with a
 * per-device client certificate (SECMP0038 PP-1). Semantics: link.ts.
 *
 * Acknowledgement: mqtt.js sends PUBACK as soon as its `handleMessage` hook
 * calls back, and it processes nothing else from the socket until then. A
 * handler that publishes and awaits the PUBACK would therefore deadlock. This
 * adapter calls back at once with a sentinel error (which makes mqtt.js skip
 * its PUBACK and go on reading) and sends the PUBACK itself once the shared
 * InboundDispatcher has run the handlers, only on the connection the message
 * came on. A message whose handlers failed is never acknowledged, so the
 * broker redelivers it after the next reconnect.
 */
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { Logger } from '../../runtime/logger.ts';
import type { PemCredentials, TestPki } from '../pki/test-pki.ts';
import { mayPublish } from './acl.ts';
import {
  type HandlerRegistration,
  InboundDispatcher,
  type Internet,
  type InternetHandler,
  type InternetLink,
  InternetLinkError,
  LinkEmitter,
  type LinkEvents,
  type LinkOptions,
  type PublishOptions,
  type Qos,
} from './link.ts';
import { encodePresence, isValidTopicName, parseClientId, presenceTopic, topicMatches } from './topics.ts';

const log = Logger.get('mqtt:link');

export interface MqttLinkOptions extends LinkOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  url: string;
  /** 5 (default) or 4 (MQTT 3.1.1: the embedded aedes broker). */
  protocolVersion?: 4 | 5;
  /** Client certificate, key and the CA that issued the broker's certificate (for mqtts://). */
  tls?: { caPem: string; client: PemCredentials; servername?: string };
  /** Default 30 s. */
  keepaliveSec?: number;
  /** Delay between reconnect attempts (default 1000 ms). */
  reconnectPeriodMs?: number;
  /** Give up a connection attempt after this long (default 10 s). */
  connectTimeoutMs?: number;
}

const SEVEN_DAYS_SEC = 7 * 24 * 3600;
/** Passed to mqtt.js's handleMessage callback to suppress its automatic PUBACK (see the file comment). */
const DEFER_ACK = new Error('ppmid-relay: PUBACK deferred until the handlers resolve');

/** Opens a link; resolves once connected (and the `handlers` are subscribed), rejects if the first attempt fails. */
export async function connectMqttLink(clientId: string, opts: MqttLinkOptions): Promise<MqttInternetLink> {
  const link = new MqttInternetLink(clientId, opts);
  await link.start();
  return link;
}

export class MqttInternetLink implements InternetLink {
  private readonly client: MqttClient;
  private readonly events: LinkEmitter;
  private readonly dispatcher: InboundDispatcher;
  private readonly qosOf = new Map<string, Qos>();
  /** MQTT 5 Subscription Identifier per filter, and back (MQTT 5 3.8.2.1.2). */
  private readonly subIdOf = new Map<string, number>();
  private readonly filterOfSubId = new Map<number, string>();
  private readonly presence: boolean;
  private readonly v5: boolean;
  /** Bumped on every connect and every connection loss; an ack is valid only in the generation it arrived. */
  private generation = 0;
  private closed = false;
  private online = false;
  private started = false;

  constructor(
    readonly clientId: string,
    private readonly opts: MqttLinkOptions,
  ) {
    this.events = new LinkEmitter(log, clientId);
    const role = parseClientId(clientId);
    this.presence = opts.presence ?? role?.role === 'ppmid';
    if (this.presence && role?.role !== 'ppmid')
      throw new InternetLinkError('MQTT_TOPIC_INVALID', `presence needs a PPMID client id, not ${clientId}`);
    this.v5 = (opts.protocolVersion ?? 5) === 5;
    this.dispatcher = new InboundDispatcher(clientId, (e) => this.events.emit('error', e), opts.maxUnclaimed);
    for (const h of opts.handlers ?? []) {
      InboundDispatcher.checkFilter(h.filter);
      this.dispatcher.addHandler(h.filter, h.handler);
      this.qosOf.set(h.filter, h.qos ?? 1);
      this.subscriptionId(h.filter);
    }
    const o: IClientOptions = {
      clientId,
      protocolVersion: this.v5 ? 5 : 4,
      clean: opts.cleanStart ?? false,
      keepalive: opts.keepaliveSec ?? 30,
      reconnectPeriod: opts.reconnectPeriodMs ?? 1000,
      connectTimeout: opts.connectTimeoutMs ?? 10_000,
      resubscribe: false, // this class re-subscribes when the broker lost the session
      // Not manualConnect: with it, mqtt.js re-arms reconnection after end() (a stream
      // closing after end() would then reconnect a closed link). Connecting starts in the
      // constructor; no packet is handled before the listeners below are attached.
      ...(this.v5 ? { properties: { sessionExpiryInterval: opts.sessionExpirySec ?? SEVEN_DAYS_SEC } } : {}),
      ...(this.presence
        ? {
            will: {
              topic: presenceTopic(clientId),
              payload: Buffer.from(encodePresence({ state: 'offline', clientId })),
              qos: 1 as const,
              retain: true,
            },
          }
        : {}),
      ...(opts.tls
        ? {
            ca: opts.tls.caPem,
            cert: opts.tls.client.certPem,
            key: opts.tls.client.keyPem,
            rejectUnauthorized: true,
            ...(opts.tls.servername ? { servername: opts.tls.servername } : {}),
          }
        : {}),
    };
    this.client = mqtt.connect(opts.url, o);
    this.client.handleMessage = (packet, callback) => this.onPublish(packet, callback);
    // Synchronous bookkeeping first: a broker sends queued session messages right
    // after CONNACK, and mqtt.js hands them to onPublish before any promise continuation runs.
    this.client.on('connect', (connack) => {
      this.generation++;
      this.online = true;
      if (this.started) void this.afterConnect(connack.sessionPresent, false);
    });
    this.client.on('close', () => this.onConnectionLost('connection closed'));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  on<E extends keyof LinkEvents>(event: E, listener: (...args: LinkEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** @internal first connection; see connectMqttLink */
  async start(): Promise<void> {
    const sessionPresent = await new Promise<boolean>((resolve, reject) => {
      const fail = (err: unknown) => {
        cleanup();
        this.closed = true;
        this.client.end(true);
        reject(connectError(this.clientId, this.opts.url, err));
      };
      const onError = (err: Error) => fail(err);
      const onClose = () => fail(new Error('connection closed before CONNACK'));
      const onConnect = (connack: { sessionPresent: boolean }) => {
        cleanup();
        resolve(connack.sessionPresent);
      };
      const cleanup = () => {
        this.client.off('error', onError);
        this.client.off('close', onClose);
        this.client.off('connect', onConnect);
      };
      this.client.on('error', onError);
      this.client.on('close', onClose);
      this.client.on('connect', onConnect);
    });
    this.started = true;
    this.client.on('error', (err) =>
      this.events.emit(
        'error',
        new InternetLinkError(isRefusal(err) ? 'MQTT_CONNECT_REFUSED' : 'MQTT_CONNECT_FAILED', err.message, {
          cause: err,
        }),
      ),
    );
    // The first CONNACK: subscribe what was given to connect() before resolving.
    try {
      await this.afterConnect(sessionPresent, true);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private async afterConnect(sessionPresent: boolean, first: boolean): Promise<void> {
    // A first connect re-subscribes everything given to connect(): the session may predate these handlers.
    if (first || !sessionPresent) {
      for (const filter of this.dispatcher.filters) {
        try {
          await this.sendSubscribe(filter, this.qosOf.get(filter) ?? 1);
        } catch (err) {
          if (first) throw err;
          this.events.emit('error', err as InternetLinkError);
        }
      }
    }
    if (this.presence) {
      this.client.publish(
        presenceTopic(this.clientId),
        Buffer.from(encodePresence({ state: 'online', clientId: this.clientId })),
        { qos: 1, retain: true },
        (err) => {
          if (err)
            log.debug('online presence not published', { clientId: this.clientId, error: err.message });
        },
      );
    }
    this.events.emit('online', { sessionPresent });
  }

  private onConnectionLost(reason: string): void {
    this.generation++;
    this.dispatcher.connectionLost();
    // mqtt.js reports 'close' for every failed reconnect attempt too; report going offline once.
    if (!this.online) return;
    this.online = false;
    if (!this.closed) this.events.emit('offline', { reason });
  }

  private onPublish(packet: IPublishPacket, callback: (error?: Error) => void): void {
    const generation = this.generation;
    const payload = packet.payload;
    const msg = {
      topic: packet.topic,
      payload: new Uint8Array(typeof payload === 'string' ? Buffer.from(payload) : payload),
      qos: (packet.qos === 0 ? 0 : 1) as Qos,
      retain: packet.retain ?? false,
      dup: packet.dup ?? false,
    };
    const current = () => generation === this.generation && this.client.connected && !this.closed;
    // Which subscriptions this copy is for; ids this process does not know (a session from
    // before a restart) or that do not match the topic fall back to every matching handler.
    const ids = packet.properties?.subscriptionIdentifier;
    const named = (ids === undefined ? [] : Array.isArray(ids) ? ids : [ids])
      .map((id) => this.filterOfSubId.get(id))
      .filter((f): f is string => f !== undefined && topicMatches(f, packet.topic));
    const only = named.length ? named : undefined;
    if (packet.qos === 0) {
      callback();
      this.dispatcher.deliver(msg, () => {}, current, only);
      return;
    }
    const messageId = packet.messageId;
    callback(DEFER_ACK);
    this.dispatcher.deliver(
      msg,
      () => {
        // mqtt.js has no public per-message ack; _sendPacket is what its own PUBACK path calls.
        (this.client as unknown as { _sendPacket(p: object, cb?: () => void): void })._sendPacket(
          { cmd: 'puback', messageId, ...(this.v5 ? { reasonCode: 0 } : {}) },
          () => {},
        );
      },
      current,
      only,
    );
  }

  async publish(topic: string, payload: Uint8Array, opts: PublishOptions = {}): Promise<void> {
    if (this.closed) throw new InternetLinkError('MQTT_LINK_CLOSED', `${this.clientId}: link closed`);
    if (!isValidTopicName(topic))
      throw new InternetLinkError('MQTT_TOPIC_INVALID', `invalid topic name ${JSON.stringify(topic)}`);
    // Checked here too: aedes answers a refused publication by closing the connection,
    // and mqtt.js would then resend it after every reconnect.
    if (!mayPublish(this.clientId, topic, 'open'))
      throw new InternetLinkError('MQTT_PUBLISH_REFUSED', `${this.clientId} may not publish to ${topic}`);
    try {
      await this.client.publishAsync(topic, Buffer.from(payload), {
        qos: opts.qos ?? 1,
        retain: opts.retain ?? false,
      });
    } catch (err) {
      const code = (err as { code?: number }).code;
      throw new InternetLinkError(
        typeof code === 'number' && code >= 0x80
          ? 'MQTT_PUBLISH_REFUSED'
          : this.closed
            ? 'MQTT_LINK_CLOSED'
            : 'MQTT_PUBLISH_FAILED',
        `${this.clientId}: publish to ${topic} failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /**
   * The filter's Subscription Identifier: derived from the filter text (FNV-1a,
   * 28 bits), so a restarted process reads the ids its earlier session used the same way.
   */
  private subscriptionId(filter: string): number {
    const known = this.subIdOf.get(filter);
    if (known !== undefined) return known;
    let h = 0x811c9dc5;
    for (const b of Buffer.from(filter, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    let id = h & 0x0fffffff || 1;
    while (this.filterOfSubId.has(id)) id = (id % 0x0fffffff) + 1;
    this.subIdOf.set(filter, id);
    this.filterOfSubId.set(id, filter);
    return id;
  }

  async subscribe(filter: string, handler: InternetHandler, opts: { qos?: Qos } = {}): Promise<void> {
    if (this.closed) throw new InternetLinkError('MQTT_LINK_CLOSED', `${this.clientId}: link closed`);
    InboundDispatcher.checkFilter(filter);
    const qos = opts.qos ?? 1;
    this.subscriptionId(filter);
    this.dispatcher.addHandler(filter, handler);
    this.qosOf.set(filter, qos);
    try {
      await this.sendSubscribe(filter, qos);
    } catch (err) {
      this.dispatcher.removeHandler(filter);
      this.qosOf.delete(filter);
      throw err;
    }
  }

  private async sendSubscribe(filter: string, qos: Qos): Promise<void> {
    const server = (
      this.client as unknown as { _serverProperties?: { subscriptionIdentifiersAvailable?: boolean } }
    )._serverProperties;
    const subscriptionIdentifier =
      this.v5 && server?.subscriptionIdentifiersAvailable !== false ? this.subscriptionId(filter) : undefined;
    try {
      const granted = await this.client.subscribeAsync(
        filter,
        subscriptionIdentifier === undefined ? { qos } : { qos, properties: { subscriptionIdentifier } },
      );
      const g = granted.find((x) => x.topic === filter) ?? granted[0];
      if (g && (g.qos & 0x80) !== 0) throw Object.assign(new Error('refused'), { code: g.qos });
    } catch (err) {
      const e = err as { code?: number; packet?: { granted?: number[]; reasonCode?: number } };
      const code = typeof e.code === 'number' ? e.code : e.packet?.granted?.find((g) => (g & 0x80) !== 0);
      throw new InternetLinkError(
        typeof code === 'number' && code >= 0x80 ? 'MQTT_SUBSCRIBE_REFUSED' : 'MQTT_LINK_CLOSED',
        `${this.clientId}: subscription to ${filter} ${typeof code === 'number' && code >= 0x80 ? `refused by the broker (0x${code.toString(16)})` : `failed: ${(err as Error).message}`}`,
        { cause: err },
      );
    }
  }

  async unsubscribe(filter: string): Promise<void> {
    this.dispatcher.removeHandler(filter);
    this.qosOf.delete(filter);
    if (this.closed) return;
    await this.client.unsubscribeAsync(filter);
  }

  /**
   * Test backchannel: drops the network connection abruptly (as a lost Wi-Fi
   * would): the broker sends the will, the link reconnects by itself.
   */
  interrupt(): void {
    this.client.stream?.destroy();
  }

  /** Counters of the inbound side (delivered, acked, handler failures, unclaimed dropped). */
  get stats(): Readonly<InboundDispatcher['stats']> {
    return this.dispatcher.stats;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.presence && this.client.connected) {
      // A clean DISCONNECT suppresses the will, so say `offline` ourselves.
      await withDeadline(
        this.client.publishAsync(
          presenceTopic(this.clientId),
          Buffer.from(encodePresence({ state: 'offline', clientId: this.clientId })),
          { qos: 1, retain: true },
        ),
        5000,
      ).catch(() => {});
    }
    this.closed = true;
    this.client.options.reconnectPeriod = 0; // whatever happens to the stream now, do not come back
    await withDeadline(this.client.endAsync(!this.client.connected), 5000).catch(() => this.client.end(true));
  }
}

/** Opens MQTT links to one broker, with client credentials from a PKI when the URL is mqtts://. */
export class MqttInternet implements Internet {
  readonly kind = 'mqtt' as const;
  private readonly links = new Set<MqttInternetLink>();

  constructor(
    readonly url: string,
    private readonly opts: {
      protocolVersion?: 4 | 5;
      pki?: TestPki;
      /** Defaults for every link (keepalive, reconnect period, session expiry). */
      linkDefaults?: Partial<Omit<MqttLinkOptions, 'url' | 'tls' | 'protocolVersion'>>;
      /** Called when this internet closes (e.g. stops the embedded broker). */
      onClose?: () => Promise<void>;
    } = {},
  ) {}

  get protocolVersion(): 4 | 5 {
    return this.opts.protocolVersion ?? 5;
  }

  /** The CA clients trust the broker by (mqtts:// with a PKI). */
  get caCertPem(): string | undefined {
    return this.opts.pki?.caCertPem;
  }

  async connect(clientId: string, opts: LinkOptions = {}): Promise<MqttInternetLink> {
    let tls: MqttLinkOptions['tls'];
    if (this.url.startsWith('mqtts:')) {
      const pki = this.opts.pki;
      if (!pki)
        throw new InternetLinkError(
          'MQTT_CONNECT_FAILED',
          `${this.url} needs client certificates: give a PKI`,
        );
      const role = parseClientId(clientId)?.role;
      tls = {
        caPem: pki.caCertPem,
        client: await pki.clientCredentials(
          clientId,
          role === 'ppmid' ? 'PPMID' : role === 'supplier' ? 'Supplier' : undefined,
        ),
      };
    }
    const link = await connectMqttLink(clientId, {
      ...this.opts.linkDefaults,
      ...opts,
      url: this.url,
      protocolVersion: this.protocolVersion,
      tls,
    });
    this.links.add(link);
    return link;
  }

  /** Closes every link opened here, then whatever `onClose` stops. */
  async close(): Promise<void> {
    const links = [...this.links];
    this.links.clear();
    await Promise.all(links.map((l) => l.close()));
    await this.opts.onClose?.();
  }
}

export type { HandlerRegistration };

function isRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' && code > 0;
}

function connectError(clientId: string, url: string, err: unknown): InternetLinkError {
  const e = err as Error & { code?: unknown };
  const refused = isRefusal(e);
  return new InternetLinkError(
    refused ? 'MQTT_CONNECT_REFUSED' : 'MQTT_CONNECT_FAILED',
    `${clientId} could not connect to ${url}: ${e?.message ?? String(err)}${e?.code !== undefined ? ` (${String(e.code)})` : ''}`,
    { cause: err },
  );
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
