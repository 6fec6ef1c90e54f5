import { z } from 'zod';
import { createRng } from '../rng.js';
import { waitDistribution, type WaitDistribution } from './erlang.js';
import { cdfAt, sojournCdf, type BucketCdf } from './latency.js';
import type { SimulationInput, SloSimulationInput } from './input.js';
import type { VersionBehaviour } from './basis.js';
import { meanOf } from './fit.js';
import { bootstrapBreachRates, budgetImpact, type BudgetImpact } from './stats.js';
import { latencyAtPeak, type PeakLatency } from './peak.js';

export const SimulationOptions = z.object({
  service: z.string().min(1),
  /** One SLO; absent = every SLO of the service. */
  sloId: z.string().optional(),
  /** Replicas in every step of the scenario (absent = as observed). */
  replicaCount: z.number().int().min(1).optional(),
  /** Measured requests/s one replica sustains (a load test); replaces the capacity fitted from history. */
  capacityPerReplica: z.number().positive().max(1e9).optional(),
  /** Where `capacityPerReplica` came from, as the user wrote it (`--capacity`, `capacity=`, the config key); shown with the result. */
  capacityFrom: z.string().min(1).max(200).optional(),
  trafficMultiplier: z.number().positive().max(1000).optional(),
  /** Share of traffic (0..100) sent to the candidate version. */
  canaryPercentage: z.number().min(0).max(100).optional(),
  /** Candidate version (roll out / roll back to its observed behaviour); default for a canary: the newest. */
  deploymentVersion: z.string().min(1).optional(),
  seed: z.number().int().optional(),
  draws: z.number().int().min(100).max(100_000).optional(),
  /** Two-sided level of the bootstrap interval. */
  confidenceLevel: z.number().gt(0.5).lt(1).optional(),
});
export type SimulationOptions = z.infer<typeof SimulationOptions>;

export const DEFAULT_DRAWS = 2000;
export const DEFAULT_SEED = 1;
export const DEFAULT_CONFIDENCE = 0.9;

/** Bad input (unknown service, SLO or version): the message lists what exists. */
export class SimulationError extends Error {}

export interface VariantProjection {
  type: SloSimulationInput['variants'][number]['type'];
  target: number;
  thresholdSeconds: number | null;
  baselineBreachRate: number;
  baselineInterval: [number, number];
  projectedBreachRate: number;
  confidenceInterval: [number, number];
  confidenceLevel: number;
  baselineErrorBudgetImpact: BudgetImpact;
  errorBudgetImpact: BudgetImpact;
}

export interface SloSimulationResult {
  sloId: string;
  service: string;
  endpoint: string | null;
  sli: SloSimulationInput['sli'];
  scenario: string;
  parameters: Record<string, number | string>;
  /** `from`: where a configured capacity came from (SimulationOptions.capacityFrom), else null. */
  capacity: { perReplica: number; serversPerReplica: number; serviceRate: number; source: string; from: string | null };
  utilisation: { baselinePeak: number; projectedPeak: number };
  /** Latency quantiles at the busiest observed step, current behaviour vs scenario (latency SLIs). */
  latencyAtPeak: PeakLatency | null;
  /** Evaluation windows the rates are computed over. */
  windows: number;
  variants: VariantProjection[];
  warnings: string[];
}

export interface SimulationResult {
  service: string;
  seed: number;
  draws: number;
  confidenceLevel: number;
  slos: SloSimulationResult[];
}

/** Steps of history with the scenario applied: what the per-variant projection iterates over. */
interface StepView {
  window: number;
  weight: number;
  base: WaitDistribution;
  scenario: WaitDistribution;
  current: VersionBehaviour;
}

const MIN_VERSION_STEPS = 24;
const MIN_VERSION_REQUESTS = 1000;
const MIN_WINDOWS = 7;
const EXTRAPOLATION_FACTOR = 1.5;
const EXTRAPOLATION_MIN_UTILISATION = 0.5;

function describeScenario(o: SimulationOptions, candidate: string | null, share: number): { scenario: string; parameters: Record<string, number | string> } {
  const parts: string[] = [];
  const parameters: Record<string, number | string> = {};
  if (o.trafficMultiplier !== undefined && o.trafficMultiplier !== 1) {
    parts.push(`traffic x${o.trafficMultiplier}`);
    parameters.trafficMultiplier = o.trafficMultiplier;
  }
  if (o.replicaCount !== undefined) {
    parts.push(`${o.replicaCount} replica${o.replicaCount === 1 ? '' : 's'}`);
    parameters.replicaCount = o.replicaCount;
  }
  if (o.capacityPerReplica !== undefined) {
    parts.push(`capacity ${o.capacityPerReplica} req/s per replica`);
    parameters.capacityPerReplica = o.capacityPerReplica;
  }
  if (candidate && share > 0) {
    parts.push(share < 1 ? `${+(share * 100).toFixed(2)}% canary of ${candidate}` : `all traffic on ${candidate}`);
    parameters.deploymentVersion = candidate;
    parameters.canaryPercentage = +(share * 100).toFixed(4);
  }
  return { scenario: parts.length > 0 ? parts.join(', ') : 'baseline (as observed)', parameters };
}

