import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SectorId } from '../../src/config/schema.js';
import { loadConfig, type Config } from '../../src/config/load.js';
import { Digest } from '../../src/digest/service.js';
import { issueWindow } from '../../src/digest/week.js';
import { makeItem, storeItem } from './digest.js';

export const TOKEN_SECRET = 'test-token-secret-0123456789abcdef0123456789';

/**
 * A config dir for sending tests: no sources, the bundled sectors, and the bundled
 * newsletter.yaml with its `send:` settings replaced (fast pace, short retries).
 */
export function sendConfigDir(send: Record<string, unknown> = {}): { dir: string; config: Config } {
  const dir = mkdtempSync(join(tmpdir(), 'ssnews-send-'));
  writeFileSync(join(dir, 'sources.yaml'), 'sources: []\n');
  const settings = {
    weekday: 'friday',
    time: '08:00',
    perSecond: 5000,
    perHour: 1_000_000,
    attempts: 3,
    retryDelayMs: 100,
    unsubscribeMailto: 'unsubscribe@example.org',
    ...send,
  };
  const bundled = readFileSync('config/newsletter.yaml', 'utf8').replace(
    /^send:\n(?:[ ].*\n|\n|#.*\n)*/m,
    '',
  );
  writeFileSync(
    join(dir, 'newsletter.yaml'),
    `${bundled}\nsend:\n${Object.entries(settings)
      .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
      .join('\n')}\n`,
  );
  return { dir, config: loadConfig(dir) };
}

/** Stores `perSector` items in each of `sectors` inside the week's window and makes a draft that passes every check. */
export async function readyIssue(
  digest: Digest,
  week: string,
  sectors: SectorId[],
  perSector = 2,
): Promise<void> {
  const since = issueWindow(week, digest.config.newsletter).since.getTime();
  for (const sector of sectors)
    for (let i = 0; i < perSector; i++) {
      const id = `${week.replace('-', '')}${sector}${i}`.replace(/[^a-zA-Z0-9]/g, '');
      await storeItem(
        digest.items,
        makeItem(id, sector, {
          title: `${sector} story ${i} of ${week}`,
          url: `https://news.example.com/${week}/${sector}/${i}`,
          publishedAt: new Date(since + 86_400_000 * (1 + i)).toISOString(),
        }),
      );
    }
  const { issue } = await digest.draft(week);
  await digest.edit(week, issue.version, [
    { op: 'subject', text: `Shared services news for ${week}` },
    {
      op: 'intro',
      text: 'Hi everyone,\n\nThe councils of the north have agreed to share a legal team. More below.',
    },
    ...issue.entries.map((e) => ({
      op: 'comment' as const,
      itemId: e.itemId,
      text: `Comment on ${e.itemId}`,
    })),
  ]);
}
