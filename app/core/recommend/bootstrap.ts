import { lnGamma, uniforms } from '../sli/stats.js';
import { cellsFor, pick, pickTable } from './burn.js';

export interface BreachInput {
  /** Per fit window, in time order: did the window's SLI fall below the target? */
  breached: boolean[];
  /** Recency weight per window (same order). */
  weights: number[];
  /** Evaluation windows in one SLO period: the interval is about the share breached over the next period. */
  periodWindows: number;
  draws: number;
  /** Interval level, e.g. 0.9. */
  level: number;
  /** Block length in windows (7 daily windows keep a whole week's seasonality inside a block). */
  blockLength: number;
  /** Uniform source for the block picks (seeded); `fill` when it can draw many at once (fastRng). */
  rng: { next(): number; fill?(out: Float64Array): void };
  /** Beta prior on the breach probability; default Jeffreys Beta(½, ½). Borrowed priors: app/core/similar. */
  prior?: { a: number; b: number };
}

export interface BreachEstimate {
  /** Jeffreys posterior mean of P(window breached), on the recency-weighted effective sample. */
  rate: number;
  /** Predictive interval of the breached share over the next period. */
  interval: [number, number];
  /** Kish effective sample size of the weighted windows. */
  effectiveN: number;
  /** Recency-weighted share of breached windows. */
  weightedShare: number;
  breaches: number;
  windows: number;
  /** Predictive pmf of the breached-window count over the next period (index = count); kept so the interval can be recalibrated. */
  predictive: Float64Array;
  /**
   * Bootstrap distribution of the resampled breach count (`freq[k]` = share of draws with k breached
   * of `of` windows), kept so the posterior and predictive can be recomputed under another prior.
   */
  resampled: { freq: Float64Array; of: number };
  /** The Beta prior the rate and the predictive were computed with. */
  prior: { a: number; b: number };
}

/**
 * Expected breach rate with an honest interval, in three layers:
 * 1. moving-block bootstrap over the windows (blocks of `blockLength`, picked with probability
 *    proportional to their recency weight) keeps day-to-day dependence and the weekly cycle;
 * 2. each resample's breach share becomes a Jeffreys Beta(k + ½, n − k + ½) posterior on the
 *    effective sample, so "0 breaches in 28 windows" still leaves a non-zero upper bound;
 * 3. a binomial draw of the next period's windows turns the rate into what a period will show,
 *    which is what the backtest checks (realized share of breached windows).
 * Layers 2 and 3 are exact (a beta-binomial per resampled count), so only the block picks are
 * Monte Carlo: fast, and the interval's only sampling noise is the bootstrap's own.
 */
export function estimateBreachRate(input: BreachInput): BreachEstimate {
  const n = input.breached.length;
  const w = input.weights;
  let sw = 0;
  let sw2 = 0;
  let swb = 0;
  let breaches = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i]!;
    sw2 += w[i]! ** 2;
    if (input.breached[i]) {
      swb += w[i]!;
      breaches++;
    }
  }
  const a0 = input.prior?.a ?? 0.5;
  const b0 = input.prior?.b ?? 0.5;
  if (n === 0 || sw <= 0) {
    return { rate: a0 / (a0 + b0), interval: [0, 1], effectiveN: 0, weightedShare: 0, breaches: 0, windows: 0, predictive: new Float64Array([0.5, 0.5]), resampled: { freq: new Float64Array([1]), of: 1 }, prior: { a: a0, b: b0 } };
  }
  const nEff = (sw * sw) / sw2;
  const weightedShare = swb / sw;
  const rate = posteriorRate(weightedShare, nEff, a0, b0);

  const L = Math.max(1, Math.min(input.blockLength, n));
  const nBlocks = n - L + 1;
  // A block matters only through its breach count, so the picks sample the count directly:
  // weight of each count = total recency weight of the blocks with that count (same distribution,
  // a scan over a handful of counts instead of a search over every block).
  const weightOfCount = new Float64Array(L + 1);
  for (let j = 0; j < nBlocks; j++) {
    let bw = 0;
    let bb = 0;
    for (let i = j; i < j + L; i++) {
      bw += w[i]!;
      if (input.breached[i]) bb++;
    }
    weightOfCount[bb]! += bw;
  }
  const counts = new Int32Array(L + 1);
  const cum = new Float64Array(L + 1);
  let distinct = 0;
  let acc = 0;
  for (let c = 0; c <= L; c++) {
    if (weightOfCount[c]! <= 0) continue;
    acc += weightOfCount[c]!;
    counts[distinct] = c;
    cum[distinct++] = acc;
  }
  const perDraw = Math.ceil(n / L);
  const m = Math.max(1, Math.round(input.periodWindows));
  // Layer 1: the bootstrap distribution of the resampled breach count (Monte Carlo over blocks).
  const kFreq = new Float64Array(perDraw * L + 1);
  // Every block alike (typically: no breaches at all): the bootstrap distribution is one point.
  const draws = distinct === 1 ? 0 : input.draws;
  if (draws === 0) kFreq[perDraw * counts[0]!] = 1;
  else {
    // The picks are tallied as integers; each count's share is then 1/draws added up that many
    // times, as the draw loop used to add it one draw at a time (the same float, from a shared table).
    const kDraws = new Int32Array(perDraw * L + 1);
    // A pick table over the counts' cumulative weights: the same pick as the scan `while (i < last && cum[i] <= x) i++`.
    const table = pickTable(cum, distinct, cellsFor(distinct, draws * perDraw));
    const cells = table.length;
    for (let d0 = 0; d0 < draws; d0 += CHUNK_DRAWS) {
      const dEnd = Math.min(draws, d0 + CHUNK_DRAWS);
      const u = uniforms(input.rng, (dEnd - d0) * perDraw);
      for (let d = d0, at = 0; d < dEnd; d++) {
        let k = 0;
        for (let b = 0; b < perDraw; b++) {
          const v = u[at++]!;
          let i = table[(v * cells) | 0]!;
          if (i < 0) i = pick(cum, v * acc, distinct);
          k += counts[i]!;
        }
        kDraws[k]!++;
      }
    }
    const share = repeatedSums(draws);
    for (let k = 0; k < kDraws.length; k++) kFreq[k] = share[kDraws[k]!]!;
  }
  const resampled = { freq: kFreq, of: perDraw * L };
  const predictive = mixPredictive(resampled, nEff, m, a0, b0);
  return { rate, interval: pmfInterval(predictive, input.level, rate), effectiveN: nEff, weightedShare, breaches, windows: n, predictive, resampled, prior: { a: a0, b: b0 } };
}

