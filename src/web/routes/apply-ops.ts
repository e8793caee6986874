import { labelItem } from '../../classify/editor-label.js';
import type { EditOp } from '../../digest/edit.js';
import type { Digest } from '../../digest/service.js';
import type { Issue } from '../../types/issue.js';
import { planWebOps, type WebOp } from '../editor-ops.js';
import type { EditorDeps } from './editor-deps.js';

/**
 * The one path for the page's operations (forms and the script's API): plan them against
 * `issue`, apply them through the digest against its version, then label items marked not relevant.
 */
export async function applyWebOps(
  deps: EditorDeps,
  digest: Digest,
  week: string,
  issue: Issue,
  ops: WebOp[],
  editor: string,
): Promise<Issue> {
  const plan = planWebOps(
    issue,
    ops,
    deps.config.sectors.map((s) => s.id),
  );
  const edits: EditOp[] = plan.ops;
  const changed = edits.length ? await digest.edit(week, issue.version, edits) : issue;
  for (const id of plan.notRelevant)
    await labelItem({ items: digest.items, labels: deps.labels }, id, { relevant: false }, editor);
  return changed;
}
