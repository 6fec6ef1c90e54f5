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

/**
 * The queue behind the latency: each replica runs `serversPerReplica` requests at once (worker
 * slots), each slot serves at `serviceRate` = 1 / mean service time. Capacity per replica is their product.
 */
export interface QueueModel {
  serversPerReplica: number;
  serviceRate: number;
}

export interface CapacityFit extends QueueModel {
  capacityPerReplica: number;
  source: 'fitted' | 'assumed' | 'configured';
  /** Peak observed per-replica load / capacity. */
  peakUtilisation: number;
}

/** Candidate peak utilisations; capacity per replica = peak per-replica load / ρ. */
const RHO_GRID = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98];
/** A fit must explain this much more of the spread than "no queueing" to be believed. */
const MIN_IMPROVEMENT = 0.1;

export function pooledCdf(groups: LoadGroup[], width: number): number[] {
  const n = groups.reduce((s, g) => s + g.requests, 0);
  const out = new Array<number>(width).fill(0);
  for (const g of groups) for (let j = 0; j < width; j++) out[j]! += (g.cdf[j]! * g.requests) / (n || 1);
  return out;
}

/** Mean of a bucketed distribution (bucket midpoints; mass above the last bound counted at that bound: a lower bound). */
export function meanOf(service: BucketCdf): number {
  let mean = 0;
  let lower = 0;
  let lowerCdf = 0;
  service.thresholds.forEach((upper, i) => {
    mean += (service.cdf[i]! - lowerCdf) * (lower + upper) / 2;
    lower = upper;
    lowerCdf = service.cdf[i]!;
  });
  return mean + (1 - lowerCdf) * lower;
}

export function groupWait(g: LoadGroup, q: QueueModel) {
  return waitDistribution(g.replicas * q.serversPerReplica, g.lambda, q.serviceRate);
}

/**
 * Service-time CDF such that service + M/M/c wait, averaged over the observed loads, reproduces
 * the observed latency CDF. Additive fixed-point correction (a few rounds suffice because the
 * wait is a small shift next to the service time whenever the queue is stable).
 */
export function deconvolveService(groups: LoadGroup[], thresholds: number[], q: QueueModel, rounds = 4): number[] {
  const observed = pooledCdf(groups, thresholds.length);
  const n = groups.reduce((s, g) => s + g.requests, 0);
  let service = observed.slice();
  const waits = groups.map((g) => groupWait(g, q));
  for (let r = 0; r < rounds; r++) {
    const current: BucketCdf = { thresholds, cdf: service };
    const predicted = thresholds.map((x) => groups.reduce((s, g, i) => s + (g.requests / n) * sojournCdf(current, waits[i]!, x), 0));
    service = monotoneCdf(service.map((v, j) => v + observed[j]! - predicted[j]!));
  }
  return service;
}

/**
 * The queue for a capacity per replica: slots = capacity × mean service time (at least one), each
 * slot serving capacity / slots, so the capacity is exactly the candidate's whatever the rounding.
 */
function modelFor(groups: LoadGroup[], thresholds: number[], capacity: number, observedMean: number): { q: QueueModel; service: number[] } {
  const slots = Math.max(1, Math.round(capacity * observedMean));
  const q: QueueModel = { serversPerReplica: slots, serviceRate: capacity / slots };
  return { q, service: deconvolveService(groups, thresholds, q) };
}

function score(groups: LoadGroup[], thresholds: number[], q: QueueModel, service: number[]): number {
  const s: BucketCdf = { thresholds, cdf: service };
  let sse = 0;
  for (const g of groups) {
    const wait = groupWait(g, q);
    for (let j = 0; j < thresholds.length; j++) sse += g.requests * (g.cdf[j]! - sojournCdf(s, wait, thresholds[j]!)) ** 2;
  }
  return sse;
}

const result = (q: QueueModel, peak: number, source: CapacityFit['source']): CapacityFit => ({
  ...q,
  capacityPerReplica: q.serversPerReplica * q.serviceRate,
  source,
  peakUtilisation: peak / (q.serversPerReplica * q.serviceRate),
});

/**
 * The worker slots per replica that best explain how latency moved with per-replica load in
 * history (weighted least squares over load groups and bucket bounds). When latency does not
 * visibly rise with load, capacity is not identifiable: fall back to `assumedPeakUtilisation`
 * (never fewer than one slot per replica: a replica serves at least one request at a time).
 */
export function fitCapacity(groups: LoadGroup[], thresholds: number[], assumedPeakUtilisation: number, peakPerReplica?: number): CapacityFit {
  // The peak comes from unmerged steps when the caller has them (groups average their members).
  const peak = peakPerReplica ?? Math.max(0, ...groups.map((g) => g.lambda / g.replicas));
  const observedMean = thresholds.length > 0 ? meanOf({ thresholds, cdf: pooledCdf(groups, thresholds.length) }) : 0;
  if (peak <= 0 || !(observedMean > 0)) {
    // No latency: only the utilisation assumption is left; one slot whose rate sets the capacity.
    return result({ serversPerReplica: 1, serviceRate: peak > 0 ? peak / assumedPeakUtilisation : 1 }, peak, 'assumed');
  }
  // A replica finishes at least one request per mean latency: capacity below that is not physical
  // (it would make a lightly used replica queue for seconds).
  const floor = 1 / observedMean;
  const assumed = () => result(modelFor(groups, thresholds, Math.max(floor, peak / assumedPeakUtilisation), observedMean).q, peak, 'assumed');
  if (groups.length < 3) return assumed();
  const capacities = RHO_GRID.map((rho) => peak / rho).filter((c) => c >= floor);
  if (capacities.length < 2) return assumed();
  const fits = capacities.map((c) => {
    const f = modelFor(groups, thresholds, c, observedMean);
    return { ...f, score: score(groups, thresholds, f.q, f.service) };
  });
  let best = 0;
  for (let i = 1; i < fits.length; i++) if (fits[i]!.score < fits[best]!.score) best = i;
  // fits[0] has the most capacity (least queueing): the "no queueing" reference.
  if (best === 0 || fits[best]!.score > (1 - MIN_IMPROVEMENT) * fits[0]!.score) return assumed();
  return result(fits[best]!.q, peak, 'fitted');
}

/** A measured capacity (requests/s per replica) turned into slots of the observed service rate. */
export function configuredCapacity(groups: LoadGroup[], thresholds: number[], capacityPerReplica: number, peakPerReplica: number): CapacityFit {
  const observedMean = thresholds.length > 0 ? meanOf({ thresholds, cdf: pooledCdf(groups, thresholds.length) }) : 0;
  const slots = observedMean > 0 ? Math.max(1, Math.round(capacityPerReplica * observedMean)) : 1;
  return result({ serversPerReplica: slots, serviceRate: capacityPerReplica / slots }, peakPerReplica, 'configured');
}
