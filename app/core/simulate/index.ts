/**
 * The what-if simulator (`slo-scout/simulator`): M/M/c queueing with Erlang C on top of the
 * observed service-time distribution, version mixtures for canaries and rollbacks, and a seeded
 * bootstrap over evaluation windows for the interval. Pure: no I/O, no clock, no Math.random.
 */
export { erlangB, erlangC, meanWait, waitAtMost, waitDistribution, type WaitDistribution } from './erlang.js';
export { sojournCdf, sojournQuantile, type BucketCdf } from './latency.js';
export { SimulationBasis, VersionBehaviour, BasisWindow, CapacitySource } from './basis.js';
export { fitCapacity, deconvolveService, type LoadGroup, type CapacityFit } from './fit.js';
export {
  simulationBasisFromHistory, simulationInputFromHistories, simulationInputFromReport,
  type BasisOptions, type SimulationInput, type SloSimulationInput,
} from './input.js';
export {
  simulateSlo, SimulationOptions, SimulationError, DEFAULT_DRAWS, DEFAULT_SEED, DEFAULT_CONFIDENCE,
  type SimulationResult, type SloSimulationResult, type VariantProjection,
} from './simulate.js';
export type { BudgetImpact } from './stats.js';
export type { PeakLatency } from './peak.js';
export { defaultWhatIf, defaultScenarios, toWhatIfResult } from './whatif.js';
export { formatSimulationMarkdown, simulationRows, simulationContext, SIMULATION_HEADERS } from './format.js';
