import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpMessenger, type Messenger } from '../../src/delivery/transport.js';
import { SubscriberStore } from '../../src/store/subscribers.js';
import { launchChromium } from '../helpers/chromium.js';
import { parseMail } from '../helpers/mime.js';
import { useTestRedis } from '../helpers/redis.js';
import { TOKEN_SECRET } from '../helpers/send.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startWebApp, type WebApp } from '../helpers/web.js';

const db = useTestRedis();
let web: WebApp;
let sink: SmtpSink;
let messenger: Messenger;
let browser: Browser;

beforeAll(async () => {
  sink = await startSmtpSink();
  messenger = smtpMessenger({ url: sink.url, maxConnections: 1 });
  web = await startWebApp({
    redis: db.client,
    prefix: 'signup-browser:',
    server: { tokenSecret: TOKEN_SECRET, messenger },
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
  messenger?.close();
  await sink?.close();
});

/** Nothing on the page is wider than the 375 px screen, and it does not scroll sideways. */
async function fitsScreen(page: Page) {
  const overflow = (await page.evaluate(`(() => {
    const vw = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && (r.right > vw + 0.5 || r.left < -0.5); })
      .map((el) => el.tagName + '.' + el.className);
    return { vw, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 5) };
  })()`)) as { vw: number; scrollWidth: number; wide: string[] };
  expect(overflow.wide).toEqual([]);
  expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.vw);
}

describe('sign-up in a browser at 375 px, without JavaScript', () => {
  it('subscribes through the form, the emailed link and its button, then changes sectors', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 800 },
      javaScriptEnabled: false,
    });
    const page = await context.newPage();
    await page.goto(`${web.url}/subscribe`);
    await fitsScreen(page);
    await page.getByLabel('Email address').fill('browser@example.org');
    await page.getByLabel('Your name').fill('Bea Browser');
    await page.getByLabel('Private Sector Collaborations').uncheck();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Check your inbox');
    await fitsScreen(page);

    while (!sink.received.some((m) => m.to.includes('browser@example.org')))
      await new Promise((r) => setTimeout(r, 20));
    const mail = parseMail(sink.received.find((m) => m.to.includes('browser@example.org'))!.raw);
    const text = mail.parts.find((p) => p.contentType === 'text/plain')!.body;
    const link = /http:\/\/localhost\/confirm\?token=[\w.-]+/.exec(text)![0];
    await page.goto(link.replace('http://localhost', web.url));
    await fitsScreen(page);
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('You are subscribed');
    const store = new SubscriberStore(db.client, web.prefix);
    const s = (await store.getByEmail('browser@example.org'))!;
    expect(s.status).toBe('confirmed');
    expect(s.sectors).not.toContain('private-sector');
    expect(s.sectors).toContain('health');

    await page.getByRole('link', { name: 'Change your sectors or unsubscribe' }).click();
    await fitsScreen(page);
    await page.getByLabel('Health & Social Care').uncheck();
    await page.getByRole('button', { name: 'Save my sectors' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved');
    expect((await store.get(s.id))!.sectors).not.toContain('health');
    await context.close();
  });
});
