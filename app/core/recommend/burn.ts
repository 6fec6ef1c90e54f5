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
  // Scratch reused across calls (this runs thousands of times per analysis; fresh typed arrays were
  // a good part of its cost and of the collector's work).
  const bufs = burnScratch(nBlocks, input.draws);
  const blockBad = bufs.blockBad;
  const blockTotal = bufs.blockTotal;
  const cum = bufs.cum;
  let acc = 0;
  let anyBad = false;
  for (let j = 0; j < nBlocks; j++) {
    let bb = 0;
    let bt = 0;
    let w = 0;
    for (let i = j; i < j + L; i++) {
      bb += input.bad[i]!;
      bt += input.total[i]!;
      w += input.weights[i]!;
    }
    blockBad[j] = bb;
    blockTotal[j] = bt;
    if (bb !== 0) anyBad = true;
    acc += w;
    cum[j] = acc;
  }
  const perDraw = Math.max(1, Math.ceil(Math.max(1, input.periodWindows) / L));
  const draws = input.draws;
  const budgetFraction = input.budgetFraction;
  // No bad event in any block: every draw burns exactly 0 (its own rng stream, so skipping it changes nothing else).
  if (!anyBad && drift >= 0 && Number.isFinite(drift)) return { expected, interval: draws > 0 ? [Math.min(0, expected), Math.max(0, expected)] : [expected, expected] };
  const table = pickTable(cum, nBlocks, cellsFor(nBlocks, draws * perDraw), bufs);
  const cells = table.length;
  if (perDraw === 1 && draws > 0) return { expected, interval: oneBlockInterval(input, bufs, nBlocks, table, expected) };
  const samples = bufs.samples.subarray(0, draws);
  // Uniforms in chunks that stay in the first-level cache (the same stream, in the same order).
  const chunkDraws = Math.max(1, Math.floor(UNIFORM_CHUNK / perDraw));
  for (let d0 = 0; d0 < draws; d0 += chunkDraws) {
    const dEnd = Math.min(draws, d0 + chunkDraws);
    const u = uniforms(input.rng, (dEnd - d0) * perDraw);
    for (let d = d0, at = 0; d < dEnd; d++) {
      let b = 0;
      let t = 0;
      for (let k = 0; k < perDraw; k++) {
        // pick(cum, u·acc) through the table (inlined: this loop is the analysis' hottest).
        const v = u[at++]!;
        let j = table[(v * cells) | 0]!;
        if (j < 0) j = pick(cum, v * acc, nBlocks);
        b += blockBad[j]!;
        t += blockTotal[j]!;
      }
      samples[d] = t > 0 ? (drift * b) / t / budgetFraction : 0;
    }
  }
  return { expected, interval: sampleInterval(samples, input.level, expected) };
}

/**
 * estimateBurn when a period is one block (the weekly replays): a draw's burn is then its block's
 * own, so the draws are tallied per block and the interval's order statistics read off the blocks
 * sorted by burn, instead of computing and selecting among `draws` samples. The same picks and the
 * same per-block arithmetic, so the same interval to the bit.
 */
function oneBlockInterval(input: BurnInput, bufs: BurnScratch, nBlocks: number, table: Int32Array, expected: number): [number, number] {
  const { blockBad, blockTotal, cum } = bufs;
  const drift = input.drift ?? 1;
  const draws = input.draws;
  const cells = table.length;
  const acc = cum[nBlocks - 1]!;
  if (bufs.tally.length < nBlocks) bufs.tally = new Int32Array(Math.max(nBlocks, 2 * bufs.tally.length));
  const tally = bufs.tally;
  tally.fill(0, 0, nBlocks);
  for (let d0 = 0; d0 < draws; d0 += UNIFORM_CHUNK) {
    const m = Math.min(UNIFORM_CHUNK, draws - d0);
    const u = uniforms(input.rng, m);
    for (let at = 0; at < m; at++) {
      const v = u[at]!;
      let j = table[(v * cells) | 0]!;
      if (j < 0) j = pick(cum, v * acc, nBlocks);
      tally[j]!++;
    }
  }
  // Written as estimateBurn's draw loop computes one draw of one block (0 + bad, 0 + total).
  const burns: Array<{ burn: number; draws: number }> = [];
  for (let j = 0; j < nBlocks; j++) {
    if (tally[j] === 0) continue;
    const b = 0 + blockBad[j]!;
    const t = 0 + blockTotal[j]!;
    burns.push({ burn: t > 0 ? (drift * b) / t / input.budgetFraction : 0, draws: tally[j]! });
  }
  burns.sort((x, y) => x.burn - y.burn);
  // The rank-th smallest draw, as sampleInterval ranks them.
  const alpha = (1 - input.level) / 2;
  const rank = (p: number) => Math.min(draws - 1, Math.max(0, Math.floor(p * draws)));
  const at = (r: number): number => {
    let seen = 0;
    for (const x of burns) {
      seen += x.draws;
      if (r < seen) return x.burn;
    }
    return burns[burns.length - 1]!.burn;
  };
  return [Math.min(at(rank(alpha)), expected), Math.max(at(rank(1 - alpha)), expected)];
}

