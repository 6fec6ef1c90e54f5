/** GitHub behind `Platform`, through the installation's Octokit (Probot's: retry + throttling plugins). */
import type { ProbotOctokit } from 'probot';
import { PlatformError, type BranchCommit, type CheckRunInput, type CommentInfo, type FileChange, type Platform, type PullRequestInfo, type Reaction, type RepoRef } from './platform.js';

export type Octokit = InstanceType<typeof ProbotOctokit>;

// GitHub accepts at most 50 annotations per check-run request.
const MAX_ANNOTATIONS = 50;

function status(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'status' in err ? Number((err as { status: unknown }).status) : undefined;
}

interface GhPull {
  number: number; state: string; merged_at?: string | null; title: string; body: string | null; html_url: string;
  head: { ref: string; sha: string; repo: { full_name: string } | null }; base: { ref: string; repo: { full_name: string } };
}

function toPr(p: GhPull): PullRequestInfo {
  return {
    number: p.number,
    state: p.merged_at ? 'merged' : p.state === 'open' ? 'open' : 'closed',
    title: p.title,
    body: p.body ?? '',
    headRef: p.head.ref,
    headSha: p.head.sha,
    baseRef: p.base.ref,
    // A deleted fork has head.repo null: treat it as a fork (never ours to push to).
    fromFork: p.head.repo?.full_name !== p.base.repo.full_name,
    url: p.html_url,
  };
}

export class GitHubPlatform implements Platform {
  readonly kind = 'github' as const;

  constructor(private readonly octokit: Octokit, readonly botLogin: string) {}

  async defaultBranch(r: RepoRef): Promise<string> {
    const { data } = await this.octokit.rest.repos.get({ owner: r.owner, repo: r.repo });
    return data.default_branch;
  }

