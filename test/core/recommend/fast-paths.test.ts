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
import { fastRng, uniforms } from '../../../app/core/sli/stats.js';

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
