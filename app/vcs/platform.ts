/**
 * One interface for code hosts (renovate's lib/modules/platform/types.ts, atlantis' vcs.Client):
 * handlers and workers talk to `Platform`; github.ts and gitlab.ts implement it. Words are
 * GitHub's (pull request, comment); GitLab maps them to merge requests and notes.
 */
export interface RepoRef {
  owner: string;
  repo: string;
}

export interface PullRequestInfo {
  number: number;
  state: 'open' | 'closed' | 'merged';
  title: string;
  body: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  /** Head lives in a fork: commands that change the branch are refused. */
  fromFork: boolean;
  url: string;
}

export interface BranchCommit {
  sha: string;
  /** Login of the author (GitHub user / GitLab username); null when the e-mail matches no account. */
  authorLogin: string | null;
}

export interface FileChange {
  path: string;
  content: string;
}

export interface CommentInfo {
  id: number;
  body: string;
  authorLogin: string | null;
}

export type Reaction = 'eyes' | '+1' | 'confused';

export interface CheckAnnotation {
  path: string;
  line: number;
  col: number;
  message: string;
}

export interface CheckRunInput {
  name: string;
  headSha: string;
  conclusion: 'success' | 'failure' | 'neutral' | 'action_required';
  title: string;
  summary: string;
  annotations?: CheckAnnotation[];
}

export class PlatformError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

export interface Platform {
  readonly kind: 'github' | 'gitlab';
  /** The login the app commits and comments as (e.g. `slo-scout[bot]`). */
  readonly botLogin: string;
  defaultBranch(repo: RepoRef): Promise<string>;
  /** File text at `ref` (default branch when omitted); null when the file does not exist. */
  readFile(repo: RepoRef, path: string, ref?: string): Promise<string | null>;
  getPullRequest(repo: RepoRef, number: number): Promise<PullRequestInfo>;
  /** The open PR whose head is `branch` in this repo, if any. */
  findOpenPullRequest(repo: RepoRef, branch: string): Promise<PullRequestInfo | null>;
  /** Commits on `branch` that are not on `base`; null when the branch does not exist. */
  branchCommits(repo: RepoRef, base: string, branch: string): Promise<BranchCommit[] | null>;
  /** One commit with all files on top of `base`, then points `branch` at it (created or moved). */
  commitFiles(repo: RepoRef, input: { base: string; branch: string; message: string; files: FileChange[] }): Promise<string>;
  createPullRequest(repo: RepoRef, input: { base: string; branch: string; title: string; body: string; labels: string[] }): Promise<PullRequestInfo>;
  updatePullRequest(repo: RepoRef, number: number, input: { title?: string; body?: string }): Promise<void>;
  listComments(repo: RepoRef, number: number): Promise<CommentInfo[]>;
  createComment(repo: RepoRef, number: number, body: string): Promise<CommentInfo>;
  updateComment(repo: RepoRef, commentId: number, body: string, number: number): Promise<void>;
  react(repo: RepoRef, commentId: number, reaction: Reaction, number: number): Promise<void>;
  /** Write (push) access to the repo: GitHub collaborator permission write/maintain/admin, GitLab developer+. */
  canWrite(repo: RepoRef, login: string): Promise<boolean>;
  /** Membership in `org/team` (GitHub) or a group path (GitLab). */
  isTeamMember(repo: RepoRef, team: string, login: string): Promise<boolean>;
  /** Check run (GitHub) / commit status (GitLab). */
  createCheck(repo: RepoRef, input: CheckRunInput): Promise<void>;
}
