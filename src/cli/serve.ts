import type { Command } from 'commander';
import { EXIT, untilStopped, type CliContext, type GlobalOptions, type Run } from './context.js';
import { portOption } from './options.js';
import { EditorStore } from '../store/editors.js';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import type { Messenger } from '../delivery/transport.js';
import type { SendActions } from '../web/send-actions.js';

/** `ssnews serve`: the web server (public archive, sign-up and preferences, editor, admin, one-click unsubscribe). */
export function registerServeCommands(program: Command, ctx: CliContext, run: Run): void {
  program
    .command('serve')
    .description(
      'serve the public archive (/issues) and, with SESSION_SECRET set, the editor (/editor) and admin (/admin)',
    )
    .option('--host <host>', 'address to listen on (default: $HOST or 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default: $PORT or 8080)')
    .action((opts: GlobalOptions & { host?: string; port?: string }) =>
      run(async () => {
        const port = opts.port === undefined ? ctx.settings.port : portOption(opts.port, '--port');
        const config = await ctx.loadConfig();
        const redis = await ctx.redis();
        const secret = ctx.settings.sessionSecret;
        const editors = await new EditorStore(redis, ctx.settings.keyPrefix).list();
        if (editors.length > 0 && !secret) {
          ctx.err(
            `there ${editors.length === 1 ? 'is 1 editor account' : `are ${editors.length} editor accounts`} but no SESSION_SECRET: set SESSION_SECRET to at least 32 random characters (e.g. \`export SESSION_SECRET=$(openssl rand -hex 32)\`) so editors can sign in`,
          );
          return EXIT.usage;
        }
        const { buildServer } = await import('../web/server.js');
        const { pipelineIngestUrl } = await import('../worker/ingest-deps.js');
        const { smtpMessenger } = await import('../delivery/transport.js');
        const { openQueues } = await import('../queue/queues.js');
        const { ConnectionWatch } = await import('../store/connection.js');
        // One SMTP connection for the editor's test copies and the sign-up emails, when SMTP_URL is set.
        const { smtpUrl, dkim } = ctx.settings;
        const messenger = smtpUrl ? smtpMessenger({ url: smtpUrl, dkim, maxConnections: 1 }) : undefined;
        const delivery = await openDelivery(ctx, redis, config, messenger);
        // The admin's "Fetch now" and queue dashboard use the workers' queues; a long-running
        // process reports their lost connection as one line, as workers do.
        const watch = new ConnectionWatch((m) => ctx.err(m));
        const queues = openQueues(await ctx.redisTarget(), ctx.settings.keyPrefix, watch);
        // Closed however serving ends (a port in use too): an open connection keeps the process alive.
        try {
          const app = await buildServer({
            queues,
            config,
            redis,
            sessionSecret: secret,
            prefix: ctx.settings.keyPrefix,
            logLevel: ctx.settings.logLevel,
            logFormat: ctx.settings.logFormat,
            trustProxy: ctx.settings.trustProxy,
            // "Add by URL" in the editor fetches through the same pipeline as `digest add`.
            ingestUrl: pipelineIngestUrl({ redis, prefix: ctx.settings.keyPrefix, config }),
            tokenSecret: ctx.settings.tokenSecret,
            delivery: delivery?.actions,
            messenger,
          });
          const address = await app.listen({ host: opts.host ?? ctx.settings.host, port });
          ctx.err(`ssnews serving ${address}/issues (public address ${config.newsletter.baseUrl})`);
          if (secret)
            ctx.err(
              `editor: ${address}/editor${editors.length ? '' : ' (no accounts yet: ssnews editors add EMAIL)'}`,
            );
          await untilStopped();
          await app.close();
        } finally {
          await queues.close();
          await delivery?.close();
          messenger?.close();
        }
        return EXIT.ok;
      }),
    );
}

/**
 * The editor's send buttons, when sending is set up (TOKEN_SECRET): the send queue, and an
 * SMTP connection for test copies when SMTP_URL is set. Otherwise the buttons say it is not.
 */
async function openDelivery(
  ctx: CliContext,
  redis: Redis,
  config: Config,
  messenger: Messenger | undefined,
): Promise<{ actions: SendActions; close(): Promise<void> } | undefined> {
  const { tokenSecret, keyPrefix } = ctx.settings;
  if (!tokenSecret) return undefined;
  const { openSendQueue } = await import('../queue/send-queue.js');
  const { Delivery } = await import('../delivery/service.js');
  const { deliveryActions } = await import('../web/delivery-actions.js');
  const sendQueue = openSendQueue(await ctx.redisTarget(), keyPrefix);
  const delivery = new Delivery({
    redis,
    prefix: keyPrefix,
    config,
    tokenSecret,
    queue: sendQueue.queue,
    messenger,
  });
  return {
    actions: deliveryActions(delivery, { canSendTest: Boolean(messenger) }),
    async close() {
      await sendQueue.close();
    },
  };
}
