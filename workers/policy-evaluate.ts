/**
 * `policy-evaluate` queue: recompute the Policy Guard check run of one PR (after a push, a
 * comment, a Slack click or a PagerDuty acknowledgement), or resolve its PagerDuty events when
 * the PR was closed. Transient errors (GitHub 5xx, Slack/PagerDuty timeouts) throw and retry.
 */
import { UnrecoverableError } from 'bullmq';
import type { BaseDeps } from '../app/deps.js';
import type { Pool } from '../app/store/db.js';
import { DecisionStore } from '../app/store/approvals.js';
import { AuditStore } from '../app/store/audit.js';
import { NotificationStore } from '../app/store/notifications.js';
import { SlackClient } from '../app/chat/slack.js';
import { PagerDutyClient } from '../app/chat/pagerduty.js';
import { evaluatePullRequest, resolveEscalations, type PolicyDeps } from '../app/policy/service.js';
import { EvaluationStore } from '../app/store/evaluations.js';
import { detailsLinksFromEnv } from '../app/web/links.js';
import { PolicyEvaluateJob, type PolicyEnv } from '../app/policy/wiring.js';
import type { PolicyVcs } from '../app/policy/vcs.js';

export interface PolicyWorkerDeps extends BaseDeps {
  pool?: Pool;
  /** The installation's PolicyVcs: `githubPolicyVcs(octokit)` (app/policy/github.ts). */
  policyVcsFor?(installationId: number | undefined): Promise<PolicyVcs>;
  /** Process environment (channel secrets and `{ env: NAME }` routing keys). */
  env?: PolicyEnv & Record<string, string | undefined>;
}

export async function processPolicyEvaluateJob(data: unknown, deps: PolicyWorkerDeps): Promise<string> {
  const parsed = PolicyEvaluateJob.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`policy-evaluate job payload is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (!deps.pool || !deps.policyVcsFor) throw new UnrecoverableError('policy-evaluate needs DATABASE_URL and the GitHub App (policyVcsFor) in the worker deps; see app/policy/wiring.ts');
  const job = parsed.data;
  const env = deps.env ?? {};
  const policyDeps: PolicyDeps = {
    logger: deps.logger, clock: deps.clock, env,
    vcs: await deps.policyVcsFor(job.installationId),
    decisions: new DecisionStore(deps.pool),
    audit: new AuditStore(deps.pool),
    notifications: new NotificationStore(deps.pool),
    slack: env.SLACK_BOT_TOKEN ? new SlackClient({ token: env.SLACK_BOT_TOKEN }) : undefined,
    // The Events API needs only routing keys (from config); on-call lookups need the REST token.
    pagerduty: new PagerDutyClient({ apiToken: env.PAGERDUTY_API_TOKEN }),
    evaluations: new EvaluationStore(deps.pool),
    links: detailsLinksFromEnv(env, () => deps.clock.now().getTime() / 1000),
  };
  const repo = `${job.owner}/${job.repo}`;
  if (job.trigger === 'closed') return `resolved-${await resolveEscalations(policyDeps, repo, job.prNumber)}`;
  const out = await evaluatePullRequest(policyDeps, repo, job.prNumber, job.trigger);
  return out.conclusion;
}
