/**
 * Rolling-origin replay and split-conformal calibration of the intervals (issue 11 §4).
 *
 * The method is replayed on the analysed history itself: fit on the windows before an origin,
 * predict the next week (one bootstrap block), and score the week that really followed by the
 * smallest central level whose interval would have contained it. Pooling the scores of every SLO
 * and variant of the analysis, the calibrated level is their ⌈(n + 1)·level⌉-th smallest score
 * (split conformal): an interval at that level held in the wanted share of replays. Intervals that
 * held 98 % of the time at a nominal 90 % get narrower, ones that held less get wider.
 * The burn is continuous, so its score is the distance outside the nominal interval in log units,
 * and calibration stretches (or shrinks) both ends by the conformal quantile of those distances;
 * a level alone could not widen past the bootstrap's few distinct weeks.
 */
import type { VariantType } from '../report.js';
import { fastRng, hashSeed } from '../sli/stats.js';
import type { WindowCounts } from '../types.js';
import { estimateBreachRate, mixPredictive, posteriorRate } from './bootstrap.js';
import { burnScore, estimateBurn } from './burn.js';
import { headroomMean, worstBurn } from './headroom.js';
import type { ResolvedOptions } from './options.js';
import type { FitWindow } from './threshold.js';
import { projectedBad, type Projection } from './trend.js';
import { blockLength, sliFunctions } from './variants.js';

/** Replays need fewer bootstrap draws: their scores are pooled over the fleet. */
const REPLAY_DRAWS = 400;
/** At most this many origins (weeks) per SLO, newest first. */
const MAX_ORIGINS = 8;

/**
 * The replay origins of `length` windows, newest first: each is the number of windows fitted on,
 * followed by `check` windows to score; at least two checks' worth is fitted on.
 */
export function replayOrigins(length: number, check: number): number[] {
  const out: number[] = [];
  for (let at = length - check; at >= 2 * check && out.length < MAX_ORIGINS; at -= check) out.push(at);
  return out;
}
/** Fewer pooled replays than this cannot calibrate a 90 % level; the nominal level is kept. */
export const MIN_REPLAYS = 30;
/**
 * A variant gets its own level once its replays alone can set one: with n scores the conformal rank
 * ⌈(n + 1)·0.9⌉ must be at most n − 1 so that one extreme week does not set the level alone.
 */
export const MIN_VARIANT_REPLAYS = 20;
/**
 * Strengths c of the symmetric Beta(c/2, c/2) prior on a window's breach probability, strongest
 * first; 1 is Jeffreys'. The replays pick the one whose point estimates predicted the next weeks best.
 */
export const PRIOR_STRENGTHS = [1, 0.5, 0.25, 0.1, 0.05];

/**
 * The prior on a window's breach probability of each variant: Beta(c·μ, c·(1 − μ)) with one strength
 * c for the SLO's three variants and a mean μ per variant type (½ for the symmetric priors).
 * `source` says where it came from, for the report's method text.
 */
export interface BreachPrior {
  strength: number;
  mean: Record<VariantType, number>;
  /** 'replays': chosen on the service's own replays; 'reference': REFERENCE_BREACH_PRIOR (too few replays to choose). */
  source: 'replays' | 'reference';
  /**
   * When set, `mean` is the mean at a worst window burn of 1 and the mean falls with the variant's
   * headroom: logit μ = logit mean + headroomSlope · (min(worst burn, 1) − 1) (app/core/recommend/headroom.ts).
   */
  headroomSlope?: number;
}

export const symmetricPrior = (c: number): BreachPrior => ({ strength: c, mean: { conservative: 0.5, balanced: 0.5, aggressive: 0.5 }, source: 'replays' });

