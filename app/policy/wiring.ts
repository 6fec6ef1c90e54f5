/**
 * How Policy Guard plugs into `slo-scout serve` and `slo-scout worker`: its HTTP routes (Slack,
 * PagerDuty), its slash-commands, and the `policy-evaluate` job it enqueues. A channel whose
 * secrets are missing is disabled with one clear startup log line, and its route answers 404.
 */
import { z } from 'zod';
import { UnrecoverableError } from 'bullmq';
import type { HttpRoute } from '../server/http.js';
import type { BaseDeps } from '../deps.js';
import type { Pool } from '../store/db.js';
import type { QueueName } from '../queues.js';
import { slackRoute, SlackClient } from '../chat/slack.js';
import type { Logger } from '../logger.js';
import { pagerDutyRoute, PagerDutyClient } from '../chat/pagerduty.js';
import { DecisionStore } from '../store/approvals.js';
import { AuditStore } from '../store/audit.js';
import { NotificationStore } from '../store/notifications.js';
import { handlePagerDutyAck, handleSlackDecision, policyCommands, type DecisionDeps } from './handlers.js';
import type { CommandHandler } from '../commands/registry.js';
import { githubPolicyVcs, type OctokitLike } from './github.js';
import { gitlabPolicyVcs } from './gitlab.js';
import { createGitlabApi } from '../vcs/gitlab-client.js';
import type { GitlabApi } from '../vcs/gitlab.js';
import type { PolicyVcs } from './vcs.js';

export const PolicyEvaluateJob = z.object({
  /** Jobs enqueued before GitLab had a guard carry no platform: they are GitHub's. */
  platform: z.enum(['github', 'gitlab']).default('github'),
  /** GitHub: the owner. GitLab: the project's namespace (`group/sub`); `${owner}/${repo}` is the project path. */
  owner: z.string().min(1),
  repo: z.string().min(1),
  /** PR number (GitHub) or MR iid (GitLab). */
  prNumber: z.number().int().positive(),
  installationId: z.number().int().optional(),
  trigger: z.enum(['push', 'comment', 'review', 'rerequested', 'slack', 'pagerduty', 'manual', 'closed']).default('push'),
});
export type PolicyEvaluateJob = z.infer<typeof PolicyEvaluateJob>;

/** Enough of `Queues` to add a job (app/queues.ts). */
export interface QueuesLike {
  get(name: QueueName): { add(name: string, data: unknown, opts?: Record<string, unknown>): Promise<unknown> };
}

/** Every trigger is its own job: each reads the latest PR state, so order does not matter. */
export async function enqueuePolicyEvaluation(queues: QueuesLike, job: z.input<typeof PolicyEvaluateJob>): Promise<void> {
  await queues.get('policy-evaluate').add('policy-evaluate', PolicyEvaluateJob.parse(job));
}

export interface PolicyEnv {
  SLACK_SIGNING_SECRET?: string;
  SLACK_BOT_TOKEN?: string;
  PAGERDUTY_WEBHOOK_SECRET?: string;
  PAGERDUTY_API_TOKEN?: string;
  /** API base URLs (app/config/env.ts); unset means the public services. */
  SLACK_API_URL?: string;
  PAGERDUTY_API_URL?: string;
  PAGERDUTY_EVENTS_URL?: string;
}

/** The Slack client of serve and worker; undefined without SLACK_BOT_TOKEN. */
export function slackClientFromEnv(env: PolicyEnv, logger?: Logger): SlackClient | undefined {
  return env.SLACK_BOT_TOKEN ? new SlackClient({ token: env.SLACK_BOT_TOKEN, ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}), ...(logger ? { logger } : {}) }) : undefined;
}

/** The PagerDuty client: the Events API needs only the config's routing keys, on-call lookups PAGERDUTY_API_TOKEN. */
export function pagerDutyClientFromEnv(env: PolicyEnv): PagerDutyClient {
  return new PagerDutyClient({
    ...(env.PAGERDUTY_API_TOKEN ? { apiToken: env.PAGERDUTY_API_TOKEN } : {}),
    ...(env.PAGERDUTY_API_URL ? { apiUrl: env.PAGERDUTY_API_URL } : {}),
    ...(env.PAGERDUTY_EVENTS_URL ? { eventsUrl: env.PAGERDUTY_EVENTS_URL } : {}),
  });
}

