import type { ChangeSet } from './change.js';
import { estimateCost, formatUsd, type CostEstimate } from './cost.js';
import type { EscalationCondition, Policy, PolicyGuardSettings } from './schema.js';

/** `review`: a native GitHub pull-request review (read from GitHub at evaluation time, never stored). */
export type Channel = 'comment' | 'review' | 'slack' | 'pagerduty';
export type DecisionKind = 'approve' | 'reject';

/** One recorded decision, with the channel identity already mapped to a GitHub login (or not). */
export interface Decision {
  /** GitHub login; null when the channel identity has no mapping in the base-branch config. */
  login: string | null;
  /** The identity as the channel knows it: "alice", "slack:U0123", "pagerduty:bob@example.com". */
  identity: string;
  channel: Channel;
  decision: DecisionKind;
  /** Head SHA the decision was given for. */
  sha: string;
  /** ISO time; later decisions of the same person replace earlier ones. */
  at: string;
  reason?: string;
}

/** Facts about people that the service looked up (team membership, CODEOWNERS of the changed files). */
export interface ApproverFacts {
  /** login -> team slugs (of the teams named in policies) the login belongs to. */
  teamsOf: Record<string, string[]>;
  /** Owners of the changed files per CODEOWNERS on the base branch. */
  codeowners: { users: string[]; teams: string[] };
}

export interface EvaluationInput {
  change: ChangeSet;
  policies: Policy[];
  settings: Pick<PolicyGuardSettings, 'cost_model' | 'critical_services'>;
  decisions: Decision[];
  author: string;
  headSha: string;
  /** Services known to the repo config (denominator of `max_services: 10%`). */
  knownServices: number;
  facts: ApproverFacts;
  /** Glob matcher (picomatch in production), injected to keep the core free of libraries. */
  matchPath(globs: string[], path: string): boolean;
}

export type Rule = 'max_services' | 'max_endpoints' | 'max_cost';
export interface Violation {
  rule: Rule;
  limit: string;
  actual: string;
}

export interface IgnoredDecision {
  identity: string;
  channel: Channel;
  decision: DecisionKind;
  reason: string;
}

export type PolicyStatus = 'not_applicable' | 'passed' | 'approved' | 'pending' | 'failed';

export interface PolicyResult {
  policy_id: string;
  status: PolicyStatus;
  violations: Violation[];
  approvalNeeded: boolean;
  minApprovals: number;
  approvedBy: string[];
  rejectedBy: string[];
  ignored: IgnoredDecision[];
  /** Who may approve, in words, for the check output. */
  approvers: { users: string[]; teams: string[]; codeowners: string[] };
  escalation: EscalationCondition[];
  reasons: string[];
}

export interface Verdict {
  conclusion: 'success' | 'action_required' | 'failure';
  title: string;
  policies: PolicyResult[];
  cost: CostEstimate;
  /** One line per fact that decided the verdict (stored in the audit log). */
  reasons: string[];
  /** Conditions met by policies still waiting for approval: escalate to PagerDuty when non-empty. */
  escalate: EscalationCondition[];
}

function serviceMatches(patterns: string[], service: string): boolean {
  return patterns.some((p) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(service));
}

function checkLimits(policy: Policy, input: EvaluationInput, cost: CostEstimate): Violation[] {
  const out: Violation[] = [];
  const { change } = input;
  if (policy.max_services) {
    const touched = change.services.length;
    // A change can only touch services that exist, so the known count is at least what it touches.
    const known = Math.max(input.knownServices, touched);
    const limit = policy.max_services.kind === 'count' ? policy.max_services.value : Math.floor((known * policy.max_services.value) / 100);
    if (touched > limit) {
      out.push({
        rule: 'max_services',
        limit: policy.max_services.kind === 'count' ? `${limit}` : `${policy.max_services.value}% of ${known} known = ${limit}`,
        actual: `${touched} (${change.services.join(', ')})`,
      });
    }
  }
  if (policy.max_endpoints !== undefined && change.endpoints.length > policy.max_endpoints) {
    out.push({ rule: 'max_endpoints', limit: `${policy.max_endpoints}`, actual: `${change.endpoints.length}` });
  }
  if (policy.max_cost !== undefined && cost.totalUsd > policy.max_cost) {
    out.push({ rule: 'max_cost', limit: `${formatUsd(policy.max_cost)}/month`, actual: `${formatUsd(cost.totalUsd)}/month` });
  }
  return out;
}

