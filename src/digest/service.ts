import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import { canonicalUrl, itemId } from '../dedupe/canonical.js';
import { clusterStories } from '../dedupe/stories.js';
import { sectorOf, type NewsItem } from '../types/item.js';
import { IssueStore, IssueVersionConflict } from '../store/issues.js';
import { ItemStore } from '../store/items.js';
import { LabelStore } from '../store/labels.js';
import { labelItem } from '../classify/editor-label.js';
import { ingestForEditor, type IngestUrl } from './add-url.js';
import { checkIssue, type CheckResult } from './pre-send-checks.js';
import { planDraft, ranBefore, rankScore, type DraftPlan } from './draft.js';
import { applyOp, type EditOp } from './edit.js';
import { compileIssue, type CompiledIssue } from './render.js';
import { exportDraft, planImport } from './transfer.js';
import { ConflictError, EditError, IssueLockedError } from './errors.js';
import { STATUS_MOVES } from './issue-status.js';
import type { Issue, IssueStatus } from '../types/issue.js';
import { buildIssueView, type IssueView } from './view.js';
import { issueWindow, weekOf } from './week.js';

/** How many of the latest earlier issues' items a draft's stories are compared with. */
const RECENT_ISSUES = 4;

export interface DigestOptions {
  redis: Redis;
  prefix: string;
  config: Config;
  /** Who is editing (recorded on the issue and on classifier labels). */
  editor?: string;
  /** How an unknown URL is fetched through the ingest pipeline (addByUrl); without it, adding a new URL is refused. */
  ingestUrl?: IngestUrl;
  now?: () => Date;
}

export interface DraftResult extends Omit<DraftPlan, 'entries'> {
  issue: Issue;
  created: boolean;
  /** How many items are stored for the issue's window (0: nothing fetched for it yet). */
  storedInWindow: number;
}

/** An issue with the stored items it refers to. */
export interface LoadedIssue {
  issue: Issue;
  items: Map<string, NewsItem>;
}

/**
 * The digest: drafting, editing operations, rendering and checks. The CLI, the web editor
 * and the send worker all call these methods (DESIGN.md: one code path per action).
 * Every change names the version it was made against; a stale one raises ConflictError.
 */
export class Digest {
  readonly issues: IssueStore;
  readonly items: ItemStore;
  private readonly labels: LabelStore;
  private readonly sectorOrder;

  constructor(private readonly o: DigestOptions) {
    this.issues = new IssueStore(o.redis, o.prefix);
    this.items = new ItemStore(o.redis, o.prefix);
    this.labels = new LabelStore(o.redis, o.prefix);
    this.sectorOrder = o.config.sectors.map((s) => s.id);
  }

  get config(): Config {
    return this.o.config;
  }

  /** The week whose issue goes out next (this week's until its send time, then next week's). */
  nextWeek(): string {
    const now = this.o.now?.() ?? new Date();
    const thisWeek = weekOf(now);
    if (issueWindow(thisWeek, this.o.config.newsletter).sendAt.toMillis() > now.getTime()) return thisWeek;
    return weekOf(new Date(now.getTime() + 7 * 86_400_000));
  }

  /** Creates the week's draft from the items of its window, or refreshes it keeping every edit. */
  async draft(week: string): Promise<DraftResult> {
    const window = issueWindow(week, this.o.config.newsletter);
    const [windowItems, earlier] = await Promise.all([
      this.items.list({ since: window.since, until: window.until }),
      this.issues.before(window.week),
    ]);
    const ran = ranBefore(earlier);
    // Stories are found among the window's items and those of recent issues, so a story
    // that already ran is recognised when another outlet reports it again.
    const inWindow = new Set(windowItems.map((i) => i.id));
    const recent = await this.items.getMany(
      [...ranBefore(earlier.slice(-RECENT_ISSUES)).keys()].filter((id) => !inWindow.has(id)),
    );
    const storyOf = clusterStories([...windowItems, ...recent]);
    const existing = await this.issues.get(window.week);
    if (!existing) {
      const { entries, ...plan } = planDraft(undefined, windowItems, storyOf, ran, window, this.sectorOrder);
      const now = new Date().toISOString();
      try {
        const issue = await this.issues.create({
          week: window.week,
          status: 'draft',
          entries,
          createdAt: now,
          updatedAt: now,
          updatedBy: this.o.editor,
        });
        return { issue, created: true, ...plan, storedInWindow: windowItems.length };
      } catch (err) {
        // Someone created it meanwhile: refresh theirs instead.
        if (err instanceof IssueVersionConflict) return this.draft(week);
        throw err;
      }
    }
    let plan: DraftPlan | undefined;
    const issue = await this.change(window.week, existing.version, (issue) => {
      plan = planDraft(issue.entries, windowItems, storyOf, ran, window, this.sectorOrder);
      issue.entries = plan.entries;
    });
    return {
      issue,
      created: false,
      added: plan!.added,
      attached: plan!.attached,
      storedInWindow: windowItems.length,
    };
  }

  async get(week: string): Promise<Issue> {
    const issue = await this.issues.get(issueWindow(week, this.o.config.newsletter).week);
    if (!issue)
      throw new EditError(
        `there is no issue for ${week} yet: create it with \`ssnews digest draft --week ${week}\``,
      );
    return issue;
  }

