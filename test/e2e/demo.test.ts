import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { checkEmailLayout, launchChromium } from '../helpers/chromium.js';

// The README promises `npm run demo` shows the whole product working offline: keep it true.
describe('npm run demo', () => {
  it('checks, fetches, classifies, drafts, renders and checks the demo issue, adds the demo editor, and with --no-serve exits 0; the issue lays out in Chromium', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssnews-demo-'));
    const out = join(dir, 'out');
    const env: NodeJS.ProcessEnv = { ...process.env, SSNEWS_DATA_DIR: join(dir, 'data') };
    delete env.REDIS_URL; // the demo starts its own
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'demo/run.ts', '--out', out, '--no-serve'], {
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
    // The demo editor was added by `ssnews editors add`; --no-serve ends without serving.
    expect(run.stdout).toMatch(/added demo@example\.org \(Demo Editor\), admin/);
    expect(run.stdout).not.toContain('ssnews serve');

    const html = readFileSync(join(out, 'issue.html'), 'utf8');
    const $ = load(html);
    expect($('html').attr('lang')).toBe('en-GB');
    const text = $('body').text();
    for (const heading of [
      'Local Government',
      'Health & Social Care',
      'Further/Higher Education',
      'Blue Light Services',
    ])
      expect(text).toContain(heading);
    expect(text).toContain('A shared chief executive is the quickest way');
    expect($('script')).toHaveLength(0);
    expect(existsSync(join(out, 'issue.txt'))).toBe(true);

    // The demo issue itself, in real Chromium, at phone and email-client widths.
    const headings = $('h2')
      .map((_, h) => $(h).text())
      .get();
    expect(headings.length).toBeGreaterThanOrEqual(4);
    const browser = await launchChromium();
    try {
      for (const width of [375, 600])
        await checkEmailLayout(
          browser,
          pathToFileURL(join(out, 'issue.html')).href,
          headings,
          width,
          join(dir, `demo-${width}.png`),
        );
    } finally {
      await browser.close();
    }
  });
});
