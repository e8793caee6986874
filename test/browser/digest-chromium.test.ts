import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileIssue, personalise } from '../../src/digest/render.js';
import { buildIssueView } from '../../src/digest/view.js';
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
  const html = personalise(compiled, { unsubscribeUrl: 'https://news.example.org/unsubscribe?token=t', preferencesUrl: 'https://news.example.org/preferences?token=t' }).html;
  writeFileSync(join(dir, 'issue.html'), html);
  page = pathToFileURL(join(dir, 'issue.html')).href;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    // playwright gives every launch a fresh temporary profile (it refuses --user-data-dir here).
  });
});
afterAll(async () => {
  await browser?.close();
});

describe('the rendered issue in Chromium', () => {
  for (const width of [375, 600]) {
    it(`shows every section heading and nothing wider than a ${width}px viewport`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: false });
      const tab = await context.newPage();
      // No network: images, fonts and trackers would all be outside links; the email must not need them.
      await tab.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
      await tab.goto(page);
      for (const heading of headings) {
        const h2 = tab.locator('h2', { hasText: heading }).first();
        expect(await h2.isVisible(), heading).toBe(true);
        const box = await h2.boundingBox();
        expect(box!.width).toBeGreaterThan(50);
        expect(box!.x).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width).toBeLessThanOrEqual(width);
      }
      const overflow = await tab.evaluate(`(() => {
        const vw = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll('body *')]
          .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && (r.right > vw + 0.5 || r.left < -0.5); })
          .map((el) => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right));
        return { vw, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 5) };
      })()`) as { vw: number; scrollWidth: number; wide: string[] };
      expect(overflow.wide).toEqual([]);
      expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.vw);
      const shot = join(dir, `issue-${width}.png`);
      await tab.screenshot({ path: shot, fullPage: true });
      expect(await tab.locator('h1').textContent()).toContain('News Summary');
      await context.close();
      console.log(`screenshot: ${shot}`);
    });
  }

  it('stays readable in dark mode (text is light on a dark background)', async () => {
    const context = await browser.newContext({ viewport: { width: 600, height: 900 }, colorScheme: 'dark', javaScriptEnabled: false });
    const tab = await context.newPage();
    await tab.goto(page);
    const colours = await tab.evaluate(`(() => {
      const p = document.querySelector('.ss-i p');
      const section = p.closest('.ss-s');
      return { text: getComputedStyle(p).color, bg: getComputedStyle(section).backgroundColor };
    })()`) as { text: string; bg: string };
    const lum = (c: string) => { const [r, g, b] = c.match(/\d+/g)!.map(Number); return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!; };
    expect(lum(colours.text) - lum(colours.bg)).toBeGreaterThan(120);
    await tab.screenshot({ path: join(dir, 'issue-dark.png'), fullPage: false });
    await context.close();
  });
});
