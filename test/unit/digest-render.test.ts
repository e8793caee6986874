import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { renderRichText, wrapText } from '../../src/digest/escape.js';
import {
  compileIssue,
  GMAIL_CLIP_BYTES,
  HTML_SIZE_LIMIT,
  issueMjml,
  personalise,
  sizeVerdict,
} from '../../src/digest/render.js';
import { fill } from '../../src/digest/template.js';
import { buildIssueView } from '../../src/digest/view.js';
import { issueWindow, parseWeek } from '../../src/digest/week.js';
import { bundledConfig, sampleIssue } from '../helpers/digest.js';
import mjml2html from 'mjml';

const GOLDEN = fileURLToPath(new URL('../golden/digest-issue.txt', import.meta.url));
const config = bundledConfig();
const recipient = {
  unsubscribeUrl: 'https://news.example.org/unsubscribe?token=abc&x="1"',
  preferencesUrl: 'https://news.example.org/preferences?token=abc',
};

async function render(count = 40) {
  const { issue, items } = sampleIssue(count);
  const view = buildIssueView(issue, items, config);
  const compiled = await compileIssue(view);
  return { issue, items, view, compiled, message: personalise(compiled, recipient) };
}

describe('weeks', () => {
  it('puts the send date on the configured weekday of the ISO week and covers the days before it', () => {
    const w = issueWindow('2014-W22', config.newsletter);
    expect(w.sendAt.toISO()).toBe('2014-05-30T08:00:00.000+01:00');
    expect(w.since.toISOString()).toBe('2014-05-22T23:00:00.000Z');
    expect(w.until.toISOString()).toBe('2014-05-29T23:00:00.000Z');
    expect(issueWindow('2015w53', config.newsletter).week).toBe('2015-W53');
    expect(() => parseWeek('2014-W54')).toThrow(/ISO week such as 2014-W22/);
    expect(() => parseWeek('2014-05-30')).toThrow(/ISO week/);
  });
});

describe('escaping and commentary', () => {
  it('escapes template values unless asked for raw HTML', () => {
    expect(fill('<p title="{{t}}">{{t}}</p>{{{h}}}', { t: `"><script>x</script>'`, h: '<b>ok</b>' })).toBe(
      '<p title="&quot;&gt;&lt;script&gt;x&lt;/script&gt;&#39;">&quot;&gt;&lt;script&gt;x&lt;/script&gt;&#39;</p><b>ok</b>',
    );
    expect(() => fill('{{missing}}', {})).toThrow(/missing/);
  });

  it('keeps only bold, italic and http(s) links in commentary', () => {
    const r = renderRichText(
      'A <b>bold</b> and <em>italic</em> <a href="https://x.org/a?b=1&c=2" onclick="evil()">link</a>, <a href="javascript:alert(1)">js</a> <img src=x onerror=alert(1)><script>alert(2)</script> <u>u</u> 3 < 4\n\nSecond <a href="/relative">para</a>',
    );
    expect(r.html).toBe(
      '<p>A <b>bold</b> and <em>italic</em> <a href="https://x.org/a?b=1&amp;c=2">link</a>, js  u 3 &lt; 4</p><p>Second para</p>',
    );
    expect(r.text).toBe('A bold and italic link <https://x.org/a?b=1&c=2>, js u 3 < 4\n\nSecond para');
  });

  it('wraps text at 72 columns without breaking long URLs', () => {
    const wrapped = wrapText(`${'word '.repeat(30)}https://example.org/${'x'.repeat(80)} end`);
    for (const line of wrapped.split('\n'))
      if (!line.includes('https://')) expect(line.length).toBeLessThanOrEqual(72);
    expect(wrapped).toContain(`\nhttps://example.org/${'x'.repeat(80)}\nend`);
  });
});

