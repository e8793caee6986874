import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Digest } from '../../src/digest/service.js';
import { launchChromium } from '../helpers/chromium.js';
import { HOSTILE_TITLE, seedWeek, WEEK } from '../helpers/editor.js';
import { useTestRedis } from '../helpers/redis.js';
import { browserLogin, startWebApp, type WebApp } from '../helpers/web.js';

const db = useTestRedis();
const PASSWORD = 'correct horse battery';
const ED = { email: 'ed@example.org', password: PASSWORD };
let web: WebApp;
let browser: Browser;
let ids: string[];
/** Every dialog any page opens: an alert from feed text would land here. */
const dialogs: string[] = [];

beforeAll(async () => {
  web = await startWebApp({ redis: db.client, prefix: 'editor-browser:', editors: [ED] });
  ids = (await seedWeek(db.client, web.prefix, web.config, { count: 12, lowEvery: 2 })).map((i) => i.id);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
  expect(dialogs).toEqual([]);
});

const digest = () => new Digest({ redis: db.client, prefix: web.prefix, config: web.config });

async function signedIn(
  viewport = { width: 1000, height: 900 },
  javaScriptEnabled = true,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, javaScriptEnabled });
  const page = await context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await browserLogin(page, web.url, ED.email, PASSWORD, `/editor/${WEEK}`);
  return { context, page };
}

/** Opens the week page and waits until its script runs (it reports the save state). */
async function openWeek(page: Page): Promise<void> {
  await digest().draft(WEEK); // made by the first test; refreshing keeps every edit
  await page.goto(`${web.url}/editor/${WEEK}`);
  await page.locator('#save-state[data-kind="saved"]').waitFor();
}

const item = (page: Page, id: string) => page.locator(`#item-${id}`);

