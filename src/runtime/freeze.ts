/**
 * Deep freezing for tables many devices share (a meter's RTDS defaults): one
 * frozen copy held by every device, each device replacing (never changing in
 * place) what it writes. A change in place of a shared value throws a
 * TypeError (ES modules run in strict mode) instead of changing every device.
 */

/** Freezes `v` and everything it holds; returns `v`. */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * A copy of `v` that shares what cannot change: a frozen object is taken as
 * is (frozen objects here are deeply frozen: `deepFreeze`, or a flat record
 * frozen when written, such as a closed metrology log entry); arrays and
 * plain objects are copied member by member; anything else (typed arrays,
 * Maps, Dates) is copied by `structuredClone`. For a read view of data that
 * goes on changing in place (a GPF's gas mirror of its GSME): the same
 * values as `structuredClone(v)`, without copying the shared tables and the
 * closed log entries again on every write.
 */
export function copySharingFrozen<T>(v: T): T {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copySharingFrozen(v[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  // for-in: own enumerable keys here (a plain object's prototype has none), without a keys array per object
  for (const k in v) out[k] = copySharingFrozen((v as Record<string, unknown>)[k]);
  return out as T;
}

/**
 * `copySharingFrozen(v)`, reusing `prev` (an earlier copy of the same data,
 * never changed since) wherever it holds the same values: an array or plain
 * object of `v` whose members all equal (`Object.is`, recursively) those of
 * its counterpart in `prev` is that counterpart, not a new copy. A copy
 * taken over and over of data that mostly stays the same (the GPF's gas
 * mirror, on every wake of its GSME) then allocates only what changed.
 * Counterparts are found by array index and property name; a plain object
 * whose members are equal but listed in another order keeps `prev`'s order.
 */
export function copyReusing<T>(v: T, prev: unknown): T {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  if (prev === null || typeof prev !== 'object') return copySharingFrozen(v);
  if (Array.isArray(v)) {
    if (!Array.isArray(prev)) return copySharingFrozen(v);
    const n = v.length;
    let out: unknown[] | undefined = n === prev.length ? undefined : new Array(n);
    for (let i = 0; i < n; i++) {
      const p = i < prev.length ? prev[i] : undefined;
      const c = i < prev.length ? copyReusing(v[i], p) : copySharingFrozen(v[i]);
      if (out) out[i] = c;
      else if (!Object.is(c, p)) {
        // the first difference: the members before it are prev's
        out = new Array(n);
        for (let j = 0; j < i; j++) out[j] = prev[j];
        out[i] = c;
      }
    }
    return (out ?? prev) as T;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  if (Object.getPrototypeOf(prev) !== proto || Array.isArray(prev)) return copySharingFrozen(v);
  const pv = prev as Record<string, unknown>;
  const src = v as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  let n = 0;
  for (const k in src) {
    n++;
    const has = Object.hasOwn(pv, k);
    const p = has ? pv[k] : undefined;
    const c = has ? copyReusing(src[k], p) : copySharingFrozen(src[k]);
    if (out) out[k] = c;
    else if (!has || !Object.is(c, p)) {
      out = proto === null ? Object.create(null) : {};
      // the members before `k` are prev's (the same values)
      for (const j in src) {
        if (j === k) break;
        out![j] = pv[j];
      }
      out![k] = c;
    }
  }
  if (out) return out as T;
  // every member of `v` is in `prev`, equal: `prev` is the copy unless it has more
  let m = 0;
  for (const _ in pv) m++;
  if (m === n) return prev as T;
  out = proto === null ? Object.create(null) : {};
  for (const k in src) out![k] = pv[k];
  return out as T;
}
