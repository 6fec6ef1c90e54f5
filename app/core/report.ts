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

export const BudgetBurn = z.object({
  /** Expected share of the error budget one SLO period consumes (1 = all of it); continuous, so variants that never breached a window still differ. */
  expected: z.number(),
  /** Calibrated predictive interval of one period's burn (level: report.calibration). */
  interval: z.tuple([z.number(), z.number()]),
  /** The share each whole past period of the analysed history consumed, newest first. */
  pastPeriods: z.array(z.object({ start: z.string(), end: z.string(), windows: z.number(), consumed: z.number() })),
});
export type BudgetBurn = z.infer<typeof BudgetBurn>;

export const Variant = z.object({
  type: VariantType,
  /** The percentile of requests the SLO promises (99.9 / 99 / 95 by default). */
  pValue: z.number(),
  /** Objective as a percentage, e.g. 99.9. */
  target: z.number(),
  /** Latency threshold in seconds (a histogram bucket bound for Prometheus); null for availability. */
  thresholdSeconds: z.number().nullable(),
  /** Error-budget burn per SLO period: the headline risk figure (optional for reports made before it existed). */
  budgetBurn: BudgetBurn.optional(),
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

const TrendFitSchema = z.object({
  /** Relative change per week, e.g. 0.06 = +6 %/week. */
  perWeek: z.number(),
  /** RFC 3339: start of the trend. */
  since: z.string(),
  /** t statistic of the slope (weekday effects removed). */
  t: z.number(),
});

/** A sustained trend beyond the daily and weekly cycles, and how it was projected into the figures. */
export const ProposalTrend = z.object({
  traffic: TrendFitSchema.optional(),
  latencyP90: TrendFitSchema.optional(),
  errorRatio: TrendFitSchema.optional(),
  /** d log p90 / d log traffic within days, when latency follows load. */
  latencyLoadElasticity: z.number().optional(),
  /** Queue-shaped latency: p90 ∝ (1 − per-replica load / capacity)^−exponent, fitted within days on the hourly series. */
  queue: z.object({
    capacityPerReplica: z.number(),
    exponent: z.number(),
    /** Replicas the projection assumes (the last observed count). */
    replicas: z.number(),
    /** Busiest hour's per-replica load / capacity in the analysed range, and at the projected traffic by `projectedTo`. */
    peakUtilisation: z.number(),
    projectedPeakUtilisation: z.number(),
  }).optional(),
  /** How latency was projected: through the fitted queue, its own drift, or the load elasticity. */
  latencyModel: z.enum(['queue', 'drift', 'load-elasticity']).optional(),
  /** True when the variants' breach rates and burns include the projection. */
  projected: z.boolean(),
  /** RFC 3339: end of the next SLO period, the horizon of the projection. */
  projectedTo: z.string(),
  /** Latency and error-ratio multipliers at the middle of the next period. */
  latencyFactor: z.number(),
  errorFactor: z.number(),
});
export type ProposalTrend = z.infer<typeof ProposalTrend>;

const AlertEpisode = z.object({ start: z.string(), end: z.string(), url: z.string().optional() });
const AlertFired = z.object({
  /** Separate firing episodes over the replayed range. */
  fired: z.number(),
  firingHours: z.number(),
  perWeek: z.number(),
  /** The first episodes (at most 10), with a graph link when a Prometheus or Grafana URL is configured. */
  episodes: z.array(AlertEpisode),
});

/** The generated page and ticket alerts of the selected variant, replayed over the analysed history (issue 11 §5). */
export const AlertReplay = z.object({
  variant: VariantType,
  /** Resolution of the replay (seconds): the rules are evaluated this often over the two fetched series. */
  stepSeconds: z.number(),
  from: z.string(),
  to: z.string(),
  page: AlertFired,
  ticket: AlertFired,
  /** Evaluation windows that breached the target, and which alert (if any) fired during each. */
  badWindows: z.array(z.object({ start: z.string(), end: z.string(), caughtBy: z.array(z.enum(['page', 'ticket'])) })),
});
export type AlertReplay = z.infer<typeof AlertReplay>;

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
  /** Present when traffic, latency or errors trend beyond the daily and weekly cycles. */
  trend: ProposalTrend.optional(),
  queries: SliQueries.optional(),
  history: z.array(HistoryPoint).optional(),
  whatIf: z.array(WhatIfResult).optional(),
  alertReplay: AlertReplay.optional(),
  /** Compact model the what-if simulator runs on (load, replicas, versions, fitted capacity), so `slo-scout simulate --report` needs no Prometheus. */
  simulationBasis: SimulationBasis.optional(),
  // AI layer (issue 15, app/core/ai-report.ts): criticality label and priors borrowed from similar endpoints.
  criticality: Criticality.optional(), borrowed: Borrowed.optional(),
});
export type Proposal = z.infer<typeof Proposal>;