describe('the week page in Chromium', () => {
  it('drafts the week, includes three items, keeps a comment across a reload and shows it in the preview', async () => {
    const { context, page } = await signedIn();
    expect(new URL(page.url()).pathname).toBe(`/editor/${WEEK}`);
    await Promise.all([
      page.waitForURL((u) => u.pathname === `/editor/${WEEK}` && u.search.startsWith('?added=')),
      page.getByRole('button', { name: 'Draft this week' }).click(),
    ]);
    await page.locator('#save-state[data-kind="saved"]').waitFor();

    // The hostile title is text on the page, not markup.
    await expect(item(page, ids[0]!).locator('h3 a').textContent()).resolves.toBe(HOSTILE_TITLE);
    expect(await page.locator('img').count()).toBe(0);

    // The draft includes the 6 relevant items; include three of those judged not relevant.
    const chosen = [ids[1]!, ids[3]!, ids[5]!];
    for (const id of chosen) {
      await item(page, id).locator('xpath=ancestor::details').locator('summary').click();
      await item(page, id).getByRole('checkbox', { name: 'Include' }).check();
    }
    await page.locator('#save-state[data-kind="saved"]').waitFor();
    await expect
      .poll(async () => (await digest().get(WEEK)).entries.filter((e) => e.included).map((e) => e.itemId))
      .toEqual(expect.arrayContaining(chosen));
    // Included items move up into their section's included list.
    for (const id of chosen)
      expect(await page.locator(`[data-list="included"] > #item-${id}`).count()).toBe(1);
    await expect(page.locator('#included-count').textContent()).resolves.toBe('9');

    const box = item(page, ids[1]!).getByRole('textbox', { name: 'Commentary' });
    await box.fill('A comment worth keeping');
    await page.locator(`[data-state-for="comment:${ids[1]}"][data-kind="saved"]`).waitFor();
    await expect(page.locator(`[data-state-for="comment:${ids[1]}"]`).textContent()).resolves.toBe('Saved');

    await page.reload();
    await page.locator('#save-state[data-kind="saved"]').waitFor();
    await expect(item(page, ids[1]!).getByRole('textbox', { name: 'Commentary' }).inputValue()).resolves.toBe(
      'A comment worth keeping',
    );

    await Promise.all([
      page.waitForURL(`**/editor/${WEEK}/preview`),
      page.getByRole('link', { name: 'Preview' }).click(),
    ]);
    const frame = page.frameLocator('iframe.email');
    await frame.locator('body').waitFor();
    await expect(frame.locator('body').textContent()).resolves.toContain('A comment worth keeping');
    await expect(frame.locator('body').textContent()).resolves.toContain(HOSTILE_TITLE);
    expect(await frame.locator('img').count()).toBe(0);
    expect(await page.locator('iframe.email').getAttribute('sandbox')).toBe('');
    expect(dialogs).toEqual([]);
    await context.close();
  });

  it('gives every control its visible label as its accessible name', async () => {
    const { context, page } = await signedIn();
    await openWeek(page);
    const entries = (await digest().get(WEEK)).entries.length;
    // Open the folded "N more" lists: their controls count too.
    for (const summary of await page.locator('details.low > summary').all()) await summary.click();
    expect(await page.getByRole('textbox', { name: 'Subject', exact: true }).count()).toBe(1);
    expect(await page.getByRole('textbox', { name: 'Intro', exact: true }).count()).toBe(1);
    expect(await page.getByRole('textbox', { name: 'Commentary', exact: true }).count()).toBe(entries);
    expect(await page.getByRole('checkbox', { name: 'Include', exact: true }).count()).toBe(entries);
    expect(await page.getByRole('checkbox', { name: 'No comment', exact: true }).count()).toBe(entries);
    // "No comment" saves at once, like the Include box.
    const id = ids[2]!;
    await page.locator(`#item-${id}`).getByRole('checkbox', { name: 'No comment' }).check();
    await page.locator(`[data-state-for="comment:${id}"][data-kind="saved"]`).waitFor();
    expect((await digest().get(WEEK)).entries.find((e) => e.itemId === id)?.noComment).toBe(true);
    expect(await page.getByRole('button', { name: 'Save', exact: true }).count()).toBe(entries + 1);
    expect(await page.getByRole('link', { name: 'Preview', exact: true }).count()).toBe(1);
    await Promise.all([
      page.waitForURL('**/preview'),
      page.getByRole('link', { name: 'Preview', exact: true }).click(),
    ]);
    expect(await page.getByRole('button', { name: 'Send test', exact: true }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Send', exact: true }).count()).toBe(1);
    // Once the email has loaded in its frame, so the page no longer moves under the pointer.
    await page.frameLocator('iframe.email').locator('body').waitFor();
    const send = page.getByRole('button', { name: 'Send', exact: true });
    await send.scrollIntoViewIfNeeded();
    await send.click();
    const alert = page.locator('.flash[role="alert"]');
    await alert.waitFor();
    expect(new URL(page.url()).pathname).toBe(`/editor/${WEEK}/send`);
    await expect(alert.textContent()).resolves.toContain('Delivery is not set up yet');
    await context.close();
  });

  it('reorders by keyboard alone, keeping focus on the moved item', async () => {
    const { context, page } = await signedIn();
    await openWeek(page);
    const included = () =>
      page
        .locator('#sector-local-government [data-list="included"] > li')
        .evaluateAll((lis) => lis.map((li) => li.id));
    const [first, second] = (await included()).map((id) => id.slice('item-'.length));
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    // Tab from the item before it, then move it with the keyboard.
    await item(page, first!).focus();
    await page.keyboard.press('Alt+ArrowDown');
    await expect.poll(included).toEqual([`item-${second}`, `item-${first}`]);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`item-${first}`);
    await expect
      .poll(async () =>
        (await digest().get(WEEK)).entries
          .filter((e) => e.included && e.sector === 'local-government')
          .map((e) => e.itemId),
      )
      .toEqual([second, first]);
    // Its Up button, reached with Tab and pressed with Enter, moves it back.
    await item(page, first!).focus();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.textContent)) === 'Up') break;
    }
    await page.keyboard.press('Enter');
    await expect.poll(included).toEqual([`item-${first}`, `item-${second}`]);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Up');
    await context.close();
  });

  it("works without its script: the Include box and commentary save with the item's Save button", async () => {
    const { context, page } = await signedIn(undefined, false);
    await page.goto(`${web.url}/editor/${WEEK}`);
    const id = ids[8]!;
    const row = item(page, id);
    await row.getByRole('checkbox', { name: 'Include' }).uncheck();
    await row.getByRole('textbox', { name: 'Commentary' }).fill('Written with scripts off');
    await Promise.all([
      page.waitForURL((u) => u.hash === `#item-${id}`),
      row.getByRole('button', { name: 'Save' }).click(),
    ]);
    expect((await digest().get(WEEK)).entries.find((e) => e.itemId === id)).toMatchObject({
      included: false,
      comment: 'Written with scripts off',
    });
    await expect(item(page, id).getByRole('textbox', { name: 'Commentary' }).inputValue()).resolves.toBe(
      'Written with scripts off',
    );
    await context.close();
  });

  it('fits a 375 px screen without scrolling sideways, the week page and the preview', async () => {
    const { context, page } = await signedIn({ width: 375, height: 800 });
    for (const path of [`/editor/${WEEK}`, `/editor/${WEEK}/preview`, `/editor/${WEEK}/preview?v=text`]) {
      await page.goto(`${web.url}${path}`);
      const size = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      expect(size.scroll, path).toBeLessThanOrEqual(size.client);
    }
    await context.close();
  });
});
