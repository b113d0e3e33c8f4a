/**
 * Counters, gauges with high-water marks, and bounded-queue accounting
 * (SECMP0038 CH-8: every buffer bounded, counted, with its high-water mark).
 * A `Metrics` registry is per component tree (one per home, one per party), so
 * a simulator can sum or compare them; `snapshot()` is plain data.
 */

export class Counter {
  value = 0;
  inc(n = 1): void {
    this.value += n;
  }
}

export class Gauge {
  value = 0;
  highWater = 0;
  set(v: number): void {
    this.value = v;
    if (v > this.highWater) this.highWater = v;
  }
  add(d: number): void {
    this.set(this.value + d);
  }
}

export interface MetricsSnapshot {
  counters: Record<string, number>;
  gauges: Record<string, { value: number; highWater: number }>;
}

export class Metrics {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  /** with a prefix: counters by the name as asked, so a hot `inc('literal')` builds no string per call */
  private readonly byName = new Map<string, Counter>();

  constructor(readonly prefix = '') {}

  counter(name: string): Counter {
    const byName = this.prefix ? this.byName : this.counters;
    const known = byName.get(name);
    if (known) return known;
    const key = this.prefix + name;
    let c = this.counters.get(key);
    if (!c) {
      c = new Counter();
      this.counters.set(key, c);
    }
    byName.set(name, c);
    return c;
  }

  gauge(name: string): Gauge {
    const key = this.prefix + name;
    let g = this.gauges.get(key);
    if (!g) {
      g = new Gauge();
      this.gauges.set(key, g);
    }
    return g;
  }

  /** Shorthand: increments counter `name` (labelled counters use `name{label}`). */
  inc(name: string, n = 1): void {
    this.counter(name).inc(n);
  }

  snapshot(): MetricsSnapshot {
    const counters: Record<string, number> = {};
    const gauges: Record<string, { value: number; highWater: number }> = {};
    for (const [k, c] of [...this.counters].sort(([a], [b]) => a.localeCompare(b))) counters[k] = c.value;
    for (const [k, g] of [...this.gauges].sort(([a], [b]) => a.localeCompare(b)))
      gauges[k] = { value: g.value, highWater: g.highWater };
    return { counters, gauges };
  }
}

/** Raised by a `BoundedQueue` when it refuses an item; never silent. */
export class QueueFullError extends Error {
  readonly code = 'QUEUE_FULL';
  constructor(
    readonly queue: string,
    readonly capacity: number,
  ) {
    super(`queue ${queue} is full (capacity ${capacity})`);
  }
}

/**
 * A FIFO with a fixed capacity. `offer` returns false (and counts a drop)
 * when full, so the caller decides what to alert; depth and high-water mark
 * are kept in a gauge.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  readonly depth: Gauge;
  readonly dropped: Counter;
  readonly accepted: Counter;

  constructor(
    readonly name: string,
    readonly capacity: number,
    metrics: Metrics = new Metrics(),
  ) {
    if (!(capacity > 0)) throw new RangeError(`queue ${name}: capacity must be > 0`);
    this.depth = metrics.gauge(`${name}.depth`);
    this.dropped = metrics.counter(`${name}.dropped`);
    this.accepted = metrics.counter(`${name}.accepted`);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  offer(item: T): boolean {
    if (this.full) {
      this.dropped.inc();
      return false;
    }
    this.items.push(item);
    this.accepted.inc();
    this.depth.set(this.size);
    return true;
  }

  /** Like `offer` but throws `QueueFullError`. */
  push(item: T): void {
    if (!this.offer(item)) throw new QueueFullError(this.name, this.capacity);
  }

  peek(): T | undefined {
    return this.size > 0 ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head === this.items.length) {
      // emptied: start over (a queue that is mostly empty, as a HAN channel's, keeps no run of spent slots)
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.depth.set(this.size);
    return v;
  }

  /** Removes and returns the items for which `pred` holds (e.g. expired ones). */
  removeWhere(pred: (item: T) => boolean): T[] {
    const keep: T[] = [];
    const removed: T[] = [];
    for (let i = this.head; i < this.items.length; i++)
      (pred(this.items[i]) ? removed : keep).push(this.items[i]);
    this.items = keep;
    this.head = 0;
    this.depth.set(this.size);
    return removed;
  }

  toArray(): T[] {
    return this.items.slice(this.head);
  }
}
