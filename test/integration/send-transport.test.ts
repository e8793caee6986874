import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../src/delivery/message.js';
import { smtpMessenger, wasAbandoned } from '../../src/delivery/transport.js';
import { parseMail } from '../helpers/mime.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink?.close();
});

const message = (to: string): OutgoingMessage => ({
  from: 'News <news@example.org>',
  to,
  subject: 'Hello',
  html: '<p>Hello</p>',
  text: 'Hello',
  messageId: `<m.${to}@example.org>`,
  date: new Date(),
  headers: { 'List-Id': 'News <weekly.example.org>' },
  envelope: { from: 'news@example.org', to },
});

describe('the mail transport', () => {
  it('hands a message over only when the gate allows the end of DATA; a refused gate leaves the server nothing', async () => {
    const messenger = smtpMessenger({ url: sink.url, maxConnections: 2 });
    try {
      let asked = 0;
      let committed = 0;
      const refused = await messenger
        .send(message('no@example.org'), { ready: async () => (asked++, false), commit: () => committed++ })
        .catch((e: unknown) => e);
      expect(asked).toBe(1);
      expect(wasAbandoned(refused)).toBe(true);
      expect(sink.received.filter((m) => m.to.includes('no@example.org'))).toEqual([]);
      // The gate runs after the server took the envelope: a refused recipient never reaches it.
      sink.rcpt = (a) => (a === 'bad@example.org' ? { code: 550, message: 'no such user' } : undefined);
      let gated = 0;
      const bad = await messenger
        .send(message('bad@example.org'), { ready: async () => (gated++, true), commit: () => committed++ })
        .catch((e: unknown) => e);
      expect((bad as { responseCode?: number }).responseCode).toBe(550);
      expect(gated).toBe(0);
      const ok = await messenger.send(message('yes@example.org'), {
        ready: async () => true,
        commit: () => committed++,
      });
      expect(ok.reply).toMatch(/^250\b/);
      expect(sink.received.filter((m) => m.to.includes('yes@example.org'))).toHaveLength(1);
      expect(committed).toBe(1);
    } finally {
      messenger.close();
      sink.rcpt = () => undefined;
    }
  });

  it('DKIM-signs every message when the settings are given', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = mkdtempSync(join(tmpdir(), 'ssnews-dkim-'));
    const keyFile = join(dir, 'dkim.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const messenger = smtpMessenger({
      url: sink.url,
      dkim: { domain: 'example.org', selector: 'ssnews', privateKeyFile: keyFile },
    });
    try {
      await messenger.send(message('signed@example.org'));
    } finally {
      messenger.close();
    }
    const raw = sink.received.find((m) => m.to.includes('signed@example.org'))!.raw;
    const signature = parseMail(raw).headers.get('dkim-signature')?.[0] ?? '';
    expect(signature).toMatch(/\bd=example\.org;/);
    expect(signature).toMatch(/\bs=ssnews;/);
    expect(signature).toMatch(/\bbh=[\w+/=]+;/);
    expect(signature).toMatch(/\bb=[\w+/=\s]{100,}/);
  });
});
