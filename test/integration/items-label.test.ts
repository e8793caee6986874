import { describe, expect, it } from 'vitest';
import { LabelStore } from '../../src/store/labels.js';
import { runCli } from '../helpers/cli.js';
import { testIngestDeps } from '../helpers/ingest.js';
import { useTestRedis } from '../helpers/redis.js';

const redis = useTestRedis();
const prefix = 'label-test:';

describe('ssnews items label', () => {
  it("re-files an item and judges its relevance, storing the editor's decision as a training label", async () => {
    const d = testIngestDeps(redis.client, prefix);
    const title = 'Chief constables back business case for joint contact centre';
    const classification = { ...d.classifier.classify({ title }), sector: 'other' as const, relevant: false };
    await d.items.upsertMany([
      {
        id: 'cc1',
        url: 'https://example.org/cc1',
        title,
        publishedAt: new Date().toISOString(),
        classification,
        sourceId: 's',
        seenAt: new Date().toISOString(),
      },
    ]);
    const env = { REDIS_URL: redis.server.url, SSNEWS_KEY_PREFIX: prefix };

    const run = await runCli(
      ['items', 'label', 'cc1', '--sector', 'blue-light', '--relevant', 'yes', '--editor', 'ann'],
      env,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('filed under blue-light, relevant');
    expect(await d.items.get('cc1')).toMatchObject({ editorSector: 'blue-light', editorRelevant: true });
    expect(await d.items.list({ sector: 'blue-light' })).toHaveLength(1);
    expect(await new LabelStore(redis.client, prefix).list()).toEqual([
      expect.objectContaining({ itemId: 'cc1', title, sector: 'blue-light', relevant: true, editor: 'ann' }),
    ]);
  });

  it('exits 2 for an unknown item, a bad sector, or no decision at all', async () => {
    const env = { REDIS_URL: redis.server.url, SSNEWS_KEY_PREFIX: prefix };
    expect(await runCli(['items', 'label', 'nope', '--relevant', 'no'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no stored item with id nope'),
    });
    expect(await runCli(['items', 'label', 'cc1', '--sector', 'nhs'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--sector expects one of'),
    });
    expect(await runCli(['items', 'label', 'cc1'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--sector ID and/or --relevant'),
    });
  });
});
