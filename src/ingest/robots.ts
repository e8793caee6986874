import * as robotsNs from 'robots-parser';
import { FetchError } from './errors.js';
import type { FetchOptions, FetchResult } from './fetcher.js';

interface Robot {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
}
// robots-parser is CommonJS behind an `export default` type (STACK.md pitfall 4).
const robotsParser = ((robotsNs as unknown as { default?: unknown }).default ?? robotsNs) as (
  url: string,
  text: string,
) => Robot;

/** The product token robots.txt groups are matched against. */
export const ROBOTS_AGENT = 'ssnews';

/**
 * Whether robots.txt lets us fetch `url`. `status` is how robots.txt itself answered:
 * 2xx → its rules apply; 4xx → no rules (allowed); 5xx or unreachable (0) → everything is
 * off limits for now (RFC 9309 §2.3.1.4): a temporary refusal, whose reason says what
 * happened and not when it is tried again (that is the caller's to say: a one-off check
 * never is). Pure.
 */
export function robotsVerdict(
  robots: RobotsFile,
  url: string,
): { allowed: boolean; reason?: string; crawlDelayMs?: number; temporary?: boolean } {
  if (robots.status >= 400 && robots.status < 500) return { allowed: true };
  if (robots.status < 200 || robots.status >= 500) {
    return {
      allowed: false,
      temporary: true,
      reason: `robots.txt could not be read: ${robots.status ? `HTTP ${robots.status}` : (robots.error ?? 'no answer')}`,
    };
  }
  const origin = new URL(url).origin;
  const robot = robotsParser(`${origin}/robots.txt`, robots.text);
  const delay = robot.getCrawlDelay(ROBOTS_AGENT);
  const allowed = robot.isAllowed(url, ROBOTS_AGENT) !== false;
  return {
    allowed,
    reason: allowed
      ? undefined
      : `robots.txt at ${origin} disallows ${new URL(url).pathname} for ${ROBOTS_AGENT}`,
    crawlDelayMs: delay !== undefined && Number.isFinite(delay) ? Math.min(delay, 60) * 1000 : undefined,
  };
}

/** robots.txt as it answered: its status (0 when unreachable) and text. */
export interface RobotsFile {
  status: number;
  text: string;
  /** When it could not be had at all (status 0): what happened, e.g. "connection refused by …". */
  error?: string;
}

/**
 * Reads `origin`'s robots.txt through `get` (the caller's own fetch: paced, or not). A
 * robots.txt that cannot be had reads as its status; a blocked address is still an error.
 */
export async function readRobots(
  origin: string,
  get: (url: string, options: Partial<FetchOptions>) => Promise<FetchResult>,
): Promise<RobotsFile> {
  try {
    const res = await get(`${origin}/robots.txt`, {
      maxBytes: 512 * 1024,
      timeoutMs: 10_000,
      accept: 'text/plain, */*;q=0.5',
    });
    return { status: res.status, text: res.text };
  } catch (err) {
    if (!(err instanceof FetchError) || err.code === 'blocked-address') throw err;
    const status = err.details.status ?? 0;
    return status ? { status, text: '' } : { status, text: '', error: err.message };
  }
}

/** Throws robots-disallowed unless `robots` lets us fetch `url`; only a readable "no" is final. */
export function assertRobotsAllow(robots: RobotsFile, url: string): ReturnType<typeof robotsVerdict> {
  const verdict = robotsVerdict(robots, url);
  if (!verdict.allowed)
    throw new FetchError('robots-disallowed', verdict.reason!, { permanent: !verdict.temporary });
  return verdict;
}
