import { DEFAULT_MAX_ITEMS, type Source } from '../config/schema.js';
import type { Classifier } from '../classify/types.js';
import type { HostStore, PaceOptions } from '../store/hosts.js';
import type { ItemStore } from '../store/items.js';
import type { SourceStateStore } from '../store/sources.js';
import { backoffDelay } from './backoff.js';
import { classifyItems } from './classify-items.js';
import { FetchError } from './errors.js';
import { normaliseItems } from './normalise.js';
import { HostPaused, PoliteClient } from './polite-fetch.js';
import { readSource } from './read-source.js';

/** An article page to fetch for its metadata (the enrich queue's job). */
export interface EnrichRequest {
  itemId: string;
  sourceId: string;
}

/** Everything one ingest run needs; the side effects (Redis, HTTP) come in from outside. */
export interface IngestDeps {
  classifier: Classifier;
  items: ItemStore;
  sources: SourceStateStore;
  hosts: HostStore;
  userAgent: string;
  pace: PaceOptions;
  timeoutMs?: number;
  maxBytes?: number;
  /** Where new items that want their article page fetched go (a queue, or a list in-process). */
  enrich?: (requests: EnrichRequest[]) => Promise<void>;
  now?: () => Date;
  /**
   * How long a run's source lock outlives its last renewal (renewed every third of it): a dead
   * worker's source is free again after this. Workers use half their BullMQ lock, so it lapses
   * before BullMQ hands the job to another worker.
   */
  lockTtlMs?: number;
}

export const DEFAULT_LOCK_TTL_MS = 30_000;

export interface SourceRun {
  sourceId: string;
  /** fetched | not-modified | failed | backing-off (skipped, still waiting) | busy (another process has it) | deferred (host asked us to wait) */
  outcome: 'fetched' | 'not-modified' | 'failed' | 'backing-off' | 'busy' | 'deferred';
  status?: number;
  items: number;
  created: number;
  skipped: number;
  error?: string;
  movedTo?: string;
  /** Something the fetch left undone though it worked: items over the source's maxItems. */
  warning?: string;
  /**
   * After a failure or a deferral: how long the source now waits (its backoff, or the host's
   * Retry-After). Nothing is queued for it: its next try is its first scheduled tick after that.
   */
  retryInMs?: number;
  consecutiveFailures?: number;
}

export function politeClient(deps: IngestDeps): PoliteClient {
  return new PoliteClient(deps.hosts, deps.userAgent, deps.pace, {
    timeoutMs: deps.timeoutMs,
    maxBytes: deps.maxBytes,
  });
}

/**
 * Fetches one source and stores what it carries: fetch → parse → normalise → classify →
 * store (one item per canonical URL), recording the outcome in the source's state. Idempotent: running it twice
 * (a re-fetch, or a job taken over after its worker died) stores nothing twice.
 *
 * A failing source has one retry path: its state and its schedule. Every failure (a FetchError,
 * or anything unexpected: a parse crash, a Redis error, a bug) is recorded in the source's
 * state (consecutive failures, last error, `backoffUntil`) and returned as `failed`, not
 * thrown; runs without `force` are skipped until the backoff ends. Nothing else is queued, so
 * the next try is the source's first scheduled tick after the backoff: the effective wait is
 * the backoff rounded up to the source's `every`. A host's Retry-After (HostPaused, `deferred`)
 * defers the same way. It throws only when the failure cannot be recorded (Redis unreachable).
 *
 * Each attempt is recorded once: state is written only under this run's source lock, so a run
 * that lost its lock (a stalled job whose retry took the source) records nothing.
 *
 * `force` ignores a backoff in progress (an administrator's `ssnews fetch`); `lockOwner` names
 * the run in its lock token (the job id).
 */
