import { randomBytes } from 'node:crypto';
import type { Config } from '../config/load.js';
import { renderTemplate } from '../digest/template.js';
import { wrapText } from '../digest/escape.js';
import { MINIFY } from '../digest/render.js';
import { bareAddress, type OutgoingMessage } from './message.js';

/** Who a sign-up email goes to: the address asked for, and the name given (hostile text). */
export interface SignupAddressee {
  email: string;
  name: string;
}

/** MJML → HTML (strict, minified as issues are). mjml does not escape: every value went through the template's `{{x}}`. */
async function mjmlHtml(mjml: string): Promise<string> {
  const { default: mjml2html } = await import('mjml');
  return (await mjml2html(mjml, { validationLevel: 'strict', minify: true, minifyOptions: MINIFY })).html;
}

function greeting(to: SignupAddressee): string {
  return to.name ? `Hello ${to.name},` : 'Hello,';
}

function envelope(config: Config, to: SignupAddressee, subject: string, html: string, text: string) {
  const from = bareAddress(config.newsletter.from);
  const domain = from.split('@')[1] ?? 'localhost';
  return {
    from: config.newsletter.from,
    to: to.name ? `"${to.name.replace(/["\\\r\n]/g, '')}" <${to.email}>` : to.email,
    ...(config.newsletter.replyTo ? { replyTo: config.newsletter.replyTo } : {}),
    subject,
    html,
    text,
    messageId: `<ssnews.signup.${randomBytes(12).toString('base64url')}@${domain}>`,
    date: new Date(),
    headers: { 'Auto-Submitted': 'auto-generated' },
    envelope: { from, to: to.email },
  } satisfies OutgoingMessage;
}

/** The double opt-in email: a link to the confirmation page (multipart: HTML from MJML, and text). */
export async function confirmationMessage(
  config: Config,
  to: SignupAddressee,
  o: { confirmUrl: string; sectorHeadings: string[]; days: number },
): Promise<OutgoingMessage> {
  const n = config.newsletter;
  const subject = `Confirm your subscription to ${n.name}`;
  const sectors = o.sectorHeadings.join(', ');
  const html = await mjmlHtml(
    renderTemplate('email/signup-confirm.mjml', {
      lang: n.language,
      subject,
      name: n.name,
      greeting: greeting(to),
      sectors,
      confirmUrl: o.confirmUrl,
      days: o.days,
    }),
  );
  const text = [
    greeting(to),
    '',
    wrapText(
      `Please confirm that you want to receive ${n.name} by email every week, with news from: ${sectors}.`,
    ),
    '',
    'Confirm my subscription (the page asks for one more click):',
    o.confirmUrl,
    '',
    wrapText(
      `The link works for ${o.days} days. If you did not ask for this, ignore this email: you will not be added to the list.`,
    ),
    '',
  ].join('\n');
  return envelope(config, to, subject, html, text);
}

/** To a confirmed subscriber who signed up again: nothing changed, and where their choices are. */
export async function alreadySubscribedMessage(
  config: Config,
  to: SignupAddressee,
  o: { preferencesUrl: string },
): Promise<OutgoingMessage> {
  const n = config.newsletter;
  const subject = `You are already subscribed to ${n.name}`;
  const html = await mjmlHtml(
    renderTemplate('email/signup-already.mjml', {
      lang: n.language,
      subject,
      name: n.name,
      greeting: greeting(to),
      preferencesUrl: o.preferencesUrl,
    }),
  );
  const text = [
    greeting(to),
    '',
    wrapText(
      `Someone, probably you, asked to sign up this address for ${n.name}. You are already subscribed, so nothing has changed and you will keep receiving it as before.`,
    ),
    '',
    'To change the sectors you receive, or to unsubscribe:',
    o.preferencesUrl,
    '',
  ].join('\n');
  return envelope(config, to, subject, html, text);
}
