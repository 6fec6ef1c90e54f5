/**
 * The recommender's fast paths must give the numbers of the plain code they replace, to the bit
 * (a report must not change because it got faster). Each fast path is checked against a reference
 * written the straightforward way, as the code read before it was optimised.
 */
import { describe, expect, it } from 'vitest';
import { fleetHistories } from '../../../app/core/fleet/index.js';
import { estimateBreachRate, mixPredictive, pmfInterval, posteriorRate, type BreachInput } from '../../../app/core/recommend/bootstrap.js';
import { cellsFor, estimateBurn, pick, pickTable, sampleInterval, type BurnInput } from '../../../app/core/recommend/burn.js';
import { endpointContext } from '../../../app/core/recommend/context.js';
import { resolveOptions } from '../../../app/core/recommend/options.js';
import { NO_PROJECTION } from '../../../app/core/recommend/trend.js';
import { availabilityCompliance, rowsRisk, availabilityRows, buildVariants, pointRisk, variantPoints } from '../../../app/core/recommend/variants.js';
import { AVAILABILITY_LADDER, weightedCompliance } from '../../../app/core/recommend/threshold.js';
import { availabilitySli } from '../../../app/core/sli/window.js';
import { fastRng, hashSeed, normalCdf, uniforms } from '../../../app/core/sli/stats.js';
import { demeanBy, demeanGroups, detectTrends, fitTrend, groupsOf, projectedBad, projectionAt, type Projection, type TrendFit } from '../../../app/core/recommend/trend.js';
import { replayScores, type ReplayScores, type ReplayVariant } from '../../../app/core/recommend/replay.js';
import { burnScore } from '../../../app/core/recommend/burn.js';
import { worstBurn } from '../../../app/core/recommend/headroom.js';
import { blockLength, selectVariants, sliFunctions } from '../../../app/core/recommend/variants.js';
import type { ResolvedOptions } from '../../../app/core/recommend/options.js';
import type { FitWindow } from '../../../app/core/recommend/threshold.js';
import type { WindowCounts } from '../../../app/core/types.js';

/** SFC32 with its state in closure variables: the generator as first written. */
function referenceRng(seed: number): { next(): number } {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const u32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) u32();
  return { next: () => ((u32() >>> 5) * 67108864 + (u32() >>> 6)) / 9007199254740992 };
}

/** estimateBurn as first written: one next() per pick, binary search, the samples fully sorted. */
function referenceBurn(input: BurnInput): { expected: number; interval: [number, number] } {
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
  const samples = new Float64Array(input.draws);
  for (let d = 0; d < input.draws; d++) {
    let b = 0;
    let t = 0;
    for (let k = 0; k < perDraw; k++) {
      const j = pick(cum, input.rng.next() * acc);
      b += blockBad[j]!;
      t += blockTotal[j]!;
    }
    samples[d] = t > 0 ? (drift * b) / t / input.budgetFraction : 0;
  }
  samples.sort();
  return { expected, interval: sortedInterval(samples, input.level, expected) };
}

function sortedInterval(sorted: Float64Array, level: number, point: number): [number, number] {
  const alpha = (1 - level) / 2;
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(p * sorted.length)))]!;
  return [Math.min(q(alpha), point), Math.max(q(1 - alpha), point)];
}

/** estimateBreachRate as first written: one next() per pick, a linear scan over the counts, `+= 1 / draws` per draw. */
function referenceBreach(input: BreachInput): ReturnType<typeof estimateBreachRate> {
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
  const nEff = (sw * sw) / sw2;
  const weightedShare = swb / sw;
  const rate = posteriorRate(weightedShare, nEff, a0, b0);
  const L = Math.max(1, Math.min(input.blockLength, n));
  const weightOfCount = new Float64Array(L + 1);
  for (let j = 0; j < n - L + 1; j++) {
    let bw = 0;
    let bb = 0;
    for (let i = j; i < j + L; i++) {
      bw += w[i]!;
      if (input.breached[i]) bb++;
    }
    weightOfCount[bb]! += bw;
  }
  const counts: number[] = [];
  const cum: number[] = [];
  let acc = 0;
  for (let c = 0; c <= L; c++) {
    if (weightOfCount[c]! <= 0) continue;
    acc += weightOfCount[c]!;
    counts.push(c);
    cum.push(acc);
  }
  const perDraw = Math.ceil(n / L);
  const m = Math.max(1, Math.round(input.periodWindows));
  const kFreq = new Float64Array(perDraw * L + 1);
  const draws = counts.length === 1 ? 0 : input.draws;
  if (draws === 0) kFreq[perDraw * counts[0]!] = 1;
  for (let d = 0; d < draws; d++) {
    let k = 0;
    for (let b = 0; b < perDraw; b++) {
      const x = input.rng.next() * acc;
      let i = 0;
      while (i < counts.length - 1 && cum[i]! <= x) i++;
      k += counts[i]!;
    }
    kFreq[k]! += 1 / draws;
  }
  const resampled = { freq: kFreq, of: perDraw * L };
  const predictive = mixPredictive(resampled, nEff, m, a0, b0);
  return { rate, interval: pmfInterval(predictive, input.level, rate), effectiveN: nEff, weightedShare, breaches, windows: n, predictive, resampled, prior: { a: a0, b: b0 } };
}

