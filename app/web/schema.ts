/**
 * The JSON API of the details pages (issue 14). One zod schema per response, imported by the
 * server (which validates what it sends) and by the browser bundle in web/ (which validates what
 * it receives), so both sides agree on one contract. Pure: zod and app/core types only.
 */
import { z } from 'zod';
import { HistoryPoint, Proposal, SliKind, VariantType } from '../core/report.js';

export const RepoName = z.string().regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'repository must be owner/name')
  .refine((r) => r.split('/').every((part) => part !== '.' && part !== '..'), 'repository must be owner/name');

export const OverviewRow = z.object({
  sloId: z.string(),
  service: z.string(),
  endpoint: z.string().nullable(),
  sli: SliKind,
  selectedVariant: VariantType,
  target: z.number(),
  thresholdSeconds: z.number().nullable(),
  expectedBreachRate: z.number(),
  breachRateInterval: z.tuple([z.number(), z.number()]),
  /** Evaluation windows per SLO period: the breach-rate interval reads as a count of them (null: the period is not a whole number of windows). */
  windowsPerPeriod: z.number().int().positive().nullable().optional(),
  /** Share of the error budget the selected target would have used over the analysed history (1 = all of it); null without history. */
  budgetBurn: z.number().nullable(),
  confidence: z.number(),
  warnings: z.array(z.string()),
});
export type OverviewRow = z.infer<typeof OverviewRow>;

export const Overview = z.object({
  repo: RepoName,
  demo: z.boolean(),
  generatedAt: z.string(),
  end: z.string(),
  window: z.string(),
  breachWindow: z.string(),
  slos: z.array(OverviewRow),
  skipped: z.array(z.object({ service: z.string(), endpoint: z.string().nullable(), reason: z.string() })),
});
export type Overview = z.infer<typeof Overview>;

export const GeneratedFile = z.object({ path: z.string(), content: z.string() });
export type GeneratedFile = z.infer<typeof GeneratedFile>;

/** One SLO's page: the proposal's own fields as report.json has them, plus what the page adds. */
export const SloDetail = Proposal.pick({
  sloId: true, service: true, endpoint: true, sli: true, selectedVariant: true, confidence: true,
  confidenceComponents: true, warnings: true, variants: true, evidence: true,
}).extend({
  repo: RepoName,
  demo: z.boolean(),
  breachRateMethod: z.string().nullable(),
  history: z.array(HistoryPoint),
  breachWindow: z.string(),
  /** Evaluation windows per SLO period: the breach-rate interval reads as a count of them (null: unknown). */
  windowsPerPeriod: z.number().int().positive().nullable().optional(),
  files: z.array(GeneratedFile),
  /** What the what-if page offers: versions seen in history, replicas in the last step (null = unknown). */
  simulation: z.object({ versions: z.array(z.string()), replicas: z.number().nullable() }).nullable(),
});
export type SloDetail = z.infer<typeof SloDetail>;

/** Slider values of the what-if page; absent = as observed. */
export const WhatIfRequest = z.strictObject({
  sloId: z.string().min(1).max(300),
  replicas: z.number().int().min(1).max(10_000).optional(),
  trafficMultiplier: z.number().positive().max(100).optional(),
  canaryPercentage: z.number().min(0).max(100).optional(),
  version: z.string().min(1).max(200).optional(),
});
export type WhatIfRequest = z.infer<typeof WhatIfRequest>;

export const WhatIfVariant = z.object({
  type: VariantType,
  target: z.number(),
  baselineBreachRate: z.number(),
  projectedBreachRate: z.number(),
  confidenceInterval: z.tuple([z.number(), z.number()]),
  confidenceLevel: z.number(),
  budgetConsumedShare: z.number(),
  baselineBudgetConsumedShare: z.number(),
  daysToExhaustion: z.number().nullable(),
});
export type WhatIfVariant = z.infer<typeof WhatIfVariant>;

export const WhatIfResponse = z.object({
  sloId: z.string(),
  scenario: z.string(),
  variants: z.array(WhatIfVariant),
  utilisation: z.object({ baselinePeak: z.number(), projectedPeak: z.number() }),
  warnings: z.array(z.string()),
  /** Server time spent simulating, milliseconds. */
  elapsedMs: z.number(),
});
export type WhatIfResponse = z.infer<typeof WhatIfResponse>;

const Objective = z.object({ target: z.number(), threshold: z.number().nullable() });

/** One Policy Guard evaluation of a PR head, as stored when the check run was written. */
export const StoredEvaluation = z.object({
  headSha: z.string(),
  baseSha: z.string(),
  evaluatedAt: z.string(),
  configFile: z.string(),
  policyHash: z.string(),
  conclusion: z.enum(['success', 'action_required', 'failure']),
  title: z.string(),
  policies: z.array(z.object({
    policy_id: z.string(),
    status: z.enum(['not_applicable', 'passed', 'approved', 'pending', 'failed']),
    violations: z.array(z.object({ rule: z.string(), limit: z.string(), actual: z.string() })),
    approvalNeeded: z.boolean(),
    minApprovals: z.number(),
    approvedBy: z.array(z.string()),
    rejectedBy: z.array(z.string()),
    ignored: z.array(z.object({ identity: z.string(), channel: z.string(), decision: z.string(), reason: z.string() })),
    approvers: z.object({ users: z.array(z.string()), teams: z.array(z.string()), codeowners: z.array(z.string()) }),
    /** Every configured limit with the change's value, passed or not (so the page can show both). */
    limits: z.array(z.object({ rule: z.string(), limit: z.string(), actual: z.string(), exceeded: z.boolean() })).default([]),
    reasons: z.array(z.string()),
  })),
  cost: z.object({ lines: z.array(z.object({ label: z.string(), arithmetic: z.string(), usd: z.number() })), totalUsd: z.number() }),
  change: z.object({
    files: z.array(z.string()),
    services: z.array(z.string()),
    endpoints: z.array(z.string()),
    slos: z.array(z.object({
      key: z.string(), service: z.string(), endpoint: z.string(), kind: z.string(), critical: z.boolean(),
      before: z.array(Objective).nullable(), after: z.array(Objective).nullable(),
    })),
  }),
  reasons: z.array(z.string()),
});
export type StoredEvaluation = z.infer<typeof StoredEvaluation>;

export const AuditRow = z.object({
  at: z.string(),
  headSha: z.string(),
  actor: z.string(),
  channel: z.string(),
  event: z.string(),
  verdict: z.string().nullable(),
  reasons: z.array(z.string()),
});
export type AuditRow = z.infer<typeof AuditRow>;

export const DecisionRow = z.object({
  at: z.string(),
  headSha: z.string(),
  channel: z.string(),
  identity: z.string(),
  decision: z.enum(['approve', 'reject']),
  reason: z.string().nullable(),
});
export type DecisionRow = z.infer<typeof DecisionRow>;

export const EvaluationView = z.object({
  repo: RepoName,
  demo: z.boolean(),
  pr: z.number().int().positive(),
  /** The head this page shows; `latest` tells whether a newer head was evaluated since. */
  headSha: z.string(),
  latestHeadSha: z.string(),
  evaluation: StoredEvaluation,
  decisions: z.array(DecisionRow),
  audit: z.array(AuditRow),
});
export type EvaluationView = z.infer<typeof EvaluationView>;

export const ApiError = z.object({ error: z.string(), reason: z.string().optional() });
export type ApiError = z.infer<typeof ApiError>;
