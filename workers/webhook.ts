/**
 * `webhook` queue: one inbox delivery per job (job id = delivery id). Routes the event to its
 * handler and marks the inbox row processed; a row already processed is skipped, so a job that
 * runs twice (stalled worker, relay re-enqueue) has its effects once.
 */
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { dispatchComment } from '../app/commands/dispatch.js';
import { parseComment } from '../app/commands/parse.js';
import { readRepoConfig, runConfigCheck } from '../app/config-check.js';
import { syncSchedule } from '../app/schedule.js';
import type { InboxRow } from '../app/store/inbox.js';
import type { WorkerDeps } from '../app/ports.js';
import { WebhookJob } from '../app/queues.js';
import { enqueuePolicyEvaluation } from '../app/policy/wiring.js';
import { onCheckRerequested, onPullRequestReview } from '../app/policy/events.js';
import { AuditStore } from '../app/store/audit.js';
import type { Pool } from '../app/store/db.js';
import { routeGitlab } from './gitlab-webhook.js';
import { onInstallationEvent, requestAnalysis } from '../app/first-run.js';
import { addedRepositories, discoverFromEnv, onboardRepositories } from '../app/onboarding.js';

const User = z.object({ login: z.string(), type: z.string().optional() });
const Repository = z.object({ name: z.string(), owner: z.object({ login: z.string() }), default_branch: z.string().optional() });

const IssueCommentPayload = z.object({
  action: z.string(),
  issue: z.object({ number: z.number(), pull_request: z.unknown().optional() }),
  comment: z.object({ id: z.number(), body: z.string().nullable(), user: User }),
  sender: User,
  repository: Repository,
});

const PullRequestPayload = z.object({
  action: z.string(),
  pull_request: z.object({ number: z.number(), head: z.object({ sha: z.string(), repo: z.object({ full_name: z.string() }).nullable() }), base: z.object({ repo: z.object({ full_name: z.string() }) }) }),
  repository: Repository,
});

const PushPayload = z.object({
  ref: z.string(),
  commits: z.array(z.object({ added: z.array(z.string()).default([]), modified: z.array(z.string()).default([]), removed: z.array(z.string()).default([]) })).default([]),
  repository: Repository,
});

export type WebhookOutcome = string;

type WebhookDeps = WorkerDeps & { pool?: Pool };

export async function processWebhookJob(data: unknown, deps: WebhookDeps): Promise<WebhookOutcome> {
  const { deliveryId } = WebhookJob.parse(data);
  const row = await deps.inbox.get(deliveryId);
  if (!row) throw new UnrecoverableError(`delivery ${deliveryId} is not in the inbox (database restored from an older backup?)`);
  if (row.processedAt) return 'already-processed';
  let outcome: WebhookOutcome;
  try {
    outcome = await route(row, deps);
  } catch (err) {
    // A permanent failure is final: record it so the relay does not bring the delivery back.
    if (err instanceof UnrecoverableError || err instanceof z.ZodError) {
      await deps.inbox.markProcessed(deliveryId, (err as Error).message);
      throw new UnrecoverableError((err as Error).message);
    }
    throw err;
  }
  await deps.inbox.markProcessed(deliveryId);
  return outcome;
}

