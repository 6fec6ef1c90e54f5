/**
 * What Policy Guard needs from the code host (the consumer declares its small interface; sloth's
 * WindowsRepo habit). github.ts implements it with the installation's Octokit.
 */
export interface PolicyPullRequest {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  headSha: string;
  baseSha: string;
  author: string;
  url: string;
}

export interface PolicyChangedFile {
  path: string;
  /** For renames: the path on the base commit. */
  previousPath?: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
}

/** A submitted pull-request review, as GitHub lists it (`GET /pulls/{n}/reviews`). */
export interface PolicyReview {
  id: number;
  login: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  /** The head the review was given for; a review of an older head is stale. */
  commitId: string | null;
  submittedAt: string | null;
}

export interface PolicyCheckRun {
  headSha: string;
  /** The PR (MR iid) evaluated: GitLab keeps the guard's summary in a note on it (app/policy/gitlab.ts). */
  prNumber: number;
  /** `neutral` only when the guard itself failed (a bug or GitHub unreachable): it says so, never silence. */
  conclusion: 'success' | 'action_required' | 'failure' | 'neutral';
  title: string;
  summary: string;
  text?: string;
  annotations?: { path: string; line: number; message: string }[];
  /** The details page of this evaluation (GitHub shows it as "Details"); issue 14. */
  detailsUrl?: string;
}

export interface PolicyVcs {
  getPullRequest(repo: string, pr: number): Promise<PolicyPullRequest>;
  listChangedFiles(repo: string, pr: number): Promise<PolicyChangedFile[]>;
  /** File text at `ref`; null when it does not exist there. */
  readFile(repo: string, path: string, ref: string): Promise<string | null>;
  /** Every file path at `ref` (recursive tree). */
  listFiles(repo: string, ref: string): Promise<string[]>;
  /** Every submitted review of the PR, oldest first. */
  listReviews(repo: string, pr: number): Promise<PolicyReview[]>;
  /** Active member of `org/team`. */
  isTeamMember(org: string, teamSlug: string, login: string): Promise<boolean>;
  /**
   * GitLab: the members of a group (inherited ones included) who could approve, so a CODEOWNERS
   * owner `@group` / `@group/sub` counts its members' approvals. Absent on GitHub, whose team
   * owners are checked with isTeamMember.
   */
  groupMembers?(group: string): Promise<GroupMembers>;
  writeCheckRun(repo: string, run: PolicyCheckRun): Promise<void>;
}

/**
 * A group's members, or why they could not be read: `missing` (404: no such group, or one the
 * token cannot see) and `forbidden` (403: the token lacks the scope or access) are answers the
 * check text explains; any other failure is an error (the evaluation is retried).
 */
export type GroupMembers =
  | { kind: 'members'; group: string; usernames: string[]; /** More members than were read: check the rest one by one. */ truncated: boolean }
  | { kind: 'missing' | 'forbidden'; group: string; status: number; message: string };

/** The check's name is a constant: nothing a PR changes can rename it, so branch protection can require it. */
export const CHECK_NAME = 'SLO-Scout Policy Guard';
