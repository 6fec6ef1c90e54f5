import { z } from 'zod';

/**
 * The `policies:` list and the `policy_guard:` settings of `.slo-scout.yml` (issue 5). The schema
 * lives in app/core because the pure evaluator consumes these types; app/config/policies.ts
 * re-exports it and adds the YAML loader with file:line errors.
 */

/** Conditions accepted by `escalate_to_pagerduty.when`, joined with " or ". */
export const ESCALATION_CONDITIONS = {
  'tightens critical SLO': 'tightens_critical_slo',
  'adds critical SLO': 'adds_critical_slo',
  'loosens critical SLO': 'loosens_critical_slo',
  'over max_cost': 'over_max_cost',
  'over max_services': 'over_max_services',
  'over max_endpoints': 'over_max_endpoints',
  'over policy': 'over_policy',
  always: 'always',
} as const;
export type EscalationCondition = (typeof ESCALATION_CONDITIONS)[keyof typeof ESCALATION_CONDITIONS];

const WhenText = z.string().transform((text, ctx) => {
  const out: EscalationCondition[] = [];
  for (const raw of text.split(/\s+or\s+/i)) {
    const part = raw.trim().replace(/\s+/g, ' ');
    const hit = Object.entries(ESCALATION_CONDITIONS).find(([k]) => k.toLowerCase() === part.toLowerCase());
    if (!hit) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown escalation condition "${part}"; use one or more of ${Object.keys(ESCALATION_CONDITIONS).map((k) => `"${k}"`).join(', ')} joined with " or "`,
      });
      return z.NEVER;
    }
    out.push(hit[1]);
  }
  return out;
});

/** "10%" (share of known services) or an absolute count. */
export const ServiceLimit = z.union([
  z.number().int().nonnegative().transform((n) => ({ kind: 'count' as const, value: n })),
  z.string().regex(/^\d+(\.\d+)?\s*%$/).transform((s) => ({ kind: 'percent' as const, value: Number.parseFloat(s) })),
], { error: 'write a share of known services as "10%" or an absolute number such as 3' });
export type ServiceLimit = z.infer<typeof ServiceLimit>;

/** "$100", "100", 100 -> US dollars per month. */
export const Money = z.union([
  z.number().nonnegative(),
  z.string().regex(/^\$?\s*\d+(\.\d+)?$/).transform((s) => Number.parseFloat(s.replace(/[$\s]/g, ''))),
], { error: 'write money as "$100" (US dollars per month)' });

export const Policy = z.strictObject({
  policy_id: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, "_", "-" or "."'),
  max_services: ServiceLimit.optional(),
  max_endpoints: z.number().int().nonnegative().optional(),
  max_cost: Money.optional(),
  approval_required: z.boolean().default(true),
  approvers: z.strictObject({
    users: z.array(z.string().min(1)).default([]),
    teams: z.array(z.string().min(1)).default([]),
    codeowners: z.boolean().default(false),
  }).default({ users: [], teams: [], codeowners: false }),
  min_approvals: z.number().int().min(1).default(1),
  allow_self_approval: z.boolean().default(false),
  /** A push (new head SHA) voids approvals given for earlier commits. */
  invalidate_approvals_on_push: z.boolean().default(true),
  /** What exceeding a max_* limit does: ask for approval (default) or fail outright. */
  on_violation: z.enum(['require_approval', 'fail']).default('require_approval'),
  /** Default paths: everything SLO-Scout writes, `<output.path>/slos/**` (filled in by app/config/policies.ts). */
  applies_to: z.strictObject({
    paths: z.array(z.string().min(1)).default(['slo-proposals/slos/**']).describe('picomatch globs; default <output.path>/slos/** (slo-proposals/slos/** with the default output path)'),
    services: z.array(z.string().min(1)).default(['*']),
  }).default({ paths: ['slo-proposals/slos/**'], services: ['*'] }),
  escalate_to_pagerduty: z.strictObject({ when: WhenText }).optional(),
});
export type Policy = z.infer<typeof Policy>;

export const Policies = z.array(Policy).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((p, i) => {
    if (seen.has(p.policy_id)) ctx.addIssue({ code: 'custom', path: [i, 'policy_id'], message: `policy_id "${p.policy_id}" is used twice; give each policy its own id` });
    seen.add(p.policy_id);
  });
});
export type Policies = z.infer<typeof Policies>;

/**
 * Monthly cost of a change. Defaults are deliberately round, documented numbers (Grafana Cloud
 * list price is of the order of $8 per 1k active series per month = $0.008 per series); teams
 * override them with their own contract prices.
 */
export const CostModel = z.strictObject({
  price_per_series_month: z.number().nonnegative().default(0.008),
  /** Recording rules for SLOs aggregate with `sum by (service, slo)`, so one series each by default. */
  series_per_recording_rule: z.number().nonnegative().default(1),
  price_per_million_evaluations: z.number().nonnegative().default(0),
  evaluation_interval_seconds: z.number().positive().default(60),
});
export type CostModel = z.infer<typeof CostModel>;

/** A secret is never written in the repo: `{ env: NAME }` names the variable that holds it. */
export const EnvRef = z.strictObject({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'name an environment variable, e.g. PD_ROUTING_KEY_CHECKOUT') });
export type EnvRef = z.infer<typeof EnvRef>;

export const PolicyGuardSettings = z.strictObject({
  cost_model: CostModel.default(CostModel.parse({})),
  /** Services whose SLOs count as critical for escalation (also: label `criticality: critical` on the SLO). */
  critical_services: z.array(z.string()).default([]),
  /** Denominator of `max_services: 10%`; default: distinct services under slos/ on the base branch. */
  known_services: z.number().int().positive().optional(),
  slack: z.strictObject({
    channel: z.string().min(1),
    /** Slack user id -> GitHub login. */
    users: z.record(z.string(), z.string()).default({}),
  }).optional(),
  pagerduty: z.strictObject({
    /** Service name (or "default") -> routing key, by env reference. */
    routing_keys: z.record(z.string(), EnvRef).default({}),
    /** PagerDuty user email -> GitHub login. */
    users: z.record(z.string(), z.string()).default({}),
  }).optional(),
});
export type PolicyGuardSettings = z.infer<typeof PolicyGuardSettings>;