function escalationMet(policy: Policy, input: EvaluationInput, violations: Violation[]): EscalationCondition[] {
  const critical = new Set(input.settings.critical_services);
  const isCritical = (s: { critical: boolean; service: string }) => s.critical || critical.has(s.service);
  const slos = input.change.slos.filter(isCritical);
  const has = (rule: Rule) => violations.some((v) => v.rule === rule);
  const met: Record<EscalationCondition, boolean> = {
    always: true,
    tightens_critical_slo: slos.some((s) => s.kind === 'tightened' || s.kind === 'changed'),
    adds_critical_slo: slos.some((s) => s.kind === 'added'),
    loosens_critical_slo: slos.some((s) => s.kind === 'loosened' || s.kind === 'removed'),
    over_max_cost: has('max_cost'),
    over_max_services: has('max_services'),
    over_max_endpoints: has('max_endpoints'),
    over_policy: violations.length > 0,
  };
  return (policy.escalate_to_pagerduty?.when ?? []).filter((c) => met[c]);
}

function judgeDecisions(policy: Policy, input: EvaluationInput): { approvedBy: string[]; rejectedBy: string[]; ignored: IgnoredDecision[] } {
  const ignored: IgnoredDecision[] = [];
  const latest = new Map<string, Decision>();
  const sorted = [...input.decisions].sort((a, b) => a.at.localeCompare(b.at));
  const owners = input.facts.codeowners;
  for (const d of sorted) {
    const skip = (reason: string) => ignored.push({ identity: d.identity, channel: d.channel, decision: d.decision, reason });
    if (!d.login) {
      skip(`unknown approver: ${d.identity} is not mapped to a GitHub login in the base branch's policy_guard config`);
      continue;
    }
    if (d.sha !== input.headSha && policy.invalidate_approvals_on_push) {
      skip(`given for ${d.sha.slice(0, 7)}; a later push to ${input.headSha.slice(0, 7)} voids it`);
      continue;
    }
    const login = d.login.toLowerCase();
    if (login === input.author.toLowerCase() && !policy.allow_self_approval && d.decision === 'approve') {
      skip(`@${d.login} opened the pull request; self-approval is not allowed by policy ${policy.policy_id}`);
      continue;
    }
    const teams = (input.facts.teamsOf[d.login] ?? input.facts.teamsOf[login] ?? []).map((t) => t.toLowerCase());
    const eligible =
      policy.approvers.users.some((u) => u.toLowerCase() === login) ||
      policy.approvers.teams.some((t) => teams.includes(t.toLowerCase())) ||
      (policy.approvers.codeowners &&
        (owners.users.some((u) => u.toLowerCase() === login) || owners.teams.some((t) => teams.includes(t.toLowerCase()))));
    if (!eligible) {
      skip(`@${d.login} is not an approver for policy ${policy.policy_id}`);
      continue;
    }
    latest.set(login, d);
  }
  const approvedBy = [...latest.values()].filter((d) => d.decision === 'approve').map((d) => d.login!);
  const rejectedBy = [...latest.values()].filter((d) => d.decision === 'reject').map((d) => d.login!);
  return { approvedBy, rejectedBy, ignored };
}

