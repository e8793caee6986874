import type { Redis } from 'ioredis';
import { SECTOR_IDS, type SectorId } from '../config/schema.js';
import type { Classification } from '../classify/types.js';
import type { StoryProfile } from '../dedupe/similarity.js';
import { sectorOf, type NewsItem } from '../model.js';
import { keys, type Keys } from './keys.js';
import { LuaScript } from './lua.js';
import { encodeStoryWords, KEEP_WORDS, LOG_ENTRY_LUA, storyLogMinId } from './story-log.js';

/** What the ingest pipeline hands the store for one item seen in one source. */
export interface ItemUpsert extends Pick<NewsItem, 'id' | 'url' | 'title' | 'summary' | 'publishedAt' | 'dateFromFirstSeen'> {
  classification: Classification;
  /** The story cluster the dedupe stage proposes; an existing item keeps its own. */
  clusterId: string;
  sourceId: string;
  /** When the source carried it this time (becomes firstSeenAt for a new item). */
  seenAt: string;
  /** Its story words: given, the story log records the item when it is new or changes. */
  story?: StoryProfile;
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
export type ItemPatch = Partial<Pick<NewsItem, 'summary' | 'publishedAt' | 'dateFromFirstSeen' | 'enrichedAt' | 'url' | 'title' | 'classification'>>;

// Shared Lua: the sector an item is filed under (the editor's choice first), as sectorOf(),
// and the per-sector zsets kept in step with it.
const SECTORS = `
local function sector_of(item)
  if item.editorSector and item.editorSector ~= cjson.null then return item.editorSector end
  return item.classification.sector
end
-- sector id -> zset key: KEYS[first + j] is the zset of sector ARGV[sectorArg + j], j < count.
local function sector_zsets(first, sectorArg, count)
  local t = {}
  for j = 0, count - 1 do t[ARGV[sectorArg + j]] = KEYS[first + j] end
  return t
end
-- Files an item under newSector (when it has a score), and out of oldSector when that differs.
local function refile(zsets, id, oldSector, newSector, score)
  if oldSector and oldSector ~= newSector and zsets[oldSector] then redis.call('ZREM', zsets[oldSector], id) end
  if score and zsets[newSector] then redis.call('ZADD', zsets[newSector], score, id) end
end
`;

/**
 * Atomic upserts of a batch (each item atomic, the whole batch one call). KEYS: by-time, the
 * story log, the sector zsets, then per item: item, by-source. ARGV: the number of sectors, the sector ids (matching the sector KEYS), the story log's trim id, the
 * log entry the cluster proposals saw, then per item: JSON, sourceId, publishedAt ms, its
 * sector, its id, proposed cluster id, story words ('' for none). A new item is stored as
 * sent (no JSON decode); an existing one keeps its id, url, title, firstSeenAt, cluster and
 * editor fields, gains the source, and fills a missing summary or a real date. New items, and items that gained a source, a
 * summary or a date, are appended to the story log in the same step, so no crash can leave
 * a stored item unknown to dedupe. A new item that starts its own cluster is logged with the
 * entry its cluster was chosen against (the ARGV before the items; '' for none), so whoever
 * reads the log can compare it with the stories logged in between (StoryClusters). Returns
 * per item {1} when new, else {0, stored JSON}.
 */
const UPSERT_MANY = new LuaScript(`${SECTORS}${LOG_ENTRY_LUA}
local S = tonumber(ARGV[1])
local zsets = sector_zsets(3, 2, S)
local byTime, storyLog, minId, asOf = KEYS[1], KEYS[2], ARGV[S + 2], ARGV[S + 3]
local n = (#ARGV - 3 - S) / 7
local function log_story(id, cluster, sources, score, words, chosenAsOf)
  if words ~= '' then log_entry(storyLog, minId, id, cluster, sources, score, words, chosenAsOf) end
end
local out = {}
for i = 0, n - 1 do
  local kItem, kSource = KEYS[S + 3 + 2 * i], KEYS[S + 4 + 2 * i]
  local a = S + 4 + 7 * i
  local json, sourceId, score, sector, id, cluster, words = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6]
  -- Stored as sent when new (one command); otherwise merged into what is stored.
  if redis.call('SET', kItem, json, 'NX') then
    redis.call('ZADD', byTime, score, id)
    redis.call('ZADD', kSource, score, id)
    refile(zsets, id, nil, sector, score)
    log_story(id, cluster, sourceId, ARGV[a + 2], words, cluster == id and asOf or '')
    out[i + 1] = {1}
  else
    local incoming = cjson.decode(json)
    local item = cjson.decode(redis.call('GET', kItem))
    local oldSector = sector_of(item)
    local has = false
    for _, s in ipairs(item.sourceIds) do if s == sourceId then has = true end end
    if not has then table.insert(item.sourceIds, sourceId) end
    local retext, redated = false, false
    if incoming.summary and not item.summary then item.summary = incoming.summary; retext = true end
    if item.dateFromFirstSeen and not incoming.dateFromFirstSeen then
      item.publishedAt = incoming.publishedAt
      item.dateFromFirstSeen = nil
      redated = true
    else
      score = tonumber(redis.call('ZSCORE', byTime, id)) or score
    end
    if retext or item.classification.modelVersion ~= incoming.classification.modelVersion then
      item.classification = incoming.classification
    end
    local encoded = cjson.encode(item)
    redis.call('SET', kItem, encoded)
    redis.call('ZADD', byTime, score, id)
    redis.call('ZADD', kSource, score, id)
    refile(zsets, id, oldSector, sector_of(item), score)
    if not has or retext or redated then
      -- This copy's words only when its summary was taken; else the words logged before hold.
      log_story(id, item.clusterId, table.concat(item.sourceIds, ' '), string.format('%d', score), retext and words or '${KEEP_WORDS}', '')
    end
    out[i + 1] = {0, encoded}
  end
end
return out
`);

/**
 * Moves a new item into the cluster of the story it turned out to be the same as. KEYS: the
 * item, the other story's item, by-time, the story log. ARGV: the cluster the item must still
 * be in (else it is left alone: moved already, or by an editor), the other story's cluster as
 * logged (used when that item is gone), the log's trim id. The other item's cluster is read
 * here, so a move of that item made meanwhile is followed. Logged, so every process's index
 * learns the new cluster. Returns the item's JSON as it is now, or false when it is gone.
 */
const JOIN_CLUSTER = new LuaScript(`${LOG_ENTRY_LUA}
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local item = cjson.decode(raw)
if item.clusterId ~= ARGV[1] then return raw end
local other = redis.call('GET', KEYS[2])
local target = other and cjson.decode(other).clusterId or ARGV[2]
if target == item.clusterId then return raw end
item.clusterId = target
local encoded = cjson.encode(item)
redis.call('SET', KEYS[1], encoded)
local score = redis.call('ZSCORE', KEYS[3], item.id) or '0'
log_entry(KEYS[4], ARGV[3], item.id, target, table.concat(item.sourceIds, ' '), score, '${KEEP_WORDS}', '')
return encoded
`);

/**
 * Atomic patch. KEYS: item, by-time, sector zsets... ARGV: JSON of fields to set, JSON list
 * of fields to remove, new score or '', only-if-missing JSON list, sector ids... (ARGV[5..]
 * match KEYS[3..]). Returns the stored JSON, or false when the item does not exist.
 */
const PATCH = new LuaScript(`${SECTORS}
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local item = cjson.decode(raw)
local oldSector = sector_of(item)
local set = cjson.decode(ARGV[1])
local onlyIfMissing = {}
for _, f in ipairs(cjson.decode(ARGV[4])) do onlyIfMissing[f] = true end
for field, value in pairs(set) do
  if not (onlyIfMissing[field] and item[field] and item[field] ~= '') then item[field] = value end
end
for _, field in ipairs(cjson.decode(ARGV[2])) do item[field] = nil end
local encoded = cjson.encode(item)
redis.call('SET', KEYS[1], encoded)
local score = tonumber(ARGV[3]) or tonumber(redis.call('ZSCORE', KEYS[2], item.id))
if ARGV[3] ~= '' then redis.call('ZADD', KEYS[2], score, item.id) end
refile(sector_zsets(3, 5, #ARGV - 4), item.id, oldSector, sector_of(item), score)
return encoded
`);

/**
 * The stored news items (DESIGN.md "State"): one JSON document per canonical URL, indexed by
 * time, sector, source and story cluster. Every write is one atomic Lua script, so concurrent
 * workers and a job that runs twice after a stall cannot lose a source or an editor's choice.
 */
export class ItemStore {
  private readonly k: Keys;
  private readonly sectorKeys: string[];

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = keys(prefix);
    this.sectorKeys = SECTOR_IDS.map((s) => this.k.itemsBySector(s));
  }

