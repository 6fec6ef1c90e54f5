/**
 * PolicyVcs over GitHub's REST API with the installation's Octokit (retry and throttling come
 * from Probot). Every reply is parsed with zod: a reply that is not what GitHub documents becomes
 * a `PolicyGitHubError` naming the request and what was wrong, never a TypeError further down.
 */
import { z } from 'zod';
import { CHECK_NAME, type PolicyChangedFile, type PolicyReview, type PolicyVcs } from './vcs.js';

/** The slice of Octokit used here: `request(route, params)`. */
export interface OctokitLike {
  request(route: string, params?: Record<string, unknown>): Promise<{ status: number; data: unknown }>;
}

/** A GitHub read that failed or answered something unexpected; `status` is kept for retry classification. */
export class PolicyGitHubError extends Error {
  readonly status?: number;
  /** A reply of the wrong shape will not fix itself on retry (workers/errors.ts reads this). */
  readonly permanent: boolean;
  constructor(message: string, options: { cause?: unknown; status?: number; permanent?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PolicyGitHubError';
    if (options.status !== undefined) this.status = options.status;
    this.permanent = options.permanent ?? false;
  }
}

function split(repo: string): { owner: string; repo: string } {
  const [owner, name] = repo.split('/');
  return { owner: owner!, repo: name! };
}

const statusOf = (err: unknown) => (err as { status?: number }).status;
const isNotFound = (err: unknown) => statusOf(err) === 404;

// GitHub lists at most 3000 files per PR; 30 pages of 100.
const MAX_FILE_PAGES = 30;
const MAX_REVIEW_PAGES = 10;

const Pull = z.object({
  number: z.number(), state: z.enum(['open', 'closed']), merged: z.boolean().nullish(), merged_at: z.string().nullish(),
  head: z.object({ sha: z.string() }), base: z.object({ sha: z.string() }), user: z.object({ login: z.string() }).nullable(), html_url: z.string(),
});
const FileStatus = z.enum(['added', 'removed', 'modified', 'renamed', 'copied', 'changed', 'unchanged']);
const PullFiles = z.array(z.object({ filename: z.string(), previous_filename: z.string().optional(), status: FileStatus }));
const Contents = z.union([z.array(z.unknown()), z.object({ type: z.string(), content: z.string().optional(), encoding: z.string().optional() })]);
const Tree = z.object({ truncated: z.boolean().optional(), tree: z.array(z.object({ path: z.string(), type: z.string() })) });
const Membership = z.object({ state: z.string() });
const Reviews = z.array(z.object({
  id: z.number(), user: z.object({ login: z.string() }).nullable(), state: z.string(), commit_id: z.string().nullish(), submitted_at: z.string().nullish(),
}));

const REVIEW_STATES = new Set<PolicyReview['state']>(['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING']);

export function githubPolicyVcs(octokit: OctokitLike): PolicyVcs {
  /** One request, its reply parsed; failures name the request and keep the cause and status. */
  async function get<T>(what: string, route: string, params: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
    let data: unknown;
    try {
      ({ data } = await octokit.request(route, params));
    } catch (err) {
      const status = statusOf(err);
      throw new PolicyGitHubError(`GitHub ${route} (${what}) failed${status ? ` with HTTP ${status}` : ''}: ${(err as Error).message}`, { cause: err, ...(status ? { status } : {}) });
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PolicyGitHubError(`GitHub ${route} (${what}) answered an unexpected shape: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown'}`, { permanent: true });
    }
    return parsed.data;
  }

  return {
    async getPullRequest(repo, pr) {
      const d = await get(`${repo}#${pr}`, 'GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...split(repo), pull_number: pr }, Pull);
      return { number: d.number, state: d.state, merged: Boolean(d.merged ?? d.merged_at), headSha: d.head.sha, baseSha: d.base.sha, author: d.user?.login ?? '', url: d.html_url };
    },
    async listChangedFiles(repo, pr) {
      const out: PolicyChangedFile[] = [];
      for (let page = 1; page <= MAX_FILE_PAGES; page++) {
        const files = await get(`files of ${repo}#${pr}, page ${page}`, 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { ...split(repo), pull_number: pr, per_page: 100, page }, PullFiles);
        for (const f of files) out.push({ path: f.filename, status: f.status, ...(f.previous_filename ? { previousPath: f.previous_filename } : {}) });
        if (files.length < 100) break;
      }
      return out;
    },
    async listReviews(repo, pr) {
      const out: PolicyReview[] = [];
      for (let page = 1; page <= MAX_REVIEW_PAGES; page++) {
        const reviews = await get(`reviews of ${repo}#${pr}, page ${page}`, 'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { ...split(repo), pull_number: pr, per_page: 100, page }, Reviews);
        for (const r of reviews) {
          if (!r.user || !REVIEW_STATES.has(r.state as PolicyReview['state'])) continue;
          out.push({ id: r.id, login: r.user.login, state: r.state as PolicyReview['state'], commitId: r.commit_id ?? null, submittedAt: r.submitted_at ?? null });
        }
        if (reviews.length < 100) break;
      }
      return out;
    },
    async readFile(repo, path, ref) {
      try {
        const d = await get(`${path} at ${ref.slice(0, 12)}`, 'GET /repos/{owner}/{repo}/contents/{path}', { ...split(repo), path, ref }, Contents);
        if (Array.isArray(d) || d.type !== 'file' || d.content === undefined) return null;
        return Buffer.from(d.content, (d.encoding as BufferEncoding | undefined) ?? 'base64').toString('utf8');
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },
    async listFiles(repo, ref) {
      try {
        const d = await get(`tree of ${ref.slice(0, 12)}`, 'GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { ...split(repo), tree_sha: ref, recursive: '1' }, Tree);
        return d.tree.filter((t) => t.type === 'blob').map((t) => t.path);
      } catch (err) {
        if (isNotFound(err)) throw new PolicyGitHubError(`GitHub has no tree ${ref.slice(0, 12)} in ${repo} (404); the base commit may have been force-pushed away`, { cause: err, status: 404 });
        throw err;
      }
    },
    async isTeamMember(org, teamSlug, login) {
      try {
        const d = await get(`@${login} in ${org}/${teamSlug}`, 'GET /orgs/{org}/teams/{team_slug}/memberships/{username}', { org, team_slug: teamSlug, username: login }, Membership);
        return d.state === 'active';
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    async writeCheckRun(repo, run) {
      // Check-run output caps: 65535 characters per text field, 50 annotations per request.
      await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
        ...split(repo),
        name: CHECK_NAME,
        head_sha: run.headSha,
        ...(run.detailsUrl ? { details_url: run.detailsUrl } : {}),
        status: 'completed',
        conclusion: run.conclusion,
        output: {
          title: run.title.slice(0, 255),
          summary: run.summary.slice(0, 65_000),
          ...(run.text ? { text: run.text.slice(0, 65_000) } : {}),
          ...(run.annotations?.length ? { annotations: run.annotations.slice(0, 50).map((a) => ({ path: a.path, start_line: a.line, end_line: a.line, annotation_level: 'failure', message: a.message })) } : {}),
        },
      });
    },
  };
}