async function route(row: InboxRow, deps: WebhookDeps): Promise<WebhookOutcome> {
  const log = deps.logger.child({ deliveryId: row.deliveryId, event: row.event, action: row.action, repo: row.repo });
  const installationId = row.installationId ?? undefined;
  if (row.platform === 'gitlab') return routeGitlab(row, deps, log);
  switch (row.event) {
    case 'issue_comment': {
      const p = IssueCommentPayload.parse(row.payload);
      if (p.action !== 'created' && p.action !== 'edited') return 'ignored';
      // Issues see many more comments than SLO-Scout PRs: spend no API call on one without a command.
      if (!p.issue.pull_request && parseComment(p.comment.body ?? '').kind === 'none') return 'no-command';
      const platform = await deps.platformFor('github', installationId);
      const repo = { owner: p.repository.owner.login, repo: p.repository.name };
      const config = await readRepoConfig(platform, repo, undefined, deps.configTrust).catch(() => ({ found: false as const }));
      return dispatchComment({ platform, registry: deps.registry, logger: log, commandTeams: config.found && config.ok ? config.config.pullRequests.commandTeams : [] }, {
        repo, installationId, prNumber: p.issue.number, commentId: p.comment.id, body: p.comment.body ?? '',
        author: p.comment.user.login, authorIsBot: p.comment.user.type === 'Bot',
        editedByOther: p.action === 'edited' && p.sender.login !== p.comment.user.login,
        // `/slo-scout rerun` also works in an issue (a repo with no SLO-Scout PR yet).
        onIssue: !p.issue.pull_request,
      });
    }
    case 'pull_request': {
      const p = PullRequestPayload.parse(row.payload);
      if (['opened', 'synchronize', 'reopened', 'closed'].includes(p.action)) await enqueuePolicyEvaluation(deps.queues, { owner: p.repository.owner.login, repo: p.repository.name, prNumber: p.pull_request.number, installationId, trigger: p.action === 'closed' ? 'closed' : 'push' }); // Policy Guard
      if (!['opened', 'synchronize', 'reopened'].includes(p.action)) return 'ignored';
      const platform = await deps.platformFor('github', installationId);
      return `config-check-${await runConfigCheck(platform, { owner: p.repository.owner.login, repo: p.repository.name }, p.pull_request.head.sha, deps.configTrust)}`;
    }
    case 'push': {
      const p = PushPayload.parse(row.payload);
      if (p.ref !== `refs/heads/${p.repository.default_branch ?? 'main'}`) return 'ignored';
      const touched = p.commits.some((c) => [...c.added, ...c.modified, ...c.removed].some((f) => /^\.?slo-scout\.ya?ml$/.test(f)));
      if (!touched) return 'ignored';
      const platform = await deps.platformFor('github', installationId);
      const repo = { owner: p.repository.owner.login, repo: p.repository.name };
      const config = await readRepoConfig(platform, repo, undefined, deps.configTrust);
      // An invalid config keeps the last schedule: the config check on the PR already said what to fix.
      if (config.found && !config.ok) return 'config-invalid';
      const out = await syncSchedule(deps.queues, { platform: 'github', ...repo, installationId }, config.found ? config.config.schedule : null);
      // A new or changed config shows its first result now, not at the next cron tick.
      if (config.found) await requestAnalysis(deps.queues, { ...repo, platform: 'github', installationId, reason: 'config-change' });
      log.info({ schedule: out, analysis: config.found ? 'queued' : 'none' }, 'schedule updated from config');
      return `schedule-${out}${config.found ? '+analysis' : ''}`;
    }
    case 'installation':
    case 'installation_repositories': {
      // A first analysis for repositories that have a config (app/first-run.ts), and one onboarding
      // PR for those without one (app/onboarding.ts; it skips repositories that have a config).
      const out = await onInstallationEvent(row.event, row.payload, { queues: deps.queues, platformFor: deps.platformFor, logger: log });
      const repos = addedRepositories(row.event, row.payload);
      const pool = (deps as WorkerDeps & { pool?: Pool }).pool;
      let opened = 0;
      if (repos.length && pool) {
        const counts = await onboardRepositories({ platform: await deps.platformFor('github', installationId), pool, logger: log, discover: discoverFromEnv(process.env, log, () => deps.clock.now()) }, repos);
        opened = counts.opened;
      }
      if (out === 'ignored' && !repos.length) return 'ignored';
      return `first-run-${out === 'ignored' ? 0 : out.analysed.length}+onboarding-${opened}-opened`;
    }
    case 'pull_request_review': // Policy Guard: native review approvals (app/policy/events.ts)
      return onPullRequestReview(row.payload, installationId, { queues: deps.queues, ...(deps.pool ? { audit: new AuditStore(deps.pool) } : {}) });
    case 'check_run':
    case 'check_suite':
      return onCheckRerequested(row.event, row.payload, installationId, {
        queues: deps.queues,
        rerunConfigCheck: async (owner, repo, sha) => runConfigCheck(await deps.platformFor('github', installationId), { owner, repo }, sha),
      });
    default:
      return 'ignored';
  }
}
