import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import type { SourceHealth } from '../../src/store/source-health.js';
import { adminIndexPage, sourcesPage, type AdminPageContext } from '../../src/web/admin-pages.js';
import { bundledConfig } from '../helpers/digest.js';

const HOSTILE = '<img src=x onerror=alert(1)>';
const ctx = (queues = true): AdminPageContext => ({
  config: bundledConfig(),
  editor: { email: 'ann@example.org', name: 'Ann', admin: true, createdAt: '2026-12-01T00:00:00.000Z' },
  csrf: 'tok"en<',
  queues,
});
const health = (id: string, o: Partial<SourceHealth> = {}): SourceHealth => ({
  id,
  name: `Source ${id}`,
  configured: 'enabled',
  itemsLast7Days: 3,
  consecutiveFailures: 0,
  totalNew: 10,
  lastFetchAt: '2026-12-03T10:15:42.000Z',
  lastStatus: 200,
  ...o,
});
const ROWS = [
  health('alpha'),
  health('bravo', { consecutiveFailures: 2, lastStatus: 500, lastError: `http: 500 ${HOSTILE}` }),
  health('charlie', { name: HOSTILE }),
  health('delta', { consecutiveFailures: 5, lastError: 'timeout: no answer in 20 s' }),
  health('echo', { configured: 'disabled', consecutiveFailures: 1 }),
  health('foxtrot', { configured: 'removed' }),
];

describe('admin sources page', () => {
  it('lists failing sources first, most failures first, and the rest in their order', () => {
    const $ = load(sourcesPage(ctx(), ROWS));
    const ids = $('tbody tr')
      .map((_, tr) => $(tr).find('td').first().find('.muted').text())
      .get();
    expect(ids).toEqual(['delta', 'bravo', 'alpha', 'charlie', 'echo', 'foxtrot']);
    expect($('tbody tr.is-failing')).toHaveLength(2);
    expect($('main').text()).toContain('6 sources, 2 failing.');
  });

  it('shows a hostile source name and error as text', () => {
    const html = sourcesPage(ctx(), ROWS);
    expect(html).not.toContain('<img');
    const $ = load(html);
    expect($('img')).toHaveLength(0);
    expect($('tbody tr').filter((_, tr) => $(tr).find('strong').text() === HOSTILE)).toHaveLength(1);
    expect($('td.error').text()).toContain(`http: 500 ${HOSTILE}`);
  });

  it('offers "Fetch now" for enabled sources only, each a POST carrying the CSRF token', () => {
    const $ = load(sourcesPage(ctx(), ROWS));
    const forms = $('tbody form');
    expect(forms.map((_, f) => $(f).attr('action')).get()).toEqual([
      '/admin/sources/delta/fetch',
      '/admin/sources/bravo/fetch',
      '/admin/sources/alpha/fetch',
      '/admin/sources/charlie/fetch',
    ]);
    forms.each((_, f) => {
      expect($(f).attr('method')).toBe('post');
      expect($(f).find('input[name=_csrf]').attr('value')).toBe('tok"en<');
      expect($(f).find('button').text()).toBe('Fetch now');
    });
  });

  it('without queues offers no Fetch now and says how to fetch instead', () => {
    const $ = load(sourcesPage(ctx(false), ROWS));
    expect($('tbody form')).toHaveLength(0);
    expect($('main').text()).toContain('ssnews fetch');
    expect($('a[href="/admin/queues"]')).toHaveLength(0);
  });

  it('confirms a queued fetch by the source name, only for an enabled source', () => {
    const notice = (queued?: string) => load(sourcesPage(ctx(), ROWS, queued))('[role=status]').text();
    expect(notice('charlie')).toBe(
      `Fetch queued for ${HOSTILE}: a worker fetches it next; reload this page to see the result.`,
    );
    expect(notice('echo')).toBe('');
    expect(notice(HOSTILE)).toBe('');
    expect(notice()).toBe('');
  });
});

describe('admin index page', () => {
  it('links the sources and, with queues open, the dashboard; escapes the editor', () => {
    const page = adminIndexPage({
      ...ctx(),
      editor: { ...ctx().editor, name: HOSTILE },
    });
    const $ = load(page);
    expect($('main a[href="/admin/sources"]').text()).toBe('Sources');
    expect($('main a[href="/admin/queues"]').text()).toBe('Queues');
    expect($('img')).toHaveLength(0);
    expect($('form[action="/logout"] input[name=_csrf]').attr('value')).toBe('tok"en<');
  });
});
