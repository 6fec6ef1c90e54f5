import { describe, it, expect } from 'vitest';
import { parsePolicySections } from '../../app/config/policies.js';
import { parseConfig } from '../../app/config/schema.js';

const ISSUE_EXAMPLE = `policies:
  - policy_id: default_blaster
    max_services: 10%        # share of known services a change may touch
    max_endpoints: 5         # endpoints whose SLOs change
    max_cost: $100           # estimated monthly cost of the change
    approval_required: true
    approvers: { users: [alice], teams: [sre], codeowners: true }
    min_approvals: 1
    allow_self_approval: false
    applies_to: { paths: ["slos/**"], services: ["*"] }
    escalate_to_pagerduty: { when: "tightens critical SLO or over max_cost" }
`;

describe('policies config', () => {
  it('parses the example from the issue, with money, shares and escalation conditions normalised', () => {
    const r = parsePolicySections(ISSUE_EXAMPLE);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.policies[0]).toMatchObject({
      policy_id: 'default_blaster', max_services: { kind: 'percent', value: 10 }, max_cost: 100, max_endpoints: 5,
      escalate_to_pagerduty: { when: ['tightens_critical_slo', 'over_max_cost'] }, invalidate_approvals_on_push: true,
    });
    expect(r.config.policy_guard.cost_model.price_per_series_month).toBeGreaterThan(0);
  });

  it('is part of the root .slo-scout.yml schema', () => {
    const r = parseConfig(ISSUE_EXAMPLE);
    expect(r.ok ? r.config.policies.length : r.errors).toBe(1);
  });

  it.each([
    ['an unknown escalation condition', ISSUE_EXAMPLE.replace('over max_cost', 'on fridays'), 11, /unknown escalation condition "on fridays"/],
    ['money without a number', ISSUE_EXAMPLE.replace('$100', 'a lot'), 5, /write money as "\$100"/],
    ['a misspelt key', ISSUE_EXAMPLE.replace('min_approvals', 'min_aprovals'), 8, /unknown key "min_aprovals"/],
    ['a negative approval count', ISSUE_EXAMPLE.replace('min_approvals: 1', 'min_approvals: 0'), 8, /min_approvals/],
    ['a YAML syntax error', ISSUE_EXAMPLE.replace('approval_required: true', 'approval_required: true: yes'), 6, /YAML syntax error/],
  ])('a malformed policy (%s) is reported with file:line', (_name, text, line, message) => {
    const r = parsePolicySections(text, '.slo-scout.yml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ file: '.slo-scout.yml', line });
    expect(r.errors.map((e) => e.message).join('\n')).toMatch(message);
  });

  it('two policies with the same id are refused', () => {
    const twice = `${ISSUE_EXAMPLE}  - policy_id: default_blaster\n`;
    const r = parsePolicySections(twice);
    expect(r.ok ? 'ok' : r.errors.map((e) => e.message).join()).toMatch(/used twice/);
  });

  it('other sections of the file do not affect the policy sections', () => {
    expect(parsePolicySections(`${ISSUE_EXAMPLE}analysis: { bogus: 1 }\n`).ok).toBe(true);
  });
});
