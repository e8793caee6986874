/**
 * Every Redis key name ssnews uses, in one place (DESIGN.md: only src/store knows keys).
 * All keys start with the configured prefix (`ssnews:` by default) so one Redis can host
 * several newsletters. Add new keys here, never inline.
 */
export function keys(prefix: string) {
  return {
    /** JSON of one stored NewsItem. */
    item: (id: string) => `${prefix}item:${id}`,
    /** zset: item id scored by publishedAt (ms). */
    itemsByTime: `${prefix}items:by-time`,
    /** zset: item id scored by publishedAt (ms), one per sector. */
    itemsBySector: (sector: string) => `${prefix}items:sector:${sector}`,
    /** set: item ids of one story cluster. */
    cluster: (id: string) => `${prefix}cluster:${id}`,
    /** hash: per-source fetch state (validators, last status, failures, next fetch). */
    sourceState: (id: string) => `${prefix}source:${id}`,
    /** set: ids of every source that has state. */
    sourceIds: `${prefix}sources`,
    /** list: editor labels (JSON) for classifier training. */
    labels: `${prefix}labels`,
    /** Prefix handed to BullMQ for its queue keys. */
    bullPrefix: `${prefix}bull`,
  };
}
export type Keys = ReturnType<typeof keys>;
