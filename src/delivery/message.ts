import type { Config } from '../config/load.js';
import type { SectorId } from '../config/schema.js';
import { personalise, type CompiledIssue } from '../digest/render.js';
import { publicUrl } from '../digest/view.js';
import { signToken } from './tokens.js';

/** Who a message is for: ids and choices only, read from the store when it is built. */
export interface MessageRecipient {
  id: string;
  email: string;
  name?: string;
  /** Empty: every sector. */
  sectors: readonly SectorId[];
}

/** A message as nodemailer's composer takes it. */
export interface OutgoingMessage {
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  date: Date;
  headers: Record<string, string>;
  /** The SMTP envelope: bounces go to the From address. */
  envelope: { from: string; to: string };
}

/** The address inside "Name <addr>" (or the text itself). */
export function bareAddress(from: string): string {
  return (/<([^<>@\s]+@[^<>@\s]+)>\s*$/.exec(from)?.[1] ?? from).trim();
}

/** The sectors whose sections the compiled issue has, in its order. */
export function issueSectors(compiled: CompiledIssue): SectorId[] {
  return [...new Set(compiled.html.flatMap((p) => (p.kind === 'section' ? [p.sector] : [])))];
}

/**
 * Whether a recipient gets any section of this issue. Someone whose chosen sectors are all empty
 * this week gets no message: an issue of only the intro and footer is noise, and every extra
 * message costs trust and reputation; the ledger records them skipped, with the reason.
 */
export function hasContentFor(compiled: CompiledIssue, sectors: readonly SectorId[]): boolean {
  return sectors.length === 0 || issueSectors(compiled).some((s) => sectors.includes(s));
}

export function listId(config: Config): string {
  return config.newsletter.send.listId ?? `weekly.${new URL(config.newsletter.baseUrl).hostname}`;
}

/** Message-ID of one issue to one subscriber: the same for every attempt, so a mail client shows any duplicate once. */
export function messageIdFor(config: Config, week: string, subscriberId: string): string {
  const domain = bareAddress(config.newsletter.from).split('@')[1] ?? 'localhost';
  return `<ssnews.${week}.${subscriberId}@${domain}>`;
}

/**
 * One recipient's message: the compiled issue personalised by joining strings (their sections,
 * their signed links), with the list headers of RFC 2369/2919/8058.
 */
export function buildMessage(o: {
  config: Config;
  compiled: CompiledIssue;
  recipient: MessageRecipient;
  tokenSecret: string;
  /** A test copy: "[TEST]" before the subject, every section. */
  test?: boolean;
  now?: Date;
}): OutgoingMessage {
  const { config, compiled, recipient } = o;
  const now = o.now ?? new Date();
  const link = (path: string, purpose: 'unsubscribe' | 'preferences') =>
    `${publicUrl(config, path)}?token=${signToken(o.tokenSecret, recipient.id, purpose, now)}`;
  const unsubscribeUrl = link('unsubscribe', 'unsubscribe');
  const parts = personalise(compiled, {
    unsubscribeUrl,
    preferencesUrl: link('preferences', 'preferences'),
    sectors: o.test || recipient.sectors.length === 0 ? undefined : recipient.sectors,
  });
  const mailto = config.newsletter.send.unsubscribeMailto;
  const from = bareAddress(config.newsletter.from);
  return {
    from: config.newsletter.from,
    to: recipient.name
      ? `"${recipient.name.replace(/["\\\r\n]/g, '')}" <${recipient.email}>`
      : recipient.email,
    ...(config.newsletter.replyTo ? { replyTo: config.newsletter.replyTo } : {}),
    subject: o.test ? `[TEST] ${compiled.subject}` : compiled.subject,
    html: parts.html,
    text: parts.text,
    messageId: messageIdFor(config, compiled.week, recipient.id),
    date: now,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>${mailto ? `, <mailto:${mailto}?subject=unsubscribe>` : ''}`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': `${config.newsletter.name.replace(/["\\\r\n]/g, '')} <${listId(config)}>`,
      'List-Archive': `<${publicUrl(config, 'issues')}>`,
      Precedence: 'bulk',
      'Auto-Submitted': 'auto-generated',
    },
    envelope: { from, to: recipient.email },
  };
}
