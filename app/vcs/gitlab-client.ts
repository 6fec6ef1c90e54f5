/**
 * Builds the GitLab platform for the workers from GITLAB_URL / GITLAB_TOKEN. The token's user is
 * the bot: its username marks our notes, and one fixed author e-mail marks our commits.
 */
import { Gitlab } from '@gitbeaker/rest';
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import type { PlatformFactory } from '../ports.js';
import type { Logger } from '../logger.js';
import { recordGitLabCall, type Metrics } from '../server/metrics.js';
import { GitLabPlatform, httpStatus, type GitlabApi, type GitLabIdentity } from './gitlab.js';

const CurrentUser = z.object({ id: z.number(), username: z.string(), commit_email: z.string().nullish(), email: z.string().nullish() });

/** With `metrics`, every call is counted in slo_scout_gitlab_api_calls_total (instrumentGitlab). */
export function createGitlabApi(input: { url: string; token: string; metrics?: Metrics }): GitlabApi {
  const api = new Gitlab({ host: input.url.replace(/\/+$/, ''), token: input.token });
  return input.metrics ? instrumentGitlab(api, input.metrics) : api;
}

type RequestFn = (endpoint: string, options?: unknown) => Promise<unknown>;
const REQUEST_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const instrumented = new WeakSet<object>();

/**
 * Counts every call of this client: each gitbeaker resource (api.MergeRequests, api.Commits, …)
 * has its own requester, whose get/post/put/patch/delete are wrapped once. One call is one count,
 * with its final status: gitbeaker's own retries of 429/502 happen inside it.
 */
export function instrumentGitlab(api: GitlabApi, metrics: Metrics): GitlabApi {
  for (const resource of Object.values(api as unknown as Record<string, unknown>)) {
    const { requester, url } = (resource ?? {}) as { requester?: Partial<Record<(typeof REQUEST_METHODS)[number], RequestFn>>; url?: unknown };
    if (!requester || instrumented.has(requester)) continue;
    // Some resources (notes, award emoji) send endpoints relative to their own prefix (`projects`).
    const prefix = typeof url === 'string' ? (url.split('/api/v4/')[1] ?? '').replace(/\/+$/, '') : '';
    instrumented.add(requester);
    for (const m of REQUEST_METHODS) {
      const inner = requester[m];
      if (typeof inner !== 'function') continue;
      requester[m] = async (endpoint, options) => {
        try {
          const res = await inner(endpoint, options);
          recordGitLabCall(metrics, m, prefix ? `${prefix}/${endpoint}` : endpoint, (res as { status?: unknown } | null)?.status === undefined ? 200 : Number((res as { status: unknown }).status));
          return res;
        } catch (err) {
          recordGitLabCall(metrics, m, prefix ? `${prefix}/${endpoint}` : endpoint, httpStatus(err) ?? 0);
          throw err;
        }
      };
    }
  }
  return api;
}

/** Who the token is; the e-mail falls back to GitLab's no-reply form when the token cannot read it. */
export async function gitlabIdentity(api: GitlabApi, url: string): Promise<GitLabIdentity> {
  let me: z.infer<typeof CurrentUser>;
  try {
    me = CurrentUser.parse(await api.Users.showCurrentUser());
  } catch (err) {
    throw new UnrecoverableError(`GitLab rejected GITLAB_TOKEN at ${url}/api/v4/user (${(err as Error).message}); create a token with the \`api\` scope for the bot user and set GITLAB_TOKEN`);
  }
  return { botLogin: me.username, botEmail: me.commit_email || me.email || `${me.id}-${me.username}@users.noreply.${new URL(url).host}` };
}

/** One platform per process: the identity is read once, on the first GitLab job. */
export function gitlabPlatformFactory(input: { url: string; token: string }, api: GitlabApi = createGitlabApi(input)): () => Promise<GitLabPlatform> {
  let platform: Promise<GitLabPlatform> | null = null;
  return async () => {
    platform ??= gitlabIdentity(api, input.url).then((id) => new GitLabPlatform(api, id));
    try {
      return await platform;
    } catch (err) {
      platform = null; // try again on the next job (token fixed, GitLab back)
      throw err;
    }
  };
}

/**
 * The workers' platform factory: GitHub as given, GitLab only when GITLAB_TOKEN is set. Without
 * it one startup line says how to turn GitLab on, and GitLab jobs fail permanently saying the same.
 */
export function withGitlab(github: PlatformFactory, env: { GITLAB_URL: string; GITLAB_TOKEN?: string }, logger: Logger, api?: GitlabApi): PlatformFactory {
  if (!env.GITLAB_TOKEN) {
    logger.info('GitLab support off: set GITLAB_TOKEN (token of the bot user, `api` scope) and GITLAB_URL to act on GitLab merge requests');
    return async (kind, installationId) => {
      if (kind === 'gitlab') throw new UnrecoverableError('a GitLab job arrived but this worker has no GITLAB_TOKEN; set GITLAB_TOKEN (and GITLAB_URL for self-managed GitLab) and restart `slo-scout worker`');
      return github(kind, installationId);
    };
  }
  logger.info({ gitlabUrl: env.GITLAB_URL }, 'GitLab support on');
  const gitlab = gitlabPlatformFactory({ url: env.GITLAB_URL, token: env.GITLAB_TOKEN }, api);
  return async (kind, installationId) => (kind === 'gitlab' ? gitlab() : github(kind, installationId));
}
