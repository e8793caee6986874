import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PACKAGE_ROOT } from '../paths.js';

/** The editor's browser files (`static/` at the repository root): plain files, no build step. */
const FILES: Record<string, string> = {
  'editor.js': 'text/javascript; charset=utf-8',
  'editor.css': 'text/css; charset=utf-8',
};

interface StaticFile {
  body: Buffer;
  type: string;
  hash: string;
}

let loaded: Map<string, StaticFile> | undefined;

/** Read once per process: they change only with a deployment. */
function files(): Map<string, StaticFile> {
  loaded ??= new Map(
    Object.entries(FILES).map(([name, type]) => {
      const body = readFileSync(join(PACKAGE_ROOT, 'static', name));
      return [name, { body, type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) }];
    }),
  );
  return loaded;
}

/** `/static/editor.js?v=<content hash>`: a new deployment is a new URL, so the file can be cached for good. */
export function assetUrl(name: keyof typeof FILES | string): string {
  const file = files().get(name);
  if (!file) throw new Error(`no static file ${name}`);
  return `/static/${name}?v=${file.hash}`;
}

export function staticRoutes(app: FastifyInstance): void {
  app.get<{ Params: { name: string } }>('/static/:name', async (req, reply) => {
    const file = files().get(req.params.name);
    if (!file) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    return reply
      .type(file.type)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(file.body);
  });
}
