/**
 * GitLab behind `Platform`, through @gitbeaker/rest. Pull requests are merge requests (by iid),
 * comments are MR notes, reactions are award emoji, checks are commit statuses, write access is
 * a member access level of Developer (30) or more. Replies are parsed with zod: gitbeaker's
 * types describe GitLab's schema, not what a given GitLab version really sends.
 */
import type { Gitlab } from '@gitbeaker/rest';
import { z } from 'zod';
import { PlatformError, type BranchCommit, type CheckRunInput, type CommentInfo, type FileChange, type Platform, type PullRequestInfo, type Reaction, type RepoRef } from './platform.js';

export type GitlabApi = InstanceType<typeof Gitlab<false>>;

/** GitLab's Developer role: the lowest level allowed to push to unprotected branches. */
export const DEVELOPER_ACCESS = 30;

const EMOJI: Record<Reaction, string> = { eyes: 'eyes', '+1': 'thumbsup', confused: 'confused' };

const Mr = z.object({
  iid: z.number(), state: z.string(), title: z.string(), description: z.string().nullable().default(''),
  source_branch: z.string(), target_branch: z.string(), sha: z.string().nullable().default(''), web_url: z.string(),
  source_project_id: z.number(), target_project_id: z.number(),
});
type Mr = z.infer<typeof Mr>;
const Note = z.object({ id: z.number(), body: z.string(), system: z.boolean().default(false), author: z.object({ username: z.string() }).nullable().default(null) });
const Project = z.object({ default_branch: z.string().nullable() });
const Compare = z.object({ commits: z.array(z.object({ id: z.string(), author_email: z.string().nullable().default(null) })) });
const Commit = z.object({ id: z.string() });
const Users = z.array(z.object({ id: z.number(), username: z.string() }));
const Member = z.object({ access_level: z.number(), state: z.string().optional() });

export function httpStatus(err: unknown): number | undefined {
  const cause = (err as { cause?: { response?: { status?: unknown } } } | null)?.cause;
  return typeof cause?.response?.status === 'number' ? cause.response.status : undefined;
}

async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (httpStatus(err) === 404) return null;
    throw err;
  }
}

function toPr(m: Mr): PullRequestInfo {
  return {
    number: m.iid,
    state: m.state === 'merged' ? 'merged' : m.state === 'opened' ? 'open' : 'closed',
    title: m.title, body: m.description ?? '', headRef: m.source_branch, headSha: m.sha ?? '', baseRef: m.target_branch,
    // An MR from another project (a fork) is never ours to push to or act on.
    fromFork: m.source_project_id !== m.target_project_id,
    url: m.web_url,
  };
}

export interface GitLabIdentity {
  /** Username of the token's user: notes by it are ours. */
  botLogin: string;
  /** Author e-mail set on every commit the app makes: commits with another e-mail are a person's. */
  botEmail: string;
}

export class GitLabPlatform implements Platform {
  readonly kind = 'gitlab' as const;
  readonly botLogin: string;
  private readonly botEmail: string;

  constructor(private readonly api: GitlabApi, identity: GitLabIdentity) {
    this.botLogin = identity.botLogin;
    this.botEmail = identity.botEmail;
  }

  /** `owner` may hold subgroups (`acme/platform`); gitbeaker URL-encodes the full path. */
  private id(r: RepoRef): string {
    return `${r.owner}/${r.repo}`;
  }

  async defaultBranch(r: RepoRef): Promise<string> {
    const p = Project.parse(await this.api.Projects.show(this.id(r)));
    if (!p.default_branch) throw new PlatformError(`GitLab project ${this.id(r)} has no default branch (empty repository?); push a first commit`);
    return p.default_branch;
  }

  async readFile(r: RepoRef, path: string, ref?: string): Promise<string | null> {
    const at = ref ?? (await this.defaultBranch(r));
    const raw = await orNull(this.api.RepositoryFiles.showRaw(this.id(r), path, at));
    if (raw === null) return null;
    return typeof raw === 'string' ? raw : await raw.text();
  }

  async getPullRequest(r: RepoRef, number: number): Promise<PullRequestInfo> {
    return toPr(Mr.parse(await this.api.MergeRequests.show(this.id(r), number)));
  }

  async findOpenPullRequest(r: RepoRef, branch: string): Promise<PullRequestInfo | null> {
    const list = z.array(Mr).parse(await this.api.MergeRequests.all({ projectId: this.id(r), state: 'opened', sourceBranch: branch, perPage: 20, maxPages: 1 }));
    return list.map(toPr).find((p) => p.headRef === branch && !p.fromFork) ?? null;
  }