/** Draws per chunk of uniforms (at most 8 KB of them for the usual 4 blocks a draw). */
const CHUNK_DRAWS = 256;

const sumTables = new Map<number, Float64Array>();

/** t[c] = 1/draws added to 0 c times, left to right: the share of c draws as a draw-by-draw tally sums it. */
function repeatedSums(draws: number): Float64Array {
  let t = sumTables.get(draws);
  if (!t) {
    t = new Float64Array(draws + 1);
    for (let c = 1; c <= draws; c++) t[c] = t[c - 1]! + 1 / draws;
    if (sumTables.size >= 8) sumTables.clear();
    sumTables.set(draws, t);
  }
  return t;
}

/** Posterior mean of the breach probability: the weighted share on the effective sample, with a Beta(a0, b0) prior. */
export function posteriorRate(share: number, nEff: number, a0: number, b0: number): number {
  return (share * nEff + a0) / (nEff + a0 + b0);
}

/**
 * Layers 2 and 3 in closed form: for each resampled breach count, a Beta(share·nEff + a0, (1 − share)·nEff + b0)
 * posterior times a binomial over the `m` windows of the period is a beta-binomial; mixed over the resamples.
 */
export function mixPredictive(resampled: { freq: Float64Array; of: number }, nEff: number, m: number, a0: number, b0: number): Float64Array {
  const predictive = new Float64Array(m + 1);
  const kFreq = resampled.freq;
  for (let k = 0; k < kFreq.length; k++) {
    if (kFreq[k]! === 0) continue;
    const share = k / resampled.of;
    const a = share * nEff + a0;
    const b = (1 - share) * nEff + b0;
    // Beta-binomial pmf by its ratio recurrence: f(j+1)/f(j) = (m−j)(j+a) / ((j+1)(m−j−1+b)).
    let f = Math.exp(lnGamma(m + b) + lnGamma(a + b) - lnGamma(b) - lnGamma(m + a + b));
    for (let j = 0; j <= m; j++) {
      predictive[j]! += kFreq[k]! * f;
      f *= ((m - j) * (j + a)) / ((j + 1) * (m - j - 1 + b));
    }
  }
  return predictive;
}

/** Central interval of a predictive count pmf at `level`, as shares of the period's windows. */
export function pmfInterval(pmf: Float64Array, level: number, rate: number): [number, number] {
  const m = Math.max(1, pmf.length - 1);
  const alpha = (1 - level) / 2;
  const lo = quantileOfPmf(pmf, alpha) / m;
  const hi = quantileOfPmf(pmf, 1 - alpha) / m;
  // A predictive interval lives on multiples of 1/m; keep the point estimate inside it.
  return [Math.min(lo, rate), Math.max(hi, rate)];
}

/** Smallest k whose cumulative probability reaches q (with a hair of tolerance for float sums). */
function quantileOfPmf(pmf: Float64Array, q: number): number {
  let acc = 0;
  for (let k = 0; k < pmf.length; k++) {
    acc += pmf[k]!;
    if (acc >= q - 1e-9) return k;
  }
  return pmf.length - 1;
}