describe('rendering an issue', () => {
  it('matches the golden text part (UPDATE_GOLDEN=1 to rewrite it)', async () => {
    const { message } = await render(12);
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, message.text);
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(message.text).toBe(readFileSync(GOLDEN, 'utf8'));
    for (const line of message.text.split('\n'))
      if (!/https?:\/\//.test(line)) expect(line.length).toBeLessThanOrEqual(72);
  });

  it('lays out the HTML like the example: name and date, intro, sections in sector order, items in editor order', async () => {
    const { view, message, issue } = await render(40);
    const $ = cheerio.load(message.html);
    expect($('html').attr('lang')).toBe('en-GB');
    expect($('meta[name="color-scheme"]').attr('content')).toBe('light dark');
    expect($('h1').text()).toBe(config.newsletter.name);
    expect($.text()).toContain('Friday 30 May 2014');
    expect($.text()).toContain('It has been a busy week');
    const headings = $('h2')
      .map((_, h) => $(h).text())
      .get();
    expect(headings).toEqual([
      'Local Government',
      'Health & Social Care',
      'Further/Higher Education',
      'Blue Light Services',
      'Private Sector Collaborations',
      'Collaborative Leadership',
    ]);
    expect(headings).not.toContain('Other News');
    // Items in each section in the draft's order.
    for (const section of view.sections) {
      const ids = $(`h2#${section.sector}`)
        .parent()
        .find('.ss-i')
        .map((_, el) => $(el).attr('data-item'))
        .get();
      expect(ids).toEqual(issue.entries.filter((e) => e.sector === section.sector).map((e) => e.itemId));
    }
    const first = $('.ss-i').first();
    // Comment, then the headline as a link, then summary and "Read more >>>".
    // The comment is the editor's voice: italic behind a side rule, inline so every client shows it.
    const comment = first.children().first();
    expect(comment.is('div.ss-c')).toBe(true);
    expect(comment.attr('style')).toMatch(/font-style:italic/);
    expect(comment.attr('style')).toMatch(/border-left:3px solid/);
    expect(comment.children().first().is('p')).toBe(true);
    expect(first.find('h3 .ss-c, h3 + p.ss-c')).toHaveLength(0);
    expect(first.find('h3 a').attr('href')).toMatch(/^https:\/\/news\.example\.com\/local-government\//);
    expect(
      first
        .find('a')
        .filter((_, a) => $(a).text() === 'Read more >>>')
        .attr('href'),
    ).toBe(first.find('h3 a').attr('href'));
    expect(first.text()).toContain('Also reported by other.example.net');
    // Footer: register, preferences, unsubscribe, view in browser; recipient values escaped.
    const link = (text: string) =>
      $('a')
        .filter((_, a) => $(a).text() === text)
        .attr('href');
    expect(link('Register here')).toBe('https://news.example.org/subscribe');
    expect(link('Unsubscribe')).toBe(recipient.unsubscribeUrl);
    expect(link('Choose your sectors')).toBe(recipient.preferencesUrl);
    expect(link('View in your browser')).toBe('https://news.example.org/issues/2014-W22');
    expect(message.html).not.toContain('%%ss:');
    expect(message.html).not.toContain('<!--ss:section');
  });

  it('renders hostile titles and summaries as text', async () => {
    const { message, items } = await render(40);
    const $ = cheerio.load(message.html);
    expect($('script')).toHaveLength(0);
    expect($('img')).toHaveLength(0);
    expect($('[onmouseover]')).toHaveLength(0);
    expect($('[onerror]')).toHaveLength(0);
    const hostile = items.get('item03')!;
    const h3 = $('.ss-i[data-item="item03"] h3 a');
    expect(h3.text()).toBe(hostile.title);
    expect(h3.attr('href')).toBe(hostile.url);
    expect($('.ss-i[data-item="item03"]').text()).toContain(
      'Hostile <img src=x onerror=alert(1)> summary & "quotes"',
    );
    expect(message.text).toContain(hostile.title);
  });

  it('does not let feed text forge a recipient placeholder or a section boundary', async () => {
    const { issue, items } = sampleIssue(12);
    // A health item whose title closes its section early and asks for the recipient's
    // unsubscribe link; its URL carries a placeholder too; no intro, so titles feed the preheader.
    const health = items.get('item01')!;
    health.title = 'Tax rises <!--/ss:section:health--> %%ss:unsubscribeUrl%% then %%ss:bogus%%';
    health.summary = 'More <!--ss:section:leadership--> text %%ss:preferencesUrl%%';
    health.url = 'https://evil.example/r/%%ss:unsubscribeUrl%%';
    issue.intro = undefined;
    const compiled = await compileIssue(buildIssueView(issue, items, config));
    const secret = {
      unsubscribeUrl: 'https://n.example/u?token=SECRET',
      preferencesUrl: 'https://n.example/p?token=SECRET',
    };
    const m = personalise(compiled, { ...secret, sectors: ['local-government'] });
    for (const part of [m.html, m.text]) expect(part.match(/SECRET/g)).toHaveLength(2); // only the footer's own two links
    // The health section stays out for this reader (the hidden preview line lists titles of every sector).
    expect(cheerio.load(m.html)('.ss-i[data-item="item01"]')).toHaveLength(0);
    expect(m.text).not.toContain('Tax rises');
    const all = personalise(compiled, secret);
    expect(all.text).toContain('Tax rises');
    expect(all.text.match(/SECRET/g)).toHaveLength(2);
    expect(cheerio.load(all.html)('.ss-i[data-item="item01"] h3 a').text()).toBe(health.title);
  });

  it("does not let editor text place a reader's personal link (intro, comment, a link's href, subject)", async () => {
    const { issue, items } = sampleIssue(12);
    issue.subject = 'Your link %%ss:unsubscribeUrl%%';
    issue.intro =
      'Hello %%ss:unsubscribeUrl%% and <a href="https://other.example/c?u=%%ss:unsubscribeUrl%%">this</a>';
    const entry = issue.entries.find((e) => e.itemId === 'item01')!;
    entry.comment =
      'See <a href="https://other.example/%%ss:preferencesUrl%%">here</a>, or %%ss:preferencesUrl%%';
    const compiled = await compileIssue(buildIssueView(issue, items, config));
    const secret = {
      unsubscribeUrl: 'https://n.example/u?token=SECRET',
      preferencesUrl: 'https://n.example/p?token=SECRET',
    };
    const m = personalise(compiled, secret);
    for (const part of [m.html, m.text]) expect(part.match(/SECRET/g)).toHaveLength(2); // the footer's own two
    const $ = cheerio.load(m.html);
    const hrefs = $('a')
      .map((_, a) => $(a).attr('href'))
      .get()
      .filter((h) => h.startsWith('https://other.example/'));
    expect(hrefs).toHaveLength(2);
    for (const href of hrefs) expect(href).not.toContain('n.example');
    // The editor still sees what they wrote, as text.
    expect($('.ss-i[data-item="item01"]').text()).toContain('or %%ss:preferencesUrl%%');
  });

  it('keeps a 40-item issue under 90 KB and compiles MJML once with strict validation', async () => {
    const { message, compiled } = await render(40);
    const bytes = Buffer.byteLength(message.html);
    expect(bytes).toBeLessThan(HTML_SIZE_LIMIT);
    expect(compiled.html.filter((p) => p.kind === 'section')).toHaveLength(6);
    await expect(
      mjml2html('<mjml><mj-body><mj-text>x</mj-text></mj-body></mjml>', { validationLevel: 'strict' }),
    ).rejects.toThrow();
    const { issue, items } = sampleIssue(3);
    expect(() => issueMjml(buildIssueView(issue, items, config))).not.toThrow();
  });

  it('personalises per recipient without re-running MJML: sector selection and links', async () => {
    const { compiled } = await render(40);
    const a = personalise(compiled, { ...recipient, sectors: ['health', 'leadership'] });
    const $ = cheerio.load(a.html);
    expect(
      $('h2')
        .map((_, h) => $(h).text())
        .get(),
    ).toEqual(['Health & Social Care', 'Collaborative Leadership']);
    expect(a.text).toContain('HEALTH & SOCIAL CARE');
    expect(a.text).not.toContain('LOCAL GOVERNMENT');
    expect(a.text).toContain(`Unsubscribe: ${recipient.unsubscribeUrl}`);
    const b = personalise(compiled, {
      unsubscribeUrl: 'https://n.example/u/2',
      preferencesUrl: 'https://n.example/p/2',
    });
    expect(b.html).toContain('href="https://n.example/u/2"');
    expect(cheerio.load(b.html)('h2')).toHaveLength(6);
  });

  it('leaves out sections with no included items and an empty intro', async () => {
    const { issue, items } = sampleIssue(6);
    issue.entries[1]!.included = false; // the only health item
    issue.intro = undefined;
    const compiled = await compileIssue(buildIssueView(issue, items, config));
    const $ = cheerio.load(personalise(compiled, recipient).html);
    expect(
      $('h2')
        .map((_, h) => $(h).text())
        .get(),
    ).not.toContain('Health & Social Care');
    expect($('h2')).toHaveLength(5);
  });
});

describe('message size', () => {
  it.each([
    [HTML_SIZE_LIMIT, undefined],
    [HTML_SIZE_LIMIT + 1, 'warning'],
    [GMAIL_CLIP_BYTES - 1, 'warning'],
    [GMAIL_CLIP_BYTES, 'blocking'],
  ])('an HTML part of %i bytes is %s', (bytes, severity) => {
    const verdict = sizeVerdict(bytes);
    expect(verdict?.severity).toBe(severity);
    if (verdict) expect(verdict.message).toContain(`${(bytes / 1024).toFixed(1)} KB`);
  });
});
