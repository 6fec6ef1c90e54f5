/** The synthetic fleet: seeded, deterministic, memory-bounded telemetry for the demo, tests, backtest and benchmarks. */
export { OTEL_HTTP_BUCKETS, DAY } from './model.js';
export type { FleetSpec, FleetEndpoint, FleetStep, LatencyModel, FleetDeploy, FleetIncident, FleetGap } from './model.js';
export { describeFleet } from './scenarios.js';
export { fleetSteps, loadAt } from './steps.js';
export { fleetHistories, endpointHistory, otelSource, type FleetHistoryOptions } from './histories.js';
export { backtest, randomizedCoverage, scoreOf, winkler, wilson, type BacktestOptions, type BacktestResult, type BacktestCase, type BacktestScore } from './backtest.js';
