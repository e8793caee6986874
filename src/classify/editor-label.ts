import type { SectorId } from '../config/schema.js';
import type { NewsItem } from '../types/item.js';
import type { ItemStore } from '../store/items.js';
import type { LabelStore } from '../store/labels.js';

export interface EditorDecision {
  sector?: SectorId;
  relevant?: boolean;
}

/**
 * An editor re-files an item or judges its relevance: the item takes the editor's word at
 * once, and the decision becomes a training label for the next retrain. The one path for
 * this, used by the digest's "move" and by `ssnews items label`.
 */
export async function labelItem(
  stores: { items: ItemStore; labels: LabelStore },
  itemId: string,
  decision: EditorDecision,
  editor: string,
): Promise<NewsItem | undefined> {
  const { items, labels } = stores;
  const item = await items.get(itemId);
  if (!item) return undefined;
  if (decision.sector) await items.setEditorSector(itemId, decision.sector);
  if (decision.relevant !== undefined) await items.setEditorRelevant(itemId, decision.relevant);
  await labels.record({ itemId, title: item.title, summary: item.summary, ...decision, editor });
  return items.get(itemId);
}