  /** The issue and every item it refers to (entries and "also reported by"). */
  async load(week: string): Promise<LoadedIssue> {
    const issue = await this.get(week);
    return { issue, items: await this.itemsOf(issue) };
  }

  async itemsOf(issue: Issue): Promise<Map<string, NewsItem>> {
    const ids = issue.entries.flatMap((e) => [e.itemId, ...e.alsoIds]);
    return new Map((await this.items.getMany(ids)).map((i) => [i.id, i]));
  }

  /**
   * Applies editing operations in one atomic change against `version`. An item moved to
   * another sector is re-filed in the store and recorded as an editor label for the classifier.
   */
  async edit(week: string, version: number, ops: EditOp[]): Promise<Issue> {
    const before = await this.get(week);
    const issue = await this.change(before.week, version, (issue) => {
      for (const op of ops) applyOp(issue, op, this.sectorOrder);
    });
    const moved = ops.flatMap((op) =>
      op.op === 'move' && op.sector ? [{ itemId: op.itemId, sector: op.sector }] : [],
    );
    await this.fileMoves(issue, moved, before);
    return issue;
  }

  /** Moves an issue along its lifecycle (draft → scheduled/sending → sent | failed; STATUS_MOVES). */
  async setStatus(week: string, version: number, to: IssueStatus): Promise<Issue> {
    return this.change(
      week,
      version,
      (issue) => {
        if (!STATUS_MOVES[issue.status].includes(to)) throw new IssueLockedError(week, issue.status);
        issue.status = to;
        if (to === 'sent') issue.sentAt = new Date().toISOString();
      },
      { allowLocked: true },
    );
  }

  /**
   * One versioned change of an issue. Editing operations change only a draft (IssueLockedError
   * otherwise); a stale version is a ConflictError that tells the editor to reload.
   */
  private async change(
    week: string,
    version: number,
    change: (issue: Issue) => Issue | void,
    o: { allowLocked?: boolean } = {},
  ): Promise<Issue> {
    try {
      return await this.issues.update(
        week,
        version,
        (issue) => {
          if (!o.allowLocked && issue.status !== 'draft') throw new IssueLockedError(week, issue.status);
          return change(issue);
        },
        this.o.editor,
      );
    } catch (err) {
      if (err instanceof IssueVersionConflict) throw new ConflictError(err.week, err.expected, err.actual);
      throw err;
    }
  }

  /** Sector changes go to the item store and the classifier's training labels. */
  private async fileMoves(
    issue: Issue,
    moved: { itemId: string; sector: Issue['entries'][number]['sector'] }[],
    before: Issue,
  ): Promise<void> {
    for (const { itemId: id, sector } of moved) {
      const was = before.entries.find((e) => e.itemId === id)?.sector;
      const item = await this.items.get(id);
      if (!item || (was === sector && sectorOf(item) === sector)) continue;
      await labelItem({ items: this.items, labels: this.labels }, id, { sector }, this.o.editor ?? 'unknown');
      // The rest of the story cluster goes with it.
      for (const other of issue.entries.find((e) => e.itemId === id)?.alsoIds ?? [])
        await this.items.setEditorSector(other, sector);
    }
  }

  /** Adds an article by URL: the stored item if we have it, else fetched through the pipeline. */
  async addByUrl(
    week: string,
    version: number,
    url: string,
    position?: number,
  ): Promise<{ issue: Issue; item: NewsItem }> {
    const canonical = canonicalUrl(url);
    if (!canonical) throw new EditError(`not an http(s) URL: "${url}"`);
    let item = await this.items.getByUrlId(itemId(canonical));
    item ??= await ingestForEditor(this.o.ingestUrl, canonical);
    const window = issueWindow(week, this.o.config.newsletter);
    const entry = {
      itemId: item.id,
      sector: sectorOf(item),
      included: true,
      alsoIds: [],
      score: rankScore(item, item.sourceIds.length, window),
      origin: 'editor' as const,
    };
    const issue = await this.edit(week, version, [{ op: 'add', entry, position }]);
    return { issue, item };
  }

  /** The draft as an editable YAML file. */
  async export(week: string): Promise<string> {
    const { issue, items } = await this.load(week);
    return exportDraft(issue, items, this.o.config);
  }

  /** Applies an edited export in one atomic change against the version it was exported at. */
  async import(week: string, text: string): Promise<Issue> {
    const current = await this.get(week);
    const plan = planImport(text, current, this.sectorOrder);
    const issue = await this.change(current.week, plan.version, plan.apply);
    await this.fileMoves(issue, plan.moved, current);
    return issue;
  }

  /** Compiles the issue once (MJML + text); personalise the result per recipient. */
  async compile(week: string): Promise<{ loaded: LoadedIssue; view: IssueView; compiled: CompiledIssue }> {
    const loaded = await this.load(week);
    const view = buildIssueView(loaded.issue, loaded.items, this.o.config);
    return { loaded, view, compiled: await compileIssue(view) };
  }

  async check(week: string): Promise<CheckResult> {
    const { loaded, compiled } = await this.compile(week);
    return checkIssue(
      loaded.issue,
      loaded.items,
      compiled,
      this.o.config,
      ranBefore(await this.issues.before(loaded.issue.week)),
    );
  }
}
