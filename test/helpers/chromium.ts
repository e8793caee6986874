import { expect } from 'vitest';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, headless, with no background traffic (STACK.md pitfall 7). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
    // playwright gives every launch a fresh temporary profile (it refuses --user-data-dir here).
  });
}

/**
 * Opens an email page at `width` with scripts and network off, asserts every heading is
 * visible and inside the viewport and that nothing is wider than it, and saves a screenshot.
 */
export async function checkEmailLayout(
  browser: Browser,
  pageUrl: string,
  headings: string[],
  width: number,
  screenshot: string,
): Promise<void> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: false });
  const tab = await context.newPage();
  // No network: images, fonts and trackers would all be outside links; the email must not need them.
  await tab.route('**/*', (route) =>
    route.request().url().startsWith('file:') ? route.continue() : route.abort(),
  );
  await tab.goto(pageUrl);
  for (const heading of headings) {
    const h2 = tab.locator('h2', { hasText: heading }).first();
    expect(await h2.isVisible(), heading).toBe(true);
    const box = await h2.boundingBox();
    expect(box!.width).toBeGreaterThan(50);
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(width);
  }
  const overflow = (await tab.evaluate(`(() => {
    const vw = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && (r.right > vw + 0.5 || r.left < -0.5); })
      .map((el) => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right));
    return { vw, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 5) };
  })()`)) as { vw: number; scrollWidth: number; wide: string[] };
  expect(overflow.wide).toEqual([]);
  expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.vw);
  await tab.screenshot({ path: screenshot, fullPage: true });
  expect(await tab.locator('h1').textContent()).toContain('News Summary');
  await context.close();
}
