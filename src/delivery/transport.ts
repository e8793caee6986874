import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import DKIM from 'nodemailer/lib/dkim';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import type { Settings } from '../config/env.js';
import { UsageError } from '../errors.js';
import type { OutgoingMessage } from './message.js';

export interface Handover {
  /** The server's reply to the end of the message, e.g. "250 OK". */
  reply: string;
  messageId: string;
}

/**
 * The moment a message becomes the server's: the envelope and DATA were accepted and the whole
 * message but its final "." line has left this process.
 */
export interface CommitGate {
  /** Awaited first: false abandons the message (the connection is dropped, the server discards it). */
  ready(): Promise<boolean>;
  /**
   * Called when `ready` said yes, synchronously just before the final "." is written: it must
   * write its record without waiting for an answer, so nothing but in-process stream ticks lies
   * between the record and the end of the message.
   */
  commit(): void;
}

/** The narrow interface sending goes through (listmonk's "messenger"): one message out, the server's answer back. */
export interface Messenger {
  send(message: OutgoingMessage, gate?: CommitGate): Promise<Handover>;
  close(): void;
}

export interface SmtpOptions {
  /** Settings.smtpUrl: smtp://user:pass@host:port or smtps://… */
  url: string;
  /** Settings.dkim: signs every message when given. */
  dkim?: Settings['dkim'];
  /** Connections kept open to the server (the pool). */
  maxConnections?: number;
  /** Messages per connection before it is renewed. */
  maxMessages?: number;
}

/** Raised through the connection when beforeCommit says no; nothing reached the server. */
export class Abandoned extends Error {
  override name = 'Abandoned';
}

/**
 * The message bytes with the end held back until `gate` allows it. SMTPConnection pipes this
 * stream into the connection only after the server's 354, and writes the final "." when it
 * ends; `flushed` resolves once the body has left this process's buffers. So the commit is
 * recorded after the server has everything but the end, and the end follows at once.
 */
function gated(bytes: Buffer, gate: CommitGate | undefined, flushed: () => Promise<void>): Readable {
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
      flushed()
        .then(() => gate.ready())
        .then(
          (ok) => {
            if (!ok) return this.destroy(new Abandoned('the send was abandoned before the end of DATA'));
            gate.commit();
            this.push(null);
          },
          (err: Error) => this.destroy(err),
        );
    },
  });
}

interface PooledConnection {
  connection: SMTPConnection;
  messages: number;
}

/**
 * A small pool of nodemailer SMTPConnections from SMTP_URL (nodemailer's own pool transport
 * re-sends a message by itself when a connection drops, which the ledger cannot allow, and
 * reads the message before the server's 354, which defeats the commit gate). DKIM signs each
 * message before the gate when configured. A connection that fails is closed, never reused.
 */
export function smtpMessenger(o: SmtpOptions): Messenger {
  const options = parseConnectionUrl(o.url);
  const auth = options.auth;
  const dkim = o.dkim ? dkimSigner(o.dkim) : undefined;
  const max = o.maxConnections ?? 5;
  const maxMessages = o.maxMessages ?? 1000;
  const idle: PooledConnection[] = [];
  const waiting: (() => void)[] = [];
  let open = 0;
  let closed = false;

  const connect = () =>
    new Promise<PooledConnection>((resolve, reject) => {
      const connection = new SMTPConnection({
        host: options.host,
        port: options.port,
        secure: options.secure,
        connectionTimeout: 30_000,
        greetingTimeout: 30_000,
        socketTimeout: 120_000,
      });
      connection.once('error', reject);
      connection.connect(() => {
        const ready = () => {
          connection.removeListener('error', reject);
          // Errors after this reach the send callback; a stray one must not crash the process.
          connection.on('error', () => undefined);
          resolve({ connection, messages: 0 });
        };
        if (!auth) return ready();
        connection.login({ user: auth.user, pass: auth.pass }, (err) => (err ? reject(err) : ready()));
      });
    });

  const acquire = async (): Promise<PooledConnection> => {
    for (;;) {
      if (closed) throw new Error('the mail transport is closed');
      const pooled = idle.pop();
      if (pooled && !pooled.connection.destroyed) return pooled;
      if (pooled) {
        open--;
        continue;
      }
      if (open < max) {
        open++;
        try {
          return await connect();
        } catch (err) {
          open--;
          waiting.shift()?.();
          throw err;
        }
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  const release = (pooled: PooledConnection, healthy: boolean) => {
    if (healthy && !closed && pooled.messages < maxMessages && !pooled.connection.destroyed)
      idle.push(pooled);
    else {
      open--;
      if (healthy) pooled.connection.quit();
      else pooled.connection.close();
    }
    waiting.shift()?.();
  };

  /** Resolves once nothing of the message waits in this process: the data stream and the socket's buffer are empty. */
  const flushedOn = (pooled: PooledConnection) => async () => {
    const c = pooled.connection as unknown as {
      _socket?: Socket | false | null;
      _currentDataStream?: Readable | false;
    };
    for (let turn = 0; ; turn++) {
      const pending =
        (c._socket ? c._socket.writableLength : 0) +
        (c._currentDataStream ? c._currentDataStream.readableLength : 0);
      if (pending === 0 || !c._socket || c._socket.destroyed) return;
      await new Promise((resolve) => (turn < 10 ? setImmediate(resolve) : setTimeout(resolve, 2)));
    }
  };

  const sendOn = (pooled: PooledConnection, envelope: OutgoingMessage['envelope'], stream: Readable) =>
    new Promise<string>((resolve, reject) => {
      pooled.messages++;
      pooled.connection.send({ from: envelope.from, to: [envelope.to] }, stream, (err, info) => {
        if (err) return reject(err);
        resolve((info as { response?: string }).response ?? '');
      });
      // The gate refused (or the ledger failed): drop the connection so the server discards what it has.
      stream.once('error', (err) => {
        pooled.connection.close();
        reject(err);
      });
    });

  return {
    async send(message, gate) {
      const { envelope, ...mail } = message;
      let bytes = await new MailComposer(mail).compile().build();
      // Signed before the gate, so nothing but the end of a stream lies between commit and the end of DATA.
      if (dkim) bytes = await collect(dkim.sign(bytes));
      for (let attempt = 1; ; attempt++) {
        const pooled = await acquire();
        const reused = pooled.messages > 0;
        const stream = gated(bytes, gate, flushedOn(pooled));
        try {
          const reply = await sendOn(pooled, envelope, stream);
          release(pooled, true);
          return { reply, messageId: message.messageId };
        } catch (err) {
          release(pooled, false);
          // A kept connection the server had dropped meanwhile: once more on a fresh one,
          // if not a byte of the message went out.
          const answered = typeof (err as { responseCode?: number }).responseCode === 'number';
          if (reused && attempt === 1 && !answered && !stream.readableDidRead) continue;
          throw err;
        }
      }
    },
    close() {
      closed = true;
      for (const p of idle.splice(0)) p.connection.quit();
      for (const w of waiting.splice(0)) w();
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
