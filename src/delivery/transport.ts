import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import DKIM from 'nodemailer/lib/dkim';
import type { Settings } from '../config/env.js';
import { UsageError } from '../errors.js';
import type { OutgoingMessage } from './message.js';

export interface Handover {
  /** The server's reply to the end of the message, e.g. "250 OK". */
  reply: string;
  messageId: string;
}

/**
 * The narrow interface sending goes through (listmonk's "messenger"): one message out, and the
 * server's answer back. `beforeCommit` runs when the whole message has been written except its
 * final "." line, the moment after which the server has it; if it resolves false the
 * transaction is abandoned and the server discards the message.
 */
export interface Messenger {
  send(message: OutgoingMessage, beforeCommit?: () => Promise<boolean>): Promise<Handover>;
  close(): void;
}

export interface SmtpOptions {
  /** Settings.smtpUrl: smtp://user:pass@host:port or smtps://… */
  url: string;
  /** Settings.dkim: signs every message when given. */
  dkim?: Settings['dkim'];
  /** Connections kept open to the server (the pool). */
  maxConnections?: number;
}

/** Thrown through nodemailer when beforeCommit says no; nothing reached the server. */
class Abandoned extends Error {
  override name = 'Abandoned';
}

/**
 * The message bytes, with the end held back until `gate` allows it: nodemailer writes the
 * final "." only once its source ends, so the ledger's commit happens before the server can
 * accept the message, and the gap after it is a few in-process stream ticks.
 */
function gated(bytes: Buffer, gate?: () => Promise<boolean>): Readable {
  let pushed = false;
  let asked = false;
  return new Readable({
    read() {
      if (!pushed) {
        pushed = true;
        this.push(bytes);
        return;
      }
      if (asked) return;
      asked = true;
      if (!gate) return void this.push(null);
      // One turn of the event loop first, so the body is through the pipeline and on the
      // socket: what lies between the commit and the final "." is then only the end itself.
      new Promise((resolve) => setImmediate(resolve)).then(gate).then(
        (ok) =>
          ok ? this.push(null) : this.destroy(new Abandoned('the send was abandoned before the end of DATA')),
        (err: Error) => this.destroy(err),
      );
    },
  });
}

/** nodemailer's pooled SMTP transport from SMTP_URL, DKIM-signing each message itself when configured. */
export function smtpMessenger(o: SmtpOptions): Messenger {
  const transport: Transporter = nodemailer.createTransport({
    url: o.url,
    pool: true,
    maxConnections: o.maxConnections ?? 5,
    maxMessages: 1000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const dkim = o.dkim ? dkimSigner(o.dkim) : undefined;
  return {
    async send(message, beforeCommit) {
      const { envelope, ...mail } = message;
      let bytes = await new MailComposer(mail).compile().build();
      // Signed before the gate, so nothing but stream ticks lies between commit and the end of DATA.
      if (dkim) bytes = await collect(dkim.sign(bytes));
      const info = (await transport.sendMail({ envelope, raw: gated(bytes, beforeCommit) })) as {
        response: string;
      };
      return { reply: info.response, messageId: message.messageId };
    },
    close() {
      transport.close();
    },
  };
}

function dkimSigner(d: NonNullable<Settings['dkim']>): DKIM {
  let privateKey: string;
  try {
    privateKey = readFileSync(d.privateKeyFile, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read DKIM_PRIVATE_KEY_FILE ${d.privateKeyFile}: ${(err as Error).message}`);
  }
  return new DKIM({ domainName: d.domain, keySelector: d.selector, privateKey });
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Whether an error is the messenger's own "abandoned at the gate" (nothing was sent). */
export function wasAbandoned(err: unknown): boolean {
  for (let e = err as { name?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e.name === 'Abandoned') return true;
  return /abandoned before the end of DATA/.test(String((err as Error)?.message ?? ''));
}
