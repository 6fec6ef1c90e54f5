import picomatch from 'picomatch';
import { Policy, PolicyGuardSettings, type ChangeSet, type Decision, type EvaluationInput } from '../../../app/core/policy/index.js';

export const HEAD = 'a'.repeat(40);
export const OLD = 'b'.repeat(40);

export function change(over: Partial<ChangeSet> = {}): ChangeSet {
  return {
    files: ['slos/checkout.yaml'],
    slos: [{ key: 'checkout/latency', slo: 'latency', service: 'checkout', endpoint: 'POST /pay', file: 'slos/checkout.yaml', kind: 'tightened', critical: false, before: [{ target: 99, threshold: 300 }], after: [{ target: 99.9, threshold: 300 }] }],
    services: ['checkout'],
    endpoints: ['checkout/POST /pay'],
    rules: { recordingAdded: 0, recordingRemoved: 0, alertingAdded: 0, alertingRemoved: 0 },
    ...over,
  };
}

export function decision(over: Partial<Decision> = {}): Decision {
  return { login: 'alice', identity: 'alice', channel: 'comment', decision: 'approve', sha: HEAD, at: '2026-01-01T00:00:00Z', ...over };
}

export function input(policy: Record<string, unknown>, over: Partial<EvaluationInput> = {}): EvaluationInput {
  return {
    change: change(),
    // The fixtures' SLO files live under slos/ (a hand-written layout, not the default output path).
    policies: [Policy.parse({ policy_id: 'p', approvers: { users: ['alice'] }, applies_to: { paths: ['slos/**'] }, ...policy })],
    settings: PolicyGuardSettings.parse({}),
    decisions: [],
    author: 'bob',
    headSha: HEAD,
    knownServices: 20,
    facts: { teamsOf: {}, codeowners: { users: [], teams: [] } },
    matchPath: (globs, path) => picomatch(globs)(path),
    ...over,
  };
}
