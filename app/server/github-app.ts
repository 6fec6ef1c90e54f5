/** Probot instance and per-installation Platform factory from the validated environment. */
import { Probot, ProbotOctokit } from 'probot';
import type { Env } from '../config/env.js';
import { readPrivateKey } from '../config/env.js';
import type { Logger } from '../logger.js';
import { recordGitHubResponse, type Metrics } from './metrics.js';
import { GitHubPlatform, type Octokit } from '../vcs/github.js';
import type { PlatformFactory } from '../ports.js';
import { UnrecoverableError } from 'bullmq';

export function githubBaseUrl(env: Env): string | undefined {
  return env.GHE_HOST ? `${env.GHE_PROTOCOL}://${env.GHE_HOST}/api/v3` : undefined;
}

export function createProbot(env: Env, logger: Logger): Probot {
  return new Probot({
    appId: env.APP_ID,
    privateKey: readPrivateKey(env),
    secret: env.WEBHOOK_SECRET,
    baseUrl: githubBaseUrl(env),
    log: logger.child({ component: 'probot' }),
    // Probot's Octokit already has the throttling (primary + secondary rate limits) and retry plugins.
    Octokit: ProbotOctokit,
  });
}

/** Counts every request of this client in slo_scout_github_api_calls_total (and the rate-limit gauge). */
export function instrument<O extends Pick<Octokit, 'hook'>>(octokit: O, metrics: Metrics): O {
  octokit.hook.after('request', (res, options) => recordGitHubResponse(metrics, options.method, res.status, res.headers as Record<string, unknown>));
  octokit.hook.error('request', (err, options) => {
    const e = err as { status?: number; response?: { headers?: Record<string, unknown> } };
    recordGitHubResponse(metrics, options.method, e.status ?? 0, e.response?.headers ?? {});
    throw err;
  });
  return octokit;
}

export function githubPlatformFactory(probot: Probot, metrics: Metrics): PlatformFactory {
  let botLogin: Promise<string> | null = null;
  return async (kind, installationId) => {
    if (kind !== 'github') throw new UnrecoverableError('GitLab jobs need GITLAB_TOKEN and the GitLab platform, which this worker was not started with');
    if (installationId === undefined) throw new UnrecoverableError('job has no installation id; re-trigger it from a webhook or `/slo-scout rerun`');
    // The app's bot user is `<slug>[bot]`; commits and comments by it are ours.
    botLogin ??= probot.auth().then(async (app) => `${(await instrument(app, metrics).rest.apps.getAuthenticated()).data?.slug ?? 'slo-scout'}[bot]`);
    return new GitHubPlatform(instrument(await probot.auth(installationId), metrics), await botLogin);
  };
}
