import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, parseDocument } from 'yaml';
import { buildProgram } from '../src/cli.js';
import { CliContext, type ExitCode } from '../src/cli/context.js';
import { DEMO_CONFIG_ORIGIN } from './server.js';

const DEMO_CONFIG_DIR = fileURLToPath(new URL('./config', import.meta.url));

/** Copies demo/config/sources.yaml with the demo origin replaced; lines stay where they were. */
export function writeDemoConfig(origin: string, dataDir: string): string {
  const dir = join(dataDir, 'demo-config');
  mkdirSync(dir, { recursive: true });
  const yaml = readFileSync(join(DEMO_CONFIG_DIR, 'sources.yaml'), 'utf8').replaceAll(
    DEMO_CONFIG_ORIGIN,
    origin,
  );
  writeFileSync(join(dir, 'sources.yaml'), yaml);
  return dir;
}

/** What an editor would write: an intro, a few comments, the rest sent without comment. */
export function fillDemoDraft(yamlText: string): string {
  const doc = parseDocument(yamlText);
  doc.set('subject', 'Shared services this week: shared bosses, group models and a joint HQ');
  doc.set(
    'intro',
    'Hi everyone,\n\nA busy week for collaboration: two councils agree to <b>share a chief executive</b>, hospital trusts move to a group model, and police and fire services prepare to share a headquarters. As ever, the interesting question is not whether they share, but how well they are led.',
  );
  // Comments go to the stories they are about, found by headline.
  const comments: [RegExp, string][] = [
    [
      /share chief executive/i,
      'A shared chief executive is the quickest way to test whether two councils really want to work together. <i>Watch how the senior teams are merged next.</i>',
    ],
    [
      /hospital trusts to form group/i,
      'Group models are becoming the NHS default. The savings come later; <b>the governance comes first</b>.',
    ],
    [
      /joint headquarters/i,
      'Joint headquarters are the visible part of blue light collaboration; shared control rooms are where the value is.',
    ],
  ];
  const sections = doc.get('sections');
  if (isMap(sections)) {
    for (const pair of sections.items) {
      if (!isSeq(pair.value)) continue;
      for (const entry of pair.value.items) {
        if (!isMap(entry)) continue;
        const comment = comments.find(([pattern]) => pattern.test(String(entry.get('title'))));
        if (comment) entry.set('comment', comment[1]);
        else entry.set('noComment', true);
      }
    }
  }
  return doc.toString();
}

/** The demo's editor: an admin, so the demo shows the administration pages too. */
export const DEMO_EDITOR = { email: 'demo@example.org', name: 'Demo Editor' };

/** A fresh password each run: 16 random characters. */
export function demoPassword(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * `ssnews editors add EMAIL --name NAME --admin` with the password on stdin, as a script
 * gives it: the command's own code, with stdin replaced (the demo's may be a terminal).
 */
export async function addDemoEditor(password: string): Promise<ExitCode> {
  const ctx = new CliContext(process.env, undefined, undefined, Readable.from([`${password}\n`]));
  let code: ExitCode = 0;
  await buildProgram(ctx, (c) => (code = c)).parseAsync(
    ['editors', 'add', DEMO_EDITOR.email, '--name', DEMO_EDITOR.name, '--admin'],
    { from: 'user' },
  );
  return code;
}

/** Arguments as a POSIX shell reads them back: plain words bare, anything else in single quotes. */
export function shellWords(args: string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}