export interface PolicyRouteDeps extends BaseDeps {
  env: PolicyEnv;
  pool: Pool;
  queues: QueuesLike;
}

/** `group/sub/project` -> owner `group/sub`, repo `project` (GitHub's `owner/repo` splits the same way). */
export function splitRepo(path: string): { owner: string; repo: string } {
  const i = path.lastIndexOf('/');
  return { owner: path.slice(0, i), repo: path.slice(i + 1) };
}

/** What the approval channels share: stores, audit, re-evaluation (exported for tests). */
export function decisionDeps(deps: PolicyRouteDeps): DecisionDeps {
  const notifications = new NotificationStore(deps.pool);
  return {
    async notifiedTarget(repo, prNumber, kind) {
      const sent = await notifications.open(repo, prNumber, kind);
      // Kept in the notification's ref since GitLab has a guard; older notifications are GitHub's.
      if (sent.at(-1)?.ref.platform === 'gitlab') return { platform: 'gitlab' };
      // The newest notification of the PR on that channel with an installation; any head of the PR shares it.
      const installationId = sent.map((n) => Number(n.ref.installation_id)).filter((n) => Number.isInteger(n) && n > 0).at(-1);
      return { platform: 'github', ...(installationId !== undefined ? { installationId } : {}) };
    },
    decisions: new DecisionStore(deps.pool),
    audit: new AuditStore(deps.pool),
    logger: deps.logger.child({ component: 'policy-guard' }),
    requestEvaluation: (j) => enqueuePolicyEvaluation(deps.queues, {
      ...splitRepo(j.repo), platform: j.platform ?? 'github', prNumber: j.prNumber, installationId: j.installationId, trigger: j.trigger,
    }),
  };
}

/** `/slack/events` and `/webhooks/pagerduty`; logs once per disabled channel. */
export function policyRoutes(deps: PolicyRouteDeps): HttpRoute[] {
  const { env } = deps;
  const log = deps.logger.child({ component: 'policy-guard' });
  const d = decisionDeps(deps);
  const notifications = new NotificationStore(deps.pool);
  if (!env.SLACK_SIGNING_SECRET || !env.SLACK_BOT_TOKEN) {
    log.info('Slack approvals disabled: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to enable them (/slack/events answers 404 until then)');
  }
  if (!env.PAGERDUTY_WEBHOOK_SECRET || !env.PAGERDUTY_API_TOKEN) {
    log.info('PagerDuty approvals disabled: set PAGERDUTY_WEBHOOK_SECRET and PAGERDUTY_API_TOKEN to enable them (/webhooks/pagerduty answers 404 until then)');
  }
  const pagerduty = env.PAGERDUTY_API_TOKEN ? pagerDutyClientFromEnv(env) : undefined;
  return [
    // Bolt on the shared server: the click is acked first, the decision taken after, the reply sent with Bolt's client.
    slackRoute({
      signingSecret: env.SLACK_BOT_TOKEN ? env.SLACK_SIGNING_SECRET : undefined,
      botToken: env.SLACK_BOT_TOKEN,
      apiUrl: env.SLACK_API_URL,
      clock: deps.clock,
      logger: deps.logger,
      onDecision: (decision, slack) => handleSlackDecision({ ...d, slack }, decision),
    }),
    pagerDutyRoute({
      webhookSecret: pagerduty ? env.PAGERDUTY_WEBHOOK_SECRET : undefined,
      seen: (id) => notifications.seen(id),
      markSeen: async (id) => { await notifications.firstSighting(id); },
      onAcknowledged: async (ack) => { await handlePagerDutyAck({ ...d, pagerduty: pagerduty! }, ack); },
      logger: deps.logger,
    }),
  ];
}

/**
 * `approve` / `reject` for the command registry (`registry.register(...)` each). They run as
 * `read` commands (no PR fetched by the dispatcher), so the head SHA comes from `policyVcsFor`.
 */