  /** Idempotent: the same item from the same source twice changes nothing. */
  async upsert(input: ItemUpsert): Promise<UpsertResult> {
    const [result] = await this.upsertMany([input]);
    return result!;
  }

  /**
   * Many upserts in one round trip (still one atomic script each). `asOf`: the last story log
   * entry the proposed clusters were chosen against (StoryClusters.assign), logged with each
   * new item that starts its own cluster.
   */
  async upsertMany(inputs: ItemUpsert[], asOf = ''): Promise<UpsertResult[]> {
    if (inputs.length === 0) return [];
    const keyList: string[] = [this.k.itemsByTime, this.k.storyLog, ...this.sectorKeys];
    const args: (string | number)[] = [SECTOR_IDS.length, ...SECTOR_IDS, storyLogMinId(), asOf];
    const sent = inputs.map((input) => {
      const item = newItem(input);
      keyList.push(this.k.item(item.id), this.k.itemsBySource(input.sourceId));
      args.push(JSON.stringify(item), input.sourceId, Date.parse(item.publishedAt), sectorOf(item), item.id, item.clusterId, input.story ? encodeStoryWords(input.story) : '');
      return item;
    });
    const results = (await UPSERT_MANY.run(this.redis, keyList.length, ...keyList, ...args)) as unknown[];
    return results.map((value, i) => upsertResult(value, sent[i]!));
  }