function badLatency(service: BucketCdf, wait: WaitDistribution, x: number): number {
  return wait.stable ? 1 - sojournCdf(service, wait, x) : 1;
}

function simulateOne(slo: SloSimulationInput, o: SimulationOptions, counts: Int32Array, draws: number, level: number, checkpoint?: () => void): SloSimulationResult {
  const b = slo.basis;
  const warnings: string[] = [];
  const mu = b.capacityPerReplica;
  const slots = b.serversPerReplica;
  const multiplier = o.trafficMultiplier ?? 1;

  let candidate: VersionBehaviour | null = null;
  let share = 0;
  if (o.deploymentVersion !== undefined) {
    candidate = b.versions.find((v) => v.name === o.deploymentVersion) ?? null;
    if (!candidate) {
      const known = b.versions.map((v) => v.name).join(', ') || 'none recorded';
      throw new SimulationError(`version "${o.deploymentVersion}" was never live for ${slo.sloId} in the analysed history (known versions: ${known}); pass one of those`);
    }
    share = o.canaryPercentage !== undefined ? o.canaryPercentage / 100 : 1;
  } else if (o.canaryPercentage !== undefined && o.canaryPercentage > 0) {
    candidate = [...b.versions].sort((x, y) => y.firstSeen - x.firstSeen)[0] ?? null;
    share = o.canaryPercentage / 100;
    if (!candidate) warnings.push('no version label in history: a canary has no candidate behaviour to mix in, so the projection equals the baseline');
  }
  if (candidate && share > 0 && (candidate.steps < MIN_VERSION_STEPS || candidate.requests < MIN_VERSION_REQUESTS)) {
    warnings.push(`too little data for version ${candidate.name}: ${candidate.steps} step(s), ${candidate.requests} requests observed; its latency and error ratio are uncertain`);
  }

  // A version that takes longer per request also serves fewer per second: scale the slot rate by
  // the ratio of mean service times (the fitted rate belongs to the pooled history).
  const means = new Map<VersionBehaviour, number>();
  const meanFor = (v: VersionBehaviour): number => {
    let m = means.get(v);
    if (m === undefined) means.set(v, (m = b.thresholds.length > 0 ? meanOf({ thresholds: b.thresholds, cdf: v.serviceCdf }) : 0));
    return m;
  };
  const pooledMean = meanFor(b.pooled);
  const rateFor = (mean: number): number => (mean > 0 && pooledMean > 0 ? (b.serviceRate * pooledMean) / mean : b.serviceRate);

  const steps: StepView[] = [];
  let baselinePeak = 0;
  let projectedPeak = 0;
  let observedPerReplica = 0;
  let projectedPerReplica = 0;
  let peakStep: StepView | null = null;
  b.windows.forEach((w, wi) => {
    const sum = w.requests.reduce((s, r) => s + r, 0);
    w.requests.forEach((requests, si) => {
      checkpoint?.();
      const lambda = requests / b.stepSeconds;
      const replicas = w.replicas[si]!;
      const scenarioReplicas = o.replicaCount ?? replicas;
      const vi = w.version[si]!;
      const current = vi >= 0 ? b.versions[vi]! : b.pooled;
      const currentMean = meanFor(current);
      const scenarioMean = candidate && share > 0 ? (1 - share) * currentMean + share * meanFor(candidate) : currentMean;
      const view: StepView = {
        window: wi,
        weight: sum > 0 ? requests / sum : 1 / w.requests.length,
        base: waitDistribution(replicas * slots, lambda, rateFor(currentMean)),
        scenario: waitDistribution(scenarioReplicas * slots, lambda * multiplier, rateFor(scenarioMean)),
        current,
      };
      steps.push(view);
      if (view.base.utilisation > baselinePeak) {
        baselinePeak = view.base.utilisation;
        peakStep = view;
      }
      projectedPeak = Math.max(projectedPeak, view.scenario.utilisation);
      observedPerReplica = Math.max(observedPerReplica, lambda / replicas);
      projectedPerReplica = Math.max(projectedPerReplica, (lambda * multiplier) / scenarioReplicas);
    });
  });

  if (projectedPeak >= 1) {
    warnings.push(`utilisation reaches ${projectedPeak.toFixed(2)} at the busiest step (>= 1): unstable, the queue grows without bound; requests in those steps are counted as slow`);
  }
  // Below half utilisation the wait is small under any queueing model, so going past observed load
  // there does not make the projection fragile; above it the model's shape, not data, decides.
  if (projectedPerReplica > EXTRAPOLATION_FACTOR * observedPerReplica && projectedPeak >= EXTRAPOLATION_MIN_UTILISATION) {
    warnings.push(`extrapolation far outside observed load: ${projectedPerReplica.toFixed(2)} req/s per replica at peak is ${(projectedPerReplica / observedPerReplica).toFixed(1)}x the highest observed (${observedPerReplica.toFixed(2)} req/s); the queueing model, not data, drives this projection`);
  }
  const loadChanged = multiplier !== 1 || o.replicaCount !== undefined;
  if (loadChanged && b.capacitySource === 'assumed') {
    warnings.push(`per-replica capacity is not identifiable from history (latency did not rise with load); assumed ${mu.toPrecision(3)} req/s per replica (peak utilisation ${(observedPerReplica / mu).toFixed(2)}); pass a measured capacity for a firmer answer (--capacity, capacity= in the slash-command, or simulation.capacityPerReplica in .slo-scout.yml)`);
  }
  if (o.replicaCount !== undefined && !b.replicasKnown) {
    warnings.push('no replica count was observed in history: it is modelled as 1 replica, so a replica count changes capacity relative to that');
  }
  if (b.windows.length < MIN_WINDOWS) {
    warnings.push(`only ${b.windows.length} evaluation window(s) of history: the interval is wide and the rate coarse`);
  }

  const n = b.windows.length;
  const totals = b.windows.map((w) => w.total);
  const variants: VariantProjection[] = slo.variants.map((variant) => {
    const observed = new Float64Array(n);
    const delta = new Float64Array(n);
    const x = variant.thresholdSeconds;
    const latencySli = slo.sli === 'latency' && x !== null;
    if (latencySli && b.thresholds.length > 0 && !b.thresholds.includes(x)) {
      warnings.push(`threshold ${x}s of the ${variant.type} variant is not a histogram bucket bound: counts are interpolated within the bucket`);
    }
    b.windows.forEach((w, wi) => {
      if (latencySli) {
        const good = b.thresholds.length > 0 ? cdfAt({ thresholds: b.thresholds, cdf: w.good }, x) : w.total;
        observed[wi] = 1 - good / w.total;
      } else {
        observed[wi] = w.errors / w.total;
      }
    });
    const latencyModel = latencySli && b.thresholds.length > 0;
    for (const s of steps) {
      let d: number;
      if (latencyModel) {
        const cur: BucketCdf = { thresholds: b.thresholds, cdf: s.current.serviceCdf };
        const base = badLatency(cur, s.base, x);
        let projected = badLatency(cur, s.scenario, x);
        if (candidate && share > 0) {
          projected = (1 - share) * projected + share * badLatency({ thresholds: b.thresholds, cdf: candidate.serviceCdf }, s.scenario, x);
        }
        d = projected - base;
      } else {
        const mixed = candidate && share > 0 ? s.current.errorRatio + share * (candidate.errorRatio - s.current.errorRatio) : s.current.errorRatio;
        // Past capacity, throughput is capped at c·μ: the excess share 1 − 1/ρ times out.
        const projected = s.scenario.stable ? mixed : Math.max(mixed, 1 - 1 / s.scenario.utilisation);
        const base = s.base.stable ? s.current.errorRatio : Math.max(s.current.errorRatio, 1 - 1 / s.base.utilisation);
        d = projected - base;
      }
      delta[s.window] = delta[s.window]! + s.weight * d;
    }
    const projected = observed.map((v, i) => Math.min(1, Math.max(0, v + delta[i]!)));
    const goal = variant.target / 100;
    const breachedBase = Array.from(observed, (bad) => 1 - bad < goal);
    const breachedProj = Array.from(projected, (bad) => 1 - bad < goal);
    const rates = bootstrapBreachRates(breachedBase, breachedProj, counts, draws, level);
    return {
      type: variant.type,
      target: variant.target,
      thresholdSeconds: variant.thresholdSeconds,
      baselineBreachRate: rates.baseline.rate,
      baselineInterval: rates.baseline.interval,
      projectedBreachRate: rates.projected.rate,
      confidenceInterval: rates.projected.interval,
      confidenceLevel: level,
      baselineErrorBudgetImpact: budgetImpact(observed, totals, variant.target, b.periodSeconds),
      errorBudgetImpact: budgetImpact(projected, totals, variant.target, b.periodSeconds),
    };
  });

  const { scenario, parameters } = describeScenario(o, candidate?.name ?? null, candidate ? share : 0);
  const peak = peakStep as StepView | null;
  return {
    sloId: slo.sloId,
    service: slo.service,
    endpoint: slo.endpoint,
    sli: slo.sli,
    scenario,
    parameters,
    capacity: { perReplica: mu, serversPerReplica: slots, serviceRate: b.serviceRate, source: b.capacitySource, from: b.capacitySource === 'configured' ? o.capacityFrom ?? null : null },
    utilisation: { baselinePeak, projectedPeak },
    latencyAtPeak: slo.sli === 'latency' && peak && b.thresholds.length > 0
      ? latencyAtPeak(b.thresholds, peak.current, peak.base, peak.scenario, candidate && share > 0 ? { behaviour: candidate, share } : null)
      : null,
    windows: n,
    variants,
    warnings: [...new Set(warnings)],
  };
}

