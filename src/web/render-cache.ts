/**
 * A bounded map of promises: concurrent gets for one key share one `make()` (single flight),
 * and past `max` entries the least recently used goes. For pages that never change once made
 * (a sent issue), so there is no expiry.
 */
export class SingleFlightCache<V> {
  // A Map iterates in insertion order: re-inserting on use keeps the least recent first.
  private readonly entries = new Map<string, Promise<V>>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, make: () => Promise<V>): Promise<V> {
    const held = this.entries.get(key);
    if (held) {
      this.entries.delete(key);
      this.entries.set(key, held);
      return held;
    }
    const made = new Promise<V>((resolve) => resolve(make()));
    this.entries.set(key, made);
    // A failure is not kept: the next request tries again.
    made.catch(() => {
      if (this.entries.get(key) === made) this.entries.delete(key);
    });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return made;
  }
}
