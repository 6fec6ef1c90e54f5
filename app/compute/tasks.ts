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
import type { MessagePort } from 'node:worker_threads';

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
/**
 * recommend, then the what-if of its proposals, in one task (proposals final after recommend): the
 * histories go out once and the proposals never go back in. The recommend part is posted on `port`
 * as soon as it is ready (the what-if runs meanwhile); the task's result is the what-if part.
 */
export interface RecommendWhatIfTask { kind: 'recommend+what-if'; histories: EndpointHistory[]; options: PlainRecommendOptions; periodSeconds: number; port?: MessagePort }
export type ComputeTask = RecommendTask | WhatIfTask | RecommendWhatIfTask;

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

/** The recommend+what-if task: `onPart` gets the recommend part first (a thread posts it on the task's port). */
export function runRecommendWhatIfTask(t: RecommendWhatIfTask, onPart: (part: RecommendPart) => void, checkpoint?: () => void): WhatIfPart {
  const part = runRecommendTask({ kind: 'recommend', histories: t.histories, options: t.options }, checkpoint);
  onPart(part);
  if (part.proposals.length === 0) return [];
  return runWhatIfTask({ kind: 'what-if', histories: t.histories, proposals: part.proposals.map((x) => x.proposal), periodSeconds: t.periodSeconds }, checkpoint);
}

export function runTask(t: ComputeTask, checkpoint?: () => void): RecommendPart | WhatIfPart {
  if (t.kind === 'recommend+what-if') {
    const port = t.port;
    if (!port) throw new Error('internal: a recommend+what-if task on a thread needs its port');
    return runRecommendWhatIfTask(t, (part) => {
      port.postMessage(part);
      port.close();
    }, checkpoint);
  }
  return t.kind === 'recommend' ? runRecommendTask(t, checkpoint) : runWhatIfTask(t, checkpoint);
}
