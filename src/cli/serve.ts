import type { Command } from 'commander';
import { EXIT, untilStopped, type CliContext, type GlobalOptions, type Run } from './context.js';
import { portOption } from './options.js';
import { EditorStore } from '../store/editors.js';

/** `ssnews serve`: the web server (public archive of sent issues; the editor comes later). */
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
        const config = ctx.loadConfig();
        const redis = await ctx.redis();
        const secret = ctx.settings.sessionSecret;
        const editors = await new EditorStore(redis, ctx.settings.keyPrefix).list();
        if (editors.length > 0 && !secret) {
          ctx.err(
            `there ${editors.length === 1 ? 'is 1 editor account' : `are ${editors.length} editor accounts`} but no SESSION_SECRET: set SESSION_SECRET to at least 32 random characters (e.g. \`export SESSION_SECRET=$(openssl rand -hex 32)\`) so editors can sign in`,
          );
          return EXIT.usage;
        }
        const { buildServer } = await import('../web/server.js'); // fastify only for this command
        const app = await buildServer({
          config,
          redis,
          sessionSecret: secret,
          prefix: ctx.settings.keyPrefix,
          logLevel: ctx.settings.logLevel,
          logFormat: ctx.settings.logFormat,
          trustProxy: ctx.settings.trustProxy,
        });
        const address = await app.listen({ host: opts.host ?? ctx.settings.host, port });
        ctx.err(`ssnews serving ${address}/issues (public address ${config.newsletter.baseUrl})`);
        if (secret)
          ctx.err(
            `editor: ${address}/editor${editors.length ? '' : ' (no accounts yet: ssnews editors add EMAIL)'}`,
          );
        await untilStopped();
        await app.close();
        return EXIT.ok;
      }),
    );
}
