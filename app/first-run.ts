/**
 * First value on install (issue 10): installing the app on repositories that already have a
 * `.slo-scout.yml`, adding such repositories to an installation, or pushing the config to the
 * default branch starts ONE analysis now, and creates the repo's schedule, instead of waiting for
 * the first cron tick. Repositories without a config are left to onboarding (a separate module
 * opens a setup PR there); this one only reports them.
 *
 * Several triggers close together (install, then the config push a minute later) collapse into
 * one analysis: BullMQ's debounce mode (deduplication with extend + replace) keeps one delayed job
 * per repo and moves it to the latest trigger.
 */
import { z } from 'zod';
import { readRepoConfig } from './config-check.js';
import type { Logger } from './logger.js';
import { syncSchedule } from './schedule.js';
import type { AnalyzeJob, Queues } from './queues.js';
import type { PlatformFactory } from './ports.js';

/** Long enough to merge an install with the config push that follows it, short enough to feel immediate. */
export const DEBOUNCE_MS = 10_000;
// An installation on a whole organisation can list thousands of repositories; each costs 1-3 reads.
const MAX_REPOS_PER_EVENT = 200;

const RepoRef = z.object({ full_name: z.string().regex(/^[^/]+\/[^/]+$/) });
// docs.github.com webhook-events-and-payloads#installation and #installation_repositories
const InstallationPayload = z.object({
  action: z.string(),
  installation: z.object({ id: z.number() }),
  repositories: z.array(RepoRef).nullish(),
});
const InstallationReposPayload = z.object({
  action: z.string(),
  installation: z.object({ id: z.number() }),
  repositories_added: z.array(RepoRef).default([]),
});

export interface FirstRunDeps {
  queues: Queues;
  platformFor: PlatformFactory;
  logger: Logger;
  debounceMs?: number;
}

export function analysisDebounceId(platform: string, owner: string, repo: string): string {
  return `analyze-${platform}-${owner}-${repo}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Queues one analysis of the repo soon; triggers within the debounce window become one job. */
export async function requestAnalysis(queues: Queues, job: Pick<AnalyzeJob, 'owner' | 'repo' | 'platform' | 'installationId' | 'reason'>, debounceMs = DEBOUNCE_MS): Promise<void> {
  const id = analysisDebounceId(job.platform, job.owner, job.repo);
  await queues.get('analyze').add('first-run', job, { delay: debounceMs, deduplication: { id, ttl: debounceMs, extend: true, replace: true } });
}

export interface FirstRunOutcome {
  analysed: string[];
  /** Repositories without `.slo-scout.yml` on their default branch (onboarding's job). */
  withoutConfig: string[];
  invalidConfig: string[];
  skipped: number;
}

/** `installation.created` / `installation_repositories.added`: analyse and schedule every added repo that has a valid config. */
export async function onInstallationEvent(event: 'installation' | 'installation_repositories', payload: unknown, deps: FirstRunDeps): Promise<FirstRunOutcome | 'ignored'> {
  let installationId: number;
  let repos: string[];
  if (event === 'installation') {
    const p = InstallationPayload.parse(payload);
    if (p.action !== 'created' && p.action !== 'new_permissions_accepted' && p.action !== 'unsuspend') return 'ignored';
    installationId = p.installation.id;
    repos = (p.repositories ?? []).map((r) => r.full_name);
  } else {
    const p = InstallationReposPayload.parse(payload);
    if (p.action !== 'added') return 'ignored';
    installationId = p.installation.id;
    repos = p.repositories_added.map((r) => r.full_name);
  }
  const out: FirstRunOutcome = { analysed: [], withoutConfig: [], invalidConfig: [], skipped: Math.max(0, repos.length - MAX_REPOS_PER_EVENT) };
  const platform = await deps.platformFor('github', installationId);
  for (const full of repos.slice(0, MAX_REPOS_PER_EVENT)) {
    const [owner, repo] = full.split('/') as [string, string];
    const config = await readRepoConfig(platform, { owner, repo });
    if (!config.found) { out.withoutConfig.push(full); continue; }
    if (!config.ok) { out.invalidConfig.push(full); continue; }
    await syncSchedule(deps.queues, { platform: 'github', owner, repo, installationId }, config.config.schedule);
    await requestAnalysis(deps.queues, { owner, repo, platform: 'github', installationId, reason: 'install' }, deps.debounceMs);
    out.analysed.push(full);
  }
  const log = deps.logger.child({ installationId, event });
  log.info({ analysed: out.analysed.length, withoutConfig: out.withoutConfig.length, invalidConfig: out.invalidConfig }, 'installation: first analyses queued for repositories with a config');
  if (out.skipped) log.warn({ skipped: out.skipped }, `installation lists more than ${MAX_REPOS_PER_EVENT} repositories; the rest start on their schedule or with /slo-scout rerun in an issue`);
  return out;
}
