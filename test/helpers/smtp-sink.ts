import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { freePort } from '../../src/store/redis-server.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface SmtpSink {
  url: string;
  port: number;
  /** Messages whose end of DATA the sink accepted, in order (none kept with `keep: false`). */
  received: ReceivedMail[];
  /** Messages accepted, kept or not. */
  count: number;
  /** Decides the answer to RCPT TO per address: undefined accepts; a code and text refuses. */
  rcpt: (address: string) => { code: number; message: string } | undefined;
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback that keeps every message it accepts. A message counts only
 * once the sink has its end of DATA (the point where a real server takes responsibility); a
 * client that dies mid-message leaves nothing. STARTTLS is off (smtp-server's built-in
 * certificate has expired).
 */
export async function startSmtpSink(o: { keep?: boolean } = {}): Promise<SmtpSink> {
  const port = await freePort();
  const sink: SmtpSink = {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received: [],
    count: 0,
    rcpt: () => undefined,
    close: async () => undefined,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error) => void) {
      const refusal = sink.rcpt(address.address.toLowerCase());
      if (!refusal) return callback();
      callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => void (o.keep !== false && chunks.push(c)));
      stream.on('end', () => {
        sink.count++;
        if (o.keep === false) return callback();
        sink.received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  // A client killed mid-conversation resets its connection: expected here, not a failure.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
