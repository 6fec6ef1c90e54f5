import { waitDistribution } from './erlang.js';
import { monotoneCdf, sojournCdf, type BucketCdf } from './latency.js';

/** Steps with the same replica count and (almost) the same load, merged: the fit's unit of data. */
export interface LoadGroup {
  /** arrival rate, requests per second */
  lambda: number;
  replicas: number;
  requests: number;
  /** Observed latency CDF at the shared thresholds. */
  cdf: number[];
}

export interface CapacityFit {
  capacityPerReplica: number;
  source: 'fitted' | 'assumed';
  /** Peak observed per-replica load / capacity. */
  peakUtilisation: number;
}

/** Candidate peak utilisations; capacity = peak per-replica load / ρ. */
const RHO_GRID = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98];
/** A fit must explain this much more of the spread than "no queueing" to be believed. */
const MIN_IMPROVEMENT = 0.1;

export function pooledCdf(groups: LoadGroup[], width: number): number[] {
  const n = groups.reduce((s, g) => s + g.requests, 0);
  const out = new Array<number>(width).fill(0);
  for (const g of groups) for (let j = 0; j < width; j++) out[j]! += (g.cdf[j]! * g.requests) / (n || 1);
  return out;
}

/**
 * Service-time CDF such that service + M/M/c wait, averaged over the observed loads, reproduces
 * the observed latency CDF. Additive fixed-point correction (a few rounds suffice because the
 * wait is a small shift next to the service time whenever the queue is stable).
 */
export function deconvolveService(groups: LoadGroup[], thresholds: number[], mu: number, rounds = 4): number[] {
  const observed = pooledCdf(groups, thresholds.length);
  const n = groups.reduce((s, g) => s + g.requests, 0);
  let service = observed.slice();
  const waits = groups.map((g) => waitDistribution(g.replicas, g.lambda, mu));
  for (let r = 0; r < rounds; r++) {
    const current: BucketCdf = { thresholds, cdf: service };
    const predicted = thresholds.map((x) => groups.reduce((s, g, i) => s + (g.requests / n) * sojournCdf(current, waits[i]!, x), 0));
    service = monotoneCdf(service.map((v, j) => v + observed[j]! - predicted[j]!));
  }
  return service;
}

function score(groups: LoadGroup[], thresholds: number[], mu: number): number {
  const service: BucketCdf = { thresholds, cdf: deconvolveService(groups, thresholds, mu) };
  let sse = 0;
  for (const g of groups) {
    const wait = waitDistribution(g.replicas, g.lambda, mu);
    for (let j = 0; j < thresholds.length; j++) sse += g.requests * (g.cdf[j]! - sojournCdf(service, wait, thresholds[j]!)) ** 2;
  }
  return sse;
}

/**
 * Per-replica capacity μ that best explains how latency moved with per-replica load in history
 * (weighted least squares over load groups and bucket bounds). When latency does not visibly
 * rise with load, μ is not identifiable from the data: fall back to `assumedPeakUtilisation`.
 */
export function fitCapacity(groups: LoadGroup[], thresholds: number[], assumedPeakUtilisation: number, peakPerReplica?: number): CapacityFit {
  // The peak comes from unmerged steps when the caller has them (groups average their members).
  const peak = peakPerReplica ?? Math.max(0, ...groups.map((g) => g.lambda / g.replicas));
  if (peak <= 0) return { capacityPerReplica: 1, source: 'assumed', peakUtilisation: assumedPeakUtilisation };
  const assumed: CapacityFit = { capacityPerReplica: peak / assumedPeakUtilisation, source: 'assumed', peakUtilisation: assumedPeakUtilisation };
  if (thresholds.length === 0 || groups.length < 3) return assumed;
  const scores = RHO_GRID.map((rho) => score(groups, thresholds, peak / rho));
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! < scores[best]!) best = i;
  if (best === 0 || scores[best]! > (1 - MIN_IMPROVEMENT) * scores[0]!) return assumed;
  return { capacityPerReplica: peak / RHO_GRID[best]!, source: 'fitted', peakUtilisation: RHO_GRID[best]! };
}