  async readFile(r: RepoRef, path: string, ref?: string): Promise<string | null> {
    try {
      const { data } = await this.octokit.rest.repos.getContent({ owner: r.owner, repo: r.repo, path, ...(ref ? { ref } : {}) });
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) throw new PlatformError(`${r.owner}/${r.repo}:${path} is not a file`);
      return Buffer.from(data.content, 'base64').toString('utf8');
    } catch (err) {
      if (status(err) === 404) return null;
      throw err;
    }
  }

  async getPullRequest(r: RepoRef, number: number): Promise<PullRequestInfo> {
    const { data } = await this.octokit.rest.pulls.get({ owner: r.owner, repo: r.repo, pull_number: number });
    return toPr(data as GhPull);
  }

  async findOpenPullRequest(r: RepoRef, branch: string): Promise<PullRequestInfo | null> {
    // `head` must be owner:branch; only PRs from this repo's branch count (not a fork's same-named branch).
    const { data } = await this.octokit.rest.pulls.list({ owner: r.owner, repo: r.repo, state: 'open', head: `${r.owner}:${branch}`, per_page: 10 });
    const mine = (data as GhPull[]).map(toPr).find((p) => p.headRef === branch && !p.fromFork);
    return mine ?? null;
  }

  async branchCommits(r: RepoRef, base: string, branch: string): Promise<BranchCommit[] | null> {
    try {
      const { data } = await this.octokit.rest.repos.compareCommitsWithBasehead({ owner: r.owner, repo: r.repo, basehead: `${base}...${branch}`, per_page: 100 });
      return data.commits.map((c) => ({ sha: c.sha, authorLogin: c.author?.login ?? null }));
    } catch (err) {
      if (status(err) === 404) return null;
      throw err;
    }
  }

  async commitFiles(r: RepoRef, input: { base: string; branch: string; message: string; files: FileChange[] }): Promise<string> {
    const repo = { owner: r.owner, repo: r.repo };
    const { data: baseRef } = await this.octokit.rest.git.getRef({ ...repo, ref: `heads/${input.base}` });
    const { data: baseCommit } = await this.octokit.rest.git.getCommit({ ...repo, commit_sha: baseRef.object.sha });
    const { data: tree } = await this.octokit.rest.git.createTree({
      ...repo,
      base_tree: baseCommit.tree.sha,
      tree: input.files.map((f) => ({ path: f.path, mode: '100644' as const, type: 'blob' as const, content: f.content })),
    });
    const { data: commit } = await this.octokit.rest.git.createCommit({ ...repo, message: input.message, tree: tree.sha, parents: [baseRef.object.sha] });
    try {
      // The branch holds only the app's commits (checked by the caller), so moving it is safe.
      await this.octokit.rest.git.updateRef({ ...repo, ref: `heads/${input.branch}`, sha: commit.sha, force: true });
    } catch (err) {
      if (status(err) !== 422 && status(err) !== 404) throw err;
      await this.octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${input.branch}`, sha: commit.sha });
    }
    return commit.sha;
  }

  async createPullRequest(r: RepoRef, input: { base: string; branch: string; title: string; body: string; labels: string[] }): Promise<PullRequestInfo> {
    const { data } = await this.octokit.rest.pulls.create({ owner: r.owner, repo: r.repo, base: input.base, head: input.branch, title: input.title, body: input.body, maintainer_can_modify: true });
    if (input.labels.length) await this.octokit.rest.issues.addLabels({ owner: r.owner, repo: r.repo, issue_number: data.number, labels: input.labels });
    return toPr(data as GhPull);
  }

  async updatePullRequest(r: RepoRef, number: number, input: { title?: string; body?: string }): Promise<void> {
    await this.octokit.rest.pulls.update({ owner: r.owner, repo: r.repo, pull_number: number, ...input });
  }

  async listComments(r: RepoRef, number: number): Promise<CommentInfo[]> {
    const all = await this.octokit.paginate(this.octokit.rest.issues.listComments, { owner: r.owner, repo: r.repo, issue_number: number, per_page: 100 });
    return all.map((c) => ({ id: c.id, body: c.body ?? '', authorLogin: c.user?.login ?? null }));
  }

  async createComment(r: RepoRef, number: number, body: string): Promise<CommentInfo> {
    const { data } = await this.octokit.rest.issues.createComment({ owner: r.owner, repo: r.repo, issue_number: number, body });
    return { id: data.id, body: data.body ?? '', authorLogin: data.user?.login ?? null };
  }

  async updateComment(r: RepoRef, commentId: number, body: string): Promise<void> {
    await this.octokit.rest.issues.updateComment({ owner: r.owner, repo: r.repo, comment_id: commentId, body });
  }

  async react(r: RepoRef, commentId: number, reaction: Reaction): Promise<void> {
    await this.octokit.rest.reactions.createForIssueComment({ owner: r.owner, repo: r.repo, comment_id: commentId, content: reaction });
  }

  async canWrite(r: RepoRef, login: string): Promise<boolean> {
    try {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({ owner: r.owner, repo: r.repo, username: login });
      // role_name carries maintain/triage; `permission` folds maintain into write.
      return ['admin', 'maintain', 'write'].includes(data.role_name) || ['admin', 'write'].includes(data.permission);
    } catch (err) {
      if (status(err) === 404) return false;
      throw err;
    }
  }

  async isTeamMember(r: RepoRef, team: string, login: string): Promise<boolean> {
    const [org, slug] = team.includes('/') ? team.split('/', 2) : [r.owner, team];
    try {
      const { data } = await this.octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: login });
      return data.state === 'active';
    } catch (err) {
      if (status(err) === 404) return false;
      throw err;
    }
  }

  async createCheck(r: RepoRef, input: CheckRunInput): Promise<void> {
    const annotations = (input.annotations ?? []).slice(0, MAX_ANNOTATIONS).map((a) => ({
      path: a.path, start_line: a.line, end_line: a.line, annotation_level: 'failure' as const, message: a.message,
      // Columns are only allowed on single-line annotations.
      start_column: a.col, end_column: a.col,
    }));
    await this.octokit.rest.checks.create({
      owner: r.owner, repo: r.repo, name: input.name, head_sha: input.headSha, status: 'completed', conclusion: input.conclusion,
      output: { title: input.title, summary: input.summary, ...(annotations.length ? { annotations } : {}) },
    });
  }
}
