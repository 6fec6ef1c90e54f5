/**
 * GitHub events that only Policy Guard acts on, routed from the webhook worker:
 * - `pull_request_review` submitted / edited / dismissed: the reviews are read from GitHub at
 *   evaluation time (a dismissal or a newer head is GitHub's fact, not ours to mirror), so the
 *   event is audited and the check re-evaluated;
 * - `check_run` / `check_suite` `rerequested` (the "Re-run" buttons): re-evaluate every PR of
 *   that head; a re-run of the config check runs the config check again.
 */
import { z } from 'zod';
import type { AuditStore } from '../store/audit.js';
import { CONFIG_CHECK_NAME } from '../config-check.js';
import { CHECK_NAME } from './vcs.js';
import { enqueuePolicyEvaluation, type QueuesLike } from './wiring.js';

const Repository = z.object({ name: z.string(), owner: z.object({ login: z.string() }) });

// docs.github.com webhook-events-and-payloads#pull_request_review
const ReviewPayload = z.object({
  action: z.string(),
  review: z.object({ id: z.number(), user: z.object({ login: z.string() }).nullable(), state: z.string(), commit_id: z.string().nullish() }),
  pull_request: z.object({ number: z.number(), head: z.object({ sha: z.string() }) }),
  repository: Repository,
});

const PrRefs = z.array(z.object({ number: z.number() })).default([]);
const CheckRunPayload = z.object({
  action: z.string(),
  check_run: z.object({ name: z.string(), head_sha: z.string(), pull_requests: PrRefs }),
  repository: Repository,
});
const CheckSuitePayload = z.object({
  action: z.string(),
  check_suite: z.object({ head_sha: z.string(), pull_requests: PrRefs }),
  repository: Repository,
});

export interface PolicyEventDeps {
  queues: QueuesLike;
  audit?: AuditStore;
  /** Re-runs the "SLO-Scout config" check on a head (app/config-check.ts). */
  rerunConfigCheck?(owner: string, repo: string, headSha: string): Promise<string>;
}

const REVIEW_EVENT: Record<string, 'approve' | 'reject' | 'ignored'> = { approved: 'approve', changes_requested: 'reject', dismissed: 'ignored' };

export async function onPullRequestReview(payload: unknown, installationId: number | undefined, deps: PolicyEventDeps): Promise<string> {
  const p = ReviewPayload.parse(payload);
  if (!['submitted', 'edited', 'dismissed'].includes(p.action)) return 'ignored';
  const state = p.action === 'dismissed' ? 'dismissed' : p.review.state.toLowerCase();
  const event = REVIEW_EVENT[state];
  if (!event) return 'ignored-comment-review'; // a COMMENTED review changes no one's state
  const repo = `${p.repository.owner.login}/${p.repository.name}`;
  const actor = p.review.user?.login ?? 'ghost';
  await deps.audit?.append({
    repo, prNumber: p.pull_request.number, headSha: p.review.commit_id ?? p.pull_request.head.sha, actor, channel: 'review', event,
    reasons: [p.action === 'dismissed' ? `review ${p.review.id} by @${actor} was dismissed` : `review ${p.review.id}: ${state.replace('_', ' ')}`],
  });
  await enqueuePolicyEvaluation(deps.queues, { owner: p.repository.owner.login, repo: p.repository.name, prNumber: p.pull_request.number, installationId, trigger: 'review' });
  return `review-${state}`;
}

export async function onCheckRerequested(event: 'check_run' | 'check_suite', payload: unknown, installationId: number | undefined, deps: PolicyEventDeps): Promise<string> {
  let name: string | null = null;
  let headSha: string;
  let prs: { number: number }[];
  let repository: z.infer<typeof Repository>;
  if (event === 'check_run') {
    const p = CheckRunPayload.parse(payload);
    if (p.action !== 'rerequested') return 'ignored';
    ({ name, head_sha: headSha, pull_requests: prs } = p.check_run);
    repository = p.repository;
  } else {
    const p = CheckSuitePayload.parse(payload);
    if (p.action !== 'rerequested') return 'ignored';
    ({ head_sha: headSha, pull_requests: prs } = p.check_suite);
    repository = p.repository;
  }
  const owner = repository.owner.login;
  const outcomes: string[] = [];
  if ((name === null || name === CONFIG_CHECK_NAME) && deps.rerunConfigCheck) outcomes.push(`config-check-${await deps.rerunConfigCheck(owner, repository.name, headSha)}`);
  if (name === null || name === CHECK_NAME) {
    // GitHub lists the PRs of the head in this repository; a fork's PR is not listed and not ours to judge.
    for (const pr of prs.slice(0, 20)) await enqueuePolicyEvaluation(deps.queues, { owner, repo: repository.name, prNumber: pr.number, installationId, trigger: 'rerequested' });
    outcomes.push(`policy-${prs.length}`);
  }
  return outcomes.join(',') || 'ignored';
}
