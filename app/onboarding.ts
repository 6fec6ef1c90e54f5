/**
 * Onboarding (Renovate's "Configure Renovate" PR): when the app is installed on repositories, each
 * one WITHOUT a .slo-scout.yml gets one pull request adding a starter config, discovered from the
 * app's Prometheus when PROMETHEUS_URL is set (app/config/starter.ts). Once per repository, ever:
 * onboarding_prs remembers it, so a closed onboarding PR is never reopened. Repositories that
 * already have a config are left to the analysis path.
 */
import { z } from 'zod';
import { readRepoConfig } from './config-check.js';
import { renderStarterConfig, type Discovery } from './config/starter.js';
import type { Logger } from './logger.js';
import type { Pool } from './store/db.js';
import { ensurePullRequest } from './vcs/pr.js';
import type { Platform, RepoRef } from './vcs/platform.js';

export const ONBOARDING_BRANCH = 'slo-scout/onboarding';
/** A large organisation installs on thousands of repositories: one delivery handles at most this many. */
export const MAX_REPOS_PER_EVENT = 500;

const Repo = z.object({ full_name: z.string().regex(/^[^/\s]+\/[^/\s]+$/) });
export const InstallationPayload = z.object({
  action: z.string(),
  repositories: z.array(Repo).optional(),
  repositories_added: z.array(Repo).optional(),
});

/** Repositories an `installation` (created / new_permissions_accepted) or `installation_repositories` (added) delivery adds. */
export function addedRepositories(event: string, payload: unknown): RepoRef[] {
  const p = InstallationPayload.parse(payload);
  const list = event === 'installation' && (p.action === 'created' || p.action === 'new_permissions_accepted') ? p.repositories
    : event === 'installation_repositories' && p.action === 'added' ? p.repositories_added : undefined;
  return (list ?? []).slice(0, MAX_REPOS_PER_EVENT).map((r) => {
    const [owner, repo] = r.full_name.split('/') as [string, string];
    return { owner, repo };
  });
}

export interface OnboardingDeps {
  platform: Platform;
  pool: Pool;
  logger: Logger;
  /** What the app's Prometheus holds; null when the app has none configured (a generic starter is proposed). */
  discover: () => Promise<Discovery | null>;
  labels?: string[];
}

export type OnboardingOutcome = 'has-config' | 'already-onboarded' | 'opened' | 'blocked';

const GENERIC: Omit<Discovery, 'at'> = {
  prometheusUrl: 'http://prometheus:9090', lookback: '7d', histogram: null, otherHistograms: [], labelNames: [],
  service: null, route: null, status: null, version: null, services: [], probeRoutes: [],
};

export function onboardingBody(d: Discovery | null): string {
  return [
    'Welcome to SLO-Scout! This PR adds `.slo-scout.yml`, the file that tells SLO-Scout where your telemetry is and which services to propose SLOs for.',
    '',
    d?.histogram
      ? `It was written from what \`${d.prometheusUrl}\` holds: ${d.services.length} service(s) on \`${d.histogram}\`. Each choice is explained in a comment in the file.`
      : 'SLO-Scout could not look at your Prometheus from here, so the file is a template: set `datasources.prometheus.url` and the metric names (or run `npx slo-scout init --prometheus <url>` locally and push its result to this branch).',
    '',
    '**What happens when you merge it:** SLO-Scout analyses the last weeks of traffic and opens one pull request per service with proposed SLOs, evidence and a what-if simulation.',
    '',
    'Not now? Close this PR: SLO-Scout will not ask again for this repository. You can add `.slo-scout.yml` yourself at any time.',
  ].join('\n');
}

export async function onboardRepository(deps: OnboardingDeps, repo: RepoRef): Promise<OnboardingOutcome> {
  const full = `${repo.owner}/${repo.repo}`;
  const log = deps.logger.child({ repo: full });
  const seen = await deps.pool.query<{ state: string }>('SELECT state FROM onboarding_prs WHERE platform = $1 AND repo = $2', [deps.platform.kind, full]);
  if (seen.rows[0]?.state === 'opened') return 'already-onboarded';
  const config = await readRepoConfig(deps.platform, repo);
  if (config.found) return 'has-config';
  // Claim before opening: a crash between the two leaves 'claimed', and the retry finds the PR by branch.
  await deps.pool.query(`INSERT INTO onboarding_prs (platform, repo, state) VALUES ($1, $2, 'claimed') ON CONFLICT (platform, repo) DO NOTHING`, [deps.platform.kind, full]);
  const discovery = await deps.discover().catch((err: unknown) => {
    log.warn({ err: (err as Error).message }, 'could not read Prometheus for the onboarding config; proposing the template');
    return null;
  });
  const content = renderStarterConfig(discovery ?? { ...GENERIC, at: new Date(0).toISOString() });
  const out = await ensurePullRequest(deps.platform, repo, {
    branch: ONBOARDING_BRANCH, title: 'Configure SLO-Scout', body: onboardingBody(discovery),
    files: [{ path: '.slo-scout.yml', content }], labels: deps.labels ?? ['slo-scout'], commitMessage: 'Add .slo-scout.yml (SLO-Scout onboarding)',
  }, log);
  if (out.action === 'blocked-by-human-commits') return 'blocked';
  await deps.pool.query(`UPDATE onboarding_prs SET state = 'opened', pr_number = $3, updated_at = now() WHERE platform = $1 AND repo = $2`, [deps.platform.kind, full, out.pr.number]);
  log.info({ pr: out.pr.number, action: out.action }, 'onboarding pull request opened');
  return 'opened';
}

/** Every added repository in turn; one failing repository does not stop the others, the first error is rethrown at the end (the job retries, finished ones are skipped). */
export async function onboardRepositories(deps: OnboardingDeps, repos: RepoRef[]): Promise<Record<OnboardingOutcome, number>> {
  const counts: Record<OnboardingOutcome, number> = { 'has-config': 0, 'already-onboarded': 0, opened: 0, blocked: 0 };
  let firstError: unknown;
  for (const repo of repos) {
    try {
      counts[await onboardRepository(deps, repo)]++;
    } catch (err) {
      deps.logger.warn({ repo: `${repo.owner}/${repo.repo}`, err: (err as Error).message }, 'onboarding failed');
      firstError ??= err;
    }
  }
  if (firstError) throw firstError;
  return counts;
}

/** The app's Prometheus for onboarding configs: PROMETHEUS_URL, looked at over the last 7 days. */
export function discoverFromEnv(env: Record<string, string | undefined>, logger: Logger, now: () => Date): () => Promise<Discovery | null> {
  const url = env.PROMETHEUS_URL;
  if (!url || !URL.canParse(url)) return () => Promise.resolve(null);
  return async () => {
    const { PrometheusClient } = await import('./telemetry/prometheus/client.js');
    const { discoverPrometheus } = await import('./telemetry/prometheus/discover.js');
    return discoverPrometheus(new PrometheusClient({ url, logger, timeoutSeconds: 30 }), { end: Math.floor(now().getTime() / 1000), lookbackSeconds: 7 * 86_400 });
  };
}
