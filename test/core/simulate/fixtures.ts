import { createRng } from '../../../app/core/rng.js';
import type { Proposal, VariantType } from '../../../app/core/report.js';
import type { EndpointHistory, WindowCounts } from '../../../app/core/types.js';
import { waitDistribution } from '../../../app/core/simulate/erlang.js';
import { sojournCdf } from '../../../app/core/simulate/latency.js';

export const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const DAY = 86_400;
const HOUR = 3600;
export const END = 1_767_225_600; // 2026-01-01T00:00:00Z

export interface MmcHistorySpec {
  service?: string;
  endpoint?: string;
  days?: number;
  replicas?: number;
  /** Requests a replica serves at once (M/M/c servers = replicas × slots). */
  slots?: number;
  /** busiest hour's utilisation at a day factor of 1 */
  peakUtilisation?: number;
  /** mean service time of the exponential service distribution, per version */
  serviceMean?: Record<string, number>;
  /** version -> first day it is live (0-based); first entry must start at day 0 */
  deploys?: Array<{ version: string; day: number }>;
  errorRatio?: Record<string, number>;
  /** Latency ignores load (no queueing): capacity is then not identifiable. */
  flat?: boolean;
  seed?: number;
}

/**
 * An endpoint whose latency really is exponential service + M/M/c wait (replicas × slots servers), with a daily load
 * curve and seeded day-to-day swings, so the simulator's fit and projections have a ground truth.
 */
export function mmcHistory(spec: MmcHistorySpec = {}): EndpointHistory {
  const days = spec.days ?? 28;
  const replicas = spec.replicas ?? 4;
  const slots = spec.slots ?? 2;
  const peak = spec.peakUtilisation ?? 0.8;
  const deploys = spec.deploys ?? [{ version: 'v1', day: 0 }];
  const serviceMean = spec.serviceMean ?? { v1: 0.05 };
  const rng = createRng(spec.seed ?? 7);
  const start = END - days * DAY;
  const windows: WindowCounts[] = [];
  const hourly: WindowCounts[] = [];
  for (let d = 0; d < days; d++) {
    const dayFactor = 0.85 + 0.3 * rng.next();
    const version = [...deploys].reverse().find((x) => x.day <= d)!.version;
    const mean = serviceMean[version]!;
    const service = { thresholds: BUCKETS, cdf: BUCKETS.map((t) => 1 - Math.exp(-t / mean)) };
    // The slots keep the first version's rate: in this fixture a deploy changes latency, not capacity.
    const mu = 1 / serviceMean[deploys[0]!.version]!;
    const day: WindowCounts = { start: start + d * DAY, end: start + (d + 1) * DAY, total: 0, errors: 0, latency: { thresholds: BUCKETS, goodCounts: BUCKETS.map(() => 0) } };
    for (let h = 0; h < 24; h++) {
      // Load peaks mid-afternoon at `peak` × capacity (times the day's swing).
      const shape = 0.55 + 0.45 * Math.sin((Math.PI * (h - 9)) / 12);
      const lambda = Math.min(0.97, peak * dayFactor * shape) * replicas * slots * mu;
      const total = Math.round(lambda * HOUR);
      const wait = waitDistribution(replicas * slots, spec.flat ? lambda * 0.01 : lambda, mu);
      const good = BUCKETS.map((t) => Math.round(total * sojournCdf(service, wait, t)));
      const errors = Math.round(total * (spec.errorRatio?.[version] ?? 0.001));
      hourly.push({ start: day.start + h * HOUR, end: day.start + (h + 1) * HOUR, total, errors, latency: { thresholds: BUCKETS, goodCounts: good } });
      day.total += total;
      day.errors += errors;
      day.latency!.goodCounts = day.latency!.goodCounts.map((g, i) => g + good[i]!);
    }
    windows.push(day);
  }
  return {
    service: spec.service ?? 'checkout',
    endpoint: spec.endpoint ?? '/pay',
    windows,
    hourly,
    versions: deploys.map((x, i) => ({ version: x.version, start: start + x.day * DAY, end: i + 1 < deploys.length ? start + deploys[i + 1]!.day * DAY : END })),
    replicas: [{ start, end: END, count: replicas }],
  };
}

/** A proposal with just what the simulator reads (variants: target and threshold). */
export function proposal(opts: { service?: string; endpoint?: string; sloId?: string; sli?: 'latency' | 'availability'; variants: Array<[VariantType, number, number | null]> }): Proposal {
  const budget = { badFraction: 0, requestsPerWindow: 0, requestsPerPeriod: 0, minutesPerWindow: 0, minutesPerPeriod: 0 };
  return {
    sloId: opts.sloId ?? 'checkout-pay-latency',
    service: opts.service ?? 'checkout',
    endpoint: opts.endpoint ?? '/pay',
    sli: opts.sli ?? 'latency',
    selectedVariant: 'balanced',
    confidence: 0.8,
    confidenceComponents: { trafficVolume: 1, dataCoverage: 1, stability: 1, intervalWidth: 1 },
    warnings: [],
    variants: opts.variants.map(([type, target, thresholdSeconds]) => ({
      type, pValue: target, target, thresholdSeconds, expectedBreachRate: 0, breachRateInterval: [0, 0] as [number, number],
      errorBudget: budget, historicalCompliance: 1,
    })),
    evidence: [],
  };
}
