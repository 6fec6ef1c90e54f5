/**
 * A cheap first stage of the alert replay (issue 11 §7): from hourly block sums of the same per-step
 * events the full replay would fetch, decide which SLOs cannot fire at all, so their 5-minute series
 * are never fetched.
 *
 * Soundness. Every condition of the rules (app/export/burnrate.ts) needs its long window's error
 * ratio over factor × budget. On a clean grid (every step has bad and total events, none negative),
 * the replay's counters (counterFromIncrements) have a sample at both ends of every window and never
 * drop, so app/core/alerts/replay.ts's Prometheus rate takes no extrapolation and no reset: the
 * ratio over a window of w steps ending at step j is exactly Σ bad / Σ total over those w steps
 * (up to floating-point rounding, bounded below). With blocks of b steps and w = q·b, a window that
 * ends inside block e (or at its end) lies within blocks e − q … e and contains blocks e − q + 1 …
 * e − 1 whole, plus 12 more steps from blocks e − q and e. Bad events are not negative, so
 *
 *   ratio ≤ Σ_{e−q..e} bad / (Σ_{e−q+1..e−1} total + b · min(min step total in e − q, in e)).
 *
 * When that bound is at most the limit for every pair and every block an evaluation falls in, no
 * evaluation can fire: the full replay would report no firing, which is what the screen reports.
 * Anything unclean (a missing or negative step, a grid the blocks do not tile) keeps the SLO for the
 * full replay, so the screen can only spare work, never change a result.
 */
import type { AlertPair } from './replay.js';

/** Per-block aggregates of an SLO's per-step events on the replay's grid. */
export interface AlertBlocks {
  /** The replay's grid: step k (1-based) covers (t0 + (k − 1)·step, t0 + k·step]. */
  t0: number;
  step: number;
  /** Steps per block: block m (0-based) holds steps m·blockSteps + 1 … (m + 1)·blockSteps. */
  blockSteps: number;
  /** Σ bad events of the block's steps, or an upper bound on it (a source may sum total and good apart). */
  bad: Float64Array;
  /** Σ total events of the block's steps. */
  total: Float64Array;
  /** The smallest total events of one step of the block. */
  totalMin: Float64Array;
  /** 1 when every step of the block has bad and total events and none is negative. */
  clean: Uint8Array;
}

/**
 * Relative slack on the bound for the different order of summation (Prometheus sums each block's
 * rates, the replay accumulates a counter step by step): orders of magnitude above the ~1e-13 those
 * orders can differ by over a few hundred blocks of a dozen steps.
 */
const RELATIVE_SLACK = 1e-9;
/** Unit roundoff of a double. */
const U = 2 ** -53;

/**
 * False when the blocks prove that no evaluation from step `fromStep` to the last step (`steps`)
 * can fire; true when one may (or the blocks cannot tell).
 */
export function mayFire(blocks: AlertBlocks, pairs: AlertPair[], budget: number, fromStep: number, steps: number): boolean {
  const b = blocks.blockSteps;
  const nb = steps / b;
  if (!Number.isInteger(nb) || nb < 1 || blocks.bad.length !== nb || blocks.total.length !== nb || blocks.totalMin.length !== nb || blocks.clean.length !== nb) return true;
  if (!Number.isInteger(fromStep) || fromStep < 1 || fromStep > steps) return true;
  for (let m = 0; m < nb; m++) {
    if (!blocks.clean[m] || !(blocks.totalMin[m]! >= 0) || !(blocks.bad[m]! >= 0) || !(blocks.total[m]! >= 0)) return true;
  }
  // Prefix sums over blocks: prefix[m] = Σ of blocks 0 … m − 1.
  const badPrefix = new Float64Array(nb + 1);
  const totalPrefix = new Float64Array(nb + 1);
  for (let m = 0; m < nb; m++) {
    badPrefix[m + 1] = badPrefix[m]! + blocks.bad[m]!;
    totalPrefix[m + 1] = totalPrefix[m]! + blocks.total[m]!;
  }
  // The replay subtracts two counter values accumulated over up to `steps` additions: each difference
  // can be off by 2·steps·u times the counter's final value (a bound on accumulated rounding).
  const badError = 4 * steps * U * badPrefix[nb]!;
  const totalError = 4 * steps * U * totalPrefix[nb]!;
  // Evaluations run at steps fromStep … steps, i.e. in blocks (1-based) ceil(fromStep / b) … nb.
  const firstBlock = Math.ceil(fromStep / b);
  for (const pair of pairs) {
    const w = pair.longSeconds / blocks.step;
    const q = w / b;
    // A window the blocks do not tile, or one reaching before the first step: no bound.
    if (!Number.isInteger(q) || q < 1 || fromStep < w) return true;
    const limit = pair.factor * budget;
    for (let e = firstBlock; e <= nb; e++) {
      // Blocks are 1-based here: e − q ≥ 0, and block 0 (before the grid) holds nothing; only the
      // window ending exactly at the end of block q (step w) reaches it, and that window is whole blocks.
      const lo = e - q;
      const num = badPrefix[e]! - badPrefix[Math.max(0, lo - 1)]!;
      const inner = totalPrefix[e - 1]! - totalPrefix[lo]!;
      const edgeMin = Math.min(lo >= 1 ? blocks.totalMin[lo - 1]! : Number.POSITIVE_INFINITY, blocks.totalMin[e - 1]!);
      const den = (inner + b * edgeMin) * (1 - RELATIVE_SLACK) - totalError;
      if (!(den > 0)) return true;
      if ((num * (1 + RELATIVE_SLACK) + badError) / den > limit) return true;
    }
  }
  return false;
}
