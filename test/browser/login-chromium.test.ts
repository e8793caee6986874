import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { useTestRedis } from '../helpers/redis.js';
import { browserLogin, startWebApp, type WebApp } from '../helpers/web.js';

const db = useTestRedis();
const PASSWORD = 'correct horse battery';
let web: WebApp;
let browser: Browser;

beforeAll(async () => {
  web = await startWebApp({
    redis: db.client,
    prefix: 'login-browser:',
    editors: [{ email: 'ed@example.org', password: PASSWORD }],
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
});

describe('signing in with a browser', () => {
  it('goes from /editor to the sign-in form and back after signing in; /admin stays closed to an editor', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${web.url}/editor`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await browserLogin(page, web.url, 'ed@example.org', PASSWORD);
    // /editor opens the next issue's week.
    expect(new URL(page.url()).pathname).toMatch(/^\/editor\/\d{4}-W\d{2}$/);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'ssnews_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
    });
    const admin = await page.goto(`${web.url}/admin`);
    expect(admin?.status()).toBe(403);
    await context.close();
  });

  it('refuses the sixth wrong password in a minute with a message', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${web.url}/login`);
    const alert = page.getByRole('alert');
    for (let i = 1; i <= 6; i++) {
      await page.getByLabel('Email').fill('ed@example.org');
      await page.getByLabel('Password').fill(i === 6 ? PASSWORD : `wrong guess ${i}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForLoadState();
      if (i < 6) await expect(alert.textContent()).resolves.toContain('do not match');
    }
    await expect(alert.textContent()).resolves.toMatch(
      /Too many failed sign-ins for this account\. Wait \d+ seconds?/,
    );
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });
});