  async branchCommits(r: RepoRef, base: string, branch: string): Promise<BranchCommit[] | null> {
    if ((await orNull(this.api.Branches.show(this.id(r), branch))) === null) return null;
    const cmp = Compare.parse(await this.api.Repositories.compare(this.id(r), base, branch));
    // GitLab commits carry an e-mail, not a username: ours are the ones with the bot's e-mail.
    return cmp.commits.map((c) => ({ sha: c.id, authorLogin: c.author_email === this.botEmail ? this.botLogin : null }));
  }

  async commitFiles(r: RepoRef, input: { base: string; branch: string; message: string; files: FileChange[] }): Promise<string> {
    // The branch is rebuilt from `base` (force), so create/update depends on the file at the base.
    const actions = [];
    for (const f of input.files) {
      const exists = (await this.readFile(r, f.path, input.base)) !== null;
      actions.push({ action: exists ? 'update' as const : 'create' as const, filePath: f.path, content: f.content });
    }
    const commit = Commit.parse(await this.api.Commits.create(this.id(r), input.branch, input.message, actions, {
      startBranch: input.base, force: true, authorEmail: this.botEmail, authorName: this.botLogin,
    }));
    return commit.id;
  }

  async createPullRequest(r: RepoRef, input: { base: string; branch: string; title: string; body: string; labels: string[] }): Promise<PullRequestInfo> {
    const mr = await this.api.MergeRequests.create(this.id(r), input.branch, input.base, input.title, {
      description: input.body, removeSourceBranch: true, ...(input.labels.length ? { labels: input.labels.join(',') } : {}),
    });
    return toPr(Mr.parse(mr));
  }

  async updatePullRequest(r: RepoRef, number: number, input: { title?: string; body?: string }): Promise<void> {
    await this.api.MergeRequests.edit(this.id(r), number, { ...(input.title !== undefined ? { title: input.title } : {}), ...(input.body !== undefined ? { description: input.body } : {}) });
  }

  async listComments(r: RepoRef, number: number): Promise<CommentInfo[]> {
    const notes = z.array(Note).parse(await this.api.MergeRequestNotes.all(this.id(r), number, { perPage: 100 }));
    // System notes ("added 1 commit") are GitLab's, even when attributed to the bot.
    return notes.filter((n) => !n.system).map((n) => ({ id: n.id, body: n.body, authorLogin: n.author?.username ?? null }));
  }

  async createComment(r: RepoRef, number: number, body: string): Promise<CommentInfo> {
    const n = Note.parse(await this.api.MergeRequestNotes.create(this.id(r), number, body));
    return { id: n.id, body: n.body, authorLogin: n.author?.username ?? null };
  }

  async updateComment(r: RepoRef, commentId: number, body: string, number: number): Promise<void> {
    await this.api.MergeRequestNotes.edit(this.id(r), number, commentId, { body });
  }

  async react(r: RepoRef, commentId: number, reaction: Reaction, number: number): Promise<void> {
    try {
      await this.api.MergeRequestNoteAwardEmojis.award(this.id(r), number, commentId, EMOJI[reaction]);
    } catch (err) {
      // A retried job awards twice: GitLab answers "has already been taken"; the note may also be gone.
      if (![400, 404, 409].includes(httpStatus(err) ?? 0)) throw err;
    }
  }

  private async userId(login: string): Promise<number | null> {
    const users = Users.parse(await this.api.Users.all({ username: login }));
    return users.find((u) => u.username.toLowerCase() === login.toLowerCase())?.id ?? null;
  }

  async canWrite(r: RepoRef, login: string): Promise<boolean> {
    const uid = await this.userId(login);
    if (uid === null) return false;
    const m = await orNull(this.api.ProjectMembers.show(this.id(r), uid, { includeInherited: true }));
    return m !== null && Member.parse(m).access_level >= DEVELOPER_ACCESS;
  }

  async isTeamMember(_r: RepoRef, team: string, login: string): Promise<boolean> {
    const uid = await this.userId(login);
    if (uid === null) return false;
    const m = await orNull(this.api.GroupMembers.show(team, uid, { includeInherited: true }));
    return m !== null && (Member.parse(m).state ?? 'active') === 'active';
  }

  async createCheck(r: RepoRef, input: CheckRunInput): Promise<void> {
    // A commit status has no annotations: the first ones go into the (255-char) description.
    const detail = (input.annotations ?? []).map((a) => `${a.path}:${a.line}:${a.col} ${a.message}`).join('; ');
    const description = (detail ? `${input.title}: ${detail}` : input.title).slice(0, 255);
    await this.api.Commits.editStatus(this.id(r), input.headSha, input.conclusion === 'success' || input.conclusion === 'neutral' ? 'success' : 'failed', { name: input.name, description });
  }
}
