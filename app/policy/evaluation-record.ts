/**
 * The stored form of one Policy Guard evaluation (what the details page shows): the verdict plus
 * every configured limit next to the change's value, passed or exceeded. The check-run text only
 * lists violations; a reviewer deciding whether to approve also wants the headroom.
 */
import { formatUsd, type ChangeSet, type Policy, type Verdict } from '../core/policy/index.js';
import type { StoredEvaluation } from '../web/schema.js';

export interface EvaluationFacts {
  verdict: Verdict;
  change: ChangeSet;
  policies: Policy[];
  knownServices: number;
  headSha: string;
  baseSha: string;
  configFile: string;
  policyHash: string;
  evaluatedAt: Date;
}

function limitsOf(policy: Policy, f: EvaluationFacts): StoredEvaluation['policies'][number]['limits'] {
  const out: StoredEvaluation['policies'][number]['limits'] = [];
  const touched = f.change.services.length;
  if (policy.max_services) {
    const known = Math.max(f.knownServices, touched);
    const limit = policy.max_services.kind === 'count' ? policy.max_services.value : Math.floor((known * policy.max_services.value) / 100);
    out.push({
      rule: 'max_services',
      limit: policy.max_services.kind === 'count' ? `${limit}` : `${policy.max_services.value}% of ${known} known = ${limit}`,
      actual: `${touched}${touched ? ` (${f.change.services.join(', ')})` : ''}`,
      exceeded: touched > limit,
    });
  }
  if (policy.max_endpoints !== undefined) {
    out.push({ rule: 'max_endpoints', limit: `${policy.max_endpoints}`, actual: `${f.change.endpoints.length}`, exceeded: f.change.endpoints.length > policy.max_endpoints });
  }
  if (policy.max_cost !== undefined) {
    out.push({ rule: 'max_cost', limit: `${formatUsd(policy.max_cost)}/month`, actual: `${formatUsd(f.verdict.cost.totalUsd)}/month`, exceeded: f.verdict.cost.totalUsd > policy.max_cost });
  }
  return out;
}

export function evaluationRecord(f: EvaluationFacts): StoredEvaluation {
  const byId = new Map(f.policies.map((p) => [p.policy_id, p]));
  return {
    headSha: f.headSha,
    baseSha: f.baseSha,
    evaluatedAt: f.evaluatedAt.toISOString(),
    configFile: f.configFile,
    policyHash: f.policyHash,
    conclusion: f.verdict.conclusion,
    title: f.verdict.title,
    policies: f.verdict.policies.map((p) => {
      const policy = byId.get(p.policy_id);
      return {
        policy_id: p.policy_id, status: p.status, violations: p.violations, approvalNeeded: p.approvalNeeded, minApprovals: p.minApprovals,
        approvedBy: p.approvedBy, rejectedBy: p.rejectedBy, ignored: p.ignored, approvers: p.approvers, reasons: p.reasons,
        limits: policy && p.status !== 'not_applicable' ? limitsOf(policy, f) : [],
      };
    }),
    cost: f.verdict.cost,
    change: {
      files: f.change.files, services: f.change.services, endpoints: f.change.endpoints,
      slos: f.change.slos.map((s) => ({ key: s.key, service: s.service, endpoint: s.endpoint, kind: s.kind, critical: s.critical, before: s.before, after: s.after })),
    },
    reasons: f.verdict.reasons,
  };
}
