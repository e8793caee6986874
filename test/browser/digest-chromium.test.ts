import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileIssue, personalise } from '../../src/digest/render.js';
import { buildIssueView } from '../../src/digest/view.js';
import { checkEmailLayout, launchChromium } from '../helpers/chromium.js';
import { bundledConfig, sampleIssue } from '../helpers/digest.js';

const dir = mkdtempSync(join(tmpdir(), 'ssnews-chromium-'));
let browser: Browser;
let page: string;
let headings: string[];

beforeAll(async () => {
  const config = bundledConfig();
  const { issue, items } = sampleIssue(40);
  const view = buildIssueView(issue, items, config);
  headings = view.sections.map((s) => s.heading);
  const compiled = await compileIssue(view);
  const html = personalise(compiled, {
    unsubscribeUrl: 'https://news.example.org/unsubscribe?token=t',
    preferencesUrl: 'https://news.example.org/preferences?token=t',
  }).html;
  writeFileSync(join(dir, 'issue.html'), html);
  page = pathToFileURL(join(dir, 'issue.html')).href;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the rendered issue in Chromium', () => {
  for (const width of [375, 600]) {
    it(`shows every section heading and nothing wider than a ${width}px viewport`, async () => {
      const shot = join(dir, `issue-${width}.png`);
      await checkEmailLayout(browser, page, headings, width, shot);
      console.log(`screenshot: ${shot}`);
    });
  }

  it('stays readable in dark mode (text is light on a dark background)', async () => {
    const context = await browser.newContext({
      viewport: { width: 600, height: 900 },
      colorScheme: 'dark',
      javaScriptEnabled: false,
    });
    const tab = await context.newPage();
    await tab.goto(page);
    const colours = (await tab.evaluate(`(() => {
      const p = document.querySelector('.ss-i p');
      const section = p.closest('.ss-s');
      return { text: getComputedStyle(p).color, bg: getComputedStyle(section).backgroundColor };
    })()`)) as { text: string; bg: string };
    const lum = (c: string) => {
      const [r, g, b] = c.match(/\d+/g)!.map(Number);
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    expect(lum(colours.text) - lum(colours.bg)).toBeGreaterThan(120);
    await tab.screenshot({ path: join(dir, 'issue-dark.png'), fullPage: false });
    await context.close();
  });
});
