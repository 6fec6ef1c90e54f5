/**
 * Error-budget burn: the share of a variant's error budget that one SLO period consumes,
 * Σ bad / (Σ valid × (1 − target)). Unlike the breached-window count it is continuous, so two
 * variants that never breached a window still differ (one leaves 10 % of its budget unused, the
 * other 90 %). 1 = exactly the whole budget.
 */
import { uniforms } from '../sli/stats.js';

export interface BurnInput {
  /** Per fit window, time order: bad and valid events at the variant's threshold / target. */
  bad: number[];
  total: number[];
  /** Recency weight per window (same order). */
  weights: number[];
  /** 1 − target as a fraction (the budget per valid event). */
  budgetFraction: number;
  periodWindows: number;
  draws: number;
  level: number;
  blockLength: number;
  /** Expected multiplier of the bad fraction over the next period (trend projection; 1 = none). */
  drift?: number;
  /** Uniform source for the block picks (seeded); `fill` when it can draw many at once (fastRng). */
  rng: { next(): number; fill?(out: Float64Array): void };
}

export interface BurnEstimate {
  /** Recency-weighted budget share one period would consume. */
  expected: number;
  /** Central bootstrap interval at the input's level (the calibration stretches it on a log scale: widenInterval). */
  interval: [number, number];
}

/**
 * Moving-block bootstrap of one period's burn: blocks of `blockLength` consecutive windows (a
 * week of daily windows keeps the weekly cycle), picked with probability proportional to their
 * recency weight, until the period is filled; each draw's burn is its pooled bad ratio / budget.
 */
export function estimateBurn(input: BurnInput): BurnEstimate {
  const n = input.bad.length;
  const drift = input.drift ?? 1;
  let swb = 0;
  let swt = 0;
  for (let i = 0; i < n; i++) {
    swb += input.weights[i]! * input.bad[i]!;
    swt += input.weights[i]! * input.total[i]!;
  }
  if (n === 0 || swt <= 0 || !(input.budgetFraction > 0)) return { expected: 0, interval: [0, 0] };
  const expected = (drift * swb) / swt / input.budgetFraction;
  const L = Math.max(1, Math.min(input.blockLength, n));
  const nBlocks = n - L + 1;
  const blockBad = new Float64Array(nBlocks);
  const blockTotal = new Float64Array(nBlocks);
  const cum = new Float64Array(nBlocks);
  let acc = 0;
  for (let j = 0; j < nBlocks; j++) {
    let w = 0;
    for (let i = j; i < j + L; i++) {
      blockBad[j]! += input.bad[i]!;
      blockTotal[j]! += input.total[i]!;
      w += input.weights[i]!;
    }
    acc += w;
    cum[j] = acc;
  }
  const perDraw = Math.max(1, Math.ceil(Math.max(1, input.periodWindows) / L));
  const draws = input.draws;
  const budgetFraction = input.budgetFraction;
  const { guide, scale } = guideTable(cum);
  const cells = guide.length;
  const last = nBlocks - 1;
  const u = uniforms(input.rng, draws * perDraw);
  const samples = new Float64Array(draws);
  for (let d = 0, at = 0; d < draws; d++) {
    let b = 0;
    let t = 0;
    for (let k = 0; k < perDraw; k++) {
      // pick(cum, x) through the guide table (inlined: this loop is the analysis' hottest).
      const x = u[at++]! * acc;
      const q = Math.floor(x * scale);
      let j = q >= 0 && q < cells ? guide[q]! : 0;
      if (j > 0 && cum[j - 1]! > x) j = pick(cum, x);
      else while (j < last && cum[j]! <= x) j++;
      b += blockBad[j]!;
      t += blockTotal[j]!;
    }
    samples[d] = t > 0 ? (drift * b) / t / budgetFraction : 0;
  }
  return { expected, interval: sampleInterval(samples, input.level, expected) };
}