describe('fast paths give the reference numbers to the bit', () => {
  it('fastRng: next() and fill() continue one stream, the same as the closure-state generator', () => {
    for (const seed of [0, 1, 42, 0x7fffffff, 0x80000000, 0xffffffff, 123_456_789]) {
      const fast = fastRng(seed);
      const ref = referenceRng(seed);
      const got: number[] = [];
      const want: number[] = [];
      for (let round = 0; round < 20; round++) {
        const chunk = new Float64Array(round * 37);
        fast.fill(chunk);
        got.push(...chunk, fast.next());
        for (let i = 0; i <= chunk.length; i++) want.push(ref.next());
      }
      expect(got).toEqual(want);
    }
    // uniforms() falls back to next() for a source without fill.
    const plain = referenceRng(9);
    expect([...uniforms({ next: () => plain.next() }, 50)]).toEqual([...uniforms(fastRng(9), 50)]);
  });

  it('sampleInterval selects the order statistics a full sort reads, ties and all', () => {
    const rng = fastRng(5);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(rng.next() * (trial % 2 ? 600 : 5000));
      const distinct = 1 + Math.floor(rng.next() * 12);
      const tiesOnly = trial % 3 === 0;
      const xs = Float64Array.from({ length: n }, () => (tiesOnly ? Math.floor(rng.next() * distinct) / distinct : rng.next()));
      const level = [0.5, 0.8, 0.9, 0.95, 0.999][trial % 5]!;
      const point = rng.next();
      const sorted = Float64Array.from(xs).sort();
      expect(sampleInterval(Float64Array.from(xs), level, point)).toEqual(sortedInterval(sorted, level, point));
    }
  });

  it('a pick table gives the binary search for every uniform, at cell edges, block edges, zero-weight blocks and the very top', () => {
    const rng = fastRng(11);
    const top = 1 - 2 ** -53;
    for (let trial = 0; trial < 200; trial++) {
      const m = 1 + Math.floor(rng.next() * 30);
      let acc = 0;
      // Some weights are powers of two so that block edges fall exactly on cell edges.
      const cum = Float64Array.from({ length: m }, () => (acc += rng.next() < 0.3 ? 0 : rng.next() < 0.3 ? 2 ** Math.floor(rng.next() * 4 - 2) : rng.next() * 10 ** (rng.next() * 6 - 3)));
      const cells = [16, 64, 1024][trial % 3]!;
      const table = pickTable(cum, m, cells);
      const total = cum[m - 1]!;
      const near = (v: number) => [v, v - 2 ** -53, v + 2 ** -53, v - 2 ** -54, v + 2 ** -54].filter((x) => x >= 0 && x < 1);
      const us = [
        0, top,
        ...Array.from({ length: cells + 1 }, (_, i) => i / cells).flatMap(near),
        ...[...cum].map((c) => c / total).flatMap(near),
        ...Array.from({ length: 500 }, () => rng.next()),
      ];
      let straddling = 0;
      const got: number[] = [];
      const want: number[] = [];
      for (const u of us) {
        const cell = table[Math.floor(u * cells)]!;
        if (cell < 0) straddling++;
        else {
          got.push(cell);
          want.push(pick(cum, u * total));
        }
      }
      expect(got).toEqual(want);
      // The table is a shortcut, not a tautology: most draws are answered by it.
      if (cells >= 32 * m) expect(straddling).toBeLessThan(us.length / 2);
    }
    expect(cellsFor(22, 8000)).toBe(1024);
    expect(cellsFor(15, 400)).toBe(256);
  });

  it('estimateBurn equals the sort-and-search bootstrap', () => {
    const rng = fastRng(3);
    for (let trial = 0; trial < 120; trial++) {
      const n = 1 + Math.floor(rng.next() * 40);
      const quiet = trial % 4 === 0;
      const total = Array.from({ length: n }, () => Math.round(rng.next() * 5000));
      const bad = total.map((t) => (quiet ? 0 : Math.round(t * rng.next() * 0.02)));
      const weights = Array.from({ length: n }, (_, i) => (trial % 5 === 0 ? 1 : 0.5 ** ((n - i) / 14)));
      const base = { bad, total, weights, budgetFraction: [0.001, 0.01, 0.05][trial % 3]!, periodWindows: [7, 28, 30][trial % 3]!, draws: [400, 2000, 1000][trial % 3]!, level: [0.9, 0.8, 0.5, 0.99][trial % 4]!, blockLength: [7, 7, 1, 5][trial % 4]!, ...(trial % 2 ? { drift: 1.3 } : {}) };
      const seed = 1000 + trial;
      expect(estimateBurn({ ...base, rng: fastRng(seed) })).toEqual(referenceBurn({ ...base, rng: referenceRng(seed) }));
    }
  });

  it('estimateBreachRate equals the draw-by-draw scan, with fill() or one next() per pick', () => {
    const rng = fastRng(8);
    for (let trial = 0; trial < 60; trial++) {
      const n = 7 + Math.floor(rng.next() * 30);
      const p = [0.02, 0.2, 0.5, 0.9][trial % 4]!;
      const breached = Array.from({ length: n }, () => rng.next() < p);
      const weights = breached.map((_, i) => (trial % 5 === 0 ? 1 : 0.5 ** ((n - i) / 14)));
      const base = { breached, weights, periodWindows: [28, 7, 30][trial % 3]!, draws: [2000, 400, 777][trial % 3]!, level: [0.9, 0.8, 0.95][trial % 3]!, blockLength: [7, 3, 1][trial % 3]!, ...(trial % 6 === 1 ? { prior: { a: 0.05, b: 0.05 } } : {}) };
      const want = referenceBreach({ ...base, rng: referenceRng(trial) });
      expect(estimateBreachRate({ ...base, rng: fastRng(trial) })).toEqual(want);
      const ref = referenceRng(trial);
      expect(estimateBreachRate({ ...base, rng: { next: () => ref.next() } })).toEqual(want);
    }
  });

  it("variantPoints (a trend note's 'without the trend') equals the full build's point estimates", () => {
    const end = Date.UTC(2026, 10, 1) / 1000;
    const histories = fleetHistories({ seed: 2, end, days: 28, scenario: 'demo', services: 3, endpointsPerService: 3, stepSeconds: 3600 }, { breachWindowSeconds: 86_400 });
    const o = resolveOptions({ end, windowSeconds: 28 * 86_400, breachWindowSeconds: 86_400, seed: 1 });
    let compared = 0;
    for (const h of histories) {
      const ctx = endpointContext(h, o);
      if ('skip' in ctx) continue;
      const fit = ctx.present.map((w, i) => ({ w, weight: ctx.weights[i]! }));
      const bounds = ctx.present.at(-1)?.latency?.thresholds ?? [];
      for (const kind of bounds.length ? (['latency', 'availability'] as const) : (['availability'] as const)) {
        for (const proj of [NO_PROJECTION, { latencyFactor: 1.2, errorFactor: 1.5 }]) {
          const full = buildVariants(ctx, kind, 'slo', fit, bounds, proj).map((b) => ({ type: b.type, rate: b.estimate.rate, burn: b.burn.expected }));
          expect(variantPoints(ctx, kind, 'slo', fit, bounds, proj)).toEqual(full);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10);
  });

  it('the availability ladder search reads compliance and risk off per-window rows, as from the windows themselves', () => {
    const end = Date.UTC(2026, 10, 1) / 1000;
    const histories = fleetHistories({ seed: 4, end, days: 28, scenario: 'demo', services: 3, endpointsPerService: 3, stepSeconds: 3600 }, { breachWindowSeconds: 86_400 });
    const o = resolveOptions({ end, windowSeconds: 28 * 86_400, breachWindowSeconds: 86_400, seed: 1 });
    let compared = 0;
    for (const h of histories) {
      const ctx = endpointContext(h, o);
      if ('skip' in ctx) continue;
      const fit = ctx.present.map((w, i) => ({ w, weight: ctx.weights[i]! }));
      for (const proj of [NO_PROJECTION, { latencyFactor: 1, errorFactor: 1.7 }, { latencyFactor: 1, errorFactor: 0.6 }]) {
        const rows = availabilityRows(fit, proj);
        for (const t of AVAILABILITY_LADDER) {
          expect(availabilityCompliance(rows, t / 100)).toEqual(weightedCompliance(fit, availabilitySli, t / 100));
          expect(rowsRisk(rows, t)).toEqual(pointRisk(fit, t, null, proj));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  });
});

/** fitTrend as first written: two fresh weekday-demeaned arrays per break. */
function referenceFitTrend(days: number[], y: number[]): TrendFit | null {
  const demean = (values: number[]) => {
    const sum = new Array<number>(7).fill(0);
    const n = new Array<number>(7).fill(0);
    days.forEach((d, i) => {
      sum[(d + 4) % 7]! += values[i]!;
      n[(d + 4) % 7]!++;
    });
    return values.map((v, i) => v - sum[(days[i]! + 4) % 7]! / n[(days[i]! + 4) % 7]!);
  };
  const n = days.length;
  if (n < 14) return null;
  const yt = demean(y);
  let best: { sse: number; beta: number; se: number; k: number } | null = null;
  for (let k = 0; k < n && days[n - 1]! - days[k]! >= 13; k++) {
    const x = demean(days.map((d) => Math.max(0, d - days[k]!)));
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      sxx += x[i]! * x[i]!;
      sxy += x[i]! * yt[i]!;
    }
    if (sxx <= 0) continue;
    const beta = sxy / sxx;
    let sse = 0;
    for (let i = 0; i < n; i++) sse += (yt[i]! - beta * x[i]!) ** 2;
    const se = Math.sqrt(sse / Math.max(1, n - Math.min(7, n) - 1) / sxx);
    if (!best || sse < best.sse) best = { sse, beta, se, k };
  }
  if (!best || best.se <= 0) return null;
  const t = best.beta / best.se;
  const perWeek = Math.exp(7 * best.beta) - 1;
  if (Math.abs(t) < 6 || Math.abs(perWeek) < 0.03) return null;
  return { perWeek, since: days[best.k]! * 86_400, t, beta: best.beta };
}

/** projectedBad's latency shift as first written: both probits by bisection on every call. */
function referenceShiftedBad(w: WindowCounts, threshold: number, bad: number, factor: number): number {
  const probit = (p: number) => {
    let lo = -9;
    let hi = 9;
    for (let k = 0; k < 50; k++) {
      const mid = (lo + hi) / 2;
      if (normalCdf(mid) < p) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  if (factor === 1 || !w.latency) return bad;
  const x = threshold / factor;
  const { thresholds, goodCounts } = w.latency;
  let good: number;
  if (x <= thresholds[0]!) good = goodCounts[0]! * Math.max(0, x / thresholds[0]!);
  else if (x >= thresholds[thresholds.length - 1]!) good = goodCounts[goodCounts.length - 1]!;
  else {
    let i = 0;
    while (thresholds[i + 1]! < x) i++;
    const f = Math.log(x / thresholds[i]!) / Math.log(thresholds[i + 1]! / thresholds[i]!);
    const clamp = (c: number) => Math.min(1 - 0.5 / w.total, Math.max(0.5 / w.total, c / w.total));
    const lo = probit(clamp(goodCounts[i]!));
    const hi = probit(clamp(goodCounts[i + 1]!));
    good = goodCounts[i + 1]! <= goodCounts[i]! ? goodCounts[i]! : Math.min(goodCounts[i + 1]!, Math.max(goodCounts[i]!, w.total * normalCdf(lo + f * (hi - lo))));
  }
  return Math.max(0, Math.min(w.total, w.total - good));
}

/** replayScores as first written: row objects per origin and variant, flatMaps, maps and reduces. */
function referenceReplay(
  o: ResolvedOptions, sloId: string, windows: WindowCounts[], equalWeights: boolean,
  select: (fit: FitWindow[], proj: Projection) => ReplayVariant[],
  project: (fit: WindowCounts[], weights: number[], originEnd: number) => Projection,
): ReplayScores {
  const check = blockLength(o.breachWindowSeconds);
  const out: ReplayScores = { breach: [], burn: [], from: Infinity, to: -Infinity };
  const origins: number[] = [];
  for (let at = windows.length - check; at >= 2 * check && origins.length < 8; at -= check) origins.push(at);
  for (const at of origins) {
    const fitW = windows.slice(0, at);
    const next = windows.slice(at, at + check);
    const originEnd = fitW[fitW.length - 1]!.end;
    const weights = fitW.map((w) => (equalWeights ? 1 : 0.5 ** (Math.max(0, originEnd - w.end) / o.halfLife)));
    const proj = project(fitW, weights, originEnd);
    const variants = select(fitW.map((w, i) => ({ w, weight: weights[i]! })), proj);
    let worstSoFar = 0;
    for (const v of variants) {
      const { sliOf, badOf } = sliFunctions(v.threshold);
      const tf = v.target / 100 - 1e-12;
      const rows = fitW.flatMap((w, i) => {
        const bad = badOf(w);
        return sliOf(w) === null || bad === null ? [] : [{ w, weight: weights[i]!, bad: projectedBad(w, v.threshold, bad, proj) }];
      });
      const after = next.flatMap((w) => {
        const sli = sliOf(w);
        const bad = badOf(w);
        return sli === null || bad === null ? [] : [{ w, sli, bad }];
      });
      worstSoFar = Math.max(worstSoFar, worstBurn(rows.map((r) => r.bad), rows.map((r) => r.w.total), 1 - v.target / 100));
      if (rows.length < check || after.length === 0) continue;
      const common = { periodWindows: check, draws: 400, level: o.intervalLevel, blockLength: check };
      const est = estimateBreachRate({ ...common, breached: rows.map((r) => 1 - r.bad / r.w.total < tf), weights: rows.map((r) => r.weight), rng: fastRng(hashSeed(o.seed, sloId, v.type, 'replay', at)) });
      out.breach.push({ type: v.type, resampled: est.resampled, nEff: est.effectiveN, share: est.weightedShare, k: after.filter((r) => r.sli < tf).length, m: check, v: fastRng(hashSeed(o.seed, sloId, v.type, 'pit', at)).next(), worst: worstSoFar });
      const burn = estimateBurn({ ...common, bad: rows.map((r) => r.bad), total: rows.map((r) => r.w.total), weights: rows.map((r) => r.weight), budgetFraction: 1 - v.target / 100, rng: fastRng(hashSeed(o.seed, sloId, v.type, 'replay-burn', at)) });
      const nb = after.reduce((s, r) => s + r.bad, 0);
      const nt = after.reduce((s, r) => s + r.w.total, 0);
      out.burn.push(burnScore(burn.interval, nt > 0 ? nb / nt / (1 - v.target / 100) : 0));
      out.from = Math.min(out.from, originEnd);
      out.to = Math.max(out.to, next[next.length - 1]!.end);
    }
  }
  return out;
}

describe('fast paths of the trends and the replays give the reference numbers to the bit', () => {
  const end = Date.UTC(2026, 10, 1) / 1000;
  const day = 86_400;
  /** 2 uniform and 2 queued services (growing traffic, queue-shaped latency) x 2 endpoints, hourly series for all. */
  const queued = fleetHistories({ seed: 3, end, days: 28, scenario: 'uniform', services: 2, endpointsPerService: 2, queuedServices: 2, stepSeconds: 3600 }, { breachWindowSeconds: day, hourly: true });
  const o = resolveOptions({ end, windowSeconds: 28 * day, breachWindowSeconds: day, seed: 1 });

  it('fitTrend equals the two-arrays-per-break fit, on flat, trending, gappy and short series', () => {
    const rng = fastRng(21);
    let trends = 0;
    for (let trial = 0; trial < 300; trial++) {
      const n = 10 + Math.floor(rng.next() * 30);
      const days: number[] = [];
      for (let d = 20_000 + Math.floor(rng.next() * 7); days.length < n; d++) if (trial % 3 !== 0 || rng.next() < 0.8) days.push(d);
      const slope = [0, 0.01, 0.03, -0.02][trial % 4]!;
      const y = days.map((d) => 5 + slope * Math.max(0, d - days[Math.floor(n / 3)]!) + 0.1 * Math.sin(d) + 0.02 * rng.next());
      const want = referenceFitTrend(days, y);
      expect(fitTrend(days, y)).toEqual(want);
      if (want) trends++;
    }
    // Found trends as well as none: both branches are compared.
    expect(trends).toBeGreaterThan(30);
    expect(trends).toBeLessThan(300);
  });

  it("demeanGroups equals demeanBy, groups in any order", () => {
    const rng = fastRng(22);
    for (let trial = 0; trial < 100; trial++) {
      const keys = Array.from({ length: 1 + Math.floor(rng.next() * 200) }, () => 19_000 + Math.floor(rng.next() * 30));
      const values = keys.map(() => rng.next() * 10 - 3);
      expect([...demeanGroups(groupsOf(keys), values)]).toEqual(demeanBy(keys, values));
    }
  });

  it('projectedBad with the probit cache equals both probits by bisection on every call, at any factor and threshold', () => {
    let shifted = 0;
    for (const h of queued) {
      for (const w of h.windows.slice(-10)) {
        if (!w.latency) continue;
        const bounds = w.latency.thresholds;
        // One cache across every factor and threshold, and asked twice: the second call reads it.
        const proj = (latencyFactor: number): Projection => ({ latencyFactor, errorFactor: 1, probits: cache });
        const cache = new Map<WindowCounts, Float64Array>();
        for (const factor of [1, 0.7, 1.1, 1.5, 3.9]) {
          for (const t of [...bounds, bounds[0]! / 2, 0.3, 7.5]) {
            const measured = w.total - (w.latency.goodCounts[bounds.filter((b) => b <= t + 1e-9).length - 1] ?? 0);
            const want = referenceShiftedBad(w, t, measured, factor);
            expect(projectedBad(w, t, measured, proj(factor))).toBe(want);
            expect(projectedBad(w, t, measured, proj(factor))).toBe(want);
            expect(projectedBad(w, t, measured, { latencyFactor: factor, errorFactor: 1 })).toBe(want);
            if (factor !== 1 && want !== measured) shifted++;
          }
        }
        expect(cache.get(w)?.some((x) => !Number.isNaN(x))).toBe(true);
      }
    }
    expect(shifted).toBeGreaterThan(100);
  });

  it("a queue projection's remembered hourly bad counts equal a fresh projection's, in any order of windows and thresholds", () => {
    let queues = 0;
    for (const h of queued) {
      const ctx = endpointContext(h, o);
      if ('skip' in ctx) continue;
      const trends = detectTrends(ctx.present, h.hourly, h.replicas);
      if (!trends.queue) continue;
      queues++;
      const mids = ctx.present.map((w, i) => ({ mid: (w.start + w.end) / 2, weight: ctx.weights[i]!, w }));
      const shared = projectionAt(trends, mids, end + 14 * day);
      const bounds = ctx.present.at(-1)!.latency!.thresholds;
      const rng = fastRng(hashSeed(h.service, h.endpoint ?? ''));
      for (let q = 0; q < 300; q++) {
        const w = ctx.present[Math.floor(rng.next() * ctx.present.length)]!;
        const t = bounds[Math.floor(rng.next() * bounds.length)]!;
        expect(shared.badAt!(w, t)).toBe(projectionAt(trends, mids, end + 14 * day, new Map()).badAt!(w, t));
      }
    }
    // The queued services' endpoints: the queue model really ran.
    expect(queues).toBeGreaterThanOrEqual(2);
  });

  it('replayScores equals the row-object replay, latency and availability, with and without trend projections', () => {
    const demo = fleetHistories({ seed: 5, end, days: 28, scenario: 'demo', stepSeconds: 3600 }, { breachWindowSeconds: day, hourly: true });
    let compared = 0;
    for (const h of [...queued, ...demo]) {
      const ctx = endpointContext(h, o);
      if ('skip' in ctx) continue;
      const bounds = ctx.present.at(-1)?.latency?.thresholds ?? [];
      for (const kind of bounds.length ? (['latency', 'availability'] as const) : (['availability'] as const)) {
        for (const equalWeights of [false, true]) {
          const check = blockLength(o.breachWindowSeconds);
          const project = (ws: WindowCounts[], weights: number[], originEnd: number): Projection => {
            const t = detectTrends(ws, h.hourly?.filter((w) => w.start >= ws[0]!.start && w.end <= originEnd), h.replicas);
            return t.traffic || t.latency || t.errors ? projectionAt(t, ws.map((w, i) => ({ mid: (w.start + w.end) / 2, weight: weights[i]!, w })), originEnd + check / 2) : NO_PROJECTION;
          };
          const select = (ws: FitWindow[], proj: Projection) => selectVariants(ctx, kind, ws, bounds, proj);
          const want = referenceReplay(o, `${h.service}-${kind}`, ctx.present, equalWeights, select, project);
          expect(replayScores(o, `${h.service}-${kind}`, ctx.present, equalWeights, select, project)).toEqual(want);
          if (want.breach.length > 0) compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(40);
  });
});
