import { KeyedStore } from './keys.js';
import type { Issue } from '../types/issue.js';
import { luaScript } from './lua.js';

/**
 * Compare-and-set of one issue: writes only if the stored version is the one the change was
 * made against, and keeps the sent index in step, in one atomic step.
 * Returns -2 on success, -1 when the issue does not exist, else the current version.
 */
const compareAndSet = luaScript<
  { issue: string; sentIndex: string; expectedVersion: number; next: Issue },
  number
>(
  'ssnewsIssueCompareAndSet',
  `
local v = redis.call('HGET', KEYS[1], 'version')
if not v then return -1 end
if v ~= ARGV[1] then return tonumber(v) end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'json', ARGV[3])
if ARGV[4] == 'sent' then redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6]) else redis.call('ZREM', KEYS[2], ARGV[6]) end
return -2
`,
  ({ next, ...o }) => ({
    keys: [o.issue, o.sentIndex],
    args: [
      o.expectedVersion,
      next.version,
      JSON.stringify(next),
      next.status,
      weekScore(next.week),
      next.week,
    ],
  }),
);

/** Creates the issue only when none exists for the week. Returns 1 on success, 0 otherwise. */
const createIssue = luaScript<{ issue: string; index: string; stored: Issue }, number>(
  'ssnewsIssueCreate',
  `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'json', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
`,
  ({ stored, ...o }) => ({
    keys: [o.issue, o.index],
    args: [stored.version, JSON.stringify(stored), weekScore(stored.week), stored.week],
  }),
);

/**
 * A write made against a version that is no longer current: `actual` is the stored version
 * (undefined when there is no issue; `expected` 0 when creating one that exists). The digest
 * tells editors what to do about it (src/digest/types.ts ConflictError).
 */
export class IssueVersionConflict extends Error {
  override name = 'IssueVersionConflict';
  constructor(
    readonly week: string,
    readonly expected: number,
    readonly actual: number | undefined,
  ) {
    super(
      actual === undefined
        ? `issue ${week} does not exist`
        : `issue ${week} is at version ${actual}, not ${expected}`,
    );
  }
}

/** The sort score of an ISO week (`2014-W22` → 201422); the digest hands weeks over in that form. */
function weekScore(week: string): number {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) throw new Error(`not an ISO week such as 2014-W22: "${week}"`);
  return Number(m[1]) * 100 + Number(m[2]);
}

/** Drafts and issues: one Redis hash per ISO week, changed only by versioned compare-and-set. */
export class IssueStore extends KeyedStore {
  async get(week: string): Promise<Issue | undefined> {
    const json = await this.redis.hget(this.k.issue(week), 'json');
    return json ? (JSON.parse(json) as Issue) : undefined;
  }

  /** Stores a new issue at version 1; an IssueVersionConflict if the week already has one. */
  async create(issue: Omit<Issue, 'version'>): Promise<Issue> {
    const stored: Issue = { ...issue, version: 1 };
    const ok = await createIssue(this.redis, {
      issue: this.k.issue(issue.week),
      index: this.k.issues,
      stored,
    });
    if (ok !== 1) {
      const current = await this.get(issue.week);
      throw new IssueVersionConflict(issue.week, 0, current?.version);
    }
    return stored;
  }

  /**
   * Applies `change` to the issue as it was at `expectedVersion` (`change` may throw to write
   * nothing). If someone else changed it since, nothing is written and an IssueVersionConflict
   * says so: never a silent overwrite. `by` is recorded as `updatedBy`.
   */
  async update(
    week: string,
    expectedVersion: number,
    change: (issue: Issue) => Issue | void,
    by?: string,
  ): Promise<Issue> {
    const current = await this.get(week);
    if (!current) throw new IssueVersionConflict(week, expectedVersion, undefined);
    if (current.version !== expectedVersion)
      throw new IssueVersionConflict(week, expectedVersion, current.version);
    const draft = structuredClone(current);
    const next: Issue = { ...(change(draft) ?? draft) };
    next.week = week;
    next.version = expectedVersion + 1;
    next.updatedAt = new Date().toISOString();
    if (by) next.updatedBy = by;
    const result = await compareAndSet(this.redis, {
      issue: this.k.issue(week),
      sentIndex: this.k.issuesSent,
      expectedVersion,
      next,
    });
    if (result === -1) throw new IssueVersionConflict(week, expectedVersion, undefined);
    if (result !== -2) throw new IssueVersionConflict(week, expectedVersion, result);
    return next;
  }

  /** Sent issues, newest first. */
  async listSent(limit = 1000): Promise<Issue[]> {
    const weeks = await this.redis.zrevrange(this.k.issuesSent, 0, limit - 1);
    return (await this.getMany(weeks)).filter((i) => i.status === 'sent');
  }

  /** Issues of weeks before `week` (any status), oldest first. */
  async before(week: string): Promise<Issue[]> {
    const weeks = await this.redis.zrangebyscore(this.k.issues, '-inf', `(${weekScore(week)}`);
    return this.getMany(weeks);
  }

  async getMany(weeks: string[]): Promise<Issue[]> {
    if (weeks.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const w of weeks) pipeline.hget(this.k.issue(w), 'json');
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(([, json]) => (typeof json === 'string' ? [JSON.parse(json) as Issue] : []));
  }
}
