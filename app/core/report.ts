import { z } from 'zod';
import { Borrowed, Criticality } from './ai-report.js';
import { SimulationBasis } from './simulate/basis.js';

/**
 * report.json — a published contract (schemas/report.schema.json is generated from this).
 * Add optional fields only; never rename or remove one without a major version.
 */

export const VariantType = z.enum(['conservative', 'balanced', 'aggressive']);
export type VariantType = z.infer<typeof VariantType>;
export const VARIANT_TYPES: readonly VariantType[] = VariantType.options;

export const SliKind = z.enum(['latency', 'availability']);
export type SliKind = z.infer<typeof SliKind>;

export const ErrorBudget = z.object({
  /** 1 - target, as a fraction of valid events. */
  badFraction: z.number(),
  /** Bad requests allowed per evaluation window at the typical (median) window volume. */
  requestsPerWindow: z.number(),
  /** Bad requests allowed over the whole SLO period at the observed volume. */
  requestsPerPeriod: z.number(),
  /** Budget as whole-outage minutes per evaluation window (time-based view of the same budget). */
  minutesPerWindow: z.number(),
  minutesPerPeriod: z.number(),
});
export type ErrorBudget = z.infer<typeof ErrorBudget>;

export const Variant = z.object({
  type: VariantType,
  /** The percentile of requests the SLO promises (99.9 / 99 / 95 by default). */
  pValue: z.number(),
  /** Objective as a percentage, e.g. 99.9. */
  target: z.number(),
  /** Latency threshold in seconds (a histogram bucket bound for Prometheus); null for availability. */
  thresholdSeconds: z.number().nullable(),
  /** Probability that the SLI over one evaluation window falls below the target. */
  expectedBreachRate: z.number(),
  breachRateInterval: z.tuple([z.number(), z.number()]),
  errorBudget: ErrorBudget,
  /** Share of past evaluation windows that met the target. */
  historicalCompliance: z.number(),
  /** How the threshold was chosen, in words (every number traces to a computation). */
  rationale: z.string().optional(),
});
export type Variant = z.infer<typeof Variant>;

export const EvidenceKind = z.enum(['worst-window', 'exemplar', 'trace-search', 'capsule', 'alert', 'regime-change', 'computation']);
export const Evidence = z.object({
  kind: EvidenceKind,
  description: z.string(),
  url: z.string().optional(),
  /** RFC 3339 */
  start: z.string().optional(),
  end: z.string().optional(),
  traceId: z.string().optional(),
  /** Which variants this evidence backs; absent = all. */
  variants: z.array(VariantType).optional(),
  value: z.number().optional(),
});
export type Evidence = z.infer<typeof Evidence>;

export const ConfidenceComponents = z.object({
  trafficVolume: z.number(),
  dataCoverage: z.number(),
  stability: z.number(),
  intervalWidth: z.number(),
});
export type ConfidenceComponents = z.infer<typeof ConfidenceComponents>;

/** PromQL with Sloth's `{{.window}}` placeholder for the range, so exports can render any window. */
export const SliQueries = z.object({
  good: z.string(),
  bad: z.string(),
  total: z.string(),
});
export type SliQueries = z.infer<typeof SliQueries>;

export const HistoryPoint = z.object({
  start: z.string(),
  end: z.string(),
  total: z.number(),
  /** SLI (good/valid, 0..1) of this window at each variant's threshold; null when no traffic. */
  sli: z.record(VariantType, z.number().nullable()),
});
export type HistoryPoint = z.infer<typeof HistoryPoint>;

export const WhatIfResult = z.object({
  scenario: z.string(),
  parameters: z.record(z.string(), z.union([z.number(), z.string()])),
  variants: z.array(z.object({
    type: VariantType,
    baselineBreachRate: z.number(),
    projectedBreachRate: z.number(),
    confidenceInterval: z.tuple([z.number(), z.number()]),
    confidenceLevel: z.number(),
    budgetConsumedShare: z.number(),
    daysToExhaustion: z.number().nullable(),
  })),
  warnings: z.array(z.string()),
});
export type WhatIfResult = z.infer<typeof WhatIfResult>;

export const Proposal = z.object({
  sloId: z.string(),
  service: z.string(),
  endpoint: z.string().nullable(),
  sli: SliKind,
  selectedVariant: VariantType,
  confidence: z.number(),
  confidenceComponents: ConfidenceComponents,
  warnings: z.array(z.string()),
  variants: z.array(Variant),
  evidence: z.array(Evidence),
  /** Name of the method behind breachRateInterval, e.g. "moving-block bootstrap, 7-day blocks, 2000 draws, 90%". */
  breachRateMethod: z.string().optional(),
  queries: SliQueries.optional(),
  history: z.array(HistoryPoint).optional(),
  whatIf: z.array(WhatIfResult).optional(),
  /** Compact model the what-if simulator runs on (load, replicas, versions, fitted capacity), so `slo-scout simulate --report` needs no Prometheus. */
  simulationBasis: SimulationBasis.optional(),
  // AI layer (issue 15, app/core/ai-report.ts): criticality label and priors borrowed from similar endpoints.
  criticality: Criticality.optional(), borrowed: Borrowed.optional(),
});
export type Proposal = z.infer<typeof Proposal>;

export const Report = z.object({
  generatedAt: z.string(),
  /** Analysed history, Prometheus duration (e.g. "28d"). */
  window: z.string(),
  breachWindow: z.string(),
  /** RFC 3339: the analysis was made as of this moment. */
  end: z.string(),
  /** SLO period the objectives are written for (rolling); defaults to the analysis window. */
  period: z.string().optional(),
  proposals: z.array(Proposal),
  /** Endpoints seen but not proposed for (health checks, no traffic), with the reason. */
  skipped: z.array(z.object({ service: z.string(), endpoint: z.string().nullable(), reason: z.string() })).optional(),
  timings: z.object({
    totalSeconds: z.number(),
    prometheusSeconds: z.number(),
    queries: z.number(),
  }),
});
export type Report = z.infer<typeof Report>;
