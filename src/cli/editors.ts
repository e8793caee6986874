import type { Command } from 'commander';
import { AccountError, checkPasswordStrength, normaliseEmail, type EditorAccount } from '../store/editors.js';
import { EXIT, subcommand, type CliContext, type GlobalOptions, type Run } from './context.js';
import { readNewPassword } from './password.js';
import { textTable } from './table.js';

/**
 * `ssnews editors add|list|remove|passwd`: the accounts that may sign in to the web editor.
 * An unknown email exits 2, as an unknown item id does for `items label`: the command named
 * something that is not there, so nothing ran and the input is the caller's to fix.
 */
export function registerEditorsCommands(program: Command, ctx: CliContext, run: Run): void {
  const editors = program.command('editors').description('the accounts that may sign in to the web editor');

  subcommand(
    editors,
    'add',
    'add an editor; the password comes from a hidden prompt, or the first line of stdin',
  )
    .argument('<email>', 'their email address (the account name)')
    .option('--name <name>', 'their name, as shown to other editors')
    .option('--admin', 'may manage other editors')
    .action((email: string, opts: GlobalOptions & { name?: string; admin?: boolean }) =>
      run(async () => {
        const key = normaliseEmail(email);
        const { editors: store } = await ctx.stores();
        // Asked before the password is typed; add() still refuses a duplicate atomically.
        if (await store.get(key))
          throw new AccountError('duplicate', `an editor with email ${key} already exists`);
        const password = await newPassword(ctx);
        const account = await store.add({ email: key, name: opts.name, admin: opts.admin, password });
        if (opts.json) ctx.json({ editor: account });
        else ctx.out(`added ${describe(account)}`);
        return EXIT.ok;
      }),
    );

  subcommand(editors, 'list', 'every editor: email, name, admin, added (never a password hash)').action(
    (opts: GlobalOptions) =>
      run(async () => {
        const { editors: store } = await ctx.stores();
        const accounts = await store.list();
        if (opts.json) ctx.json({ editors: accounts });
        else if (accounts.length === 0) ctx.out('no editors yet: add one with `ssnews editors add EMAIL`');
        else
          ctx.out(
            textTable(
              ['email', 'name', 'admin', 'added'],
              accounts.map((a) => [a.email, a.name || '-', a.admin ? 'yes' : '', a.createdAt.slice(0, 10)]),
            ),
          );
        return EXIT.ok;
      }),
  );

  subcommand(editors, 'remove', 'remove an editor and end their sessions')
    .argument('<email>', 'their email address')
    .action((email: string, opts: GlobalOptions) =>
      run(async () => {
        const key = normaliseEmail(email);
        const { editors: store, sessions } = await ctx.stores();
        if (!(await store.remove(key))) throw unknown(key);
        const sessionsEnded = await sessions.destroyAllFor(key);
        if (opts.json) ctx.json({ removed: key, sessionsEnded });
        else ctx.out(`removed ${key}; ended ${plural(sessionsEnded, 'session')}`);
        return EXIT.ok;
      }),
    );

  subcommand(editors, 'passwd', "set an editor's password (as for add) and end their sessions")
    .argument('<email>', 'their email address')
    .action((email: string, opts: GlobalOptions) =>
      run(async () => {
        const key = normaliseEmail(email);
        const { editors: store, sessions } = await ctx.stores();
        if (!(await store.get(key))) throw unknown(key);
        await store.setPassword(key, await newPassword(ctx));
        // Whoever signed in with the old password is signed out.
        const sessionsEnded = await sessions.destroyAllFor(key);
        if (opts.json) ctx.json({ passwordChanged: key, sessionsEnded });
        else ctx.out(`password changed for ${key}; ended ${plural(sessionsEnded, 'session')}`);
        return EXIT.ok;
      }),
    );
}

/** Reads the new password and refuses a short one before any hashing. */
async function newPassword(ctx: CliContext): Promise<string> {
  const password = await readNewPassword(ctx.stdin);
  checkPasswordStrength(password);
  return password;
}

function unknown(email: string): AccountError {
  return new AccountError('unknown', `no editor with email ${email} (see \`ssnews editors list\`)`);
}

function describe(a: EditorAccount): string {
  return `${a.email}${a.name ? ` (${a.name})` : ''}${a.admin ? ', admin' : ''}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
