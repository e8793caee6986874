import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConflictError, EditError, IssueLockedError } from '../../digest/errors.js';
import { bodyProblem, issueState, opsBodySchema } from '../editor-ops.js';
import { applyWebOps } from './apply-ops.js';
import { digestFor, editorOf, weekParam, type EditorDeps } from './editor-deps.js';

type ApiRequest = FastifyRequest<{ Params: { week: string }; Body: unknown }>;

/**
 * The JSON API the week page's script calls (the benchmark too):
 * `POST /editor/api/:week/ops` with `{ version, ops }` → `{ version, state }`; 409 with the
 * current state when `version` is stale (the script decides what to retry), 400 with the
 * digest's message for bad input.
 */
export function editorApiRoutes(scope: FastifyInstance, deps: EditorDeps): void {
  scope.get('/editor/api/:week/state', async (req: ApiRequest, reply) => {
    const week = weekParam(deps, (req.params as { week: string }).week);
    if (!week) return reply.code(404).send({ error: 'not-found', message: 'no such week' });
    const issue = await digestFor(deps, req).issues.get(week);
    if (!issue) return reply.code(404).send({ error: 'not-found', message: `there is no draft for ${week}` });
    return reply
      .header('cache-control', 'no-store')
      .send({ version: issue.version, state: issueState(issue) });
  });

  // Signed-in editors only, and saving as they type is chatty: not under the public per-address limit.
  scope.post('/editor/api/:week/ops', { config: { rateLimit: false } }, async (req: ApiRequest, reply) => {
    const week = weekParam(deps, req.params.week);
    if (!week) return reply.code(404).send({ error: 'not-found', message: 'no such week' });
    const body = opsBodySchema.safeParse(req.body);
    if (!body.success)
      return reply.code(400).send({ error: 'bad-request', message: bodyProblem(body.error) });
    const digest = digestFor(deps, req);
    const current = await digest.issues.get(week);
    if (!current)
      return reply.code(404).send({ error: 'not-found', message: `there is no draft for ${week}` });
    const conflict = async (message: string) => {
      const now = (await digest.issues.get(week)) ?? current;
      return reply
        .code(409)
        .send({ error: 'conflict', message, version: now.version, state: issueState(now) });
    };
    if (current.version !== body.data.version)
      return conflict(new ConflictError(week, body.data.version, current.version).message);
    try {
      const issue = await applyWebOps(deps, digest, week, current, body.data.ops, editorOf(req).email);
      return reply.send({ version: issue.version, state: issueState(issue) });
    } catch (err) {
      if (err instanceof ConflictError) return conflict(err.message);
      if (err instanceof IssueLockedError)
        return reply.code(409).send({ error: 'locked', message: err.message });
      if (err instanceof EditError)
        return reply.code(400).send({ error: 'bad-request', message: err.message });
      throw err;
    }
  });
}