/** The first j with cum[j] > x (the last index if none), by binary search. */
export function pick(cum: Float64Array, x: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A guide table for `pick` on a fixed, non-decreasing `cum` (Chen & Asau's method): [0, total) is
 * cut into equal cells, each remembering `pick` of its lower edge, the first index an x in the cell
 * can get. A pick starts there and walks up, so it takes a comparison or two instead of a binary
 * search; if rounding put x below its cell's edge (cum[start − 1] > x) it falls back to `pick`.
 * Either way the answer is `pick`'s own.
 */
export function guideTable(cum: Float64Array): { guide: Int32Array; scale: number } {
  const total = cum[cum.length - 1]!;
  if (!(total > 0)) return { guide: new Int32Array(0), scale: 0 };
  const cells = 4 * cum.length;
  const guide = new Int32Array(cells);
  for (let q = 0; q < cells; q++) guide[q] = pick(cum, (q * total) / cells);
  return { guide, scale: cells / total };
}

/** `pick` through a guide table (the loop in estimateBurn inlines this; tests compare the two). */
export function guidedPick(cum: Float64Array, table: { guide: Int32Array; scale: number }, x: number): number {
  const q = Math.floor(x * table.scale);
  let j = q >= 0 && q < table.guide.length ? table.guide[q]! : 0;
  if (j > 0 && cum[j - 1]! > x) return pick(cum, x);
  while (j < cum.length - 1 && cum[j]! <= x) j++;
  return j;
}

/**
 * Central interval of samples at `level` (order statistics ⌊p·n⌋), widened to contain the point
 * estimate. Reorders `samples` in place: the two order statistics are selected, not fully sorted
 * (a sort of every draw cost more than drawing them).
 */
export function sampleInterval(samples: Float64Array, level: number, point: number): [number, number] {
  if (samples.length === 0) return [point, point];
  const alpha = (1 - level) / 2;
  const rank = (p: number) => Math.min(samples.length - 1, Math.max(0, Math.floor(p * samples.length)));
  const lo = rank(alpha);
  const hi = rank(1 - alpha);
  // After selecting the larger rank everything before it is <= it, so the smaller one is selected there.
  const qHi = select(samples, hi, 0, samples.length - 1);
  const qLo = lo <= hi ? select(samples, lo, 0, hi) : select(samples, lo, 0, samples.length - 1);
  return [Math.min(qLo, point), Math.max(qHi, point)];
}

/**
 * The k-th smallest of a[lo..hi] (Hoare's FIND, as in Wirth's "Algorithms + Data Structures"), moving
 * it to a[k] with smaller-or-equal values before it and greater-or-equal after. Linear on average,
 * and on runs of equal values too (every draw of a never-breached variant burns 0).
 */
function select(a: Float64Array, k: number, lo: number, hi: number): number {
  while (lo < hi) {
    const x = a[k]!;
    let i = lo;
    let j = hi;
    do {
      while (a[i]! < x) i++;
      while (x < a[j]!) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) lo = i;
    if (k < i) hi = j;
  }
  return a[k]!;
}

/**
 * Burns are compared on a log scale, offset by 1 % of the budget so a realized 0 has a finite score:
 * a week that burned twice the interval's top is as far out as one that burned half its bottom.
 */
const LOG_OFFSET = 0.01;

/** Conformity score of a realized burn y against an interval: how far outside it lies, in log units (negative inside). */
export function burnScore(interval: [number, number], y: number): number {
  const l = Math.log(y + LOG_OFFSET);
  return Math.max(Math.log(interval[0] + LOG_OFFSET) - l, l - Math.log(interval[1] + LOG_OFFSET));
}

/** The interval stretched (q > 0) or shrunk (q < 0) by q log units at each end, still containing the point estimate. */
export function widenInterval(interval: [number, number], q: number, point: number): [number, number] {
  const lo = Math.max(0, (interval[0] + LOG_OFFSET) * Math.exp(-q) - LOG_OFFSET);
  const hi = Math.max(lo, (interval[1] + LOG_OFFSET) * Math.exp(q) - LOG_OFFSET);
  return [Math.min(lo, point), Math.max(hi, point)];
}

export interface PastPeriod { start: number; end: number; windows: number; consumed: number }

/**
 * The budget share each whole past period consumed, counted back from `end` in steps of
 * `periodSeconds` (a period must lie inside the analysed range). Newest first.
 */
export function pastPeriodBurns(
  windows: Array<{ start: number; end: number; bad: number | null; total: number }>,
  budgetFraction: number,
  end: number,
  analysisStart: number,
  periodSeconds: number,
): PastPeriod[] {
  const out: PastPeriod[] = [];
  for (let to = end; to - periodSeconds >= analysisStart - 1e-6 && out.length < 24; to -= periodSeconds) {
    const from = to - periodSeconds;
    let bad = 0;
    let total = 0;
    let n = 0;
    for (const w of windows) {
      if (w.start < from - 1e-6 || w.end > to + 1e-6 || w.bad === null) continue;
      bad += w.bad;
      total += w.total;
      n++;
    }
    if (n > 0 && total > 0) out.push({ start: from, end: to, windows: n, consumed: bad / total / budgetFraction });
  }
  return out;
}
