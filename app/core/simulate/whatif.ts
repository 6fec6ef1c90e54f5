import type { Proposal, WhatIfResult } from '../report.js';
import type { SimulationInput, SloSimulationInput } from './input.js';
import { simulateSlo, type SimulationOptions, type SloSimulationResult } from './simulate.js';

/** The report.json / PR "What if" shape of one simulated scenario. */
export function toWhatIfResult(result: SloSimulationResult): WhatIfResult {
  return {
    scenario: result.scenario,
    parameters: result.parameters,
    variants: result.variants.map((v) => ({
      type: v.type,
      baselineBreachRate: v.baselineBreachRate,
      projectedBreachRate: v.projectedBreachRate,
      confidenceInterval: v.confidenceInterval,
      confidenceLevel: v.confidenceLevel,
      budgetConsumedShare: v.errorBudgetImpact.budgetConsumedShare,
      daysToExhaustion: v.errorBudgetImpact.daysToExhaustion,
    })),
    warnings: result.warnings,
  };
}

type Scenario = Omit<SimulationOptions, 'service' | 'sloId' | 'seed' | 'draws'>;

/** Replicas in the last observed step: what "one replica fewer" starts from. */
function currentReplicas(slo: SloSimulationInput): number | null {
  if (!slo.basis.replicasKnown) return null;
  const last = slo.basis.windows[slo.basis.windows.length - 1];
  return last ? (last.replicas[last.replicas.length - 1] ?? null) : null;
}

/** Default scenarios (issue 3): traffic x1.5 and x2, one replica fewer, a 10% canary of the newest version. */
export function defaultScenarios(slo: SloSimulationInput): Scenario[] {
  const scenarios: Scenario[] = [{ trafficMultiplier: 1.5 }, { trafficMultiplier: 2 }];
  const replicas = currentReplicas(slo);
  if (replicas !== null && replicas >= 2) scenarios.push({ replicaCount: replicas - 1 });
  // A canary of the newest version only says something when an older version's behaviour is in history too.
  if (slo.basis.versions.length >= 2) scenarios.push({ canaryPercentage: 10 });
  return scenarios;
}

/** What-if results for every proposal that has simulation data, keyed by sloId. */
export function defaultWhatIf(input: SimulationInput, proposals: Proposal[], options: { seed?: number; draws?: number; checkpoint?: () => void } = {}): Map<string, WhatIfResult[]> {
  const out = new Map<string, WhatIfResult[]>();
  for (const p of proposals) {
    const slo = input.slos.find((s) => s.sloId === p.sloId && s.service === p.service);
    if (!slo) continue;
    const one: SimulationInput = { slos: [slo] };
    out.set(p.sloId, defaultScenarios(slo).map((scenario) =>
      toWhatIfResult(simulateSlo(one, { ...scenario, service: p.service, sloId: p.sloId, seed: options.seed, draws: options.draws }, options.checkpoint).slos[0]!)));
  }
  return out;
}
