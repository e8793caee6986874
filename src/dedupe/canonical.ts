import { createHash } from 'node:crypto';

/** Query parameters that only track the reader; they never change what the page is. */
const TRACKING =
  /^(utm_[a-z_]*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|yclid|igshid|_hsenc|_hsmi|mkt_tok|oly_enc_id|oly_anon_id|vero_id|wt\.mc_id|ns_campaign|ns_mchannel|ns_source|ns_medium|ns_linkname|ns_fee|at_medium|at_campaign|cmpid|ito|rss)$/i;

/**
 * The canonical form of an article URL: tracking parameters and the fragment dropped, host
 * lower-cased (the URL parser does that), default ports removed, remaining parameters kept in
 * their order. Returns undefined for anything that is not an absolute http(s) URL.
 */
export function canonicalUrl(href: string): string | undefined {
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.hash = '';
  url.username = '';
  url.password = '';
  const kept = [...url.searchParams].filter(([name]) => !TRACKING.test(name));
  url.search = '';
  for (const [name, value] of kept) url.searchParams.append(name, value);
  // `new URL` already lower-cases the host and drops default ports.
  return url.href;
}

/** Stable item id: 20 hex digits of the SHA-1 of the canonical URL. */
export function itemId(canonical: string): string {
  return createHash('sha1').update(canonical).digest('hex').slice(0, 20);
}