export async function ingestSource(
  deps: IngestDeps,
  source: Source,
  options: { force?: boolean; client?: PoliteClient; lockOwner?: string } = {},
): Promise<SourceRun> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const base = { sourceId: source.id, items: 0, created: 0, skipped: 0 };
  const state = await deps.sources.get(source.id);
  if (!options.force && state.backoffUntil && Date.parse(state.backoffUntil) > started.getTime()) {
    return {
      ...base,
      outcome: 'backing-off',
      error: state.lastError,
      consecutiveFailures: state.consecutiveFailures,
    };
  }
  // One fetch of a source at a time. BullMQ's job lock covers one job, not one source: a
  // scheduled job and a manual one (or an in-process `ssnews fetch`, or two ticks of a slow
  // source, or a stalled job handed to another worker while it still runs) can run at once for
  // the same source. The loser is reported 'busy'; the winner is fetching it anyway. Each run
  // has its own token, renewed while it runs: a dead worker's lock lapses within lockTtlMs, so
  // its job, taken over, gets the source back; a live run's does not.
  const lockTtlMs = deps.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  const owner = `${options.lockOwner ?? process.pid}:${Math.random().toString(36).slice(2)}`;
  const release = await deps.sources.lock(source.id, lockTtlMs, owner);
  if (!release) return { ...base, outcome: 'busy', error: 'another job is fetching this source' };
  const heartbeat = setInterval(
    () => void deps.sources.renewLock(source.id, owner, lockTtlMs).catch(() => {}),
    Math.max(1, Math.floor(lockTtlMs / 3)),
  );
  heartbeat.unref();
  // A run whose lock lapsed (its process stalled past lockTtlMs) writes no state: the run that
  // took the source over records the attempt, so it is counted once.
  const superseded = {
    ...base,
    outcome: 'busy' as const,
    error: 'lost the source to another run: recorded nothing',
  };
  const client = options.client ?? politeClient(deps);
  try {
    // Validators only mean something for the URL they came from.
    const sameUrl = state.url === source.url;
    const read = await readSource(
      source,
      client,
      sameUrl ? { etag: state.etag, lastModified: state.lastModified } : {},
    );
    const at = now();
    const nextFetchAt = new Date(at.getTime() + source.every);
    if (!read.parsed) {
      const ours = await deps.sources.recordSuccess(
        source.id,
        { at, url: source.url, status: 304, nextFetchAt, movedTo: read.fetch.permanentRedirect },
        owner,
      );
      if (!ours) return superseded;
      return { ...base, outcome: 'not-modified', status: 304, movedTo: read.fetch.permanentRedirect };
    }
    const { created, stored, items, skipped, warning } = await storeParsed(deps, source, read.parsed, at);
    // Enrichment is asked for before the success is recorded: a run that fails (or dies) in
    // between leaves the old validators, so the next try reads the feed again, finds the items
    // stored and asks again. Enrich jobs are keyed by item and skip items already enriched.
    const wanted = stored
      .filter((i) => !i.enrichedAt && (source.enrich || !i.summary))
      .map((i) => ({ itemId: i.id, sourceId: source.id }));
    if (deps.enrich && wanted.length) await deps.enrich(wanted);
    const fetched = {
      status: read.fetch.status,
      items,
      created: created.length,
      skipped,
      movedTo: read.fetch.permanentRedirect,
    };
    // Only once the items are stored: new validators would make the next fetch a 304.
    const ours = await deps.sources.recordSuccess(
      source.id,
      {
        ...fetched,
        at,
        url: source.url,
        etag: read.fetch.etag,
        lastModified: read.fetch.lastModified,
        warning,
        nextFetchAt,
      },
      owner,
    );
    if (!ours) return superseded;
    return { ...base, outcome: 'fetched', ...fetched, ...(warning ? { warning } : {}) };
  } catch (err) {
    if (err instanceof HostPaused) {
      // The host asked everyone to wait (a Retry-After seen on another of its sources): not this
      // source's failure, so no backoff; its scheduled ticks meanwhile are deferred likewise.
      if (!(await deps.sources.setNextFetch(source.id, new Date(now().getTime() + err.retryInMs), owner)))
        return superseded;
      return { ...base, outcome: 'deferred', retryInMs: err.retryInMs, error: err.message };
    }
    const known = err instanceof FetchError ? err : undefined;
    const error = known ? `${known.code}: ${known.message}` : `unexpected: ${describeUnexpected(err)}`;
    const at = now();
    const failures = await deps.sources.recordFailure(
      source.id,
      { at, status: known?.details.status, error },
      owner,
    );
    if (failures === undefined) return superseded;
    const delay = backoffDelay(failures, known?.details.retryAfterMs);
    await deps.sources.setBackoff(source.id, new Date(at.getTime() + delay), owner);
    return {
      ...base,
      outcome: 'failed',
      status: known?.details.status,
      error,
      retryInMs: delay,
      consecutiveFailures: failures,
    };
  } finally {
    clearInterval(heartbeat);
    await release();
  }
}

/**
 * parse result → normalise → keep the newest `maxItems` → classify → store. Returns the items
 * that were new, and a warning when some were left out.
 */
export async function storeParsed(
  deps: IngestDeps,
  source: Pick<Source, 'id' | 'sector'> & { maxItems?: number },
  parsed: Parameters<typeof normaliseItems>[0],
  at: Date,
) {
  const normalised = normaliseItems(parsed, at);
  const max = source.maxItems ?? DEFAULT_MAX_ITEMS;
  const kept = keepNewest(normalised.items, max);
  const warning =
    kept.length < normalised.items.length
      ? `carried ${normalised.items.length} items: stored the newest ${max} (maxItems)`
      : undefined;
  // URLs learnt from article pages' rel=canonical map to the item first stored under another URL.
  const aliases = await deps.items.aliases(kept.map((i) => i.id));
  const resolved = kept.map((i, n) => (aliases[n] ? { ...i, id: aliases[n]! } : i));
  const classified = classifyItems(resolved, deps.classifier, source.sector);
  const seenAt = at.toISOString();
  const results = await deps.items.upsertMany(classified.map((i) => ({ ...i, sourceId: source.id, seenAt })));
  const stored = results.map((r) => r.item);
  return {
    created: stored.filter((_, n) => results[n]!.created),
    stored,
    items: normalised.items.length,
    skipped: normalised.skipped,
    warning,
  };
}

/** The `max` newest by publishedAt (ties keep feed order), in feed order. */
export function keepNewest<T extends { publishedAt: string }>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const keep = new Set(
    items
      .map((item, n) => ({ n, t: Date.parse(item.publishedAt) }))
      .sort((a, b) => b.t - a.t || a.n - b.n)
      .slice(0, max)
      .map((x) => x.n),
  );
  return items.filter((_, n) => keep.has(n));
}

/** `Name: message (at the innermost frame)`: enough in the source's last error to find a bug. */
export function describeUnexpected(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const frame = err.stack
    ?.split('\n')
    .find((l) => l.trimStart().startsWith('at '))
    ?.trim();
  return `${err.name}: ${err.message}${frame ? ` (${frame})` : ''}`;
}
