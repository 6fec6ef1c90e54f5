/**
 * `.slo-scout.yml` sections of Policy Guard: `policies:` (a list) and `policy_guard:` (cost
 * model, critical services, Slack and PagerDuty identity maps). The schemas live in
 * app/core/policy/schema.ts (the pure evaluator consumes them); this file adds the loader.
 */
import { z } from 'zod';
import { Policies, PolicyGuardSettings } from '../core/policy/schema.js';
import { parseYamlWith, type ParseResult } from './loader.js';
import { DEFAULT_OUTPUT_PATH, defaultPolicyPaths } from '../export/layout.js';

export { Policy, Policies, PolicyGuardSettings, CostModel, EnvRef } from '../core/policy/schema.js';

export const POLICY_GUARD_DEFAULTS: PolicyGuardSettings = PolicyGuardSettings.parse({});

/**
 * Only the Policy Guard sections, other keys left alone: a typo elsewhere in the file is the
 * "SLO-Scout config" check's business and must not hide the policy (or block it twice).
 */
const Sections = z.looseObject({
  policies: Policies.default([]),
  policy_guard: PolicyGuardSettings.default(POLICY_GUARD_DEFAULTS),
});

/**
 * A policy without `applies_to.paths` covers what SLO-Scout writes for THIS repository: the
 * folder under its own `output.path` (a policy on `slos/**` would miss `slo-proposals/slos/**`).
 */
function withOutputDefaults(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || !Array.isArray((raw as { policies?: unknown }).policies)) return raw;
  const output = (raw as { output?: { path?: unknown } }).output;
  const paths = defaultPolicyPaths(typeof output?.path === 'string' && output.path.trim() ? output.path : DEFAULT_OUTPUT_PATH);
  const policies = ((raw as { policies: unknown[] }).policies).map((p) => {
    if (!p || typeof p !== 'object') return p;
    const appliesTo = (p as { applies_to?: unknown }).applies_to;
    if (appliesTo === undefined) return { ...p, applies_to: { paths } };
    if (appliesTo && typeof appliesTo === 'object' && !('paths' in appliesTo)) return { ...p, applies_to: { ...appliesTo, paths } };
    return p;
  });
  return { ...raw, policies };
}

export const PolicySections = z.preprocess(withOutputDefaults, Sections);
export type PolicySections = z.infer<typeof PolicySections>;

export function parsePolicySections(text: string, fileName = '.slo-scout.yml'): ParseResult<PolicySections> {
  return parseYamlWith(PolicySections, text, fileName);
}
