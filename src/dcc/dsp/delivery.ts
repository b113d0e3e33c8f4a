/**
 * Delivery of asynchronous DUIS Responses and Alerts to each user's Receive
 * Response Service (DUIS.md "Responses"): an HTTP POST of the signed XML,
 * `Content-Type: application/xml`, any 2xx is delivery.
 *
 * A bounded outbox (SECMP0038 CH-8 spirit: bounded, counted, with a
 * high-water mark) on the DSP's Clock: each item is tried at once, then
 * retried after each delay of `retryDelaysMs` until `maxAttempts`; at most
 * `maxInFlight` POSTs run at a time. Items are persisted (dsp_outbox) so a
 * DSP restart resumes delivery. When the outbox is full a new item is
 * refused (the caller records the request as undeliverable and logs it);
 * nothing is dropped silently.
 *
 * The POST itself is the async I/O edge (`ResponseTransport`); timers are on
 * the Clock, so under a VirtualClock tests advance time and `await idle()`.
 */
import type { Clock, TimerHandle } from '../../runtime/clock.ts';
import { Logger } from '../../runtime/logger.ts';
import { type Counter, type Gauge, Metrics } from '../../runtime/metrics.ts';
import type { DspJournal } from './persistence.ts';
import type { DspOutboxTable } from './tables.ts';

const log = Logger.get('dsp:delivery');

/** The async edge: POSTs one signed DUIS document to a user's receive URL. */
export interface ResponseTransport {
  post(url: string, xml: string): Promise<{ status: number }>;
}

/**
 * The real transport: Node's fetch, `application/xml`, a timeout per POST.
 * `fetch`: the DSP's mutual-TLS client (runtime/https-client.ts `tlsFetch`
 * with the DSP's DCC User Interface certificate, issue 13): https only, the
 * user's server certificate checked against the CA.
 */
