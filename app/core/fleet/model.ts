/**
 * The synthetic fleet's model: what each endpoint "really" does. Tests, the demo, the backtest and
 * the benchmarks compare SLO-Scout's output against this ground truth.
 */

/**
 * OpenTelemetry's default explicit bucket bounds for `http.server.request.duration` (seconds),
 * from the HTTP semantic conventions; `+Inf` is implicit. A latency SLO on a classic histogram can
 * only count requests under one of these bounds.
 */
export const OTEL_HTTP_BUCKETS: number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export interface FleetSpec {
  seed: number;
  /** unix seconds: the last sample ends here. */
  end: number;
  days: number;
  /** Sample spacing in seconds (default 300, i.e. a 5-minute scrape-and-increase). */
  stepSeconds?: number;
  /** 'uniform' only: number of services (demo has its fixed 13). */
  services?: number;
  /** 'uniform' only: endpoints per service. */
  endpointsPerService?: number;
  scenario?: 'demo' | 'uniform' | 'families';
  /** 'uniform' only: extra services whose traffic grows week over week (latency follows load). */
  growingServices?: number;
  /** 'uniform' only: extra services whose traffic grows and whose latency is queue-shaped (M/M/1, `queue`). */
  queuedServices?: number;
}

/** Latency as a mixture of two log-normals: the body and a slow tail (cache misses, retries, GC). */
export interface LatencyModel {
  medianSeconds: number;
  /** log-space standard deviation of each component. */
  sigma: number;
  /** Share of requests in the slow tail component. */
  tailShare: number;
  /** Tail median = medianSeconds × tailFactor. */
  tailFactor: number;
  /** Latency grows with load: median × (1 + loadSensitivity × (load − 1)). */
  loadSensitivity: number;
}

export interface FleetDeploy { at: number; version: string; latencyFactor: number }
export interface FleetIncident { start: number; end: number; errorRate: number; latencyFactor: number }
export interface FleetGap { start: number; end: number }

export interface FleetEndpoint {
  service: string;
  endpoint: string;
  healthCheck: boolean;
  /** Mean requests per day at load 1. */
  requestsPerDay: number;
  /** Daily swing: load = 1 + dailyAmplitude × sin(…) peaking mid-afternoon UTC. */
  dailyAmplitude: number;
  /** Load multiplier on Saturday and Sunday (UTC). */
  weekendFactor: number;
  latency: LatencyModel;
  /** Baseline share of 5xx responses. */
  errorRate: number;
  /** log-space sigma of a per-day latency factor: day-to-day variation beyond sampling noise. */
  dayNoise: number;
  initialVersion: string;
  deploys: FleetDeploy[];
  incidents: FleetIncident[];
  gaps: FleetGap[];
  /** First sample time for an endpoint that did not exist at the start (a new endpoint). */
  startsAt?: number;
  replicas: number;
  /** Sustained traffic growth: load × (1 + perWeek)^(weeks since `since`). */
  growth?: { since: number; perWeek: number };
  /**
   * Queue-shaped latency: latency × 1 / (1 − ρ), ρ = requests/s per replica / capacityPerReplica
   * (an M/M/1 sojourn; capped at ρ = 0.98). Replaces nothing: loadSensitivity still applies.
   */
  queue?: { capacityPerReplica: number };
}

export interface FleetStep {
  /** Step start, unix seconds; the step covers [t, t + stepSeconds). */
  t: number;
  total: number;
  errors: number;
  /** Non-cumulative counts per OTEL_HTTP_BUCKETS bucket, `+Inf` last (length = bounds + 1). */
  bucketCounts: number[];
  version: string;
  replicas: number;
}

export const DAY = 86_400;
export const DEFAULT_STEP_SECONDS = 300;
