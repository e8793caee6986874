import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { checkEmailLayout, launchChromium } from '../helpers/chromium.js';

/** The demo runs every step for real; on a busy 2-core machine under `npm test` that takes a while. */
const DEMO_TIMEOUT = 240_000;

// The README promises `npm run demo` shows the whole product working offline: keep it true.
describe('npm run demo', () => {
  it(
    'checks, fetches, classifies, drafts, renders and checks the demo issue, adds the demo editor, and with --no-serve exits 0; the issue lays out in Chromium',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ssnews-demo-'));
      const out = join(dir, 'out');
      const env: NodeJS.ProcessEnv = { ...process.env, SSNEWS_DATA_DIR: join(dir, 'data') };
      delete env.REDIS_URL; // the demo starts its own
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'demo/run.ts', '--out', out, '--no-serve'],
        {
          env,
          encoding: 'utf8',
          timeout: 240_000,
        },
      );
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
    },
    DEMO_TIMEOUT,
  );

  it(
    'serves the editor, the admin (Fetch now run by its fetch worker) and the archive with the printed login until Ctrl-C, which stops them, the site and its Redis',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ssnews-demo-serve-'));
      const env: NodeJS.ProcessEnv = { ...process.env, SSNEWS_DATA_DIR: join(dir, 'data') };
      delete env.REDIS_URL;
      // Its own process group, as a terminal's foreground job: Ctrl-C signals every process in it.
      const child = spawn(process.execPath, ['--import', 'tsx', 'demo/run.ts', '--out', join(dir, 'out')], {
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      try {
        // Serving once the server and the fetch worker say so (after the login is printed).
        while (!/ssnews serving/.test(stderr) || !/ssnews worker \(fetch\) running/.test(stderr)) {
          if (child.exitCode !== null) throw new Error(`the demo ended early:\n${stdout}\n${stderr}`);
          await new Promise((r) => setTimeout(r, 200));
        }
        const editorUrl = /The editor: (http:\/\/127\.0\.0\.1:\d+)\/editor/.exec(stdout)![1]!;
        const [, email, password] = /Log in as (\S+) with password (\S+)/.exec(stdout)!;
        const site = /Demo news site: (http:\/\/127\.0\.0\.1:(\d+))/.exec(stdout)!;
        const redisPort = Number(/Demo Redis: redis:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)![1]);

        // Sign in with the printed login through the form, then open the sources page.
        const form = await fetch(`${editorUrl}/login`);
        const cookies = form.headers.getSetCookie().map((c) => c.split(';')[0]!);
        const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
        const signIn = await fetch(`${editorUrl}/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies.join('; ') },
          body: new URLSearchParams({
            email: email!,
            password: password!,
            _csrf: csrf,
            next: '/admin/sources',
          }),
        });
        expect(signIn.status).toBe(303);
        const cookie = [...cookies, ...signIn.headers.getSetCookie().map((c) => c.split(';')[0]!)].join('; ');
        const sources = await fetch(`${editorUrl}/admin/sources`, { headers: { cookie } });
        expect(sources.status).toBe(200);
        const page = load(await sources.text());
        expect(page('tbody tr')).toHaveLength(11);

        // "Fetch now" queues a job that the demo's fetch worker runs.
        const fetchForm = page('tbody form').first();
        const queued = await fetch(`${editorUrl}${fetchForm.attr('action')}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
          body: new URLSearchParams({ _csrf: fetchForm.find('input[name=_csrf]').attr('value')! }),
        });
        expect(queued.status).toBe(303);
        const completed = async () => {
          const res = await fetch(
            `${editorUrl}/admin/queues/api/queues?activeQueue=fetch&status=completed&page=1`,
            { headers: { cookie, accept: 'application/json' } },
          );
          const body = (await res.json()) as {
            queues: { name: string; jobs: { returnValue: { sourceId?: string; outcome: string } }[] }[];
          };
          return body.queues.find((q) => q.name === 'fetch')!.jobs.map((j) => j.returnValue);
        };
        let runs: { sourceId?: string; outcome: string }[] = [];
        while (runs.length === 0) {
          await new Promise((r) => setTimeout(r, 200));
          runs = await completed();
        }
        // The demo site sends no validators, so the source is read and parsed again: nothing new.
        expect(runs).toEqual([
          expect.objectContaining({ sourceId: fetchForm.attr('action')!.split('/')[3], outcome: 'fetched' }),
        ]);
        // The editor opens the next issue's week.
        const week = await fetch(`${editorUrl}/editor`, { headers: { cookie } });
        expect(week.status).toBe(200);
        expect(new URL(week.url).pathname).toMatch(/^\/editor\/\d{4}-W\d{2}$/);
        expect((await fetch(`${editorUrl}/issues`)).status).toBe(200);

        process.kill(-child.pid!, 'SIGINT');
        expect(await exited).toBe(0);
        expect(stderr).not.toMatch(/^error:/m);
        for (const port of [new URL(editorUrl).port, site[2]!, redisPort])
          expect(await answers(Number(port)), `port ${port}`).toBe(false);
      } finally {
        if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
      }
    },
    DEMO_TIMEOUT,
  );
});

/** Whether anything accepts a connection on a loopback port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
