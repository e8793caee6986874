import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed tokens in subscribers' links: `<subscriber id>.<purpose>.<expiry, unix s>.<HMAC>`,
 * base64url throughout. The HMAC (SHA-256 under TOKEN_SECRET, cut to 128 bits) covers the
 * other three parts, so a token opens one door for one subscriber until it expires; nothing
 * is stored, and a changed secret voids every token.
 */
export const TOKEN_PURPOSES = ['unsubscribe', 'preferences', 'confirm'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/** How long a link works: unsubscribe links in old emails must keep working (a year); a confirmation link is for now. */
export const TOKEN_LIFETIME_S: Record<TokenPurpose, number> = {
  unsubscribe: 400 * 86_400,
  preferences: 400 * 86_400,
  confirm: 3 * 86_400,
};

const MAC_BYTES = 16;

export type TokenRefusal = 'malformed' | 'forged' | 'expired' | 'wrong-purpose';

function mac(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest().subarray(0, MAC_BYTES);
}

export function signToken(
  secret: string,
  subscriberId: string,
  purpose: TokenPurpose,
  now: Date = new Date(),
  lifetimeS: number = TOKEN_LIFETIME_S[purpose],
): string {
  if (!/^[\w-]+$/.test(subscriberId)) throw new Error(`not a subscriber id: "${subscriberId}"`);
  const body = `${subscriberId}.${purpose}.${Math.floor(now.getTime() / 1000) + lifetimeS}`;
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

/** The subscriber a token names, if it is ours, unexpired and for `purpose`; compared in constant time. */
export function verifyToken(
  secret: string,
  token: string,
  purpose: TokenPurpose,
  now: Date = new Date(),
): { ok: true; subscriberId: string } | { ok: false; reason: TokenRefusal } {
  const m = /^([\w-]{1,64})\.([a-z]{1,20})\.(\d{1,12})\.([\w-]{1,64})$/.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, id, tokenPurpose, expiry, signature] = m as unknown as [string, string, string, string, string];
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(secret, `${id}.${tokenPurpose}.${expiry}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'forged' };
  if (tokenPurpose !== purpose) return { ok: false, reason: 'wrong-purpose' };
  if (Number(expiry) * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, subscriberId: id };
}
