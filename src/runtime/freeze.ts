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
  for (const k of Object.keys(v)) out[k] = copySharingFrozen((v as Record<string, unknown>)[k]);
  return out as T;
}
