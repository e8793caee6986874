import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The layer rule in eslint.config.js: a wrong import fails `npm test` (through `eslint .`). */
const eslint = new ESLint();
const problems = async (filePath: string, code: string) =>
  (await eslint.lintText(code, { filePath }))[0]!.messages
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);

describe('layers', () => {
  it.each([
    ['src/store/items.ts', "import '../digest/week.js';", /src\/store\/ may import only config, types/],
    ['src/store/items.ts', "import '../classify/types.js';", /src\/store\//],
    ['src/ingest/enrich.ts', "import '../worker/start.js';", /src\/ingest\//],
    ['src/digest/service.ts', "import '../cli/context.js';", /src\/digest\//],
    ['src/queue/names.ts', "import '../ingest/ingest-source.js';", /src\/queue\//],
    ['src/dedupe/stories.ts', "import { Redis } from 'ioredis';", /pure logic/],
    ['src/classify/classifier.ts', "import '../store/items.js';", /pure logic/],
    ['src/digest/draft.ts', "import { Queue } from 'bullmq';", /pure logic/],
    ['src/delivery/service.ts', "import '../worker/send.js';", /src\/delivery\//],
    ['src/delivery/service.ts', "import '../web/server.js';", /src\/delivery\//],
    ['src/digest/service.ts', "import '../delivery/service.js';", /src\/digest\//],
    ['src/delivery/tokens.ts', "import '../store/subscribers.js';", /pure logic/],
  ])('%s may not %s', async (file, code, message) => {
    expect(await problems(file, code)).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['src/digest/service.ts', "import '../store/items.js';"],
    ['src/worker/start.ts', "import '../ingest/ingest-source.js';"],
    ['src/dedupe/stories.ts', "import '../text/tokens.js';"],
    ['src/store/items.ts', "import '../types/item.js';"],
    ['src/delivery/start-send.ts', "import '../queue/send-queue.js';"],
    ['src/delivery/service.ts', "import '../digest/service.js';"],
    ['src/worker/send.ts', "import '../delivery/send-one.js';"],
    ['src/web/routes/unsubscribe.ts', "import '../../delivery/tokens.js';"],
  ])('%s may %s', async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});
