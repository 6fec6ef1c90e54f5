/**
 * `.slo-scout.yml` sections of Policy Guard: `policies:` (a list) and `policy_guard:` (cost
 * model, critical services, Slack and PagerDuty identity maps). The schemas live in
 * app/core/policy/schema.ts (the pure evaluator consumes them); this file adds the loader.
 */
import { z } from 'zod';
import { Policies, PolicyGuardSettings } from '../core/policy/schema.js';
import { parseYamlWith, type ParseResult } from './loader.js';

export { Policy, Policies, PolicyGuardSettings, CostModel, EnvRef } from '../core/policy/schema.js';

export const POLICY_GUARD_DEFAULTS: PolicyGuardSettings = PolicyGuardSettings.parse({});

/**
 * Only the Policy Guard sections, other keys left alone: a typo elsewhere in the file is the
 * "SLO-Scout config" check's business and must not hide the policy (or block it twice).
 */
export const PolicySections = z.looseObject({
  policies: Policies.default([]),
  policy_guard: PolicyGuardSettings.default(POLICY_GUARD_DEFAULTS),
});
export type PolicySections = z.infer<typeof PolicySections>;

export function parsePolicySections(text: string, fileName = '.slo-scout.yml'): ParseResult<PolicySections> {
  return parseYamlWith(PolicySections, text, fileName);
}