/**
 * Reference prior for a service whose replays are too few to choose one (fewer than MIN_REPLAYS: a
 * 28-day history gives each SLO two weekly origins, 6 replays over its three variants, so a service
 * needs 5 SLOs; docs/recommendation.md has why not more origins or a smaller minimum). Derived offline by
 * `npx tsx bench/derive-breach-prior.ts` (least squares of the posterior mean against the realized
 * breached share of the next 28 days, on the synthetic backtest fleets of seeds 1-5; held out: 6-10
 * and the demo fleet). A constant, so one service's data never moves another service's numbers.
 * The means are the share of next-period windows that variants of each type were breached in,
 * given the history, i.e. what a selection to 95 / 90 / 85 % compliance tends to leave.
 */
export const REFERENCE_BREACH_PRIOR: BreachPrior = { strength: 2.51, mean: { conservative: 0.0513, balanced: 0.0584, aggressive: 0.227 }, headroomSlope: 5.5, source: 'reference' };

/**
 * The Beta(a, b) prior of one variant type whose worst fitted window burned `worst` of its budget
 * (risk-ordered, see riskOrderedWorst; 1, the type's mean, when unknown).
 */
export function priorOf(p: BreachPrior, type: VariantType, worst = 1): { a: number; b: number } {
  const mean = headroomMean(p.mean[type], p.headroomSlope ?? 0, worst);
  return { a: p.strength * mean, b: p.strength * (1 - mean) };
}

/** One replayed week of one variant: what the fit before the origin predicted, and what followed. */
export interface ReplayBreach {
  type: VariantType;
  /** The fit's bootstrap distribution of the breach count, its effective sample and weighted breached share. */
  resampled: { freq: Float64Array; of: number };
  nEff: number;
  share: number;
  /** Breached windows in the week that followed, of `m`. */
  k: number;
  m: number;
  /** Uniform draw for the randomized PIT, seeded by SLO, variant and origin (not by position: order-independent). */
  v: number;
  /** Worst fitted window's budget burn, raised to the less risky variants' of the same origin (headroom prior). */
  worst: number;
}

export interface ReplayScores {
  breach: ReplayBreach[];
  burn: number[];
  /** Earliest origin and latest checked moment (unix seconds), for "over the last N weeks". */
  from: number;
  to: number;
}

export interface ReplayVariant { type: VariantType; target: number; threshold: number | null }

/**
 * Replays of one SLO. `windows` are the windows the proposal was fitted on (time order);
 * `equalWeights` when the fit uses equal weights (after a regime change). At each origin the
 * variants are selected again on the windows before it (`select`, the same rule as the final fit),
 * so the replays see what the backtest sees: the selection's optimism as well as the noise.
 */
