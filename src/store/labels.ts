import type { SectorId } from '../config/schema.js';
import { KeyedStore } from './keys.js';
import { luaScript } from './lua.js';

/**
 * Editors' labels for classifier training: one per item, the latest decision winning field
 * by field (moving an item to another sector and then marking it irrelevant gives one label
 * with both). `ssnews classify retrain` and the nightly job train on them.
 */
export interface EditorLabel {
  itemId: string;
  title: string;
  summary?: string;
  /** The sector the editor filed it under. */
  sector?: SectorId;
  /** The editor's relevance decision. */
  relevant?: boolean;
  editor?: string;
  /** ISO time of the latest change. */
  at: string;
}

export type LabelInput = Omit<EditorLabel, 'at'> & { at?: string };

/** Merges a label into the stored one inside Redis, so two editors acting at once cannot lose each other's field. Returns the stored JSON. */
const mergeLabel = luaScript<{ labels: string; itemId: string; label: EditorLabel }, string>(
  'ssnewsLabelMerge',
  `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local incoming = cjson.decode(ARGV[2])
local label = incoming
if raw then
  label = cjson.decode(raw)
  for k, v in pairs(incoming) do label[k] = v end
end
local encoded = cjson.encode(label)
redis.call('HSET', KEYS[1], ARGV[1], encoded)
return encoded
`,
  (o) => ({ keys: [o.labels], args: [o.itemId, JSON.stringify(o.label)] }),
);

/** The editors' labels: one Redis hash, item id -> label JSON. */
export class LabelStore extends KeyedStore {
  /** Stores (or updates) the editor's label for one item. Call it when an editor changes an item's sector or relevance. */
  async record(input: LabelInput): Promise<EditorLabel> {
    if (!input.itemId) throw new Error('LabelStore.record: itemId is required');
    if (input.sector === undefined && input.relevant === undefined)
      throw new Error('LabelStore.record: give a sector, a relevance decision or both');
    // An empty summary or editor is left out (JSON drops undefined), so it never blanks a stored one.
    const label: EditorLabel = {
      ...input,
      summary: input.summary || undefined,
      editor: input.editor || undefined,
      at: input.at ?? new Date().toISOString(),
    };
    const json = await mergeLabel(this.redis, { labels: this.k.labels, itemId: input.itemId, label });
    return JSON.parse(json) as EditorLabel;
  }

  /** Every label, oldest change first. */
  async list(): Promise<EditorLabel[]> {
    const all = await this.redis.hvals(this.k.labels);
    return all
      .map((j) => JSON.parse(j) as EditorLabel)
      .sort((a, b) => a.at.localeCompare(b.at) || a.itemId.localeCompare(b.itemId));
  }
}
