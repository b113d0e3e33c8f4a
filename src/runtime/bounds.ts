/**
 * Issue 13, "every per-peer or per-URL map is bounded": the one table of the
 * collections a remote peer can grow (a connection, a signature, a stream, an
 * awaited answer), with each one's cap and what happens at the cap. The code
 * that keeps each collection takes its default cap from here;
 * test/security/bounds.test.ts floods every row with distinct keys and
 * asserts the size stays at the cap and legitimate traffic still works (a
 * row without a flood there fails that test).
 *
 * Collections keyed by configured or authenticated identities (DCC users,
 * the inventory's devices, operators, the estate's CHs) are bounded by those
 * tables and are not listed.
 */
import type { Metrics } from './metrics.ts';

export type BoundPolicy =
  /** the oldest entry is dropped (counted) to make room */
  | 'evict-oldest'
  /** the new one is refused (counted) while the collection is full of live entries */
  | 'refuse';

export interface BoundRow {
  name: string;
  capacity: number;
  policy: BoundPolicy;
  what: string;
}

export const BOUNDS = {
  'wan-link.replay-cache': {
    name: 'wan-link.replay-cache',
    capacity: 100_000,
    policy: 'refuse',
    what: 'WAN link signatures seen within the ±60 s window (per receiving server); expired ones are pruned first; refusing keeps a replay out',
  },
  'wan-link.awaited-outcomes': {
    name: 'wan-link.awaited-outcomes',
    capacity: 10_000,
    policy: 'evict-oldest',
    what: 'Block / Unblock outcomes a DSP or CHM process awaits from the SM WAN',
  },
  'wan-link.post-queue': {
    name: 'wan-link.post-queue',
    capacity: 10_000,
    policy: 'refuse',
    what: 'POSTs queued for the one configured peer of a WAN link poster (no caller-chosen URL)',
  },
  'http.sse-streams': {
    name: 'http.sse-streams',
    capacity: 64,
    policy: 'evict-oldest',
    what: 'Server-Sent Event streams of one server (supplier console, CHM dashboard, start page)',
  },
  'http.undecided-connections': {
    name: 'http.undecided-connections',
    capacity: 256,
    policy: 'evict-oldest',
    what: 'connections to the supplier port that have not sent their first byte (TLS or HTTP not yet known)',
  },
} as const satisfies Record<string, BoundRow>;

export type BoundName = keyof typeof BOUNDS;

/**
 * Makes room for one more entry in `coll` under an evict-oldest bound:
 * drops the oldest entries (insertion order) until one fits, calling
 * `onEvict` for each and counting `bound.evicted{<name>}`.
 */
export function makeRoom<K>(
  coll: Map<K, unknown> | Set<K>,
  name: BoundName,
  o: { capacity?: number; metrics?: Metrics; onEvict?: (key: K) => void } = {},
): void {
  const capacity = Math.max(1, o.capacity ?? BOUNDS[name].capacity);
  while (coll.size >= capacity) {
    const oldest = coll.keys().next().value as K;
    coll.delete(oldest);
    o.metrics?.inc(`bound.evicted{${name}}`);
    evictions.set(name, (evictions.get(name) ?? 0) + 1);
    o.onEvict?.(oldest);
  }
}

const evictions = new Map<BoundName, number>();

/** Evictions by bound in this process (also counted in the owner's metrics when it has them). */
export function evictionsOf(name: BoundName): number {
  return evictions.get(name) ?? 0;
}
