import type { SectorId } from '../config/schema.js';
import { sectorOf, type Classification, type NewsItem } from '../types/item.js';
import { KeyedStore } from './keys.js';
import { luaScript } from './lua.js';

/** What the ingest pipeline hands the store for one item seen in one source. */
export interface ItemUpsert extends Pick<
  NewsItem,
  'id' | 'url' | 'title' | 'summary' | 'publishedAt' | 'dateFromFirstSeen'
> {
  classification: Classification;
  sourceId: string;
  /** When the source carried it this time (becomes firstSeenAt for a new item). */
  seenAt: string;
}

export interface UpsertResult {
  created: boolean;
  item: NewsItem;
}

export interface ListQuery {
  since?: Date;
  until?: Date;
  sector?: SectorId;
  limit?: number;
}

/** Fields ingest may change after the fact (enrichment); editor fields have their own setters. */
export type ItemPatch = Partial<
  Pick<
    NewsItem,
    'summary' | 'publishedAt' | 'dateFromFirstSeen' | 'enrichedAt' | 'url' | 'title' | 'classification'
  >
>;

/**
 * Items per upsert script call. One call takes all its keys and arguments as one function call's
 * arguments (5 per item): tens of thousands overflow the JS stack, and one long script blocks Redis.
 */
export const UPSERT_CHUNK = 200;

/** One item of a batch upsert: its key, its one source's index key, and the document to store. */
interface UpsertEntry {
  key: string;
  sourceKey: string;
  item: NewsItem;
}

/**
 * Atomic upserts of a batch (each item atomic, the whole batch one call). KEYS: by-time, then
 * per item: item, by-source. ARGV per item: JSON, sourceId, publishedAt ms. A new item is
 * stored as sent (no JSON decode); an existing one keeps its id, url, title, firstSeenAt and
 * editor fields, gains the source, and fills a missing summary or a real date. Returns per
 * item {1} when new, else {0, stored JSON}.
 */
const upsertItems = luaScript<{ byTime: string; items: UpsertEntry[] }, unknown[]>(
  'ssnewsItemUpsertMany',
  `
local byTime = KEYS[1]
local out = {}
for i = 0, #ARGV / 3 - 1 do
  local kItem, kSource = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  local json, sourceId, score = ARGV[1 + 3 * i], ARGV[2 + 3 * i], tonumber(ARGV[3 + 3 * i])
  if redis.call('SET', kItem, json, 'NX') then
    local id = cjson.decode(json).id
    redis.call('ZADD', byTime, score, id)
    redis.call('ZADD', kSource, score, id)
    out[i + 1] = {1}
  else
    local incoming = cjson.decode(json)
    local item = cjson.decode(redis.call('GET', kItem))
    local has = false
    for _, s in ipairs(item.sourceIds) do if s == sourceId then has = true end end
    if not has then table.insert(item.sourceIds, sourceId) end
    local retext = false
    if incoming.summary and not item.summary then item.summary = incoming.summary; retext = true end
    if item.dateFromFirstSeen and not incoming.dateFromFirstSeen then
      item.publishedAt = incoming.publishedAt
      item.dateFromFirstSeen = nil
    else
      score = tonumber(redis.call('ZSCORE', byTime, item.id)) or score
    end
    if retext or item.classification.modelVersion ~= incoming.classification.modelVersion then
      item.classification = incoming.classification
    end
    local encoded = cjson.encode(item)
    redis.call('SET', kItem, encoded)
    redis.call('ZADD', byTime, score, item.id)
    redis.call('ZADD', kSource, score, item.id)
    out[i + 1] = {0, encoded}
  end
end
return out
`,
  (o) => ({
    keys: [o.byTime, ...o.items.flatMap((i) => [i.key, i.sourceKey])],
    args: o.items.flatMap(({ item }) => [
      JSON.stringify(item),
      item.sourceIds[0]!,
      Date.parse(item.publishedAt),
    ]),
  }),
);

