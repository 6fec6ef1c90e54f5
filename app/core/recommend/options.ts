import { VARIANT_TYPES, type VariantType } from '../report.js';

export interface RecommendOptions {
  /** unix seconds: analysis as of this moment. */
  end: number;
  /** Analysed history, default 28d. */
  windowSeconds: number;
  /** Evaluation window, default 1d. */
  breachWindowSeconds: number;
  /** SLO period (rolling), default = windowSeconds. */
  periodSeconds?: number;
  /** Default 99.9 / 99 / 95. */
  percentiles?: Partial<Record<VariantType, number>>;
  /** Default 'balanced'. */
  selectedVariant?: VariantType;
  /**
   * Regex sources matched against the endpoint; default: health-check routes (DEFAULT_EXCLUDE).
   * Given (even empty), it replaces the default: app/pipeline.ts passes [] when the config sets
   * `routes.exclude`, whose globs the source has applied already.
   */
  excludeEndpoints?: string[];
  seed?: number;
  bootstrapDraws?: number;
  links?: { prometheusUrl?: string; grafanaUrl?: string; grafanaDatasourceUid?: string; tempoUrl?: string };
  /**
   * Share of evaluation windows each variant's threshold must have met in history (recency-weighted).
   * Default conservative 0.95, balanced 0.90, aggressive 0.85: the conservative variant is the one the
   * history says will rarely breach (about one window in twenty), the aggressive one accepts about
   * one in seven. Shares below 1 let an incident day be an incident instead of setting the threshold.
   */
  complianceGoals?: Partial<Record<VariantType, number>>;
  /** Half-life of the exponential recency weights, seconds (default 14 days). */
  recencyHalfLifeSeconds?: number;
  /** Level of the breach-rate interval (default 0.9). */
  intervalLevel?: number;
  /**
   * Called between endpoints; throws to stop a run that is over its time limit. Injected so the
   * core reads no clock (the caller's function does).
   */
  checkpoint?: () => void;
  /** AI layer hooks (issue 15): per-endpoint selected variant (criticality) and borrowed breach-rate prior. */
  selectedVariantFor?: (service: string, endpoint: string | null) => VariantType | undefined;
  breachPriorFor?: (service: string, endpoint: string | null, sli: 'latency' | 'availability', variant: VariantType) => BreachPrior | undefined;
}

/** A Beta(a, b) prior on P(window breached) in place of Jeffreys' Beta(½, ½) (app/core/similar). */
export interface BreachPrior { a: number; b: number }

export const DEFAULT_PERCENTILES: Record<VariantType, number> = { conservative: 99.9, balanced: 99, aggressive: 95 };
export const DEFAULT_COMPLIANCE_GOALS: Record<VariantType, number> = { conservative: 0.95, balanced: 0.9, aggressive: 0.85 };
/**
 * How a user analyses a route the default exclusion skipped, named as written in .slo-scout.yml.
 * `routes.exclude` replaces the default rather than adding to it, so one key does both jobs.
 */
export const ROUTES_EXCLUDE_HINT = 'to analyse it, set routes.exclude in .slo-scout.yml: your list replaces the default health-check exclusion (routes.exclude: [] analyses every route)';

/** Kubernetes probes and scrape endpoints: always fast, always up, and would make any SLO look perfect. */
export const DEFAULT_EXCLUDE = ['^/?(?:-/|_/|actuator/|api/)?(?:health|healthz|healthcheck|livez|readyz|live|ready|ping|metrics|status)(?:/(?:live|ready|liveness|readiness))?/?$'];

export interface ResolvedOptions {
  end: number;
  windowSeconds: number;
  breachWindowSeconds: number;
  periodSeconds: number;
  percentiles: Record<VariantType, number>;
  complianceGoals: Record<VariantType, number>;
  selectedVariant: VariantType;
  exclude: RegExp[];
  seed: number;
  bootstrapDraws: number;
  halfLife: number;
  intervalLevel: number;
  links: NonNullable<RecommendOptions['links']>;
  selectedVariantFor?: RecommendOptions['selectedVariantFor'];
  breachPriorFor?: RecommendOptions['breachPriorFor'];
}

export function resolveOptions(o: RecommendOptions): ResolvedOptions {
  const percentiles = { ...DEFAULT_PERCENTILES, ...o.percentiles };
  const complianceGoals = { ...DEFAULT_COMPLIANCE_GOALS, ...o.complianceGoals };
  for (const t of VARIANT_TYPES) {
    if (!(percentiles[t] > 0 && percentiles[t] < 100)) throw new Error(`percentiles.${t} = ${percentiles[t]} must be between 0 and 100 (exclusive), e.g. 99.9`);
    if (!(complianceGoals[t] > 0 && complianceGoals[t] <= 1)) throw new Error(`complianceGoals.${t} = ${complianceGoals[t]} must be in (0, 1], e.g. 0.95`);
  }
  if (!(o.breachWindowSeconds > 0) || !(o.windowSeconds >= o.breachWindowSeconds)) {
    throw new Error(`window (${o.windowSeconds}s) must be at least one breach window (${o.breachWindowSeconds}s) long`);
  }
  return {
    end: o.end,
    windowSeconds: o.windowSeconds,
    breachWindowSeconds: o.breachWindowSeconds,
    periodSeconds: o.periodSeconds ?? o.windowSeconds,
    percentiles,
    complianceGoals,
    selectedVariant: o.selectedVariant ?? 'balanced',
    exclude: (o.excludeEndpoints ?? DEFAULT_EXCLUDE).map((src) => {
      try {
        return new RegExp(src);
      } catch (err) {
        throw new Error(`routes.exclude: "${src}" is not a valid regular expression (${(err as Error).message})`);
      }
    }),
    seed: o.seed ?? 1,
    bootstrapDraws: o.bootstrapDraws ?? 2000,
    halfLife: o.recencyHalfLifeSeconds ?? 14 * 86_400,
    intervalLevel: o.intervalLevel ?? 0.9,
    links: o.links ?? {},
    ...(o.selectedVariantFor ? { selectedVariantFor: o.selectedVariantFor } : {}),
    ...(o.breachPriorFor ? { breachPriorFor: o.breachPriorFor } : {}),
  };
}
