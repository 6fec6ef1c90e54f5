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

/**
 * Breach rates of a baseline and a projection over the same resampled evaluation windows
 * (paired bootstrap: `counts` holds, per resample, how often each window was drawn).
 * The point estimate is the plain share of breaching windows, so a scenario that changes
 * nothing reproduces the baseline exactly. When no window (or every window) breaches, the
 * percentile interval collapses; it is widened to the Clopper–Pearson bound for 0 (or n) of n.
 */
export function bootstrapBreachRates(base: boolean[], projected: boolean[], counts: Int32Array, draws: number, level: number): { baseline: RateWithInterval; projected: RateWithInterval } {
  const n = base.length;
  const histB = breachHistogram(base, counts, draws);
  const histP = breachHistogram(projected, counts, draws);
  const alpha = (1 - level) / 2;
  const summarise = (flags: boolean[], hist: Int32Array): RateWithInterval => {
    let k = 0;
    for (const f of flags) if (f) k++;
    let lo = percentile(hist, n, draws, alpha);
    let hi = percentile(hist, n, draws, 1 - alpha);
    if (k === 0) hi = Math.max(hi, 1 - Math.pow(alpha, 1 / n));
    if (k === n) lo = Math.min(lo, Math.pow(alpha, 1 / n));
    return { rate: k / n, interval: [lo, hi] };
  };
  return { baseline: summarise(base, histB), projected: summarise(projected, histP) };
}

/**
 * The q-percentile of the resampled rates (the round(q·(draws − 1))-th smallest), read off their
 * histogram: a resample's rate is k/n, so the sorted rates are each k/n repeated hist[k] times.
 */
function percentile(hist: Int32Array, n: number, draws: number, q: number): number {
  const i = Math.min(draws - 1, Math.max(0, Math.round(q * (draws - 1))));
  let seen = 0;
  for (let k = 0; k <= n; k++) {
    seen += hist[k]!;
    if (i < seen) return k / n;
  }
  return 1;
}

/**
 * Histograms of the resampled breached count by flags, per `counts` array. Every scenario of a
 * what-if resamples the same windows (the counts are memoised by seed, windows and draws) and the
 * baseline's flags do not depend on the scenario, and a scenario often leaves the flags as they
 * were: the same histogram is asked for again and again. Never mutated after it is built.
 */
const histograms = new WeakMap<Int32Array, Map<string, Int32Array>>();
const HISTOGRAMS_PER_COUNTS = 1024;

/**
 * hist[k] = how many resamples have k breached windows. A resample's breached count is the sum
 * of `counts` (counts[d·n + w] = how often window w was drawn in resample d) over the breached
 * windows, or n minus the sum over the others, whichever set is smaller: draws × min(k, n − k).
 * When no window (or every window) is breached, every resample has the same k: the common case.
 */
function breachHistogram(flags: boolean[], counts: Int32Array, draws: number): Int32Array {
  const n = flags.length;
  let key = `${draws}:`;
  let k = 0;
  for (const f of flags) {
    key += f ? '1' : '0';
    if (f) k++;
  }
  let byFlags = histograms.get(counts);
  if (!byFlags) histograms.set(counts, (byFlags = new Map()));
  const known = byFlags.get(key);
  if (known) return known;
  const hist = new Int32Array(n + 1);
  if (k === 0 || k === n) hist[k] = draws;
  else {
    const useComplement = k > n / 2;
    const set = new Int32Array(useComplement ? n - k : k);
    for (let w = 0, at = 0; w < n; w++) if (flags[w] !== useComplement) set[at++] = w;
    const size = set.length;
    for (let d = 0, row = 0; d < draws; d++, row += n) {
      let c = 0;
      for (let i = 0; i < size; i++) c += counts[row + set[i]!]!;
      hist[useComplement ? n - c : c]!++;
    }
  }
  if (byFlags.size >= HISTOGRAMS_PER_COUNTS) byFlags.clear();
  byFlags.set(key, hist);
  return hist;
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
