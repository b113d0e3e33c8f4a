/**
 * A Map and a Set that make their table on first insertion (issue 16: a
 * home's devices and HAN nodes held some 80 Maps and Sets, most of them
 * empty for the home's life, about 230 bytes each; one of these costs 16
 * until something is put in). Same behaviour as Map / Set through their
 * interfaces: insertion order, SameValueZero keys, live iteration.
 * Not for `structuredClone` or `instanceof Map` (neither is used on them).
 */
const NO_ENTRIES: ReadonlyMap<unknown, unknown> = new Map();

export class LazyMap<K, V> implements Map<K, V> {
  private m: Map<K, V> | undefined;

  constructor(entries?: Iterable<readonly [K, V]> | null) {
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  private get r(): ReadonlyMap<K, V> {
    return this.m ?? (NO_ENTRIES as ReadonlyMap<K, V>);
  }

  get size(): number {
    return this.m?.size ?? 0;
  }
  get(key: K): V | undefined {
    return this.m?.get(key);
  }
  has(key: K): boolean {
    return this.m?.has(key) ?? false;
  }
  set(key: K, value: V): this {
    if (!this.m) this.m = new Map();
    this.m.set(key, value);
    return this;
  }
  delete(key: K): boolean {
    return this.m?.delete(key) ?? false;
  }
  clear(): void {
    this.m?.clear();
  }
  forEach(fn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.r) fn.call(thisArg, v, k, this);
  }
  entries(): MapIterator<[K, V]> {
    return this.r.entries() as MapIterator<[K, V]>;
  }
  keys(): MapIterator<K> {
    return this.r.keys() as MapIterator<K>;
  }
  values(): MapIterator<V> {
    return this.r.values() as MapIterator<V>;
  }
  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
  get [Symbol.toStringTag](): string {
    return 'Map';
  }
}

const NO_MEMBERS: ReadonlySet<unknown> = new Set();

export class LazySet<T> implements Set<T> {
  private s: Set<T> | undefined;

  constructor(values?: Iterable<T> | null) {
    if (values) for (const v of values) this.add(v);
  }

  private get r(): ReadonlySet<T> {
    return this.s ?? (NO_MEMBERS as ReadonlySet<T>);
  }

  get size(): number {
    return this.s?.size ?? 0;
  }
  has(value: T): boolean {
    return this.s?.has(value) ?? false;
  }
  add(value: T): this {
    if (!this.s) this.s = new Set();
    this.s.add(value);
    return this;
  }
  delete(value: T): boolean {
    return this.s?.delete(value) ?? false;
  }
  clear(): void {
    this.s?.clear();
  }
  forEach(fn: (value: T, value2: T, set: Set<T>) => void, thisArg?: unknown): void {
    for (const v of this.r) fn.call(thisArg, v, v, this);
  }
  entries(): SetIterator<[T, T]> {
    return this.r.entries() as SetIterator<[T, T]>;
  }
  keys(): SetIterator<T> {
    return this.r.keys() as SetIterator<T>;
  }
  values(): SetIterator<T> {
    return this.r.values() as SetIterator<T>;
  }
  [Symbol.iterator](): SetIterator<T> {
    return this.values();
  }
  get [Symbol.toStringTag](): string {
    return 'Set';
  }
}
