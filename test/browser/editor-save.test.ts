import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Digest } from '../../src/digest/service.js';
import { launchChromium } from '../helpers/chromium.js';
import { seedWeek, WEEK } from '../helpers/editor.js';
import { useTestRedis } from '../helpers/redis.js';
import { browserLogin, startWebApp, type WebApp } from '../helpers/web.js';

const db = useTestRedis();
const PASSWORD = 'correct horse battery';
const ANN = { email: 'ann@example.org', password: PASSWORD };
const BOB = { email: 'bob@example.org', password: PASSWORD };
let web: WebApp;
let browser: Browser;
let ids: string[];
const dialogs: string[] = [];

beforeAll(async () => {
  web = await startWebApp({ redis: db.client, prefix: 'editor-save:', editors: [ANN, BOB] });
  ids = (await seedWeek(db.client, web.prefix, web.config, { count: 6 })).map((i) => i.id);
  await digest().draft(WEEK);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
  expect(dialogs).toEqual([]);
});

const digest = () => new Digest({ redis: db.client, prefix: web.prefix, config: web.config });
const commentOf = async (id: string) =>
  (await digest().get(WEEK)).entries.find((e) => e.itemId === id)?.comment;

async function openAs(who: {
  email: string;
  password: string;
}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await browserLogin(page, web.url, who.email, who.password, `/editor/${WEEK}`);
  await page.locator('#save-state[data-kind="saved"]').waitFor();
  return { context, page };
}

const commentary = (page: Page, id: string) =>
  page.locator(`#item-${id}`).getByRole('textbox', { name: 'Commentary' });
const fieldState = (page: Page, id: string) => page.locator(`[data-state-for="comment:${id}"]`);

describe('never losing text', () => {
  it('shows both texts when two editors write the same comment, and overwrites nothing until one is chosen', async () => {
    const id = ids[1]!;
    const ann = await openAs(ANN);
    const bob = await openAs(BOB);

    await commentary(ann.page, id).fill('Ann wrote this first');
    await fieldState(ann.page, id).and(ann.page.locator('[data-kind="saved"]')).waitFor();
    expect(await commentOf(id)).toBe('Ann wrote this first');

    // Bob's page still thinks the comment is empty.
    await commentary(bob.page, id).fill('Bob has a different view');
    const conflict = bob.page.locator(`#item-${id} .conflict`);
    await conflict.waitFor();
    await expect(conflict.locator('.theirs').textContent()).resolves.toBe('Ann wrote this first');
    await expect(conflict.locator('.yours').textContent()).resolves.toBe('Bob has a different view');
    await expect(commentary(bob.page, id).inputValue()).resolves.toBe('Bob has a different view');
    await expect(fieldState(bob.page, id).textContent()).resolves.toBe('Not saved: conflict');
    expect(await commentOf(id)).toBe('Ann wrote this first');

    // A field nobody else touched saves without asking, though the draft moved on again
    // (Ann's next change makes Bob's version stale: his save is retried on the new one).
    await commentary(ann.page, ids[5]!).fill('Ann again, elsewhere');
    await fieldState(ann.page, ids[5]!).and(ann.page.locator('[data-kind="saved"]')).waitFor();
    await bob.page.getByRole('textbox', { name: 'Subject', exact: true }).fill('Bob’s subject');
    await bob.page.locator('[data-state-for="subject"][data-kind="saved"]').waitFor();
    expect((await digest().get(WEEK)).subject).toBe('Bob’s subject');
    expect(await commentOf(id)).toBe('Ann wrote this first');

    await conflict.getByRole('button', { name: 'Keep mine' }).click();
    await fieldState(bob.page, id).and(bob.page.locator('[data-kind="saved"]')).waitFor();
    expect(await commentOf(id)).toBe('Bob has a different view');
    expect(await conflict.count()).toBe(0);
    await ann.context.close();
    await bob.context.close();
  });

  it('keeps text typed while the server is unreachable and saves it when it is back', async () => {
    const id = ids[2]!;
    const { context, page } = await openAs(ANN);
    await context.setOffline(true);
    await commentary(page, id).fill('Typed on a train');
    await fieldState(page, id).and(page.locator('[data-kind="error"]')).waitFor();
    await expect(fieldState(page, id).textContent()).resolves.toBe('Not saved: kept in this browser');
    await expect(page.locator('#save-state').textContent()).resolves.toMatch(
      /^Not saved: the server cannot be reached/,
    );
    expect(await commentOf(id)).toBeUndefined();
    const kept = await page.evaluate(
      (key) => localStorage.getItem(key),
      `ssnews:draft:${WEEK}:comment:${id}`,
    );
    expect(JSON.parse(kept!)).toMatchObject({ text: 'Typed on a train' });

    await context.setOffline(false);
    await fieldState(page, id).and(page.locator('[data-kind="saved"]')).waitFor();
    expect(await commentOf(id)).toBe('Typed on a train');
    expect(
      await page.evaluate((key) => localStorage.getItem(key), `ssnews:draft:${WEEK}:comment:${id}`),
    ).toBeNull();
    await context.close();
  });

  it('sends text kept in the browser when the page is opened again', async () => {
    const id = ids[3]!;
    const { context, page } = await openAs(ANN);
    // The server stops answering: requests fail as if it were down.
    await page.route('**/editor/api/**', (route) => route.abort('connectionrefused'));
    await commentary(page, id).fill('Written while the server was down');
    await fieldState(page, id).and(page.locator('[data-kind="error"]')).waitFor();
    await page.unroute('**/editor/api/**');
    // A new page in the same browser (a reload, or the next morning) picks it up and saves it.
    const again = await context.newPage();
    await page.close();
    await again.goto(`${web.url}/editor/${WEEK}`);
    await fieldState(again, id).and(again.locator('[data-kind="saved"]')).waitFor();
    await expect(commentary(again, id).inputValue()).resolves.toBe('Written while the server was down');
    expect(await commentOf(id)).toBe('Written while the server was down');
    await context.close();
  });
});
