import type { Redis } from 'ioredis';
import { STORY_WINDOW_MS, type StoryProfile } from '../dedupe/similarity.js';
import { keys, type Keys } from './keys.js';
import { LuaScript } from './lua.js';

/** What dedupe needs to know of one stored item. */
export interface StoryLogEntry {
  id: string;
  clusterId: string;
  sourceIds: string[];
  publishedMs: number;
  /**
   * Its story words, as dedupe compares them. Absent when only the sources, the date or the
   * cluster changed: the words logged before still hold (another outlet's copy of the same
   * URL may be poorer, a headline without the summary).
   */
  profile?: StoryProfile;
  /**
   * For a new item that started its own cluster: the last entry its cluster was chosen
   * against. Stories logged after that one and before this one were not compared with it.
   */
  chosenAsOf?: string;
  /** The entry's id in the log. */
  logId: string;
}

/** The words field of an entry whose text did not change. */
export const KEEP_WORDS = '-';

/**
 * A profile's words as text for the log: base64 of little-endian 32-bit numbers, the title
 * count, where the names start, then the words in the profile's order. Every process decodes
 * every entry, so the profile travels ready to use: no parsing of numbers, no sorting. The
 * item upsert script writes entries itself, with this string as given.
 */
export function encodeStoryWords(p: StoryProfile): string {
  const n = p.end - p.start;
  const buf = Buffer.allocUnsafe(4 * (n + 2));
  buf.writeUInt32LE(p.titleCount, 0);
  buf.writeUInt32LE(p.namesAt - p.start, 4);
  for (let i = 0; i < n; i++) buf.writeUInt32LE(p.words[p.start + i]!, 4 * (i + 2));
  return buf.toString('base64');
}

/** The profile, or undefined when the text is not one (damaged): a bad entry must not stop the log. */
function decodeStoryWords(field: string, publishedMs: number): StoryProfile | undefined {
  const buf = Buffer.from(field, 'base64');
  if (buf.length < 8 || buf.length % 4 !== 0) return undefined;
  const n = buf.length / 4 - 2;
  const words = new Uint32Array(n);
  for (let i = 0; i < n; i++) words[i] = buf.readUInt32LE(4 * (i + 2));
  const namesAt = Math.min(n, buf.readUInt32LE(4));
  return { words, start: 0, namesAt, end: n, titleCount: Math.min(namesAt, buf.readUInt32LE(0)), publishedMs };
}

/** How long entries are kept: twice dedupe's window, so an item published a window ago still finds its matches. */
export const STORY_LOG_KEEP_MS = 2 * STORY_WINDOW_MS;

/** The MINID an append trims the log to: entries older than STORY_LOG_KEEP_MS go. */
export function storyLogMinId(now = Date.now()): number {
  return now - STORY_LOG_KEEP_MS;
}

/**
 * The story log (a Redis stream): every item stored, or changed in what dedupe looks at,
 * appends an entry. Each ingest process replays it into an in-memory index, so finding
 * near-duplicates costs Redis one read per batch instead of a lookup per word.
 */
export class StoryLog {
  private readonly key: string;
  private readonly k: Keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = keys(prefix);
    this.key = this.k.storyLog;
  }

  /**
   * Entries after `cursor` (an entry id, exclusive), oldest first, the cursor to read on from,
   * and how many rows were read (entries passed over included: fewer than `count` is the end).
   */
  async readAfter(cursor: string, count = 2000): Promise<{ cursor: string; entries: StoryLogEntry[]; read: number }> {
    const rows = await this.redis.xrange(this.key, `(${cursor}`, '+', 'COUNT', count);
    const entries = rows.flatMap(([logId, fields]) => decodeEntry(logId, fields) ?? []);
    return { cursor: rows.length ? rows[rows.length - 1]![0] : cursor, entries, read: rows.length };
  }

  /**
   * For words changed outside the upsert script (an article page filling in a summary). The
   * cluster and sources are read where the entry is written: one read earlier could restate
   * a cluster the item has since moved out of.
   */
  async publish(id: string, profile: StoryProfile): Promise<void> {
    await PUBLISH.run(this.redis, 2, this.k.item(id), this.key, storyLogMinId(), profile.publishedMs, encodeStoryWords(profile));
  }
}

/** Whether log entry id `a` comes after `b` (ids are "ms-seq"). */
export function logIdAfter(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am > bm || (am === bm && as > bs);
}

// One field per entry, ENTRY_FIELD: id, cluster id, source ids (space-separated), published
// ms, story words and (for a new item starting its own cluster) the entry its cluster was
// chosen against, tab-separated. One string rather than six fields: every process reads
// every entry, and parsing the reply was a visible share of a worker's time.
export const ENTRY_FIELD = 'p';

/**
 * Lua for the scripts that write the log themselves (the item upsert, cluster moves, words
 * published): `log_entry(key, minId, id, cluster, sources, score, words, chosenAsOf)` appends
 * one entry as ENTRY_FIELD describes (`chosenAsOf` '' for none).
 */
export const LOG_ENTRY_LUA = `
local function log_entry(key, minId, id, cluster, sources, score, words, chosenAsOf)
  local entry = id .. '\t' .. cluster .. '\t' .. sources .. '\t' .. score .. '\t' .. words
  if chosenAsOf ~= '' then entry = entry .. '\t' .. chosenAsOf end
  redis.call('XADD', key, 'MINID', '~', minId, '*', '${ENTRY_FIELD}', entry)
end
`;

/**
 * Logs a stored item's new words, with its cluster and sources as stored at that moment.
 * KEYS: the item, the log. ARGV: the trim id, published ms, the words. Returns 1, or 0
 * when the item is gone.
 */
const PUBLISH = new LuaScript(`${LOG_ENTRY_LUA}
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local item = cjson.decode(raw)
log_entry(KEYS[2], ARGV[1], item.id, item.clusterId, table.concat(item.sourceIds, ' '), ARGV[2], ARGV[3], '')
return 1
`);

/** A cursor that replays what was logged since `ms`. */
export function storyLogCursorAt(ms: number): string {
  return `${Math.max(0, Math.floor(ms))}-0`;
}

/** An entry, or undefined for one in a format this version does not read, or damaged (it is passed over). */
function decodeEntry(logId: string, fields: string[]): StoryLogEntry | undefined {
  if (fields[0] !== ENTRY_FIELD) return undefined;
  const [id = '', clusterId = id, sources = '', published = '', words = '', chosenAsOf] = (fields[1] ?? '').split('\t');
  const publishedMs = Number(published);
  if (!id || !Number.isFinite(publishedMs)) return undefined;
  const entry: StoryLogEntry = { id, clusterId, sourceIds: sources ? sources.split(' ') : [], publishedMs, logId, ...(chosenAsOf ? { chosenAsOf } : {}) };
  if (words === KEEP_WORDS) return entry;
  const profile = decodeStoryWords(words, publishedMs);
  return profile && { ...entry, profile };
}
