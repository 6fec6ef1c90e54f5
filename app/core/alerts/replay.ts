/**
 * Replay of the generated multiwindow burn-rate alerts (issue 11 §5) over a history, with
 * Prometheus' own arithmetic, so a reviewer sees how often the page and the ticket would have fired
 * before merging them.
 *
 * The rules (app/export/prometheus-rules.ts) record, per window w, error ratio = bad rate / total rate,
 * with `sum(rate(counter[w]))`, and an alert fires at an evaluation when, for one of its window pairs,
 * both the long and the short ratio exceed factor × (1 − target). `rate` here follows Prometheus 2.x
 * `extrapolatedRate`: closed range [t − w, t], at least two samples, counter resets, zero-point
 * clamp and extrapolation to the range edges when the edge sample is within 1.1 average intervals.
 */

/** A counter sampled every `step` seconds from `t0`; NaN = no sample. */
export interface CounterSeries { t0: number; step: number; values: Float64Array }

/** bad = Σ rate(plus) − Σ rate(minus) (latency: count − bucket); total = Σ rate(total). */
export interface RatioInput {
  bad: { plus: CounterSeries[]; minus: CounterSeries[] };
  total: CounterSeries[];
}

export interface AlertPair { severity: 'page' | 'ticket'; longSeconds: number; shortSeconds: number; factor: number }

/** Prometheus 2.x `rate(counter[range])` at `t`, or null when fewer than two samples fall in the range. */
export function promRate(s: CounterSeries, t: number, range: number): number | null {
  const r = rateAt(s, prefixes(s), t, range);
  return Number.isNaN(r) ? null : r;
}

/** The rate at t over `range` from the series' prefix sums; NaN when Prometheus would return nothing. */
function rateAt(s: CounterSeries, p: Prefixes, t: number, range: number): number {
  const start = t - range;
  // Samples at t0 + i·step inside the closed range [start, t].
  const first = Math.max(0, Math.ceil((start - s.t0) / s.step - 1e-9));
  const last = Math.min(s.values.length - 1, Math.floor((t - s.t0) / s.step + 1e-9));
  if (first > last) return Number.NaN;
  // The first and last valid samples in [first, last], in O(1) (a gap of NaN is not scanned).
  const i0 = p.nextValid[first]!;
  if (i0 > last) return Number.NaN;
  const i1 = p.prevValid[last]!;
  if (i1 <= i0) return Number.NaN;
  // Valid samples and counter-reset corrections from prefix sums: O(1) per window, not O(window).
  const { count, resets } = p;
  const n = count[i1 + 1]! - count[i0]!;
  const result = s.values[i1]! - s.values[i0]! + (resets[i1 + 1]! - resets[i0 + 1]!);
  const tFirst = s.t0 + i0 * s.step;
  const tLast = s.t0 + i1 * s.step;
  let toStart = tFirst - start;
  const toEnd = t - tLast;
  const sampled = tLast - tFirst;
  const avg = sampled / (n - 1);
  if (result > 0 && s.values[i0]! >= 0) {
    const toZero = sampled * (s.values[i0]! / result);
    if (toZero < toStart) toStart = toZero;
  }
  const threshold = avg * 1.1;
  let interval = sampled;
  interval += toStart < threshold ? toStart : avg / 2;
  interval += toEnd < threshold ? toEnd : avg / 2;
  return (result * (interval / sampled)) / range;
}

interface Prefixes { count: Float64Array; resets: Float64Array; nextValid: Int32Array; prevValid: Int32Array }
const PREFIX = new WeakMap<CounterSeries, Prefixes>();

/**
 * count[i] = valid samples before index i; resets[i] = Σ over valid samples j < i of the previous valid
 * value when the counter dropped there (what Prometheus adds back for a reset); nextValid[i] / prevValid[i]
 * = the nearest valid sample at or after / at or before i (n / −1 when there is none).
 */
function prefixes(s: CounterSeries): Prefixes {
  let p = PREFIX.get(s);
  if (p) return p;
  const n = s.values.length;
  const count = new Float64Array(n + 1);
  const resets = new Float64Array(n + 1);
  const nextValid = new Int32Array(n);
  const prevValid = new Int32Array(n);
  let prev = Number.NaN;
  let lastValid = -1;
  for (let i = 0; i < n; i++) {
    const v = s.values[i]!;
    const valid = !Number.isNaN(v);
    count[i + 1] = count[i]! + (valid ? 1 : 0);
    resets[i + 1] = resets[i]! + (valid && !Number.isNaN(prev) && v < prev ? prev : 0);
    if (valid) {
      prev = v;
      lastValid = i;
    }
    prevValid[i] = lastValid;
  }
  let nextV = n;
  for (let i = n - 1; i >= 0; i--) {
    if (!Number.isNaN(s.values[i]!)) nextV = i;
    nextValid[i] = nextV;
  }
  p = { count, resets, nextValid, prevValid };
  PREFIX.set(s, p);
  return p;
}

/** `sum(rate(...))` over series: null when no series has a rate (an empty vector). */
function sumRates(series: CounterSeries[], t: number, range: number): number | null {
  let sum: number | null = null;
  for (const s of series) {
    const r = promRate(s, t, range);
    if (r !== null) sum = (sum ?? 0) + r;
  }
  return sum;
}

