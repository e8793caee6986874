import type { Redis } from 'ioredis';

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
    /** hash: per-source fetch state (validators, last status, failures, next fetch). */
    sourceState: (id: string) => `${prefix}source:${id}`,
    /** set: ids of every source that has state. */
    sourceIds: `${prefix}sources`,
    /** hash (classify): item id -> editor label (JSON {title, summary, sector?, relevant?, editor?, at}) for training. */
    labels: `${prefix}labels`,
    /** string (classify): version id of the model workers should use. */
    modelCurrent: `${prefix}model:current`,
    /** string (classify): one stored model (gzipped JSON), by version id. */
    model: (version: string) => `${prefix}model:v:${version}`,
    /** list (classify): stored model version ids, newest first. */
    modelVersions: `${prefix}model:versions`,
    /** string counter (classify): the last model version number handed out. */
    modelSeq: `${prefix}model:seq`,
    /** pub/sub channel (classify): a new model version id was stored and made current. */
    modelChannel: `${prefix}model:updated`,
    /** hash: one digest issue (fields `version` and `json`), by ISO week. */
    issue: (week: string) => `${prefix}issue:${week}`,
    /** zset: every issue's ISO week, scored year*100+week. */
    issues: `${prefix}issues`,
    /** zset: ISO weeks of sent issues, scored year*100+week (the public archive). */
    issuesSent: `${prefix}issues:sent`,
    /** zset (ingest): item ids carried by one source, scored by publishedAt (ms). */
    itemsBySource: (sourceId: string) => `${prefix}items:source:${sourceId}`,
    /** hash (ingest): item id of a canonical URL learnt from an article's rel=canonical -> the item's id. */
    itemAliases: `${prefix}items:aliases`,
    /** string (ingest): a source being fetched right now (NX lock with expiry). */
    sourceLock: (id: string) => `${prefix}source-lock:${id}`,
    /** zset (ingest politeness): lease tokens of requests in flight to one host, scored by expiry (ms). */
    hostSlots: (host: string) => `${prefix}host:${host}:slots`,
    /** string (ingest politeness): earliest time (ms) the next request to one host may start. */
    hostNext: (host: string) => `${prefix}host:${host}:next`,
    /** string (ingest): a cached robots.txt for one origin, JSON {status, text}. */
    robots: (origin: string) => `${prefix}robots:${origin}`,
    /** hash (editors): lower-cased email -> JSON of one editor account (EditorAccount, with its password hash). */
    editors: `${prefix}editors`,
    /** string (sessions): JSON of one editor session, keyed by the SHA-256 of its id; expires when idle. */
    session: (idHash: string) => `${prefix}session:${idHash}`,
    /** set (sessions): the id hashes of one editor's sessions, so they can all be ended at once. */
    editorSessions: (email: string) => `${prefix}sessions:${email}`,
    /** string counter (sign-in): failed sign-ins of one account or from one address in the current window. */
    loginFailures: (scope: 'account' | 'address', id: string) => `${prefix}login-failures:${scope}:${id}`,
    /** hash (subscribers): one subscriber's fields (Subscriber, sectors comma-joined), by subscriber id. */
    subscriber: (id: string) => `${prefix}subscriber:${id}`,
    /** hash (subscribers): lower-cased email -> subscriber id; makes an address unique. */
    subscriberEmails: `${prefix}subscribers:emails`,
    /** zset (subscribers): every subscriber id, scored by creation time (ms). */
    subscribersAll: `${prefix}subscribers:all`,
    /** set (subscribers): ids of confirmed subscribers, the ones an issue is sent to. */
    subscribersConfirmed: `${prefix}subscribers:confirmed`,
    /** set (subscribers): salted hashes of removed addresses, so an import does not bring them back. */
    subscribersErased: `${prefix}subscribers:erased`,
    /** string (subscribers): the random salt of those hashes, made once (SET NX). */
    subscribersSalt: `${prefix}subscribers:salt`,
    /** string (sign-up): JSON of one unconfirmed sign-up (email, name, sectors), by its random id; expires after newsletter.signup.confirmDays. */
    signupPending: (id: string) => `${prefix}signup:pending:${id}`,
    /** string counter (sign-up): sign-up requests for one address or from one client address in the current window. */
    signupRequests: (scope: 'address' | 'client', id: string) => `${prefix}signup:requests:${scope}:${id}`,
    /** hash (delivery ledger): subscriber id -> state (queued | sending | committing | sent | failed | skipped). */
    deliveryState: (week: string) => `${prefix}delivery:${week}:state`,
    /** hash (delivery ledger): subscriber id -> JSON of the delivery's details (attempts, reply, Message-ID, lease). */
    deliveryInfo: (week: string) => `${prefix}delivery:${week}:info`,
    /** hash (delivery ledger): state -> how many recipients are in it, kept in step with deliveryState. */
    deliveryCounts: (week: string) => `${prefix}delivery:${week}:counts`,
    /** hash (delivery): one send of an issue: total, startedAt, the issue version, the compiled issue (JSON). */
    deliveryRun: (week: string) => `${prefix}delivery:${week}:run`,
    /** string counter (delivery): messages handed over in one clock hour (expires after it), by hour number. */
    sendHour: (hour: number) => `${prefix}send-rate:hour:${hour}`,
    /** Prefix handed to BullMQ for its queue keys. */
    bullPrefix: `${prefix}bull`,
  };
}
export type Keys = ReturnType<typeof keys>;

/** What every store starts from: its connection and the key names under its prefix. */
export class KeyedStore {
  protected readonly k: Keys;

  constructor(
    protected readonly redis: Redis,
    prefix: string,
  ) {
    this.k = keys(prefix);
  }
}
