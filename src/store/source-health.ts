import type { Config } from '../config/load.js';
import type { ItemStore } from './items.js';
import type { SourceState, SourceStateStore } from './sources.js';

/** One source's health: what the workers recorded, beside the config. */
export interface SourceHealth extends SourceState {
  /** The configured name; the id for a source since removed from the config. */
  name: string;
  configured: 'enabled' | 'disabled' | 'removed';
  itemsLast7Days: number;
}

/**
 * Every configured source and every source with recorded state (removed ones included), in
 * id order: `ssnews sources status` and the admin's sources page both read this.
 */
export async function sourcesHealth(
  config: Config,
  stores: { sources: SourceStateStore; items: ItemStore },
  now = new Date(),
): Promise<SourceHealth[]> {
  const ids = [...new Set([...config.sources.map((s) => s.id), ...(await stores.sources.ids())])];
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
  return Promise.all(
    (await stores.sources.getMany(ids)).map(async (s) => {
      const source = config.sources.find((c) => c.id === s.id);
      return {
        ...s,
        name: source?.name ?? s.id,
        configured: source ? (source.enabled ? 'enabled' : 'disabled') : 'removed',
        itemsLast7Days: await stores.items.countBySource(s.id, weekAgo),
      } satisfies SourceHealth;
    }),
  );
}

/** A source the workers should be fetching that failed its last attempt. */
export const isFailing = (s: SourceHealth): boolean =>
  s.configured === 'enabled' && s.consecutiveFailures > 0;

/** Failing sources first, most consecutive failures first; the rest keep their order. */
export function failingFirst(rows: SourceHealth[]): SourceHealth[] {
  const failing = rows.filter(isFailing).sort((a, b) => b.consecutiveFailures - a.consecutiveFailures);
  return [...failing, ...rows.filter((r) => !isFailing(r))];
}
