import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/env.js';
import { buildServer } from '../../src/web/server.js';
import { formatLogRecord } from '../../src/web/log-lines.js';
import { bundledConfig } from '../helpers/digest.js';
import { useTestRedis } from '../helpers/redis.js';

const db = useTestRedis();
const config = bundledConfig();

/** Serves one request with the given log format and returns the log lines written. */
async function logsOf(logFormat: 'json' | 'pretty'): Promise<string[]> {
  const written: string[] = [];
  const app = await buildServer({
    config,
    redis: db.client,
    prefix: 'web-logs:',
    logFormat,
    logSink: { write: (t: string) => written.push(t) },
  });
  try {
    expect((await app.inject('/issues')).statusCode).toBe(200);
  } finally {
    await app.close();
  }
  return written.join('').split('\n').filter(Boolean);
}

describe('server logs', () => {
  it('are readable lines, not JSON, when settings say a person is reading at a terminal', async () => {
    const lines = await logsOf('pretty');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(() => JSON.parse(line)).toThrow();
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}incoming request {2}GET \/issues {2}reqId=/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\d\d:\d\d:\d\d\.\d{3} INFO {2}request completed {2}→ 200 in \d+\.\d ms {2}reqId=/,
      ),
    );
  });

  it('stay JSON lines otherwise', async () => {
    const lines = await logsOf('json');
    expect(lines.map((l) => JSON.parse(l) as { msg: string })).toContainEqual(
      expect.objectContaining({ msg: 'request completed', res: { statusCode: 200 } }),
    );
  });

  it('are readable when stderr is a terminal, JSON when it is not, unless LOG_FORMAT says', () => {
    expect(loadSettings({}, { stderrIsTTY: true }).logFormat).toBe('pretty');
    expect(loadSettings({}, { stderrIsTTY: false }).logFormat).toBe('json');
    expect(loadSettings({ LOG_FORMAT: 'json' }, { stderrIsTTY: true }).logFormat).toBe('json');
    expect(loadSettings({ LOG_FORMAT: 'pretty' }, { stderrIsTTY: false }).logFormat).toBe('pretty');
    expect(() => loadSettings({ LOG_FORMAT: 'xml' }, { stderrIsTTY: false })).toThrow(/LOG_FORMAT/);
  });

  it('show an error with its stack under the line', () => {
    const line = formatLogRecord({
      level: 50,
      time: Date.now(),
      msg: 'render failed',
      issue: '2014-W22',
      err: { message: 'boom', stack: 'Error: boom\n    at render (render.ts:1:1)' },
    });
    expect(line).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} ERROR render failed {2}issue=2014-W22\n {4}Error: boom\n {8}at render/,
    );
  });
});