/**
 * Atomic patch: sets `set`, except the `onlyIfMissing` fields the item already has, removes
 * `remove`, and moves the item in the time index when `set` has a publishedAt. Returns the stored
 * JSON, or null when the item does not exist.
 */
const patchItem = luaScript<
  { item: string; byTime: string; set: Partial<NewsItem>; remove: string[]; onlyIfMissing: string[] },
  string | null
>(
  'ssnewsItemPatch',
  `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local item = cjson.decode(raw)
local set = cjson.decode(ARGV[1])
local onlyIfMissing = {}
for _, f in ipairs(cjson.decode(ARGV[4])) do onlyIfMissing[f] = true end
for field, value in pairs(set) do
  if not (onlyIfMissing[field] and item[field] and item[field] ~= '') then item[field] = value end
end
for _, field in ipairs(cjson.decode(ARGV[2])) do item[field] = nil end
local encoded = cjson.encode(item)
redis.call('SET', KEYS[1], encoded)
if ARGV[3] ~= '' then redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), item.id) end
return encoded
`,
  (o) => ({
    keys: [o.item, o.byTime],
    args: [
      JSON.stringify(o.set),
      JSON.stringify(o.remove),
      o.set.publishedAt ? Date.parse(o.set.publishedAt) : '',
      JSON.stringify(o.onlyIfMissing),
    ],
  }),
);

/**
 * The stored news items (DESIGN.md "State"): one JSON document per canonical URL, indexed by
 * time and source. Every write is one atomic Lua script, so concurrent
 * workers and a job that runs twice after a stall cannot lose a source or an editor's choice.
 */
export class ItemStore extends KeyedStore {
  /**
   * Stores what sources carried, UPSERT_CHUNK items a round trip (each item atomic). Idempotent:
   * the same item from the same source twice changes nothing.
   */
  async upsertMany(inputs: ItemUpsert[]): Promise<UpsertResult[]> {
    const out: UpsertResult[] = [];
    for (let i = 0; i < inputs.length; i += UPSERT_CHUNK)
      out.push(...(await this.upsertChunk(inputs.slice(i, i + UPSERT_CHUNK))));
    return out;
  }

  private async upsertChunk(inputs: ItemUpsert[]): Promise<UpsertResult[]> {
    const sent = inputs.map(newItem);
    const items = sent.map((item) => ({
      key: this.k.item(item.id),
      sourceKey: this.k.itemsBySource(item.sourceIds[0]!),
      item,
    }));
    const results = await upsertItems(this.redis, { byTime: this.k.itemsByTime, items });
    return results.map((value, i) => upsertResult(value, sent[i]!));
  }

  async get(id: string): Promise<NewsItem | undefined> {
    const json = await this.redis.get(this.k.item(id));
    return json ? fromJson(json) : undefined;
  }

  /** In the order asked; ids with no item are left out. */
  async getMany(ids: string[]): Promise<NewsItem[]> {
    if (ids.length === 0) return [];
    const out: NewsItem[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const values = await this.redis.mget(ids.slice(i, i + 500).map((id) => this.k.item(id)));
      for (const v of values) if (v) out.push(fromJson(v));
    }
    return out;
  }

  /** Newest first, by publishedAt, filtered by the sector an item is filed under. */
  async list(query: ListQuery = {}): Promise<NewsItem[]> {
    const max = query.until ? String(query.until.getTime()) : '+inf';
    const min = query.since ? String(query.since.getTime()) : '-inf';
    // A week holds a few thousand items: filtering by sector here costs less than an index per sector.
    const page = query.sector ? 1000 : (query.limit ?? 0);
    const out: NewsItem[] = [];
    for (let offset = 0; ; offset += page) {
      const ids = page
        ? await this.redis.zrevrangebyscore(this.k.itemsByTime, max, min, 'LIMIT', offset, page)
        : await this.redis.zrevrangebyscore(this.k.itemsByTime, max, min);
      for (const item of await this.getMany(ids))
        if (!query.sector || sectorOf(item) === query.sector) out.push(item);
      if (!page || ids.length < page || (query.limit !== undefined && out.length >= query.limit)) break;
    }
    return query.limit !== undefined ? out.slice(0, query.limit) : out;
  }