export function policyCommandHandlers(deps: Omit<PolicyRouteDeps, 'env'> & { policyVcsFor?(installationId: number | undefined): Promise<PolicyVcs> }): CommandHandler[] {
  const base = decisionDeps({ ...deps, env: {} });
  const vcsFor = deps.policyVcsFor;
  return policyCommands({
    ...base,
    ...(vcsFor ? { headShaOf: async (repo: string, pr: number, installationId?: number) => (await (await vcsFor(installationId)).getPullRequest(repo, pr)).headSha } : {}),
  });
}

export interface PolicyWorkerWiring {
  policyVcsFor(installationId: number | undefined): Promise<PolicyVcs>;
  /** GitLab's PolicyVcs (GITLAB_TOKEN's user); absent when GitLab is not configured. */
  gitlabPolicyVcs?(): Promise<PolicyVcs>;
  /** The installation of a repository, asked with the app's JWT (`GET /repos/{owner}/{repo}/installation`). */
  installationFor?(owner: string, repo: string): Promise<number>;
  env: Record<string, string | undefined>;
}

/**
 * What the worker adds to its deps for `policy-evaluate`: the installation's PolicyVcs, the env,
 * and (given the app-level client) a lookup of the installation for jobs that arrived without one
 * (an approval on a notification sent before installations were kept with notifications).
 */
export function policyWorkerDeps(authFor: (installationId: number) => Promise<OctokitLike>, env: Record<string, string | undefined>, appClient?: () => Promise<OctokitLike>, gitlabApi?: GitlabApi): PolicyWorkerWiring {
  // GitLab needs no per-job auth: one token (the bot user's), one client per process. The worker
  // passes its instrumented client (slo_scout_gitlab_api_calls_total), shared with the platform.
  const gitlab = env.GITLAB_TOKEN ? gitlabPolicyVcs(gitlabApi ?? createGitlabApi({ url: env.GITLAB_URL || 'https://gitlab.com', token: env.GITLAB_TOKEN })) : undefined;
  return {
    env,
    ...(gitlab ? { gitlabPolicyVcs: async () => gitlab } : {}),
    async policyVcsFor(installationId) {
      if (installationId === undefined) throw new UnrecoverableError('policy-evaluate job has no installation id and the app could not look it up; re-trigger it from a webhook (push to the PR or press Re-run on the check)');
      return githubPolicyVcs(await authFor(installationId));
    },
    ...(appClient ? {
      async installationFor(owner: string, repo: string) {
        const { data } = await (await appClient()).request('GET /repos/{owner}/{repo}/installation', { owner, repo });
        const id = z.object({ id: z.number().int().positive() }).safeParse(data);
        if (!id.success) throw new UnrecoverableError(`GitHub did not say which installation covers ${owner}/${repo}; is the app still installed there?`);
        return id.data.id;
      },
    } : {}),
  };
}

/**
 * The PolicyVcs of a job's platform, and the GitHub installation when there is one. A job for a
 * platform this worker is not configured for fails permanently, saying what to set.
 */
export async function policyVcsForJob(
  job: PolicyEvaluateJob,
  deps: { policyVcsFor?(installationId: number | undefined): Promise<PolicyVcs>; installationFor?(owner: string, repo: string): Promise<number>; gitlabPolicyVcs?(): Promise<PolicyVcs> },
): Promise<{ vcs: PolicyVcs; installationId?: number }> {
  if (job.platform === 'gitlab') {
    if (!deps.gitlabPolicyVcs) throw new UnrecoverableError('a GitLab policy-evaluate job arrived but this worker has no GITLAB_TOKEN; set GITLAB_TOKEN (and GITLAB_URL for self-managed GitLab) and restart `slo-scout worker`');
    return { vcs: await deps.gitlabPolicyVcs() };
  }
  if (!deps.policyVcsFor) throw new UnrecoverableError('policy-evaluate needs the GitHub App (policyVcsFor) in the worker deps for a GitHub job; see app/policy/wiring.ts');
  const installationId = job.installationId ?? (await deps.installationFor?.(job.owner, job.repo));
  return { vcs: await deps.policyVcsFor(installationId), ...(installationId !== undefined ? { installationId } : {}) };
}