/**
 * Bootstrap resamples as per-window draw counts: one RNG stream per SLO from the seed alone, so results do not depend
 * on which other SLOs ran. They depend only on (seed, windows, draws), so they are memoised: a
 * fleet-wide what-if (800 SLOs x 4 scenarios) otherwise spends most of its time drawing the same
 * integers again. Callers never mutate the array.
 */
const countCache = new Map<string, Int32Array>();
const COUNT_CACHE_LIMIT = 64;
function bootstrapCounts(seed: number, n: number, draws: number): Int32Array {
  const key = `${seed}:${n}:${draws}`;
  let counts = countCache.get(key);
  if (!counts) {
    const rng = createRng(seed);
    counts = new Int32Array(draws * n);
    // Same draw order as a flat index array (draw d takes n indices in turn): same resamples.
    for (let d = 0, row = 0; d < draws; d++, row += n) {
      for (let i = 0; i < n; i++) counts[row + rng.int(0, n - 1)]!++;
    }
    if (countCache.size >= COUNT_CACHE_LIMIT) countCache.delete(countCache.keys().next().value!);
    countCache.set(key, counts);
  }
  return counts;
}

/**
 * The basis with a measured capacity instead of the fitted one: the same mean service time (so the
 * latency shape is kept), split over as many parallel slots as that capacity implies, as
 * configuredCapacity does at analysis time.
 */
