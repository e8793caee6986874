import type { NewsletterConfig } from '../config/schema.js';

export const VERSION = '0.1.0';

/** Identifies us to publishers, with a way to reach the people running this newsletter. */
export function userAgent(newsletter: NewsletterConfig): string {
  return `ssnews/${VERSION} (+${newsletter.userAgentContact})`;
}