const CalibratedLevel = z.object({
  /** Quantile level the intervals were cut at so that they held `nominalLevel` of the replays. */
  level: z.number(),
  replays: z.number(),
  /** Share of replays inside the interval at the nominal level (before calibration). */
  heldAtNominal: z.number(),
  /** Share of replays inside the interval at the calibrated level. */
  held: z.number(),
});

export const Calibration = z.object({
  nominalLevel: z.number(),
  method: z.string(),
  /** RFC 3339: first replay origin and last checked moment. */
  from: z.string().optional(),
  to: z.string().optional(),
  weeks: z.number().optional(),
  /**
   * The prior of the breach rates is Beta(c·μ, c·(1 − μ)) per variant: strength c (a symmetric prior
   * with c = 1 is Jeffreys'), mean μ per variant type (½ for a symmetric one). `priorSource`: 'replays'
   * when the service's own replays chose it, 'reference' when they were too few and the reference
   * prior fitted offline on synthetic fleets (bench/derive-breach-prior.ts) was used.
   * `priorHeadroomSlope` (the reference prior's): μ is then the mean at a worst window burn of 1, and a
   * variant's own mean is logit⁻¹(logit μ + slope · (min(worst fitted window's budget burn, 1) − 1)).
   */
  priorStrength: z.number().optional(),
  priorMean: z.partialRecord(VariantType, z.number()).optional(),
  priorSource: z.enum(['replays', 'reference']).optional(),
  priorHeadroomSlope: z.number().optional(),
  /** All variants' replays pooled (the level a variant uses when it has too few replays of its own). */
  breach: CalibratedLevel,
  /** The level each variant's breach intervals were cut at, from its own replays. */
  breachByVariant: z.partialRecord(VariantType, CalibratedLevel).optional(),
  burn: z.object({
    /** Log units each end of the nominal burn interval was moved out (negative: in) so it held `nominalLevel` of the replays. */
    shift: z.number(),
    replays: z.number(),
    heldAtNominal: z.number(),
    held: z.number(),
  }),
});
export type Calibration = z.infer<typeof Calibration>;

export const Report = z.object({
  /**
   * When this run happened. A fact of the run, not of the data: absent from committed files
   * (report.json in a PR), so a rerun on identical data writes identical files.
   */
  generatedAt: z.string().optional(),
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
  /** How well the intervals held when the method was replayed on this history, and the level they were cut at. */
  calibration: Calibration.optional(),
  /** The calibration each service's intervals were cut at; a per-service PR shows its own service's. */
  calibrationByService: z.record(z.string(), Calibration).optional(),
  /** Which SLOs have an alert replay, and why the others have none (switched off, capped, no data at 5 min). */
  alertReplay: z.object({
    replayed: z.number(),
    /** Of the replayed SLOs, those a cheap screen of hourly sums proved silent (no firing), without fetching their 5-minute series. */
    screened: z.number().optional(),
    skipped: z.array(z.object({ reason: z.string(), slos: z.number() })).optional(),
  }).optional(),
  /** How long the run took; like generatedAt, absent from committed files. */
  timings: z.object({
    totalSeconds: z.number(),
    /** Seconds spent only waiting on `datasource` (for Prometheus: no SLO-Scout code running while a query was out). */
    datasourceSeconds: z.number().optional(),
    /** What the run waited on: the source's name, e.g. "Prometheus at http://prometheus:9090" or "demo fleet". */
    datasource: z.string().optional(),
    /** datasourceSeconds, present only when the datasource is Prometheus (the field older readers know). */
    prometheusSeconds: z.number().optional(),
    queries: z.number(),
    /** Each phase in order, its seconds, and how many of them were only waiting on what `waitsOn` names. */
    phases: z.array(z.object({ name: z.string(), seconds: z.number(), waitingSeconds: z.number(), waitsOn: z.string().optional() })).optional(),
  }).optional(),
});
export type Report = z.infer<typeof Report>;