/** The recorded error ratio at t over `range`; null when Prometheus would have no sample (or NaN). */
export function errorRatio(input: RatioInput, t: number, range: number): number | null {
  const plus = sumRates(input.bad.plus, t, range);
  if (plus === null) return null;
  let bad = plus;
  if (input.bad.minus.length) {
    const minus = sumRates(input.bad.minus, t, range);
    if (minus === null) return null;
    bad -= minus;
  }
  const total = sumRates(input.total, t, range);
  if (total === null || total === 0) return null; // 0/0 is NaN: no comparison holds
  return bad / total;
}

/** `sum(rate(...))` at every time of `times` where `mask` is set (NaN = empty vector or not asked), the same arithmetic as sumRates. */
function sumRateGrid(series: CounterSeries[], times: Float64Array, range: number, mask?: Uint8Array): Float64Array {
  const out = new Float64Array(times.length).fill(Number.NaN);
  for (const s of series) {
    const p = prefixes(s);
    for (let k = 0; k < times.length; k++) {
      if (mask && !mask[k]) continue;
      const r = rateAt(s, p, times[k]!, range);
      if (Number.isNaN(r)) continue;
      const sum = out[k]!;
      out[k] = (Number.isNaN(sum) ? 0 : sum) + r;
    }
  }
  return out;
}

/** errorRatio at every time of `times` where `mask` is set (NaN where it is null or not asked), computed series by series. */
function errorRatioGrid(input: RatioInput, times: Float64Array, range: number, mask?: Uint8Array): Float64Array {
  const bad = sumRateGrid(input.bad.plus, times, range, mask);
  if (input.bad.minus.length) {
    const minus = sumRateGrid(input.bad.minus, times, range, mask);
    for (let k = 0; k < bad.length; k++) bad[k] = Number.isNaN(minus[k]!) ? Number.NaN : bad[k]! - minus[k]!;
  }
  const total = sumRateGrid(input.total, times, range, mask);
  for (let k = 0; k < bad.length; k++) bad[k] = total[k] === 0 ? Number.NaN : bad[k]! / total[k]!;
  return bad;
}

export interface FiringSeries {
  severity: 'page' | 'ticket';
  /** Evaluation times (unix seconds) at which the alert was firing. */
  firing: number[];
}

/**
 * Evaluates the alerts every `evalStep` seconds over [from, to]. The rules have no `for:` clause, so
 * an alert fires exactly at the evaluations where its condition holds. Each window's ratio is computed
 * once for all evaluation times (typed arrays, no allocation per evaluation): a 28-day replay at
 * 5 minutes is 8 windows x 2 series x 8,000 evaluations per SLO.
 */
export function replayAlerts(input: RatioInput, pairs: AlertPair[], budget: number, from: number, to: number, evalStep: number): FiringSeries[] {
  const list: number[] = [];
  for (let t = from; t <= to + 1e-9; t += evalStep) list.push(t);
  const times = Float64Array.from(list);
  // Long windows in full; a window that is only ever a short one just where its long one is over the
  // limit (elsewhere the condition fails whatever the short ratio is): most evaluations are quiet.
  const longs = [...new Set(pairs.map((p) => p.longSeconds))];
  const ratio = new Map<number, Float64Array>(longs.map((r) => [r, errorRatioGrid(input, times, r)]));
  for (const r of new Set(pairs.map((p) => p.shortSeconds))) {
    if (ratio.has(r)) continue;
    const mask = new Uint8Array(times.length);
    for (const p of pairs.filter((x) => x.shortSeconds === r)) {
      const long = ratio.get(p.longSeconds)!;
      const limit = p.factor * budget;
      for (let k = 0; k < times.length; k++) if (long[k]! > limit) mask[k] = 1;
    }
    ratio.set(r, errorRatioGrid(input, times, r, mask));
  }
  return (['page', 'ticket'] as const).map((severity) => {
    const conditions = pairs.filter((p) => p.severity === severity).map((p) => ({ long: ratio.get(p.longSeconds)!, short: ratio.get(p.shortSeconds)!, limit: p.factor * budget }));
    const firing: number[] = [];
    for (let k = 0; k < times.length; k++) {
      // NaN (no sample) never compares greater, as null never held in the rules.
      if (conditions.some((c) => c.long[k]! > c.limit && c.short[k]! > c.limit)) firing.push(times[k]!);
    }
    return { severity, firing };
  });
}

export interface Episode { start: number; end: number }

/** Contiguous firing evaluations as episodes [first, last + step). */
export function episodes(firing: number[], evalStep: number): Episode[] {
  const out: Episode[] = [];
  for (const t of firing) {
    const last = out[out.length - 1];
    if (last && t - last.end <= 1e-9) last.end = t + evalStep;
    else out.push({ start: t, end: t + evalStep });
  }
  return out;
}

/** A counter from per-step increments (the shape a `increase(x[step])` range query returns). */
export function counterFromIncrements(t0: number, step: number, increments: ArrayLike<number>): CounterSeries {
  const values = new Float64Array(increments.length + 1);
  let acc = 0;
  values[0] = 0;
  for (let i = 0; i < increments.length; i++) {
    const inc = increments[i]!;
    if (Number.isNaN(inc)) {
      values[i + 1] = Number.NaN;
      continue;
    }
    acc += inc;
    values[i + 1] = acc;
  }
  return { t0, step, values };
}
