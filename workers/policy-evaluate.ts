/**
 * `policy-evaluate` queue: recompute the Policy Guard check run of one PR (after a push, a
 * comment, a Slack click or a PagerDuty acknowledgement), or resolve its PagerDuty events when
 * the PR was closed. Transient errors (GitHub 5xx, Slack/PagerDuty timeouts) throw and retry.
 */
import { UnrecoverableError } from 'bullmq';
import { configEnvPolicyFromEnv, scopedEnv } from '../app/config/env-policy.js';
import type { ConfigTrust } from '../app/config/trust.js';
import type { BaseDeps } from '../app/deps.js';
import type { Pool } from '../app/store/db.js';
import { DecisionStore } from '../app/store/approvals.js';
import { AuditStore } from '../app/store/audit.js';
import { NotificationStore } from '../app/store/notifications.js';
import { evaluatePullRequest, resolveEscalations, type PolicyDeps } from '../app/policy/service.js';
import { CHECK_NAME } from '../app/policy/vcs.js';
import { EvaluationStore } from '../app/store/evaluations.js';
import { detailsLinksFromEnv } from '../app/web/links.js';
import { pagerDutyClientFromEnv, PolicyEvaluateJob, policyVcsForJob, slackClientFromEnv, type PolicyEnv } from '../app/policy/wiring.js';
import type { PolicyVcs } from '../app/policy/vcs.js';
import { isProgrammingError } from './errors.js';

export interface PolicyWorkerDeps extends BaseDeps {
  pool?: Pool;
  /** The installation's PolicyVcs: `githubPolicyVcs(octokit)` (app/policy/github.ts). */
  policyVcsFor?(installationId: number | undefined): Promise<PolicyVcs>;
  /** Installation of a repo, for jobs that arrived without one (app/policy/wiring.ts). */
  installationFor?(owner: string, repo: string): Promise<number>;
  /** GitLab's PolicyVcs for `platform: gitlab` jobs (present when GITLAB_TOKEN is set). */
  gitlabPolicyVcs?(): Promise<PolicyVcs>;
  /** Process environment (channel secrets and `{ env: NAME }` routing keys). */
  env?: PolicyEnv & Record<string, string | undefined>;
  /** Which `{ env: NAME }` routing keys a repository may name (app/config/env-policy.ts). */
  configTrust?: ConfigTrust;
}

export async function processPolicyEvaluateJob(data: unknown, deps: PolicyWorkerDeps): Promise<string> {
  const parsed = PolicyEvaluateJob.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`policy-evaluate job payload is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (!deps.pool) throw new UnrecoverableError('policy-evaluate needs DATABASE_URL in the worker deps; see app/policy/wiring.ts');
  const job = parsed.data;
  const env = deps.env ?? {};
  const { vcs, installationId } = await policyVcsForJob(job, deps);
  const policyDeps: PolicyDeps = {
    // Routing keys are named by the repository's config: only operator-allowed names resolve.
    logger: deps.logger, clock: deps.clock, env: scopedEnv(env, deps.configTrust?.env ?? configEnvPolicyFromEnv(undefined)),
    ...(installationId !== undefined ? { installationId } : {}),
    vcs, platform: job.platform,
    decisions: new DecisionStore(deps.pool),
    audit: new AuditStore(deps.pool),
    notifications: new NotificationStore(deps.pool),
    // WebClient with bounded retries and 429 Retry-After handling (app/chat/slack.ts); SLACK_API_URL for a stand-in.
    slack: slackClientFromEnv(env, deps.logger),
    // The Events API needs only routing keys (from config); on-call lookups need the REST token.
    pagerduty: pagerDutyClientFromEnv(env),
    evaluations: new EvaluationStore(deps.pool),
    links: detailsLinksFromEnv(env, () => deps.clock.now().getTime() / 1000),
  };
  const repo = `${job.owner}/${job.repo}`;
  if (job.trigger === 'closed') return `resolved-${await resolveEscalations(policyDeps, repo, job.prNumber)}`;
  const out = await evaluatePullRequest(policyDeps, repo, job.prNumber, job.trigger);
  return out.conclusion;
}

/**
 * The guard could not decide (a bug, or GitHub failing past every retry): leave a NEUTRAL check
 * on the head that says so and how to retry, instead of no check at all. Best effort: when even
 * the PR cannot be read, the log line (run.ts) is all there is.
 */
export async function onPolicyEvaluateFailed(data: unknown, err: unknown, deps: PolicyWorkerDeps): Promise<void> {
  const job = PolicyEvaluateJob.safeParse(data);
  if (!job.success || job.data.trigger === 'closed') return;
  if (job.data.platform === 'gitlab' ? !deps.gitlabPolicyVcs : !deps.policyVcsFor) return;
  const { owner, repo: name, prNumber } = job.data;
  const repo = `${owner}/${name}`;
  const { vcs } = await policyVcsForJob(job.data, deps);
  const pr = await vcs.getPullRequest(repo, prNumber);
  if (pr.state !== 'open') return;
  const bug = isProgrammingError(err);
  const cause = bug ? `${err.name}: ${err.message}` : err instanceof Error ? err.message : String(err);
  await vcs.writeCheckRun(repo, {
    headSha: pr.headSha,
    prNumber,
    conclusion: 'neutral',
    title: `${CHECK_NAME} could not evaluate this pull request`,
    summary: [
      'The guard failed before it could reach a verdict, so this check neither passes nor blocks on policy.',
      '',
      `Cause: \`${cause.replace(/`/g, "'").slice(0, 1_000)}\``,
      '',
      bug
        ? 'This is an internal error in SLO-Scout, not a problem with this pull request: evaluating again will fail the same way until it is fixed. Report it with the worker log line "job failed on an internal error" for this repository and PR (it has the stack).'
        : 'Press **Re-run** on this check (or push a commit) to evaluate again. If it keeps failing, the SLO-Scout worker log has the full error under this repository and PR.',
    ].join('\n'),
  });
  deps.logger.info({ repo, pr: prNumber, headSha: pr.headSha }, 'neutral Policy Guard check written for the failed evaluation');
}