export function fetchResponseTransport(
  opts: { timeoutMs?: number; fetch?: (url: string, init: RequestInit) => Promise<Response> } = {},
): ResponseTransport {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const f = opts.fetch ?? fetch;
  return {
    async post(url, xml) {
      const res = await f(url, {
        method: 'POST',
        headers: { 'content-type': 'application/xml; charset=utf-8' },
        body: xml,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Drain the body so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
      return { status: res.status };
    },
  };
}

export type OutboxKind = 'response' | 'alert' | 'error';
export type OutboxState = 'pending' | 'delivered' | 'failed';

export interface OutboxItem {
  id: string;
  user: string;
  url: string;
  kind: OutboxKind;
  requestId: string | null;
  xml: string;
  state: OutboxState;
  attempts: number;
  createdAt: number;
  nextAt: number;
  deliveredAt: number | null;
  lastError: string | null;
}

export interface ResponseOutboxOptions {
  /** Items waiting for delivery at most (default 10 000). */
  capacity?: number;
  /** Concurrent POSTs (default 8). */
  maxInFlight?: number;
  /** Delay before each retry (default 1 s, 5 s, 30 s, 2 min, 10 min, 1 h). */
  retryDelaysMs?: readonly number[];
  /** Attempts in all (default retryDelaysMs.length + 1). */
  maxAttempts?: number;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000, 120_000, 600_000, 3_600_000];

export function outboxToRow(i: OutboxItem): DspOutboxTable {
  return {
    id: i.id,
    user_eui: i.user,
    url: i.url,
    kind: i.kind,
    request_id: i.requestId,
    xml: i.xml,
    state: i.state,
    attempts: i.attempts,
    created_at: i.createdAt,
    next_at: i.nextAt,
    delivered_at: i.deliveredAt,
    last_error: i.lastError,
  };
}

export function outboxFromRow(r: DspOutboxTable): OutboxItem {
  return {
    id: r.id,
    user: r.user_eui,
    url: r.url,
    kind: r.kind as OutboxKind,
    requestId: r.request_id,
    xml: r.xml,
    state: r.state as OutboxState,
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
    nextAt: Number(r.next_at),
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
    lastError: r.last_error,
  };
}

export class ResponseOutbox {
  readonly capacity: number;
  readonly maxInFlight: number;
  readonly retryDelaysMs: readonly number[];
  readonly maxAttempts: number;
  readonly #pending = new Map<string, OutboxItem>();
  readonly #timers = new Map<string, TimerHandle>();
  readonly #ready: OutboxItem[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #depth: Gauge;
  readonly #delivered: Counter;
  readonly #failed: Counter;
  readonly #refused: Counter;
  readonly #attempts: Counter;
  #closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly transport: ResponseTransport,
    private readonly journal: DspJournal | undefined,
    metrics: Metrics = new Metrics(),
    opts: ResponseOutboxOptions = {},
  ) {
    this.capacity = opts.capacity ?? 10_000;
    this.maxInFlight = opts.maxInFlight ?? 8;
    this.retryDelaysMs = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.maxAttempts = opts.maxAttempts ?? this.retryDelaysMs.length + 1;
    if (!(this.capacity > 0) || !(this.maxInFlight > 0) || !(this.maxAttempts > 0))
      throw new RangeError('outbox capacity, maxInFlight and maxAttempts must be > 0');
    this.#depth = metrics.gauge('outbox.depth');
    this.#delivered = metrics.counter('outbox.delivered');
    this.#failed = metrics.counter('outbox.failed');
    this.#refused = metrics.counter('outbox.refused');
    this.#attempts = metrics.counter('outbox.attempts');
  }

  get size(): number {
    return this.#pending.size;
  }

  get highWater(): number {
    return this.#depth.highWater;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Items still to deliver (oldest first). */
  pendingItems(): OutboxItem[] {
    return [...this.#pending.values()];
  }

  /**
   * Queues one signed document for a user. Returns false (counted, logged,
   * not persisted) when the outbox is full.
   */
  enqueue(item: Omit<OutboxItem, 'state' | 'attempts' | 'nextAt' | 'deliveredAt' | 'lastError'>): boolean {
    if (this.#pending.size >= this.capacity) {
      this.#refused.inc();
      log.warn('receive-response outbox full: item refused', {
        id: item.id,
        user: item.user,
        capacity: this.capacity,
      });
      return false;
    }
    const full: OutboxItem = {
      ...item,
      state: 'pending',
      attempts: 0,
      nextAt: this.clock.now(),
      deliveredAt: null,
      lastError: null,
    };
    this.#add(full);
    this.#save(full);
    return true;
  }

  /** Puts back items loaded from the store after a restart (pending ones only). */
  restore(items: readonly OutboxItem[]): void {
    for (const i of items) if (i.state === 'pending' && !this.#pending.has(i.id)) this.#add({ ...i });
  }

  #add(item: OutboxItem): void {
    this.#pending.set(item.id, item);
    this.#depth.set(this.#pending.size);
    this.#schedule(item, Math.max(0, item.nextAt - this.clock.now()));
  }

  #schedule(item: OutboxItem, delayMs: number): void {
    this.#timers.get(item.id)?.cancel();
    this.#timers.set(
      item.id,
      this.clock.setTimer(
        delayMs,
        () => {
          this.#timers.delete(item.id);
          this.#ready.push(item);
          this.#pump();
        },
        `dsp-outbox:${item.id}`,
      ),
    );
  }

  #pump(): void {
    while (!this.#closed && this.#inFlight.size < this.maxInFlight && this.#ready.length > 0) {
      const item = this.#ready.shift()!;
      if (!this.#pending.has(item.id)) continue;
      this.#attempt(item);
    }
  }

  #attempt(item: OutboxItem): void {
    item.attempts++;
    this.#attempts.inc();
    const p = this.transport.post(item.url, item.xml).then(
      (r) => (r.status >= 200 && r.status < 300 ? undefined : `HTTP ${r.status}`),
      (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)),
    );
    const done = p.then((error) => {
      this.#inFlight.delete(done);
      this.#settle(item, error);
      this.#pump();
    });
    this.#inFlight.add(done);
  }

  #settle(item: OutboxItem, error: string | undefined): void {
    const now = this.clock.now();
    if (error === undefined) {
      item.state = 'delivered';
      item.deliveredAt = now;
      item.lastError = null;
      this.#delivered.inc();
      this.#finish(item);
      return;
    }
    item.lastError = error;
    if (item.attempts >= this.maxAttempts) {
      item.state = 'failed';
      this.#failed.inc();
      log.warn('receive-response delivery failed for good', {
        id: item.id,
        user: item.user,
        url: item.url,
        attempts: item.attempts,
        error,
      });
      this.#finish(item);
      return;
    }
    const delay = this.retryDelaysMs[Math.min(item.attempts - 1, this.retryDelaysMs.length - 1)] ?? 0;
    item.nextAt = now + delay;
    log.debug('receive-response delivery failed; will retry', { id: item.id, error, delay });
    this.#save(item);
    if (!this.#closed) this.#schedule(item, delay);
  }

  #finish(item: OutboxItem): void {
    this.#pending.delete(item.id);
    this.#depth.set(this.#pending.size);
    this.#save(item);
  }

  #save(item: OutboxItem): void {
    if (!this.journal) return;
    this.journal.putOutbox(outboxToRow(item));
  }

  /** Resolves when no POST is in flight (more may be due later on the clock). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /** Stops scheduling (pending items stay persisted for the next start). */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
    this.#ready.length = 0;
  }
}
