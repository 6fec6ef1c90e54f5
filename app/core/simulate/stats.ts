/** Breach rate with its bootstrap interval. */
export interface RateWithInterval {
  rate: number;
  interval: [number, number];
}

export interface BudgetImpact {
  /** Bad-event ratio / allowed bad ratio (1 − target): 1 spends exactly the budget over the period. */
  burnRate: number;
  /** Share of the SLO period's error budget consumed over one period at this burn. */
  budgetConsumedShare: number;
  /** Days until the period's budget is gone at this burn; null when nothing is burnt. */
  daysToExhaustion: number | null;
}

function percentile(sorted: Float64Array, q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i]!;
}

/**
 * Breach rates of a baseline and a projection over the same resampled evaluation windows
 * (paired bootstrap: `counts` holds, per resample, how often each window was drawn).
 * The point estimate is the plain share of breaching windows, so a scenario that changes
 * nothing reproduces the baseline exactly. When no window (or every window) breaches, the
 * percentile interval collapses; it is widened to the Clopper–Pearson bound for 0 (or n) of n.
 */
export function bootstrapBreachRates(base: boolean[], projected: boolean[], counts: Int32Array, draws: number, level: number): { baseline: RateWithInterval; projected: RateWithInterval } {
  const n = base.length;
  const kBase = base.filter(Boolean).length;
  const kProj = projected.filter(Boolean).length;
  // A resample's breach rate is k/n with k in 0..n, so count how often each k occurs and lay the
  // draws out already sorted (no sort of `draws` floats). When no window (or every window) is
  // breached, every resample has the same k and the loop is skipped: the common case fleet-wide.
  const histB = new Int32Array(n + 1);
  const histP = new Int32Array(n + 1);
  const constantB = kBase === 0 || kBase === n;
  const constantP = kProj === 0 || kProj === n;
  if (constantB) histB[kBase] = draws;
  if (constantP) histP[kProj] = draws;
  // counts[d * n + w] = how often window w was drawn in resample d. A resample's breached count is
  // the sum over the breached windows (or n minus the sum over the others, whichever set is
  // smaller), so the cost is draws x min(k, n - k) instead of draws x n.
  const tally = (flags: boolean[], k: number, hist: Int32Array): void => {
    const useComplement = k > n / 2;
    const set: number[] = [];
    flags.forEach((f, w) => { if (f !== useComplement) set.push(w); });
    for (let d = 0, row = 0; d < draws; d++, row += n) {
      let c = 0;
      for (const w of set) c += counts[row + w]!;
      hist[useComplement ? n - c : c]!++;
    }
  };
  if (!constantB) tally(base, kBase, histB);
  if (!constantP) tally(projected, kProj, histP);
  const sortedRates = (hist: Int32Array): Float64Array => {
    const out = new Float64Array(draws);
    let at = 0;
    for (let k = 0; k <= n; k++) out.fill(k / n, at, (at += hist[k]!));
    return out;
  };
  const rb = sortedRates(histB);
  const rp = sortedRates(histP);
  const alpha = (1 - level) / 2;
  const summarise = (flags: boolean[], draws: Float64Array): RateWithInterval => {
    const k = flags.filter(Boolean).length;
    let lo = percentile(draws, alpha);
    let hi = percentile(draws, 1 - alpha);
    if (k === 0) hi = Math.max(hi, 1 - Math.pow(alpha, 1 / n));
    if (k === n) lo = Math.min(lo, Math.pow(alpha, 1 / n));
    return { rate: k / n, interval: [lo, hi] };
  };
  return { baseline: summarise(base, rb), projected: summarise(projected, rp) };
}

/** Error-budget impact of per-window bad ratios weighted by window volume. */
export function budgetImpact(bad: ArrayLike<number>, totals: number[], target: number, periodSeconds: number): BudgetImpact {
  let badEvents = 0;
  let events = 0;
  for (let i = 0; i < totals.length; i++) {
    badEvents += bad[i]! * totals[i]!;
    events += totals[i]!;
  }
  const allowed = 1 - target / 100;
  const burnRate = events > 0 && allowed > 0 ? badEvents / events / allowed : 0;
  return {
    burnRate,
    budgetConsumedShare: burnRate,
    daysToExhaustion: burnRate > 0 ? periodSeconds / 86_400 / burnRate : null,
  };
}