export function withCapacity(slo: SloSimulationInput, capacityPerReplica: number): SloSimulationInput {
  const b = slo.basis;
  const meanService = b.serversPerReplica / b.capacityPerReplica;
  const slots = Math.max(1, Math.round(capacityPerReplica * meanService));
  return { ...slo, basis: { ...b, capacityPerReplica, serversPerReplica: slots, serviceRate: capacityPerReplica / slots, capacitySource: 'configured' } };
}

/**
 * Project each SLO of `options.service` under a scenario (traffic, replicas, canary, rollback).
 * Pure and deterministic: the bootstrap resamples evaluation windows with a seeded RNG, and every
 * variant and scenario of one call shares the same resamples, so comparisons are paired.
 */
export function simulateSlo(input: SimulationInput, options: SimulationOptions, checkpoint?: () => void): SimulationResult {
  const parsed = SimulationOptions.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SimulationError(`invalid simulation option ${issue.path.join('.') || '(options)'}: ${issue.message}`);
  }
  const o = parsed.data;
  const seed = o.seed ?? DEFAULT_SEED;
  const draws = o.draws ?? DEFAULT_DRAWS;
  const level = o.confidenceLevel ?? DEFAULT_CONFIDENCE;
  const ofService = input.slos.filter((s) => s.service === o.service);
  if (ofService.length === 0) {
    const known = [...new Set(input.slos.map((s) => s.service))].sort().join(', ') || 'none';
    throw new SimulationError(`no SLO with simulation data for service "${o.service}" (services with data: ${known})`);
  }
  const chosen = o.sloId === undefined ? ofService : ofService.filter((s) => s.sloId === o.sloId);
  if (chosen.length === 0) {
    throw new SimulationError(`service "${o.service}" has no SLO "${o.sloId}" (its SLOs: ${ofService.map((s) => s.sloId).join(', ')})`);
  }
  // `checkpoint` (injected: the core reads no clock) throws when the caller's time limit is spent.
  const slos = chosen.map((slo) => simulateOne(o.capacityPerReplica === undefined ? slo : withCapacity(slo, o.capacityPerReplica), o, bootstrapCounts(seed, slo.basis.windows.length, draws), draws, level, checkpoint));
  return { service: o.service, seed, draws, confidenceLevel: level, slos };
}
