import { describe, it, expect } from 'vitest';
import { evaluatePolicies, Policy, PolicyGuardSettings, type EvaluationInput } from '../../../app/core/policy/index.js';
import { change, decision, input, OLD } from './fixtures.js';

type Case = { name: string; policy: Record<string, unknown>; over?: Partial<EvaluationInput>; conclusion: string; reason?: RegExp; escalate?: string[] };

const manyServices = change({ services: ['a', 'b', 'c'], endpoints: ['a/x', 'b/y', 'c/z'] });
const costly = change({ rules: { recordingAdded: 2000, recordingRemoved: 0, alertingAdded: 0, alertingRemoved: 0 } });

const cases: Case[] = [
  { name: 'a change inside policy with approval not required passes', policy: { approval_required: false }, conclusion: 'success', reason: /inside policy/ },
  { name: 'a change that needs approval and has none waits for action', policy: {}, conclusion: 'action_required', reason: /waiting for approval \(0\/1\)/ },
  { name: 'an approval by a listed user passes', policy: {}, over: { decisions: [decision()] }, conclusion: 'success', reason: /approved by @alice/ },
  { name: 'login comparison ignores case, as GitHub does', policy: {}, over: { decisions: [decision({ login: 'ALICE', identity: 'ALICE' })] }, conclusion: 'success' },
  { name: 'an approval by a user without rights is ignored', policy: {}, over: { decisions: [decision({ login: 'mallory', identity: 'mallory' })] }, conclusion: 'action_required', reason: /@mallory is not an approver/ },
  { name: 'an unmapped Slack identity is an unknown approver', policy: {}, over: { decisions: [decision({ login: null, identity: 'slack:U999', channel: 'slack' })] }, conclusion: 'action_required', reason: /unknown approver: slack:U999/ },
  { name: 'self-approval is refused by default', policy: { approvers: { users: ['bob'] } }, over: { decisions: [decision({ login: 'bob', identity: 'bob' })] }, conclusion: 'action_required', reason: /self-approval is not allowed/ },
  { name: 'self-approval counts when the policy allows it', policy: { approvers: { users: ['bob'] }, allow_self_approval: true }, over: { decisions: [decision({ login: 'bob', identity: 'bob' })] }, conclusion: 'success' },
  { name: 'an approval for an older head SHA is void after a push', policy: {}, over: { decisions: [decision({ sha: OLD })] }, conclusion: 'action_required', reason: /a later push .* voids it/ },
  { name: 'an approval for an older head SHA still counts when invalidation is off', policy: { invalidate_approvals_on_push: false }, over: { decisions: [decision({ sha: OLD })] }, conclusion: 'success' },
  { name: 'a rejection by an approver fails the check', policy: {}, over: { decisions: [decision({ decision: 'reject' })] }, conclusion: 'failure', reason: /rejected by @alice/ },
  { name: 'the latest decision of a person wins (approve after reject)', policy: {}, over: { decisions: [decision({ decision: 'reject' }), decision({ at: '2026-01-02T00:00:00Z' })] }, conclusion: 'success' },
  { name: 'a rejection by a user without rights changes nothing', policy: { approval_required: false }, over: { decisions: [decision({ login: 'mallory', identity: 'mallory', decision: 'reject' })] }, conclusion: 'success' },
  { name: 'min_approvals of 2 is not met by one approver', policy: { approvers: { users: ['alice', 'carol'] }, min_approvals: 2 }, over: { decisions: [decision()] }, conclusion: 'action_required', reason: /1\/2/ },
  { name: 'min_approvals of 2 is met by two different approvers', policy: { approvers: { users: ['alice', 'carol'] }, min_approvals: 2 }, over: { decisions: [decision(), decision({ login: 'carol', identity: 'carol', channel: 'slack' })] }, conclusion: 'success' },
  { name: 'the same person approving twice counts once', policy: { approvers: { users: ['alice', 'carol'] }, min_approvals: 2 }, over: { decisions: [decision(), decision({ channel: 'slack', at: '2026-01-03T00:00:00Z' })] }, conclusion: 'action_required' },
  { name: 'a member of an approver team may approve', policy: { approvers: { teams: ['sre'] } }, over: { decisions: [decision({ login: 'dave', identity: 'dave' })], facts: { teamsOf: { dave: ['sre'] }, codeowners: { users: [], teams: [] } } }, conclusion: 'success' },
  { name: 'a code owner may approve when codeowners is on', policy: { approvers: { codeowners: true } }, over: { decisions: [decision({ login: 'erin', identity: 'erin' })], facts: { teamsOf: {}, codeowners: { users: ['erin'], teams: [] } } }, conclusion: 'success' },
  { name: 'a code owner may not approve when codeowners is off', policy: { approvers: { users: [] } }, over: { decisions: [decision({ login: 'erin', identity: 'erin' })], facts: { teamsOf: {}, codeowners: { users: ['erin'], teams: [] } } }, conclusion: 'action_required' },
  { name: 'touching more services than an absolute max_services needs approval', policy: { approval_required: false, max_services: 2 }, over: { change: manyServices }, conclusion: 'action_required', reason: /max_services exceeded \(3 .* > 2\)/ },
  { name: 'max_services as a share uses the known service count (10% of 20 = 2)', policy: { approval_required: false, max_services: '10%' }, over: { change: manyServices }, conclusion: 'action_required', reason: /10% of 20 known = 2/ },
  { name: 'max_services as a share passes when the fleet is big enough (10% of 40 = 4)', policy: { approval_required: false, max_services: '10%' }, over: { change: manyServices, knownServices: 40 }, conclusion: 'success' },
  { name: 'touching more endpoints than max_endpoints needs approval', policy: { approval_required: false, max_endpoints: 2 }, over: { change: manyServices }, conclusion: 'action_required', reason: /max_endpoints exceeded \(3 > 2\)/ },
  { name: 'a change over max_cost needs approval', policy: { approval_required: false, max_cost: '$10' }, over: { change: costly }, conclusion: 'action_required', reason: /max_cost exceeded \(\$16.00\/month > \$10.00\/month\)/ },
  { name: 'an over-policy change approved by an approver passes', policy: { approval_required: false, max_endpoints: 2 }, over: { change: manyServices, decisions: [decision()] }, conclusion: 'success' },
  { name: 'on_violation fail cannot be overridden by approval', policy: { max_endpoints: 2, on_violation: 'fail' }, over: { change: manyServices, decisions: [decision()] }, conclusion: 'failure', reason: /approvals cannot override/ },
  { name: 'a policy for other paths does not apply', policy: { applies_to: { paths: ['other/**'] } }, conclusion: 'success', reason: /No policy applies/ },
  { name: 'a policy for other services does not apply', policy: { applies_to: { services: ['payments-*'] } }, conclusion: 'success', reason: /does not apply/ },
  { name: 'a service glob that matches makes the policy apply', policy: { applies_to: { paths: ['slos/**'], services: ['check*'] } }, conclusion: 'action_required' },
  { name: 'tightening a critical SLO escalates', policy: { escalate_to_pagerduty: { when: 'tightens critical SLO or over max_cost' } }, over: { settings: PolicyGuardSettings.parse({ critical_services: ['checkout'] }) }, conclusion: 'action_required', escalate: ['tightens_critical_slo'] },
  { name: 'tightening a non-critical SLO does not escalate', policy: { escalate_to_pagerduty: { when: 'tightens critical SLO' } }, conclusion: 'action_required', escalate: [] },
  { name: 'an approved change does not escalate', policy: { escalate_to_pagerduty: { when: 'always' } }, over: { decisions: [decision()] }, conclusion: 'success', escalate: [] },
  { name: 'going over max_cost escalates when configured', policy: { max_cost: 1, escalate_to_pagerduty: { when: 'over max_cost' } }, over: { change: costly }, conclusion: 'action_required', escalate: ['over_max_cost'] },
];

describe('evaluatePolicies', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const verdict = evaluatePolicies(input(c.policy, c.over));
    expect(verdict.conclusion).toBe(c.conclusion);
    if (c.reason) expect(verdict.reasons.join('\n')).toMatch(c.reason);
    if (c.escalate) expect(verdict.escalate).toEqual(c.escalate);
  });

  it('every applicable policy must pass: one pending policy holds the check even if another passed', () => {
    const i = input({ approval_required: false });
    i.policies.push(Policy.parse({ policy_id: 'strict', approvers: { users: ['zed'] }, applies_to: { paths: ['slos/**'] } }));
    const verdict = evaluatePolicies(i);
    expect(verdict.conclusion).toBe('action_required');
    expect(verdict.title).toContain('strict');
    expect(verdict.policies.map((p) => p.status)).toEqual(['passed', 'pending']);
  });

  it('a PR that changes no SLO file succeeds with a title saying so', () => {
    const verdict = evaluatePolicies(input({}, { change: change({ files: [], slos: [], services: [], endpoints: [] }) }));
    expect(verdict).toMatchObject({ conclusion: 'success', title: 'No SLO files changed' });
  });
});