function evaluatePolicy(policy: Policy, input: EvaluationInput, cost: CostEstimate): PolicyResult {
  const approvers = {
    users: policy.approvers.users,
    teams: policy.approvers.teams,
    codeowners: policy.approvers.codeowners ? [...input.facts.codeowners.users, ...input.facts.codeowners.teams] : [],
  };
  const base = { policy_id: policy.policy_id, minApprovals: policy.min_approvals, approvers, approvedBy: [], rejectedBy: [], ignored: [], violations: [], escalation: [] };
  const pathHit = input.change.files.some((f) => input.matchPath(policy.applies_to.paths, f));
  const services = input.change.services;
  const serviceHit = policy.applies_to.services.includes('*') || services.some((s) => serviceMatches(policy.applies_to.services, s));
  if (!pathHit || !serviceHit) {
    return { ...base, status: 'not_applicable', approvalNeeded: false, reasons: [`${policy.policy_id}: does not apply (no changed file under ${policy.applies_to.paths.join(', ')} for services ${policy.applies_to.services.join(', ')})`] };
  }
  const violations = checkLimits(policy, input, cost);
  const approvalNeeded = policy.approval_required || violations.length > 0;
  const { approvedBy, rejectedBy, ignored } = judgeDecisions(policy, input);
  const reasons = violations.map((v) => `${policy.policy_id}: ${v.rule} exceeded (${v.actual} > ${v.limit})`);
  for (const i of ignored) reasons.push(`${policy.policy_id}: ignored ${i.decision} by ${i.identity} via ${i.channel}: ${i.reason}`);
  let status: PolicyStatus;
  if (rejectedBy.length > 0) {
    status = 'failed';
    reasons.push(`${policy.policy_id}: rejected by ${rejectedBy.map((l) => `@${l}`).join(', ')}`);
  } else if (violations.length > 0 && policy.on_violation === 'fail') {
    status = 'failed';
    reasons.push(`${policy.policy_id}: on_violation is "fail"; approvals cannot override it`);
  } else if (!approvalNeeded) {
    status = 'passed';
    reasons.push(`${policy.policy_id}: inside policy; approval not required`);
  } else if (approvedBy.length >= policy.min_approvals) {
    status = 'approved';
    reasons.push(`${policy.policy_id}: approved by ${approvedBy.map((l) => `@${l}`).join(', ')} (${approvedBy.length}/${policy.min_approvals})`);
  } else {
    status = 'pending';
    reasons.push(`${policy.policy_id}: waiting for approval (${approvedBy.length}/${policy.min_approvals})`);
  }
  const escalation = status === 'pending' ? escalationMet(policy, input, violations) : [];
  return { ...base, status, violations, approvalNeeded, approvedBy, rejectedBy, ignored, escalation, reasons };
}

/** change + policies + approvals -> verdict with reasons. Every applicable policy must pass. */
export function evaluatePolicies(input: EvaluationInput): Verdict {
  const cost = estimateCost(input.change.rules, input.settings.cost_model);
  const policies = input.policies.map((p) => evaluatePolicy(p, input, cost));
  const active = policies.filter((p) => p.status !== 'not_applicable');
  const reasons = policies.flatMap((p) => p.reasons);
  const escalate = [...new Set(policies.flatMap((p) => p.escalation))];
  if (active.some((p) => p.status === 'failed')) {
    const ids = active.filter((p) => p.status === 'failed').map((p) => p.policy_id);
    return { conclusion: 'failure', title: `Blocked by policy ${ids.join(', ')}`, policies, cost, reasons, escalate };
  }
  if (active.some((p) => p.status === 'pending')) {
    const ids = active.filter((p) => p.status === 'pending').map((p) => p.policy_id);
    return { conclusion: 'action_required', title: `Approval needed (${ids.join(', ')})`, policies, cost, reasons, escalate };
  }
  const title = active.length === 0
    ? input.change.files.length === 0 ? 'No SLO files changed' : 'No policy applies to this change'
    : active.some((p) => p.status === 'approved') ? 'Approved' : 'Inside policy';
  if (active.length === 0) reasons.push(title);
  return { conclusion: 'success', title, policies, cost, reasons, escalate };
}
