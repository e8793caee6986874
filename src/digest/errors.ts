import type { IssueStatus } from '../types/issue.js';

/** Raised when a change was made against a version that is no longer current. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    readonly week: string,
    readonly expected: number,
    readonly actual: number | undefined,
  ) {
    super(
      actual === undefined
        ? `issue ${week} does not exist`
        : `issue ${week} changed since you loaded it: your change was made against version ${expected}, it is now at version ${actual}. Reload it (ssnews digest show --week ${week}) and make your change again.`,
    );
  }
}

/** Raised when an issue is no longer a draft (it is being sent or has been sent). */
export class IssueLockedError extends Error {
  override name = 'IssueLockedError';
  constructor(
    readonly week: string,
    readonly status: IssueStatus,
  ) {
    super(`issue ${week} is ${status}: only a draft can be edited`);
  }
}

/** Bad input to an editing operation (unknown item id, unknown sector…). */
export class EditError extends Error {
  override name = 'EditError';
}
