import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/load.js';
import type { SectorId } from '../../config/schema.js';
import { escapeHtml } from '../../digest/escape.js';
import { renderTemplate } from '../../digest/template.js';
import { publicUrl } from '../../digest/view.js';
import type { Signup } from '../../delivery/signup.js';
import { SubscriberError, subscriberEmail, type Subscriber } from '../../store/subscribers.js';

export interface SignupRouteOptions {
  config: Config;
  /** Absent without TOKEN_SECRET: the pages say sign-up is not available yet. */
  signup?: Signup;
}

/** A link to our own page, kept on the host the visitor is on. */
const sitePath = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

/** What the page says after every sign-up, whoever asked: it never tells whether an address is on the list. */
export const CHECK_INBOX =
  'Check your inbox: we have sent an email to the address you gave. If it does not arrive within a few minutes, look in your spam folder.';

/**
 * The public sign-up (double opt-in) and preferences pages. No session: the confirmation and
 * preferences links carry signed tokens, which are the authority for those POSTs; every POST
 * must also not come from another site (Sec-Fetch-Site, or an Origin other than ours). GETs
 * never change anything (mail scanners fetch every link). Register it as a plugin, before
 * sign-in, so its form parser (repeated `sectors` fields) stays inside it.
 */
export async function signupRoutes(app: FastifyInstance, o: SignupRouteOptions): Promise<void> {
  const { config, signup } = o;
  const n = config.newsletter;
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4096 },
    (_req, body, done) => done(null, new URLSearchParams(body as string)),
  );
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });

  const page = (reply: FastifyReply, status: number, title: string, body: string) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(
        renderTemplate('web/layout.html', {
          lang: n.language,
          title: `${title} · ${n.name}`,
          name: n.name,
          feedUrl: publicUrl(config, 'issues/feed.xml'),
          body,
        }),
      );
  const notice = (reply: FastifyReply, status: number, title: string, html: string) =>
    page(reply, status, title, renderTemplate('web/notice.html', { title, body: html }));
  const para = (text: string) => `<p>${escapeHtml(text)}</p>`;
  const unavailable = (reply: FastifyReply) =>
    notice(
      reply,
      503,
      'Sign-up is not available yet',
      para(`Sign-up for ${n.name} is not available yet. Please come back soon.`),
    );
  const badLink = (reply: FastifyReply, what: string) =>
    notice(
      reply,
      400,
      'This link does not work',
      `${para(`This ${what} link is not valid, has expired or has been used already.`)}<p><a href="/subscribe">Sign up again</a> to get a new one.</p>`,
    );
  const crossSite = (req: FastifyRequest) => {
    if (req.headers['sec-fetch-site'] === 'cross-site') return true;
    const origin = req.headers.origin;
    if (!origin || origin === 'null') return false;
    return origin !== `${req.protocol}://${req.host}` && origin !== new URL(n.baseUrl).origin;
  };
  const refuseCrossSite = (req: FastifyRequest, reply: FastifyReply) =>
    crossSite(req)
      ? notice(
          reply,
          403,
          'Not sent from this site',
          para('This form did not come from this site: open the page again and send it from there.'),
        )
      : undefined;

  const sectorBoxes = (chosen: readonly SectorId[]) =>
    config.sectors
      .map(
        (s) =>
          `<label><input type="checkbox" name="sectors" value="${escapeHtml(s.id)}"${chosen.length === 0 || chosen.includes(s.id) ? ' checked' : ''}>${escapeHtml(s.heading)}</label>`,
      )
      .join('\n');
  /** The chosen sectors: [] for every one (sectors added later included); undefined for none. */
  const chosenSectors = (form: URLSearchParams): SectorId[] | undefined => {
    const ids = new Set(form.getAll('sectors'));
    const chosen = config.sectors.filter((s) => ids.has(s.id)).map((s) => s.id);
    if (chosen.length === 0) return undefined;
    return chosen.length === config.sectors.length ? [] : chosen;
  };
  const formOf = (req: FastifyRequest) =>
    req.body instanceof URLSearchParams ? req.body : new URLSearchParams();

  const subscribePage = (
    reply: FastifyReply,
    status: number,
    v: { email?: string; name?: string; sectors?: SectorId[]; error?: string },
  ) =>
    page(
      reply,
      status,
      'Subscribe',
      renderTemplate('web/subscribe.html', {
        name: n.name,
        footer: n.footer,
        message: v.error ? `<p class="error" role="alert">${escapeHtml(v.error)}</p>` : '',
        email: v.email ?? '',
        nameValue: v.name ?? '',
        sectors: sectorBoxes(v.sectors ?? []),
      }),
    );

  app.get('/subscribe', async (_req, reply) =>
    signup?.canSignUp ? subscribePage(reply, 200, {}) : unavailable(reply),
  );

  app.post('/subscribe', async (req, reply) => {
    if (!signup?.canSignUp) return unavailable(reply);
    const refused = refuseCrossSite(req, reply);
    if (refused) return refused;
    const form = formOf(req);
    const rawEmail = (form.get('email') ?? '').slice(0, 300);
    // A name is a line of text: control characters (header injection) go, and it is kept short.
    const name = Array.from(form.get('name') ?? '', (c) => (c < ' ' || c === '\u007f' ? ' ' : c))
      .join('')
      .trim()
      .slice(0, 100);
    const sectors = chosenSectors(form);
    const again = { email: rawEmail, name, sectors: sectors ?? [] };
    let email: string;
    try {
      email = subscriberEmail(rawEmail);
    } catch (err) {
      if (!(err instanceof SubscriberError)) throw err;
      return subscribePage(reply, 400, {
        ...again,
        error: 'Enter an email address such as name@example.org.',
      });
    }
    if (!sectors)
      return subscribePage(reply, 400, {
        ...again,
        error: 'Choose at least one sector.',
      });
    try {
      const outcome = await signup.request({ email, name, sectors, client: req.ip });
      if (outcome.kind === 'limited') {
        const minutes = Math.max(1, Math.ceil(outcome.ms / 60_000));
        return notice(
          reply.header('retry-after', String(Math.ceil(outcome.ms / 1000))),
          429,
          'Too many sign-up requests',
          para(
            `Too many sign-up requests ${outcome.by === 'address' ? 'for this email address' : 'from your network'}. Please wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again; any email we have already sent you still works.`,
          ),
        );
      }
    } catch (err) {
      req.log.error({ err }, 'sign-up email not sent');
      return notice(
        reply,
        503,
        'Please try again',
        para('We could not send the email just now. Please try again in a few minutes.'),
      );
    }
    return notice(reply, 200, 'Check your inbox', para(CHECK_INBOX));
  });

  app.get<{ Querystring: { token?: string } }>('/confirm', async (req, reply) => {
    if (!signup) return unavailable(reply);
    const token = String(req.query.token ?? '');
    const found = await signup.pendingFor(token);
    if (!found.ok) return badLink(reply, 'confirmation');
    return page(
      reply,
      200,
      'Confirm your subscription',
      renderTemplate('web/confirm.html', {
        email: found.pending.email,
        name: n.name,
        sectors: signup.headings(found.pending.sectors).join(', '),
        token,
      }),
    );
  });

  app.post('/confirm', async (req, reply) => {
    if (!signup) return unavailable(reply);
    const refused = refuseCrossSite(req, reply);
    if (refused) return refused;
    const done = await signup.confirm(formOf(req).get('token') ?? '');
    if (!done.ok) return badLink(reply, 'confirmation');
    return notice(
      reply,
      200,
      'You are subscribed',
      `${para(`Thank you: ${n.name} will come to ${done.subscriber.email} every week.`)}<p><a href="${escapeHtml(sitePath(signup.preferencesUrl(done.subscriber.id)))}">Change your sectors or unsubscribe</a> at any time; every issue links there too.</p>`,
    );
  });

  const preferencesPage = (reply: FastifyReply, s: Subscriber, token: string, message = '', status = 200) =>
    page(
      reply,
      status,
      'Your preferences',
      renderTemplate('web/preferences.html', {
        name: n.name,
        message,
        email: s.email,
        token,
        sectors: sectorBoxes(s.sectors),
      }),
    );
  const notSubscribed = (reply: FastifyReply) =>
    notice(
      reply,
      200,
      'You are not subscribed',
      `${para(`This address receives no issues of ${n.name}.`)}<p><a href="/subscribe">Subscribe again</a></p>`,
    );

  app.get<{ Querystring: { token?: string } }>('/preferences', async (req, reply) => {
    if (!signup) return unavailable(reply);
    const token = String(req.query.token ?? '');
    const s = await signup.subscriberFor(token);
    if (!s) return badLink(reply, 'preferences');
    if (s.status !== 'confirmed' && s.status !== 'bouncing') return notSubscribed(reply);
    return preferencesPage(reply, s, token);
  });

  app.post('/preferences', async (req, reply) => {
    if (!signup) return unavailable(reply);
    const refused = refuseCrossSite(req, reply);
    if (refused) return refused;
    const form = formOf(req);
    const token = form.get('token') ?? '';
    const s = await signup.subscriberFor(token);
    if (!s) return badLink(reply, 'preferences');
    if (s.status !== 'confirmed' && s.status !== 'bouncing') return notSubscribed(reply);
    if (form.get('action') === 'unsubscribe') {
      await signup.subscribers.setStatus(s.id, 'unsubscribed');
      return notice(
        reply,
        200,
        'You are unsubscribed',
        `${para(`You will receive no more issues of ${n.name}.`)}<p><a href="/subscribe">Subscribe again</a> whenever you like.</p>`,
      );
    }
    const sectors = chosenSectors(form);
    if (!sectors)
      return preferencesPage(
        reply,
        s,
        token,
        '<p class="error" role="alert">Choose at least one sector, or unsubscribe.</p>',
        400,
      );
    await signup.subscribers.setSectors(s.id, sectors);
    return preferencesPage(
      reply,
      { ...s, sectors },
      token,
      '<p role="status">Saved: the next issue brings news from the sectors ticked below.</p>',
    );
  });
}
