import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import { enqueueFetch, openQueues, type IngestQueues } from '../../src/queue/queues.js';
import { SourceStateStore } from '../../src/store/sources.js';
import { launchChromium } from '../helpers/chromium.js';
import { bundledConfig } from '../helpers/digest.js';
import { useTestRedis } from '../helpers/redis.js';
import { browserLogin, startWebApp, type WebApp } from '../helpers/web.js';

const db = useTestRedis();
const prefix = 'admin-browser:';
const PASSWORD = 'correct horse battery';
const HOSTILE = '<img src=x onerror=alert(1)>';
const admin = { email: 'admin@example.org', password: PASSWORD, admin: true };

function adminConfig(): Config {
  const base = bundledConfig();
  const [first, ...rest] = base.sources;
  return { ...base, sources: [{ ...first!, id: 'hostile-name', name: HOSTILE }, ...rest] };
}
const config = adminConfig();
const failing = config.sources[5]!;

let web: WebApp;
let queues: IngestQueues;
let browser: Browser;
beforeAll(async () => {
  queues = openQueues({ options: db.server.connection, description: 'test' }, prefix);
  web = await startWebApp({ redis: db.client, prefix, config, editors: [admin], server: { queues } });
  await new SourceStateStore(db.client, prefix).recordFailure(failing.id, {
    at: new Date(),
    error: `parse: not a feed ${HOSTILE}`,
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await queues?.close();
});

/** A signed-in admin's page at `width`, recording console messages, page errors and dialogs. */
async function adminPage(width: number, next: string) {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await browserLogin(page, web.url, admin.email, admin.password, next);
  return { page, problems, close: () => context.close() };
}

const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe('administration in Chromium', () => {
  it('shows the sources readable at 375 px, failing first, and "Fetch now" works from the keyboard', async () => {
    const { page, problems, close } = await adminPage(375, '/admin/sources');
    expect(new URL(page.url()).pathname).toBe('/admin/sources');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    const rows = page.locator('tbody tr');
    await expect(rows.first().locator('strong').textContent()).resolves.toBe(failing.name);
    const hostile = page.locator('tbody strong', { hasText: HOSTILE });
    expect(await hostile.isVisible()).toBe(true);
    const buttons = page.getByRole('button', { name: 'Fetch now', exact: true });
    expect(await buttons.count()).toBe(config.sources.filter((s) => s.enabled).length);
    // Each row lays out inside the screen: a stacked block, not a table wider than the phone.
    const box = (await rows.first().boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(375);

    // Keyboard alone: Tab from the top reaches the first "Fetch now"; Enter sends it.
    await page.locator('body').focus();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const label = await page.evaluate(() => document.activeElement?.textContent ?? '');
      if (label === 'Fetch now') break;
    }
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Fetch now');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    await Promise.all([page.waitForURL(/queued=/), page.keyboard.press('Enter')]);
    await expect(page.getByRole('status').textContent()).resolves.toContain(
      `Fetch queued for ${failing.name}`,
    );
    const jobs = await queues.fetch.getJobs(['waiting']);
    expect(jobs.map((j) => j.data)).toEqual([{ sourceId: failing.id, reason: 'manual' }]);
    await queues.fetch.obliterate({ force: true });
    expect(problems).toEqual([]);
    await close();
  });

  it('renders the queue dashboard for an admin with no CSP or other console errors', async () => {
    await enqueueFetch(queues.fetch, ['hostile-name']);
    const { page, problems, close } = await adminPage(1200, '/admin/queues');
    expect(new URL(page.url()).pathname).toBe('/admin/queues');
    const csp = await page.evaluate(async () =>
      (await fetch(location.href)).headers.get('content-security-policy'),
    );
    expect(csp).toContain("script-src 'self'");
    // The board's own script draws both queues and the waiting job.
    await page.getByText('enrich', { exact: true }).first().waitFor();
    await page.goto(`${web.url}/admin/queues/queue/fetch?status=waiting`);
    await page
      .getByText(/manual\.hostile-name\./)
      .first()
      .waitFor();
    // Its state-changing requests pass the same-origin check as the browser sends them.
    const status = await page.evaluate(
      async () => (await fetch('api/queues/enrich/pause', { method: 'PUT' })).status,
    );
    expect(status).toBe(200);
    expect(await queues.enrich.isPaused()).toBe(true);
    await queues.enrich.resume();
    expect(problems).toEqual([]);
    await close();
    await queues.fetch.obliterate({ force: true });
  });
});
