/** The longest a failing source waits between attempts: it is never abandoned. */
export const MAX_BACKOFF_MS = 24 * 3_600_000;
const FIRST_BACKOFF_MS = 5 * 60_000;

/**
 * When to try a failing source again: jittered exponential backoff from 5 min, doubling per
 * consecutive failure, capped at 24 h; a server's Retry-After (429/503) is honoured as given,
 * within the same cap.
 * `random` is injectable for tests. Pure.
 */
export function backoffDelay(
  failures: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.max(0, failures - 1));
  // "Equal jitter": between half and the whole step, so retries from many sources spread out.
  const jittered = Math.min(MAX_BACKOFF_MS, Math.round(exp / 2 + random() * (exp / 2)));
  if (retryAfterMs !== undefined) return Math.min(MAX_BACKOFF_MS, Math.max(retryAfterMs, 1000));
  return jittered;
}
