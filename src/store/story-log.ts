import type { Redis } from 'ioredis';
import { STORY_WINDOW_MS, type StoryTokens } from '../dedupe/similarity.js';
import { keys } from './keys.js';

/** What dedupe needs to know of one stored item. */
export interface StoryLogEntry {
  id: string;
  clusterId: string;
  sourceIds: string[];
  publishedMs: number;
  tokens: StoryTokens;
}

/**
 * Story words as text: title, body and names lists split by `|`, each a list of
 * base-36 word hashes split by spaces. The item upsert script writes entries itself.
 */
export function encodeStoryWords(t: StoryTokens): string {
  const list = (hashes: number[]) => hashes.map((h) => h.toString(36)).join(' ');
  return `${list(t.title)}|${list(t.body)}|${list(t.names)}`;
}

function decodeStoryWords(field: string): StoryTokens {
  const [title = '', body = '', names = ''] = field.split('|');
  const list = (s: string) => (s ? s.split(' ').map((h) => parseInt(h, 36)) : []);
  return { title: list(title), body: list(body), names: list(names) };
}

/** How long entries are kept: twice dedupe's window, so an item published a window ago still finds its matches. */
export const STORY_LOG_KEEP_MS = 2 * STORY_WINDOW_MS;

/**
 * The story log (a Redis stream): every item stored, or changed in what dedupe looks at,
 * appends an entry. Each ingest process replays it into an in-memory index, so finding
 * near-duplicates costs Redis one read per batch instead of a lookup per word.
 */
export class StoryLog {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = keys(prefix).storyLog;
  }

  /** Entries after `cursor` (an entry id, exclusive), oldest first, and the cursor to read on from. */
  async readAfter(cursor: string, count = 2000): Promise<{ cursor: string; entries: StoryLogEntry[] }> {
    const rows = await this.redis.xrange(this.key, `(${cursor}`, '+', 'COUNT', count);
    const entries = rows.map(([, fields]) => decodeEntry(fields));
    return { cursor: rows.length ? rows[rows.length - 1]![0] : cursor, entries };
  }

  /** For changes made outside the upsert script (an article page filling in a summary). */
  async append(entry: StoryLogEntry): Promise<void> {
    await this.redis.xadd(this.key, 'MINID', '~', Date.now() - STORY_LOG_KEEP_MS, '*', ...entryFields(entry));
  }
}

/** A cursor that replays what was logged since `ms`. */
export function storyLogCursorAt(ms: number): string {
  return `${Math.max(0, Math.floor(ms))}-0`;
}

// One field per entry, `s`: id, cluster id, source ids (space-separated), published ms and
// story words, tab-separated. One string rather than five fields: every process reads every
// entry, and parsing the reply was a visible share of a worker's time.
function entryFields(e: StoryLogEntry): string[] {
  return ['s', [e.id, e.clusterId, e.sourceIds.join(' '), e.publishedMs, encodeStoryWords(e.tokens)].join('\t')];
}

function decodeEntry(fields: string[]): StoryLogEntry {
  const [id = '', clusterId = id, sources = '', published = '', words = ''] = (fields[1] ?? '').split('\t');
  return { id, clusterId, sourceIds: sources ? sources.split(' ') : [], publishedMs: Number(published), tokens: decodeStoryWords(words) };
}
