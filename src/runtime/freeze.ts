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
