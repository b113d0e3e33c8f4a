/**
 * The ESME's COSEM attribute store (state.ts `attributes`), copy on write:
 * every meter starts with the RTDS ESME's attributes (rtds-attributes.ts),
 * one table shared by all meters and deeply frozen; a meter's own
 * `attributes` record holds only what it wrote (its overlay). A read answers
 * the meter's own value if it wrote one, else the shared one; a write goes
 * to the overlay. So an estate of meters that were never written to carries
 * one table, not one copy per meter (25.8 KB each, measured), and a snapshot
 * holds only what differs.
 *
 * Always go through these functions: the shared table is frozen, so an
 * in-place change of a value read with `getAttribute` throws (a TypeError)
 * instead of changing every meter; take `mutableAttribute` to change a value
 * in place (e.g. append a profile row).
 */
import { isDeepStrictEqual } from 'node:util';
import { deepFreeze } from '../../runtime/freeze.ts';
import { RTDS_ESME_ATTRIBUTES } from './rtds-attributes.ts';

/** The table every meter starts with: the RTDS ESME's, frozen, shared. */
const BASE: Readonly<Record<string, unknown>> = deepFreeze(structuredClone(RTDS_ESME_ATTRIBUTES));
const hasOwn = Object.prototype.hasOwnProperty;

/** The store's part of the ESME state: the meter's own values by `object.member` (its overlay). */
export interface AttributeHolder {
  attributes: Record<string, unknown>;
}

/** The value of `key` (`object.member`), or undefined when the meter does not hold it. Do not change it in place. */
export function getAttribute(s: AttributeHolder, key: string): unknown {
  return hasOwn.call(s.attributes, key) ? s.attributes[key] : BASE[key];
}

/** Whether the meter holds `key`. */
export function hasAttribute(s: AttributeHolder, key: string): boolean {
  return hasOwn.call(s.attributes, key) || hasOwn.call(BASE, key);
}

/** Writes `key` (the value is kept as given: pass a copy if the caller keeps changing it). */
export function setAttribute(s: AttributeHolder, key: string, value: unknown): void {
  s.attributes[key] = value;
}

/** Drops the meter's own value of `key`: reads answer the shared (RTDS) value again. */
export function clearAttribute(s: AttributeHolder, key: string): void {
  delete s.attributes[key];
}

/** The meter's own, changeable value of `key`: copied from the shared table on first change. */
export function mutableAttribute(s: AttributeHolder, key: string): unknown {
  if (!hasOwn.call(s.attributes, key) && hasOwn.call(BASE, key))
    s.attributes[key] = structuredClone(BASE[key]);
  return s.attributes[key];
}

/** Every attribute the meter holds, by `object.member` (a read-only view: shared values are frozen). */
export function allAttributes(s: AttributeHolder): Record<string, unknown> {
  return { ...BASE, ...s.attributes };
}

/**
 * The overlay of a stored attribute record: a snapshot from before the copy
 * on write held the whole table; values equal to the shared ones are dropped
 * (the reads answer the same).
 */
export function attributeOverlay(stored: Record<string, unknown> | undefined): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stored ?? {}))
    if (!hasOwn.call(BASE, k) || !isDeepStrictEqual(v, BASE[k])) own[k] = v;
  return own;
}
