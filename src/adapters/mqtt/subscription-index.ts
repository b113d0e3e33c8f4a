/**
 * Which sessions may hold a filter matching a topic, without asking every
 * session (issue 16: the in-process broker matched each publication and
 * each SUBSCRIBE's retained messages against every session or every
 * retained topic, so an estate's set-up grew with the square of its PPMIDs).
 *
 * A filter without wildcards matches exactly the topic it spells
 * (`topicMatches`), so those are kept by topic; the holders of a wildcard
 * filter are always candidates. Candidates come back in the order the
 * sessions were added (the broker's session order), so delivery order is
 * what matching every session in turn gave.
 */
export function hasWildcard(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}

export class SubscriptionIndex<S> {
  private readonly byTopic = new Map<string, Set<S>>();
  /** sessions with at least one wildcard filter, and how many */
  private readonly wildcard = new Map<S, number>();
  private readonly order = new Map<S, number>();
  private next = 0;

  /** A new session (its place in the delivery order). */
  addSession(s: S): void {
    this.order.set(s, this.next++);
  }

  /** `s` subscribed to `filter` (not held before). */
  add(s: S, filter: string): void {
    if (hasWildcard(filter)) this.wildcard.set(s, (this.wildcard.get(s) ?? 0) + 1);
    else {
      const set = this.byTopic.get(filter);
      if (set) set.add(s);
      else this.byTopic.set(filter, new Set([s]));
    }
  }

  /** `s` no longer holds `filter` (it held it). */
  remove(s: S, filter: string): void {
    if (hasWildcard(filter)) {
      const n = (this.wildcard.get(s) ?? 0) - 1;
      if (n > 0) this.wildcard.set(s, n);
      else this.wildcard.delete(s);
      return;
    }
    const set = this.byTopic.get(filter);
    if (!set) return;
    set.delete(s);
    if (set.size === 0) this.byTopic.delete(filter);
  }

  /** The session is gone, with its `filters`. */
  dropSession(s: S, filters: Iterable<string>): void {
    for (const f of filters) this.remove(s, f);
    this.order.delete(s);
  }

  clear(): void {
    this.byTopic.clear();
    this.wildcard.clear();
    this.order.clear();
  }

  /** The sessions that may hold a filter matching `topic`, in session order (match each one's filters). */
  candidates(topic: string): S[] {
    const exact = this.byTopic.get(topic);
    const out: S[] = exact ? [...exact] : [];
    for (const s of this.wildcard.keys()) if (!exact?.has(s)) out.push(s);
    if (out.length > 1) out.sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
    return out;
  }
}
