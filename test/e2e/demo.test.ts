import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';

// The README promises `npm run demo` shows the whole product working offline: keep it true.
describe('npm run demo', () => {
  it('checks, fetches, classifies, drafts, renders and checks the demo issue, exiting 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssnews-demo-'));
    const out = join(dir, 'out');
    const env: NodeJS.ProcessEnv = { ...process.env, SSNEWS_DATA_DIR: join(dir, 'data') };
    delete env.REDIS_URL; // the demo starts its own
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'demo/run.ts', '--out', out], {
      env,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/11 of 11 sources healthy/);
    expect(run.stdout).toMatch(/11 of 11 sources fetched: \d+ items \(\d+ new\)/);
    expect(run.stdout).toMatch(/\(0 new\)/); // the second fetch adds nothing
    expect(run.stdout).toMatch(/0 blocking, \d+ warning\(s\): ready to send/);
    expect(run.stdout).toContain('Demo done.');

    const html = readFileSync(join(out, 'issue.html'), 'utf8');
    const $ = load(html);
    expect($('html').attr('lang')).toBe('en-GB');
    const text = $('body').text();
    for (const heading of ['Local Government', 'Health & Social Care', 'Further/Higher Education', 'Blue Light Services']) expect(text).toContain(heading);
    expect(text).toContain('A shared chief executive is the quickest way');
    expect($('script')).toHaveLength(0);
    expect(existsSync(join(out, 'issue.txt'))).toBe(true);
  });
});
