import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEMO_SITE_DIR = fileURLToPath(new URL('./site', import.meta.url));
/** The origin written in demo/config/sources.yaml; the demo rewrites it to the real one. */
export const DEMO_CONFIG_ORIGIN = 'http://127.0.0.1:4780';

const TYPES: Record<string, string> = {
  '.xml': 'application/rss+xml',
  '.atom': 'application/atom+xml',
  '.rss': 'application/rss+xml',
  '.rdf': 'application/rdf+xml',
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Fills `{{rfc822:-2d}}`, `{{iso:-26h}}` and `{{human:-4d}}` with dates relative to `now`,
 * so the bundled demo always has this week's news.
 */
export function fillDates(text: string, now = Date.now()): string {
  return text.replace(
    /\{\{(rfc822|iso|human):-(\d+)([dh])\}\}/g,
    (_, format: string, n: string, unit: string) => {
      const date = new Date(now - Number(n) * (unit === 'd' ? 86_400_000 : 3_600_000));
      if (format === 'iso') return date.toISOString();
      if (format === 'human')
        return date.toLocaleDateString('en-GB', {
          day: 'numeric',
          month: 'long',
          year: 'numeric',
          timeZone: 'Europe/London',
        });
      return date.toUTCString().replace('GMT', '+0000');
    },
  );
}

export interface DemoServer {
  origin: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves demo/site as static files on loopback. Date placeholders and the default origin are
 * filled in; every other byte passes through untouched (one feed is windows-1252 on purpose).
 */
export async function startDemoServer(port = 0, root = DEMO_SITE_DIR): Promise<DemoServer> {
  const base = resolve(root);
  let origin = DEMO_CONFIG_ORIGIN;
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(base, path);
    if (!file.startsWith(base)) return void res.writeHead(403).end();
    try {
      // latin1 maps bytes 1:1 to code units, so non-UTF-8 feeds survive the substitution.
      // Absolute links in the files name the default origin; point them at where we really are.
      const text = fillDates((await readFile(file)).toString('latin1')).replaceAll(
        DEMO_CONFIG_ORIGIN,
        origin,
      );
      const body = Buffer.from(text, 'latin1');
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    server,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
