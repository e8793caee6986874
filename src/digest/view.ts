import type { Config } from '../config/load.js';
import type { SectorId } from '../config/schema.js';
import type { NewsItem } from '../types/item.js';
import { renderRichText, type RichText } from './escape.js';
import type { Issue } from '../types/issue.js';
import { issueWindow, longDate, shortDate } from './week.js';
import { preheaderOf } from './preheader.js';

export interface AlsoView {
  source: string;
  url: string;
  title: string;
}

export interface ItemView {
  id: string;
  /** Feed text: escaped wherever it is output. */
  title: string;
  url: string;
  summary?: string;
  source: string;
  comment?: RichText;
  also: AlsoView[];
}

export interface SectionView {
  sector: SectorId;
  heading: string;
  items: ItemView[];
}

/** Everything an issue shows, as plain data: the HTML and text parts are both made from it. */
export interface IssueView {
  week: string;
  version: number;
  name: string;
  language: string;
  subject: string;
  /** "Friday 30 May 2014". */
  dateLine: string;
  /** "News from 23 May 2014 to 29 May 2014". */
  coverLine: string;
  /** Shown by mail clients beside the subject. */
  preheader: string;
  intro?: RichText;
  /** Non-empty sections in config order. */
  sections: SectionView[];
  footer: string;
  links: { register: string; viewInBrowser: string; archive: string };
}

/** Source id → display name; an item from an unknown source shows its host. */
export function sourceName(config: Config, item: NewsItem): string {
  const id = item.sourceIds[0];
  const source = config.sources.find((s) => s.id === id);
  if (source) return source.name;
  try {
    return new URL(item.url).hostname.replace(/^www\./, '');
  } catch {
    return id ?? 'unknown source';
  }
}

export function publicUrl(config: Config, path: string): string {
  return new URL(
    path,
    config.newsletter.baseUrl.endsWith('/') ? config.newsletter.baseUrl : `${config.newsletter.baseUrl}/`,
  ).href;
}

export function defaultSubject(config: Config, issue: Pick<Issue, 'week'>): string {
  return `${config.newsletter.name}: ${longDate(issueWindow(issue.week, config.newsletter).sendAt, config.newsletter.language)}`;
}

/**
 * Builds the view of an issue: included entries only, grouped into sections in config order
 * (empty sections left out), in the editor's order within each section.
 */
export function buildIssueView(issue: Issue, items: Map<string, NewsItem>, config: Config): IssueView {
  const window = issueWindow(issue.week, config.newsletter);
  const lang = config.newsletter.language;
  const sections: SectionView[] = [];
  for (const sector of config.sectors) {
    const views: ItemView[] = [];
    for (const entry of issue.entries) {
      if (!entry.included || entry.sector !== sector.id) continue;
      const item = items.get(entry.itemId);
      if (!item) continue;
      views.push({
        id: item.id,
        title: item.title,
        url: item.url,
        summary: item.summary || undefined,
        source: sourceName(config, item),
        comment: entry.comment?.trim() ? renderRichText(entry.comment) : undefined,
        also: entry.alsoIds.flatMap((id) => {
          const other = items.get(id);
          return other ? [{ source: sourceName(config, other), url: other.url, title: other.title }] : [];
        }),
      });
    }
    if (views.length) sections.push({ sector: sector.id, heading: sector.heading, items: views });
  }
  const lastDay = new Date(window.until.getTime() - 1);
  const intro = issue.intro?.trim() ? renderRichText(issue.intro) : undefined;
  const subject = issue.subject?.trim() || defaultSubject(config, issue);
  return {
    week: issue.week,
    version: issue.version,
    name: config.newsletter.name,
    language: lang,
    subject,
    dateLine: longDate(window.sendAt, lang),
    coverLine: `News from ${shortDate(window.since, lang)} to ${shortDate(lastDay, lang)}`,
    // The intro's first sentence after the greeting; without an intro, the first headlines.
    preheader: intro?.text.trim()
      ? preheaderOf(intro.text)
      : preheaderOf(sections.flatMap((s) => s.items.map((i) => i.title)).join(' · ')),
    intro,
    sections,
    footer: config.newsletter.footer,
    links: {
      register: publicUrl(config, 'subscribe'),
      viewInBrowser: publicUrl(config, `issues/${issue.week}`),
      archive: publicUrl(config, 'issues'),
    },
  };
}