export function replayScores(
  o: ResolvedOptions,
  sloId: string,
  windows: WindowCounts[],
  equalWeights: boolean,
  select: (fit: FitWindow[], proj: Projection) => ReplayVariant[],
  project: (fit: WindowCounts[], weights: number[], originEnd: number) => Projection,
): ReplayScores {
  const check = blockLength(o.breachWindowSeconds);
  const out: ReplayScores = { breach: [], burn: [], from: Infinity, to: -Infinity };
  for (const at of replayOrigins(windows.length, check)) {
    const fitW = windows.slice(0, at);
    const next = windows.slice(at, at + check);
    const originEnd = fitW[fitW.length - 1]!.end;
    const weights = fitW.map((w) => (equalWeights ? 1 : 0.5 ** (Math.max(0, originEnd - w.end) / o.halfLife)));
    // The same method as the final fit, trend projection included: the replay checks what is reported.
    const proj = project(fitW, weights, originEnd);
    const variants = select(fitW.map((w, i) => ({ w, weight: weights[i]! })), proj);
    // Variants come in risk order: each one's worst burn is raised to the less risky ones' (riskOrderedWorst).
    let worstSoFar = 0;
    for (const v of variants) {
      const { sliOf, badOf } = sliFunctions(v.threshold);
      const tf = v.target / 100 - 1e-12;
      // The fitted windows with an SLI, in one pass into plain arrays (this loop runs for every
      // origin and variant of every SLO; arrays of row objects and their copies were most of its cost).
      const bad: number[] = [];
      const total: number[] = [];
      const rowWeights: number[] = [];
      const breached: boolean[] = [];
      for (let i = 0; i < fitW.length; i++) {
        const w = fitW[i]!;
        const measured = badOf(w);
        if (sliOf(w) === null || measured === null) continue;
        const b = projectedBad(w, v.threshold, measured, proj);
        bad.push(b);
        total.push(w.total);
        rowWeights.push(weights[i]!);
        breached.push(1 - b / w.total < tf);
      }
      // The week that followed: its breached windows and its bad and valid events (sums in time order).
      let after = 0;
      let k = 0;
      let nb = 0;
      let nt = 0;
      for (const w of next) {
        const sli = sliOf(w);
        const measured = badOf(w);
        if (sli === null || measured === null) continue;
        after++;
        if (sli < tf) k++;
        nb += measured;
        nt += w.total;
      }
      worstSoFar = Math.max(worstSoFar, worstBurn(bad, total, 1 - v.target / 100));
      if (bad.length < check || after === 0) continue;
      const common = { periodWindows: check, draws: REPLAY_DRAWS, level: o.intervalLevel, blockLength: check };
      const est = estimateBreachRate({
        ...common,
        breached,
        weights: rowWeights,
        rng: fastRng(hashSeed(o.seed, sloId, v.type, 'replay', at)),
      });
      out.breach.push({
        type: v.type, resampled: est.resampled, nEff: est.effectiveN, share: est.weightedShare, k, m: check,
        v: fastRng(hashSeed(o.seed, sloId, v.type, 'pit', at)).next(),
        worst: worstSoFar,
      });
      const burn = estimateBurn({
        ...common,
        bad,
        total,
        weights: rowWeights,
        budgetFraction: 1 - v.target / 100,
        rng: fastRng(hashSeed(o.seed, sloId, v.type, 'replay-burn', at)),
      });
      out.burn.push(burnScore(burn.interval, nt > 0 ? nb / nt / (1 - v.target / 100) : 0));
      out.from = Math.min(out.from, originEnd);
      out.to = Math.max(out.to, next[next.length - 1]!.end);
    }
  }
  return out;
}

/** Prior and interval levels of one calibration group (a service's SLOs). */
export interface BreachCalibration {
  prior: BreachPrior;
  /** All variants pooled: `level` is the fallback for a variant with too few replays; `held` is at each replay's own variant level. */
  pooled: CalibratedLevel;
  byVariant: Partial<Record<VariantType, CalibratedLevel>>;
}

/**
 * From the replayed weeks of a group: the prior (the reference or a symmetric Beta(c/2, c/2)) whose
 * posterior means had the smallest squared error against the breached share of the following weeks
 * (the reference when there are too few replays to choose), then the split-conformal level of the
 * predictive intervals under that prior, per variant when the variant has enough replays of its own, else pooled. Per variant because the
 * variants err differently: a conservative bound is rarely breached afterwards, while the aggressive
 * one, picked because history barely met it, is breached more often than its history says.
 */