  /**
   * Moves item `id` from cluster `from` into the cluster of item `sameAs` (that item's cluster
   * now; `sameAs.clusterId` when it is gone) when it is still in `from`; the item as it is now,
   * undefined when it is gone. Safe to ask again, and for several processes to ask at once.
   */
  async joinCluster(id: string, from: string, sameAs: { id: string; clusterId: string }): Promise<NewsItem | undefined> {
    const json = (await JOIN_CLUSTER.run(this.redis, 4, this.k.item(id), this.k.item(sameAs.id), this.k.itemsByTime, this.k.storyLog, from, sameAs.clusterId, storyLogMinId())) as string | null;
    return json ? fromJson(json) : undefined;
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
    const key = query.sector ? this.k.itemsBySector(query.sector) : this.k.itemsByTime;
    const ids = query.limit !== undefined
      ? await this.redis.zrevrangebyscore(key, max, min, 'LIMIT', 0, query.limit)
      : await this.redis.zrevrangebyscore(key, max, min);
    const items = await this.getMany(ids);
    return query.sector ? items.filter((i) => sectorOf(i) === query.sector) : items;
  }

  /** How many items a source carried with publishedAt in [since, now]. */
  async countBySource(sourceId: string, since: Date): Promise<number> {
    return this.redis.zcount(this.k.itemsBySource(sourceId), since.getTime(), '+inf');
  }

  async count(): Promise<number> {
    return this.redis.zcard(this.k.itemsByTime);
  }

  async setEditorSector(id: string, sector: SectorId | undefined): Promise<NewsItem | undefined> {
    return sector === undefined ? this.patchRaw(id, {}, ['editorSector']) : this.patchRaw(id, { editorSector: sector }, []);
  }

  async setEditorRelevant(id: string, relevant: boolean | undefined): Promise<NewsItem | undefined> {
    return relevant === undefined ? this.patchRaw(id, {}, ['editorRelevant']) : this.patchRaw(id, { editorRelevant: relevant }, []);
  }

  /**
   * Ingest-side changes (enrichment). `onlyIfMissing` fields are written only when the item
   * has none yet, decided inside the atomic script.
   */
  async patch(id: string, set: ItemPatch, options: { remove?: (keyof NewsItem)[]; onlyIfMissing?: (keyof NewsItem)[] } = {}): Promise<NewsItem | undefined> {
    return this.patchRaw(id, set, options.remove ?? [], options.onlyIfMissing ?? []);
  }

  private async patchRaw(id: string, set: Partial<NewsItem>, remove: string[], onlyIfMissing: string[] = []): Promise<NewsItem | undefined> {
    const keyList = [this.k.item(id), this.k.itemsByTime, ...this.sectorKeys];
    const score = set.publishedAt ? String(Date.parse(set.publishedAt)) : '';
    const json = (await PATCH.run(this.redis, keyList.length, ...keyList, JSON.stringify(set), JSON.stringify(remove), score, JSON.stringify(onlyIfMissing), ...SECTOR_IDS)) as string | null;
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
    clusterId: input.clusterId,
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
