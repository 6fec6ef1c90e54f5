/**
 * The CPU-bound tasks of the analysis, as plain functions of plain data: what the compute pool's
 * worker threads run (app/compute/worker.ts) and what the in-process pool calls directly. Only
 * structured-cloneable values go in and out (no functions: the AI layer's hooks travel as tables).
 */
import type { Proposal, VariantType } from '../core/report.js';
import { recommendPart, type RecommendOptions, type RecommendPart } from '../core/recommend/index.js';
import type { BreachPrior } from '../core/recommend/options.js';
import { defaultWhatIf, simulationInputFromHistories, type SimulationBasis } from '../core/simulate/index.js';
import type { EndpointHistory } from '../core/types.js';

/** One endpoint's key in the tables below: service, NUL, route ('' for a whole-service SLI). */
export const endpointKeyOf = (service: string, endpoint: string | null) => `${service}\u0000${endpoint ?? ''}`;

/**
 * RecommendOptions without functions. The AI layer's hooks become tables: the selected variant per
 * endpoint key, the borrowed breach prior per `key/sli/variant`.
 */
export type PlainRecommendOptions = Omit<RecommendOptions, 'checkpoint' | 'selectedVariantFor' | 'breachPriorFor'> & {
  selectedVariants?: Record<string, VariantType>;
  breachPriors?: Record<string, BreachPrior>;
};

export interface RecommendTask { kind: 'recommend'; histories: EndpointHistory[]; options: PlainRecommendOptions }
export interface WhatIfTask { kind: 'what-if'; histories: EndpointHistory[]; proposals: Proposal[]; periodSeconds: number }
export type ComputeTask = RecommendTask | WhatIfTask;

/** Per proposal of a what-if task, in order: its simulation basis and default scenarios (absent when it has none). */
export type WhatIfPart = Array<{ basis?: SimulationBasis; whatIf?: NonNullable<Proposal['whatIf']> }>;

/** The hooks recommend takes, back from their tables. */
export function recommendOptionsOf(o: PlainRecommendOptions, checkpoint?: () => void): RecommendOptions {
  const { selectedVariants, breachPriors, ...rest } = o;
  return {
    ...rest,
    ...(checkpoint ? { checkpoint } : {}),
    ...(selectedVariants ? { selectedVariantFor: (service: string, endpoint: string | null) => selectedVariants[endpointKeyOf(service, endpoint)] } : {}),
    ...(breachPriors ? { breachPriorFor: (service: string, endpoint: string | null, sli: 'latency' | 'availability', variant: VariantType) => breachPriors[`${endpointKeyOf(service, endpoint)}/${sli}/${variant}`] } : {}),
  };
}

export function runRecommendTask(t: RecommendTask, checkpoint?: () => void): RecommendPart {
  return recommendPart(t.histories, recommendOptionsOf(t.options, checkpoint));
}

/** The what-if step's work for some services (each SLO's draws are seeded by the SLO alone). */
export function runWhatIfTask(t: WhatIfTask, checkpoint?: () => void): WhatIfPart {
  const input = simulationInputFromHistories(t.histories, t.proposals, { periodSeconds: t.periodSeconds });
  const whatIf = defaultWhatIf(input, t.proposals, checkpoint ? { checkpoint } : {});
  return t.proposals.map((p) => {
    const slo = input.slos.find((s) => s.sloId === p.sloId && s.service === p.service);
    const results = whatIf.get(p.sloId);
    return { ...(slo ? { basis: slo.basis } : {}), ...(results ? { whatIf: results } : {}) };
  });
}

export function runTask(t: ComputeTask, checkpoint?: () => void): RecommendPart | WhatIfPart {
  return t.kind === 'recommend' ? runRecommendTask(t, checkpoint) : runWhatIfTask(t, checkpoint);
}
