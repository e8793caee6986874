/** One entry as a feed or page gives it, before normalising. */
export interface RawItem {
  /** Plain text: the parser has reduced any markup and decoded entities (once). */
  title: string;
  /** Absolute URL (relative links are resolved by the parser). */
  link: string;
  summary?: string;
  /** ISO 8601 UTC, when the source gave a usable date. */
  publishedAt?: string;
}

export interface ParseResult {
  items: RawItem[];
  /** Entries dropped for lack of a usable title or link. */
  skipped: number;
}
