import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../../src/delivery/tokens.js';

const SECRET = 'a'.repeat(40);
const now = new Date('2026-12-01T10:00:00Z');

describe('subscriber link tokens', () => {
  it('verify what they sign: subscriber id and purpose, until expiry', () => {
    const token = signToken(SECRET, 'AbC_12-x', 'unsubscribe', now);
    expect(verifyToken(SECRET, token, 'unsubscribe', now)).toEqual({ ok: true, subscriberId: 'AbC_12-x' });
    const later = new Date(now.getTime() + 399 * 86_400_000);
    expect(verifyToken(SECRET, token, 'unsubscribe', later)).toEqual({ ok: true, subscriberId: 'AbC_12-x' });
  });

  it('refuse an expired token', () => {
    const token = signToken(SECRET, 'sub1', 'confirm', now);
    const after = new Date(now.getTime() + 3 * 86_400_000 + 1000);
    expect(verifyToken(SECRET, token, 'confirm', after)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse forged ones: another id, a later expiry, another secret, a made-up signature', () => {
    const token = signToken(SECRET, 'sub1', 'unsubscribe', now);
    const [id, purpose, expiry, mac] = token.split('.') as [string, string, string, string];
    const forged = [
      [`sub2`, purpose, expiry, mac],
      [id, purpose, String(Number(expiry) + 86_400), mac],
      [id, purpose, expiry, `${mac.slice(0, -2)}AA`],
    ].map((p) => p.join('.'));
    for (const f of forged)
      expect(verifyToken(SECRET, f, 'unsubscribe', now), f).toEqual({ ok: false, reason: 'forged' });
    expect(verifyToken('b'.repeat(40), token, 'unsubscribe', now)).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuse a token made for another purpose, and malformed text', () => {
    const preferences = signToken(SECRET, 'sub1', 'preferences', now);
    expect(verifyToken(SECRET, preferences, 'unsubscribe', now)).toEqual({
      ok: false,
      reason: 'wrong-purpose',
    });
    for (const bad of [
      '',
      'x',
      'a.b.c',
      `${preferences}.extra`,
      'sub1.unsubscribe.1e9.abc',
      '../../etc.x.1.y',
    ])
      expect(verifyToken(SECRET, bad, 'unsubscribe', now).ok, bad).toBe(false);
  });
});
