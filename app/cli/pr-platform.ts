/**
 * The code host for `slo-scout pr`, from a plain token instead of the GitHub App: GITHUB_TOKEN in
 * Actions (or a PAT), GITLAB_TOKEN on GitLab. Which one and which repository come from flags or
 * from the CI's own variables, so a workflow step needs no arguments.
 */
import { ProbotOctokit } from 'probot';
import { GitHubPlatform, type Octokit } from '../vcs/github.js';
import { createGitlabApi, gitlabIdentity } from '../vcs/gitlab-client.js';
import { GitLabPlatform } from '../vcs/gitlab.js';
import type { Platform, RepoRef } from '../vcs/platform.js';
import type { Logger } from '../logger.js';
import { CliError, EXIT_INVALID } from './errors.js';

export interface TokenTarget {
  kind: 'github' | 'gitlab';
  repo: RepoRef;
  token: string;
  apiUrl: string;
  botLogin?: string;
}

/** Login GitHub shows as author of commits made with Actions' GITHUB_TOKEN. */
export const ACTIONS_BOT = 'github-actions[bot]';

type Vars = Record<string, string | undefined>;

/** Which host, repository and token: flags first, then the CI's variables (Actions, GitLab CI). */
export function resolveTarget(flags: { platform?: 'github' | 'gitlab'; repo?: string; botLogin?: string }, env: Vars): TokenTarget {
  const kind = flags.platform ?? (env.GITLAB_CI || (env.GITLAB_TOKEN && !env.GITHUB_TOKEN && !env.GH_TOKEN) ? 'gitlab' : 'github');
  const bot = flags.botLogin ?? env.SLO_SCOUT_BOT_LOGIN;
  if (kind === 'github') {
    const token = env.GITHUB_TOKEN ?? env.GH_TOKEN;
    if (!token) throw new CliError('GITHUB_TOKEN is not set: in a workflow pass `env: { GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }} }`; elsewhere use a token with contents:write and pull-requests:write (or use --dry-run)', EXIT_INVALID);
    const full = flags.repo ?? env.GITHUB_REPOSITORY;
    const m = full ? /^([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})$/.exec(full) : null;
    if (!m) throw new CliError(full ? `--repo ${JSON.stringify(full)}: expected owner/name` : 'no repository: pass --repo owner/name (GITHUB_REPOSITORY is set only inside GitHub Actions)', EXIT_INVALID);
    return { kind, repo: { owner: m[1]!, repo: m[2]! }, token, apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''), ...(bot ? { botLogin: bot } : {}) };
  }
  const token = env.GITLAB_TOKEN;
  if (!token) throw new CliError('GITLAB_TOKEN is not set: create a project or personal access token with the `api` scope (Developer role) and store it as a masked CI/CD variable', EXIT_INVALID);
  const full = flags.repo ?? env.CI_PROJECT_PATH;
  const m = full ? /^((?:[A-Za-z0-9_.-]{1,255}\/){1,20})([A-Za-z0-9_.-]{1,255})$/.exec(full) : null;
  if (!m) throw new CliError(full ? `--repo ${JSON.stringify(full)}: expected group/project (subgroups allowed)` : 'no project: pass --repo group/project (CI_PROJECT_PATH is set only inside GitLab CI)', EXIT_INVALID);
  const apiUrl = (env.GITLAB_URL ?? env.CI_SERVER_URL ?? 'https://gitlab.com').replace(/\/+$/, '');
  return { kind, repo: { owner: m[1]!.slice(0, -1), repo: m[2]! }, token, apiUrl, ...(bot ? { botLogin: bot } : {}) };
}

function status(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'status' in err ? Number((err as { status: unknown }).status) : undefined;
}

/**
 * Who commits: a PAT's user (GET /user), or for tokens that cannot read /user (Actions'
 * GITHUB_TOKEN, App installation tokens answer 403) github-actions[bot] inside Actions. The
 * login matters: commits by anyone else on the branch stop the update (app/vcs/pr.ts).
 */
async function githubBotLogin(octokit: Octokit, target: TokenTarget, env: Vars): Promise<string> {
  if (target.botLogin) return target.botLogin;
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch (err) {
    if (status(err) === 401) throw new CliError(`GitHub rejected the token (401 at ${target.apiUrl}/user): check GITHUB_TOKEN`);
    if (status(err) === 403 && env.GITHUB_ACTIONS === 'true') return ACTIONS_BOT;
    if (status(err) === 403) throw new CliError('this token cannot read /user (an App installation token?): pass --bot-login <login the commits are authored as>, e.g. my-app[bot]', EXIT_INVALID);
    throw err;
  }
}

export async function platformFor(target: TokenTarget, logger: Logger, env: Vars, octokitOptions: Record<string, unknown> = {}): Promise<Platform> {
  if (target.kind === 'github') {
    const octokit = new ProbotOctokit({ auth: { token: target.token }, baseUrl: target.apiUrl, log: logger, ...octokitOptions }) as Octokit;
    return new GitHubPlatform(octokit, await githubBotLogin(octokit, target, env));
  }
  const api = createGitlabApi({ url: target.apiUrl, token: target.token });
  try {
    const id = await gitlabIdentity(api, target.apiUrl);
    return new GitLabPlatform(api, target.botLogin ? { ...id, botLogin: target.botLogin } : id);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/** One line that says what to change when the host refuses (the usual first-run problems). */
export function explainHostError(err: unknown, target: TokenTarget): string {
  const s = status(err) ?? (err as { cause?: { response?: { status?: number } } }).cause?.response?.status;
  const msg = (err as Error).message;
  const where = target.kind === 'github' ? `${target.repo.owner}/${target.repo.repo}` : `${target.repo.owner}/${target.repo.repo} on ${target.apiUrl}`;
  if (s === 401) return `${where}: the token was rejected (401): ${msg}`;
  if (s === 403 && target.kind === 'github') {
    return `${where}: GitHub refused (403: ${msg}). The workflow needs \`permissions: { contents: write, pull-requests: write }\`, and the repository (or organisation) setting "Allow GitHub Actions to create and approve pull requests" for GITHUB_TOKEN to open PRs`;
  }
  if (s === 403) return `${where}: GitLab refused (403: ${msg}); the token needs the \`api\` scope and the Developer role`;
  if (s === 404) return `${where}: not found (404: ${msg}); check --repo and that the token can see the repository`;
  return `${where}: ${msg}`;
}