  /** How many items have publishedAt in [since, until], the window `list` reads. */
  async count(query: { since: Date; until: Date }): Promise<number> {
    return this.redis.zcount(this.k.itemsByTime, query.since.getTime(), query.until.getTime());
  }

  /** How many items a source carried with publishedAt in [since, now]. */
  async countBySource(sourceId: string, since: Date): Promise<number> {
    return this.redis.zcount(this.k.itemsBySource(sourceId), since.getTime(), '+inf');
  }

  /** The editor's sector, over the classifier's. */
  async setEditorSector(id: string, sector: SectorId): Promise<NewsItem | undefined> {
    return this.patchRaw(id, { editorSector: sector });
  }

  /** The editor's relevance decision, over the classifier's. */
  async setEditorRelevant(id: string, relevant: boolean): Promise<NewsItem | undefined> {
    return this.patchRaw(id, { editorRelevant: relevant });
  }

  /**
   * Ingest-side changes (enrichment). `onlyIfMissing` fields are written only when the item
   * has none yet, decided inside the atomic script.
   */
  async patch(
    id: string,
    set: ItemPatch,
    options: { remove?: (keyof NewsItem)[]; onlyIfMissing?: (keyof NewsItem)[] } = {},
  ): Promise<NewsItem | undefined> {
    return this.patchRaw(id, set, options.remove ?? [], options.onlyIfMissing ?? []);
  }

  private async patchRaw(
    id: string,
    set: Partial<NewsItem>,
    remove: string[] = [],
    onlyIfMissing: string[] = [],
  ): Promise<NewsItem | undefined> {
    const json = await patchItem(this.redis, {
      item: this.k.item(id),
      byTime: this.k.itemsByTime,
      set,
      remove,
      onlyIfMissing,
    });
    return json ? fromJson(json) : undefined;
  }

  // ---- aliases: canonical URLs learnt from article pages --------------------------------

  async aliases(ids: string[]): Promise<(string | undefined)[]> {
    if (ids.length === 0) return [];
    const values = await this.redis.hmget(this.k.itemAliases, ...ids);
    return values.map((v) => v ?? undefined);
  }

  /** The item stored under this URL id, or under the id it is an alias of. */
  async getByUrlId(id: string): Promise<NewsItem | undefined> {
    const [alias] = await this.aliases([id]);
    return this.get(alias ?? id);
  }

  async addAlias(aliasId: string, itemId: string): Promise<void> {
    await this.redis.hsetnx(this.k.itemAliases, aliasId, itemId);
  }
}

/** The document a first sighting stores. */
function newItem(input: ItemUpsert): NewsItem {
  return {
    id: input.id,
    url: input.url,
    title: input.title,
    ...(input.summary ? { summary: input.summary } : {}),
    publishedAt: input.publishedAt,
    ...(input.dateFromFirstSeen ? { dateFromFirstSeen: true } : {}),
    firstSeenAt: input.seenAt,
    sourceIds: [input.sourceId],
    classification: input.classification,
  };
}

/** {1}: stored as we sent it; {0, json}: it existed, and this is what is stored now. */
function upsertResult(value: unknown, sent: NewsItem): UpsertResult {
  const [created, json] = value as [number, string?];
  return created === 1 ? { created: true, item: sent } : { created: false, item: fromJson(json!) };
}

function fromJson(json: string): NewsItem {
  const item = JSON.parse(json) as NewsItem;
  // Lua's cjson writes an empty array as {}; sourceIds is never empty, but be safe.
  if (!Array.isArray(item.sourceIds)) item.sourceIds = [];
  return item;
}