/** Uniforms drawn at a time by estimateBurn (16 KB of doubles). */
const UNIFORM_CHUNK = 2048;

interface BurnScratch { blockBad: Float64Array; blockTotal: Float64Array; cum: Float64Array; samples: Float64Array; table: Int32Array; tally: Int32Array }
let scratch: BurnScratch = { blockBad: new Float64Array(64), blockTotal: new Float64Array(64), cum: new Float64Array(64), samples: new Float64Array(2048), table: new Int32Array(2048), tally: new Int32Array(64) };

/** estimateBurn's buffers, grown when too small (contents are garbage; callers write before reading). */
function burnScratch(nBlocks: number, draws: number): BurnScratch {
  if (scratch.cum.length < nBlocks) {
    const m = Math.max(nBlocks, 2 * scratch.cum.length);
    scratch = { ...scratch, blockBad: new Float64Array(m), blockTotal: new Float64Array(m), cum: new Float64Array(m) };
  }
  if (scratch.samples.length < draws) scratch = { ...scratch, samples: new Float64Array(Math.max(draws, 2 * scratch.samples.length)) };
  return scratch;
}

/** The first j < length with cum[j] > x (length − 1 if none), by binary search. */
export function pick(cum: Float64Array, x: number, length = cum.length): number {
  let lo = 0;
  let hi = length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A lookup table for `pick(cum, u·total)` over uniforms u in [0, 1) (total = cum[length − 1]):
 * [0, 1) is cut into `cells` (a power of two) equal cells, and a cell whose every u picks the same
 * index holds it; a cell that straddles a block edge holds −1 and its u are picked by `pick`. The
 * cell of u is floor(u·cells), exact (a power-of-two product), and `pick(cum, u·total)` never
 * decreases with u (rounding is monotone), so when the cell's lower edge i/cells and the next
 * cell's (i + 1)/cells pick the same index, every u in between does too: the table gives `pick`'s
 * own answer, where a guide table on u·total would have to allow for the product's rounding.
 * Built in one sweep; `into` reuses its `table` buffer when large enough (the result is a view of it).
 */
export function pickTable(cum: Float64Array, length: number, cells: number, into?: { table: Int32Array }): Int32Array {
  let table: Int32Array;
  if (into) {
    if (into.table.length < cells) into.table = new Int32Array(Math.max(cells, 2 * into.table.length));
    table = into.table.subarray(0, cells);
  } else table = new Int32Array(cells);
  const total = cum[length - 1]!;
  const last = length - 1;
  for (let i = 0, jLo = 0, jHi = 0; i < cells; i++) {
    const xLo = (i / cells) * total;
    const xHi = ((i + 1) / cells) * total;
    while (jLo < last && cum[jLo]! <= xLo) jLo++;
    while (jHi < last && cum[jHi]! <= xHi) jHi++;
    table[i] = jLo === jHi ? jLo : -1;
  }
  return table;
}

/**
 * Cells of a pick table for `picks` picks among `entries`: about 32 per entry, so a pick rarely
 * lands in a straddling cell, but no more than the picks repay (building costs one step a cell).
 */
export function cellsFor(entries: number, picks: number): number {
  const want = Math.max(16, Math.min(32 * entries, picks >> 1));
  return 2 ** Math.ceil(Math.log2(want));
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
 * The k-th smallest of a[lo..hi], moving it to a[k] with smaller-or-equal values before it and
 * greater-or-equal after: Floyd & Rivest's SELECT (CACM 1975, algorithm 489). On a long range it
 * first selects within a small sample around k's expected position, which leaves a partition
 * element close to the answer, so the range shrinks to a sliver after one pass: about n + min(k,
 * n − k) comparisons against Hoare's FIND's 2–3 n. Exact either way (the value is the k-th smallest),
 * and linear on runs of equal values too (every draw of a never-breached variant burns 0).
 */
export function select(a: Float64Array, k: number, lo: number, hi: number): number {
  while (hi > lo) {
    if (hi - lo > 600) {
      const n = hi - lo + 1;
      const i = k - lo + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (i - n / 2 < 0 ? -1 : 1);
      select(a, k, Math.max(lo, Math.floor(k - (i * s) / n + sd)), Math.min(hi, Math.floor(k + ((n - i) * s) / n + sd)));
    }
    const t = a[k]!;
    let i = lo;
    let j = hi;
    swap(a, lo, k);
    if (a[hi]! > t) swap(a, hi, lo);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while (a[i]! < t) i++;
      while (a[j]! > t) j--;
    }
    if (a[lo] === t) swap(a, lo, j);
    else {
      j++;
      swap(a, j, hi);
    }
    if (j <= k) lo = j + 1;
    if (k <= j) hi = j - 1;
  }
  return a[k]!;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
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