export function calibrateBreach(replays: ReplayBreach[], nominal: number, reference: BreachPrior = REFERENCE_BREACH_PRIOR): BreachCalibration {
  let prior = reference;
  if (replays.length >= MIN_REPLAYS) {
    let best = Infinity;
    // The reference first: a symmetric prior must do strictly better (by a hair) to replace it, and a weaker one than a stronger one.
    for (const p of [reference, ...PRIOR_STRENGTHS.map(symmetricPrior)]) {
      const sse = replays.reduce((s, r) => {
        const { a, b } = priorOf(p, r.type, r.worst);
        return s + (posteriorRate(r.share, r.nEff, a, b) - r.k / r.m) ** 2;
      }, 0);
      if (sse < best * (1 - 1e-6)) {
        best = sse;
        prior = p === reference ? { ...reference, source: 'replays' } : p;
      }
    }
  }
  const scored = replays.map((r) => {
    const { a, b } = priorOf(prior, r.type, r.worst);
    return { type: r.type, score: randomizedScore(mixPredictive(r.resampled, r.nEff, r.m, a, b), r.k, r.v) };
  });
  const pooled = calibrateLevel(scored.map((s) => s.score), nominal);
  const byVariant: BreachCalibration['byVariant'] = {};
  for (const type of new Set(scored.map((s) => s.type))) {
    const own = scored.filter((s) => s.type === type).map((s) => s.score);
    byVariant[type] = own.length >= MIN_VARIANT_REPLAYS ? calibrateLevel(own, nominal, MIN_VARIANT_REPLAYS) : { ...pooled, replays: own.length, heldAtNominal: heldShare(own, nominal), held: heldShare(own, pooled.level) };
  }
  // "Held" of the whole group: each replay at the level its variant's intervals are cut at.
  const held = scored.length ? scored.filter((s) => s.score <= (byVariant[s.type]?.level ?? pooled.level) + 1e-12).length / scored.length : pooled.held;
  return { prior, pooled: { ...pooled, held }, byVariant };
}

/**
 * Randomized conformity score of a count under a discrete predictive pmf: the central level whose
 * interval just reaches u = F(k − 1) + v·P(k) (the randomized PIT, uniform for a calibrated forecast).
 */
export function randomizedScore(pmf: Float64Array, k: number, v: number): number {
  let below = 0;
  for (let j = 0; j < k && j < pmf.length; j++) below += pmf[j]!;
  const u = below + v * (k < pmf.length ? pmf[k]! : 0);
  return Math.min(1, Math.abs(2 * u - 1));
}

const heldShare = (scores: number[], level: number) => (scores.length ? scores.filter((s) => s <= level + 1e-12).length / scores.length : 0);

export interface CalibratedLevel {
  /** Level the final intervals are computed at. */
  level: number;
  replays: number;
  /** Share of replays whose week fell inside the interval at the nominal level. */
  heldAtNominal: number;
  /** Share of replays inside the interval at the calibrated level. */
  held: number;
}

export interface CalibratedScale {
  /** Log units both ends of the nominal burn interval move out (negative: in). */
  shift: number;
  replays: number;
  heldAtNominal: number;
  held: number;
}

/** Split-conformal stretch of the burn interval from pooled distance scores; none with too few replays. */
export function calibrateScale(scores: number[], nominal: number): CalibratedScale {
  const n = scores.length;
  const heldAt = (q: number) => (n ? scores.filter((s) => s <= q + 1e-12).length / n : 0);
  if (n < MIN_REPLAYS) return { shift: 0, replays: n, heldAtNominal: heldAt(0), held: heldAt(0) };
  const sorted = [...scores].sort((a, b) => a - b);
  const shift = sorted[Math.min(n, Math.ceil((n + 1) * nominal)) - 1]!;
  return { shift, replays: n, heldAtNominal: heldAt(0), held: heldAt(shift) };
}

/** Split-conformal level from pooled scores; the nominal level when there are too few replays. */
export function calibrateLevel(scores: number[], nominal: number, minReplays = MIN_REPLAYS): CalibratedLevel {
  const n = scores.length;
  const heldAt = (level: number) => heldShare(scores, level);
  if (n < minReplays) return { level: nominal, replays: n, heldAtNominal: heldAt(nominal), held: heldAt(nominal) };
  const sorted = [...scores].sort((a, b) => a - b);
  const rank = Math.min(n, Math.ceil((n + 1) * nominal));
  // Never below 50 % (an interval that narrow says little) nor at 100 % (the whole support).
  const level = Math.min(0.999, Math.max(0.5, sorted[rank - 1]!));
  return { level, replays: n, heldAtNominal: heldAt(nominal), held: heldAt(level) };
}
