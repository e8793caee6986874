import * as robotsNs from 'robots-parser';

interface Robot {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
}
// robots-parser is CommonJS behind an `export default` type (STACK.md pitfall 4).
const robotsParser = ((robotsNs as unknown as { default?: unknown }).default ?? robotsNs) as (url: string, text: string) => Robot;

/** The product token robots.txt groups are matched against. */
export const ROBOTS_AGENT = 'ssnews';

/**
 * Whether robots.txt lets us fetch `url`. `status` is how robots.txt itself answered:
 * 2xx → its rules apply; 4xx → no rules (allowed); 5xx or unreachable (0) → everything is
 * off limits for now (RFC 9309 §2.3.1.4). Pure.
 */
export function robotsVerdict(robots: { status: number; text: string }, url: string): { allowed: boolean; reason?: string; crawlDelayMs?: number; temporary?: boolean } {
  if (robots.status >= 400 && robots.status < 500) return { allowed: true };
  if (robots.status < 200 || robots.status >= 500) {
    return { allowed: false, temporary: true, reason: `robots.txt could not be read (${robots.status ? `HTTP ${robots.status}` : 'unreachable'}); trying later` };
  }
  const origin = new URL(url).origin;
  const robot = robotsParser(`${origin}/robots.txt`, robots.text);
  const delay = robot.getCrawlDelay(ROBOTS_AGENT);
  const allowed = robot.isAllowed(url, ROBOTS_AGENT) !== false;
  return {
    allowed,
    reason: allowed ? undefined : `robots.txt at ${origin} disallows ${new URL(url).pathname} for ${ROBOTS_AGENT}`,
    crawlDelayMs: delay !== undefined && Number.isFinite(delay) ? Math.min(delay, 60) * 1000 : undefined,
  };
}
