/** PolicyVcs over GitHub's REST API with the installation's Octokit (retry and throttling come from Probot). */
import { CHECK_NAME, type PolicyChangedFile, type PolicyVcs } from './vcs.js';

/** The slice of Octokit used here: `request(route, params)`. */
export interface OctokitLike {
  request(route: string, params?: Record<string, unknown>): Promise<{ status: number; data: unknown }>;
}

function split(repo: string): { owner: string; repo: string } {
  const [owner, name] = repo.split('/');
  return { owner: owner!, repo: name! };
}

const isNotFound = (err: unknown) => (err as { status?: number }).status === 404;

// GitHub lists at most 3000 files per PR; 30 pages of 100.
const MAX_FILE_PAGES = 30;

export function githubPolicyVcs(octokit: OctokitLike): PolicyVcs {
  return {
    async getPullRequest(repo, pr) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...split(repo), pull_number: pr });
      const d = data as { number: number; state: 'open' | 'closed'; merged?: boolean; merged_at?: string | null; head: { sha: string }; base: { sha: string }; user: { login: string } | null; html_url: string };
      return { number: d.number, state: d.state, merged: Boolean(d.merged ?? d.merged_at), headSha: d.head.sha, baseSha: d.base.sha, author: d.user?.login ?? '', url: d.html_url };
    },
    async listChangedFiles(repo, pr) {
      const out: PolicyChangedFile[] = [];
      for (let page = 1; page <= MAX_FILE_PAGES; page++) {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { ...split(repo), pull_number: pr, per_page: 100, page });
        const files = data as { filename: string; previous_filename?: string; status: PolicyChangedFile['status'] }[];
        for (const f of files) out.push({ path: f.filename, status: f.status, ...(f.previous_filename ? { previousPath: f.previous_filename } : {}) });
        if (files.length < 100) break;
      }
      return out;
    },
    async readFile(repo, path, ref) {
      try {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { ...split(repo), path, ref });
        const d = data as { type?: string; content?: string; encoding?: string };
        if (d.type !== 'file' || d.content === undefined) return null;
        return Buffer.from(d.content, (d.encoding as BufferEncoding | undefined) ?? 'base64').toString('utf8');
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },
    async listFiles(repo, ref) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { ...split(repo), tree_sha: ref, recursive: '1' });
      return (data as { tree: { path: string; type: string }[] }).tree.filter((t) => t.type === 'blob').map((t) => t.path);
    },
    async isTeamMember(org, teamSlug, login) {
      try {
        const { data } = await octokit.request('GET /orgs/{org}/teams/{team_slug}/memberships/{username}', { org, team_slug: teamSlug, username: login });
        return (data as { state?: string }).state === 'active';
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
