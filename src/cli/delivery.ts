import type { Command } from 'commander';
import type { DeliveryOptions } from '../delivery/service.js';
import { UsageError } from '../errors.js';
import {
  EXIT,
  untilStopped,
  type CliContext,
  type ExitCode,
  type GlobalOptions,
  type Run,
} from './context.js';
import { countOption, millisOption } from './options.js';

interface WeekOptions extends GlobalOptions {
  week?: string;
}

/** `ssnews digest send|status`: sending an issue to the subscribers, and how far it got. */
export function registerDeliveryCommands(digest: Command, ctx: CliContext, run: Run): void {
  /** The Delivery front over one command connection; `extra` adds the send queue or a messenger. */
  const open = async (opts: WeekOptions, extra: Partial<DeliveryOptions> = {}) => {
    const { Delivery } = await import('../delivery/service.js');
    const { issueWindow } = await import('../digest/week.js');
    const config = await ctx.loadConfig();
    const delivery = new Delivery({
      redis: await ctx.redis(),
      prefix: ctx.settings.keyPrefix,
      config,
      tokenSecret: ctx.settings.tokenSecret,
      ...extra,
    });
    const week = issueWindow(opts.week ?? delivery.digest.nextWeek(), config.newsletter).week;
    return { delivery, week };
  };

  digest
    .command('send')
    .description(
      'send the issue to every confirmed subscriber (refused while a blocking check stands), or one [TEST] copy with --test',
    )
    .option('--week <week>', 'ISO week, e.g. 2014-W22 (default: the next issue)')
    .option(
      '--test <email>',
      'send one copy, subject marked [TEST], to this address; no subscriber, no ledger',
    )
    .option('--json', 'print one JSON document')
    .action((opts: WeekOptions & { test?: string }) =>
      run(async (): Promise<ExitCode> => {
        const to = opts.test === undefined ? undefined : await testAddress(opts.test);
        if (!ctx.settings.tokenSecret)
          throw new UsageError('TOKEN_SECRET is not set: it signs the unsubscribe links in every email');
        if (to) {
          if (!ctx.settings.smtpUrl)
            throw new UsageError('SMTP_URL is not set: a test copy needs a mail server');
          const { smtpMessenger } = await import('../delivery/transport.js');
          const messenger = smtpMessenger({
            url: ctx.settings.smtpUrl,
            dkim: ctx.settings.dkim,
            maxConnections: 1,
          });
          try {
            const { delivery, week } = await open(opts, { messenger });
            const sent = await delivery.sendTest(week, to);
            if (opts.json) ctx.json({ week, test: to, ...sent });
            else ctx.out(`sent a test copy of ${week} to ${to}: ${sent.reply}`);
          } finally {
            messenger.close();
          }
          return EXIT.ok;
        }
        const { openSendQueue } = await import('../queue/send-queue.js');
        const sendQueue = openSendQueue(await ctx.redisTarget(), ctx.settings.keyPrefix);
        try {
          const { delivery, week } = await open(opts, { queue: sendQueue.queue });
          const started = await delivery.send(week);
          if (opts.json) ctx.json(started);
          else if (started.alreadySent) ctx.out(`${week} was sent already: nothing queued`);
          else
            ctx.out(
              `${started.resumed ? 'resumed' : 'started'} sending ${week}: ${started.queued} of ${started.total} recipient(s) queued; the send workers (ssnews worker send) deliver them; follow with: ssnews digest status --week ${week}`,
            );
          return EXIT.ok;
        } finally {
          await sendQueue.close();
        }
      }),
    );

  digest
    .command('status')
    .description("how far the issue's send got: sent, failed, skipped, remaining")
    .option('--week <week>', 'ISO week, e.g. 2014-W22 (default: the next issue)')
    .option('--json', 'print one JSON document')
    .action((opts: WeekOptions) =>
      run(async () => {
        const { delivery, week } = await open(opts);
        const s = await delivery.status(week);
        if (opts.json) ctx.json(s);
        else {
          const c = s.counts;
          ctx.out(
            `${s.week} is ${s.status}: ${c.total} recipient(s): ${c.sent} sent, ${c.failed} failed, ${c.skipped} skipped, ${c.remaining} remaining (${c.queued} queued, ${c.sending + c.committing} in progress)`,
          );
          for (const f of s.failures)
            ctx.out(
              `  FAILED ${f.email ?? f.subscriberId}: ${f.info?.reply ?? f.info?.reason ?? 'no reply'}`,
            );
        }
        return s.failures.length > 0 ? EXIT.failed : EXIT.ok;
      }),
    );
}

/** `ssnews worker send`: runs the send worker until SIGTERM. */
export async function runSendWorker(
  ctx: CliContext,
  opts: GlobalOptions & { concurrency?: string; lockMs: string },
): Promise<ExitCode> {
  const concurrency =
    opts.concurrency === undefined ? undefined : countOption(opts.concurrency, '--concurrency', 1000);
  const lockDurationMs = millisOption(opts.lockMs, '--lock-ms', 1);
  const config = await ctx.loadConfig();
  const { startSendWorker } = await import('../worker/send.js');
  const worker = await startSendWorker({
    target: await ctx.redisTarget(),
    prefix: ctx.settings.keyPrefix,
    config,
    settings: ctx.settings,
    concurrency,
    lockDurationMs,
    log: (m) => ctx.err(m),
  });
  ctx.err(
    `ssnews worker (send) running, pid ${process.pid}, at most ${config.newsletter.send.perSecond}/s and ${config.newsletter.send.perHour}/h across workers; SIGTERM stops`,
  );
  await untilStopped();
  await worker.close();
  return EXIT.ok;
}

async function testAddress(text: string): Promise<string> {
  const { subscriberEmail } = await import('../store/subscribers.js');
  try {
    return subscriberEmail(text);
  } catch {
    throw new UsageError(`--test expects an email address, got "${text}"`);
  }
}
