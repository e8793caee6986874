/**
 * Why fetching or parsing a source failed. `permanent` errors (404, 410, blocked address,
 * robots disallow) are not worth retrying soon; the rest back off and try again.
 */
export type FetchErrorCode =
  | 'timeout'
  | 'too-large'
  | 'http-status'
  | 'too-many-redirects'
  | 'blocked-address'
  | 'robots-disallowed'
  | 'network'
  | 'not-a-feed'
  | 'parse'
  | 'no-items';

export class FetchError extends Error {
  override name = 'FetchError';
  constructor(
    readonly code: FetchErrorCode,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; permanent?: boolean } = {},
  ) {
    super(message);
  }
}
